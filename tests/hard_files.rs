//! Hard model and cache files: arrays of the wrong type, order or values,
//! JSON from another format, and a cache that cannot be written even as
//! root.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::reviews::{small_files, write_folder, write_tarball};
use imdb_tui::data::{CACHE_FILE_NAME, DataSource, PrepareOptions, PrepareWarning, prepare};
use imdb_tui::model::Network;
use imdb_tui::model::io::{ModelError, TrainingRecord, info_path, load, save};
use imdb_tui::train::RunConfig;
use npyz::WriterBuilder;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tempfile::TempDir;

const WORDS: usize = 6;

fn saved_model(folder: &Path) -> (PathBuf, Network) {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let network = Network::new(WORDS, &[16, 16], &mut rng);
    let vocabulary =
        imdb_tui::data::Vocabulary::new((0..WORDS).map(|index| format!("w{index}")).collect());
    let record = TrainingRecord {
        run: RunConfig::default(),
        epochs_trained: 1,
        test: None,
        data_source: "fixture".to_owned(),
    };
    let path = folder.join("model.npz");
    save(&path, &network, &vocabulary, &record).unwrap();
    (path, network)
}

/// One array of a model file: its name, shape, values and whether it is
/// stored in Fortran order.
struct Array {
    name: String,
    shape: Vec<u64>,
    values: Vec<f64>,
    fortran: bool,
}

/// Writes `arrays` as an `.npz`, each as float32 unless `as_f64`.
fn write_npz(path: &Path, arrays: &[Array], as_f64: bool) {
    let mut npz = npyz::npz::NpzWriter::create(path).unwrap();
    for array in arrays {
        let order = if array.fortran {
            npyz::Order::Fortran
        } else {
            npyz::Order::C
        };
        if as_f64 {
            let mut writer = npz
                .array::<f64>(&array.name, Default::default())
                .unwrap()
                .default_dtype()
                .shape(&array.shape)
                .order(order)
                .begin_nd()
                .unwrap();
            writer.extend(array.values.iter().copied()).unwrap();
            writer.finish().unwrap();
        } else {
            let mut writer = npz
                .array::<f32>(&array.name, Default::default())
                .unwrap()
                .default_dtype()
                .shape(&array.shape)
                .order(order)
                .begin_nd()
                .unwrap();
            writer
                .extend(array.values.iter().map(|&value| value as f32))
                .unwrap();
            writer.finish().unwrap();
        }
    }
    npz.zip_writer().finish().unwrap();
}

/// Returns the arrays of `network` as `save` names and shapes them.
fn arrays_of(network: &Network) -> Vec<Array> {
    let mut arrays = Vec::new();
    for (position, layer) in network.layers.iter().enumerate() {
        arrays.push(Array {
            name: format!("dense_{position}_kernel"),
            shape: vec![layer.weights.nrows() as u64, layer.weights.ncols() as u64],
            values: layer
                .weights
                .iter()
                .map(|&value| f64::from(value))
                .collect(),
            fortran: false,
        });
        arrays.push(Array {
            name: format!("dense_{position}_bias"),
            shape: vec![layer.bias.len() as u64],
            values: layer.bias.iter().map(|&value| f64::from(value)).collect(),
            fortran: false,
        });
    }
    arrays
}

fn invalid_reason(path: &Path) -> String {
    match load(path) {
        Err(ModelError::Invalid { reason, .. }) => reason,
        other => panic!("expected an invalid model error, got {other:?}"),
    }
}

#[test]
fn model_float64_arrays_rejected() {
    let temp = TempDir::new().unwrap();
    let (path, network) = saved_model(temp.path());
    write_npz(&path, &arrays_of(&network), true);
    let reason = invalid_reason(&path);
    assert!(reason.contains("dense_0_kernel is not float32"), "{reason}");
}

#[test]
fn model_fortran_order_rejected() {
    let temp = TempDir::new().unwrap();
    let (path, network) = saved_model(temp.path());
    let mut arrays = arrays_of(&network);
    arrays[0].fortran = true;
    write_npz(&path, &arrays, false);
    let reason = invalid_reason(&path);
    assert!(
        reason.contains("dense_0_kernel is in Fortran order"),
        "{reason}"
    );
}

#[test]
fn model_wrong_shapes_rejected() {
    let temp = TempDir::new().unwrap();
    let (path, network) = saved_model(temp.path());

    // The kernel transposed: the same values in shape (16, WORDS).
    let mut arrays = arrays_of(&network);
    arrays[0].shape.reverse();
    write_npz(&path, &arrays, false);
    let reason = invalid_reason(&path);
    assert!(
        reason.contains(&format!(
            "dense_0_kernel has shape [16, {WORDS}], expected [{WORDS}, 16]"
        )),
        "{reason}"
    );

    // A bias with one value too many.
    let mut arrays = arrays_of(&network);
    arrays[3].shape = vec![17];
    arrays[3].values.push(0.0);
    write_npz(&path, &arrays, false);
    let reason = invalid_reason(&path);
    assert!(
        reason.contains("dense_1_bias has shape [17], expected [16]"),
        "{reason}"
    );

    // A fourth layer that the JSON does not list.
    let mut arrays = arrays_of(&network);
    arrays.push(Array {
        name: "dense_3_kernel".to_owned(),
        shape: vec![1, 1],
        values: vec![1.0],
        fortran: false,
    });
    write_npz(&path, &arrays, false);
    let reason = invalid_reason(&path);
    assert!(
        reason.contains("more layers than the 2 hidden layers"),
        "{reason}"
    );
}

#[test]
fn model_non_finite_weights_rejected() {
    let temp = TempDir::new().unwrap();
    let (path, network) = saved_model(temp.path());
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut arrays = arrays_of(&network);
        arrays[4].values[5] = value;
        write_npz(&path, &arrays, false);
        let reason = invalid_reason(&path);
        assert!(
            reason.contains("dense_2_kernel has the non-finite value"),
            "{value}: {reason}"
        );
        assert!(reason.contains("position 5"), "{value}: {reason}");
    }
}

#[test]
fn model_json_from_elsewhere_rejected() {
    let temp = TempDir::new().unwrap();
    let (path, _) = saved_model(temp.path());
    let json = info_path(&path);
    let original: serde_json::Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();

    let cases = [
        (
            "format",
            serde_json::json!("keras model"),
            "format \"keras model\"",
        ),
        ("format_version", serde_json::json!(2), "version 2"),
        (
            "tokenizer_version",
            serde_json::json!(1),
            "tokenizer version 1",
        ),
        (
            "vocabulary",
            serde_json::json!([]),
            "vocabulary or a hidden layer is empty",
        ),
        (
            "hidden_units",
            serde_json::json!([16, 0]),
            "vocabulary or a hidden layer is empty",
        ),
        ("hidden_units", serde_json::json!("16,16"), "invalid type"),
    ];
    for (field, value, expected) in cases {
        let mut info = original.clone();
        info[field] = value;
        fs::write(&json, info.to_string()).unwrap();
        let error = load(&path).unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, ModelError::Invalid { .. }),
            "{field}: {error:?}"
        );
        assert!(message.contains(expected), "{field}: {message}");
        assert!(message.contains("model.json"), "{field}: {message}");
    }
}

#[test]
fn model_json_missing_reported() {
    let temp = TempDir::new().unwrap();
    let (path, _) = saved_model(temp.path());
    fs::remove_file(info_path(&path)).unwrap();
    let error = load(&path).unwrap_err();
    assert!(matches!(error, ModelError::NotFound { .. }), "{error:?}");
    assert!(error.to_string().contains("model.json"), "{error}");
}

// ---------------------------------------------------------------------------
// Cache

fn cached_options(cache_dir: &Path, vocab_size: usize) -> PrepareOptions {
    PrepareOptions {
        vocab_size,
        cache_dir: Some(cache_dir.to_path_buf()),
    }
}

/// Blocks the cache file in an existing, writable `data/` folder. Tests
/// may run as root, where a read-only mode does not stop writes. So a
/// non-empty folder takes the cache file's name, which no one can open as a
/// file or rename a file over.
fn block_cache_file(cache_dir: &Path) {
    let blocker = cache_dir.join(CACHE_FILE_NAME);
    fs::create_dir_all(&blocker).unwrap();
    fs::write(blocker.join("keep"), b"makes the folder non-empty").unwrap();
}

#[test]
fn cache_unwritable_in_data_folder_warns() {
    let temp = TempDir::new().unwrap();
    let cache_dir = temp.path().join("data");
    block_cache_file(&cache_dir);
    let source = DataSource::Tarball(write_tarball(
        &temp.path().join("reviews.tar.gz"),
        &small_files(),
    ));

    for run in 0..2 {
        let prepared = prepare(&source, &cached_options(&cache_dir, 8), &mut |_| {}).unwrap();
        assert!(!prepared.from_cache, "run {run}");
        assert_eq!(prepared.dataset.train.len(), 4, "run {run}");
        let not_written = prepared
            .warnings
            .iter()
            .find(|warning| matches!(warning, PrepareWarning::CacheNotWritten { .. }));
        let Some(warning) = not_written else {
            panic!(
                "run {run}: no warning that the cache was not written: {:?}",
                prepared.warnings
            );
        };
        assert!(warning.to_string().contains(CACHE_FILE_NAME), "{warning}");
        let stale = prepared
            .warnings
            .iter()
            .map(ToString::to_string)
            .find(|warning| warning.contains("not a regular file"));
        assert!(stale.is_some(), "run {run}: {:?}", prepared.warnings);
    }
    // Nothing but the blocker is left in data/, no temporary file either.
    let names: Vec<_> = fs::read_dir(&cache_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, [CACHE_FILE_NAME]);
}

fn run_in(folder: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imdb-tui"))
        .args(args)
        .current_dir(folder)
        .env_remove("IMDB_DATA")
        .stdin(Stdio::null())
        .output()
        .expect("run imdb-tui")
}

#[test]
fn cache_warnings_through_train_command() {
    let temp = TempDir::new().unwrap();
    write_folder(temp.path(), &small_files());
    let train = |vocab: &str| {
        run_in(
            temp.path(),
            &[
                "train", "--data", "aclImdb", "--vocab", vocab, "--full", "--epochs", "1",
            ],
        )
    };

    let first = train("8");
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(temp.path().join("data").join(CACHE_FILE_NAME).is_file());

    // Another vocabulary size: the cache is rebuilt with a warning.
    let other = train("6");
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert_eq!(other.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning:"), "{stderr}");
    assert!(stderr.contains("vocabulary of 8 words, not 6"), "{stderr}");

    // A damaged cache: rebuilt with a warning.
    fs::write(
        temp.path().join("data").join(CACHE_FILE_NAME),
        b"PK\x03\x04 damaged",
    )
    .unwrap();
    let damaged = train("6");
    let stderr = String::from_utf8_lossy(&damaged.stderr);
    assert_eq!(damaged.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning:"), "{stderr}");
    assert!(stderr.contains("damaged"), "{stderr}");

    // A cache that cannot be written: training goes on, with a warning.
    fs::remove_file(temp.path().join("data").join(CACHE_FILE_NAME)).unwrap();
    block_cache_file(&temp.path().join("data"));
    let blocked = train("6");
    let stderr = String::from_utf8_lossy(&blocked.stderr);
    assert_eq!(blocked.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning:"), "{stderr}");
    assert!(stderr.contains(CACHE_FILE_NAME), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
