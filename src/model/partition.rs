//! The assignment of the first layer's rows to the threads that sum and
//! update them.
//!
//! The rows are cut into blocks of [`BLOCK_ROWS`], and each block belongs to
//! one part, one part per thread. Words are indexed by falling frequency, so
//! the first blocks take far more updates than the last ones. Blocks are
//! therefore dealt out by their expected work, busiest first, each to the
//! part with the least work so far. The partition changes only who adds a row's
//! deltas, never their order, so results do not depend on it.

use crate::data::Split;

/// First-layer weight rows per block.
pub(crate) const BLOCK_ROWS: usize = 64;

/// Cost of updating one block's rows, in row additions. The optimizer's
/// update of a row costs roughly two row additions: an estimate from
/// profiles of full-data runs, where the split is not sensitive to it.
const BLOCK_COST: u64 = 2 * BLOCK_ROWS as u64;

/// Reviews, the first ones of a split, that estimate how busy each block is.
const SAMPLE_REVIEWS: usize = 512;

/// The blocks of first-layer rows of each part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RowPartition {
    /// Part of each block.
    part: Vec<u32>,
    /// Position of each block among its part's blocks.
    position: Vec<u32>,
    /// Blocks of each part, in increasing order.
    blocks: Vec<Vec<u32>>,
}

impl RowPartition {
    /// Deals the blocks of `rows` rows out to `parts` parts, weighing each
    /// block by its words in the first reviews of `split`.
    pub(crate) fn balanced(split: &Split, rows: usize, parts: usize) -> Self {
        let parts = parts.max(1);
        let block_count = rows.div_ceil(BLOCK_ROWS);
        let mut work = vec![BLOCK_COST; block_count];
        for sample in 0..split.len().min(SAMPLE_REVIEWS) {
            for &index in split.review(sample) {
                if let Some(block) = work.get_mut(index as usize / BLOCK_ROWS) {
                    *block += 1;
                }
            }
        }
        let mut busiest_first: Vec<usize> = (0..block_count).collect();
        busiest_first.sort_by_key(|&block| std::cmp::Reverse(work[block]));

        let mut load = vec![0_u64; parts];
        let mut blocks = vec![Vec::new(); parts];
        for block in busiest_first {
            let (lightest, _) = load
                .iter()
                .enumerate()
                .min_by_key(|&(part, &load)| (load, part))
                .unwrap_or((0, &0));
            load[lightest] += work[block];
            blocks[lightest].push(block as u32);
        }
        Self::from_blocks(blocks, block_count)
    }

    fn from_blocks(mut blocks: Vec<Vec<u32>>, block_count: usize) -> Self {
        let mut part = vec![0; block_count];
        let mut position = vec![0; block_count];
        for (owner, owned) in (0..).zip(&mut blocks) {
            owned.sort_unstable();
            for (rank, &block) in (0..).zip(owned.iter()) {
                part[block as usize] = owner;
                position[block as usize] = rank;
            }
        }
        Self {
            part,
            position,
            blocks,
        }
    }

    pub(crate) fn parts(&self) -> usize {
        self.blocks.len()
    }

    /// Returns the number of blocks of rows.
    pub(crate) fn block_count(&self) -> usize {
        self.part.len()
    }

    /// Returns the part that owns the row of word `index`, or `None` past
    /// the last row.
    #[inline(always)]
    pub(crate) fn part_of(&self, index: u32) -> Option<usize> {
        self.part
            .get(index as usize / BLOCK_ROWS)
            .map(|&part| part as usize)
    }

    /// Returns the position of `index`'s block among its part's blocks.
    #[inline(always)]
    pub(crate) fn block_in_part(&self, index: u32) -> usize {
        self.position
            .get(index as usize / BLOCK_ROWS)
            .map_or(usize::MAX, |&position| position as usize)
    }

    /// Returns the blocks of `part`, in increasing order.
    pub(crate) fn blocks_of(&self, part: usize) -> &[u32] {
        self.blocks.get(part).map_or(&[], Vec::as_slice)
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
    fn busy_first_block_gets_a_part_alone() {
        // Block 0 is in all 300 reviews: 300 + 128 units of work against
        // 128 for each of the three quiet blocks.
        let reviews = vec![vec![0]; 300];
        let partition = RowPartition::balanced(&split_of(&reviews), 4 * BLOCK_ROWS, 2);
        assert_eq!(partition.blocks_of(0), [0]);
        assert_eq!(partition.blocks_of(1), [1, 2, 3]);
        assert_eq!(partition.part_of(70), Some(1));
        assert_eq!(partition.block_in_part(200), 2);
        assert_eq!(partition.part_of(4 * BLOCK_ROWS as u32), None);
    }

    #[test]
    fn quiet_blocks_alternate() {
        let partition = RowPartition::balanced(&Split::default(), 4 * BLOCK_ROWS, 2);
        assert_eq!(partition.blocks_of(0), [0, 2]);
        assert_eq!(partition.blocks_of(1), [1, 3]);
        assert_eq!(partition.block_count(), 4);
    }

    #[test]
    fn one_part_owns_every_block() {
        let partition = RowPartition::balanced(&Split::default(), 130, 1);
        assert_eq!(partition.parts(), 1);
        assert_eq!(partition.blocks_of(0), [0, 1, 2]);
    }
}
