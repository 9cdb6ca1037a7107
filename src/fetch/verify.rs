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
