//! Checks of files on disk against the expected size and MD5 checksum.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use md5::{Digest, Md5};

use super::{FetchError, Md5Digest, Source};

/// Size of the blocks read when hashing a file, in bytes.
const HASH_BLOCK: usize = 256 * 1024;

/// Feeds the whole file into `hasher` and returns its length in bytes.
pub(crate) fn hash_file_into(path: &Path, hasher: &mut Md5) -> io::Result<u64> {
    let mut file = File::open(path)?;
    let mut block = vec![0_u8; HASH_BLOCK];
    let mut length = 0_u64;
    loop {
        let count = match file.read(&mut block) {
            Ok(0) => return Ok(length),
            Ok(count) => count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        hasher.update(&block[..count]);
        length += count as u64;
    }
}

/// Returns the digest accumulated in `hasher`.
pub(crate) fn digest_of(hasher: Md5) -> Md5Digest {
    Md5Digest::from_bytes(hasher.finalize().into())
}

/// Returns true when the file exists and has the source's size and checksum.
///
/// The size is compared first, so a file of the wrong size is never read.
pub(crate) fn file_matches(path: &Path, source: &Source) -> Result<bool, FetchError> {
    let read_error = |source| FetchError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    };

    let length = match path.metadata() {
        Ok(metadata) if metadata.is_file() => metadata.len(),
        Ok(_) => return Ok(false),
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(read_error(error)),
    };
    if source.size().is_some_and(|size| size != length) {
        return Ok(false);
    }

    let mut hasher = Md5::new();
    hash_file_into(path, &mut hasher).map_err(read_error)?;
    Ok(digest_of(hasher) == source.md5())
}

/// State of the destination that [`inspect_destination`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Existing {
    /// Nothing is at the path.
    Absent,
    /// A regular file with the expected size and checksum is at the path.
    Complete,
}

/// Checks what is at the destination of the archive without changing it.
///
/// A symbolic link counts as the file it points to. Unlike [`file_matches`],
/// this hashes a file of the wrong size too, so that the error can name its
/// checksum.
///
/// # Errors
///
/// [`FetchError::ExistingFileMismatch`] when a regular file with another size
/// or checksum is there, [`FetchError::DestinationNotAFile`] when a folder, a
/// broken symbolic link or another kind of entry is there, and
/// [`FetchError::Io`] when the path cannot be read.
pub(crate) fn inspect_destination(path: &Path, source: &Source) -> Result<Existing, FetchError> {
    let read_error = |error| FetchError::Io {
        action: "read",
        path: path.to_owned(),
        source: error,
    };
    let not_a_file = || FetchError::DestinationNotAFile {
        path: path.to_owned(),
    };

    match path.symlink_metadata() {
        Ok(_) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Existing::Absent),
        Err(error) => return Err(read_error(error)),
    }
    match path.metadata() {
        Ok(metadata) if metadata.is_file() => {}
        Ok(_) => return Err(not_a_file()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Err(not_a_file()),
        Err(error) => return Err(read_error(error)),
    }

    let mut hasher = Md5::new();
    let size = hash_file_into(path, &mut hasher).map_err(read_error)?;
    let md5 = digest_of(hasher);
    let size_matches = source.size().is_none_or(|expected| expected == size);
    if size_matches && md5 == source.md5() {
        return Ok(Existing::Complete);
    }
    Err(FetchError::ExistingFileMismatch {
        path: path.to_owned(),
        size,
        md5,
        expected_size: source.size(),
        expected_md5: source.md5(),
    })
}

/// Removes a file, treating one that is already gone as removed.
pub(crate) fn remove_if_present(path: &Path) -> Result<(), FetchError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(FetchError::Io {
            action: "remove",
            path: path.to_owned(),
            source,
        }),
    }
}
