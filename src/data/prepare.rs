//! Preparing the dataset: from the cache when it is valid, otherwise by
//! reading and encoding every review, then saving the cache.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc;

use super::batch::{Batch, BatchSender, ReadCounters};
use super::cache::{self, CACHE_FILE_NAME, CacheKey, LoadError};
use super::encode::Encoder;
use super::error::{DataError, PrepareWarning};
use super::read::read_source;
use super::source::DataSource;
use super::split::{Dataset, Split, Vocabulary};

/// Vocabulary size of the classic Keras IMDB example.
pub const DEFAULT_VOCAB_SIZE: usize = 10_000;

/// Batches waiting between the reader thread and the encoder. Two let the
/// reader run ahead while the encoder works, and more would only hold more
/// text in memory.
const QUEUED_BATCHES: usize = 2;

/// How to prepare the dataset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrepareOptions {
    /// Number of words in the vocabulary, which is the network's input width.
    pub vocab_size: usize,
    /// Folder for the cache file, normally `data/`. `None` disables the
    /// cache.
    pub cache_dir: Option<PathBuf>,
}

impl Default for PrepareOptions {
    /// Returns the classic vocabulary of 10,000 words, without a cache.
    fn default() -> Self {
        Self {
            vocab_size: DEFAULT_VOCAB_SIZE,
            cache_dir: None,
        }
    }
}

/// Step that [`prepare`] is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrepareStage {
    /// Reading the cache file, whose size the bytes count.
    LoadingCache,
    /// Reading and tokenizing reviews. The bytes count the compressed
    /// tarball, or the review files of a folder.
    ReadingReviews,
    /// Choosing the vocabulary and encoding the splits.
    BuildingVocabulary,
    /// Writing the cache file.
    SavingCache,
    /// Finished.
    Done,
}

/// Progress report for a gauge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrepareProgress {
    pub stage: PrepareStage,
    pub bytes_read: u64,
    /// Bytes to read in this stage, or 0 when unknown.
    pub bytes_total: u64,
    pub reviews_read: usize,
}

impl PrepareProgress {
    /// Fraction of the bytes of this stage read so far, from 0 to 1.
    pub fn fraction(&self) -> f64 {
        if self.bytes_total == 0 {
            return if self.stage == PrepareStage::Done {
                1.0
            } else {
                0.0
            };
        }
        (self.bytes_read as f64 / self.bytes_total as f64).clamp(0.0, 1.0)
    }
}

/// The prepared dataset and what the user should know about how it was made.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub dataset: Dataset,
    pub warnings: Vec<PrepareWarning>,
    /// Whether the dataset was loaded from the cache.
    pub from_cache: bool,
}

/// Loads the dataset from the cache when its key matches, otherwise reads
/// and encodes every review of `source` and saves the cache.
///
/// `progress` is called on the calling thread, a few hundred times for the
/// full dataset. A stale, damaged or unwritable cache gives a warning in
/// [`Prepared::warnings`], never an error.
pub fn prepare(
    source: &DataSource,
    options: &PrepareOptions,
    progress: &mut dyn FnMut(PrepareProgress),
) -> Result<Prepared, DataError> {
    if options.vocab_size == 0 {
        return Err(DataError::VocabularySizeZero);
    }
    if !source.path().exists() {
        return Err(DataError::PathNotFound {
            path: source.path().to_path_buf(),
            origin: "the data source",
        });
    }

    let mut warnings = Vec::new();
    // Without metadata there is no key, so the cache is neither read nor
    // written. Reading the source then reports the underlying problem.
    let key = CacheKey::of_source(source, options.vocab_size);

    if let (Some(folder), Ok(key)) = (&options.cache_dir, &key) {
        let path = folder.join(CACHE_FILE_NAME);
        if let Some((vocabulary, train, test)) = load_cache(&path, key, &mut warnings, progress) {
            return Ok(finish(
                source, vocabulary, train, test, warnings, true, progress,
            ));
        }
    }

    let (vocabulary, train, test) =
        read_and_encode(source, options.vocab_size, &mut warnings, progress)?;

    if let Some(folder) = &options.cache_dir {
        progress(PrepareProgress {
            stage: PrepareStage::SavingCache,
            bytes_read: 0,
            bytes_total: 0,
            reviews_read: train.len() + test.len(),
        });
        let saved = key.and_then(|key| cache::save(folder, &key, &vocabulary, &train, &test));
        if let Err(error) = saved {
            warnings.push(PrepareWarning::CacheNotWritten {
                path: folder.join(CACHE_FILE_NAME),
                reason: error.to_string(),
            });
        }
    }

    Ok(finish(
        source, vocabulary, train, test, warnings, false, progress,
    ))
}

/// Loads the cache at `path` if it exists and matches `key`. A cache that
/// exists but cannot be used adds a warning.
fn load_cache(
    path: &Path,
    key: &CacheKey,
    warnings: &mut Vec<PrepareWarning>,
    progress: &mut dyn FnMut(PrepareProgress),
) -> Option<(Vocabulary, Split, Split)> {
    let bytes_total = fs::metadata(path).ok()?.len();
    progress(PrepareProgress {
        stage: PrepareStage::LoadingCache,
        bytes_read: 0,
        bytes_total,
        reviews_read: 0,
    });

    match cache::load(path, key) {
        Ok(loaded) => Some(loaded),
        Err(LoadError::Missing) => None,
        Err(LoadError::Unusable(reason)) => {
            warnings.push(PrepareWarning::CacheRebuilt {
                path: path.to_path_buf(),
                reason,
            });
            None
        }
    }
}

/// Reports [`PrepareStage::Done`] and assembles the result.
fn finish(
    source: &DataSource,
    vocabulary: Vocabulary,
    train: Split,
    test: Split,
    warnings: Vec<PrepareWarning>,
    from_cache: bool,
    progress: &mut dyn FnMut(PrepareProgress),
) -> Prepared {
    progress(PrepareProgress {
        stage: PrepareStage::Done,
        bytes_read: 0,
        bytes_total: 0,
        reviews_read: train.len() + test.len(),
    });
    for warning in &warnings {
        tracing::warn!("{warning}");
    }
    tracing::info!(
        source = %source,
        from_cache,
        train = train.len(),
        test = test.len(),
        vocabulary = vocabulary.len(),
        "dataset prepared"
    );
    Prepared {
        dataset: Dataset {
            source: source.to_string(),
            vocabulary,
            train,
            test,
        },
        warnings,
        from_cache,
    }
}

/// Reads the reviews on a second thread while this one tokenizes them, then
/// builds the vocabulary and the splits.
fn read_and_encode(
    source: &DataSource,
    vocab_size: usize,
    warnings: &mut Vec<PrepareWarning>,
    progress: &mut dyn FnMut(PrepareProgress),
) -> Result<(Vocabulary, Split, Split), DataError> {
    let counters = ReadCounters::default();
    let (sender, receiver) = mpsc::sync_channel::<Batch>(QUEUED_BATCHES);
    let (recycle_sender, recycle_receiver) = mpsc::channel::<Batch>();
    let mut encoder = Encoder::default();

    let summary = std::thread::scope(|scope| {
        let counters = &counters;
        let reader = scope.spawn(move || {
            let mut batches = BatchSender::new(sender, recycle_receiver, counters);
            read_source(source, &mut batches, counters)
        });

        for batch in &receiver {
            encoder.add_batch(&batch);
            counters.batches_queued.fetch_sub(1, Ordering::AcqRel);
            progress(PrepareProgress {
                stage: PrepareStage::ReadingReviews,
                bytes_read: counters.bytes_read.load(Ordering::Relaxed),
                bytes_total: counters.bytes_total.load(Ordering::Relaxed),
                reviews_read: encoder.reviews_read(),
            });
            // The reader may have finished already, and then the buffer is
            // simply dropped.
            let _ = recycle_sender.send(batch);
        }

        // A panic in the reader thread is a bug here, so it is raised again.
        reader
            .join()
            .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
    })?;
    warnings.extend(summary.warnings());

    progress(PrepareProgress {
        stage: PrepareStage::BuildingVocabulary,
        bytes_read: 0,
        bytes_total: 0,
        reviews_read: encoder.reviews_read(),
    });
    encoder.finish(vocab_size, &source.to_string())
}
