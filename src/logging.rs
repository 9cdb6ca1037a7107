//! The log file. The dashboard owns the terminal, so log records go to a
//! file, never to the screen: `data/imdb-tui.log`, appended to, at the level
//! set by `IMDB_TUI_LOG` (an `EnvFilter` directive such as `debug`;
//! default `info`).

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Environment variable with the log filter.
pub const LOG_ENV_VAR: &str = "IMDB_TUI_LOG";

/// Name of the log file inside the data folder.
pub const LOG_FILE_NAME: &str = "imdb-tui.log";

/// Starts writing log records to `data_dir/imdb-tui.log`. Returns the
/// reason when the file cannot be opened, in which case nothing is logged;
/// the program works the same without a log.
pub fn init(data_dir: &Path) -> Result<(), String> {
    let path = data_dir.join(LOG_FILE_NAME);
    let file = open(data_dir, &path).map_err(|error| format!("{}: {error}", path.display()))?;
    let filter = EnvFilter::try_from_env(LOG_ENV_VAR).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .map_err(|error| error.to_string())
}

fn open(data_dir: &Path, path: &Path) -> std::io::Result<File> {
    std::fs::create_dir_all(data_dir)?;
    OpenOptions::new().create(true).append(true).open(path)
}
