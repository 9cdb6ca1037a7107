//! The prepared dataset saved as an `.npz` archive, so later starts skip
//! reading and tokenizing the reviews.
//!
//! Arrays, all one-dimensional: `key` (the JSON of [`CacheKey`], as bytes),
//! `vocabulary` (the words joined by `\n`, as bytes), and for `train` and
//! `test`: `*_offsets` (u64), `*_indices` (u32), `*_labels` (u8) and
//! `*_ratings` (u8), with the meaning of the fields of [`Split`].

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use npyz::WriterBuilder;
use npyz::npz::NpzArchive;
use npyz::zip::CompressionMethod;
use npyz::zip::write::FileOptions;
use serde::{Deserialize, Serialize};

use super::source::{CLASS_FOLDERS, DataSource};
use super::split::{Split, Vocabulary};
use super::tokenize::TOKENIZER_VERSION;

/// File name of the cache inside the cache folder.
pub const CACHE_FILE_NAME: &str = "imdb-prepared.npz";

/// Version of the array layout described at the top of this module.
const CACHE_FORMAT: u32 = 1;

/// Fingerprint of the source and options that a cache was made from. A cache
/// is used only if its stored key equals the key of the current source and
/// options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CacheKey {
    format: u32,
    tokenizer_version: u32,
    vocabulary_size: usize,
    /// Canonical path of the tarball or folder.
    source_path: String,
    /// File size of a tarball. For a folder, the sum of the sizes that the
    /// file system reports for it and its four class folders.
    source_size: u64,
    /// Modification time, since the Unix epoch. For a folder, the latest of
    /// it and its four class folders.
    source_modified_seconds: u64,
    source_modified_nanoseconds: u32,
}

impl CacheKey {
    /// Builds the key of `source` from its file-system metadata.
    ///
    /// NOTE: for a folder, the key changes when review files are added,
    /// removed or renamed, but not when one is edited in place.
    pub(crate) fn of_source(source: &DataSource, vocabulary_size: usize) -> io::Result<Self> {
        let canonical = fs::canonicalize(source.path())?;
        let mut paths = vec![canonical.clone()];
        if let DataSource::Folder(_) = source {
            paths.extend(CLASS_FOLDERS.iter().map(|folder| canonical.join(folder)));
        }

        let mut size = 0_u64;
        let mut modified = UNIX_EPOCH;
        for path in &paths {
            let metadata = fs::metadata(path)?;
            size = size.wrapping_add(metadata.len());
            modified = modified.max(metadata.modified()?);
        }
        let since_epoch = modified.duration_since(UNIX_EPOCH).unwrap_or_default();

        Ok(Self {
            format: CACHE_FORMAT,
            tokenizer_version: TOKENIZER_VERSION,
            vocabulary_size,
            source_path: canonical.display().to_string(),
            source_size: size,
            source_modified_seconds: since_epoch.as_secs(),
            source_modified_nanoseconds: since_epoch.subsec_nanos(),
        })
    }

    /// Returns why a cache made under `stored` cannot stand for `self`, or
    /// `None` if it can.
    fn mismatch(&self, stored: &CacheKey) -> Option<String> {
        if stored.format != self.format {
            Some(format!(
                "it has cache format {}, not {}",
                stored.format, self.format
            ))
        } else if stored.tokenizer_version != self.tokenizer_version {
            Some(format!(
                "it was made with tokenizer version {}, not {}",
                stored.tokenizer_version, self.tokenizer_version
            ))
        } else if stored.vocabulary_size != self.vocabulary_size {
            let noun = if stored.vocabulary_size == 1 {
                "word"
            } else {
                "words"
            };
            Some(format!(
                "it was made for a vocabulary of {} {noun}, not {}",
                stored.vocabulary_size, self.vocabulary_size
            ))
        } else if stored.source_path != self.source_path {
            Some(format!(
                "it was made from {}, not {}",
                stored.source_path, self.source_path
            ))
        } else if stored != self {
            Some(format!(
                "{} changed after the cache was made",
                self.source_path
            ))
        } else {
            None
        }
    }
}

/// Reason a cache was not used.
#[derive(Debug)]
pub(crate) enum LoadError {
    /// No cache file: the normal first start, not worth a warning.
    Missing,
    /// A reason for the user, such as a stale key or a damaged array.
    Unusable(String),
}

impl From<io::Error> for LoadError {
    fn from(error: io::Error) -> Self {
        // A cache folder below a regular file gives `NotADirectory`. No cache
        // can exist there, and saving reports the problem.
        if matches!(
            error.kind(),
            io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
        ) {
            Self::Missing
        } else {
            Self::Unusable(format!("it could not be read ({error})"))
        }
    }
}

fn damaged(detail: impl std::fmt::Display) -> LoadError {
    LoadError::Unusable(format!("it is damaged ({detail})"))
}

/// Loads and checks the cache at `path`. Every array is checked, so a
/// damaged file is rejected rather than trusted.
pub(crate) fn load(path: &Path, key: &CacheKey) -> Result<(Vocabulary, Split, Split), LoadError> {
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(LoadError::Unusable(
            "it is not a regular file; remove or rename it".to_owned(),
        ));
    }
    let file_size = metadata.len();
    let mut archive =
        NpzArchive::new(io::BufReader::with_capacity(1 << 20, file)).map_err(damaged)?;
    let mut buffer = Vec::new();

    let key_bytes: Vec<u8> = read_array(&mut archive, "key", file_size, &mut buffer)?;
    let stored: CacheKey = serde_json::from_slice(&key_bytes).map_err(damaged)?;
    if let Some(reason) = key.mismatch(&stored) {
        return Err(LoadError::Unusable(reason));
    }

    let vocabulary_bytes: Vec<u8> = read_array(&mut archive, "vocabulary", file_size, &mut buffer)?;
    let vocabulary = parse_vocabulary(&vocabulary_bytes, key.vocabulary_size)?;

    let train = read_split(
        &mut archive,
        "train",
        vocabulary.len(),
        file_size,
        &mut buffer,
    )?;
    let test = read_split(
        &mut archive,
        "test",
        vocabulary.len(),
        file_size,
        &mut buffer,
    )?;
    Ok((vocabulary, train, test))
}

type Archive = NpzArchive<io::BufReader<File>>;

/// Reads the one-dimensional array `name`, through `buffer` so the zip entry
/// is read in one call. Entries must be stored uncompressed and fit in the
/// file of `file_size` bytes, so a damaged size field cannot make this
/// allocate or inflate more than the file holds.
fn read_array<T: npyz::Deserialize>(
    archive: &mut Archive,
    name: &str,
    file_size: u64,
    buffer: &mut Vec<u8>,
) -> Result<Vec<T>, LoadError> {
    let file_name = npyz::npz::file_name_from_array_name(name);
    let mut entry = archive
        .zip_archive()
        .by_name(&file_name)
        .map_err(|error| damaged(format_args!("array {name}: {error}")))?;

    if entry.compression() != CompressionMethod::Stored || entry.size() > file_size {
        return Err(damaged(format_args!(
            "array {name} is compressed or larger than the file"
        )));
    }

    buffer.clear();
    buffer.reserve(usize::try_from(entry.size()).unwrap_or(0));
    entry
        .read_to_end(buffer)
        .map_err(|error| damaged(format_args!("array {name}: {error}")))?;

    let array = npyz::NpyFile::new(&buffer[..])
        .map_err(|error| damaged(format_args!("array {name}: {error}")))?;
    if array.shape().len() != 1 {
        return Err(damaged(format_args!(
            "array {name} has shape {:?}, expected one dimension",
            array.shape()
        )));
    }
    array
        .into_vec()
        .map_err(|error| damaged(format_args!("array {name}: {error}")))
}

fn parse_vocabulary(bytes: &[u8], expected_size: usize) -> Result<Vocabulary, LoadError> {
    let text =
        std::str::from_utf8(bytes).map_err(|error| damaged(format_args!("vocabulary: {error}")))?;
    let words: Vec<String> = text.split('\n').map(str::to_owned).collect();

    if words.len() != expected_size {
        return Err(damaged(format_args!(
            "vocabulary has {} words, expected {expected_size}",
            words.len()
        )));
    }
    if words.iter().any(String::is_empty) {
        return Err(damaged("vocabulary has an empty word"));
    }

    let vocabulary = Vocabulary::new(words);
    let distinct = vocabulary
        .words()
        .iter()
        .enumerate()
        .all(|(index, word)| vocabulary.index_of(word) == Some(index as u32));
    if !distinct {
        return Err(damaged("vocabulary has a repeated word"));
    }
    Ok(vocabulary)
}

fn read_split(
    archive: &mut Archive,
    name: &str,
    vocabulary_size: usize,
    file_size: u64,
    buffer: &mut Vec<u8>,
) -> Result<Split, LoadError> {
    let offsets: Vec<u64> = read_array(archive, &format!("{name}_offsets"), file_size, buffer)?;
    let indices: Vec<u32> = read_array(archive, &format!("{name}_indices"), file_size, buffer)?;
    let labels: Vec<u8> = read_array(archive, &format!("{name}_labels"), file_size, buffer)?;
    let ratings: Vec<u8> = read_array(archive, &format!("{name}_ratings"), file_size, buffer)?;

    let offsets: Vec<usize> = offsets
        .into_iter()
        .map(usize::try_from)
        .collect::<Result<_, _>>()
        .map_err(|_| damaged(format_args!("{name}_offsets has a value beyond usize")))?;
    let split = Split {
        offsets,
        indices,
        labels,
        ratings,
    };
    check_split(&split, vocabulary_size)
        .map_err(|detail| damaged(format_args!("{name}: {detail}")))?;
    Ok(split)
}

/// Checks every invariant of [`Split`] that the rest of the program relies
/// on, and returns what is wrong otherwise.
pub(crate) fn check_split(split: &Split, vocabulary_size: usize) -> Result<(), String> {
    let reviews = split.labels.len();
    if reviews == 0 {
        return Err("no reviews".to_owned());
    }
    if split.ratings.len() != reviews {
        return Err(format!(
            "{} ratings for {reviews} reviews",
            split.ratings.len()
        ));
    }
    if split.offsets.len() != reviews + 1 {
        return Err(format!(
            "{} offsets for {reviews} reviews",
            split.offsets.len()
        ));
    }
    if split.offsets.first() != Some(&0) || split.offsets.last() != Some(&split.indices.len()) {
        return Err(format!(
            "offsets do not span the {} indices",
            split.indices.len()
        ));
    }

    if split.offsets.windows(2).any(|pair| pair[0] > pair[1]) {
        return Err("offsets are not monotone".to_owned());
    }

    if let Some(label) = split.labels.iter().find(|&&label| label > 1) {
        return Err(format!("label {label} is not 0 or 1"));
    }
    for (label, class) in [(0, "negative"), (1, "positive")] {
        if !split.labels.contains(&label) {
            return Err(format!("no {class} reviews"));
        }
    }
    if let Some(rating) = split
        .ratings
        .iter()
        .find(|rating| !(1..=10).contains(*rating))
    {
        return Err(format!("rating {rating} is not between 1 and 10"));
    }

    if let Some(index) = split
        .indices
        .iter()
        .find(|&&index| index as usize >= vocabulary_size)
    {
        return Err(format!(
            "word index {index} is out of range for a vocabulary of {vocabulary_size}"
        ));
    }

    let sorted = split.offsets.windows(2).all(|pair| {
        split.indices[pair[0]..pair[1]]
            .windows(2)
            .all(|two| two[0] < two[1])
    });
    if !sorted {
        return Err("word indices of a review are not sorted and distinct".to_owned());
    }
    Ok(())
}

/// Saves the dataset to `folder/`[`CACHE_FILE_NAME`] through a temporary file
/// in the same folder, flushed to disk and renamed over the old cache when
/// complete, so readers never see a half-written cache. Returns the path written.
pub(crate) fn save(
    folder: &Path,
    key: &CacheKey,
    vocabulary: &Vocabulary,
    train: &Split,
    test: &Split,
) -> io::Result<PathBuf> {
    let in_folder = |error: io::Error| {
        io::Error::new(error.kind(), format!("in {}: {error}", folder.display()))
    };
    fs::create_dir_all(folder).map_err(in_folder)?;
    let temporary = tempfile::Builder::new()
        .prefix(".imdb-prepared-")
        .suffix(".tmp")
        .tempfile_in(folder)
        .map_err(in_folder)?;

    {
        let output = BufWriter::with_capacity(1 << 20, temporary.as_file());
        let mut archive = npyz::npz::NpzWriter::new(output);

        let key_json = serde_json::to_vec(key).map_err(io::Error::other)?;
        write_array(&mut archive, "key", &key_json)?;
        let vocabulary_text = vocabulary.words().join("\n");
        write_array(&mut archive, "vocabulary", vocabulary_text.as_bytes())?;

        for (name, split) in [("train", train), ("test", test)] {
            let offsets: Vec<u64> = split.offsets.iter().map(|&offset| offset as u64).collect();
            write_array(&mut archive, &format!("{name}_offsets"), &offsets)?;
            write_array(&mut archive, &format!("{name}_indices"), &split.indices)?;
            write_array(&mut archive, &format!("{name}_labels"), &split.labels)?;
            write_array(&mut archive, &format!("{name}_ratings"), &split.ratings)?;
        }

        let mut output = archive.zip_writer().finish().map_err(io::Error::other)?;
        output.flush()?;
    }

    // On disk before the rename, so a crash cannot leave a cache that has
    // the final name but not all of its bytes.
    temporary.as_file().sync_all()?;
    let path = folder.join(CACHE_FILE_NAME);
    temporary.persist(&path).map_err(|error| error.error)?;
    Ok(path)
}

fn write_array<T: npyz::AutoSerialize + Copy, W: Write + io::Seek>(
    archive: &mut npyz::npz::NpzWriter<W>,
    name: &str,
    values: &[T],
) -> io::Result<()> {
    // Stored, not deflated: the indices compress poorly, and loading must be
    // fast.
    let options = FileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .large_file(true);
    let zip = archive.zip_writer();
    zip.start_file(npyz::npz::file_name_from_array_name(name), options)
        .map_err(io::Error::other)?;

    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[values.len() as u64])
        .writer(BufWriter::with_capacity(1 << 16, zip))
        .begin_nd()?;
    writer.extend(values.iter().copied())?;
    writer.finish()
}
