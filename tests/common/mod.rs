//! Small hand-built datasets for tests.

#![allow(dead_code)]

use imdb_tui::data::{Dataset, Split, Vocabulary};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Builds a split of `reviews` random reviews over `vocabulary` words.
/// Words below `vocabulary / 4` lean positive and the next quarter leans
/// negative, so a network can learn the labels.
pub fn synthetic_split(reviews: usize, vocabulary: u32, seed: u64) -> Split {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut split = Split {
        offsets: vec![0],
        ..Split::default()
    };
    for _ in 0..reviews {
        let positive = rng.random_bool(0.5);
        let mut indices: Vec<u32> = (0..rng.random_range(1..12))
            .map(|_| {
                let quarter = vocabulary / 4;
                if rng.random_bool(0.5) {
                    let offset = if positive { 0 } else { quarter };
                    offset + rng.random_range(0..quarter)
                } else {
                    rng.random_range(0..vocabulary)
                }
            })
            .collect();
        indices.sort_unstable();
        indices.dedup();
        split.indices.extend(&indices);
        split.offsets.push(split.indices.len());
        split.labels.push(u8::from(positive));
        split.ratings.push(if positive { 8 } else { 2 });
    }
    split
}

/// Builds a dataset of synthetic train and test splits.
pub fn synthetic_dataset(train: usize, test: usize, vocabulary: u32) -> Dataset {
    let words = (0..vocabulary)
        .map(|index| format!("word{index}"))
        .collect();
    Dataset {
        source: "synthetic".to_owned(),
        vocabulary: Vocabulary::new(words),
        train: synthetic_split(train, vocabulary, 1),
        test: synthetic_split(test, vocabulary, 2),
    }
}

pub mod binary;
pub mod reviews;
