//! The tokenizer's block path: plain ASCII words found from bit masks of a
//! 64-byte window.
//!
//! Scanning a word at a time makes each token wait for the previous one,
//! because the next word's start is known only after the last one's end was
//! loaded and compared. Here the window is classified first, with no branch
//! per byte. Word starts and ends then come from its masks, so the positions
//! of later words do not depend on earlier loads.

use super::{ascii_lowercase_lanes, push_ascii_lowercase, run_prefix};

/// Bytes classified at once.
const WINDOW: usize = 64;

/// One bit per byte of a window, bit `i` for byte `i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct WindowMasks {
    /// ASCII letters and digits.
    word: u64,
    /// ASCII capitals.
    upper: u64,
    /// Bytes that only [`super::for_each_token_with_prefix`]'s general
    /// path handles: non-ASCII bytes, which may continue a word, `!` and
    /// `?`, which are tokens, `<`, which may open a line break, and `/`,
    /// which may join a score.
    special: u64,
}

/// Emits the words of the window that starts at `position` which end at an
/// ASCII separator before the window's first special byte. Returns the
/// position where the general path must go on: the start of the first word
/// not emitted, or the first special byte, or the end of the window.
///
/// `position` must not lie inside a word, and `word` must be empty. Bytes
/// past the end of `text` read as NUL, a separator.
pub(super) fn emit_plain_words(
    text: &[u8],
    position: usize,
    word: &mut String,
    emit: &mut impl FnMut(&[u8], u64),
) -> usize {
    let masks = match text
        .get(position..)
        .and_then(|rest| rest.first_chunk::<WINDOW>())
    {
        Some(window) => classify(window),
        None => classify(&padded_window(&text[position.min(text.len())..])),
    };
    let limit = masks.special.trailing_zeros() as usize;
    let mut starts = masks.word & !(masks.word << 1);
    let mut ends = !masks.word & (masks.word << 1);

    while starts != 0 {
        let start = starts.trailing_zeros() as usize;
        let end = ends.trailing_zeros() as usize;
        if end >= limit {
            return position + start.min(limit);
        }
        starts &= starts - 1;
        ends &= ends - 1;

        let run = &text[position + start..position + end];
        let prefix = run_prefix(text, position + start, position + end);
        let run_bits = (1_u64 << (end - start)) - 1;
        if (masks.upper >> start) & run_bits == 0 {
            emit(run, prefix);
        } else {
            push_ascii_lowercase(word, run);
            emit(word.as_bytes(), ascii_lowercase_lanes(prefix));
            word.clear();
        }
    }
    (position + limit).min(text.len())
}

/// Copies the bytes of `rest` that fit into a window of NUL bytes.
fn padded_window(rest: &[u8]) -> [u8; WINDOW] {
    let mut window = [0; WINDOW];
    let length = rest.len().min(WINDOW);
    window[..length].copy_from_slice(&rest[..length]);
    window
}

/// Classifies the 64 bytes of `window`, 16 at a time with SSE2, which
/// every x86-64 processor has.
///
/// Safe Rust has no way to pack a vector compare into bits, so
/// [`classify_portable`] packs with multiplies instead. Predicting the
/// 163-word review of `benches/train.rs` took 1.74 µs with it and 1.61 µs
/// with this function. Both are medians of a timing loop on a Xeon with
/// AVX-512, where predicting with the word-at-a-time tokenizer took 2.00 µs.
#[cfg(target_arch = "x86_64")]
fn classify(window: &[u8; WINDOW]) -> WindowMasks {
    // SAFETY: SSE2 is part of the x86-64 baseline, so every x86-64
    // processor runs `classify_sse2`.
    unsafe { classify_sse2(window) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn classify_sse2(window: &[u8; WINDOW]) -> WindowMasks {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set_epi64x, _mm_set1_epi8,
    };

    // Bytes of `x` below `bound`, read as unsigned.
    let below = |x: __m128i, bound: u8| {
        _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8((bound - 1) as i8)), x)
    };
    let offset = |x: __m128i, from: u8| _mm_add_epi8(x, _mm_set1_epi8(from.wrapping_neg() as i8));
    let equal = |x: __m128i, value: u8| _mm_cmpeq_epi8(x, _mm_set1_epi8(value as i8));
    let bits = |x: __m128i| u64::from(_mm_movemask_epi8(x) as u16);

    let mut masks = WindowMasks {
        word: 0,
        upper: 0,
        special: 0,
    };
    let (chunks, _) = window.as_chunks::<16>();
    for (index, chunk) in chunks.iter().enumerate() {
        let (halves, _) = chunk.as_chunks::<8>();
        let bytes = _mm_set_epi64x(i64::from_le_bytes(halves[1]), i64::from_le_bytes(halves[0]));
        let letters = below(offset(_mm_or_si128(bytes, _mm_set1_epi8(0x20)), b'a'), 26);
        let digits = below(offset(bytes, b'0'), 10);
        let upper = below(offset(bytes, b'A'), 26);
        let marks = _mm_or_si128(
            _mm_or_si128(equal(bytes, b'!'), equal(bytes, b'?')),
            _mm_or_si128(equal(bytes, b'<'), equal(bytes, b'/')),
        );
        let shift = index * 16;
        masks.word |= bits(_mm_or_si128(letters, digits)) << shift;
        masks.upper |= bits(upper) << shift;
        // The sign bit of each byte marks the non-ASCII ones.
        masks.special |= bits(_mm_or_si128(marks, bytes)) << shift;
    }
    masks
}

/// Classifies the 64 bytes of `window` without processor-specific code.
/// Each class is first computed as a byte of 0 or 1 per input byte, a loop
/// the compiler turns into vector compares, and then packed 8 bytes at a
/// time.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn classify_portable(window: &[u8; WINDOW]) -> WindowMasks {
    let word: [u8; WINDOW] = std::array::from_fn(|i| u8::from(window[i].is_ascii_alphanumeric()));
    let upper: [u8; WINDOW] = std::array::from_fn(|i| u8::from(window[i].is_ascii_uppercase()));
    let special: [u8; WINDOW] = std::array::from_fn(|i| {
        let byte = window[i];
        u8::from(byte >= 0x80 || byte == b'!' || byte == b'?' || byte == b'<' || byte == b'/')
    });
    WindowMasks {
        word: pack_flags(&word),
        upper: pack_flags(&upper),
        special: pack_flags(&special),
    }
}

#[cfg(not(target_arch = "x86_64"))]
use self::classify_portable as classify;

/// Packs 64 bytes of 0 or 1 into the bits of a `u64`, bit `i` for byte `i`.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn pack_flags(flags: &[u8; WINDOW]) -> u64 {
    let (chunks, _) = flags.as_chunks::<8>();
    let mut bits = 0;
    for (index, chunk) in chunks.iter().enumerate() {
        // The multiplier adds byte `i` into bit 56 + `i` with no carries.
        let packed = u64::from_le_bytes(*chunk).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        bits |= packed << (index * 8);
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masks_bytewise(window: &[u8; WINDOW]) -> WindowMasks {
        let mut masks = WindowMasks {
            word: 0,
            upper: 0,
            special: 0,
        };
        for (bit, &byte) in window.iter().enumerate() {
            let set = |flag: bool| u64::from(flag) << bit;
            masks.word |= set(byte.is_ascii_alphanumeric());
            masks.upper |= set(byte.is_ascii_uppercase());
            masks.special |= set(!byte.is_ascii() || b"!?</".contains(&byte));
        }
        masks
    }

    /// Checks `classify` on every byte value at several positions of a
    /// window.
    fn check_classify(classify: fn(&[u8; WINDOW]) -> WindowMasks) {
        for byte in 0..=255_u8 {
            for position in [0, 7, 8, 15, 16, 35, 63] {
                let mut window = padded_window(b"Some words, 7/10 and MORE text here!");
                window[position] = byte;
                assert_eq!(
                    classify(&window),
                    masks_bytewise(&window),
                    "byte {byte:#04x} at {position}"
                );
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn classify_sse2_matches_bytewise() {
        check_classify(classify);
    }

    #[test]
    fn classify_portable_matches_bytewise() {
        check_classify(classify_portable);
    }

    fn plain_words(text: &[u8], position: usize) -> (Vec<String>, usize) {
        let mut tokens = Vec::new();
        let mut word = String::new();
        let next = emit_plain_words(text, position, &mut word, &mut |token, prefix| {
            assert_eq!(prefix, crate::data::word_hash::word_prefix(token));
            tokens.push(String::from_utf8_lossy(token).into_owned());
        });
        (tokens, next)
    }

    #[test]
    fn block_stops_at_special_bytes() {
        assert_eq!(
            plain_words(b"Go see it! Now", 0),
            (vec!["go".into(), "see".into()], 7)
        );
        assert_eq!(plain_words(b"rated 7/10", 0), (vec!["rated".into()], 6));
        assert_eq!(plain_words(b"cafe\xc3\xa9 ok", 0), (vec![], 0));
        assert_eq!(plain_words(b"a <br />b", 0), (vec!["a".into()], 2));
    }

    #[test]
    fn block_stops_at_word_crossing_window() {
        let text = format!("{}tail", "ab ".repeat(21));
        let (tokens, next) = plain_words(text.as_bytes(), 0);
        assert_eq!(tokens.len(), 21);
        assert_eq!(next, 63);
        assert_eq!(
            plain_words(text.as_bytes(), next),
            (vec!["tail".into()], text.len())
        );
    }

    #[test]
    fn block_skips_word_longer_than_window() {
        let text = "x".repeat(70);
        assert_eq!(plain_words(text.as_bytes(), 0), (vec![], 0));
    }
}
