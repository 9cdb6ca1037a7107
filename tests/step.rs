//! The training step on its two threads: batches of odd sizes, stopping
//! early, panics on either thread, words past the vocabulary and a scratch
//! of another network.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::ops::ControlFlow;
use std::sync::mpsc;
use std::time::Duration;

use imdb_tui::data::Split;
use imdb_tui::model::{
    Adam, BatchStats, Batches, Gradients, Network, Objective, Optimizer, OptimizerState,
    PartedSplit, RmsProp, Sgd, StepScratch, accumulate_gradients, train_batches, train_step,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn in_pool<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(work)
}

fn network_of(inputs: usize, hidden: &[usize], seed: u64) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut network = Network::new(inputs, hidden, &mut rng);
    for layer in &mut network.layers {
        layer.bias.mapv_inplace(|_| rng.random_range(-0.1..0.1));
    }
    network
}

/// Trains with `train_batches` in batches of `batch_size` and returns the
/// network, the optimizer's step count and every step's statistics.
fn train_in_batches(
    threads: usize,
    optimizer: Optimizer,
    objective: Objective,
    hidden: &[usize],
    batch_size: usize,
    stop_after: Option<usize>,
) -> (Network, u64, Vec<BatchStats>) {
    let network = network_of(500, hidden, 9);
    let split = common::synthetic_split(203, 500, 9);
    let samples: Vec<usize> = (0..split.len()).rev().collect();
    in_pool(threads, move || {
        let mut network = network;
        let mut state = OptimizerState::new(optimizer, &network);
        let mut scratch = StepScratch::new(&network);
        let parted = PartedSplit::new(&split, network.inputs());
        let mut all = Vec::new();
        for _epoch in 0..2 {
            let mut after = |number: usize, stats: BatchStats| {
                all.push(stats);
                if stop_after == Some(number) {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            };
            let batches = Batches {
                samples: &samples,
                batch_size,
            };
            train_batches(
                &mut network,
                &mut state,
                &objective,
                &parted,
                batches,
                &mut scratch,
                &mut after,
            );
            assert_eq!(
                scratch.gradients(),
                &Gradients::zeros_like(&network),
                "gradients are zero after a call"
            );
        }
        (network, state.steps(), all)
    })
}

/// Trains the same batches one `train_step` at a time on one thread.
fn train_step_by_step(
    optimizer: Optimizer,
    objective: Objective,
    hidden: &[usize],
    batch_size: usize,
    steps_per_epoch: Option<usize>,
) -> (Network, u64, Vec<BatchStats>) {
    let mut network = network_of(500, hidden, 9);
    let split = common::synthetic_split(203, 500, 9);
    let samples: Vec<usize> = (0..split.len()).rev().collect();
    in_pool(1, || {
        let mut state = OptimizerState::new(optimizer, &network);
        let mut scratch = StepScratch::new(&network);
        let mut all = Vec::new();
        for _epoch in 0..2 {
            let batches = samples.chunks(batch_size);
            let take = steps_per_epoch.unwrap_or(usize::MAX);
            for batch in batches.take(take) {
                all.push(train_step(
                    &mut network,
                    &mut state,
                    &objective,
                    &split,
                    batch,
                    &mut scratch,
                ));
            }
        }
        (network, state.steps(), all)
    })
}

fn optimizers() -> [Optimizer; 3] {
    [
        RmsProp::default().into(),
        Adam::default().into(),
        Sgd::default().into(),
    ]
}

fn objectives() -> [Objective; 2] {
    [
        Objective::default(),
        Objective {
            l2: 0.002,
            dropout: 0.3,
            dropout_seed: 4,
            ..Objective::default()
        },
    ]
}

#[test]
fn batches_equal_single_steps() {
    for optimizer in optimizers() {
        for objective in objectives() {
            for (hidden, batch_size) in [
                (&[16, 16][..], 64),
                (&[16, 16][..], 70),
                (&[][..], 1),
                (&[8, 8, 8][..], 130),
                (&[16][..], 500),
            ] {
                let expected = train_step_by_step(optimizer, objective, hidden, batch_size, None);
                for threads in [1, 2] {
                    let ours =
                        train_in_batches(threads, optimizer, objective, hidden, batch_size, None);
                    let name = format!(
                        "{optimizer:?}, {objective:?}, {hidden:?}, batch {batch_size}, {threads} threads"
                    );
                    assert_eq!(ours.1, expected.1, "{name}: steps");
                    assert_eq!(ours.2, expected.2, "{name}: stats");
                    assert!(ours.0 == expected.0, "{name}: network");
                }
            }
        }
    }
}

#[test]
fn early_stop_counts_steps_taken() {
    for optimizer in optimizers() {
        for objective in objectives() {
            for threads in [1, 2] {
                for stop in [0, 1, 2] {
                    let ours =
                        train_in_batches(threads, optimizer, objective, &[16, 16], 70, Some(stop));
                    let expected =
                        train_step_by_step(optimizer, objective, &[16, 16], 70, Some(stop + 1));
                    let name =
                        format!("{optimizer:?}, {objective:?}, stop {stop}, {threads} threads");
                    assert_eq!(ours.1, expected.1, "{name}: steps");
                    assert_eq!(ours.2, expected.2, "{name}: stats");
                    assert!(ours.0 == expected.0, "{name}: network");
                }
            }
        }
    }
}

#[test]
fn empty_batch_takes_no_step() {
    for threads in [1, 2] {
        let mut network = network_of(50, &[16, 16], 3);
        let before = network.clone();
        let split = common::synthetic_split(10, 50, 3);
        let mut state = OptimizerState::new(RmsProp::default(), &network);
        let mut scratch = StepScratch::new(&network);
        let stats = in_pool(threads, || {
            train_step(
                &mut network,
                &mut state,
                &Objective::default(),
                &split,
                &[],
                &mut scratch,
            )
        });
        assert_eq!(stats, BatchStats::default());
        assert_eq!(state.steps(), 0);
        assert!(network == before);
    }
}

/// Runs `work` on a thread of its own and returns whether it panicked, or
/// `None` when it did not end within ten seconds.
fn ends_with_panic(work: impl FnOnce() + Send + 'static) -> Option<bool> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        let _ = sender.send(result.is_err());
    });
    receiver.recv_timeout(Duration::from_secs(10)).ok()
}

#[test]
fn helper_panic_reaches_caller() {
    // The second chunk of 64 reviews, which the helper thread runs, has a
    // review number past the split's end.
    let outcome = ends_with_panic(|| {
        let mut network = network_of(50, &[16, 16], 3);
        let split = common::synthetic_split(200, 50, 3);
        let mut samples: Vec<usize> = (0..128).collect();
        samples[100] = 10_000;
        let mut state = OptimizerState::new(RmsProp::default(), &network);
        let mut scratch = StepScratch::new(&network);
        in_pool(2, || {
            train_step(
                &mut network,
                &mut state,
                &Objective::default(),
                &split,
                &samples,
                &mut scratch,
            )
        });
    });
    assert_eq!(outcome, Some(true));
}

#[test]
fn callback_panic_reaches_caller() {
    for threads in [1, 2] {
        let outcome = ends_with_panic(move || {
            let mut network = network_of(50, &[16, 16], 3);
            let split = common::synthetic_split(300, 50, 3);
            let samples: Vec<usize> = (0..300).collect();
            let mut state = OptimizerState::new(RmsProp::default(), &network);
            let mut scratch = StepScratch::new(&network);
            let parted = PartedSplit::new(&split, network.inputs());
            in_pool(threads, || {
                train_batches(
                    &mut network,
                    &mut state,
                    &Objective::default(),
                    &parted,
                    Batches {
                        samples: &samples,
                        batch_size: 64,
                    },
                    &mut scratch,
                    &mut |number, _| {
                        assert!(number < 2, "stop at step {number}");
                        ControlFlow::Continue(())
                    },
                );
            });
        });
        assert_eq!(outcome, Some(true), "{threads} threads");
    }
}

/// A review with a word past the network's inputs trains as if that word
/// were absent, as `Network::logit` and `evaluate` treat it.
#[test]
fn word_past_vocabulary_is_ignored() {
    let network = network_of(10, &[16, 16], 3);
    let with_word = Split {
        offsets: vec![0, 3],
        indices: vec![1, 7, 65_545],
        labels: vec![1],
        ratings: vec![8],
    };
    let without_word = Split {
        offsets: vec![0, 2],
        indices: vec![1, 7],
        labels: vec![1],
        ratings: vec![8],
    };
    let gradients_of = |split: &Split| {
        let mut gradients = Gradients::zeros_like(&network);
        accumulate_gradients(
            &network,
            &Objective::default(),
            0,
            split,
            &[0],
            &mut gradients,
        );
        gradients
    };
    assert_eq!(
        network.logit(&with_word.indices),
        network.logit(&without_word.indices)
    );
    let (with, without) = (gradients_of(&with_word), gradients_of(&without_word));
    for row in 0..10 {
        let zero = |g: &Gradients| g.layers[0].weights.row(row).iter().all(|&v| v == 0.0);
        assert_eq!(
            zero(&with),
            zero(&without),
            "first-layer gradient row {row}: only one is zero"
        );
    }
    assert_eq!(with, without);
}

/// A scratch made for another network of the same depth is reshaped, so
/// the step trains as it would with a fresh one.
#[test]
fn scratch_of_other_network_is_reshaped() {
    let split = common::synthetic_split(200, 500, 4);
    let samples: Vec<usize> = (0..200).collect();
    let start = network_of(500, &[16, 16], 4);
    let mut fresh = start.clone();
    let mut reused = start;
    let mut fresh_state = OptimizerState::new(RmsProp::default(), &fresh);
    let mut reused_state = OptimizerState::new(RmsProp::default(), &reused);
    let mut fresh_scratch = StepScratch::new(&fresh);
    let mut other_scratch = StepScratch::new(&network_of(300, &[16, 16], 4));

    for batch in samples.chunks(100) {
        let objective = Objective::default();
        let expected = train_step(
            &mut fresh,
            &mut fresh_state,
            &objective,
            &split,
            batch,
            &mut fresh_scratch,
        );
        let ours = train_step(
            &mut reused,
            &mut reused_state,
            &objective,
            &split,
            batch,
            &mut other_scratch,
        );
        assert_eq!(ours, expected);
    }

    let rows_differing = (0..500)
        .filter(|&row| fresh.layers[0].weights.row(row) != reused.layers[0].weights.row(row))
        .count();
    assert_eq!(rows_differing, 0, "first-layer rows that differ");
}
