use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::train::{DEFAULT_VOCAB_SIZE, Field, Settings, SettingsError};

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

    /// Settings of the dashboard's first exploration run.
    #[command(flatten)]
    pub settings: SettingsArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

// The command line is parsed once at start-up, so the size of the `train`
// variant, which contains every setting as text, costs nothing worth boxing.
#[allow(clippy::large_enum_variant)]
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
    /// the network's input size. Default: 10,000.
    #[arg(long, value_name = "N", global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub vocab: Option<u32>,

    /// Fail instead of offering to download the dataset when it is missing.
    /// The offered download uses the IMDB_DATA_URL and IMDB_DATA_MD5
    /// environment variables, when set, as `fetch-data` does.
    #[arg(long, global = true)]
    pub no_download: bool,
}

impl DataArgs {
    /// Returns the `--vocab` value, or the classic recipe's size.
    pub fn vocab_size(&self) -> usize {
        self.vocab
            .map_or(DEFAULT_VOCAB_SIZE, |words| words as usize)
    }
}

/// Settings of a run. Values are checked against the allowed values of
/// `train::Field` before any data is read, so that an invalid value is
/// reported in the user's language. The defaults are the classic recipe.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// Epochs to train (1 to 200). Default: 20.
    #[arg(long, value_name = "N")]
    pub epochs: Option<String>,

    /// Seed of the initial weights, the validation split and the shuffles
    /// (0 to 2^64-1). Default: 1.
    #[arg(long, value_name = "S")]
    pub seed: Option<String>,

    /// Number of hidden layers (1 to 4). Default: 2.
    #[arg(long, value_name = "N")]
    pub layers: Option<String>,

    /// Units of every hidden layer (4 to 256). Default: 16.
    #[arg(long, value_name = "N")]
    pub units: Option<String>,

    /// Activation of the hidden layers: relu or tanh. Default: relu.
    #[arg(long, value_name = "NAME")]
    pub activation: Option<String>,

    /// Loss: bce (binary cross-entropy) or mse (mean squared error).
    /// Default: bce.
    #[arg(long, value_name = "NAME")]
    pub loss: Option<String>,

    /// Optimizer: rmsprop, adam or sgd (SGD with momentum 0.9). Default:
    /// rmsprop.
    #[arg(long, value_name = "NAME")]
    pub optimizer: Option<String>,

    /// Learning rate (above 0, up to 1). Default: 0.001.
    #[arg(long, value_name = "RATE")]
    pub learning_rate: Option<String>,

    /// Reviews per gradient step (1 to 25,000). Default: 512.
    #[arg(long, value_name = "N")]
    pub batch_size: Option<String>,

    /// Training reviews held out for validation in an exploration run
    /// (1,000 to 20,000). Default: 10,000.
    #[arg(long, value_name = "N")]
    pub validation_size: Option<String>,

    /// Fraction of each hidden layer's outputs dropped in training (0 to
    /// 0.9). Default: 0.
    #[arg(long, value_name = "FRACTION")]
    pub dropout: Option<String>,

    /// L2 penalty factor on the weights of every layer (0 to 1). Default: 0.
    #[arg(long, value_name = "FACTOR")]
    pub l2: Option<String>,
}

impl SettingsArgs {
    fn given(&self) -> [(Field, Option<&String>); 12] {
        [
            (Field::Epochs, self.epochs.as_ref()),
            (Field::Seed, self.seed.as_ref()),
            (Field::HiddenLayers, self.layers.as_ref()),
            (Field::Units, self.units.as_ref()),
            (Field::Activation, self.activation.as_ref()),
            (Field::Loss, self.loss.as_ref()),
            (Field::Optimizer, self.optimizer.as_ref()),
            (Field::LearningRate, self.learning_rate.as_ref()),
            (Field::BatchSize, self.batch_size.as_ref()),
            (Field::ValidationSize, self.validation_size.as_ref()),
            (Field::Dropout, self.dropout.as_ref()),
            (Field::L2, self.l2.as_ref()),
        ]
    }

    /// Returns the option of the first setting given, in the order of
    /// [`SettingsArgs::given`].
    pub fn first_given(&self) -> Option<&'static str> {
        self.given()
            .into_iter()
            .find(|(_, value)| value.is_some())
            .map(|(field, _)| field.option())
    }

    /// Builds the settings from the defaults and the options given, in the
    /// order of [`SettingsArgs::given`], so the first invalid one is
    /// reported.
    ///
    /// NOTE: `vocab_size` is taken as given, without the 1,000 to 30,000
    /// range of the settings panel, because `--vocab` is a data option that
    /// small datasets and the test fixtures use with a few words. The data
    /// preparation rejects 0 and sizes above the number of distinct words.
    pub fn settings(&self, vocab_size: usize) -> Result<Settings, SettingsError> {
        let mut settings = Settings {
            vocab_size,
            ..Settings::default()
        };
        for (field, value) in self.given() {
            if let Some(value) = value {
                settings.set(field, value)?;
            }
        }
        Ok(settings)
    }
}

impl Cli {
    /// Builds the settings of the command's run: the `train` options for
    /// `train`, else the options given before any command.
    pub fn run_settings(&self) -> Result<Settings, SettingsError> {
        let args = match &self.command {
            Some(Command::Train(train)) => &train.settings,
            _ => &self.settings,
        };
        args.settings(self.data.vocab_size())
    }
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub settings: SettingsArgs,

    /// Train a fresh model on all 25,000 training reviews, then evaluate it
    /// on the 25,000 test reviews, instead of holding out 10,000 for
    /// validation.
    #[arg(long)]
    pub full: bool,

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
    /// Weights file of a saved model (.npz). Its .json of the same name is
    /// read from beside it.
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
