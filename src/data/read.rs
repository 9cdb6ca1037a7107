//! Reading review files from a tarball or a folder on the reader thread.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::bufread::MultiGzDecoder;

use super::batch::{BatchSender, ReadCounters};
use super::error::{DataError, PrepareWarning};
use super::forward_seek::ForwardSeek;
use super::source::{DataSource, check_class_folders};

/// Largest review file read, in bytes. Larger files are skipped with a
/// warning so that one huge entry cannot exhaust memory. The largest review
/// of the dataset has 13,704 bytes.
pub(crate) const MAX_REVIEW_BYTES: u64 = 64 << 20;

/// Train or test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum SplitKind {
    Train,
    Test,
}

impl SplitKind {
    pub(crate) fn folder(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Test => "test",
        }
    }
}

/// Folder name of a label: `neg` for 0, `pos` for 1.
pub(crate) fn label_folder(label: u8) -> &'static str {
    if label == 1 { "pos" } else { "neg" }
}

/// Review metadata taken from the path and file name of a review file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReviewHeader {
    pub split: SplitKind,
    /// 1 for `pos/`, 0 for `neg/`.
    pub label: u8,
    pub id: u32,
    pub rating: u8,
}

/// Counts and one example of skipped entries.
#[derive(Debug, Default)]
struct Skipped {
    count: usize,
    example: Option<String>,
}

impl Skipped {
    fn note(&mut self, path: impl FnOnce() -> String) {
        if self.example.is_none() {
            self.example = Some(path());
        }
        self.count += 1;
    }
}

/// Entries skipped while reading, reported as warnings.
#[derive(Debug, Default)]
pub(crate) struct ReadSummary {
    unsafe_paths: Skipped,
    unrecognized: Skipped,
}

impl ReadSummary {
    pub(crate) fn warnings(self) -> Vec<PrepareWarning> {
        let mut warnings = Vec::new();
        if let Some(example) = self.unsafe_paths.example {
            warnings.push(PrepareWarning::UnsafePathsIgnored {
                count: self.unsafe_paths.count,
                example,
            });
        }
        if let Some(example) = self.unrecognized.example {
            warnings.push(PrepareWarning::UnrecognizedFilesIgnored {
                count: self.unrecognized.count,
                example,
            });
        }
        warnings
    }
}

/// Reads every review of `source` into `batches`, updating `counters` as it
/// goes. Runs on the reader thread.
pub(crate) fn read_source(
    source: &DataSource,
    batches: &mut BatchSender<'_>,
    counters: &ReadCounters,
) -> Result<ReadSummary, DataError> {
    let summary = match source {
        DataSource::Tarball(path) => read_tarball(path, batches, counters)?,
        DataSource::Folder(path) => read_folder(path, batches, counters)?,
    };
    batches.flush().map_err(|error| DataError::Io {
        path: source.path().to_path_buf(),
        source: error,
    })?;
    Ok(summary)
}

/// Counts the bytes read through it into `counter`.
struct CountingReader<'a, R> {
    inner: R,
    counter: &'a AtomicU64,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buffer)?;
        self.counter.fetch_add(count as u64, Ordering::Relaxed);
        Ok(count)
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

fn read_tarball(
    path: &Path,
    batches: &mut BatchSender<'_>,
    counters: &ReadCounters,
) -> Result<ReadSummary, DataError> {
    let io_error = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };

    let file = File::open(path).map_err(io_error)?;
    let size = file.metadata().map_err(io_error)?.len();
    counters.bytes_total.store(size, Ordering::Relaxed);
    if size == 0 {
        return Err(DataError::EmptyFile {
            path: path.to_path_buf(),
        });
    }

    let counting = CountingReader {
        inner: file,
        counter: &counters.bytes_read,
    };
    let mut compressed = BufReader::with_capacity(128 << 10, counting);
    let head = compressed.fill_buf().map_err(io_error)?;
    if !GZIP_MAGIC.starts_with(&head[..head.len().min(2)]) {
        return Err(DataError::NotGzip {
            path: path.to_path_buf(),
        });
    }

    // Tar reads 512-byte headers, and the buffer turns those into large
    // reads from the decoder.
    let decoder = BufReader::with_capacity(256 << 10, MultiGzDecoder::new(compressed));
    let mut archive = tar::Archive::new(ForwardSeek::new(decoder));
    let mut summary = ReadSummary::default();
    let classify = |error| classify_archive_error(path, error);

    for entry in archive.entries_with_seek().map_err(classify)? {
        let mut entry = entry.map_err(classify)?;
        let entry_path = entry.path_bytes();
        let header = match classify_entry_path(&entry_path) {
            EntryPath::Review(header) => header,
            EntryPath::Unsafe => {
                summary
                    .unsafe_paths
                    .note(|| String::from_utf8_lossy(&entry_path).into_owned());
                continue;
            }
            EntryPath::NotAReview => {
                summary
                    .unrecognized
                    .note(|| String::from_utf8_lossy(&entry_path).into_owned());
                continue;
            }
            EntryPath::Other => continue,
        };

        let size = entry.size();
        if !entry.header().entry_type().is_file() || size > MAX_REVIEW_BYTES {
            summary
                .unrecognized
                .note(|| String::from_utf8_lossy(&entry_path).into_owned());
            continue;
        }
        drop(entry_path);

        batches
            .push(header, |text| {
                let start = text.len();
                text.resize(start + size as usize, 0);
                entry.read_exact(&mut text[start..])
            })
            .map_err(classify)?;
    }

    // Reading on to the end checks the gzip trailer, which catches a file cut
    // off after the last tar entry.
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(classify)?;
    Ok(summary)
}

/// Maps a failure inside the gzip or tar stream to a truncated, damaged or
/// I/O error.
fn classify_archive_error(path: &Path, error: io::Error) -> DataError {
    let mut kinds = Vec::new();
    let mut has_os_error = false;
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(cause) = current {
        if let Some(io_error) = cause.downcast_ref::<io::Error>() {
            kinds.push(io_error.kind());
            has_os_error |= io_error.raw_os_error().is_some();
        }
        current = cause.source();
    }

    if has_os_error {
        DataError::Io {
            path: path.to_path_buf(),
            source: error,
        }
    } else if kinds.contains(&io::ErrorKind::UnexpectedEof)
        || error.to_string().contains("failed to read entire block")
    {
        DataError::Truncated {
            path: path.to_path_buf(),
        }
    } else {
        DataError::Corrupt {
            path: path.to_path_buf(),
            detail: shortened(&error.to_string(), 100),
        }
    }
}

/// Cuts `text` to at most `limit` characters, because tar errors quote the
/// damaged header field in full.
fn shortened(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Kind of an archive entry, judged by its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EntryPath {
    /// `[aclImdb/]{train,test}/{pos,neg}/ID_RATING.txt`.
    Review(ReviewHeader),
    /// An absolute path or one with a `..` component: never read.
    Unsafe,
    /// Inside `{train,test}/{pos,neg}/` but not named `ID_RATING.txt`.
    NotAReview,
    /// Anything else: the README, `imdb.vocab`, `train/unsup/`, folders.
    Other,
}

/// Classifies a `/`-separated archive path. Only paths at the top of the
/// archive or under a top-level `aclImdb/` count as reviews, so copies of the
/// dataset nested deeper are not read twice.
pub(crate) fn classify_entry_path(path: &[u8]) -> EntryPath {
    if path.starts_with(b"/") || path.starts_with(b"\\") {
        return EntryPath::Unsafe;
    }

    let mut parts: Vec<&[u8]> = Vec::with_capacity(4);
    for part in path.split(|&byte| byte == b'/' || byte == b'\\') {
        match part {
            b".." => return EntryPath::Unsafe,
            b"" | b"." => {}
            _ => parts.push(part),
        }
    }
    if parts
        .first()
        .is_some_and(|first| first.len() >= 2 && first[1] == b':')
    {
        // A Windows drive prefix such as `C:` makes the path absolute there.
        return EntryPath::Unsafe;
    }

    let relative = match parts.as_slice() {
        [b"aclImdb", rest @ ..] if rest.len() == 3 => rest,
        rest if rest.len() == 3 => rest,
        _ => return EntryPath::Other,
    };
    let split = match relative[0] {
        b"train" => SplitKind::Train,
        b"test" => SplitKind::Test,
        _ => return EntryPath::Other,
    };
    let label = match relative[1] {
        b"pos" => 1,
        b"neg" => 0,
        _ => return EntryPath::Other,
    };

    match parse_file_name(relative[2]) {
        Some((id, rating)) => EntryPath::Review(ReviewHeader {
            split,
            label,
            id,
            rating,
        }),
        None => EntryPath::NotAReview,
    }
}

/// Parses `ID_RATING.txt` into the id and the rating (1 to 10).
pub(crate) fn parse_file_name(name: &[u8]) -> Option<(u32, u8)> {
    let stem = name.strip_suffix(b".txt")?;
    let separator = stem.iter().position(|&byte| byte == b'_')?;
    let id = parse_digits(&stem[..separator])?;
    let rating = parse_digits(&stem[separator + 1..])?;

    let id = u32::try_from(id).ok()?;
    let rating = u8::try_from(rating)
        .ok()
        .filter(|rating| (1..=10).contains(rating))?;
    Some((id, rating))
}

fn parse_digits(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    digits.iter().try_fold(0_u64, |value, &byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u64::from(byte - b'0'))
    })
}

fn read_folder(
    folder: &Path,
    batches: &mut BatchSender<'_>,
    counters: &ReadCounters,
) -> Result<ReadSummary, DataError> {
    check_class_folders(folder)?;

    let mut summary = ReadSummary::default();
    let mut files = Vec::new();
    let mut total_bytes = 0;

    for split in [SplitKind::Train, SplitKind::Test] {
        for label in [0, 1] {
            let class_folder = folder.join(split.folder()).join(label_folder(label));
            let io_error = |source| DataError::Io {
                path: class_folder.clone(),
                source,
            };

            for entry in fs::read_dir(&class_folder).map_err(io_error)? {
                let entry = entry.map_err(io_error)?;
                let name = entry.file_name();
                let Some((id, rating)) = parse_file_name(name.as_encoded_bytes()) else {
                    summary
                        .unrecognized
                        .note(|| entry.path().display().to_string());
                    continue;
                };

                // `DirEntry::file_type` does not follow links, so links are
                // skipped like in a tarball.
                let file_type = entry.file_type().map_err(io_error)?;
                let size = entry.metadata().map_err(io_error)?.len();
                if !file_type.is_file() || size > MAX_REVIEW_BYTES {
                    summary
                        .unrecognized
                        .note(|| entry.path().display().to_string());
                    continue;
                }

                total_bytes += size;
                let header = ReviewHeader {
                    split,
                    label,
                    id,
                    rating,
                };
                files.push((entry.path(), header));
            }
        }
    }
    counters.bytes_total.store(total_bytes, Ordering::Relaxed);

    for (path, header) in files {
        batches
            .push(header, |text| {
                let length = File::open(&path)?
                    .take(MAX_REVIEW_BYTES)
                    .read_to_end(text)?;
                counters
                    .bytes_read
                    .fetch_add(length as u64, Ordering::Relaxed);
                Ok(())
            })
            .map_err(|source| DataError::Io {
                path: path.clone(),
                source,
            })?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortened_text() {
        assert_eq!(shortened("short", 10), "short");
        assert_eq!(shortened("ééééé", 3), "ééé…");
    }

    #[test]
    fn file_names() {
        assert_eq!(parse_file_name(b"0_9.txt"), Some((0, 9)));
        assert_eq!(parse_file_name(b"12499_10.txt"), Some((12499, 10)));
        assert_eq!(parse_file_name(b"4294967295_1.txt"), Some((u32::MAX, 1)));
        for name in [
            &b"4294967296_1.txt"[..],
            b"1_0.txt",
            b"1_11.txt",
            b"1_9.TXT",
            b"_9.txt",
            b"1_.txt",
            b"+1_9.txt",
            b"1_9_2.txt",
            b"1-9.txt",
            b".DS_Store",
        ] {
            assert_eq!(
                parse_file_name(name),
                None,
                "{}",
                String::from_utf8_lossy(name)
            );
        }
    }

    #[test]
    fn entry_paths() {
        let review = |split, label, id, rating| {
            EntryPath::Review(ReviewHeader {
                split,
                label,
                id,
                rating,
            })
        };
        let cases: [(&[u8], EntryPath); 14] = [
            (
                b"aclImdb/train/pos/3_8.txt",
                review(SplitKind::Train, 1, 3, 8),
            ),
            (
                b"./aclImdb/test/neg/4_2.txt",
                review(SplitKind::Test, 0, 4, 2),
            ),
            (b"train/neg/5_1.txt", review(SplitKind::Train, 0, 5, 1)),
            (b"aclImdb/train/unsup/0_0.txt", EntryPath::Other),
            (b"aclImdb/train/labeledBow.feat", EntryPath::Other),
            (b"aclImdb/README", EntryPath::Other),
            (b"aclImdb/train/pos/", EntryPath::Other),
            (b"copy/aclImdb/train/pos/3_8.txt", EntryPath::Other),
            (b"aclImdb/train/pos/notes.txt", EntryPath::NotAReview),
            (b"/aclImdb/train/pos/3_8.txt", EntryPath::Unsafe),
            (b"aclImdb/../train/pos/3_8.txt", EntryPath::Unsafe),
            (b"../../etc/passwd", EntryPath::Unsafe),
            (b"C:/aclImdb/train/pos/3_8.txt", EntryPath::Unsafe),
            (b"aclImdb\\..\\x", EntryPath::Unsafe),
        ];
        for (path, expected) in cases {
            assert_eq!(
                classify_entry_path(path),
                expected,
                "{}",
                String::from_utf8_lossy(path)
            );
        }
    }
}
