//! Live prediction: review text to the probability that it is positive.

use crate::data::Vocabulary;
use crate::data::tokenize::for_each_token;
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
    let mut unknown = Vec::new();
    for_each_token(text.as_bytes(), |word| match vocabulary.index_of(word) {
        Some(index) => indices.push(index),
        None => unknown.push(word.to_owned()),
    });
    indices.sort_unstable();
    indices.dedup();
    unknown.sort_unstable();
    unknown.dedup();
    let distinct_words = indices.len() + unknown.len();
    (indices, distinct_words)
}

/// Predicts the probability that `text` is a positive review.
pub fn predict(vocabulary: &Vocabulary, network: &Network, text: &str) -> Prediction {
    let (indices, distinct_words) = encode(vocabulary, text);
    Prediction {
        probability: network.probability(&indices),
        distinct_words,
        known_words: indices.len(),
    }
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
