//! Saving and loading models, and the errors for damaged model files.

// Helpers outside `#[test]` functions fail the test by panicking too.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use imdb_tui::data::Vocabulary;
use imdb_tui::model::io::{ModelError, TrainingRecord, info_path, load, save};
use imdb_tui::model::{Activation, Network};
use imdb_tui::train::{RunConfig, RunKind, TestMetrics};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn vocabulary(words: usize) -> Vocabulary {
    Vocabulary::new((0..words).map(|index| format!("word{index}")).collect())
}

fn record() -> TrainingRecord {
    TrainingRecord {
        run: RunConfig {
            kind: RunKind::Final,
            epochs: 4,
            ..RunConfig::default()
        },
        epochs_trained: 4,
        test: Some(TestMetrics {
            loss: 0.29,
            accuracy: 0.885,
        }),
        data_source: "synthetic".to_owned(),
    }
}

fn saved_model(folder: &Path) -> (std::path::PathBuf, Network) {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let network = Network::new(30, &[16, 16], &mut rng);
    let path = folder.join("model.npz");
    save(&path, &network, &vocabulary(30), &record()).expect("save the model");
    (path, network)
}

fn invalid_reason(path: &Path) -> String {
    match load(path) {
        Err(ModelError::Invalid { reason, .. }) => reason,
        other => panic!("expected an invalid model error, got {other:?}"),
    }
}

#[test]
fn saved_model_loads_unchanged() {
    let folder = tempfile::tempdir().unwrap();
    let (path, network) = saved_model(folder.path());
    let loaded = load(&path).expect("load the model");
    assert_eq!(loaded.network, network);
    assert_eq!(loaded.vocabulary, vocabulary(30));
    assert_eq!(loaded.info.hidden_units, [16, 16]);
    assert_eq!(loaded.info.epochs_trained, 4);
    assert_eq!(loaded.info.test.map(|test| test.accuracy), Some(0.885));
    assert!(info_path(&path).exists());
}

#[test]
fn model_loads_with_its_own_architecture() {
    let folder = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let network = Network::new(30, &[8, 8, 8], &mut rng).with_activation(Activation::Tanh);
    let path = folder.path().join("tanh.npz");
    save(&path, &network, &vocabulary(30), &record()).expect("save the model");

    let loaded = load(&path).expect("load the model");
    assert_eq!(loaded.network, network);
    assert_eq!(loaded.network.activation, Activation::Tanh);
    assert_eq!(loaded.info.hidden_units, [8, 8, 8]);
    assert_eq!(loaded.info.run.activation, Activation::Tanh);
    let review = [1, 4, 9, 29];
    assert_eq!(
        loaded.network.probability(&review),
        network.probability(&review)
    );
    let relu = network.clone().with_activation(Activation::Relu);
    assert_ne!(relu.probability(&review), network.probability(&review));
}

#[test]
fn missing_model_is_not_found() {
    let folder = tempfile::tempdir().unwrap();
    let error = load(&folder.path().join("absent.npz")).unwrap_err();
    assert!(matches!(error, ModelError::NotFound { .. }), "{error:?}");
    assert!(
        error.to_string().contains("imdb-tui train --full --save"),
        "{error}"
    );
}

#[test]
fn empty_or_random_weights_are_invalid() {
    let folder = tempfile::tempdir().unwrap();
    let (path, _) = saved_model(folder.path());
    std::fs::write(&path, b"").unwrap();
    assert!(invalid_reason(&path).contains("not an .npz"));

    let noise: Vec<u8> = (0..4096_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, noise).unwrap();
    assert!(invalid_reason(&path).contains("not an .npz"));
}

#[test]
fn damaged_json_is_invalid() {
    let folder = tempfile::tempdir().unwrap();
    let (path, _) = saved_model(folder.path());
    std::fs::write(info_path(&path), b"{\"format\": ").unwrap();
    let error = load(&path).unwrap_err();
    assert!(matches!(error, ModelError::Invalid { .. }), "{error:?}");
}

#[test]
fn vocabulary_not_matching_weights_is_invalid() {
    let folder = tempfile::tempdir().unwrap();
    let (path, _) = saved_model(folder.path());
    let json = info_path(&path);
    let mut info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    info["vocabulary"].as_array_mut().unwrap().pop();
    std::fs::write(&json, info.to_string()).unwrap();
    let reason = invalid_reason(&path);
    assert!(
        reason.contains("dense_0_kernel has shape [30, 16], expected [29, 16]"),
        "{reason}"
    );
}

#[test]
fn wrong_layer_sizes_are_invalid() {
    let folder = tempfile::tempdir().unwrap();
    let (path, _) = saved_model(folder.path());
    let json = info_path(&path);
    let mut info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    info["hidden_units"] = serde_json::json!([16]);
    std::fs::write(&json, info.to_string()).unwrap();
    let reason = invalid_reason(&path);
    assert!(
        reason.contains("dense_1_kernel has shape [16, 16], expected [16, 1]"),
        "{reason}"
    );
}

#[test]
fn wrong_array_names_are_invalid() {
    let folder = tempfile::tempdir().unwrap();
    let (path, _) = saved_model(folder.path());
    let mut npz = npyz::npz::NpzWriter::create(&path).unwrap();
    let mut array = npyz::WriterBuilder::begin_nd(npyz::WriterBuilder::shape(
        npyz::WriterBuilder::default_dtype(
            npz.array::<f32>("weights", Default::default()).unwrap(),
        ),
        &[2],
    ))
    .unwrap();
    array.extend([1.0_f32, 2.0]).unwrap();
    array.finish().unwrap();
    npz.zip_writer().finish().unwrap();
    drop(npz);
    assert!(invalid_reason(&path).contains("array dense_0_kernel is missing"));
}
