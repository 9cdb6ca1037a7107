//! Errors and warnings of finding, reading and caching the dataset.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::source::DOWNLOAD_PAGE;

/// A failure to find or read the dataset. Each message names the value that
/// failed and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error(
        "the IMDB dataset was not found; looked in:\n{}\nRun `imdb-tui fetch-data`, or download \
         aclImdb_v1.tar.gz from {DOWNLOAD_PAGE} and place it in {}",
        looked_in.iter().map(|place| format!("  - {place}")).collect::<Vec<_>>().join("\n"),
        data_dir.display()
    )]
    NotFound {
        /// Every place that was checked, in order, as shown to the user.
        looked_in: Vec<String>,
        data_dir: PathBuf,
    },

    #[error(
        "{} does not exist (given by {origin}); check the path, or run `imdb-tui fetch-data` \
         to download the dataset",
        path.display()
    )]
    PathNotFound {
        path: PathBuf,
        /// Origin of the path: `--data`, `IMDB_DATA`, or `the data source`
        /// when [`prepare`](super::prepare) finds its source gone.
        origin: &'static str,
    },

    #[error(
        "{} is not an IMDB dataset folder: {missing} not found; give the extracted aclImdb \
         folder (with train/pos, train/neg, test/pos and test/neg), a folder that contains it, \
         or aclImdb_v1.tar.gz",
        path.display()
    )]
    NotADataset {
        path: PathBuf,
        /// The missing subfolders or files, as shown to the user.
        missing: String,
    },

    #[error("failed to read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{} is empty (0 bytes); download it again with `imdb-tui fetch-data`", path.display())]
    EmptyFile { path: PathBuf },

    #[error(
        "{} is not a gzip file; give aclImdb_v1.tar.gz as downloaded, or extract it and give \
         the aclImdb folder",
        path.display()
    )]
    NotGzip { path: PathBuf },

    #[error(
        "{} is truncated: the compressed data ends early; download it again with \
         `imdb-tui fetch-data`",
        path.display()
    )]
    Truncated { path: PathBuf },

    #[error("{} is damaged ({detail}); download it again with `imdb-tui fetch-data`", path.display())]
    Corrupt { path: PathBuf, detail: String },

    #[error(
        "{source_name} has no {class} reviews in {split}/{folder}; the dataset is incomplete, \
         so download it again with `imdb-tui fetch-data`"
    )]
    MissingClass {
        source_name: String,
        /// `train` or `test`.
        split: &'static str,
        /// `positive` or `negative`.
        class: &'static str,
        /// `pos` or `neg`.
        folder: &'static str,
    },

    #[error(
        "{source_name} contains no reviews; expected files such as aclImdb/train/pos/0_9.txt \
         (ID_RATING.txt); download the dataset again with `imdb-tui fetch-data`"
    )]
    NoReviews { source_name: String },

    #[error(
        "{source_name} contains review {id} of {split}/{folder} twice; keep one file per review \
         id, or download the dataset again with `imdb-tui fetch-data`"
    )]
    DuplicateReview {
        source_name: String,
        split: &'static str,
        folder: &'static str,
        id: u32,
    },

    #[error("vocabulary size 0 is invalid; choose at least 1 word (the usual value is 10000)")]
    VocabularySizeZero,

    #[error(
        "vocabulary size {requested} is larger than the {available} distinct words of the \
         training reviews; choose at most {available}"
    )]
    VocabularyTooLarge { requested: usize, available: usize },
}

/// A problem that did not stop preparation but that the user should see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrepareWarning {
    /// The cache was stale or damaged, so the dataset was read again.
    CacheRebuilt { path: PathBuf, reason: String },
    /// The prepared dataset could not be saved, so the next start reads the
    /// reviews again.
    CacheNotWritten { path: PathBuf, reason: String },
    /// Archive entries with an absolute path or a `..` component, skipped
    /// without being read.
    UnsafePathsIgnored { count: usize, example: String },
    /// Entries inside `pos/` or `neg/` that are not review files: names other
    /// than `ID_RATING.txt`, links, or files over the size limit.
    UnrecognizedFilesIgnored { count: usize, example: String },
}

impl fmt::Display for PrepareWarning {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CacheRebuilt { path, reason } => write!(
                formatter,
                "rebuilt the dataset cache {} because {reason}",
                path.display()
            ),
            Self::CacheNotWritten { path, reason } => write!(
                formatter,
                "failed to write the dataset cache {} ({reason}); the reviews will be read \
                 again on the next start",
                path.display()
            ),
            Self::UnsafePathsIgnored { count, example } => write!(
                formatter,
                "ignored {count} archive entries with an absolute path or `..`, such as {example}"
            ),
            Self::UnrecognizedFilesIgnored { count, example } => write!(
                formatter,
                "ignored {count} files in pos/ or neg/ that are not ID_RATING.txt review files, \
                 such as {example}"
            ),
        }
    }
}
