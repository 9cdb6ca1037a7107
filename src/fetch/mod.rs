//! Download of the Large Movie Review Dataset archive (`aclImdb_v1.tar.gz`).
//!
//! [`Downloader::run`] fetches the archive over HTTP or HTTPS into a data
//! directory, resumes an interrupted download with a Range request, checks the
//! size and MD5 checksum, and reports progress to a [`Progress`] receiver such as
//! the indicatif-based [`BarProgress`]. It blocks, so the dashboard runs it on a
//! blocking thread. Each [`FetchError`] names the failed value and a way out.

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
