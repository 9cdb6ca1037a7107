//! The cut of the first layer's rows into the two parts of a training step.
//!
//! Part 0 has the rows below the cut row and part 1 the rest. A review's
//! word indices are sorted, so its words of part 0 come first and those of
//! part 1 follow. Each part sums its rows for every review of a batch, and
//! later adds the batch's deltas to its rows and updates them, so the parts
//! never touch each other's rows and can run on two threads.
//!
//! Words are indexed by falling frequency: part 0 gets few rows that nearly
//! every review uses, and part 1 many rows that reviews use seldom. The cut
//! balances the two: a row costs about as much to update as
//! [`ROW_COST`] row additions, and a review's word costs two additions, one
//! forward and one backward.

use std::ops::Range;

use crate::data::Split;

/// The two parts of the rows. Fixed, so that results do not depend on the
/// number of threads.
pub(crate) const PARTS: usize = 2;

/// Cost of one row's optimizer update, in row additions: of 6, 9, 12 and
/// 18, 12 gave the fastest 20-epoch runs of the classic recipe on two
/// threads.
const ROW_COST: u64 = 12;

/// Cost of one review word: the forward and the backward addition.
const WORD_COST: u64 = 2;

/// Reviews, the first ones of a split, that estimate how often each row is
/// used: as many as a batch of the classic recipe.
const SAMPLE_REVIEWS: usize = 512;

/// The rows of the two parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RowSplit {
    cut: u32,
    rows: u32,
}

impl RowSplit {
    /// Cuts `rows` rows where the work of the two parts is closest to even,
    /// judged by the words of the first reviews of `split`.
    pub(crate) fn balanced(split: &Split, rows: usize) -> Self {
        let mut uses = vec![0_u64; rows];
        for sample in 0..split.len().min(SAMPLE_REVIEWS) {
            for &index in split.review(sample) {
                if let Some(count) = uses.get_mut(index as usize) {
                    *count += 1;
                }
            }
        }
        // A row's work in a step on a batch of the sampled reviews.
        let cost = |uses: u64| ROW_COST + WORD_COST * uses;
        let total: u64 = uses.iter().map(|&count| cost(count)).sum();
        let mut below = 0;
        let mut cut = rows;
        for (row, &count) in uses.iter().enumerate() {
            if 2 * below >= total {
                cut = row;
                break;
            }
            below += cost(count);
        }
        Self {
            cut: cut as u32,
            rows: rows as u32,
        }
    }

    /// Returns the rows of `part`.
    pub(crate) fn rows(&self, part: usize) -> Range<usize> {
        if part == 0 {
            0..self.cut as usize
        } else {
            self.cut as usize..self.rows as usize
        }
    }

    /// Returns the position in `indices`, sorted, of the first word of
    /// part 1.
    #[inline(always)]
    pub(crate) fn boundary(&self, indices: &[u32]) -> usize {
        indices.partition_point(|&index| index < self.cut)
    }

    /// Returns the words of `part` among the sorted `indices`, given their
    /// [`Self::boundary`].
    #[inline(always)]
    pub(crate) fn words(part: usize, indices: &[u32], boundary: usize) -> &[u32] {
        let (first, second) = indices.split_at(boundary.min(indices.len()));
        if part == 0 { first } else { second }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_of(reviews: &[Vec<u32>]) -> Split {
        let mut split = Split {
            offsets: vec![0],
            ..Split::default()
        };
        for review in reviews {
            split.indices.extend_from_slice(review);
            split.offsets.push(split.indices.len());
            split.labels.push(0);
            split.ratings.push(1);
        }
        split
    }

    #[test]
    fn unused_rows_are_cut_in_half() {
        let rows = RowSplit::balanced(&Split::default(), 100);
        assert_eq!(rows.rows(0), 0..50);
        assert_eq!(rows.rows(1), 50..100);
    }

    #[test]
    fn used_rows_move_the_cut_down() {
        // All 100 reviews use rows 0 to 39: each of those costs 12 for its
        // update and 200 for its words, the other 60 rows 12 each. Rows 0
        // to 21 take 4,664 of the 9,200.
        let reviews = vec![(0..40).collect::<Vec<u32>>(); 100];
        let rows = RowSplit::balanced(&split_of(&reviews), 100);
        assert_eq!(rows.rows(0), 0..22);
        assert_eq!(rows.rows(1), 22..100);
    }

    #[test]
    fn words_divide_at_the_cut() {
        let rows = RowSplit { cut: 10, rows: 20 };
        let indices = [1, 4, 9, 10, 15];
        let boundary = rows.boundary(&indices);
        assert_eq!(boundary, 3);
        assert_eq!(RowSplit::words(0, &indices, boundary), [1, 4, 9]);
        assert_eq!(RowSplit::words(1, &indices, boundary), [10, 15]);
    }
}
