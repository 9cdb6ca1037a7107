//! The hash and the 8-byte prefix by which the word tables find a word.
//!
//! Both are built from whole 8-byte or 4-byte loads, because most tokens
//! are shorter than 9 bytes and a byte-at-a-time hash costs more than the
//! table lookup that follows it.

/// Multiplier of the folded multiply, the 64-bit golden ratio constant
/// (2^64 divided by the golden ratio, made odd).
const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// Constant mixed into each 8-byte chunk, so that a chunk of zeros still
/// changes the hash.
const CHUNK_SEED: u64 = 0x243F_6A88_85A3_08D3;

/// Returns the 64-bit hash of `word` that the encoder's word table and the
/// vocabulary's lookup use. Every byte and the length take part, so words
/// that share a prefix and a suffix still spread over the table.
pub(crate) fn word_hash(word: &[u8]) -> u64 {
    if word.len() <= 8 {
        return short_word_hash(word_prefix(word), word.len());
    }
    long_word_hash(word)
}

/// Returns the [`word_hash`] of `word`, given its [`word_prefix`]. Callers
/// that already have the prefix skip the branches on the length that
/// building it takes.
pub(crate) fn word_hash_with_prefix(word: &[u8], prefix: u64) -> u64 {
    debug_assert_eq!(prefix, word_prefix(word));
    if word.len() <= 8 {
        return short_word_hash(prefix, word.len());
    }
    long_word_hash(word)
}

/// Hash of a word of at most 8 bytes, which its prefix and length decide.
fn short_word_hash(prefix: u64, length: usize) -> u64 {
    folded_multiply(prefix ^ CHUNK_SEED, length as u64 ^ MULTIPLIER)
}

fn long_word_hash(word: &[u8]) -> u64 {
    let length = word.len() as u64;
    let mut state = length ^ MULTIPLIER;
    let mut chunks = word.chunks_exact(8);
    for chunk in &mut chunks {
        state = folded_multiply(load_u64(chunk) ^ CHUNK_SEED, state);
    }
    if !chunks.remainder().is_empty() {
        // The last 8 bytes overlap the last whole chunk, which is fine
        // because the length is part of the state.
        let tail = &word[word.len() - 8..];
        state = folded_multiply(load_u64(tail) ^ CHUNK_SEED, state);
    }
    state
}

/// Multiplies `a` by `b` to 128 bits and XORs the two halves, which mixes
/// every input bit into the low and high bits of the result.
fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

fn load_u64(bytes: &[u8]) -> u64 {
    let mut head = [0_u8; 8];
    head.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(head)
}

/// Returns the first 8 bytes of `word` as a little-endian number,
/// zero-padded. Builds the value from whole loads, because copying the bytes
/// into an array and reading it back as one number stalls on store-to-load
/// forwarding in the encoder's hot loop.
pub(crate) fn word_prefix(word: &[u8]) -> u64 {
    let length = word.len();
    if let Some(head) = word.first_chunk::<8>() {
        return u64::from_le_bytes(*head);
    }
    if length >= 4 {
        // Two 4-byte loads overlap when the word is shorter than 8. The
        // overlapping bytes are equal, so OR-ing them keeps them intact.
        let low = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        let tail = &word[length - 4..];
        let high = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
        return u64::from(low) | (u64::from(high) << ((length - 4) * 8));
    }
    if length > 0 {
        // The first, middle and last byte cover every length from 1 to 3.
        return u64::from(word[0])
            | (u64::from(word[length / 2]) << (length / 2 * 8))
            | (u64::from(word[length - 1]) << ((length - 1) * 8));
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_prefix_matches_padded_bytes() {
        let text = b"abcdefghijk";
        for length in 0..=text.len() {
            let word = &text[..length];
            let mut padded = [0_u8; 8];
            let copied = length.min(8);
            padded[..copied].copy_from_slice(&word[..copied]);
            assert_eq!(
                word_prefix(word),
                u64::from_le_bytes(padded),
                "length {length}"
            );
        }
    }

    #[test]
    fn word_hash_depends_on_every_byte() {
        let word = b"abcdefghijklmnopqrstuvwxyz".to_vec();
        for length in 0..=word.len() {
            let base = word_hash(&word[..length]);
            for position in 0..length {
                let mut changed = word[..length].to_vec();
                changed[position] ^= 1;
                assert_ne!(
                    word_hash(&changed),
                    base,
                    "length {length}, byte {position}"
                );
            }
        }
    }

    #[test]
    fn hash_with_prefix_matches_word_hash() {
        let text = b"abcdefghijklmnopq";
        for length in 0..=text.len() {
            let word = &text[..length];
            assert_eq!(
                word_hash_with_prefix(word, word_prefix(word)),
                word_hash(word),
                "length {length}"
            );
        }
    }

    #[test]
    fn word_hash_depends_on_length() {
        // Zero bytes pad the prefix, so only the length distinguishes them.
        assert_ne!(word_hash(b"a"), word_hash(b"a\0"));
        assert_ne!(word_hash(b""), word_hash(b"\0"));
        assert_ne!(word_hash(b"abcdefgh\0"), word_hash(b"abcdefgh\0\0"));
    }
}
