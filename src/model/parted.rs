//! A split's word indices regrouped by the two parts of the first layer's
//! rows, built once per run.
//!
//! Each thread of a step reads only the words of its own part, as row
//! numbers within the part, in 16 bits when the part has at most 65,536
//! rows. That halves the bytes a step fetches for the reviews of a batch,
//! which arrive in shuffled order and so mostly from main memory.

use super::row_split::{PARTS, RowSplit};
use crate::data::Split;

/// A split with its reviews' words cut by a [`RowSplit`].
pub struct PartedSplit<'a> {
    pub(crate) split: &'a Split,
    pub(crate) rows: RowSplit,
    pub(crate) parts: [PartWords; PARTS],
}

impl<'a> PartedSplit<'a> {
    /// Regroups `split` for a first layer of `rows` rows.
    pub fn new(split: &'a Split, rows: usize) -> Self {
        let cut = RowSplit::balanced(split, rows);
        let parts = [0, 1].map(|part| PartWords::of(split, cut, part));
        Self {
            split,
            rows: cut,
            parts,
        }
    }

    pub fn split(&self) -> &'a Split {
        self.split
    }
}

/// One part's words of every review, as rows counted from the part's first
/// row.
pub(crate) enum PartWords {
    Narrow(Reviews<u16>),
    Wide(Reviews<u32>),
}

impl PartWords {
    fn of(split: &Split, cut: RowSplit, part: usize) -> Self {
        let rows = cut.rows(part);
        let offset = rows.start as u32;
        if rows.len() <= 1 << 16 {
            Self::Narrow(Reviews::of(split, cut, part, |index| {
                (index - offset) as u16
            }))
        } else {
            Self::Wide(Reviews::of(split, cut, part, |index| index - offset))
        }
    }
}

/// Rows of each review, review after review.
pub(crate) struct Reviews<T> {
    /// Start of each review in `rows`, plus one final end.
    offsets: Vec<usize>,
    rows: Vec<T>,
}

impl<T: Copy> Reviews<T> {
    fn of(split: &Split, cut: RowSplit, part: usize, row: impl Fn(u32) -> T) -> Self {
        let mut offsets = Vec::with_capacity(split.len() + 1);
        let mut rows = Vec::with_capacity(split.indices.len() / PARTS);
        offsets.push(0);
        let end = cut.rows(part).end;
        for sample in 0..split.len() {
            let indices = split.review(sample);
            let words = RowSplit::words(part, indices, cut.boundary(indices));
            // Words past the last row are left out, as the forward pass of
            // prediction and evaluation skips them.
            let known = words.partition_point(|&index| (index as usize) < end);
            rows.extend(words[..known].iter().map(|&index| row(index)));
            offsets.push(rows.len());
        }
        Self { offsets, rows }
    }

    /// Rows of review `sample`; none past the last review.
    #[inline(always)]
    pub(crate) fn review(&self, sample: usize) -> &[T] {
        match (self.offsets.get(sample), self.offsets.get(sample + 1)) {
            (Some(&start), Some(&end)) => self.rows.get(start..end).unwrap_or_default(),
            _ => &[],
        }
    }
}

/// A row number stored in a narrow integer.
pub(crate) trait Row: Copy {
    fn get(self) -> usize;
}

impl Row for u16 {
    #[inline(always)]
    fn get(self) -> usize {
        usize::from(self)
    }
}

impl Row for u32 {
    #[inline(always)]
    fn get(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_count_rows_from_their_start() {
        let split = Split {
            offsets: vec![0, 3, 3, 5],
            indices: vec![0, 60, 99, 1, 2],
            labels: vec![0, 1, 0],
            ratings: vec![1, 10, 1],
        };
        let parted = PartedSplit::new(&split, 100);
        let cut = parted.rows.rows(1).start;
        assert!((3..=60).contains(&cut), "cut at {cut}");
        let [PartWords::Narrow(first), PartWords::Narrow(second)] = &parted.parts else {
            unreachable!("parts of 100 rows are narrow");
        };
        assert_eq!(first.review(0), [0]);
        assert_eq!(first.review(2), [1, 2]);
        assert_eq!(second.review(0), [60 - cut as u16, 99 - cut as u16]);
        assert!(second.review(1).is_empty());
        assert!(second.review(2).is_empty());
        assert!(first.review(3).is_empty());
    }

    #[test]
    fn large_part_is_wide() {
        let split = Split {
            offsets: vec![0, 1],
            indices: vec![139_999],
            labels: vec![1],
            ratings: vec![10],
        };
        let parted = PartedSplit::new(&split, 140_000);
        let PartWords::Wide(second) = &parted.parts[1] else {
            unreachable!("the second part has more than 65,536 rows");
        };
        let start = parted.rows.rows(1).start as u32;
        assert_eq!(second.review(0), [139_999 - start]);
    }
}
