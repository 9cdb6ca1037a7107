//! Live prediction: review text to the probability that it is positive.

use std::cell::RefCell;

use crate::data::Vocabulary;
use crate::data::tokenize::for_each_token_with_prefix;
use crate::data::word_hash::word_hash_with_prefix;
use crate::model::{Network, sigmoid};

/// How much one known word moves the prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct WordEffect {
    pub word: String,
    /// Probability with the word minus probability without it: positive
    /// values push towards a positive review.
    pub effect: f32,
}

/// The model's reading of one review.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// Probability that the review is positive, in 0..=1.
    pub probability: f32,
    /// Distinct words of the review.
    pub distinct_words: usize,
    /// Distinct words that are in the vocabulary; only these reach the
    /// network. With none, the probability comes from the biases alone.
    pub known_words: usize,
}

/// Returns the sorted, distinct vocabulary indices of the words in `text`,
/// and the number of distinct words, known or not.
pub fn encode(vocabulary: &Vocabulary, text: &str) -> (Vec<u32>, usize) {
    let mut indices = Vec::new();
    let mut seen = Vec::new();
    let mut unknown = Vec::new();
    let distinct_words = encode_into(vocabulary, text, &mut indices, &mut seen, &mut unknown);
    (indices, distinct_words)
}

/// Fills `indices` with the sorted, distinct vocabulary indices of `text`
/// and returns the number of distinct words. The other two arguments are
/// scratch space. `seen` has a bit per vocabulary word and is all zeros
/// before and after. `unknown` receives 64-bit hashes of the words outside
/// the vocabulary, which count them without copies, so two unknown words
/// count as one only when their hashes collide.
fn encode_into(
    vocabulary: &Vocabulary,
    text: &str,
    indices: &mut Vec<u32>,
    seen: &mut Vec<u64>,
    unknown: &mut Vec<u64>,
) -> usize {
    indices.clear();
    unknown.clear();
    seen.resize(vocabulary.len().div_ceil(64), 0);
    for_each_token_with_prefix(text.as_bytes(), |word, prefix| {
        match vocabulary.index_of_token(word, prefix) {
            Some(index) => seen[index as usize / 64] |= 1 << (index % 64),
            None => unknown.push(word_hash_with_prefix(word, prefix)),
        }
    });

    for (block, bits) in seen.iter_mut().enumerate() {
        let mut remaining = std::mem::take(bits);
        while remaining != 0 {
            indices.push((block * 64) as u32 + remaining.trailing_zeros());
            remaining &= remaining - 1;
        }
    }
    unknown.sort_unstable();
    unknown.dedup();
    indices.len() + unknown.len()
}

/// Buffers of [`predict`], reused so that a keystroke allocates nothing.
#[derive(Default)]
struct Buffers {
    indices: Vec<u32>,
    seen: Vec<u64>,
    unknown: Vec<u64>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// Predicts the probability that `text` is a positive review.
pub fn predict(vocabulary: &Vocabulary, network: &Network, text: &str) -> Prediction {
    BUFFERS.with_borrow_mut(|buffers| {
        let Buffers {
            indices,
            seen,
            unknown,
        } = buffers;
        let distinct_words = encode_into(vocabulary, text, indices, seen, unknown);
        Prediction {
            probability: network.probability(indices),
            distinct_words,
            known_words: indices.len(),
        }
    })
}

/// Returns the effect of each known word of `text`, measured by leaving it
/// out, strongest first.
pub fn word_effects(vocabulary: &Vocabulary, network: &Network, text: &str) -> Vec<WordEffect> {
    let (indices, _) = encode(vocabulary, text);
    let with_all = sigmoid(network.logit(&indices));
    let mut without = Vec::with_capacity(indices.len());
    let mut effects = Vec::with_capacity(indices.len());
    for position in 0..indices.len() {
        without.clear();
        without.extend_from_slice(&indices[..position]);
        without.extend_from_slice(&indices[position + 1..]);
        let word = vocabulary.word(indices[position]).unwrap_or_default();
        effects.push(WordEffect {
            word: word.to_owned(),
            effect: with_all - sigmoid(network.logit(&without)),
        });
    }
    effects.sort_by(|a, b| b.effect.abs().total_cmp(&a.effect.abs()));
    effects
}
