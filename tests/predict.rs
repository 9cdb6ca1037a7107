//! Live prediction: encoding typed text and scoring it.

use imdb_tui::data::Vocabulary;
use imdb_tui::model::Network;
use imdb_tui::predict::{encode, predict, word_effects};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn vocabulary() -> Vocabulary {
    let words = ["the", "film", "great", "awful", "!", "7/10", "plot"];
    Vocabulary::new(words.iter().map(|word| (*word).to_owned()).collect())
}

fn network() -> Network {
    Network::new(7, &[16, 16], &mut ChaCha8Rng::seed_from_u64(3))
}

#[test]
fn encode_gives_sorted_distinct_indices() {
    let (indices, distinct) = encode(
        &vocabulary(),
        "Plot! The film, the FILM: great 7/10 unknown words unknown",
    );
    assert_eq!(indices, [0, 1, 2, 4, 5, 6]);
    // the, film, great, !, 7, 7/10, 10, plot, unknown, words
    assert_eq!(distinct, 10);
}

#[test]
fn prediction_equals_network_on_indices() {
    let vocabulary = vocabulary();
    let network = network();
    let text = "A great film, great plot!";
    let (indices, _) = encode(&vocabulary, text);
    let prediction = predict(&vocabulary, &network, text);
    assert_eq!(prediction.probability, network.probability(&indices));
    assert_eq!(prediction.known_words, 4);
    assert_eq!(prediction.distinct_words, 5);
}

#[test]
fn unknown_words_only_use_the_biases() {
    let vocabulary = vocabulary();
    let network = network();
    let prediction = predict(&vocabulary, &network, "zzz qqq zzz");
    assert_eq!(prediction.known_words, 0);
    assert_eq!(prediction.distinct_words, 2);
    assert_eq!(prediction.probability, network.probability(&[]));
    assert_eq!(predict(&vocabulary, &network, "").distinct_words, 0);
}

#[test]
fn repeated_predictions_agree() {
    let vocabulary = vocabulary();
    let network = network();
    let first = predict(&vocabulary, &network, "awful film");
    let _ = predict(&vocabulary, &network, "great plot the 7/10");
    assert_eq!(predict(&vocabulary, &network, "awful film"), first);
}

#[test]
fn word_effects_cover_each_known_word() {
    let vocabulary = vocabulary();
    let network = network();
    let effects = word_effects(&vocabulary, &network, "great awful plot unknown");
    let mut words: Vec<&str> = effects.iter().map(|effect| effect.word.as_str()).collect();
    words.sort_unstable();
    assert_eq!(words, ["awful", "great", "plot"]);
    let strengths: Vec<f32> = effects.iter().map(|effect| effect.effect.abs()).collect();
    assert!(
        strengths.windows(2).all(|pair| pair[0] >= pair[1]),
        "{strengths:?}"
    );
}

/// Returns what `encode` must return, built from the public tokenizer and
/// one vocabulary lookup per token.
fn encode_by_tokens(vocabulary: &Vocabulary, text: &str) -> (Vec<u32>, usize) {
    let tokens: std::collections::BTreeSet<String> = imdb_tui::data::tokenize::tokenize(text)
        .into_iter()
        .collect();
    let indices: std::collections::BTreeSet<u32> = tokens
        .iter()
        .filter_map(|token| vocabulary.index_of(token))
        .collect();
    (indices.into_iter().collect(), tokens.len())
}

#[test]
fn encode_matches_tokens_of_long_review() {
    let words = [
        "the",
        "film",
        "is",
        "a",
        "wonderful",
        "unbelievably",
        "supercalifragilistic",
        "9",
        "9/10",
        "10",
        "!",
        "don",
        "t",
        "café",
        "acting",
    ];
    let vocabulary = Vocabulary::new(words.iter().map(|word| (*word).to_owned()).collect());
    let text = "The film is a WONDERFUL, Unbelievably supercalifragilistic piece of \
                acting!<br /><br />I don't think the café scene works, but 9/10. \
                Supercalifragilistic acting, the Wonderful acting, a film, a FILM?";
    assert!(text.len() > 128);
    for start in 0..text.len() {
        let Some(slice) = text.get(start..) else {
            continue;
        };
        assert_eq!(
            encode(&vocabulary, slice),
            encode_by_tokens(&vocabulary, slice),
            "text from byte {start}"
        );
    }
}
