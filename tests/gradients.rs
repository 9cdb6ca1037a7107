//! Checks the sparse backward pass against finite differences and against a
//! plain dense computation on the 0/1 input matrix.

// Helpers outside `#[test]` functions fail the test by panicking too.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use imdb_tui::data::Split;
use imdb_tui::model::{
    Activation, Adam, Gradients, LossKind, Network, Objective, Optimizer, OptimizerState, RmsProp,
    Sgd, StepScratch, accumulate_gradients, train_step,
};
use ndarray::{Array1, Array2, Axis};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Mean loss of the network over `split` plus the L2 penalty, computed in
/// f64 on the dense multi-hot matrix, with the same probability clip as
/// Keras for binary cross-entropy.
fn dense_loss(network: &Network, objective: &Objective, split: &Split) -> f64 {
    let (probabilities, _) = dense_forward(network, split);
    let epsilon = 1e-7;
    let mut total = 0.0;
    for (probability, &label) in probabilities.iter().zip(&split.labels) {
        let y = f64::from(label);
        total += match objective.loss {
            LossKind::BinaryCrossEntropy => {
                let p = probability.clamp(epsilon, 1.0 - epsilon);
                -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
            }
            LossKind::MeanSquaredError => (probability - y).powi(2),
        };
    }
    let squares: f64 = network
        .layers
        .iter()
        .flat_map(|layer| layer.weights.iter())
        .map(|&w| f64::from(w).powi(2))
        .sum();
    total / split.len() as f64 + f64::from(objective.l2) * squares
}

fn dense_inputs(network: &Network, split: &Split) -> Array2<f64> {
    let mut inputs = Array2::zeros((split.len(), network.inputs()));
    for review in 0..split.len() {
        for &index in split.review(review) {
            inputs[[review, index as usize]] = 1.0;
        }
    }
    inputs
}

/// Returns the probabilities and the activations of every layer (inputs
/// first), computed with dense f64 matrix products.
fn dense_forward(network: &Network, split: &Split) -> (Vec<f64>, Vec<Array2<f64>>) {
    let mut activations = vec![dense_inputs(network, split)];
    for (position, layer) in network.layers.iter().enumerate() {
        let weights = layer.weights.mapv(f64::from);
        let bias = layer.bias.mapv(f64::from);
        let mut output = activations[position].dot(&weights) + &bias;
        if position + 1 < network.layers.len() {
            match network.activation {
                Activation::Relu => output.mapv_inplace(|value| value.max(0.0)),
                Activation::Tanh => output.mapv_inplace(f64::tanh),
            }
        }
        activations.push(output);
    }
    let logits = activations.pop().expect("an output layer");
    let probabilities = logits
        .column(0)
        .iter()
        .map(|z| 1.0 / (1.0 + (-z).exp()))
        .collect();
    (probabilities, activations)
}

/// Returns the gradient of the mean loss plus the L2 penalty by dense
/// backpropagation in f64.
fn dense_gradients(
    network: &Network,
    objective: &Objective,
    split: &Split,
) -> Vec<(Array2<f64>, Array1<f64>)> {
    let (probabilities, activations) = dense_forward(network, split);
    let count = split.len() as f64;
    let deltas: Vec<f64> = probabilities
        .iter()
        .zip(&split.labels)
        .map(|(p, &y)| {
            let error = p - f64::from(y);
            match objective.loss {
                LossKind::BinaryCrossEntropy => error / count,
                LossKind::MeanSquaredError => 2.0 * error * p * (1.0 - p) / count,
            }
        })
        .collect();
    let mut delta = Array2::from_shape_vec((split.len(), 1), deltas).expect("delta shape");
    let mut gradients = Vec::new();
    for position in (0..network.layers.len()).rev() {
        let input = &activations[position];
        let weights = network.layers[position].weights.mapv(f64::from);
        let penalty = &weights * (2.0 * f64::from(objective.l2));
        gradients.push((input.t().dot(&delta) + penalty, delta.sum_axis(Axis(0))));
        if position > 0 {
            let mut previous = delta.dot(&weights.t());
            previous.zip_mut_with(input, |d, &a| match network.activation {
                Activation::Relu if a <= 0.0 => *d = 0.0,
                Activation::Relu => {}
                Activation::Tanh => *d *= 1.0 - a * a,
            });
            delta = previous;
        }
    }
    gradients.reverse();
    gradients
}

/// Builds a small network with nonzero biases. Zero biases would put a unit
/// whose inputs are all zero exactly on the ReLU kink, where finite
/// differences measure half the one-sided slope.
fn tiny_network(seed: u64, activation: Activation) -> (Network, Split) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut network = Network::new(20, &[5, 4], &mut rng).with_activation(activation);
    for layer in &mut network.layers {
        layer.bias.mapv_inplace(|_| rng.random_range(-0.1..0.1));
    }
    let split = common::synthetic_split(30, 20, seed);
    (network, split)
}

fn sparse_gradients(network: &Network, objective: &Objective, split: &Split) -> Gradients {
    let samples: Vec<usize> = (0..split.len()).collect();
    let mut gradients = Gradients::zeros_like(network);
    accumulate_gradients(network, objective, 0, split, &samples, &mut gradients);
    gradients
}

/// Returns the activation and objective combinations the dense reference
/// covers:
/// the classic recipe, tanh, squared error, an L2 penalty, and all three.
fn variants() -> Vec<(&'static str, Activation, Objective)> {
    let mse = Objective {
        loss: LossKind::MeanSquaredError,
        ..Objective::default()
    };
    let l2 = Objective {
        l2: 0.01,
        ..Objective::default()
    };
    let everything = Objective {
        loss: LossKind::MeanSquaredError,
        l2: 0.003,
        ..Objective::default()
    };
    vec![
        ("classic", Activation::Relu, Objective::default()),
        ("tanh", Activation::Tanh, Objective::default()),
        ("mse", Activation::Relu, mse),
        ("l2", Activation::Relu, l2),
        ("tanh, mse, l2", Activation::Tanh, everything),
    ]
}

#[test]
fn sparse_gradients_equal_dense_computation() {
    for (name, activation, objective) in variants() {
        for seed in 1..=5 {
            check_against_dense(name, seed, activation, &objective);
        }
    }
}

fn check_against_dense(name: &str, seed: u64, activation: Activation, objective: &Objective) {
    {
        let (network, split) = tiny_network(seed, activation);
        let sparse = sparse_gradients(&network, objective, &split);
        let dense = dense_gradients(&network, objective, &split);
        for (position, (ours, (weights, bias))) in sparse.layers.iter().zip(&dense).enumerate() {
            for (a, b) in ours.weights.iter().zip(weights) {
                assert!(
                    (f64::from(*a) - b).abs() < 1e-6,
                    "{name}, seed {seed}, layer {position} weight: {a} vs {b}"
                );
            }
            for (a, b) in ours.bias.iter().zip(bias) {
                assert!(
                    (f64::from(*a) - b).abs() < 1e-6,
                    "{name}, seed {seed}, layer {position} bias: {a} vs {b}"
                );
            }
        }
    }
}

#[test]
fn sparse_forward_equals_dense_forward() {
    for activation in Activation::ALL {
        for seed in 1..=5 {
            let (network, split) = tiny_network(seed, activation);
            let (dense, _) = dense_forward(&network, &split);
            for (review, expected) in dense.iter().enumerate() {
                let ours = f64::from(network.probability(split.review(review)));
                assert!(
                    (ours - expected).abs() < 1e-6,
                    "{activation:?}, seed {seed}, review {review}: {ours} vs {expected}"
                );
            }
        }
    }
}

#[test]
fn every_parameter_matches_finite_differences() {
    for (name, activation, objective) in variants() {
        let (network, split) = tiny_network(7, activation);
        let analytic = sparse_gradients(&network, &objective, &split);
        let loss = |network: &Network| dense_loss(network, &objective, &split);
        let checked = check_finite_differences(name, &network, &analytic, 1e-4, 2e-4, loss);
        assert_eq!(checked, 20 * 5 + 5 + 5 * 4 + 4 + 4 + 1);
    }
}

/// With dropout the loss is the network's own training loss, whose masks
/// depend only on the seed, the step and the review, so both sides of a
/// finite difference drop the same units. It is computed in f32, hence the
/// larger step and tolerance.
#[test]
fn dropout_gradients_match_finite_differences() {
    for activation in Activation::ALL {
        let objective = Objective {
            dropout: 0.4,
            dropout_seed: 5,
            ..Objective::default()
        };
        let (network, split) = tiny_network(3, activation);
        let samples: Vec<usize> = (0..split.len()).collect();
        let analytic = sparse_gradients(&network, &objective, &split);
        let loss = |network: &Network| {
            let mut scratch = Gradients::zeros_like(network);
            accumulate_gradients(network, &objective, 0, &split, &samples, &mut scratch).mean_loss()
        };
        let name = format!("dropout, {activation:?}");
        check_finite_differences(&name, &network, &analytic, 1e-3, 5e-4, loss);

        let no_dropout = sparse_gradients(&network, &Objective::default(), &split);
        assert_ne!(analytic, no_dropout, "dropout changes the gradients");
    }
}

/// Checks every parameter's gradient in `analytic` against central
/// differences of `loss` and returns the number of parameters checked.
fn check_finite_differences(
    name: &str,
    network: &Network,
    analytic: &Gradients,
    step: f32,
    tolerance: f64,
    loss: impl Fn(&Network) -> f64,
) -> usize {
    let mut checked = 0;

    for (position, layer) in network.layers.iter().enumerate() {
        for parameter in 0..layer.weights.len() + layer.bias.len() {
            let mut plus = network.clone();
            let mut minus = network.clone();
            let (expected, plus_value, minus_value) = if parameter < layer.weights.len() {
                let index = (parameter / layer.units(), parameter % layer.units());
                let expected = analytic.layers[position].weights[index];
                (
                    expected,
                    &mut plus.layers[position].weights[index],
                    &mut minus.layers[position].weights[index],
                )
            } else {
                let index = parameter - layer.weights.len();
                let expected = analytic.layers[position].bias[index];
                (
                    expected,
                    &mut plus.layers[position].bias[index],
                    &mut minus.layers[position].bias[index],
                )
            };
            *plus_value += step;
            *minus_value -= step;
            let numeric = (loss(&plus) - loss(&minus)) / (2.0 * f64::from(step));
            assert!(
                (numeric - f64::from(expected)).abs() < tolerance,
                "{name}, layer {position}, parameter {parameter}: analytic {expected}, \
                 numeric {numeric}"
            );
            checked += 1;
        }
    }
    checked
}

/// Trains the same network with the fused step and with the plain gradient
/// and update, and checks they stay bit-identical. With a large vocabulary
/// many words skip batches, so rows with a zero gradient are exercised.
fn check_fused_step(vocabulary: u32, batches: usize, optimizer: Optimizer, objective: Objective) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let network = Network::new(vocabulary as usize, &[16, 8], &mut rng);
    let split = common::synthetic_split(700, vocabulary, 11);
    let samples: Vec<usize> = (0..split.len()).rev().collect();

    let mut fused = network.clone();
    let mut fused_optimizer = OptimizerState::new(optimizer, &fused);
    let mut scratch = StepScratch::new(&fused);
    let mut plain = network;
    let mut plain_optimizer = OptimizerState::new(optimizer, &plain);

    for batch in samples.chunks(100).cycle().take(batches) {
        let fused_stats = train_step(
            &mut fused,
            &mut fused_optimizer,
            &objective,
            &split,
            batch,
            &mut scratch,
        );
        let mut gradients = Gradients::zeros_like(&plain);
        let step = plain_optimizer.steps();
        let plain_stats =
            accumulate_gradients(&plain, &objective, step, &split, batch, &mut gradients);
        plain_optimizer.step(&mut plain, &mut gradients);
        assert_eq!(fused_stats, plain_stats, "{optimizer:?}, {objective:?}");
    }
    assert_eq!(fused, plain);
    assert_eq!(
        scratch.gradients(),
        &Gradients::zeros_like(&fused),
        "scratch gradients are zero after a step"
    );
}

#[test]
fn fused_step_equals_gradients_then_update() {
    check_fused_step(300, 6, RmsProp::default().into(), Objective::default());
}

#[test]
fn fused_step_with_idle_rows() {
    check_fused_step(5000, 20, RmsProp::default().into(), Objective::default());
}

#[test]
fn fused_step_for_each_optimizer() {
    let objectives = [
        Objective::default(),
        Objective {
            loss: LossKind::MeanSquaredError,
            l2: 0.002,
            dropout: 0.3,
            dropout_seed: 9,
        },
    ];
    let optimizers = [
        Optimizer::from(RmsProp::default()),
        Adam::default().into(),
        Sgd::default().into(),
    ];
    for objective in objectives {
        for optimizer in optimizers {
            check_fused_step(3000, 8, optimizer, objective);
        }
    }
}

/// Trains a few steps inside a pool of `threads` threads and returns the
/// network and the batch statistics.
fn train_on_threads(threads: usize) -> (Network, Vec<imdb_tui::model::BatchStats>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("build a thread pool");
    pool.install(|| {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        let mut network = Network::new(4000, &[16, 16], &mut rng);
        let split = common::synthetic_split(900, 4000, 21);
        let samples: Vec<usize> = (0..split.len()).collect();
        let mut optimizer = OptimizerState::new(RmsProp::default(), &network);
        let mut scratch = StepScratch::new(&network);
        let objective = Objective {
            dropout: 0.2,
            ..Objective::default()
        };
        let stats = samples
            .chunks(300)
            .map(|batch| {
                let step = &mut scratch;
                train_step(
                    &mut network,
                    &mut optimizer,
                    &objective,
                    &split,
                    batch,
                    step,
                )
            })
            .collect();
        (network, stats)
    })
}

#[test]
fn results_match_on_any_thread_count() {
    let one = train_on_threads(1);
    assert_eq!(train_on_threads(2), one, "two threads");
    assert_eq!(train_on_threads(3), one, "three threads");
}
