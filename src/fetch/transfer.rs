//! Copying a response body into the partial file while hashing it and
//! reporting progress.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use md5::{Digest, Md5};

use super::error::{NetworkContext, write_error};
use super::{FetchError, Progress};

/// Size of the blocks read from the network and written to disk, in bytes.
///
/// Large blocks keep the per-block costs (a system call each way and a progress
/// report) small next to hashing.
const BLOCK: usize = 256 * 1024;

/// Destination of a body: the open partial file and the hash of what it contains.
pub(crate) struct PartFile<'a> {
    pub(crate) file: File,
    pub(crate) path: &'a Path,
    pub(crate) hasher: Md5,
    /// Bytes already in the file, which is also the offset of the body.
    pub(crate) done: u64,
}

impl PartFile<'_> {
    /// Appends the body to the file and returns the total bytes in it.
    ///
    /// The copy stops with [`FetchError::SizeMismatch`] once the file grows past
    /// `total`, and with [`FetchError::Cancelled`] when `progress` reports a cancellation.
    /// The file is synced to disk before this returns, also on errors, so that a
    /// later run can resume from it.
    pub(crate) fn copy_body(
        &mut self,
        body: &mut impl Read,
        total: Option<u64>,
        network: &mut NetworkContext<'_>,
        progress: &mut dyn Progress,
    ) -> Result<u64, FetchError> {
        let copied = self.copy_blocks(body, total, network, progress);
        let synced = self
            .file
            .sync_all()
            .map_err(|error| write_error(self.path, error));
        let done = copied?;
        synced?;
        Ok(done)
    }

    fn copy_blocks(
        &mut self,
        body: &mut impl Read,
        total: Option<u64>,
        network: &mut NetworkContext<'_>,
        progress: &mut dyn Progress,
    ) -> Result<u64, FetchError> {
        let mut block = vec![0_u8; BLOCK];
        loop {
            if progress.is_cancelled() {
                return Err(FetchError::Cancelled {
                    received: self.done,
                });
            }

            network.received = self.done;
            let count = match body.read(&mut block) {
                Ok(0) => return Ok(self.done),
                Ok(count) => count,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(network.classify_read(error)),
            };
            let bytes = &block[..count];

            self.file
                .write_all(bytes)
                .map_err(|error| write_error(self.path, error))?;
            self.hasher.update(bytes);
            self.done += count as u64;

            if let Some(expected) = total.filter(|&expected| self.done > expected) {
                return Err(FetchError::SizeMismatch {
                    url: network.url.to_owned(),
                    expected,
                    actual: self.done,
                });
            }
            progress.advance(self.done, total);
        }
    }
}
