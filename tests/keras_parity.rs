//! Matches the sparse network against Keras 3 on the JAX backend: the same
//! tiny network, initial weights and batch, trained with RMSprop. The
//! expected values come from `tests/keras_parity/generate.py`.

// Helpers outside `#[test]` functions fail the test by panicking too.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use imdb_tui::data::Split;
use imdb_tui::model::{
    BatchStats, Dense, Network, Objective, OptimizerState, RmsProp, StepScratch, evaluate,
    train_step,
};
use ndarray::{Array1, Array2};
use serde::Deserialize;

const TOLERANCE: f64 = 1e-5;

#[derive(Deserialize)]
struct Fixture {
    initial_weights: Vec<Layer>,
    batch: Batch,
    cases: Vec<Case>,
    fit_case: FitCase,
}

#[derive(Deserialize)]
struct Layer {
    kernel: Vec<Vec<f32>>,
    bias: Vec<f32>,
}

#[derive(Deserialize)]
struct Batch {
    indices: Vec<Vec<u32>>,
    labels: Vec<u8>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    learning_rate: f32,
    step_losses: Vec<f64>,
    step_accuracies: Vec<f64>,
    losses_after_step: Vec<f64>,
    final_weights: Vec<Layer>,
    final_probabilities: Vec<f64>,
}

#[derive(Deserialize)]
struct FitCase {
    learning_rate: f32,
    batch_size: usize,
    epochs: usize,
    epoch_losses: Vec<f64>,
    epoch_accuracies: Vec<f64>,
    final_weights: Vec<Layer>,
    final_probabilities: Vec<f64>,
}

fn load_fixture() -> Fixture {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/keras_parity.json"
    );
    let text = std::fs::read_to_string(path).expect("read the Keras parity fixture");
    serde_json::from_str(&text).expect("parse the Keras parity fixture")
}

fn network_from(layers: &[Layer]) -> Network {
    let layers = layers
        .iter()
        .map(|layer| {
            let inputs = layer.kernel.len();
            let units = layer.bias.len();
            let flat: Vec<f32> = layer.kernel.iter().flatten().copied().collect();
            Dense {
                weights: Array2::from_shape_vec((inputs, units), flat).expect("kernel shape"),
                bias: Array1::from(layer.bias.clone()),
            }
        })
        .collect();
    Network::from_layers(layers)
}

fn split_from(batch: &Batch) -> Split {
    let mut split = Split {
        offsets: vec![0],
        ..Split::default()
    };
    for (indices, &label) in batch.indices.iter().zip(&batch.labels) {
        split.indices.extend(indices);
        split.offsets.push(split.indices.len());
        split.labels.push(label);
        split.ratings.push(if label == 1 { 10 } else { 1 });
    }
    split
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= TOLERANCE,
        "{what}: got {actual}, Keras {expected}"
    );
}

fn assert_weights_match(network: &Network, expected: &[Layer], case: &str) {
    let expected = network_from(expected);
    for (position, (ours, theirs)) in network.layers.iter().zip(&expected.layers).enumerate() {
        for (index, (a, b)) in ours.weights.iter().zip(&theirs.weights).enumerate() {
            assert_close(
                f64::from(*a),
                f64::from(*b),
                &format!("{case}: layer {position} kernel element {index}"),
            );
        }
        for (index, (a, b)) in ours.bias.iter().zip(&theirs.bias).enumerate() {
            assert_close(
                f64::from(*a),
                f64::from(*b),
                &format!("{case}: layer {position} bias element {index}"),
            );
        }
    }
}

fn assert_probabilities_match(network: &Network, split: &Split, expected: &[f64], case: &str) {
    for (review, &probability) in expected.iter().enumerate() {
        let ours = f64::from(network.probability(split.review(review)));
        assert_close(
            ours,
            probability,
            &format!("{case}: probability of review {review}"),
        );
    }
}

fn optimizer(learning_rate: f32, network: &Network) -> OptimizerState {
    OptimizerState::new(
        RmsProp {
            learning_rate,
            ..RmsProp::default()
        },
        network,
    )
}

#[test]
fn train_on_batch_matches_keras() {
    let fixture = load_fixture();
    let split = split_from(&fixture.batch);
    let samples: Vec<usize> = (0..split.len()).collect();

    for case in &fixture.cases {
        let mut network = network_from(&fixture.initial_weights);
        let mut optimizer = optimizer(case.learning_rate, &network);
        let mut scratch = StepScratch::new(&network);

        for step in 0..case.step_losses.len() {
            let stats = train_step(
                &mut network,
                &mut optimizer,
                &Objective::default(),
                &split,
                &samples,
                &mut scratch,
            );
            let after = evaluate(&network, &Objective::default(), &split, &samples);

            let name = &case.name;
            assert_close(
                stats.mean_loss(),
                case.step_losses[step],
                &format!("{name}: loss of step {step}"),
            );
            assert_close(
                stats.accuracy(),
                case.step_accuracies[step],
                &format!("{name}: accuracy of step {step}"),
            );
            assert_close(
                after.mean_loss(),
                case.losses_after_step[step],
                &format!("{name}: loss after step {step}"),
            );
        }
        assert_weights_match(&network, &case.final_weights, &case.name);
        assert_probabilities_match(&network, &split, &case.final_probabilities, &case.name);
    }
}

#[test]
fn fit_epoch_means_match_keras() {
    let fixture = load_fixture();
    let case = &fixture.fit_case;
    let split = split_from(&fixture.batch);
    let samples: Vec<usize> = (0..split.len()).collect();
    let mut network = network_from(&fixture.initial_weights);
    let mut optimizer = optimizer(case.learning_rate, &network);
    let mut scratch = StepScratch::new(&network);

    for epoch in 0..case.epochs {
        let mut epoch_stats = BatchStats::default();
        for batch in samples.chunks(case.batch_size) {
            let stats = train_step(
                &mut network,
                &mut optimizer,
                &Objective::default(),
                &split,
                batch,
                &mut scratch,
            );
            epoch_stats.add(stats);
        }
        assert_close(
            epoch_stats.mean_loss(),
            case.epoch_losses[epoch],
            &format!("fit: loss of epoch {epoch}"),
        );
        assert_close(
            epoch_stats.accuracy(),
            case.epoch_accuracies[epoch],
            &format!("fit: accuracy of epoch {epoch}"),
        );
    }
    assert_weights_match(&network, &case.final_weights, "fit");
    assert_probabilities_match(&network, &split, &case.final_probabilities, "fit");
}
