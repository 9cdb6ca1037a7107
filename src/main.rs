use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use imdb_tui::cli::{self, Cli, Command, DATA_DIR};
use imdb_tui::i18n::{Lang, Msg};

/// Exit code of an invalid command line, the one clap uses.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    // clap prints its own usage errors and help in English and exits here,
    // before the language is known; its messages have no Chinese catalog.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Err(error) = cli::reject_repeated_globals(&args) {
        error.exit();
    }
    let cli = Cli::parse_from(args);
    let lang = Lang::detect(cli.lang.as_deref());
    // Settings and the other usage checks run before the log file opens in
    // data/, so that an invalid option leaves no trace, as clap's usage
    // errors do.
    let settings = match cli.run_settings() {
        Ok(settings) => settings,
        Err(error) => {
            let message = cli::settings_error_text(&error, lang);
            eprintln!("{}", lang.text(&Msg::ErrorLine { message: &message }));
            return ExitCode::from(USAGE_ERROR);
        }
    };
    if let Err(error) = cli.check_usage() {
        let message = cli::usage_error_text(&error, lang);
        eprintln!("{}", lang.text(&Msg::ErrorLine { message: &message }));
        return ExitCode::from(USAGE_ERROR);
    }
    // Commands that work in data/ keep a log there; predict reads a model
    // from anywhere and does not create the folder.
    if !matches!(cli.command, Some(Command::Predict(_)))
        && let Err(reason) = imdb_tui::logging::init(Path::new(DATA_DIR))
    {
        let message = lang.text(&Msg::NoLogFile { reason: &reason });
        eprintln!("{}", lang.text(&Msg::WarningLine { message: &message }));
    }

    let result = match &cli.command {
        None => cli::dashboard(&cli, &settings, lang),
        Some(Command::Train(args)) => cli::train(&cli.data, args, &settings, lang),
        Some(Command::Predict(args)) => cli::predict(args, lang),
        Some(Command::FetchData(args)) => cli::fetch_data(args, lang),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if let Some(quiet) = error.downcast_ref::<cli::QuietExit>() {
                tracing::info!("{quiet}");
                return ExitCode::from(quiet.exit_code());
            }
            tracing::error!("{error:#}");
            let message = cli::error_text(&error, lang);
            eprintln!("{}", lang.text(&Msg::ErrorLine { message: &message }));
            ExitCode::FAILURE
        }
    }
}
