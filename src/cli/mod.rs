//! The command line: the dashboard by default, and headless commands to
//! train, predict and download the dataset.

mod args;
mod dashboard;
mod data;
mod fetch;
mod predict;
mod report;
mod train;

pub use args::{
    Cli, Command, DataArgs, FetchArgs, PredictArgs, TrainArgs, reject_repeated_globals,
};
pub use dashboard::dashboard;
pub use data::{DATA_DIR, load_dataset, locate_or_offer_download};
pub use fetch::fetch_data;
pub use predict::predict;
pub use report::error_message;
pub use train::train;
