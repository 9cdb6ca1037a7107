//! The download itself: reuse of a complete file, resume of a partial one,
//! verification and the final rename.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use md5::{Digest, Md5};
use ureq::Agent;
use ureq::http::Response;

use super::error::NetworkContext;
use super::http::{self, Reply};
use super::transfer::PartFile;
use super::verify::{
    Existing, digest_of, file_matches, hash_file_into, inspect_destination, remove_if_present,
};
use super::{ARCHIVE_NAME, FetchError, Md5Digest, PART_SUFFIX, Progress, Source};

/// Idle timeout used unless [`Downloader::with_idle_timeout`] sets another.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Result of a successful [`Downloader::run`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The destination already had the right size and checksum, so nothing was sent.
    AlreadyPresent,
    /// The whole file was downloaded, `bytes` long.
    Downloaded { bytes: u64 },
    /// A partial file of `from` bytes was completed to `bytes`.
    Resumed { from: u64, bytes: u64 },
}

/// Downloader of the dataset archive into a data directory.
///
/// The archive is written to `aclImdb_v1.tar.gz.part` beside the destination and
/// renamed to `aclImdb_v1.tar.gz` only after its size and MD5 checksum match.
#[derive(Clone, Debug)]
pub struct Downloader {
    source: Source,
    data_dir: PathBuf,
    idle_timeout: Duration,
}

impl Downloader {
    /// Creates a downloader of the official archive into `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            source: Source::official(),
            data_dir: data_dir.into(),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        }
    }

    /// Sets the archive to download, for example a mirror.
    #[must_use]
    pub fn with_source(mut self, source: Source) -> Self {
        self.source = source;
        self
    }

    /// Sets how long the name lookup, connecting, or any single read or write may
    /// make no progress before the download fails with [`FetchError::TimedOut`].
    #[must_use]
    pub fn with_idle_timeout(mut self, idle_timeout: Duration) -> Self {
        self.idle_timeout = idle_timeout;
        self
    }

    /// Returns the archive this downloader fetches.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// Returns the path of the finished archive.
    pub fn destination(&self) -> PathBuf {
        self.data_dir.join(ARCHIVE_NAME)
    }

    /// Returns the path of the file that contains the archive while it downloads.
    pub fn part_path(&self) -> PathBuf {
        self.data_dir.join(format!("{ARCHIVE_NAME}{PART_SUFFIX}"))
    }

    /// Returns true when the destination exists with the right size and checksum.
    ///
    /// # Errors
    ///
    /// [`FetchError::Io`] when the file exists but cannot be read.
    pub fn is_complete(&self) -> Result<bool, FetchError> {
        file_matches(&self.destination(), &self.source)
    }

    /// Downloads the archive unless the destination is already complete.
    ///
    /// A partial file from an earlier run is resumed with an HTTP Range request
    /// when the server responds with 206, and started over when it responds with
    /// 200. A file at the destination when the call starts was placed by the
    /// user or by an earlier download, so it is never removed or replaced. When
    /// it is not the expected archive, the call fails before any request is sent. This call blocks, so
    /// async callers run it with `tokio::task::spawn_blocking`.
    ///
    /// # Errors
    ///
    /// Any [`FetchError`] except [`FetchError::InvalidMd5`], which only
    /// [`Source::new`] returns. [`FetchError::ExistingFileMismatch`] and
    /// [`FetchError::DestinationNotAFile`] name what is at the destination.
    /// Network errors and cancellation keep the partial file for the next run.
    /// Size and checksum mismatches remove it.
    pub fn run(&self, progress: &mut dyn Progress) -> Result<Outcome, FetchError> {
        let part = self.part_path();
        fs::create_dir_all(&self.data_dir).map_err(|source| FetchError::DataDir {
            dir: self.data_dir.clone(),
            source,
        })?;

        if inspect_destination(&self.destination(), &self.source)? == Existing::Complete {
            return Ok(Outcome::AlreadyPresent);
        }

        let mut offset = self.reusable_part_length(&part)?;
        if offset > 0 && self.source.size() == Some(offset) {
            // An earlier run wrote every byte but stopped before the rename.
            if let Some(outcome) = self.finish_complete_part(&part, offset, progress)? {
                return Ok(outcome);
            }
            offset = 0;
        }

        let agent = http::agent(self.idle_timeout);
        let result = self.transfer(&agent, &part, offset, progress);
        if matches!(
            result,
            Err(FetchError::SizeMismatch { .. } | FetchError::ChecksumMismatch { .. })
        ) {
            remove_if_present(&part)?;
        }
        let outcome = result?;

        self.move_into_place(&part)?;
        progress.finish();
        Ok(outcome)
    }

    /// Renames the verified partial file to the destination. A file that
    /// appeared at the destination during the download is checked and kept.
    /// The partial file is then removed if that file is the expected archive,
    /// and otherwise kept for the next run.
    fn move_into_place(&self, part: &Path) -> Result<(), FetchError> {
        let destination = self.destination();
        if inspect_destination(&destination, &self.source)? == Existing::Complete {
            return remove_if_present(part);
        }

        // NOTE: a file placed in the moment between the check above and this
        // rename is replaced, because `fs::rename` overwrites its target.
        fs::rename(part, &destination).map_err(|source| FetchError::Io {
            action: "rename",
            path: part.to_owned(),
            source,
        })
    }

    /// Returns the length of the partial file, after removing one that is longer
    /// than the expected size.
    fn reusable_part_length(&self, part: &Path) -> Result<u64, FetchError> {
        let length = match fs::metadata(part) {
            Ok(metadata) => metadata.len(),
            Err(error) if error.kind() == io::ErrorKind::NotFound => 0,
            Err(source) => {
                return Err(FetchError::DataDir {
                    dir: self.data_dir.clone(),
                    source,
                });
            }
        };

        if self.source.size().is_some_and(|size| length > size) {
            remove_if_present(part)?;
            return Ok(0);
        }
        Ok(length)
    }

    /// Renames a partial file that already has every byte, if its checksum matches.
    /// A partial file that does not match is removed and `None` returned.
    fn finish_complete_part(
        &self,
        part: &Path,
        length: u64,
        progress: &mut dyn Progress,
    ) -> Result<Option<Outcome>, FetchError> {
        if !file_matches(part, &self.source)? {
            remove_if_present(part)?;
            return Ok(None);
        }

        progress.start(length, Some(length));
        self.move_into_place(part)?;
        progress.finish();
        Ok(Some(Outcome::Resumed {
            from: length,
            bytes: length,
        }))
    }

    /// Requests the archive from `offset`, writes the body into the partial file
    /// and checks its size and checksum.
    fn transfer(
        &self,
        agent: &Agent,
        part: &Path,
        mut offset: u64,
        progress: &mut dyn Progress,
    ) -> Result<Outcome, FetchError> {
        let mut network = NetworkContext {
            url: self.source.url(),
            dir: &self.data_dir,
            idle: self.idle_timeout,
            received: offset,
        };

        let mut response = self.request(agent, offset, &network)?;
        let mut reply = http::interpret(response.status(), response.headers(), offset);
        if reply == Reply::RangeUnusable {
            // The server cannot continue this partial file, so start over once.
            remove_if_present(part)?;
            offset = 0;
            network.received = 0;
            response = self.request(agent, 0, &network)?;
            reply = http::interpret(response.status(), response.headers(), 0);
        }

        let (resumed, announced) = match reply {
            Reply::Continues { total } => (offset > 0, total),
            Reply::Whole { total } => (false, total),
            Reply::RangeUnusable | Reply::Failed { .. } => {
                return Err(FetchError::HttpStatus {
                    url: self.source.url().to_owned(),
                    dir: self.data_dir.clone(),
                    status: response.status().as_u16(),
                });
            }
        };
        if !resumed {
            offset = 0;
        }
        self.check_announced_size(announced)?;
        // Both sizes are equal when both are known. Either one bounds the copy and
        // gives the progress bar its length.
        let total = announced.or(self.source.size());

        let mut part_file = self.open_part(part, offset)?;
        progress.start(part_file.done, total);
        let mut body = response.body_mut().as_reader();
        let done = part_file.copy_body(&mut body, total, &mut network, progress)?;
        let digest = digest_of(part_file.hasher);

        self.check_written(done, total, digest)?;
        Ok(if resumed {
            Outcome::Resumed {
                from: offset,
                bytes: done,
            }
        } else {
            Outcome::Downloaded { bytes: done }
        })
    }

    /// Sends a GET request, with a Range header when `offset` is above zero.
    fn request(
        &self,
        agent: &Agent,
        offset: u64,
        network: &NetworkContext<'_>,
    ) -> Result<Response<ureq::Body>, FetchError> {
        let mut request = agent
            .get(self.source.url())
            .header("Accept-Encoding", "identity");
        if offset > 0 {
            request = request.header("Range", format!("bytes={offset}-"));
        }
        request.call().map_err(|error| network.classify(error))
    }

    /// Rejects a response whose announced size differs from the expected one
    /// before any byte of it is written.
    fn check_announced_size(&self, total: Option<u64>) -> Result<(), FetchError> {
        match (self.source.size(), total) {
            (Some(expected), Some(actual)) if expected != actual => Err(FetchError::SizeMismatch {
                url: self.source.url().to_owned(),
                expected,
                actual,
            }),
            _ => Ok(()),
        }
    }

    /// Opens the partial file for appending at `offset`, or empties it when `offset`
    /// is zero, and hashes the bytes already in it.
    fn open_part<'a>(&self, part: &'a Path, offset: u64) -> Result<PartFile<'a>, FetchError> {
        let open_error = |source: io::Error| match source.kind() {
            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                FetchError::DataDir {
                    dir: self.data_dir.clone(),
                    source,
                }
            }
            _ => FetchError::Io {
                action: "open",
                path: part.to_owned(),
                source,
            },
        };

        let mut hasher = Md5::new();
        let file = if offset > 0 {
            let existing_length = hash_file_into(part, &mut hasher).map_err(open_error)?;
            if existing_length != offset {
                return Err(FetchError::Io {
                    action: "resume",
                    path: part.to_owned(),
                    source: io::Error::other("the file changed while the request was sent"),
                });
            }
            OpenOptions::new().append(true).open(part)
        } else {
            File::create(part)
        }
        .map_err(open_error)?;

        Ok(PartFile {
            file,
            path: part,
            hasher,
            done: offset,
        })
    }

    /// Checks the size and checksum of the bytes written to the partial file.
    fn check_written(
        &self,
        done: u64,
        total: Option<u64>,
        actual: Md5Digest,
    ) -> Result<(), FetchError> {
        let url = self.source.url().to_owned();
        if let Some(expected) = total
            && expected != done
        {
            return Err(FetchError::SizeMismatch {
                url,
                expected,
                actual: done,
            });
        }

        if actual != self.source.md5() {
            return Err(FetchError::ChecksumMismatch {
                url,
                expected: self.source.md5(),
                actual,
            });
        }
        Ok(())
    }
}
