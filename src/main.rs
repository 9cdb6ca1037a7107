use std::process::ExitCode;

use clap::Parser;
use imdb_tui::cli::{self, Cli, Command};

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Err(error) = cli::reject_repeated_globals(&args) {
        error.exit();
    }
    let cli = Cli::parse_from(args);
    let result = match &cli.command {
        None => cli::dashboard(&cli),
        Some(Command::Train(args)) => cli::train(&cli.data, args),
        Some(Command::Predict(args)) => cli::predict(args),
        Some(Command::FetchData(args)) => cli::fetch_data(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", cli::error_message(&error));
            ExitCode::FAILURE
        }
    }
}
