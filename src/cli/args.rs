use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};

/// Train the classic IMDB dense network and watch it learn.
///
/// With no command, opens the dashboard: the exploration run starts at
/// once, charts training and validation loss and accuracy, marks the epoch
/// where overfitting begins, and lets you retrain and type reviews.
#[derive(Debug, Parser)]
#[command(name = "imdb-tui", version, about, long_about)]
pub struct Cli {
    /// Language of the dashboard and of the commands' messages: en or zh.
    /// Default: from LC_ALL, LC_MESSAGES or LANG (a value starting with zh
    /// selects Chinese).
    #[arg(long, global = true, value_parser = ["en", "zh"])]
    pub lang: Option<String>,

    #[command(flatten)]
    pub data: DataArgs,

    /// Epochs of the exploration run (1 to 100).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub epochs: u16,

    /// Seed of the initial weights, the validation split and the shuffles.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train without the dashboard, printing a line per epoch.
    Train(TrainArgs),
    /// Print the probability that each review is positive.
    Predict(PredictArgs),
    /// Download the dataset (84 MB) into data/.
    FetchData(FetchArgs),
}

/// Options for the source of the reviews and their encoding.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Dataset tarball (.tar.gz) or extracted aclImdb folder. Default: the
    /// IMDB_DATA environment variable, then data/.
    #[arg(long, value_name = "PATH", global = true)]
    pub data: Option<PathBuf>,

    /// Number of most frequent training words in the vocabulary, which is
    /// the network's input size.
    #[arg(long, value_name = "N", default_value_t = 10_000, global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub vocab: u32,

    /// Fail instead of offering to download the dataset when it is missing.
    /// The offered download uses the IMDB_DATA_URL and IMDB_DATA_MD5
    /// environment variables, when set, as `fetch-data` does.
    #[arg(long, global = true)]
    pub no_download: bool,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Epochs to train (1 to 100).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub epochs: u16,

    /// Train a fresh model on all 25,000 training reviews, then evaluate it
    /// on the 25,000 test reviews, instead of holding out 10,000 for
    /// validation.
    #[arg(long)]
    pub full: bool,

    /// Seed of the initial weights, the validation split and the shuffles.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Save the trained model to PATH (.npz) and its vocabulary to the .json
    /// beside it.
    #[arg(long, value_name = "PATH")]
    pub save: Option<PathBuf>,

    /// Print one JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Saved model (.npz, with its .json beside it).
    #[arg(long, value_name = "PATH", default_value = "data/model.npz")]
    pub model: PathBuf,

    /// Reviews to score. Without any, reads one review per line from
    /// standard input.
    #[arg(value_name = "TEXT")]
    pub texts: Vec<String>,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Address of the dataset tarball, for a mirror. Default: the
    /// IMDB_DATA_URL environment variable, then the Stanford original.
    #[arg(long, value_name = "URL", env = "IMDB_DATA_URL")]
    pub url: Option<String>,

    /// MD5 checksum (32 hex digits) of the file at --url. Default: the
    /// IMDB_DATA_MD5 environment variable, then the original tarball's.
    #[arg(long, value_name = "HEX", env = "IMDB_DATA_MD5")]
    pub md5: Option<String>,
}

/// Global options that take a value. clap lets them appear before and after
/// the command, and keeps the last value without a word.
const GLOBAL_VALUE_OPTIONS: [&str; 3] = ["--data", "--vocab", "--lang"];

/// Rejects a global option given more than once, such as
/// `imdb-tui --data a train --data b`, which would otherwise train on `b`
/// silently. Arguments after `--` are values, not options.
pub fn reject_repeated_globals(args: &[OsString]) -> Result<(), clap::Error> {
    for option in GLOBAL_VALUE_OPTIONS {
        let with_value = format!("{option}=");
        let count = args
            .iter()
            .skip(1)
            .map(|arg| arg.to_string_lossy())
            .take_while(|arg| arg != "--")
            .filter(|arg| arg == option || arg.starts_with(&with_value))
            .count();
        if count > 1 {
            return Err(Cli::command().error(
                ErrorKind::ArgumentConflict,
                format!("the option '{option}' is given {count} times; give it once"),
            ));
        }
    }
    Ok(())
}
