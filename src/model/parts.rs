//! The work of one part of the first layer's rows in a step: summing its
//! rows for every review of the batch, then adding the reviews' deltas to
//! its rows and updating them.

use multiversion::multiversion;

use super::backprop::{CHUNK_REVIEWS, add_row, gather_rows, prefetch};
use super::objective::sum_of_squares;
use super::parted::{PartWords, Reviews, Row};
use super::step::{Shared, lock, read, write};
use super::update::Update;

/// Reviews ahead of the current one whose words are fetched into the
/// cache.
const PREFETCH_AHEAD: usize = 4;

/// One part's rows of the first layer's weights, of the optimizer's values
/// for them and of their gradient. A slot the optimizer does not keep is
/// empty.
pub(crate) struct PartRows<'a> {
    pub(crate) part: usize,
    pub(crate) weights: &'a mut [f32],
    pub(crate) first: &'a mut [f32],
    pub(crate) second: &'a mut [f32],
    /// Gradient rows, zeros between steps when they are applied.
    pub(crate) gradient: &'a mut [f32],
}

/// Phase 1: sums the part's rows for each review of batch `number`.
pub(crate) fn gather_part(shared: &Shared, part: &PartRows, number: usize) {
    let batch = shared.batches.get(number);
    if shared.objective.l2 != 0.0 {
        *lock(&shared.squares[part.part][number % 2]) = sum_of_squares(part.weights);
    }
    let mut sums = write(&shared.sums[part.part]);
    sums.clear();
    sums.resize(batch.len() * shared.units, 0.0);
    match &shared.parted.parts[part.part] {
        PartWords::Narrow(reviews) => gather_narrow(&mut sums, part.weights, reviews, batch),
        PartWords::Wide(reviews) => gather_wide(&mut sums, part.weights, reviews, batch),
    }
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn gather_narrow(sums: &mut [f32], weights: &[f32], reviews: &Reviews<u16>, batch: &[usize]) {
    gather_reviews(sums, weights, reviews, batch);
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn gather_wide(sums: &mut [f32], weights: &[f32], reviews: &Reviews<u32>, batch: &[usize]) {
    gather_reviews(sums, weights, reviews, batch);
}

#[inline(always)]
fn gather_reviews<R: Row>(
    sums: &mut [f32],
    weights: &[f32],
    reviews: &Reviews<R>,
    batch: &[usize],
) {
    let units = sums.len() / batch.len().max(1);
    let outputs = sums.chunks_exact_mut(units.max(1));
    for (position, (&sample, output)) in batch.iter().zip(outputs).enumerate() {
        if let Some(&next) = batch.get(position + PREFETCH_AHEAD) {
            prefetch(reviews.review(next));
        }
        gather_rows(output, weights, reviews.review(sample));
    }
}

/// Phase 3: adds the deltas of batch `number` to the part's gradient rows,
/// in review order, and updates the rows when the step applies them.
pub(crate) fn scatter_part(shared: &Shared, part: &mut PartRows, number: usize) {
    let batch = shared.batches.get(number);
    let chunks = batch.chunks(CHUNK_REVIEWS).zip(&shared.chunks);
    for (chunk, result) in chunks {
        let deltas = &read(result).first_deltas;
        match &shared.parted.parts[part.part] {
            PartWords::Narrow(reviews) => scatter_narrow(part.gradient, deltas, reviews, chunk),
            PartWords::Wide(reviews) => scatter_wide(part.gradient, deltas, reviews, chunk),
        }
    }
    if let Some(update) = shared.mode.update(number, shared.objective.l2) {
        apply_rows(update, part);
    }
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn scatter_narrow(gradient: &mut [f32], deltas: &[f32], reviews: &Reviews<u16>, chunk: &[usize]) {
    scatter_reviews(gradient, deltas, reviews, chunk);
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn scatter_wide(gradient: &mut [f32], deltas: &[f32], reviews: &Reviews<u32>, chunk: &[usize]) {
    scatter_reviews(gradient, deltas, reviews, chunk);
}

/// Adds each review's delta, `deltas` holding one per review of `chunk`,
/// to the gradient rows of its words.
#[inline(always)]
fn scatter_reviews<R: Row>(
    gradient: &mut [f32],
    deltas: &[f32],
    reviews: &Reviews<R>,
    chunk: &[usize],
) {
    let units = deltas.len() / chunk.len().max(1);
    for (&sample, delta) in chunk.iter().zip(deltas.chunks_exact(units.max(1))) {
        for &row in reviews.review(sample) {
            let start = row.get() * units;
            if let Some(row) = gradient.get_mut(start..start + units) {
                add_row(row, delta);
            }
        }
    }
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn apply_rows(update: Update, part: &mut PartRows) {
    update.apply(part.weights, part.first, part.second, part.gradient);
}
