//! Property tests that feed the loaders (tarball, folder, cache, model) and
//! the tokenizer random and damaged input. None may panic, and whatever a
//! loader accepts must satisfy the invariants the trainer relies on.
//!
//! Each property runs a few cases by default, enough for CI. Set
//! `PROPTEST_CASES` for a long run, for example
//! `PROPTEST_CASES=200000 cargo test --release --test hard_fuzz tarball`;
//! `docs/testing.md` records the long runs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

use common::reviews::{ReviewFile, append_raw, small_files, write_folder, write_tarball};
use flate2::Compression;
use flate2::write::GzEncoder;
use imdb_tui::data::tokenize::{for_each_token, tokenize};
use imdb_tui::data::{
    CACHE_FILE_NAME, DataSource, Dataset, PrepareOptions, Prepared, Split, Vocabulary, prepare,
};
use imdb_tui::model::Network;
use imdb_tui::model::io::{ModelError, TrainingRecord, info_path, load, save};
use imdb_tui::train::RunConfig;
use npyz::WriterBuilder;
use npyz::zip::CompressionMethod;
use npyz::zip::write::FileOptions;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tempfile::TempDir;

/// Returns a configuration of `default_cases` cases, or of `PROPTEST_CASES`
/// when that is set.
fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        // Shrinking a loader's failure can take long, and the failing input
        // is printed either way.
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    }
}

fn options(vocab_size: usize, cache_dir: Option<&Path>) -> PrepareOptions {
    PrepareOptions {
        vocab_size,
        cache_dir: cache_dir.map(Path::to_path_buf),
    }
}

fn prepare_quietly(source: &DataSource, options: &PrepareOptions) -> Option<Prepared> {
    prepare(source, options, &mut |_| {}).ok()
}

/// Checks every invariant of a split that training and prediction rely on.
fn check_split(name: &str, split: &Split, vocabulary: usize) -> Result<(), TestCaseError> {
    let reviews = split.labels.len();
    prop_assert_eq!(split.offsets.len(), reviews + 1, "{} offsets", name);
    prop_assert_eq!(split.ratings.len(), reviews, "{} ratings", name);
    prop_assert_eq!(split.offsets[0], 0, "{} first offset", name);
    prop_assert_eq!(
        split.offsets[reviews],
        split.indices.len(),
        "{} last offset",
        name
    );
    for pair in split.offsets.windows(2) {
        prop_assert!(pair[0] <= pair[1], "{} offsets decrease", name);
    }
    for &label in &split.labels {
        prop_assert!(label <= 1, "{} label {}", name, label);
    }
    for review in 0..reviews {
        let indices = split.review(review);
        for pair in indices.windows(2) {
            prop_assert!(pair[0] < pair[1], "{} review {} unsorted", name, review);
        }
        for &index in indices {
            prop_assert!((index as usize) < vocabulary, "{} index {}", name, index);
        }
    }
    Ok(())
}

fn check_dataset(dataset: &Dataset) -> Result<(), TestCaseError> {
    let vocabulary = dataset.vocabulary.len();
    prop_assert!(vocabulary > 0);
    for (index, word) in dataset.vocabulary.words().iter().enumerate() {
        prop_assert!(!word.is_empty());
        prop_assert_eq!(dataset.vocabulary.index_of(word), Some(index as u32));
    }
    check_split("train", &dataset.train, vocabulary)?;
    check_split("test", &dataset.test, vocabulary)
}

// ---------------------------------------------------------------------------
// Tarball

/// Pieces of entry paths: the dataset's own folders and file names, and
/// the ones a loader must not follow or trip on.
fn entry_path() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        "aclImdb/",
        "./",
        "../",
        "/",
        "//",
        "train/",
        "test/",
        "pos/",
        "neg/",
        "unsup/",
        "..",
        ".",
        "1_9.txt",
        "2_1.txt",
        "3_10.txt",
        "0_0.txt",
        "_.txt",
        "4_11.txt",
        "5_.txt",
        "99999999999999999999_7.txt",
        "x",
        "README",
        "\u{e9}",
        "\\",
        "\0",
    ]);
    let named = prop::collection::vec(pieces, 1..7).prop_map(|pieces| pieces.concat().into_bytes());
    prop_oneof![
        4 => named,
        1 => prop::collection::vec(any::<u8>(), 1..40),
    ]
}

fn entry_type() -> impl Strategy<Value = tar::EntryType> {
    prop::sample::select(vec![
        tar::EntryType::Regular,
        tar::EntryType::Regular,
        tar::EntryType::Regular,
        tar::EntryType::Directory,
        tar::EntryType::Symlink,
        tar::EntryType::Link,
        tar::EntryType::Char,
        tar::EntryType::Fifo,
        tar::EntryType::GNULongName,
        tar::EntryType::XHeader,
    ])
}

fn review_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => "[a-zA-Z !?'<>/0-9\u{e9}\u{301}\u{6620}]{0,60}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..80),
    ]
}

fn append_entry<W: Write>(
    builder: &mut tar::Builder<W>,
    path: &[u8],
    kind: tar::EntryType,
    contents: &[u8],
) {
    if kind == tar::EntryType::Regular {
        append_raw(builder, path, contents);
        return;
    }
    let mut header = tar::Header::new_gnu();
    let name = &mut header.as_old_mut().name;
    let length = path.len().min(name.len() - 1);
    name[..length].copy_from_slice(&path[..length]);
    header.set_entry_type(kind);
    header.set_mode(0o644);
    if matches!(kind, tar::EntryType::Symlink | tar::EntryType::Link) {
        header.set_size(0);
        // The link target is the entry's text, possibly `..` or absolute.
        let target = &mut header.as_old_mut().linkname;
        let length = contents.len().min(target.len() - 1);
        target[..length].copy_from_slice(&contents[..length]);
        header.set_cksum();
        builder.append(&header, &[][..]).unwrap();
    } else {
        header.set_size(contents.len() as u64);
        header.set_cksum();
        builder.append(&header, contents).unwrap();
    }
}

proptest! {
    #![proptest_config(config(24))]

    /// Random entries, mixed with a valid dataset, never panic the reader.
    /// Whatever it accepts is a valid dataset.
    #[test]
    fn tarball_random_entries(
        entries in prop::collection::vec((entry_path(), entry_type(), review_text()), 0..24),
        keep_valid in any::<bool>(),
        vocab_size in 1_usize..12,
    ) {
        let temp = TempDir::new().unwrap();
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        if keep_valid {
            for (path, contents) in small_files() {
                append_raw(&mut builder, format!("aclImdb/{path}").as_bytes(), &contents);
            }
        }
        for (path, kind, contents) in &entries {
            append_entry(&mut builder, path, *kind, contents);
        }
        let bytes = builder.into_inner().unwrap().finish().unwrap();
        let path = temp.path().join("random.tar.gz");
        fs::write(&path, bytes).unwrap();

        if let Some(prepared) = prepare_quietly(&DataSource::Tarball(path), &options(vocab_size, None)) {
            check_dataset(&prepared.dataset)?;
        }
        // The reader streams the archive and never extracts it.
        let names: Vec<_> = fs::read_dir(temp.path()).unwrap().collect();
        prop_assert_eq!(names.len(), 1);
    }

    /// A valid tarball cut at any byte, or with bytes flipped, gives an
    /// error or a valid dataset.
    #[test]
    fn tarball_cut_or_flipped(
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1..=255_u8), 0..3),
        do_cut in any::<bool>(),
    ) {
        let temp = TempDir::new().unwrap();
        let path = write_tarball(&temp.path().join("data.tar.gz"), &small_files());
        let mut bytes = fs::read(&path).unwrap();
        for (index, mask) in flips {
            let at = index.index(bytes.len());
            bytes[at] ^= mask;
        }
        if do_cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        fs::write(&path, &bytes).unwrap();

        if let Some(prepared) = prepare_quietly(&DataSource::Tarball(path), &options(8, None)) {
            check_dataset(&prepared.dataset)?;
        }
    }
}

// ---------------------------------------------------------------------------
// Folder

fn folder_file_name() -> impl Strategy<Value = String> {
    prop_oneof![
        (0_u32..50, 0_u8..12).prop_map(|(id, rating)| format!("{id}_{rating}.txt")),
        "[0-9_a-z.]{1,12}",
        Just("..txt".to_owned()),
        Just("_.txt".to_owned()),
        Just("1_1.TXT".to_owned()),
        Just("18446744073709551616_3.txt".to_owned()),
    ]
}

fn folder_file() -> impl Strategy<Value = (usize, String, Vec<u8>, bool)> {
    (0_usize..5, folder_file_name(), review_text(), any::<bool>())
}

proptest! {
    #![proptest_config(config(24))]

    /// Random files, folders and links inside the class folders never panic
    /// the folder reader. Whatever it accepts is a valid dataset.
    #[test]
    fn folder_random_files(
        files in prop::collection::vec(folder_file(), 0..30),
        keep_valid in any::<bool>(),
        vocab_size in 1_usize..12,
    ) {
        let temp = TempDir::new().unwrap();
        let base: Vec<ReviewFile> = if keep_valid { small_files() } else { Vec::new() };
        let root = write_folder(temp.path(), &base);
        let outside = temp.path().join("outside.txt");
        fs::write(&outside, "outside outside outside").unwrap();

        for (folder, name, contents, as_directory) in files {
            // Folder 4 is `unsup`, which the reader skips.
            let folder = ["train/pos", "train/neg", "test/pos", "test/neg", "train/unsup"][folder];
            // `.` and `..` name the folder itself or its parent.
            if name.bytes().all(|byte| byte == b'.') {
                continue;
            }
            let path = root.join(folder).join(&name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            if path.exists() {
                continue;
            }
            if as_directory && contents.len() % 3 == 0 {
                fs::create_dir_all(&path).unwrap();
            } else if as_directory {
                // A link out of the dataset, which must not be followed
                // into a crash.
                std::os::unix::fs::symlink(&outside, &path).unwrap();
            } else {
                fs::write(&path, &contents).unwrap();
            }
        }

        if let Some(prepared) = prepare_quietly(&DataSource::Folder(root), &options(vocab_size, None)) {
            check_dataset(&prepared.dataset)?;
        }
    }
}

// ---------------------------------------------------------------------------
// Cache

/// Writes an `.npz` the way the cache does (uncompressed entries), with the
/// given one-dimensional arrays.
fn write_cache(path: &Path, key: &[u8], vocabulary: &[u8], splits: &[CacheSplit; 2]) {
    let file = fs::File::create(path).unwrap();
    let mut archive = npyz::npz::NpzWriter::new(BufWriter::new(file));
    write_array(&mut archive, "key", key);
    write_array(&mut archive, "vocabulary", vocabulary);
    for (name, split) in ["train", "test"].iter().zip(splits) {
        write_array(&mut archive, &format!("{name}_offsets"), &split.offsets);
        write_array(&mut archive, &format!("{name}_indices"), &split.indices);
        write_array(&mut archive, &format!("{name}_labels"), &split.labels);
        write_array(&mut archive, &format!("{name}_ratings"), &split.ratings);
    }
    let mut output = archive.zip_writer().finish().unwrap();
    output.flush().unwrap();
}

fn write_array<T: npyz::AutoSerialize + Copy, W: Write + std::io::Seek>(
    archive: &mut npyz::npz::NpzWriter<W>,
    name: &str,
    values: &[T],
) {
    let options = FileOptions::default().compression_method(CompressionMethod::Stored);
    let zip = archive.zip_writer();
    zip.start_file(npyz::npz::file_name_from_array_name(name), options)
        .unwrap();
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[values.len() as u64])
        .writer(zip)
        .begin_nd()
        .unwrap();
    writer.extend(values.iter().copied()).unwrap();
    writer.finish().unwrap();
}

#[derive(Clone, Debug)]
struct CacheSplit {
    offsets: Vec<u64>,
    indices: Vec<u32>,
    labels: Vec<u8>,
    ratings: Vec<u8>,
}

fn cache_split() -> impl Strategy<Value = CacheSplit> {
    (
        prop::collection::vec(prop_oneof![8 => 0_u64..12, 1 => any::<u64>()], 0..8),
        prop::collection::vec(prop_oneof![8 => 0_u32..10, 1 => any::<u32>()], 0..12),
        prop::collection::vec(prop_oneof![8 => 0_u8..2, 1 => any::<u8>()], 0..7),
        prop::collection::vec(any::<u8>(), 0..7),
    )
        .prop_map(|(offsets, indices, labels, ratings)| CacheSplit {
            offsets,
            indices,
            labels,
            ratings,
        })
}

/// Returns the stored key of the cache in `cache_dir`, as bytes.
fn stored_key(cache_dir: &Path) -> Vec<u8> {
    let mut archive = npyz::npz::NpzArchive::open(cache_dir.join(CACHE_FILE_NAME)).unwrap();
    archive.by_name("key").unwrap().unwrap().into_vec().unwrap()
}

proptest! {
    #![proptest_config(config(24))]

    /// A cache with the right key and random arrays is either rejected, and
    /// the dataset rebuilt from the source, or loaded as a valid dataset.
    #[test]
    fn cache_forged_arrays(
        words in prop::collection::vec("[a-z\n]{0,6}", 0..10),
        splits in [cache_split(), cache_split()],
        vocab_size in 1_usize..10,
    ) {
        let temp = TempDir::new().unwrap();
        let cache_dir = temp.path().join("data");
        let tarball = DataSource::Tarball(write_tarball(&temp.path().join("data.tar.gz"), &small_files()));
        let options = options(vocab_size, Some(&cache_dir));
        let reference = prepare_quietly(&tarball, &options);
        let Some(reference) = reference else {
            // The vocabulary size is larger than the fixture's words.
            return Ok(());
        };

        let key = stored_key(&cache_dir);
        let vocabulary = words.join("\n");
        write_cache(&cache_dir.join(CACHE_FILE_NAME), &key, vocabulary.as_bytes(), &splits);

        let prepared = prepare(&tarball, &options, &mut |_| {}).unwrap();
        check_dataset(&prepared.dataset)?;
        if !prepared.from_cache {
            prop_assert_eq!(&prepared.dataset.train, &reference.dataset.train);
            prop_assert_eq!(&prepared.dataset.vocabulary, &reference.dataset.vocabulary);
        }
    }

    /// A real cache cut short, extended or with bytes flipped is rebuilt or
    /// still contains the same dataset.
    #[test]
    fn cache_damaged_bytes(
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1..=255_u8), 0..4),
        cut in prop::option::of(any::<prop::sample::Index>()),
        tail in prop::collection::vec(any::<u8>(), 0..16),
    ) {
        let temp = TempDir::new().unwrap();
        let cache_dir = temp.path().join("data");
        let tarball = DataSource::Tarball(write_tarball(&temp.path().join("data.tar.gz"), &small_files()));
        let options = options(8, Some(&cache_dir));
        let reference = prepare(&tarball, &options, &mut |_| {}).unwrap().dataset;

        let path = cache_dir.join(CACHE_FILE_NAME);
        let mut bytes = fs::read(&path).unwrap();
        for (index, mask) in flips {
            let at = index.index(bytes.len());
            bytes[at] ^= mask;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        bytes.extend(tail);
        fs::write(&path, &bytes).unwrap();

        let prepared = prepare(&tarball, &options, &mut |_| {}).unwrap();
        prop_assert_eq!(&prepared.dataset.train, &reference.train);
        prop_assert_eq!(&prepared.dataset.test, &reference.test);
        prop_assert_eq!(&prepared.dataset.vocabulary, &reference.vocabulary);
    }
}

// ---------------------------------------------------------------------------
// Model files

fn record() -> TrainingRecord {
    TrainingRecord {
        run: RunConfig::default(),
        epochs_trained: 3,
        test: None,
        data_source: "fixture".to_owned(),
    }
}

/// Saves a model of `words` inputs and returns its `.npz` path.
fn saved_model(folder: &Path, words: usize) -> std::path::PathBuf {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let network = Network::new(words, &[16, 16], &mut rng);
    let vocabulary = Vocabulary::new((0..words).map(|index| format!("w{index}")).collect());
    let path = folder.join("model.npz");
    save(&path, &network, &vocabulary, &record()).unwrap();
    path
}

/// Checks that a loaded model's layers chain from the vocabulary to one
/// output, and that it scores text without panicking.
fn check_loaded(path: &Path) -> Result<(), TestCaseError> {
    match load(path) {
        Ok(model) => {
            let mut inputs = model.vocabulary.len();
            for layer in &model.network.layers {
                prop_assert_eq!(layer.weights.nrows(), inputs);
                prop_assert_eq!(layer.bias.len(), layer.weights.ncols());
                inputs = layer.weights.ncols();
            }
            prop_assert_eq!(inputs, 1);
            let _ = imdb_tui::predict::predict(&model.vocabulary, &model.network, "w0 w1 great");
        }
        Err(error) => {
            let message = error.to_string();
            prop_assert!(
                message.contains("model.npz") || message.contains("model.json"),
                "{}",
                message
            );
            prop_assert!(!matches!(error, ModelError::NotFound { .. }), "{}", message);
        }
    }
    Ok(())
}

/// JSON values to put in place of a field of `model.json`.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<i64>().prop_map(serde_json::Value::from),
        (0_u64..40).prop_map(serde_json::Value::from),
        Just(serde_json::json!([])),
        Just(serde_json::json!([16])),
        Just(serde_json::json!([16, 16, 16])),
        Just(serde_json::json!([0])),
        Just(serde_json::json!(["w0", "w0", "w1"])),
        Just(serde_json::json!("text")),
        Just(serde_json::json!({})),
    ]
}

proptest! {
    #![proptest_config(config(24))]

    /// A saved model with bytes of its `.npz` flipped, cut or extended loads
    /// as a consistent network or fails with a message naming the file.
    #[test]
    fn model_damaged_weights(
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1..=255_u8), 0..4),
        cut in prop::option::of(any::<prop::sample::Index>()),
        tail in prop::collection::vec(any::<u8>(), 0..16),
    ) {
        let temp = TempDir::new().unwrap();
        let path = saved_model(temp.path(), 12);
        let mut bytes = fs::read(&path).unwrap();
        for (index, mask) in flips {
            let at = index.index(bytes.len());
            bytes[at] ^= mask;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        bytes.extend(tail);
        fs::write(&path, &bytes).unwrap();
        check_loaded(&path)?;
    }

    /// A `model.json` with a field replaced, removed or its text cut loads
    /// as a consistent network or fails with a message naming the file.
    #[test]
    fn model_damaged_json(
        field in prop::sample::select(vec![
            "format", "format_version", "tokenizer_version", "hidden_units",
            "run", "epochs_trained", "test", "data_source", "vocabulary",
        ]),
        value in prop::option::of(json_value()),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let temp = TempDir::new().unwrap();
        let path = saved_model(temp.path(), 12);
        let json = info_path(&path);
        let mut info: serde_json::Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
        match value {
            Some(value) => info[field] = value,
            None => {
                info.as_object_mut().unwrap().remove(field);
            }
        }
        let mut text = info.to_string().into_bytes();
        if let Some(cut) = cut {
            text.truncate(cut.index(text.len()));
        }
        fs::write(&json, text).unwrap();
        check_loaded(&path)?;
    }

    /// Random bytes in place of either file never panic the loader.
    #[test]
    fn model_random_bytes(
        weights in prop::option::of(prop::collection::vec(any::<u8>(), 0..600)),
        json in prop::option::of(prop::collection::vec(any::<u8>(), 0..200)),
    ) {
        let temp = TempDir::new().unwrap();
        let path = saved_model(temp.path(), 12);
        if let Some(weights) = weights {
            fs::write(&path, weights).unwrap();
        }
        if let Some(json) = json {
            fs::write(info_path(&path), json).unwrap();
        }
        check_loaded(&path)?;
    }
}

// ---------------------------------------------------------------------------
// Tokenizer, through the public API that prediction uses

fn any_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        any::<String>().prop_map(String::into_bytes),
        "([a-zA-Z0-9 /!?'<>\u{e9}\u{301}\u{6620}\u{1f600}\u{130}\u{3a3}-]|<br />|<br>|7/10){0,40}"
            .prop_map(String::into_bytes),
    ]
}

fn tokens_of(text: &[u8]) -> Vec<String> {
    let mut tokens = Vec::new();
    for_each_token(text, |token| tokens.push(token.to_owned()));
    tokens
}

proptest! {
    #![proptest_config(config(256))]

    /// Tokens are never empty and never contain a separator, for any bytes.
    #[test]
    fn tokenizer_tokens_are_words_or_marks(text in any_text()) {
        for token in tokens_of(&text) {
            prop_assert!(!token.is_empty());
            if token == "!" || token == "?" {
                continue;
            }
            for character in token.chars() {
                prop_assert!(
                    character.is_alphanumeric() || character == '/' || !character.is_ascii(),
                    "{:?} in {:?}", character, token
                );
                prop_assert!(!character.is_whitespace(), "{:?}", token);
            }
        }
    }

    /// `tokenize` on text and `for_each_token` on its bytes agree, and text
    /// joined by a newline gives the tokens of each part in turn.
    #[test]
    fn tokenizer_str_and_bytes_agree(first in any::<String>(), second in any::<String>()) {
        prop_assert_eq!(tokenize(&first), tokens_of(first.as_bytes()));
        let joined = format!("{first}\n{second}");
        let mut parts = tokenize(&first);
        parts.extend(tokenize(&second));
        prop_assert_eq!(tokenize(&joined), parts);
    }

    /// Prediction on any text gives a probability, and counts only words of
    /// the vocabulary.
    #[test]
    fn tokenizer_prediction_of_any_text(text in any_text()) {
        let vocabulary = Vocabulary::new(["w0", "great", "!", "7/10", "\u{e9}"].map(str::to_owned).to_vec());
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let network = Network::new(vocabulary.len(), &[4], &mut rng);
        let text = String::from_utf8_lossy(&text);
        let prediction = imdb_tui::predict::predict(&vocabulary, &network, &text);
        prop_assert!((0.0..=1.0).contains(&prediction.probability));
        prop_assert!(prediction.known_words <= vocabulary.len());
    }
}
