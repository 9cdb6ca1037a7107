//! Dataset engine on small hand-written fixtures: tarball and folder reading,
//! vocabulary, encoding, errors, cache and source lookup.

// Helpers outside `#[test]` functions fail the test by panicking too.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use imdb_tui::data::tokenize::TOKENIZER_VERSION;
use imdb_tui::data::{
    CACHE_FILE_NAME, DataError, DataSource, Dataset, PrepareOptions, PrepareProgress, PrepareStage,
    PrepareWarning, Prepared, locate_from, prepare,
};
use tempfile::TempDir;

/// Review files of a small dataset, as `(path under aclImdb/, text)`. Ids
/// are out of order on purpose (`10` sorts after `9` numerically but before
/// it as text).
const REVIEWS: &[(&str, &str)] = &[
    (
        "train/pos/10_9.txt",
        "A great film. Great acting, great story!",
    ),
    (
        "train/pos/9_8.txt",
        "Loved it.<br /><br />The story was great.",
    ),
    ("train/neg/3_2.txt", "A dull film. Dull story, bad acting."),
    ("train/neg/1_1.txt", "Bad. So bad it's not even funny."),
    ("test/pos/5_10.txt", "Great fun, loved the story."),
    ("test/neg/2_3.txt", "Dull and bad; a waste of a story."),
    ("test/neg/11_4.txt", "Not great, not terrible, mostly dull."),
];

/// Files of the original download that are not labeled reviews.
const EXTRA_FILES: &[(&str, &str)] = &[
    ("README", "Large Movie Review Dataset (fixture copy)"),
    ("imdb.vocab", "the\nand\nunsupword\n"),
    ("imdbEr.txt", "0.1\n0.2\n"),
    ("train/urls_pos.txt", "http://example.invalid/1\n"),
    ("train/labeledBow.feat", "9 0:1 1:2\n"),
    (
        "train/unsup/0_0.txt",
        "unsupword unsupword unsupword unsupword unsupword",
    ),
    (
        "train/unsup/1_0.txt",
        "unsupword appears only in unlabeled reviews",
    ),
];

const SMALL_VOCAB: usize = 8;

fn options(vocab_size: usize) -> PrepareOptions {
    PrepareOptions {
        vocab_size,
        cache_dir: None,
    }
}

fn cached_options(vocab_size: usize, cache_dir: &Path) -> PrepareOptions {
    PrepareOptions {
        vocab_size,
        cache_dir: Some(cache_dir.to_path_buf()),
    }
}

/// Writes `files` under `root/aclImdb/`, creating the four class folders
/// even when no file lands in them.
fn write_folder(root: &Path, files: &[(&str, &[u8])]) -> PathBuf {
    let folder = root.join("aclImdb");
    for class_folder in ["train/pos", "train/neg", "test/pos", "test/neg"] {
        fs::create_dir_all(folder.join(class_folder)).unwrap();
    }
    for (path, contents) in files {
        let path = folder.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
    folder
}

/// Appends a regular file entry, writing the path bytes straight into the
/// header so that paths the `tar` crate would reject (`..`, absolute) can be
/// tested too.
fn append_raw<W: Write>(builder: &mut tar::Builder<W>, path: &str, contents: &[u8]) {
    let mut header = tar::Header::new_gnu();
    let name = &mut header.as_old_mut().name;
    assert!(path.len() < name.len(), "fixture path too long: {path}");
    name[..path.len()].copy_from_slice(path.as_bytes());
    header.set_size(contents.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    builder.append(&header, contents).unwrap();
}

/// Builds a `.tar.gz` in memory from `(archive path, contents)` entries.
fn tarball_bytes(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let encoder = GzEncoder::new(Vec::new(), Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    for (path, contents) in entries {
        append_raw(&mut builder, path, contents);
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn standard_files() -> Vec<(String, Vec<u8>)> {
    REVIEWS
        .iter()
        .chain(EXTRA_FILES)
        .map(|(path, text)| ((*path).to_owned(), text.as_bytes().to_vec()))
        .collect()
}

fn as_entries(files: &[(String, Vec<u8>)], prefix: &str) -> Vec<(String, Vec<u8>)> {
    files
        .iter()
        .map(|(path, contents)| (format!("{prefix}{path}"), contents.clone()))
        .collect()
}

fn borrowed(files: &[(String, Vec<u8>)]) -> Vec<(&str, &[u8])> {
    files
        .iter()
        .map(|(path, contents)| (path.as_str(), contents.as_slice()))
        .collect()
}

fn write_tarball(path: &Path, files: &[(String, Vec<u8>)]) -> DataSource {
    let entries = as_entries(files, "aclImdb/");
    fs::write(path, tarball_bytes(&borrowed(&entries))).unwrap();
    DataSource::Tarball(path.to_path_buf())
}

fn prepare_quietly(source: &DataSource, options: &PrepareOptions) -> Result<Prepared, DataError> {
    prepare(source, options, &mut |_| {})
}

fn prepared(source: &DataSource, options: &PrepareOptions) -> Prepared {
    prepare_quietly(source, options).unwrap_or_else(|error| panic!("{source}: {error}"))
}

fn words_of(dataset: &Dataset) -> Vec<&str> {
    dataset
        .vocabulary
        .words()
        .iter()
        .map(String::as_str)
        .collect()
}

/// Decodes review `index` of a split back into its vocabulary words.
fn review_words<'a>(dataset: &'a Dataset, split: &str, index: usize) -> Vec<&'a str> {
    let split = if split == "train" {
        &dataset.train
    } else {
        &dataset.test
    };
    split
        .review(index)
        .iter()
        .map(|&word| dataset.vocabulary.word(word).unwrap())
        .collect()
}

// ---------------------------------------------------------------------------
// Reading and encoding

#[test]
fn tarball_and_folder_identical() {
    let temp = TempDir::new().unwrap();
    let files = standard_files();
    let tarball = write_tarball(&temp.path().join("aclImdb_v1.tar.gz"), &files);
    let folder = DataSource::Folder(write_folder(temp.path(), &borrowed(&files)));

    let from_tarball = prepared(&tarball, &options(SMALL_VOCAB)).dataset;
    let from_folder = prepared(&folder, &options(SMALL_VOCAB)).dataset;

    assert_eq!(from_tarball.vocabulary, from_folder.vocabulary);
    assert_eq!(from_tarball.train, from_folder.train);
    assert_eq!(from_tarball.test, from_folder.test);
}

#[test]
fn canonical_order_and_ratings() {
    let temp = TempDir::new().unwrap();
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &standard_files());
    let dataset = prepared(&tarball, &options(SMALL_VOCAB)).dataset;

    // Negative first, then positive, each by ascending numeric id.
    assert_eq!(dataset.train.labels, [0, 0, 1, 1]);
    assert_eq!(dataset.train.ratings, [1, 2, 8, 9]);
    assert_eq!(dataset.test.labels, [0, 0, 1]);
    assert_eq!(dataset.test.ratings, [3, 4, 10]);
    assert_eq!(dataset.source, tarball.to_string());
}

#[test]
fn reviews_encode_sorted_distinct_indices() {
    let temp = TempDir::new().unwrap();
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &standard_files());
    let dataset = prepared(&tarball, &options(SMALL_VOCAB)).dataset;

    for split in [&dataset.train, &dataset.test] {
        assert_eq!(split.offsets.len(), split.len() + 1);
        for index in 0..split.len() {
            let review = split.review(index);
            assert!(
                review.windows(2).all(|pair| pair[0] < pair[1]),
                "review {index}: {review:?}"
            );
            assert!(review.iter().all(|&word| (word as usize) < SMALL_VOCAB));
        }
    }

    // Train review 3 is "A great film. Great acting, great story!" (id 10):
    // each known word once, whatever its count.
    let mut words = review_words(&dataset, "train", 3);
    words.sort_unstable();
    let mut expected: Vec<&str> = ["a", "great", "film", "acting", "story"]
        .into_iter()
        .filter(|word| dataset.vocabulary.index_of(word).is_some())
        .collect();
    expected.sort_unstable();
    assert_eq!(words, expected);
}

#[test]
fn unsup_and_extra_files_skipped() {
    let temp = TempDir::new().unwrap();
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &standard_files());
    let prepared = prepared(&tarball, &options(SMALL_VOCAB));
    let dataset = &prepared.dataset;

    assert_eq!(dataset.train.len(), 4);
    assert_eq!(dataset.test.len(), 3);
    assert_eq!(dataset.vocabulary.index_of("unsupword"), None);
    assert!(prepared.warnings.is_empty(), "{:?}", prepared.warnings);

    // A vocabulary of every training word still lacks the words of the
    // unlabeled reviews, the README and the URL lists.
    let Err(DataError::VocabularyTooLarge { available, .. }) =
        prepare_quietly(&tarball, &options(usize::MAX))
    else {
        panic!("a vocabulary of usize::MAX words was accepted");
    };
    let all = self::prepared(&tarball, &options(available)).dataset;
    assert_eq!(all.vocabulary.index_of("great"), Some(0));
    for word in ["unsupword", "unlabeled", "fixture", "http"] {
        assert_eq!(all.vocabulary.index_of(word), None, "{word}");
    }
}

#[test]
fn vocabulary_counts_training_occurrences() {
    let temp = TempDir::new().unwrap();
    let files: Vec<(String, Vec<u8>)> = [
        // "x" occurs 3 times in one review, "y" once in each of two: counts
        // are occurrences, so "x" ranks first.
        ("train/pos/1_9.txt", "x x x y"),
        ("train/neg/2_1.txt", "y"),
        // Test words never count, however frequent.
        ("test/pos/3_9.txt", "zebra zebra zebra zebra zebra x"),
        ("test/neg/4_1.txt", "zebra"),
    ]
    .iter()
    .map(|(path, text)| ((*path).to_owned(), text.as_bytes().to_vec()))
    .collect();
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &files);

    let dataset = prepared(&tarball, &options(2)).dataset;
    assert_eq!(words_of(&dataset), ["x", "y"]);

    let error = prepare_quietly(&tarball, &options(3)).unwrap_err();
    assert!(
        matches!(
            error,
            DataError::VocabularyTooLarge {
                requested: 3,
                available: 2
            }
        ),
        "{error:?}"
    );
}

#[test]
fn vocabulary_tie_break_by_bytes() {
    let temp = TempDir::new().unwrap();
    let files: Vec<(String, Vec<u8>)> = [
        // Every word occurs twice except "d". "Z" lowercases to "z", and
        // "é" (bytes C3 A9) sorts after every ASCII word.
        ("train/pos/1_9.txt", "c b é Z a d"),
        ("train/neg/2_1.txt", "a b c é z"),
        ("test/pos/3_9.txt", "a"),
        ("test/neg/4_1.txt", "b"),
    ]
    .iter()
    .map(|(path, text)| ((*path).to_owned(), text.as_bytes().to_vec()))
    .collect();
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &files);

    let dataset = prepared(&tarball, &options(6)).dataset;
    assert_eq!(words_of(&dataset), ["a", "b", "c", "z", "é", "d"]);

    let smaller = prepared(&tarball, &options(3)).dataset;
    assert_eq!(words_of(&smaller), ["a", "b", "c"]);
}

#[test]
fn odd_review_bytes_read_fine() {
    let temp = TempDir::new().unwrap();
    let mut long_line = b"great ".repeat(5 * 1024 * 1024 / 6);
    long_line.extend_from_slice(b"finale");
    let files: Vec<(String, Vec<u8>)> = vec![
        (
            "train/pos/1_9.txt".to_owned(),
            b"great\xff\xfefilm \xe2\x82".to_vec(),
        ),
        ("train/neg/2_1.txt".to_owned(), b"bad\0film\0\0".to_vec()),
        ("test/pos/3_9.txt".to_owned(), long_line),
        ("test/neg/4_1.txt".to_owned(), Vec::new()),
    ];
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &files);
    let folder = DataSource::Folder(write_folder(temp.path(), &borrowed(&files)));

    let dataset = prepared(&tarball, &options(3)).dataset;
    assert_eq!(words_of(&dataset), ["film", "bad", "great"]);
    assert_eq!(review_words(&dataset, "test", 1), ["great"]);
    assert_eq!(dataset.test.review(0), [] as [u32; 0]);

    let from_folder = prepared(&folder, &options(3)).dataset;
    assert_eq!(from_folder.test, dataset.test);
}

#[test]
fn archive_layouts_accepted() {
    let temp = TempDir::new().unwrap();
    let files = standard_files();
    let reference = prepared(
        &write_tarball(&temp.path().join("reference.tar.gz"), &files),
        &options(SMALL_VOCAB),
    )
    .dataset;

    for prefix in ["", "./aclImdb/", "./"] {
        let entries = as_entries(&files, prefix);
        let path = temp.path().join("layout.tar.gz");
        fs::write(&path, tarball_bytes(&borrowed(&entries))).unwrap();
        let dataset = prepared(&DataSource::Tarball(path), &options(SMALL_VOCAB)).dataset;
        assert_eq!(dataset.train, reference.train, "prefix {prefix:?}");
        assert_eq!(dataset.test, reference.test, "prefix {prefix:?}");
    }
}

#[test]
fn unsafe_entries_ignored() {
    let temp = TempDir::new().unwrap();
    let mut entries = as_entries(&standard_files(), "aclImdb/");
    for path in [
        "../aclImdb/train/pos/77_10.txt",
        "aclImdb/../aclImdb/train/pos/78_10.txt",
        "/aclImdb/train/pos/79_10.txt",
    ] {
        entries.push((path.to_owned(), b"escaped escaped escaped escaped".to_vec()));
    }
    let path = temp.path().join("unsafe.tar.gz");
    fs::write(&path, tarball_bytes(&borrowed(&entries))).unwrap();

    let prepared = prepared(&DataSource::Tarball(path), &options(SMALL_VOCAB));
    assert_eq!(prepared.dataset.train.len(), 4);
    assert_eq!(prepared.dataset.vocabulary.index_of("escaped"), None);
    assert!(
        prepared
            .warnings
            .iter()
            .any(|warning| matches!(warning, PrepareWarning::UnsafePathsIgnored { count: 3, .. })),
        "{:?}",
        prepared.warnings
    );
    // Nothing was written next to the temporary folder.
    assert!(!temp.path().parent().unwrap().join("aclImdb").exists());
}

#[test]
fn links_and_odd_names_ignored() {
    let temp = TempDir::new().unwrap();
    let encoder = GzEncoder::new(Vec::new(), Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    for (path, text) in REVIEWS {
        append_raw(&mut builder, &format!("aclImdb/{path}"), text.as_bytes());
    }
    append_raw(&mut builder, "aclImdb/train/pos/notes.txt", b"linkword");
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    builder
        .append_link(&mut link, "aclImdb/train/pos/50_9.txt", "/etc/hostname")
        .unwrap();
    let bytes = builder.into_inner().unwrap().finish().unwrap();
    let path = temp.path().join("links.tar.gz");
    fs::write(&path, bytes).unwrap();

    let prepared = prepared(&DataSource::Tarball(path), &options(SMALL_VOCAB));
    assert_eq!(prepared.dataset.train.len(), 4);
    assert!(
        prepared.warnings.iter().any(|warning| matches!(
            warning,
            PrepareWarning::UnrecognizedFilesIgnored { count: 2, .. }
        )),
        "{:?}",
        prepared.warnings
    );
}

#[test]
fn progress_reports_bytes_and_reviews() {
    let temp = TempDir::new().unwrap();
    let path = temp.path().join("data.tar.gz");
    let tarball = write_tarball(&path, &standard_files());
    let size = fs::metadata(&path).unwrap().len();

    let mut reports: Vec<PrepareProgress> = Vec::new();
    prepare(&tarball, &options(SMALL_VOCAB), &mut |report| {
        reports.push(report)
    })
    .unwrap();

    let reading: Vec<&PrepareProgress> = reports
        .iter()
        .filter(|report| report.stage == PrepareStage::ReadingReviews)
        .collect();
    let last_reading = reading.last().expect("a ReadingReviews report");
    assert_eq!(last_reading.bytes_total, size);
    assert_eq!(last_reading.bytes_read, size);
    assert_eq!(last_reading.reviews_read, REVIEWS.len());
    assert_eq!(reports.last().unwrap().stage, PrepareStage::Done);
    assert_eq!(reports.last().unwrap().reviews_read, REVIEWS.len());
}

#[test]
fn progress_stages_with_cache() {
    let temp = TempDir::new().unwrap();
    let cache_dir = temp.path().join("data");
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &standard_files());
    let options = cached_options(SMALL_VOCAB, &cache_dir);
    let stages_of = |reports: &[PrepareProgress]| {
        let mut stages: Vec<PrepareStage> = reports.iter().map(|report| report.stage).collect();
        stages.dedup();
        stages
    };

    // No cache file yet: nothing to load, so no LoadingCache stage.
    let mut reports = Vec::new();
    prepare(&tarball, &options, &mut |report| reports.push(report)).unwrap();
    assert_eq!(
        stages_of(&reports),
        [
            PrepareStage::ReadingReviews,
            PrepareStage::BuildingVocabulary,
            PrepareStage::SavingCache,
            PrepareStage::Done
        ]
    );

    let mut reports = Vec::new();
    prepare(&tarball, &options, &mut |report| reports.push(report)).unwrap();
    assert_eq!(
        stages_of(&reports),
        [PrepareStage::LoadingCache, PrepareStage::Done]
    );
    let cache_size = fs::metadata(cache_file(&cache_dir)).unwrap().len();
    assert_eq!(reports[0].bytes_total, cache_size);
    assert_eq!(reports[1].reviews_read, REVIEWS.len());
}

// ---------------------------------------------------------------------------
// Errors

fn assert_message_contains(error: &DataError, parts: &[&str]) {
    let message = error.to_string();
    for part in parts {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
}

#[test]
fn missing_path_error() {
    let temp = TempDir::new().unwrap();
    let missing = temp.path().join("nowhere.tar.gz");

    let error = locate_from(Some(&missing), None, temp.path()).unwrap_err();
    assert!(
        matches!(
            error,
            DataError::PathNotFound {
                origin: "--data",
                ..
            }
        ),
        "{error:?}"
    );
    assert_message_contains(&error, &["nowhere.tar.gz", "--data", "does not exist"]);

    let error = locate_from(None, Some(&missing), temp.path()).unwrap_err();
    assert!(
        matches!(
            error,
            DataError::PathNotFound {
                origin: "IMDB_DATA",
                ..
            }
        ),
        "{error:?}"
    );

    let error = prepare_quietly(&DataSource::Tarball(missing), &options(10)).unwrap_err();
    assert!(matches!(error, DataError::PathNotFound { .. }), "{error:?}");
}

#[test]
fn folder_without_class_folders_error() {
    let temp = TempDir::new().unwrap();
    let folder = temp.path().join("aclImdb");
    fs::create_dir_all(folder.join("train/pos")).unwrap();
    fs::create_dir_all(folder.join("train/neg")).unwrap();
    fs::create_dir_all(folder.join("test/pos")).unwrap();

    let error = locate_from(Some(&folder), None, temp.path()).unwrap_err();
    assert!(matches!(error, DataError::NotADataset { .. }), "{error:?}");
    assert_message_contains(&error, &["test/neg", "aclImdb"]);

    let error = prepare_quietly(&DataSource::Folder(folder), &options(10)).unwrap_err();
    assert!(matches!(error, DataError::NotADataset { .. }), "{error:?}");

    let unrelated = temp.path().join("photos");
    fs::create_dir_all(&unrelated).unwrap();
    let error = locate_from(Some(&unrelated), None, temp.path()).unwrap_err();
    assert!(matches!(error, DataError::NotADataset { .. }), "{error:?}");
}

#[test]
fn empty_file_error() {
    let temp = TempDir::new().unwrap();
    let path = temp.path().join("aclImdb_v1.tar.gz");
    fs::write(&path, b"").unwrap();

    let error = prepare_quietly(&DataSource::Tarball(path), &options(10)).unwrap_err();
    assert!(matches!(error, DataError::EmptyFile { .. }), "{error:?}");
    assert_message_contains(&error, &["aclImdb_v1.tar.gz", "empty", "fetch-data"]);
}

#[test]
fn truncated_tarball_error() {
    let temp = TempDir::new().unwrap();
    let entries = as_entries(&standard_files(), "aclImdb/");
    let bytes = tarball_bytes(&borrowed(&entries));
    let path = temp.path().join("aclImdb_v1.tar.gz");

    for length in [1, 10, bytes.len() / 2, bytes.len() - 9, bytes.len() - 1] {
        fs::write(&path, &bytes[..length]).unwrap();
        let error =
            prepare_quietly(&DataSource::Tarball(path.clone()), &options(SMALL_VOCAB)).unwrap_err();
        assert!(
            matches!(error, DataError::Truncated { .. }),
            "cut at {length} of {}: {error:?}",
            bytes.len()
        );
        assert_message_contains(&error, &["truncated", "fetch-data"]);
    }
}

#[test]
fn damaged_tarball_error() {
    let temp = TempDir::new().unwrap();
    let entries = as_entries(&standard_files(), "aclImdb/");
    let mut bytes = tarball_bytes(&borrowed(&entries));
    let middle = bytes.len() / 2;
    for byte in &mut bytes[middle..middle + 16] {
        *byte ^= 0x5a;
    }
    let path = temp.path().join("aclImdb_v1.tar.gz");
    fs::write(&path, &bytes).unwrap();

    let error = prepare_quietly(&DataSource::Tarball(path), &options(SMALL_VOCAB)).unwrap_err();
    assert!(
        matches!(
            error,
            DataError::Corrupt { .. } | DataError::Truncated { .. }
        ),
        "{error:?}"
    );
}

#[test]
fn not_gzip_error() {
    let temp = TempDir::new().unwrap();
    let text = temp.path().join("reviews.tar.gz");
    fs::write(&text, "this is not compressed").unwrap();

    let error = prepare_quietly(&DataSource::Tarball(text), &options(10)).unwrap_err();
    assert!(matches!(error, DataError::NotGzip { .. }), "{error:?}");
    assert_message_contains(&error, &["reviews.tar.gz", "not a gzip file"]);

    // A gzip stream that does not hold a tar archive.
    let not_tar = temp.path().join("text.gz");
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(&[b'x'; 2048]).unwrap();
    fs::write(&not_tar, encoder.finish().unwrap()).unwrap();
    let error = prepare_quietly(&DataSource::Tarball(not_tar), &options(10)).unwrap_err();
    assert!(matches!(error, DataError::Corrupt { .. }), "{error:?}");
}

#[test]
fn missing_class_error() {
    let temp = TempDir::new().unwrap();
    let files: Vec<(String, Vec<u8>)> = standard_files()
        .into_iter()
        .filter(|(path, _)| !path.starts_with("test/neg/"))
        .collect();
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &files);
    let folder = DataSource::Folder(write_folder(temp.path(), &borrowed(&files)));

    for source in [tarball, folder] {
        let error = prepare_quietly(&source, &options(SMALL_VOCAB)).unwrap_err();
        assert!(
            matches!(
                error,
                DataError::MissingClass {
                    split: "test",
                    class: "negative",
                    ..
                }
            ),
            "{source}: {error:?}"
        );
        assert_message_contains(&error, &["test/neg", "negative"]);
    }
}

#[test]
fn no_reviews_error() {
    let temp = TempDir::new().unwrap();
    let path = temp.path().join("empty.tar.gz");
    fs::write(
        &path,
        tarball_bytes(&[("aclImdb/README", b"no reviews here")]),
    )
    .unwrap();

    let error = prepare_quietly(&DataSource::Tarball(path), &options(10)).unwrap_err();
    assert!(matches!(error, DataError::NoReviews { .. }), "{error:?}");
    assert_message_contains(&error, &["empty.tar.gz", "no reviews"]);
}

#[test]
fn duplicate_review_error() {
    let temp = TempDir::new().unwrap();
    let mut entries = as_entries(&standard_files(), "aclImdb/");
    entries.push(("aclImdb/train/pos/10_7.txt".to_owned(), b"again".to_vec()));
    let path = temp.path().join("twice.tar.gz");
    fs::write(&path, tarball_bytes(&borrowed(&entries))).unwrap();

    let error = prepare_quietly(&DataSource::Tarball(path), &options(SMALL_VOCAB)).unwrap_err();
    assert!(
        matches!(
            error,
            DataError::DuplicateReview {
                split: "train",
                folder: "pos",
                id: 10,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn vocabulary_size_errors() {
    let temp = TempDir::new().unwrap();
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &standard_files());

    let error = prepare_quietly(&tarball, &options(0)).unwrap_err();
    assert!(matches!(error, DataError::VocabularySizeZero), "{error:?}");

    let error = prepare_quietly(&tarball, &options(100_000)).unwrap_err();
    let DataError::VocabularyTooLarge {
        requested,
        available,
    } = error
    else {
        panic!("{error:?}");
    };
    assert_eq!(requested, 100_000);
    assert!(available > SMALL_VOCAB, "{available} training words");
    assert!(prepare_quietly(&tarball, &options(available)).is_ok());
    assert!(prepare_quietly(&tarball, &options(available + 1)).is_err());
}

// ---------------------------------------------------------------------------
// Source lookup

#[test]
fn locate_search_order() {
    let temp = TempDir::new().unwrap();
    let data_dir = temp.path().join("data");
    fs::create_dir_all(&data_dir).unwrap();
    let files = standard_files();

    let error = locate_from(None, None, &data_dir).unwrap_err();
    assert!(matches!(error, DataError::NotFound { .. }), "{error:?}");
    assert_message_contains(
        &error,
        &[
            "--data",
            "IMDB_DATA",
            "aclImdb_v1.tar.gz",
            "aclImdb-labeled.tar.gz",
            "imdb-tui fetch-data",
            "https://ai.stanford.edu/~amaas/data/sentiment/",
        ],
    );

    let labeled = data_dir.join("aclImdb-labeled.tar.gz");
    write_tarball(&labeled, &files);
    assert_eq!(
        locate_from(None, None, &data_dir).unwrap(),
        DataSource::Tarball(labeled.clone())
    );

    let original = data_dir.join("aclImdb_v1.tar.gz");
    write_tarball(&original, &files);
    assert_eq!(
        locate_from(None, None, &data_dir).unwrap(),
        DataSource::Tarball(original.clone())
    );

    let folder = write_folder(&data_dir, &borrowed(&files));
    assert_eq!(
        locate_from(None, None, &data_dir).unwrap(),
        DataSource::Folder(folder.clone())
    );

    // IMDB_DATA comes before data/, and --data before both. An empty
    // IMDB_DATA counts as unset.
    assert_eq!(
        locate_from(None, Some(&labeled), &data_dir).unwrap(),
        DataSource::Tarball(labeled.clone())
    );
    assert_eq!(
        locate_from(Some(&original), Some(&labeled), &data_dir).unwrap(),
        DataSource::Tarball(original.clone())
    );
    assert_eq!(
        locate_from(None, Some(Path::new("")), &data_dir).unwrap(),
        DataSource::Folder(folder.clone())
    );

    // A folder that contains aclImdb/, or only a tarball.
    assert_eq!(
        locate_from(Some(&data_dir), None, temp.path()).unwrap(),
        DataSource::Folder(folder)
    );
    let tarball_only = temp.path().join("downloads");
    fs::create_dir_all(&tarball_only).unwrap();
    let download = tarball_only.join("aclImdb_v1.tar.gz");
    write_tarball(&download, &files);
    assert_eq!(
        locate_from(Some(&tarball_only), None, temp.path()).unwrap(),
        DataSource::Tarball(download)
    );
}

// ---------------------------------------------------------------------------
// Cache

fn cache_file(cache_dir: &Path) -> PathBuf {
    cache_dir.join(CACHE_FILE_NAME)
}

fn assert_same_dataset(left: &Dataset, right: &Dataset) {
    assert_eq!(left.vocabulary, right.vocabulary);
    assert_eq!(left.train, right.train);
    assert_eq!(left.test, right.test);
}

fn assert_rebuilt(prepared: &Prepared, reason_part: &str) {
    assert!(!prepared.from_cache);
    let reasons: Vec<&str> = prepared
        .warnings
        .iter()
        .filter_map(|warning| match warning {
            PrepareWarning::CacheRebuilt { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 1, "{:?}", prepared.warnings);
    assert!(
        reasons[0].contains(reason_part),
        "{:?} lacks {reason_part:?}",
        reasons[0]
    );
}

#[test]
fn cache_round_trip() {
    let temp = TempDir::new().unwrap();
    let cache_dir = temp.path().join("data");
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &standard_files());
    let options = cached_options(SMALL_VOCAB, &cache_dir);

    let first = prepared(&tarball, &options);
    assert!(!first.from_cache);
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    assert!(cache_file(&cache_dir).is_file());

    let second = prepared(&tarball, &options);
    assert!(second.from_cache);
    assert!(second.warnings.is_empty(), "{:?}", second.warnings);
    assert_same_dataset(&first.dataset, &second.dataset);
    assert_eq!(second.dataset.source, tarball.to_string());

    // The temporary file was renamed, not left behind.
    let names: Vec<String> = fs::read_dir(&cache_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [CACHE_FILE_NAME]);
}

#[test]
fn cache_stale_vocabulary_size() {
    let temp = TempDir::new().unwrap();
    let cache_dir = temp.path().join("data");
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &standard_files());
    prepared(&tarball, &cached_options(SMALL_VOCAB, &cache_dir));

    let rebuilt = prepared(&tarball, &cached_options(SMALL_VOCAB - 1, &cache_dir));
    assert_rebuilt(&rebuilt, "vocabulary");
    assert_eq!(rebuilt.dataset.vocabulary.len(), SMALL_VOCAB - 1);

    // The rebuilt cache now serves the new size.
    let again = prepared(&tarball, &cached_options(SMALL_VOCAB - 1, &cache_dir));
    assert!(again.from_cache);
}

#[test]
fn cache_stale_source() {
    let temp = TempDir::new().unwrap();
    let cache_dir = temp.path().join("data");
    let files = standard_files();
    let first = write_tarball(&temp.path().join("first.tar.gz"), &files);
    prepared(&first, &cached_options(SMALL_VOCAB, &cache_dir));

    let mut other_files = files.clone();
    other_files.push((
        "train/pos/20_10.txt".to_owned(),
        b"another great film".to_vec(),
    ));
    let second = write_tarball(&temp.path().join("second.tar.gz"), &other_files);
    let rebuilt = prepared(&second, &cached_options(SMALL_VOCAB, &cache_dir));
    assert_rebuilt(&rebuilt, "second.tar.gz");
    assert_eq!(rebuilt.dataset.train.len(), 5);

    // Same path, new contents: the size or modification time differs.
    let mut third_files = other_files;
    third_files.push((
        "test/pos/21_10.txt".to_owned(),
        b"a great great film".to_vec(),
    ));
    write_tarball(&temp.path().join("second.tar.gz"), &third_files);
    let rebuilt = prepared(&second, &cached_options(SMALL_VOCAB, &cache_dir));
    assert_rebuilt(&rebuilt, "changed");
    assert_eq!(rebuilt.dataset.test.len(), 4);
}

/// Rewrites one array of the cache at `path` with `edit`, keeping the rest.
fn edit_cache_array<T>(path: &Path, name: &str, edit: impl FnOnce(&mut Vec<T>))
where
    T: npyz::Deserialize + npyz::AutoSerialize + Copy,
{
    use npyz::WriterBuilder;
    use npyz::zip::{self, CompressionMethod, ZipArchive, ZipWriter};

    let bytes = fs::read(path).unwrap();
    let mut archive = ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut writer = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::FileOptions::default().compression_method(CompressionMethod::Stored);
    let target = format!("{name}.npy");
    let mut edit = Some(edit);

    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let entry_name = entry.name().to_owned();
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents).unwrap();
        drop(entry);

        if entry_name == target
            && let Some(edit) = edit.take()
        {
            let mut values: Vec<T> = npyz::NpyFile::new(&contents[..])
                .unwrap()
                .into_vec()
                .unwrap();
            edit(&mut values);
            contents.clear();
            let mut npy = npyz::WriteOptions::new()
                .default_dtype()
                .shape(&[values.len() as u64])
                .writer(&mut contents)
                .begin_nd()
                .unwrap();
            npy.extend(values.iter().copied()).unwrap();
            npy.finish().unwrap();
        }
        writer.start_file(entry_name, options).unwrap();
        writer.write_all(&contents).unwrap();
    }
    fs::write(path, writer.finish().unwrap().into_inner()).unwrap();
}

#[test]
fn cache_stale_tokenizer_version() {
    let temp = TempDir::new().unwrap();
    let cache_dir = temp.path().join("data");
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &standard_files());
    let options = cached_options(SMALL_VOCAB, &cache_dir);
    let fresh = prepared(&tarball, &options);

    edit_cache_array::<u8>(&cache_file(&cache_dir), "key", |key| {
        let mut json: serde_json::Value = serde_json::from_slice(key).unwrap();
        json["tokenizer_version"] = serde_json::json!(TOKENIZER_VERSION + 1);
        *key = serde_json::to_vec(&json).unwrap();
    });

    let rebuilt = prepared(&tarball, &options);
    assert_rebuilt(&rebuilt, "tokenizer version");
    assert_same_dataset(&rebuilt.dataset, &fresh.dataset);
}

#[test]
fn cache_damaged_arrays_rebuilt() {
    type Edit = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "index out of range",
            Box::new(|path| {
                edit_cache_array::<u32>(path, "train_indices", |indices| {
                    indices[0] = SMALL_VOCAB as u32;
                });
            }),
        ),
        (
            "offsets not monotone",
            Box::new(|path| {
                edit_cache_array::<u64>(path, "test_offsets", |offsets| offsets.swap(1, 2));
            }),
        ),
        (
            "offsets short",
            Box::new(|path| {
                edit_cache_array::<u64>(path, "train_offsets", |offsets| {
                    offsets.pop();
                });
            }),
        ),
        (
            "label not 0 or 1",
            Box::new(|path| {
                edit_cache_array::<u8>(path, "train_labels", |labels| labels[0] = 2);
            }),
        ),
        (
            "one class only",
            Box::new(|path| {
                edit_cache_array::<u8>(path, "test_labels", |labels| labels.fill(1));
            }),
        ),
        (
            "rating out of range",
            Box::new(|path| edit_cache_array::<u8>(path, "test_ratings", |ratings| ratings[0] = 0)),
        ),
        (
            "indices unsorted",
            Box::new(|path| {
                edit_cache_array::<u32>(path, "train_indices", |indices| indices.swap(0, 1));
            }),
        ),
        (
            "vocabulary short",
            Box::new(|path| {
                edit_cache_array::<u8>(path, "vocabulary", |text| {
                    let end = text.iter().rposition(|&byte| byte == b'\n').unwrap();
                    text.truncate(end);
                });
            }),
        ),
        (
            "truncated file",
            Box::new(|path| {
                let bytes = fs::read(path).unwrap();
                fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
            }),
        ),
        (
            "random bytes",
            Box::new(|path| {
                let bytes: Vec<u8> = (0..4096_u32)
                    .map(|index| (index.wrapping_mul(2_654_435_761) >> 13) as u8)
                    .collect();
                fs::write(path, bytes).unwrap();
            }),
        ),
        ("empty file", Box::new(|path| fs::write(path, b"").unwrap())),
    ];

    let temp = TempDir::new().unwrap();
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &standard_files());
    let reference = prepared(&tarball, &options(SMALL_VOCAB)).dataset;

    for (case, damage) in cases {
        let cache_dir = temp.path().join(case.replace(' ', "-"));
        let options = cached_options(SMALL_VOCAB, &cache_dir);
        prepared(&tarball, &options);
        damage(&cache_file(&cache_dir));

        let rebuilt = prepared(&tarball, &options);
        assert!(!rebuilt.from_cache, "{case}");
        assert!(
            matches!(
                rebuilt.warnings.as_slice(),
                [PrepareWarning::CacheRebuilt { .. }]
            ),
            "{case}: {:?}",
            rebuilt.warnings
        );
        assert_same_dataset(&rebuilt.dataset, &reference);

        let repaired = prepared(&tarball, &options);
        assert!(repaired.from_cache, "{case}: cache not rewritten");
    }
}

#[test]
fn cache_unwritable_folder_warns() {
    let temp = TempDir::new().unwrap();
    let tarball = write_tarball(&temp.path().join("data.tar.gz"), &standard_files());

    // Tests may run as root, where a read-only mode does not stop writes. A
    // folder below a regular file cannot be created by anyone.
    let blocker = temp.path().join("not-a-folder");
    fs::write(&blocker, b"a regular file").unwrap();
    let cache_dir = blocker.join("data");

    let prepared = prepared(&tarball, &cached_options(SMALL_VOCAB, &cache_dir));
    assert!(!prepared.from_cache);
    assert_eq!(prepared.dataset.train.len(), 4);
    assert!(
        matches!(
            prepared.warnings.as_slice(),
            [PrepareWarning::CacheNotWritten { .. }]
        ),
        "{:?}",
        prepared.warnings
    );
    let message = prepared.warnings[0].to_string();
    assert!(message.contains(CACHE_FILE_NAME), "{message}");
}

#[test]
fn cache_from_folder_source() {
    let temp = TempDir::new().unwrap();
    let cache_dir = temp.path().join("data");
    let files = standard_files();
    let folder = DataSource::Folder(write_folder(temp.path(), &borrowed(&files)));
    let options = cached_options(SMALL_VOCAB, &cache_dir);

    let first = prepared(&folder, &options);
    let second = prepared(&folder, &options);
    assert!(!first.from_cache);
    assert!(second.from_cache);
    assert_same_dataset(&first.dataset, &second.dataset);

    // Adding a review changes the class folder's modification time.
    std::thread::sleep(std::time::Duration::from_millis(20));
    fs::write(
        folder.path().join("train/pos/30_10.txt"),
        "great great film",
    )
    .unwrap();
    let rebuilt = prepared(&folder, &options);
    assert_rebuilt(&rebuilt, "changed");
    assert_eq!(rebuilt.dataset.train.len(), 5);
}

// ---------------------------------------------------------------------------
// Damaged input never panics

mod damaged_input {
    use super::*;
    use proptest::prelude::*;

    fn fixture_tarball() -> Vec<u8> {
        tarball_bytes(&borrowed(&as_entries(&standard_files(), "aclImdb/")))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn flipped_tarball_bytes(
            flips in prop::collection::vec((any::<prop::sample::Index>(), 1..=255_u8), 1..4)
        ) {
            let temp = TempDir::new().unwrap();
            let mut bytes = fixture_tarball();
            for (index, mask) in flips {
                let at = index.index(bytes.len());
                bytes[at] ^= mask;
            }
            let path = temp.path().join("flipped.tar.gz");
            fs::write(&path, &bytes).unwrap();

            // Any outcome but a panic is fine: the gzip checksum rejects most
            // flips, and the rest may change a review or a name.
            let _ = prepare_quietly(&DataSource::Tarball(path), &options(SMALL_VOCAB));
        }

        #[test]
        fn random_gzip_payload(payload in prop::collection::vec(any::<u8>(), 0..4096)) {
            let temp = TempDir::new().unwrap();
            let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
            encoder.write_all(&payload).unwrap();
            let path = temp.path().join("random.tar.gz");
            fs::write(&path, encoder.finish().unwrap()).unwrap();

            let result = prepare_quietly(&DataSource::Tarball(path), &options(SMALL_VOCAB));
            prop_assert!(result.is_err());
        }

        #[test]
        fn flipped_cache_bytes(
            index in any::<prop::sample::Index>(),
            mask in 1..=255_u8,
        ) {
            let temp = TempDir::new().unwrap();
            let cache_dir = temp.path().join("data");
            let tarball = write_tarball(&temp.path().join("data.tar.gz"), &standard_files());
            let options = cached_options(SMALL_VOCAB, &cache_dir);
            let reference = prepared(&tarball, &options).dataset;

            let path = cache_file(&cache_dir);
            let mut bytes = fs::read(&path).unwrap();
            let at = index.index(bytes.len());
            bytes[at] ^= mask;
            fs::write(&path, &bytes).unwrap();

            // The zip CRC covers every array, so the flip is either caught and
            // the cache rebuilt, or it hit bytes that do not matter.
            let result = prepared(&tarball, &options);
            assert_same_dataset(&result.dataset, &reference);
        }
    }
}
