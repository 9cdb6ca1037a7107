//! The work of one part of the first layer's rows in a step: summing its
//! rows for every review of the batch, then adding the reviews' deltas to
//! its rows and updating them.

use multiversion::multiversion;

use super::backprop::{CHUNK_REVIEWS, add_row, gather_rows, prefetch};
use super::row_split::RowSplit;
use super::step::{Shared, lock, read, write};
use super::update::Update;
use crate::data::Split;

/// One part's rows of the first layer's weights, of the optimizer's values
/// for them and of their gradient. A slot the optimizer does not keep is
/// empty.
pub(crate) struct PartRows<'a> {
    pub(crate) part: usize,
    /// Word index of the first row.
    pub(crate) offset: u32,
    pub(crate) weights: &'a mut [f32],
    pub(crate) first: &'a mut [f32],
    pub(crate) second: &'a mut [f32],
    /// Gradient rows, zeros between steps when they are applied.
    pub(crate) gradient: &'a mut [f32],
    /// Position of the first word of part 1 in each review of the batch.
    pub(crate) boundaries: Vec<u32>,
}

/// Phase 1: sums the part's rows for each review of batch `number`.
pub(crate) fn gather_part(shared: &Shared, part: &mut PartRows, number: usize) {
    let batch = shared.batches.get(number);
    if shared.objective.l2 != 0.0 {
        *lock(&shared.squares[part.part]) = part
            .weights
            .iter()
            .map(|&weight| f64::from(weight) * f64::from(weight))
            .sum();
    }
    let mut sums = write(&shared.sums[part.part]);
    sums.clear();
    sums.resize(batch.len() * shared.units, 0.0);
    part.boundaries.clear();
    let reviews = Reviews {
        split: shared.split,
        batch,
        rows: shared.rows,
        part: part.part,
    };
    gather_reviews(
        &mut sums,
        &mut part.boundaries,
        part.weights,
        part.offset,
        reviews,
    );
}

/// The reviews of a batch, as one part sees them.
#[derive(Clone, Copy)]
struct Reviews<'a> {
    split: &'a Split,
    batch: &'a [usize],
    rows: RowSplit,
    part: usize,
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn gather_reviews(
    sums: &mut [f32],
    boundaries: &mut Vec<u32>,
    weights: &[f32],
    offset: u32,
    reviews: Reviews,
) {
    let units = sums.len() / reviews.batch.len().max(1);
    let outputs = sums.chunks_exact_mut(units.max(1));
    for (position, (&sample, output)) in reviews.batch.iter().zip(outputs).enumerate() {
        if let Some(&next) = reviews.batch.get(position + 2) {
            prefetch(reviews.split.review(next));
        }
        let indices = reviews.split.review(sample);
        let boundary = reviews.rows.boundary(indices);
        boundaries.push(boundary as u32);
        let words = RowSplit::words(reviews.part, indices, boundary);
        gather_rows(output, weights, words, offset);
    }
}

/// Phase 3: adds the deltas of batch `number` to the part's gradient rows,
/// in review order, and updates the rows when the step applies them.
pub(crate) fn scatter_part(shared: &Shared, part: &mut PartRows, number: usize) {
    let batch = shared.batches.get(number);
    let chunks = batch.chunks(CHUNK_REVIEWS).zip(&shared.chunks);
    for (chunk_number, (chunk, result)) in chunks.enumerate() {
        let start = chunk_number * CHUNK_REVIEWS;
        let Some(boundaries) = part.boundaries.get(start..start + chunk.len()) else {
            continue;
        };
        let reviews = Reviews {
            split: shared.split,
            batch: chunk,
            rows: shared.rows,
            part: part.part,
        };
        let deltas = &read(result).first_deltas;
        scatter_reviews(part.gradient, part.offset, deltas, boundaries, reviews);
    }
    if let Some(update) = shared.mode.update(number, shared.objective.l2) {
        apply_rows(update, part);
    }
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn scatter_reviews(
    gradient: &mut [f32],
    offset: u32,
    deltas: &[f32],
    boundaries: &[u32],
    reviews: Reviews,
) {
    let units = deltas.len() / reviews.batch.len().max(1);
    let deltas = deltas.chunks_exact(units.max(1));
    for ((&sample, delta), &boundary) in reviews.batch.iter().zip(deltas).zip(boundaries) {
        let indices = reviews.split.review(sample);
        for &index in RowSplit::words(reviews.part, indices, boundary as usize) {
            let start = index.wrapping_sub(offset) as usize * units;
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
