//! The classic recipe on the real 50,000 reviews. These tests need the
//! dataset, found as the program finds it: IMDB_DATA (the tarball or the
//! aclImdb folder), then data/. Run them with
//! `cargo test --release -- --include-ignored`.

// Helpers outside `#[test]` functions fail the test by panicking too.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use imdb_tui::data::{Dataset, PrepareOptions, locate, prepare};
use imdb_tui::train::{
    EpochMetrics, RunConfig, RunKind, TestMetrics, TrainEvent, best_epoch, train,
};

fn dataset() -> Arc<Dataset> {
    let data_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let source = locate(None, &data_dir).unwrap_or_else(|error| {
        panic!(
            "this test needs the IMDB dataset: set IMDB_DATA or run `imdb-tui fetch-data` ({error})"
        )
    });
    let prepared =
        prepare(&source, &PrepareOptions::default(), &mut |_| {}).expect("prepare the dataset");
    Arc::new(prepared.dataset)
}

fn run(dataset: &Dataset, config: &RunConfig) -> (Vec<EpochMetrics>, Option<TestMetrics>) {
    let mut history = Vec::new();
    let mut test = None;
    let mut failure = None;
    train(
        dataset,
        config,
        &AtomicBool::new(false),
        &mut |event| match event {
            TrainEvent::EpochFinished { metrics, .. } => history.push(metrics),
            TrainEvent::Finished { test: metrics, .. } => test = metrics,
            TrainEvent::Failed { reason } => failure = Some(reason.to_string()),
            _ => {}
        },
    );
    assert_eq!(failure, None);
    (history, test)
}

#[test]
#[ignore = "needs IMDB_DATA; run with --include-ignored"]
fn exploration_run_overfits_after_a_few_epochs() {
    let dataset = dataset();
    let (history, _) = run(&dataset, &RunConfig::default());
    assert_eq!(history.len(), 20);

    let best = best_epoch(&history).expect("every epoch has a validation loss");
    let best_loss = history[best - 1].val_loss.unwrap_or(f64::NAN);
    let last_loss = history[19].val_loss.unwrap_or(f64::NAN);
    eprintln!("best epoch {best}, validation loss {best_loss:.4}; epoch 20: {last_loss:.4}");
    assert!((2..=7).contains(&best), "best epoch {best}");
    assert!(
        last_loss > best_loss,
        "epoch 20 loss {last_loss} is not above the best {best_loss}"
    );
    assert!(history[19].train_loss < history[0].train_loss);
}

#[test]
#[ignore = "needs IMDB_DATA; run with --include-ignored"]
fn final_run_of_four_epochs_scores_on_test() {
    let dataset = dataset();
    let config = RunConfig {
        kind: RunKind::Final,
        epochs: 4,
        ..RunConfig::default()
    };
    let (history, test) = run(&dataset, &config);
    assert_eq!(history.len(), 4);
    let test = test.expect("a final run reports test metrics");
    eprintln!("test loss {:.4}, accuracy {:.4}", test.loss, test.accuracy);
    assert!(test.accuracy >= 0.875, "test accuracy {}", test.accuracy);
}
