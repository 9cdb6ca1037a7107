//! Errors of the download, each naming the failed value and a way out.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{ARCHIVE_NAME, Md5Digest, URL_ENV_VAR};

/// Failure of a dataset download.
///
/// Network failures keep the partial file, so running the download again resumes it.
/// Size and checksum mismatches remove it, because its bytes cannot be trusted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL is not http or https, or names no host.
    #[error(
        "invalid download URL {url:?}: expected an http:// or https:// URL with a host; pass a valid mirror URL with `imdb-tui fetch-data --url URL` or {URL_ENV_VAR}"
    )]
    InvalidUrl { url: String },

    /// The checksum is not 32 hexadecimal digits.
    #[error(
        "invalid MD5 checksum {value:?}: expected 32 hexadecimal digits; pass the mirror's checksum with `imdb-tui fetch-data --md5 HEX`"
    )]
    InvalidMd5 { value: String },

    /// The host name did not resolve, often because there is no network.
    #[error("could not resolve the host of {url}: check the network connection and retry, {}", fallback(.dir))]
    HostNotFound { url: String, dir: PathBuf },

    /// The system has no route to the server.
    #[error("network unreachable for {url} ({source}): check the network connection and retry, {}", fallback(.dir))]
    NetworkUnreachable {
        url: String,
        dir: PathBuf,
        source: io::Error,
    },

    /// Nothing listens on the server's port.
    #[error("connection to {url} refused: retry later, {}", fallback(.dir))]
    ConnectionRefused { url: String, dir: PathBuf },

    /// No byte arrived within the idle timeout.
    #[error("timed out: no data from {url} for {} s after {received} bytes; retry to resume, {}", .idle.as_secs_f64(), fallback(.dir))]
    TimedOut {
        url: String,
        dir: PathBuf,
        idle: Duration,
        received: u64,
    },

    /// The connection closed or failed before the body ended.
    #[error("connection to {url} lost after {received} bytes ({source}); retry to resume from the partial file, {}", fallback(.dir))]
    ConnectionLost {
        url: String,
        dir: PathBuf,
        received: u64,
        source: io::Error,
    },

    /// The server responded with a status other than 200 or 206.
    #[error("{url} returned HTTP status {status}; check the URL or retry later, {}", fallback(.dir))]
    HttpStatus {
        url: String,
        dir: PathBuf,
        status: u16,
    },

    /// The TLS handshake or a TLS record failed.
    #[error("TLS failed for {url} ({source}); check the system clock and retry, {}", fallback(.dir))]
    Tls {
        url: String,
        dir: PathBuf,
        source: ureq::Error,
    },

    /// Any other failure of the HTTP client, such as a malformed response.
    #[error("HTTP request to {url} failed ({source}); retry, {}", fallback(.dir))]
    Http {
        url: String,
        dir: PathBuf,
        source: ureq::Error,
    },

    /// The announced or received size differs from the expected one.
    #[error(
        "size mismatch for {url}: expected {expected} bytes, the server sent {actual}; the partial file was removed; retry, or pass the mirror's checksum with `imdb-tui fetch-data --md5 HEX` if it serves another file"
    )]
    SizeMismatch {
        url: String,
        expected: u64,
        actual: u64,
    },

    /// The downloaded bytes have another MD5 checksum than expected.
    #[error(
        "checksum mismatch for {url}: expected MD5 {expected}, got {actual}; the download was removed; retry, or run `imdb-tui fetch-data --url URL --md5 HEX` with a mirror and its checksum"
    )]
    ChecksumMismatch {
        url: String,
        expected: Md5Digest,
        actual: Md5Digest,
    },

    /// A file that this download did not write is at the destination and is
    /// not the expected archive. It is left untouched.
    #[error(
        "{} is already there but is not the expected archive: it has {size} bytes and MD5 {md5}, expected {}MD5 {expected_md5}. imdb-tui leaves it untouched. To download the archive, move or rename it, then run `imdb-tui fetch-data` again. To accept this file, run `imdb-tui fetch-data --md5 {md5}` (or set IMDB_DATA_MD5), or train on it as it is with `imdb-tui train --data {}`.",
        .path.display(),
        expected_size_text(*.expected_size),
        .path.display()
    )]
    ExistingFileMismatch {
        path: PathBuf,
        size: u64,
        md5: Md5Digest,
        expected_size: Option<u64>,
        expected_md5: Md5Digest,
    },

    /// Something other than a regular file, such as a folder or a broken
    /// symbolic link, is at the destination. It is left untouched.
    #[error(
        "{} exists but is not a regular file, so imdb-tui leaves it untouched. Move or rename it, then run `imdb-tui fetch-data` again.",
        .path.display()
    )]
    DestinationNotAFile { path: PathBuf },

    /// The data directory cannot be created or written.
    #[error("cannot create or write the data directory {} ({source}); make it a writable directory or choose another data directory", .dir.display())]
    DataDir { dir: PathBuf, source: io::Error },

    /// The disk or the quota is full.
    #[error("disk full while writing {}; free space on that disk and retry to resume", .path.display())]
    DiskFull { path: PathBuf, source: io::Error },

    /// Another failure to read, write, rename or remove a file.
    #[error("could not {action} {} ({source}); check its permissions and retry", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    /// [`Progress::is_cancelled`](super::Progress::is_cancelled) returned true.
    #[error("download cancelled after {received} bytes; run it again to resume")]
    Cancelled { received: u64 },
}

/// Formats the ways around a failing server: another URL or a file placed by hand.
fn fallback(dir: &Path) -> String {
    format!(
        "run `imdb-tui fetch-data --url URL` with a mirror or set {URL_ENV_VAR}, or place {ARCHIVE_NAME} in {} by hand",
        dir.display()
    )
}

/// Formats the expected size, when known, followed by "and".
fn expected_size_text(size: Option<u64>) -> String {
    size.map_or_else(String::new, |size| format!("{size} bytes and "))
}

/// Request being made when a network error happened, to name it in the error.
pub(crate) struct NetworkContext<'a> {
    pub(crate) url: &'a str,
    pub(crate) dir: &'a Path,
    pub(crate) idle: Duration,
    pub(crate) received: u64,
}

impl NetworkContext<'_> {
    /// Converts an error of the HTTP client into the variant that names its cause.
    pub(crate) fn classify(&self, error: ureq::Error) -> FetchError {
        let url = self.url.to_owned();
        let dir = self.dir.to_owned();
        match error {
            ureq::Error::HostNotFound => FetchError::HostNotFound { url, dir },
            ureq::Error::Timeout(_) => self.timed_out(),
            ureq::Error::StatusCode(status) => FetchError::HttpStatus { url, dir, status },
            ureq::Error::BadUri(_) => FetchError::InvalidUrl { url },
            ureq::Error::Io(source) => self.classify_io(source),
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => FetchError::Tls {
                url,
                dir,
                source: error,
            },
            other => FetchError::Http {
                url,
                dir,
                source: other,
            },
        }
    }

    /// Converts an error from reading the response body, which the HTTP client
    /// wraps in [`io::Error`].
    pub(crate) fn classify_read(&self, error: io::Error) -> FetchError {
        self.classify(ureq::Error::from(error))
    }

    fn classify_io(&self, source: io::Error) -> FetchError {
        let url = self.url.to_owned();
        let dir = self.dir.to_owned();
        // rustls reports a failed handshake or a bad record as an I/O error.
        let from_tls = source
            .get_ref()
            .is_some_and(|inner| inner.is::<rustls::Error>());
        if from_tls {
            return FetchError::Tls {
                url,
                dir,
                source: ureq::Error::Io(source),
            };
        }

        match source.kind() {
            io::ErrorKind::ConnectionRefused => FetchError::ConnectionRefused { url, dir },
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => self.timed_out(),
            io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkDown => FetchError::NetworkUnreachable { url, dir, source },
            _ => FetchError::ConnectionLost {
                url,
                dir,
                received: self.received,
                source,
            },
        }
    }

    fn timed_out(&self) -> FetchError {
        FetchError::TimedOut {
            url: self.url.to_owned(),
            dir: self.dir.to_owned(),
            idle: self.idle,
            received: self.received,
        }
    }
}

/// Converts an error from writing the partial file, telling a full disk apart.
pub(crate) fn write_error(path: &Path, source: io::Error) -> FetchError {
    let path = path.to_owned();
    match source.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            FetchError::DiskFull { path, source }
        }
        _ => FetchError::Io {
            action: "write",
            path,
            source,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_can_cross_threads() {
        // The dashboard runs the download on a blocking thread and sends the
        // error back, and `anyhow` needs these bounds too.
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<FetchError>();
    }

    fn context() -> NetworkContext<'static> {
        NetworkContext {
            url: "https://host.example/a.tar.gz",
            dir: Path::new("data"),
            idle: Duration::from_secs(30),
            received: 7,
        }
    }

    #[test]
    fn host_not_found_names_url_and_fallbacks() {
        let error = context().classify(ureq::Error::HostNotFound);
        assert!(
            matches!(error, FetchError::HostNotFound { .. }),
            "{error:?}"
        );

        let message = error.to_string();
        assert!(
            message.contains("https://host.example/a.tar.gz"),
            "{message}"
        );
        assert!(message.contains("--url"), "{message}");
        assert!(message.contains(URL_ENV_VAR), "{message}");
        assert!(
            message.contains("place aclImdb_v1.tar.gz in data by hand"),
            "{message}"
        );
    }

    #[test]
    fn unreachable_network_is_named() {
        let source = io::Error::from(io::ErrorKind::NetworkUnreachable);
        let error = context().classify(ureq::Error::Io(source));
        assert!(
            matches!(error, FetchError::NetworkUnreachable { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn wrapped_read_timeout_is_timed_out() {
        let wrapped = ureq::Error::Timeout(ureq::Timeout::PerRead).into_io();
        let error = context().classify_read(wrapped);
        assert!(
            matches!(error, FetchError::TimedOut { received: 7, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("30 s"), "{error}");
    }

    #[test]
    fn full_disk_is_disk_full() {
        let source = io::Error::from(io::ErrorKind::StorageFull);
        let error = write_error(Path::new("data/x.part"), source);
        assert!(matches!(error, FetchError::DiskFull { .. }), "{error:?}");
        assert!(error.to_string().contains("data/x.part"), "{error}");
    }
}
