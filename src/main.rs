use std::process::ExitCode;

use clap::Parser;
use imdb_tui::cli::{self, Cli, Command};
use imdb_tui::i18n::{Lang, Msg};

fn main() -> ExitCode {
    // clap prints its own usage errors and help in English and exits here,
    // before the language is known; its messages have no Chinese catalog.
    let cli = Cli::parse();
    let lang = Lang::detect(cli.lang.as_deref());
    let result = match &cli.command {
        None => cli::dashboard(&cli, lang),
        Some(Command::Train(args)) => cli::train(&cli.data, args, lang),
        Some(Command::Predict(args)) => cli::predict(args, lang),
        Some(Command::FetchData(args)) => cli::fetch_data(args, lang),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let message = cli::error_text(&error, lang);
            eprintln!("{}", lang.text(&Msg::ErrorLine { message: &message }));
            ExitCode::FAILURE
        }
    }
}
