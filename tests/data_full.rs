//! Checks on the full Large Movie Review Dataset, named by `IMDB_DATA`.
//!
//! Ignored by default so `cargo test` stays fast and offline. Run them with
//! `IMDB_DATA=path/to/aclImdb_v1.tar.gz cargo test --test data_full --
//! --include-ignored`; without `IMDB_DATA` each one fails with a message that
//! names the variable.

// Helpers outside `#[test]` functions fail the test by panicking too.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;

use imdb_tui::data::{
    DATA_ENV_VAR, DataSource, Dataset, PrepareOptions, Split, locate_from, prepare,
};

const IGNORE_REASON: &str = "needs IMDB_DATA; run with --include-ignored";

/// Returns the source named by `IMDB_DATA`, failing the test when it is not
/// set: a full-data test must never pass by skipping.
fn full_source() -> DataSource {
    let Some(value) = std::env::var_os(DATA_ENV_VAR).filter(|value| !value.is_empty()) else {
        panic!(
            "{DATA_ENV_VAR} is not set; set it to aclImdb_v1.tar.gz, aclImdb-labeled.tar.gz \
             or the extracted aclImdb folder ({IGNORE_REASON})"
        );
    };
    let path = PathBuf::from(value);
    locate_from(None, Some(&path), Path::new("data"))
        .unwrap_or_else(|error| panic!("{DATA_ENV_VAR}={}: {error}", path.display()))
}

fn prepare_full(options: &PrepareOptions) -> (Dataset, bool, f64) {
    let source = full_source();
    let started = Instant::now();
    let prepared = prepare(&source, options, &mut |_| {})
        .unwrap_or_else(|error| panic!("preparing {source} failed: {error}"));
    let seconds = started.elapsed().as_secs_f64();
    (prepared.dataset, prepared.from_cache, seconds)
}

fn check_split(name: &str, split: &Split) {
    assert_eq!(split.len(), 25_000, "{name} reviews");
    let positive = split.labels.iter().filter(|&&label| label == 1).count();
    assert_eq!(positive, 12_500, "{name} positive reviews");

    for (index, (&label, &rating)) in split.labels.iter().zip(&split.ratings).enumerate() {
        if label == 1 {
            assert!(
                (7..=10).contains(&rating),
                "{name} review {index}: positive with rating {rating}"
            );
        } else {
            assert!(
                (1..=4).contains(&rating),
                "{name} review {index}: negative with rating {rating}"
            );
        }
    }

    // Canonical order: negative reviews first.
    assert!(
        split.labels[..12_500].iter().all(|&label| label == 0),
        "{name}: negatives first"
    );
    assert!(
        split.labels[12_500..].iter().all(|&label| label == 1),
        "{name}: positives last"
    );
}

#[test]
#[ignore = "needs IMDB_DATA; run with --include-ignored"]
fn full_dataset_counts() {
    let (dataset, _, seconds) = prepare_full(&PrepareOptions::default());

    check_split("train", &dataset.train);
    check_split("test", &dataset.test);
    assert_eq!(dataset.vocabulary.len(), 10_000);
    assert_eq!(dataset.vocabulary.word(0), Some("the"));

    for (name, split) in [("train", &dataset.train), ("test", &dataset.test)] {
        let mean = split.indices.len() as f64 / split.len() as f64;
        println!("{name}: {mean:.1} distinct vocabulary words per review on average");
        assert!(mean > 50.0, "{name}: mean distinct words {mean}");
    }
    println!(
        "prepared from {} in {seconds:.3} s (test profile)",
        dataset.source
    );
}

#[test]
#[ignore = "needs IMDB_DATA; run with --include-ignored"]
fn full_dataset_cache_round_trip() {
    let cache = tempfile::tempdir().unwrap();
    let options = PrepareOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..PrepareOptions::default()
    };

    let (fresh, fresh_from_cache, fresh_seconds) = prepare_full(&options);
    let (cached, cached_from_cache, cached_seconds) = prepare_full(&options);

    assert!(!fresh_from_cache);
    assert!(cached_from_cache);
    assert_eq!(cached.vocabulary, fresh.vocabulary);
    assert_eq!(cached.train, fresh.train);
    assert_eq!(cached.test, fresh.test);
    println!(
        "from the source: {fresh_seconds:.3} s with the cache write; from the cache: \
         {cached_seconds:.3} s (test profile)"
    );
}

#[test]
#[ignore = "needs IMDB_DATA; run with --include-ignored"]
fn full_tarball_and_folder_identical() {
    let source = full_source();
    let temp = tempfile::tempdir().unwrap();

    // Make the other form of the same data in a temporary folder.
    let (tarball, folder) = match &source {
        DataSource::Tarball(path) => {
            let file = BufReader::new(File::open(path).unwrap());
            tar::Archive::new(MultiGzDecoder::new(file))
                .unpack(temp.path())
                .unwrap();
            (
                source.clone(),
                DataSource::Folder(temp.path().join("aclImdb")),
            )
        }
        DataSource::Folder(path) => {
            let tarball = temp.path().join("aclImdb.tar.gz");
            let encoder = GzEncoder::new(File::create(&tarball).unwrap(), Compression::fast());
            let mut builder = tar::Builder::new(encoder);
            builder.append_dir_all("aclImdb", path).unwrap();
            builder.into_inner().unwrap().finish().unwrap();
            (DataSource::Tarball(tarball), source.clone())
        }
    };

    let options = PrepareOptions::default();
    let from_tarball = prepare(&tarball, &options, &mut |_| {}).unwrap().dataset;
    let started = Instant::now();
    let from_folder = prepare(&folder, &options, &mut |_| {}).unwrap().dataset;
    println!(
        "prepared the extracted folder in {:.3} s (test profile)",
        started.elapsed().as_secs_f64()
    );

    assert_eq!(from_tarball.vocabulary, from_folder.vocabulary);
    assert_eq!(from_tarball.train, from_folder.train);
    assert_eq!(from_tarball.test, from_folder.test);
}
