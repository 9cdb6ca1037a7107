//! One gradient step over a batch of reviews.
//!
//! The backward pass runs in fixed chunks of reviews on all threads. The
//! first layer's weight gradient is then summed row by row: each thread
//! owns interleaved blocks of rows and adds the deltas of its rows in
//! review order, so every sum is bit-identical on any number of threads.
//! In [`train_step`] the same thread then applies RMSprop to its rows while
//! they are still in its cache.

use multiversion::multiversion;
use rayon::prelude::*;

use super::backprop::{
    BLOCK_ROWS, BatchStats, CHUNK_REVIEWS, ChunkResult, Gradients, RowPartition, add_row,
    backward_chunk,
};
use super::network::{Dense, Network};
use super::rmsprop::{RmsProp, RmsPropState, update_inline};
use crate::data::Split;

/// Adds the gradient of the mean loss over `samples` (review numbers in
/// `split`) to `gradients`, and returns the batch's loss and accuracy,
/// measured with the weights before any update, as Keras reports them.
pub fn accumulate_gradients(
    network: &Network,
    split: &Split,
    samples: &[usize],
    gradients: &mut Gradients,
) -> BatchStats {
    let partition = RowPartition::for_current_threads();
    let mut chunks = Vec::new();
    backward_chunks(network, split, samples, partition, &mut chunks);
    let stats = add_small_gradients(gradients, &chunks);
    if let Some(first) = gradients.layers.first_mut() {
        let units = first.units();
        if let Some(flat) = first.weights.as_slice_mut() {
            let parts = distribute_blocks(flat, units, partition);
            parts
                .into_par_iter()
                .enumerate()
                .for_each(|(part, mut blocks)| {
                    scatter_part(&mut blocks, part, partition, &chunks, units);
                });
        }
    }
    stats
}

/// Buffers of [`train_step`], kept between steps so that a step allocates
/// nothing once they have grown.
#[derive(Default)]
pub struct StepScratch {
    /// Gradients shaped like the network, all zeros between steps.
    gradients: Gradients,
    chunks: Vec<ChunkResult>,
}

impl StepScratch {
    pub fn new(network: &Network) -> Self {
        Self {
            gradients: Gradients::zeros_like(network),
            chunks: Vec::new(),
        }
    }

    /// Gradients, which are all zeros between steps.
    pub fn gradients(&self) -> &Gradients {
        &self.gradients
    }
}

/// Trains `network` on one batch: computes the gradient of the mean loss
/// over `samples` and applies one RMSprop update to every parameter.
/// Returns the batch's loss and accuracy before the update.
pub fn train_step(
    network: &mut Network,
    optimizer: &mut RmsPropState,
    split: &Split,
    samples: &[usize],
    scratch: &mut StepScratch,
) -> BatchStats {
    let partition = RowPartition::for_current_threads();
    let StepScratch { gradients, chunks } = scratch;
    backward_chunks(network, split, samples, partition, chunks);
    let chunks = &chunks[..samples.len().div_ceil(CHUNK_REVIEWS)];
    let stats = add_small_gradients(gradients, chunks);
    let settings = optimizer.settings;

    let layers = network
        .layers
        .iter_mut()
        .zip(&mut optimizer.velocities.layers)
        .zip(&mut gradients.layers)
        .enumerate();
    for (position, ((layer, velocity), gradient)) in layers {
        if position == 0 {
            update_first_weights(settings, layer, velocity, gradient, partition, chunks);
        } else {
            update_array(
                settings,
                &mut layer.weights,
                &mut velocity.weights,
                &mut gradient.weights,
            );
        }
        update_array(
            settings,
            &mut layer.bias,
            &mut velocity.bias,
            &mut gradient.bias,
        );
    }
    stats
}

/// Runs the backward pass of `samples` in chunks of [`CHUNK_REVIEWS`],
/// filling the first `samples.len().div_ceil(CHUNK_REVIEWS)` of `chunks`.
fn backward_chunks(
    network: &Network,
    split: &Split,
    samples: &[usize],
    partition: RowPartition,
    chunks: &mut Vec<ChunkResult>,
) {
    let scale = 1.0 / samples.len().max(1) as f32;
    let needed = samples.len().div_ceil(CHUNK_REVIEWS);
    if chunks.len() < needed {
        chunks.resize_with(needed, ChunkResult::default);
    }
    samples
        .par_chunks(CHUNK_REVIEWS)
        .zip(chunks[..needed].par_iter_mut())
        .for_each(|(chunk, result)| {
            backward_chunk(network, split, chunk, scale, partition, result)
        });
}

/// Adds the chunks' gradients of all parameters but the first layer's
/// weights, in chunk order, and returns the batch's statistics.
fn add_small_gradients(gradients: &mut Gradients, chunks: &[ChunkResult]) -> BatchStats {
    let mut stats = BatchStats::default();
    for chunk in chunks {
        stats.add(chunk.stats);
        let layers = gradients.layers.iter_mut().zip(&chunk.gradients.layers);
        for (position, (target, partial)) in layers.enumerate() {
            if position > 0 {
                target.weights += &partial.weights;
            }
            target.bias += &partial.bias;
        }
    }
    stats
}

fn update_array<D: ndarray::Dimension>(
    settings: RmsProp,
    variables: &mut ndarray::Array<f32, D>,
    velocities: &mut ndarray::Array<f32, D>,
    gradients: &mut ndarray::Array<f32, D>,
) {
    if let (Some(variables), Some(velocities), Some(gradients)) = (
        variables.as_slice_mut(),
        velocities.as_slice_mut(),
        gradients.as_slice_mut(),
    ) {
        settings.update(variables, velocities, gradients);
    }
}

/// One part's share of the first layer's rows: its blocks of the gradient,
/// and of the weights and velocities when it also updates them.
struct PartRows<'a> {
    gradients: Vec<&'a mut [f32]>,
    weights: Vec<&'a mut [f32]>,
    velocities: Vec<&'a mut [f32]>,
}

fn update_first_weights(
    settings: RmsProp,
    layer: &mut Dense,
    velocity: &mut Dense,
    gradient: &mut Dense,
    partition: RowPartition,
    chunks: &[ChunkResult],
) {
    let units = layer.units();
    let (Some(weights), Some(velocities), Some(gradients)) = (
        layer.weights.as_slice_mut(),
        velocity.weights.as_slice_mut(),
        gradient.weights.as_slice_mut(),
    ) else {
        return;
    };
    let gradient_parts = distribute_blocks(gradients, units, partition);
    let weight_parts = distribute_blocks(weights, units, partition);
    let velocity_parts = distribute_blocks(velocities, units, partition);

    let parts: Vec<PartRows> = gradient_parts
        .into_iter()
        .zip(weight_parts)
        .zip(velocity_parts)
        .map(|((gradients, weights), velocities)| PartRows {
            gradients,
            weights,
            velocities,
        })
        .collect();
    parts
        .into_par_iter()
        .enumerate()
        .for_each(|(part, mut rows)| {
            let touched = scatter_part(&mut rows.gradients, part, partition, chunks, units);
            update_part(settings, &mut rows, &touched, units);
        });
}

/// Splits a flat `(rows, units)` matrix into blocks of [`BLOCK_ROWS`] rows
/// and hands block `b` to part `b % parts`.
fn distribute_blocks(
    flat: &mut [f32],
    units: usize,
    partition: RowPartition,
) -> Vec<Vec<&mut [f32]>> {
    let mut parts: Vec<Vec<&mut [f32]>> = (0..partition.parts).map(|_| Vec::new()).collect();
    for (block, rows) in flat.chunks_mut((BLOCK_ROWS * units).max(1)).enumerate() {
        parts[block % partition.parts].push(rows);
    }
    parts
}

/// Adds the first-layer deltas of part `part`'s rows, chunk by chunk in
/// review order. Returns which of the part's rows received a delta,
/// numbered `block * BLOCK_ROWS + row`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn scatter_part(
    blocks: &mut [&mut [f32]],
    part: usize,
    partition: RowPartition,
    chunks: &[ChunkResult],
    units: usize,
) -> Vec<bool> {
    let mut touched = vec![false; blocks.len() * BLOCK_ROWS];
    for chunk in chunks {
        for &(index, position) in &chunk.row_updates[part] {
            let block = partition.block_in_part(index);
            let row = index as usize % BLOCK_ROWS;
            let start = row * units;
            let delta_start = position as usize * units;
            let (Some(rows), Some(delta)) = (
                blocks.get_mut(block),
                chunk.first_deltas.get(delta_start..delta_start + units),
            ) else {
                continue;
            };
            if let Some(target) = rows.get_mut(start..start + units) {
                add_row(target, delta);
                touched[block * BLOCK_ROWS + row] = true;
            }
        }
    }
    touched
}

/// Applies RMSprop to the part's rows. A row without a delta has a zero
/// gradient, for which the update leaves the weights as they are and
/// multiplies the velocity by rho; that case skips the square root.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn update_part(settings: RmsProp, rows: &mut PartRows, touched: &[bool], units: usize) {
    let blocks = rows
        .weights
        .iter_mut()
        .zip(rows.velocities.iter_mut())
        .zip(rows.gradients.iter_mut());
    for (block, ((weights, velocities), gradients)) in blocks.enumerate() {
        let rows = weights
            .chunks_exact_mut(units)
            .zip(velocities.chunks_exact_mut(units))
            .zip(gradients.chunks_exact_mut(units));
        for (row, ((weights, velocities), gradients)) in rows.enumerate() {
            if touched[block * BLOCK_ROWS + row] {
                update_inline(settings, weights, velocities, gradients);
            } else {
                velocities.iter_mut().for_each(|v| *v *= settings.rho);
            }
        }
    }
}
