//! The command line: the dashboard by default, and headless commands to
//! train, predict and download the dataset.

mod args;
mod checks;
mod dashboard;
mod data;
mod exit;
mod fetch;
mod messages;
mod output;
mod predict;
mod report;
mod signals;
mod stop;
mod suggest;
mod train;

pub use args::{
    Cli, Command, DataArgs, FetchArgs, PredictArgs, SettingsArgs, TrainArgs,
    reject_repeated_globals,
};
pub use checks::{ModelPathProblem, UsageError, check_weights_path};
pub use dashboard::dashboard;
pub use data::{
    DATA_DIR, MD5_ENV_VAR, download_source_from_env, load_dataset, locate_or_offer_download,
    mirror_source,
};
pub use exit::QuietExit;
pub use fetch::fetch_data;
pub use messages::{
    data_error_text, error_text, fetch_error_text, model_error_text, settings_error_text,
    usage_error_text, warning_text,
};
pub use predict::predict;
pub use report::error_message;
pub use train::train;
