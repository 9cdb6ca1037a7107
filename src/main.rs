use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use imdb_tui::cli::{self, Cli, Command, DATA_DIR};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Commands that work in data/ keep a log there; predict reads a model
    // from anywhere and does not create the folder.
    if !matches!(cli.command, Some(Command::Predict(_)))
        && let Err(reason) = imdb_tui::logging::init(Path::new(DATA_DIR))
    {
        eprintln!("warning: no log file ({reason})");
    }

    let result = match &cli.command {
        None => cli::dashboard(&cli),
        Some(Command::Train(args)) => cli::train(&cli.data, args),
        Some(Command::Predict(args)) => cli::predict(args),
        Some(Command::FetchData(args)) => cli::fetch_data(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
