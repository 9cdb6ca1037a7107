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

use super::network::{Dense, Network, sigmoid};
use super::objective::{DropoutMask, Objective};
use super::parted::Row;
use super::recipe::Activation;
use crate::data::Split;

/// Reviews per parallel work item. Fixed, so results are bit-identical on
/// any number of threads.
pub(crate) const CHUNK_REVIEWS: usize = 64;

/// Gradients shaped like the network's layers.
#[derive(Clone, Debug, Default, PartialEq)]
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

    /// Adds a loss term shared by every review, such as the L2 penalty.
    pub(crate) fn add_penalty(&mut self, penalty: f64) {
        if penalty != 0.0 {
            self.loss_sum += penalty * self.reviews as f64;
        }
    }
}

/// Returns the loss and accuracy counts of `samples` without computing
/// gradients: no dropout, and the L2 penalty added to every review's loss.
pub fn evaluate(
    network: &Network,
    objective: &Objective,
    split: &Split,
    samples: &[usize],
) -> BatchStats {
    let mut stats = samples
        .par_chunks(CHUNK_REVIEWS)
        .map(|chunk| evaluate_chunk(network, objective, split, chunk))
        .collect::<Vec<_>>()
        .into_iter()
        .fold(BatchStats::default(), |mut total, stats| {
            total.add(stats);
            total
        });
    stats.add_penalty(objective.penalty(network));
    stats
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn evaluate_chunk(
    network: &Network,
    objective: &Objective,
    split: &Split,
    chunk: &[usize],
) -> BatchStats {
    let upper = Upper::of(network);
    let mut workspace = Workspace::new(upper);
    let mut row_sum = vec![0.0; upper.first_bias.len()];
    let weights = network
        .layers
        .first()
        .and_then(|first| first.weights.as_slice())
        .unwrap_or_default();
    let mut stats = BatchStats::default();
    for (position, &sample) in chunk.iter().enumerate() {
        if let Some(&next) = chunk.get(position + 2) {
            prefetch(split.review(next));
        }
        row_sum.fill(0.0);
        gather_rows(&mut row_sum, weights, split.review(sample));
        let logit = workspace.forward::<false>(upper, &row_sum, None);
        stats.add(review_stats(
            objective,
            sigmoid(logit),
            split.labels[sample],
        ));
    }
    stats
}

/// The parameters a review's pass needs besides the first layer's
/// weights: the first layer's bias and every later layer.
#[derive(Clone, Copy)]
pub(crate) struct Upper<'a> {
    pub(crate) activation: Activation,
    pub(crate) first_bias: &'a [f32],
    /// The layers after the first, the output layer last.
    pub(crate) layers: &'a [Dense],
}

impl<'a> Upper<'a> {
    pub(crate) fn of(network: &'a Network) -> Self {
        let (first_bias, layers) = match network.layers.split_first() {
            Some((first, layers)) => (first.bias.as_slice().unwrap_or_default(), layers),
            None => (&[][..], &[][..]),
        };
        Self {
            activation: network.activation,
            first_bias,
            layers,
        }
    }
}

/// The backward pass of one chunk of a batch. Its buffers are reused from
/// step to step, so a step allocates nothing once they have grown.
#[derive(Default)]
pub(crate) struct ChunkResult {
    pub(crate) stats: BatchStats,
    /// Gradients of every layer but the first one's weights, whose matrix
    /// here is empty: its gradient rows are summed from `first_deltas`.
    pub(crate) gradients: Gradients,
    /// The first layer's output delta of each review, `(reviews, units)`.
    pub(crate) first_deltas: Vec<f32>,
}

/// The settings every chunk of one step shares besides the network and
/// the data.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StepJob {
    pub(crate) objective: Objective,
    /// Number of the step in the run, which seeds the dropout masks.
    pub(crate) step: u64,
    /// Weight of one review's loss in the batch mean.
    pub(crate) scale: f32,
}

/// Runs the forward and backward pass of every review in `chunk`, given
/// the two parts of each review's first-layer row sum, `(reviews, units)`
/// each: the row sum is their sum, first part first.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
pub(crate) fn backward_chunk(
    upper: Upper,
    row_sums: [&[f32]; 2],
    split: &Split,
    chunk: &[usize],
    job: StepJob,
    result: &mut ChunkResult,
) {
    let mut workspace = Workspace::new(upper);
    result.reset(upper);
    let objective = &job.objective;
    let units = upper.first_bias.len();
    let mut row_sum = vec![0.0; units];
    let [first_sums, second_sums] = row_sums;
    let parts = first_sums
        .chunks_exact(units.max(1))
        .zip(second_sums.chunks_exact(units.max(1)));

    for (&sample, (first, second)) in chunk.iter().zip(parts) {
        row_sum
            .iter_mut()
            .zip(first.iter().zip(second))
            .for_each(|(sum, (a, b))| *sum = a + b);
        let label = split.labels[sample];
        let mut mask = objective.dropout_mask(job.step, sample);
        let logit = workspace.forward::<true>(upper, &row_sum, mask.as_mut());
        let probability = sigmoid(logit);
        result
            .stats
            .add(review_stats(objective, probability, label));

        let delta = objective.loss.logit_gradient(probability, f32::from(label)) * job.scale;
        workspace.backward(delta, &mut result.gradients);
        result.first_deltas.extend_from_slice(&workspace.delta);
    }
}

impl ChunkResult {
    /// Empties the buffers, keeping their memory, and zeroes the gradients.
    fn reset(&mut self, upper: Upper) {
        self.stats = BatchStats::default();
        let shapes_match = self.gradients.layers.len() == upper.layers.len() + 1
            && self
                .gradients
                .layers
                .iter()
                .skip(1)
                .zip(upper.layers)
                .all(|(gradient, layer)| gradient.weights.raw_dim() == layer.weights.raw_dim())
            && self
                .gradients
                .layers
                .first()
                .is_some_and(|first| first.bias.len() == upper.first_bias.len());
        if shapes_match {
            for layer in &mut self.gradients.layers {
                layer.weights.fill(0.0);
                layer.bias.fill(0.0);
            }
        } else {
            self.gradients = small_gradients(upper);
        }
        self.first_deltas.clear();
    }
}

/// Gradients with every shape of the network of `upper` except an empty
/// first-layer weight matrix, which chunks never fill.
fn small_gradients(upper: Upper) -> Gradients {
    let first = Dense {
        weights: Array2::zeros((0, upper.first_bias.len())),
        bias: Array1::zeros(upper.first_bias.len()),
    };
    let later = upper.layers.iter().map(|layer| Dense {
        weights: Array2::zeros(layer.weights.raw_dim()),
        bias: Array1::zeros(layer.bias.raw_dim()),
    });
    Gradients {
        layers: std::iter::once(first).chain(later).collect(),
    }
}

fn review_stats(objective: &Objective, probability: f32, label: u8) -> BatchStats {
    BatchStats {
        loss_sum: f64::from(objective.loss.of(probability, f32::from(label))),
        correct: usize::from((probability > 0.5) == (label == 1)),
        reviews: 1,
    }
}

/// Buffers for one review's forward and backward pass.
struct Workspace {
    /// Output of each hidden layer after its activation and dropout.
    activations: Vec<Vec<f32>>,
    /// Derivative of each hidden layer's output with respect to its
    /// pre-activation value, dropout factor included; filled by a training
    /// forward pass.
    derivatives: Vec<Vec<f32>>,
    /// Transposed weights `(units, inputs)` of every layer but the first,
    /// so the backward pass multiplies by contiguous rows.
    transposed: Vec<Vec<f32>>,
    /// Delta at the current layer's output during the backward pass; after
    /// `backward`, the first layer's output delta.
    delta: Vec<f32>,
    previous_delta: Vec<f32>,
}

impl Workspace {
    fn new(upper: Upper) -> Self {
        let hidden = upper.layers.len();
        let activations: Vec<Vec<f32>> = std::iter::once(upper.first_bias.len())
            .chain(upper.layers.iter().map(Dense::units))
            .take(hidden)
            .map(|units| vec![0.0; units])
            .collect();
        let transposed = upper
            .layers
            .iter()
            .map(|layer| layer.weights.t().iter().copied().collect())
            .collect();
        Self {
            derivatives: activations.clone(),
            activations,
            transposed,
            delta: Vec::new(),
            previous_delta: Vec::new(),
        }
    }

    /// Runs the forward pass from the first layer's row sum `row_sum` (its
    /// product with the multi-hot input) and returns the output logit. A
    /// training pass (`TRAIN`) applies `dropout` and keeps the derivatives
    /// for [`Self::backward`].
    #[inline(always)]
    fn forward<const TRAIN: bool>(
        &mut self,
        upper: Upper,
        row_sum: &[f32],
        mut dropout: Option<&mut DropoutMask>,
    ) -> f32 {
        let hidden = self.activations.len();
        if hidden == 0 {
            // The first layer is the output layer.
            return upper.first_bias.first().copied().unwrap_or(0.0)
                + row_sum.first().copied().unwrap_or(0.0);
        }
        let activation = upper.activation;
        for position in 0..hidden {
            let (before, current) = self.activations.split_at_mut(position);
            let output = &mut current[0];
            match before.last() {
                None => output
                    .iter_mut()
                    .zip(upper.first_bias.iter().zip(row_sum))
                    .for_each(|(o, (b, s))| *o = b + s),
                Some(input) => layer_forward(output, &upper.layers[position - 1], Some(input), &[]),
            }
            activation.apply(output);
            if TRAIN {
                let derivatives = &mut self.derivatives[position];
                for (derivative, value) in derivatives.iter_mut().zip(output.iter_mut()) {
                    *derivative = activation.derivative(*value);
                    if let Some(mask) = dropout.as_deref_mut() {
                        let factor = mask.next_factor();
                        *value *= factor;
                        *derivative *= factor;
                    }
                }
            }
        }

        let mut logit = [0.0];
        if let Some(last) = upper.layers.last() {
            layer_forward(
                &mut logit,
                last,
                self.activations.last().map(Vec::as_slice),
                &[],
            );
        }
        logit[0]
    }

    /// Adds this review's gradients (for logit delta `delta`) to
    /// `gradients`, except the first layer's weights, and leaves the first
    /// layer's output delta in `self.delta`. Needs a training forward pass
    /// of the same review first.
    #[inline(always)]
    fn backward(&mut self, delta: f32, gradients: &mut Gradients) {
        self.delta.clear();
        self.delta.push(delta);

        for position in (0..=self.activations.len()).rev() {
            let gradient = &mut gradients.layers[position];
            add_assign(
                gradient.bias.as_slice_mut().unwrap_or_default(),
                &self.delta,
            );
            if position == 0 {
                break;
            }

            let input = &self.activations[position - 1];
            if let Some(weights) = gradient.weights.as_slice_mut() {
                outer_add(weights, input, &self.delta);
            }

            // previous_delta = (weights · delta) times the derivative of
            // the layer below, summed as rows of the transposed weights.
            self.previous_delta.clear();
            self.previous_delta.resize(input.len(), 0.0);
            add_scaled_rows(
                &mut self.previous_delta,
                &self.delta,
                &self.transposed[position - 1],
            );
            self.previous_delta
                .iter_mut()
                .zip(&self.derivatives[position - 1])
                .for_each(|(p, &derivative)| *p *= derivative);
            std::mem::swap(&mut self.delta, &mut self.previous_delta);
        }
    }
}

/// Starts loading `indices` into the cache. Reviews come in shuffled
/// order, so without this each review's indices arrive from main memory
/// only when its row sum needs them.
#[inline(always)]
pub(crate) fn prefetch<T>(indices: &[T]) {
    #[cfg(target_arch = "x86_64")]
    for line in indices.chunks(64 / std::mem::size_of::<T>().max(1)) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: SSE is part of every x86_64 CPU, and a prefetch only
        // warms the cache: it cannot fault, even on a bad address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = indices;
}

/// Writes a layer's pre-activation output: from the previous layer's
/// activations, or from the multi-hot `indices` for the first layer.
#[inline(always)]
pub(crate) fn layer_forward(
    output: &mut [f32],
    layer: &Dense,
    input: Option<&[f32]>,
    indices: &[u32],
) {
    output
        .iter_mut()
        .zip(&layer.bias)
        .for_each(|(o, b)| *o = *b);
    match input {
        Some(input) => dense_forward(output, layer, input),
        None => gather_rows(
            output,
            layer.weights.as_slice().unwrap_or_default(),
            indices,
        ),
    }
}

/// Adds the rows `rows` of the flat matrix `weights` to `output`, whose
/// length is the row length. Rows outside `weights` are skipped.
#[inline(always)]
pub(crate) fn gather_rows<R: Row>(output: &mut [f32], weights: &[f32], rows: &[R]) {
    let units = output.len();
    // The classic recipe's 16 units fit one fixed-size array, which the
    // compiler keeps in registers for the whole review.
    if let Ok(output) = <&mut [f32; 16]>::try_from(&mut *output) {
        gather_fixed(output, weights, rows);
        return;
    }
    for &row in rows {
        let start = row.get() * units;
        if let Some(row) = weights.get(start..start + units) {
            add_assign(output, row);
        }
    }
}

/// Sums the rows `rows` into `output` with four independent accumulators,
/// so consecutive additions do not wait on each other.
#[inline(always)]
fn gather_fixed<const UNITS: usize, R: Row>(
    output: &mut [f32; UNITS],
    weights: &[f32],
    rows: &[R],
) {
    let (matrix, _) = weights.as_chunks::<UNITS>();
    let mut sums = [[0.0_f32; UNITS]; 4];
    let (groups, rest) = rows.as_chunks::<4>();
    for group in groups {
        for (sum, &row) in sums.iter_mut().zip(group) {
            if let Some(row) = matrix.get(row.get()) {
                add_fixed(sum, row);
            }
        }
    }
    for &row in rest {
        if let Some(row) = matrix.get(row.get()) {
            add_fixed(&mut sums[0], row);
        }
    }
    let [first, second, third, fourth] = sums;
    for unit in 0..UNITS {
        output[unit] += (first[unit] + second[unit]) + (third[unit] + fourth[unit]);
    }
}

/// Adds `input · weights` to `output`, where `weights` is `(inputs, units)`.
#[inline(always)]
fn dense_forward(output: &mut [f32], layer: &Dense, input: &[f32]) {
    let Some(weights) = layer.weights.as_slice() else {
        return;
    };
    add_scaled_rows(output, input, weights);
}

/// Adds `scales[i] · rows[i]` to `target` for each row `i` of the flat
/// `rows`, in order. For 16 units the sum stays in registers throughout,
/// instead of a store and a load per row.
#[inline(always)]
fn add_scaled_rows(target: &mut [f32], scales: &[f32], rows: &[f32]) {
    if let Ok(target) = <&mut [f32; 16]>::try_from(&mut *target) {
        let mut sum = *target;
        let (rows, _) = rows.as_chunks::<16>();
        for (row, &scale) in rows.iter().zip(scales) {
            for unit in 0..16 {
                sum[unit] += scale * row[unit];
            }
        }
        *target = sum;
        return;
    }
    for (row, &scale) in rows.chunks_exact(target.len().max(1)).zip(scales) {
        add_scaled(target, scale, row);
    }
}

/// Adds the outer product `input ⊗ delta` to the flat `(inputs, units)`
/// matrix `weights`.
#[inline(always)]
fn outer_add(weights: &mut [f32], input: &[f32], delta: &[f32]) {
    for (row, &value) in weights.chunks_exact_mut(delta.len().max(1)).zip(input) {
        add_scaled(row, value, delta);
    }
}

/// Adds `scale · source` to `target`, with a fixed-size fast path for 16
/// units, which the compiler turns into whole-vector arithmetic.
#[inline(always)]
fn add_scaled(target: &mut [f32], scale: f32, source: &[f32]) {
    if let (Ok(target), Ok(source)) = (
        <&mut [f32; 16]>::try_from(&mut *target),
        <&[f32; 16]>::try_from(source),
    ) {
        for unit in 0..16 {
            target[unit] += scale * source[unit];
        }
        return;
    }
    target
        .iter_mut()
        .zip(source)
        .for_each(|(t, s)| *t += scale * s);
}

/// Adds `delta` to `row`, with a fixed-size fast path for 16 units.
#[inline(always)]
pub(crate) fn add_row(row: &mut [f32], delta: &[f32]) {
    if let (Ok(row), Ok(delta)) = (
        <&mut [f32; 16]>::try_from(&mut *row),
        <&[f32; 16]>::try_from(delta),
    ) {
        add_fixed(row, delta);
        return;
    }
    add_assign(row, delta);
}

#[inline(always)]
fn add_fixed<const UNITS: usize>(target: &mut [f32; UNITS], source: &[f32; UNITS]) {
    for unit in 0..UNITS {
        target[unit] += source[unit];
    }
}

#[inline(always)]
fn add_assign(target: &mut [f32], source: &[f32]) {
    target.iter_mut().zip(source).for_each(|(t, s)| *t += s);
}
