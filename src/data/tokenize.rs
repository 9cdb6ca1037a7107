//! The one tokenizer shared by training and live prediction.
//!
//! Rules, applied to any bytes:
//! - Text is read as UTF-8; an invalid byte sequence separates words.
//! - `<br />`, `<br/>` and `<br>` (any case) are line breaks and separate words.
//! - A word is a maximal run of letters and digits: ASCII ones, and non-ASCII
//!   characters that Unicode calls alphanumeric. Combining marks continue a
//!   word but never start one. Numbers are words (`7/10` gives `7` and `10`).
//! - An apostrophe (`'` or `’`) between two word characters stays inside the
//!   word as `'` (`don't`, `director's`); anywhere else it separates.
//! - All other characters, punctuation and hyphens included, separate words.
//! - Words are lowercased with Unicode's lowercase mapping.

/// Version of the rules above; cached datasets made under another version
/// are rebuilt.
pub const TOKENIZER_VERSION: u32 = 1;

/// Calls `emit` with each word of `text`, in order.
pub fn for_each_token(text: &[u8], mut emit: impl FnMut(&str)) {
    let mut word = String::new();
    let mut pending_apostrophe = false;
    let mut position = 0;

    while position < text.len() {
        let byte = text[position];
        if byte.is_ascii() {
            position += 1;
            if byte.is_ascii_alphanumeric() {
                if pending_apostrophe {
                    word.push('\'');
                    pending_apostrophe = false;
                }
                word.push(byte.to_ascii_lowercase() as char);
                continue;
            }
            if byte == b'\'' && !word.is_empty() && !pending_apostrophe {
                pending_apostrophe = true;
                continue;
            }
            if byte == b'<' {
                if let Some(length) = line_break_length(&text[position - 1..]) {
                    position += length - 1;
                }
            }
            flush(&mut word, &mut pending_apostrophe, &mut emit);
            continue;
        }

        let (character, length) = decode_char(&text[position..]);
        position += length;
        match character {
            Some(c) if c.is_alphanumeric() || (is_combining_mark(c) && !word.is_empty()) => {
                if pending_apostrophe {
                    word.push('\'');
                    pending_apostrophe = false;
                }
                word.extend(c.to_lowercase());
            }
            Some('\u{2019}') if !word.is_empty() && !pending_apostrophe => {
                pending_apostrophe = true;
            }
            _ => flush(&mut word, &mut pending_apostrophe, &mut emit),
        }
    }
    flush(&mut word, &mut pending_apostrophe, &mut emit);
}

/// Returns the tokens of `text` as owned strings.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for_each_token(text.as_bytes(), |token| tokens.push(token.to_owned()));
    tokens
}

fn flush(word: &mut String, pending_apostrophe: &mut bool, emit: &mut impl FnMut(&str)) {
    if !word.is_empty() {
        emit(word);
        word.clear();
    }
    *pending_apostrophe = false;
}

/// Returns the byte length of a `<br>`, `<br/>` or `<br />` tag at the start
/// of `text`, any case.
fn line_break_length(text: &[u8]) -> Option<usize> {
    let head = text.get(..3)?;
    if !head.eq_ignore_ascii_case(b"<br") {
        return None;
    }
    let mut position = 3;
    while text.get(position) == Some(&b' ') {
        position += 1;
    }
    if text.get(position) == Some(&b'/') {
        position += 1;
    }
    (text.get(position) == Some(&b'>')).then_some(position + 1)
}

/// Decodes one UTF-8 character at the start of `bytes`, which starts with a
/// non-ASCII byte. Returns `None` and the length to skip on invalid input.
fn decode_char(bytes: &[u8]) -> (Option<char>, usize) {
    let expected = match bytes[0] {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return (None, 1),
    };
    let Some(candidate) = bytes.get(..expected) else {
        return (None, 1);
    };
    match std::str::from_utf8(candidate) {
        Ok(text) => (text.chars().next(), expected),
        Err(_) => (None, 1),
    }
}

fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_and_case_are_ignored() {
        assert_eq!(
            tokenize("GREAT!<br /><br />Loved it."),
            tokenize("great loved it")
        );
        assert_eq!(tokenize("great loved it"), ["great", "loved", "it"]);
    }

    #[test]
    fn apostrophes_stay_inside_words() {
        assert_eq!(tokenize("Don't 'quote' it’s"), ["don't", "quote", "it's"]);
    }

    #[test]
    fn digits_and_punctuation() {
        assert_eq!(
            tokenize("7/10, well-made 80s"),
            ["7", "10", "well", "made", "80s"]
        );
    }

    #[test]
    fn non_ascii_letters_are_lowercased() {
        assert_eq!(tokenize("CAFÉ Ñandú 映画"), ["café", "ñandú", "映画"]);
    }

    #[test]
    fn invalid_utf8_separates_words() {
        let mut tokens = Vec::new();
        for_each_token(b"good\xffbad\xe2\x82 \xf0", |t| tokens.push(t.to_owned()));
        assert_eq!(tokens, ["good", "bad"]);
    }
}
