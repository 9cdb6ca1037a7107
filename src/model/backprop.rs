//! Forward and backward passes over a batch of sparse multi-hot reviews.
//!
//! The first layer's product with a multi-hot vector is the sum of the weight
//! rows of the review's words, and its weight gradient is the output delta
//! added to those same rows. Both equal the dense computation on the 0/1
//! vector; only the number of multiplications by zero differs.
//!
//! Work is split into fixed chunks of reviews whose partial sums are added in
//! chunk order, and the first layer's gradient rows are summed in review
//! order, so results do not depend on the number of threads.

use multiversion::multiversion;
use ndarray::{Array1, Array2};
use rayon::prelude::*;

use super::loss::{binary_cross_entropy, logit_gradient};
use super::network::{Dense, Network, sigmoid};
use crate::data::Split;

/// Reviews per parallel work item. Fixed, so results are bit-identical on
/// any number of threads.
const CHUNK_REVIEWS: usize = 64;

/// First-layer weight rows per block when its gradient is split among
/// threads.
const BLOCK_ROWS: usize = 64;

/// Gradients shaped like the network's layers.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients {
    pub layers: Vec<Dense>,
}

impl Gradients {
    pub fn zeros_like(network: &Network) -> Self {
        let layers = network
            .layers
            .iter()
            .map(|layer| Dense {
                weights: Array2::zeros(layer.weights.raw_dim()),
                bias: Array1::zeros(layer.bias.raw_dim()),
            })
            .collect();
        Self { layers }
    }
}

/// Loss and accuracy counts of a set of reviews.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BatchStats {
    /// Sum of the per-review losses.
    pub loss_sum: f64,
    /// Reviews whose probability is above 0.5 exactly when they are
    /// positive, the rule of Keras's binary accuracy.
    pub correct: usize,
    pub reviews: usize,
}

impl BatchStats {
    /// Mean loss per review.
    pub fn mean_loss(&self) -> f64 {
        self.loss_sum / self.reviews.max(1) as f64
    }

    /// Fraction of reviews classified correctly.
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.reviews.max(1) as f64
    }

    pub fn add(&mut self, other: BatchStats) {
        self.loss_sum += other.loss_sum;
        self.correct += other.correct;
        self.reviews += other.reviews;
    }
}

/// Adds the gradient of the mean loss over `samples` (review numbers in
/// `split`) to `gradients`, and returns the batch's loss and accuracy,
/// measured with the weights before the update as Keras reports them.
pub fn accumulate_gradients(
    network: &Network,
    split: &Split,
    samples: &[usize],
    gradients: &mut Gradients,
) -> BatchStats {
    let first_units = network.layers.first().map_or(0, Dense::units);
    let scale = 1.0 / samples.len().max(1) as f32;

    let chunks: Vec<ChunkResult> = samples
        .par_chunks(CHUNK_REVIEWS)
        .map(|chunk| backward_chunk(network, split, chunk, scale))
        .collect();

    let mut stats = BatchStats::default();
    let mut first_deltas = Vec::with_capacity(samples.len() * first_units);
    for chunk in chunks {
        stats.add(chunk.stats);
        first_deltas.extend_from_slice(&chunk.first_deltas);
        for (position, (target, partial)) in gradients
            .layers
            .iter_mut()
            .zip(&chunk.gradients.layers)
            .enumerate()
        {
            if position > 0 {
                target.weights += &partial.weights;
            }
            target.bias += &partial.bias;
        }
    }

    if let Some(first) = gradients.layers.first_mut() {
        scatter_rows(&mut first.weights, split, samples, &first_deltas);
    }
    stats
}

/// Returns the loss and accuracy counts of `samples` without computing
/// gradients.
pub fn evaluate(network: &Network, split: &Split, samples: &[usize]) -> BatchStats {
    samples
        .par_chunks(CHUNK_REVIEWS)
        .map(|chunk| evaluate_chunk(network, split, chunk))
        .collect::<Vec<_>>()
        .into_iter()
        .fold(BatchStats::default(), |mut total, stats| {
            total.add(stats);
            total
        })
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn evaluate_chunk(network: &Network, split: &Split, chunk: &[usize]) -> BatchStats {
    let mut workspace = Workspace::new(network);
    let mut stats = BatchStats::default();
    for &sample in chunk {
        let probability = sigmoid(workspace.forward(network, split.review(sample)));
        stats.add(review_stats(probability, split.labels[sample]));
    }
    stats
}

struct ChunkResult {
    stats: BatchStats,
    /// Gradients of every layer but the first one's weights, which are
    /// scattered later from `first_deltas`.
    gradients: Gradients,
    /// The first layer's output delta of each review, `(reviews, units)`.
    first_deltas: Vec<f32>,
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn backward_chunk(network: &Network, split: &Split, chunk: &[usize], scale: f32) -> ChunkResult {
    let mut workspace = Workspace::new(network);
    let mut gradients = small_gradients(network);
    let first_units = network.layers.first().map_or(0, Dense::units);
    let mut first_deltas = Vec::with_capacity(chunk.len() * first_units);
    let mut stats = BatchStats::default();

    for &sample in chunk {
        let label = split.labels[sample];
        let probability = sigmoid(workspace.forward(network, split.review(sample)));
        stats.add(review_stats(probability, label));

        let delta = logit_gradient(probability, f32::from(label)) * scale;
        workspace.backward(network, delta, &mut gradients);
        first_deltas.extend_from_slice(&workspace.delta);
    }

    ChunkResult {
        stats,
        gradients,
        first_deltas,
    }
}

/// Gradients with every shape of `network` except an empty first-layer
/// weight matrix, which chunks never fill.
fn small_gradients(network: &Network) -> Gradients {
    let layers = network
        .layers
        .iter()
        .enumerate()
        .map(|(position, layer)| {
            let rows = if position == 0 { 0 } else { layer.inputs() };
            Dense {
                weights: Array2::zeros((rows, layer.units())),
                bias: Array1::zeros(layer.units()),
            }
        })
        .collect();
    Gradients { layers }
}

fn review_stats(probability: f32, label: u8) -> BatchStats {
    BatchStats {
        loss_sum: f64::from(binary_cross_entropy(probability, f32::from(label))),
        correct: usize::from((probability > 0.5) == (label == 1)),
        reviews: 1,
    }
}

/// Adds each review's first-layer delta to the gradient rows of its words.
/// Threads own disjoint, interleaved blocks of rows and each walks the
/// reviews in order, so every row sums in review order.
fn scatter_rows(weights: &mut Array2<f32>, split: &Split, samples: &[usize], first_deltas: &[f32]) {
    let units = weights.ncols();
    let Some(flat) = weights.as_slice_mut() else {
        return;
    };
    if units == 0 {
        return;
    }
    // A power of two, so that finding a row's part is a shift and a mask.
    let parts = prev_power_of_two(rayon::current_num_threads());
    let mut owned: Vec<Vec<&mut [f32]>> = (0..parts).map(|_| Vec::new()).collect();
    for (block, rows) in flat.chunks_mut(BLOCK_ROWS * units).enumerate() {
        owned[block % parts].push(rows);
    }

    owned
        .into_par_iter()
        .enumerate()
        .for_each(|(part, mut blocks)| {
            scatter_part(
                &mut blocks,
                part,
                parts,
                split,
                samples,
                first_deltas,
                units,
            );
        });
}

/// Adds the deltas of the rows in part `part`'s blocks.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn scatter_part(
    blocks: &mut [&mut [f32]],
    part: usize,
    parts: usize,
    split: &Split,
    samples: &[usize],
    first_deltas: &[f32],
    units: usize,
) {
    let part_mask = parts - 1;
    let part_shift = parts.trailing_zeros();
    for (position, &sample) in samples.iter().enumerate() {
        let delta = &first_deltas[position * units..(position + 1) * units];
        for &index in split.review(sample) {
            let index = index as usize;
            let block = index / BLOCK_ROWS;
            if block & part_mask != part {
                continue;
            }
            let Some(rows) = blocks.get_mut(block >> part_shift) else {
                continue;
            };
            let start = (index % BLOCK_ROWS) * units;
            if let Some(row) = rows.get_mut(start..start + units) {
                add_row(row, delta);
            }
        }
    }
}

/// Returns the largest power of two that is at most `n`, and 1 for 0.
fn prev_power_of_two(n: usize) -> usize {
    if n <= 1 {
        1
    } else {
        1 << (usize::BITS - 1 - n.leading_zeros())
    }
}

/// Buffers for one review's forward and backward pass.
struct Workspace {
    /// Output of each hidden layer after ReLU.
    activations: Vec<Vec<f32>>,
    /// Delta at the current layer's output during the backward pass; after
    /// `backward`, the first layer's output delta.
    delta: Vec<f32>,
    previous_delta: Vec<f32>,
}

impl Workspace {
    fn new(network: &Network) -> Self {
        let hidden = network.layers.len().saturating_sub(1);
        let activations = network.layers[..hidden]
            .iter()
            .map(|layer| vec![0.0; layer.units()])
            .collect();
        Self {
            activations,
            delta: Vec::new(),
            previous_delta: Vec::new(),
        }
    }

    /// Runs the forward pass and returns the output logit.
    #[inline(always)]
    fn forward(&mut self, network: &Network, indices: &[u32]) -> f32 {
        let hidden = self.activations.len();
        for position in 0..hidden {
            let (before, current) = self.activations.split_at_mut(position);
            let output = &mut current[0];
            layer_forward(output, &network.layers[position], before.last(), indices);
            output.iter_mut().for_each(|value| *value = value.max(0.0));
        }

        let mut logit = [0.0];
        if let Some(last) = network.layers.last() {
            layer_forward(&mut logit, last, self.activations.last(), indices);
        }
        logit[0]
    }

    /// Adds this review's gradients (for logit delta `delta`) to
    /// `gradients`, except the first layer's weights, and leaves the first
    /// layer's output delta in `self.delta`.
    #[inline(always)]
    fn backward(&mut self, network: &Network, delta: f32, gradients: &mut Gradients) {
        self.delta.clear();
        self.delta.push(delta);

        for position in (0..network.layers.len()).rev() {
            let layer = &network.layers[position];
            let gradient = &mut gradients.layers[position];
            gradient
                .bias
                .iter_mut()
                .zip(&self.delta)
                .for_each(|(g, d)| *g += d);
            if position == 0 {
                break;
            }

            let input = &self.activations[position - 1];
            if let Some(weights) = gradient.weights.as_slice_mut() {
                outer_add(weights, input, &self.delta);
            }

            self.previous_delta.clear();
            for (row, &activation) in layer.weights.rows().into_iter().zip(input) {
                let sum: f32 = row.iter().zip(&self.delta).map(|(w, d)| w * d).sum();
                self.previous_delta
                    .push(if activation > 0.0 { sum } else { 0.0 });
            }
            std::mem::swap(&mut self.delta, &mut self.previous_delta);
        }
    }
}

/// Writes a layer's pre-activation output: from the previous layer's
/// activations, or from the multi-hot `indices` for the first layer.
#[inline(always)]
fn layer_forward(output: &mut [f32], layer: &Dense, input: Option<&Vec<f32>>, indices: &[u32]) {
    output
        .iter_mut()
        .zip(&layer.bias)
        .for_each(|(o, b)| *o = *b);
    match input {
        Some(input) => dense_forward(output, layer, input),
        None => gather_rows(output, layer, indices),
    }
}

/// Adds the first layer's weight rows of `indices` to `output`.
#[inline(always)]
fn gather_rows(output: &mut [f32], first: &Dense, indices: &[u32]) {
    let units = output.len();
    let Some(weights) = first.weights.as_slice() else {
        return;
    };
    // The classic recipe's 16 units fit one fixed-size array, which the
    // compiler keeps in registers for the whole review.
    if let Ok(output) = <&mut [f32; 16]>::try_from(&mut *output) {
        gather_fixed(output, weights, indices);
        return;
    }
    for &index in indices {
        let start = index as usize * units;
        if let Some(row) = weights.get(start..start + units) {
            add_assign(output, row);
        }
    }
}

/// Adds `input · weights` to `output`, where `weights` is `(inputs, units)`.
#[inline(always)]
fn dense_forward(output: &mut [f32], layer: &Dense, input: &[f32]) {
    for (row, &value) in layer.weights.rows().into_iter().zip(input) {
        output
            .iter_mut()
            .zip(row)
            .for_each(|(o, w)| *o += value * w);
    }
}

/// Adds the outer product `input ⊗ delta` to the flat `(inputs, units)`
/// matrix `weights`.
#[inline(always)]
fn outer_add(weights: &mut [f32], input: &[f32], delta: &[f32]) {
    for (row, &value) in weights.chunks_exact_mut(delta.len().max(1)).zip(input) {
        row.iter_mut().zip(delta).for_each(|(w, d)| *w += value * d);
    }
}

#[inline(always)]
fn gather_fixed<const UNITS: usize>(output: &mut [f32; UNITS], weights: &[f32], indices: &[u32]) {
    let (rows, _) = weights.as_chunks::<UNITS>();
    let mut sum = *output;
    for &index in indices {
        if let Some(row) = rows.get(index as usize) {
            for unit in 0..UNITS {
                sum[unit] += row[unit];
            }
        }
    }
    *output = sum;
}

/// Adds `delta` to `row`, with a fixed-size fast path for 16 units.
#[inline(always)]
fn add_row(row: &mut [f32], delta: &[f32]) {
    if let (Ok(row), Ok(delta)) = (
        <&mut [f32; 16]>::try_from(&mut *row),
        <&[f32; 16]>::try_from(delta),
    ) {
        for unit in 0..16 {
            row[unit] += delta[unit];
        }
        return;
    }
    add_assign(row, delta);
}

#[inline(always)]
fn add_assign(target: &mut [f32], source: &[f32]) {
    target.iter_mut().zip(source).for_each(|(t, s)| *t += s);
}
