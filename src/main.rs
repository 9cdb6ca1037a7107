use std::process::ExitCode;

use clap::Parser;
use imdb_tui::cli::{self, Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        None => cli::dashboard(&cli),
        Some(Command::Train(args)) => cli::train(&cli.data, args),
        Some(Command::Predict(args)) => cli::predict(args),
        Some(Command::FetchData(args)) => cli::fetch_data(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
