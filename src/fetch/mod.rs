//! Download of the Large Movie Review Dataset archive (`aclImdb_v1.tar.gz`).
//!
//! [`Downloader::run`] fetches the archive over HTTP or HTTPS into a data
//! directory, resumes an interrupted download with a Range request, checks the
//! size and MD5 checksum, and reports progress to a [`Progress`] receiver such as
//! the indicatif-based [`BarProgress`]. It blocks, so the dashboard runs it on a
//! blocking thread. Each [`FetchError`] names the failed value and a way out.
//! A file at the destination when the download starts is never removed or
//! replaced. Either it is the expected archive, or the download fails with an
//! error that names it.
//!
//! The command line draws an indicatif bar:
//!
//! ```no_run
//! use imdb_tui::fetch::{BarProgress, Downloader, OFFICIAL_MD5, OFFICIAL_URL, Source};
//!
//! # fn main() -> Result<(), imdb_tui::fetch::FetchError> {
//! // `--url` or IMDB_DATA_URL replaces OFFICIAL_URL, and `--md5` OFFICIAL_MD5.
//! let source = Source::new(OFFICIAL_URL, OFFICIAL_MD5)?;
//! Downloader::new("data").with_source(source).run(&mut BarProgress::new())?;
//! # Ok(())
//! # }
//! ```
//!
//! The dashboard runs the download on a blocking thread and receives progress
//! over a channel:
//!
//! ```no_run
//! use imdb_tui::fetch::Downloader;
//!
//! # async fn start() {
//! let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
//! let downloader = Downloader::new("data");
//! let task = tokio::task::spawn_blocking(move || {
//!     downloader.run(&mut |done, total| drop(sender.send((done, total))))
//! });
//! while let Some((done, total)) = receiver.recv().await {
//!     // Update the gauge with `done` of `total: Option<u64>` bytes.
//! }
//! let outcome = task.await;
//! # }
//! ```

mod download;
mod error;
mod http;
mod progress;
mod source;
mod transfer;
mod verify;

pub use download::{DEFAULT_IDLE_TIMEOUT, Downloader, Outcome};
pub use error::FetchError;
pub use progress::{BarProgress, Progress};
pub use source::{Md5Digest, OFFICIAL_MD5, OFFICIAL_SIZE, OFFICIAL_URL, Source};

/// File name of the archive inside the data directory.
pub const ARCHIVE_NAME: &str = "aclImdb_v1.tar.gz";

/// Suffix of the file that contains the archive until it is verified.
pub const PART_SUFFIX: &str = ".part";

/// Environment variable that names a mirror URL to download from instead of
/// [`OFFICIAL_URL`].
pub const URL_ENV_VAR: &str = "IMDB_DATA_URL";
