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
    backward_chunk, unpack_row_update,
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
    /// Gradients shaped like the network, all zeros between steps. The
    /// first layer's weight gradient is summed block by block in `parts`
    /// instead, so its matrix here stays zero.
    gradients: Gradients,
    chunks: Vec<ChunkResult>,
    parts: Vec<PartScratch>,
}

impl StepScratch {
    pub fn new(network: &Network) -> Self {
        Self {
            gradients: Gradients::zeros_like(network),
            chunks: Vec::new(),
            parts: Vec::new(),
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
    let StepScratch {
        gradients,
        chunks,
        parts,
    } = scratch;
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
            update_first_weights(settings, layer, velocity, partition, chunks, parts);
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

/// Scratch space of one part of the first layer's update.
#[derive(Default)]
pub(crate) struct PartScratch {
    /// The part's row updates of all chunks, grouped by block and in
    /// review order within a block, each packed by [`pack_update`].
    sorted: Vec<u32>,
    /// End of each block's updates in `sorted`.
    block_ends: Vec<usize>,
    /// Next free slot of each block in `sorted` while sorting.
    next: Vec<usize>,
    /// Gradient of one block, `(BLOCK_ROWS, units)`.
    block_gradient: Vec<f32>,
}

fn update_first_weights(
    settings: RmsProp,
    layer: &mut Dense,
    velocity: &mut Dense,
    partition: RowPartition,
    chunks: &[ChunkResult],
    scratch: &mut Vec<PartScratch>,
) {
    let units = layer.units();
    let (Some(weights), Some(velocities)) = (
        layer.weights.as_slice_mut(),
        velocity.weights.as_slice_mut(),
    ) else {
        return;
    };
    if scratch.len() < partition.parts {
        scratch.resize_with(partition.parts, PartScratch::default);
    }
    let weight_parts = distribute_blocks(weights, units, partition);
    let velocity_parts = distribute_blocks(velocities, units, partition);

    weight_parts
        .into_par_iter()
        .zip(velocity_parts)
        .zip(scratch[..partition.parts].par_iter_mut())
        .enumerate()
        .for_each(|(part, ((mut weights, mut velocities), scratch))| {
            sort_updates(scratch, part, partition, chunks, weights.len());
            let rows = PartRows {
                weights: &mut weights,
                velocities: &mut velocities,
            };
            update_part(settings, rows, scratch, chunks, units);
        });
}

/// One part's blocks of the first layer's weights and velocities.
struct PartRows<'a, 'b> {
    weights: &'a mut [&'b mut [f32]],
    velocities: &'a mut [&'b mut [f32]],
}

/// Splits a flat `(rows, units)` matrix into blocks of [`BLOCK_ROWS`] rows
/// and hands block `b` to part `b % parts`.
fn distribute_blocks<T>(
    flat: &mut [T],
    units: usize,
    partition: RowPartition,
) -> Vec<Vec<&mut [T]>> {
    let mut parts: Vec<Vec<&mut [T]>> = (0..partition.parts).map(|_| Vec::new()).collect();
    for (block, rows) in flat.chunks_mut((BLOCK_ROWS * units).max(1)).enumerate() {
        parts[block % partition.parts].push(rows);
    }
    parts
}

// A packed update keeps 6 bits for the position and 6 for the row.
const _: () = assert!(CHUNK_REVIEWS <= 64 && BLOCK_ROWS <= 64);

/// Packs a row update: the chunk, the review's position in the chunk (below
/// [`CHUNK_REVIEWS`]) and the row within its block (below [`BLOCK_ROWS`]).
fn pack_update(chunk: usize, position: u32, row: usize) -> u32 {
    ((chunk as u32) << 12) | (position << 6) | row as u32
}

fn unpack_update(packed: u32) -> (usize, usize, usize) {
    (
        (packed >> 12) as usize,
        ((packed >> 6) & 63) as usize,
        (packed & 63) as usize,
    )
}

/// Groups part `part`'s row updates by block with a counting sort, whose
/// counts the backward pass made, which keeps them in review order within
/// each block.
fn sort_updates(
    scratch: &mut PartScratch,
    part: usize,
    partition: RowPartition,
    chunks: &[ChunkResult],
    blocks: usize,
) {
    let PartScratch {
        sorted,
        block_ends,
        next,
        ..
    } = scratch;
    block_ends.clear();
    next.clear();
    let mut total = 0;
    for block in 0..blocks {
        let global = block * partition.parts + part;
        let count: u32 = chunks
            .iter()
            .filter_map(|chunk| chunk.block_counts.get(global))
            .sum();
        next.push(total);
        total += count as usize;
        block_ends.push(total);
    }

    sorted.clear();
    sorted.resize(total, 0);
    for (chunk_number, chunk) in chunks.iter().enumerate() {
        for &packed in &chunk.row_updates[part] {
            let (index, position) = unpack_row_update(packed);
            if let Some(slot) = next.get_mut(partition.block_in_part(index)) {
                sorted[*slot] = pack_update(chunk_number, position, index as usize % BLOCK_ROWS);
                *slot += 1;
            }
        }
    }
}

/// Sums each block's gradient in a small buffer, then applies RMSprop to the
/// block's rows.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn update_part(
    settings: RmsProp,
    rows: PartRows,
    scratch: &mut PartScratch,
    chunks: &[ChunkResult],
    units: usize,
) {
    let PartRows {
        weights,
        velocities,
    } = rows;
    let PartScratch {
        sorted,
        block_ends,
        block_gradient,
        ..
    } = scratch;
    block_gradient.clear();
    block_gradient.resize(BLOCK_ROWS * units, 0.0);
    let mut start = 0;

    let blocks = weights
        .iter_mut()
        .zip(velocities.iter_mut())
        .zip(block_ends.iter());
    for ((weights, velocities), &end) in blocks {
        for &packed in &sorted[start..end] {
            let (chunk, position, row) = unpack_update(packed);
            let delta_start = position * units;
            let delta = &chunks[chunk].first_deltas[delta_start..delta_start + units];
            add_row(&mut block_gradient[row * units..(row + 1) * units], delta);
        }
        start = end;

        // Rows without a delta have a zero gradient, for which the update
        // keeps the weights and multiplies the velocity by rho, as Keras
        // does. One pass over the whole block, without a branch per row,
        // is faster than skipping them.
        let length = weights.len();
        update_inline(settings, weights, velocities, &mut block_gradient[..length]);
    }
}

/// Adds the first-layer deltas of part `part`'s rows, chunk by chunk in
/// review order, into the full gradient matrix `blocks`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn scatter_part(
    blocks: &mut [&mut [f32]],
    part: usize,
    partition: RowPartition,
    chunks: &[ChunkResult],
    units: usize,
) {
    for chunk in chunks {
        for &packed in &chunk.row_updates[part] {
            let (index, position) = unpack_row_update(packed);
            let block = partition.block_in_part(index);
            let start = (index as usize % BLOCK_ROWS) * units;
            let delta_start = position as usize * units;
            let (Some(rows), Some(delta)) = (
                blocks.get_mut(block),
                chunk.first_deltas.get(delta_start..delta_start + units),
            ) else {
                continue;
            };
            if let Some(target) = rows.get_mut(start..start + units) {
                add_row(target, delta);
            }
        }
    }
}
