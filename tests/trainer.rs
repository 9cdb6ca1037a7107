//! The trainer thread: events, determinism, cancelling and divergence.

// Helpers outside `#[test]` functions fail the test by panicking too.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use imdb_tui::train::{
    EpochMetrics, FailureReason, RunConfig, RunKind, TrainEvent, best_epoch, spawn, train,
};
use tokio::sync::mpsc;

fn config(seed: u64) -> RunConfig {
    RunConfig {
        epochs: 5,
        batch_size: 64,
        seed,
        validation_size: 200,
        ..RunConfig::default()
    }
}

/// Runs `config` to its end and returns every event.
fn run_to_end(config: RunConfig) -> Vec<TrainEvent> {
    let dataset = Arc::new(common::synthetic_dataset(1000, 300, 200));
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let trainer = spawn(dataset, config, sender).expect("start the trainer thread");
    let mut events = Vec::new();
    while let Some(event) = receiver.blocking_recv() {
        events.push(event);
    }
    trainer.join();
    events
}

/// Epoch metrics without the wall time, which differs between runs.
fn metrics_of(events: &[TrainEvent]) -> Vec<EpochMetrics> {
    events
        .iter()
        .filter_map(|event| match event {
            TrainEvent::EpochFinished { metrics, .. } => Some(EpochMetrics {
                seconds: 0.0,
                ..metrics.clone()
            }),
            _ => None,
        })
        .collect()
}

#[test]
fn exploration_run_reports_every_epoch() {
    let events = run_to_end(config(1));
    let metrics = metrics_of(&events);
    assert_eq!(metrics.len(), 5);
    assert_eq!(
        metrics.iter().map(|m| m.epoch).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert!(
        metrics
            .iter()
            .all(|m| m.val_loss.is_some() && m.val_accuracy.is_some())
    );
    assert!(metrics[4].train_loss < metrics[0].train_loss, "{metrics:?}");

    let progress = events
        .iter()
        .filter(|event| matches!(event, TrainEvent::Progress { .. }))
        .count();
    assert_eq!(progress, 5 * 800_usize.div_ceil(64));
    assert!(matches!(
        events.last(),
        Some(TrainEvent::Finished { test: None, .. })
    ));
}

#[test]
fn final_run_reports_test_metrics() {
    let events = run_to_end(RunConfig {
        kind: RunKind::Final,
        ..config(1)
    });
    let metrics = metrics_of(&events);
    assert!(metrics.iter().all(|m| m.val_loss.is_none()));
    let Some(TrainEvent::Finished {
        test: Some(test), ..
    }) = events.last()
    else {
        panic!(
            "a final run ends with test metrics, got {:?}",
            events.last()
        );
    };
    assert!(test.accuracy > 0.6, "{test:?}");
    assert!(test.loss.is_finite());
}

#[test]
fn same_seed_gives_identical_metrics() {
    let first = metrics_of(&run_to_end(config(3)));
    let second = metrics_of(&run_to_end(config(3)));
    let other = metrics_of(&run_to_end(config(4)));
    assert_eq!(first, second);
    assert_ne!(first, other);
}

#[test]
fn cancel_stops_within_one_batch() {
    let dataset = common::synthetic_dataset(2000, 100, 200);
    let config = RunConfig {
        epochs: 1000,
        batch_size: 16,
        ..config(1)
    };
    let cancel = AtomicBool::new(false);
    let mut batches = 0;
    let mut batches_after_cancel = 0;
    let mut last = None;
    train(&dataset, &config, &cancel, &mut |event| {
        if matches!(event, TrainEvent::Progress { .. }) {
            batches += 1;
            if cancel.load(Ordering::Relaxed) {
                batches_after_cancel += 1;
            }
            if batches == 3 {
                cancel.store(true, Ordering::Relaxed);
            }
        }
        last = Some(event);
    });
    assert_eq!(batches_after_cancel, 0);
    assert!(
        matches!(last, Some(TrainEvent::Cancelled { epochs_done: 0 })),
        "{last:?}"
    );
}

#[test]
fn cancel_ends_the_trainer_thread() {
    let dataset = Arc::new(common::synthetic_dataset(2000, 100, 200));
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let config = RunConfig {
        epochs: 1000,
        ..config(1)
    };
    let trainer = spawn(dataset, config, sender).expect("start the trainer thread");
    while let Some(event) = receiver.blocking_recv() {
        if matches!(event, TrainEvent::Progress { .. }) {
            trainer.cancel();
            break;
        }
    }
    let mut last = None;
    while let Some(event) = receiver.blocking_recv() {
        last = Some(event);
    }
    assert!(
        matches!(last, Some(TrainEvent::Cancelled { .. })),
        "{last:?}"
    );
    trainer.join();
}

#[test]
fn dropping_the_handle_ends_the_thread() {
    let dataset = Arc::new(common::synthetic_dataset(2000, 100, 200));
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let trainer = spawn(
        dataset,
        RunConfig {
            epochs: 1000,
            ..config(1)
        },
        sender,
    )
    .expect("start the trainer thread");
    std::thread::sleep(Duration::from_millis(20));
    drop(trainer);
    let mut last = None;
    while let Some(event) = receiver.blocking_recv() {
        last = Some(event);
    }
    assert!(
        matches!(last, Some(TrainEvent::Cancelled { .. })),
        "{last:?}"
    );
}

#[test]
fn diverging_run_fails_with_message() {
    let events = run_to_end(RunConfig {
        learning_rate: 1e38,
        ..config(1)
    });
    let Some(TrainEvent::Failed { reason }) = events.last() else {
        panic!("expected a failed run, got {:?}", events.last());
    };
    assert!(
        matches!(reason, FailureReason::Diverged { epoch: 1, .. }),
        "{reason:?}"
    );
    assert!(reason.to_string().contains("diverged"), "{reason}");
    assert!(
        metrics_of(&events).iter().all(|m| m.train_loss.is_finite()),
        "a non-finite loss reached the metrics"
    );
}

#[test]
fn invalid_settings_fail_with_message() {
    let cases = [
        (
            RunConfig {
                epochs: 0,
                ..config(1)
            },
            "epochs",
        ),
        (
            RunConfig {
                batch_size: 0,
                ..config(1)
            },
            "batch size",
        ),
        (
            RunConfig {
                validation_size: 1000,
                ..config(1)
            },
            "validation size",
        ),
        (
            RunConfig {
                learning_rate: -1.0,
                ..config(1)
            },
            "learning rate",
        ),
        (
            RunConfig {
                hidden_units: vec![16, 0],
                ..config(1)
            },
            "hidden layer",
        ),
    ];
    for (config, expected) in cases {
        let events = run_to_end(config);
        assert_eq!(events.len(), 1);
        let Some(TrainEvent::Failed { reason }) = events.last() else {
            panic!(
                "expected a failed run for {expected}, got {:?}",
                events.last()
            );
        };
        let message = reason.to_string();
        assert!(message.contains(expected), "{message}");
    }
}

fn epoch(epoch: usize, val_loss: Option<f64>) -> EpochMetrics {
    EpochMetrics {
        epoch,
        train_loss: 0.5,
        train_accuracy: 0.5,
        val_loss,
        val_accuracy: Some(0.5),
        seconds: 0.1,
    }
}

#[test]
fn best_epoch_is_lowest_validation_loss() {
    let history = [
        epoch(1, Some(0.40)),
        epoch(2, Some(0.30)),
        epoch(3, Some(0.28)),
        epoch(4, Some(0.28)),
        epoch(5, Some(0.35)),
    ];
    assert_eq!(best_epoch(&history), Some(3));
    assert_eq!(best_epoch(&history[..2]), Some(2));
    assert_eq!(best_epoch(&[]), None);
    assert_eq!(best_epoch(&[epoch(1, None)]), None);
    assert_eq!(
        best_epoch(&[epoch(1, Some(f64::NAN)), epoch(2, Some(0.9))]),
        Some(2)
    );
}

/// Each experiment setting reaches the trainer: the run differs from the
/// classic recipe with the same seed, still learns, and is reproducible.
#[test]
fn every_setting_changes_the_run() {
    use imdb_tui::model::{Activation, LossKind, OptimizerKind};

    let classic = metrics_of(&run_to_end(config(4)));
    let variants = [
        RunConfig {
            activation: Activation::Tanh,
            ..config(4)
        },
        RunConfig {
            loss: LossKind::MeanSquaredError,
            ..config(4)
        },
        RunConfig {
            optimizer: OptimizerKind::Adam,
            ..config(4)
        },
        RunConfig {
            optimizer: OptimizerKind::SgdMomentum,
            learning_rate: 0.05,
            ..config(4)
        },
        RunConfig {
            dropout: 0.5,
            ..config(4)
        },
        RunConfig {
            l2: 0.001,
            ..config(4)
        },
        RunConfig {
            hidden_units: vec![32, 32, 32],
            ..config(4)
        },
    ];
    for variant in variants {
        let first = metrics_of(&run_to_end(variant.clone()));
        let again = metrics_of(&run_to_end(variant.clone()));
        assert_eq!(first, again, "{variant:?} is not reproducible");
        assert_ne!(
            first, classic,
            "{variant:?} trained like the classic recipe"
        );
        assert!(
            first[4].train_loss < first[0].train_loss,
            "{variant:?} did not learn: {first:?}"
        );
    }
}

#[test]
fn invalid_dropout_and_l2_fail_the_run() {
    for (config, expected) in [
        (
            RunConfig {
                dropout: 1.0,
                ..config(1)
            },
            FailureReason::InvalidDropout { dropout: 1.0 },
        ),
        (
            RunConfig {
                l2: -0.1,
                ..config(1)
            },
            FailureReason::InvalidL2 { l2: -0.1 },
        ),
    ] {
        let events = run_to_end(config);
        assert!(
            matches!(events.last(), Some(TrainEvent::Failed { reason }) if *reason == expected),
            "{events:?}"
        );
    }
}
