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
    BatchStats, CHUNK_REVIEWS, ChunkResult, Gradients, StepJob, add_row, backward_chunk,
    unpack_row_update,
};
use super::network::{Dense, Network};
use super::objective::Objective;
use super::optimizer::{OptimizerState, slot_layers, update_array};
use super::partition::{BLOCK_ROWS, RowPartition};
use super::update::Update;
use crate::data::Split;

/// Adds the gradient of `objective` over `samples` (review numbers in
/// `split`) to `gradients`, and returns the batch's loss and accuracy,
/// measured with the weights before any update, as Keras reports them.
/// `step` is the step number that seeds the dropout masks; the first step
/// of a run is 0.
pub fn accumulate_gradients(
    network: &Network,
    objective: &Objective,
    step: u64,
    split: &Split,
    samples: &[usize],
    gradients: &mut Gradients,
) -> BatchStats {
    let partition = partition_for(network, split);
    let partition = &partition;
    let mut chunks = Vec::new();
    let job = step_job(objective, step, samples);
    backward_chunks(network, split, samples, job, partition, &mut chunks);
    let mut stats = add_small_gradients(gradients, &chunks);
    stats.add_penalty(objective.penalty(network));
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
    add_penalty_gradients(network, objective, gradients);
    stats
}

/// Adds the L2 penalty's gradient `2 l2 w` to every weight's gradient.
fn add_penalty_gradients(network: &Network, objective: &Objective, gradients: &mut Gradients) {
    if objective.l2 == 0.0 {
        return;
    }
    let decay = 2.0 * objective.l2;
    for (layer, gradient) in network.layers.iter().zip(&mut gradients.layers) {
        gradient
            .weights
            .zip_mut_with(&layer.weights, |g, &w| *g += decay * w);
    }
}

/// Returns the partition of the first layer's rows, one part per thread of
/// the current pool.
fn partition_for(network: &Network, split: &Split) -> RowPartition {
    RowPartition::balanced(split, network.inputs(), rayon::current_num_threads())
}

fn step_job(objective: &Objective, step: u64, samples: &[usize]) -> StepJob {
    StepJob {
        objective: *objective,
        step,
        scale: 1.0 / samples.len().max(1) as f32,
    }
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
    /// The row partition of the split whose indices start at the address
    /// kept beside it, worked out on its first step.
    partition: Option<(RowPartition, usize)>,
}

impl StepScratch {
    pub fn new(network: &Network) -> Self {
        Self {
            gradients: Gradients::zeros_like(network),
            chunks: Vec::new(),
            parts: Vec::new(),
            partition: None,
        }
    }

    /// Gradients, which are all zeros between steps.
    pub fn gradients(&self) -> &Gradients {
        &self.gradients
    }
}

/// Trains `network` on one batch: computes the gradient of `objective`
/// over `samples` and applies one update of `optimizer` to every
/// parameter. Returns the batch's loss and accuracy before the update.
pub fn train_step(
    network: &mut Network,
    optimizer: &mut OptimizerState,
    objective: &Objective,
    split: &Split,
    samples: &[usize],
    scratch: &mut StepScratch,
) -> BatchStats {
    let StepScratch {
        gradients,
        chunks,
        parts,
        partition,
    } = scratch;
    let address = split.indices.as_ptr() as usize;
    let partition = match partition {
        Some((kept, kept_address))
            if *kept_address == address
                && kept.parts() == rayon::current_num_threads()
                && kept.block_count() == network.inputs().div_ceil(BLOCK_ROWS) =>
        {
            kept
        }
        _ => &partition.insert((partition_for(network, split), address)).0,
    };
    let job = step_job(objective, optimizer.steps(), samples);
    backward_chunks(network, split, samples, job, partition, chunks);
    let chunks = &chunks[..samples.len().div_ceil(CHUNK_REVIEWS)];
    let mut stats = add_small_gradients(gradients, chunks);
    stats.add_penalty(objective.penalty(network));
    let update = optimizer.begin_step(objective.l2);

    let layers = network.layers.iter_mut().zip(&mut gradients.layers);
    for (position, (layer, gradient)) in layers.enumerate() {
        let (first, second) = slot_layers(&mut optimizer.slots, position);
        let (first_weights, first_bias) = first.map(split_dense).unzip();
        let (second_weights, second_bias) = second.map(split_dense).unzip();
        if position == 0 {
            let slots = [first_weights, second_weights];
            update_first_weights(update, layer, slots, partition, chunks, parts);
        } else {
            update_array(
                update,
                &mut layer.weights,
                [first_weights, second_weights],
                &mut gradient.weights,
            );
        }
        update_array(
            update.without_decay(),
            &mut layer.bias,
            [first_bias, second_bias],
            &mut gradient.bias,
        );
    }
    stats
}

fn split_dense(layer: &mut Dense) -> (&mut ndarray::Array2<f32>, &mut ndarray::Array1<f32>) {
    (&mut layer.weights, &mut layer.bias)
}

/// Runs the backward pass of `samples` in chunks of [`CHUNK_REVIEWS`],
/// filling the first `samples.len().div_ceil(CHUNK_REVIEWS)` of `chunks`.
fn backward_chunks(
    network: &Network,
    split: &Split,
    samples: &[usize],
    job: StepJob,
    partition: &RowPartition,
    chunks: &mut Vec<ChunkResult>,
) {
    let needed = samples.len().div_ceil(CHUNK_REVIEWS);
    if chunks.len() < needed {
        chunks.resize_with(needed, ChunkResult::default);
    }
    samples
        .par_chunks(CHUNK_REVIEWS)
        .zip(chunks[..needed].par_iter_mut())
        .for_each(|(chunk, result)| backward_chunk(network, split, chunk, job, partition, result));
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
    update: Update,
    layer: &mut Dense,
    slots: [Option<&mut ndarray::Array2<f32>>; 2],
    partition: &RowPartition,
    chunks: &[ChunkResult],
    scratch: &mut Vec<PartScratch>,
) {
    let units = layer.units();
    let Some(weights) = layer.weights.as_slice_mut() else {
        return;
    };
    if scratch.len() < partition.parts() {
        scratch.resize_with(partition.parts(), PartScratch::default);
    }
    let [first, second] = slots.map(|slot| {
        let values = slot
            .and_then(|slot| slot.as_slice_mut())
            .unwrap_or_default();
        distribute_blocks(values, units, partition)
    });
    let weight_parts = distribute_blocks(weights, units, partition);

    weight_parts
        .into_par_iter()
        .zip(first)
        .zip(second)
        .zip(scratch[..partition.parts()].par_iter_mut())
        .enumerate()
        .for_each(
            |(part, (((mut weights, mut first), mut second), scratch))| {
                sort_updates(scratch, part, partition, chunks, weights.len());
                let rows = PartRows {
                    weights: &mut weights,
                    first: &mut first,
                    second: &mut second,
                };
                update_part(update, rows, scratch, chunks, units);
            },
        );
}

/// One part's blocks of the first layer's weights and of the optimizer's
/// values for them. A slot the optimizer does not keep has no blocks.
struct PartRows<'a, 'b> {
    weights: &'a mut [&'b mut [f32]],
    first: &'a mut [&'b mut [f32]],
    second: &'a mut [&'b mut [f32]],
}

/// Splits a flat `(rows, units)` matrix into blocks of [`BLOCK_ROWS`] rows
/// and hands each block to its part, in increasing order.
fn distribute_blocks<'a, T>(
    flat: &'a mut [T],
    units: usize,
    partition: &RowPartition,
) -> Vec<Vec<&'a mut [T]>> {
    let mut parts: Vec<Vec<&mut [T]>> = (0..partition.parts()).map(|_| Vec::new()).collect();
    for (block, rows) in (0..).zip(flat.chunks_mut((BLOCK_ROWS * units).max(1))) {
        if let Some(part) = partition.part_of(block * BLOCK_ROWS as u32) {
            parts[part].push(rows);
        }
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
    partition: &RowPartition,
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
    for &global in partition.blocks_of(part).iter().take(blocks) {
        let count: u32 = chunks
            .iter()
            .filter_map(|chunk| chunk.block_counts.get(global as usize))
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
    update: Update,
    rows: PartRows,
    scratch: &mut PartScratch,
    chunks: &[ChunkResult],
    units: usize,
) {
    let PartRows {
        weights,
        first,
        second,
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

    let blocks = weights.iter_mut().zip(block_ends.iter()).enumerate();
    for (block, (weights, &end)) in blocks {
        for &packed in &sorted[start..end] {
            let (chunk, position, row) = unpack_update(packed);
            let delta_start = position * units;
            let delta = &chunks[chunk].first_deltas[delta_start..delta_start + units];
            add_row(&mut block_gradient[row * units..(row + 1) * units], delta);
        }
        start = end;

        // Rows without a delta have a zero gradient (plus the L2 term),
        // for which the update still changes the optimizer's values, as
        // Keras does: RMSprop multiplies the velocity by rho. One pass over
        // the whole block, without a branch per row, is faster than
        // skipping them.
        let length = weights.len();
        let first = first.get_mut(block).map_or(&mut [][..], |rows| &mut **rows);
        let second = second
            .get_mut(block)
            .map_or(&mut [][..], |rows| &mut **rows);
        update.apply(weights, first, second, &mut block_gradient[..length]);
    }
}

/// Adds the first-layer deltas of part `part`'s rows, chunk by chunk in
/// review order, into the full gradient matrix `blocks`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn scatter_part(
    blocks: &mut [&mut [f32]],
    part: usize,
    partition: &RowPartition,
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
