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
    for_each_token_bytes(text, |token| {
        // Always `Ok`: words are built from whole UTF-8 characters.
        if let Ok(token) = std::str::from_utf8(token) {
            emit(token);
        }
    });
}

/// Byte classes of the fast path, as bit flags so a loop can test several
/// at once.
const LOWER_OR_DIGIT: u8 = 1;
const UPPER: u8 = 2;
const WORD_BYTE: u8 = LOWER_OR_DIGIT | UPPER;
const OPEN_TAG: u8 = 4;
const APOSTROPHE: u8 = 8;
const NON_ASCII: u8 = 16;

/// Class of every byte; ASCII bytes without a flag separate words.
static BYTE_CLASSES: [u8; 256] = byte_classes();

const fn byte_classes() -> [u8; 256] {
    let mut classes = [0; 256];
    let mut byte = 0;
    while byte < 256 {
        classes[byte] = match byte as u8 {
            b'a'..=b'z' | b'0'..=b'9' => LOWER_OR_DIGIT,
            b'A'..=b'Z' => UPPER,
            b'<' => OPEN_TAG,
            b'\'' => APOSTROPHE,
            0x80..=0xFF => NON_ASCII,
            _ => 0,
        };
        byte += 1;
    }
    classes
}

/// Calls `emit` with the UTF-8 bytes of each word of `text`, in order. The
/// dataset reader uses this form to skip a UTF-8 check per word.
///
/// Runs of ASCII letters and digits followed by ASCII punctuation or space,
/// the common case in English reviews, are emitted straight from `text`
/// without copying unless they contain capitals. Every other word goes
/// through [`finish_word`], which applies the full rules character by
/// character.
pub(crate) fn for_each_token_bytes(text: &[u8], mut emit: impl FnMut(&[u8])) {
    let mut word = String::new();
    let mut position = 0;

    while position < text.len() {
        let class = BYTE_CLASSES[usize::from(text[position])];

        if class & WORD_BYTE != 0 {
            let start = position;
            let mut run_classes = class;
            position += 1;
            while position < text.len() {
                let next = BYTE_CLASSES[usize::from(text[position])];
                if next & WORD_BYTE == 0 {
                    break;
                }
                run_classes |= next;
                position += 1;
            }
            let run = &text[start..position];

            let next = text
                .get(position)
                .map_or(0, |&byte| BYTE_CLASSES[usize::from(byte)]);
            if next & (APOSTROPHE | NON_ASCII) != 0 {
                // An apostrophe or a non-ASCII letter may continue the word.
                push_ascii_lowercase(&mut word, run);
                position = finish_word(text, position, &mut word, &mut emit);
            } else {
                emit_ascii(run, run_classes & UPPER != 0, &mut word, &mut emit);
            }
        } else if class & NON_ASCII != 0 {
            position = finish_word(text, position, &mut word, &mut emit);
        } else {
            position += 1;
            if class == OPEN_TAG
                && let Some(length) = line_break_length(&text[position - 1..])
            {
                position += length - 1;
            }
        }
    }
}

/// Applies the rules character by character from `position`, where `word`
/// contains the word read so far (possibly empty). Emits the word at the first
/// separator and returns the position after that separator, so the caller
/// resumes between words.
fn finish_word(
    text: &[u8],
    mut position: usize,
    word: &mut String,
    emit: &mut impl FnMut(&[u8]),
) -> usize {
    let mut pending_apostrophe = false;

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
            if byte == b'<'
                && let Some(length) = line_break_length(&text[position - 1..])
            {
                position += length - 1;
            }
            flush(word, emit);
            return position;
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
            _ => {
                flush(word, emit);
                return position;
            }
        }
    }

    flush(word, emit);
    position
}

/// Emits a run of ASCII letters and digits, lowercased.
fn emit_ascii(run: &[u8], has_capitals: bool, word: &mut String, emit: &mut impl FnMut(&[u8])) {
    if has_capitals {
        push_ascii_lowercase(word, run);
        flush(word, emit);
    } else {
        emit(run);
    }
}

fn push_ascii_lowercase(word: &mut String, run: &[u8]) {
    word.extend(run.iter().map(|byte| byte.to_ascii_lowercase() as char));
}

/// Returns the tokens of `text` as owned strings.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for_each_token(text.as_bytes(), |token| tokens.push(token.to_owned()));
    tokens
}

fn flush(word: &mut String, emit: &mut impl FnMut(&[u8])) {
    if !word.is_empty() {
        emit(word.as_bytes());
        word.clear();
    }
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
    use proptest::prelude::*;

    #[test]
    fn line_breaks_and_case_are_ignored() {
        assert_eq!(
            tokenize("GREAT!<br /><br />Loved it."),
            tokenize("great loved it")
        );
        assert_eq!(tokenize("great loved it"), ["great", "loved", "it"]);
    }

    #[test]
    fn line_break_forms() {
        assert_eq!(tokenize("a<br>b<BR/>c<Br  />d"), ["a", "b", "c", "d"]);
        assert_eq!(
            tokenize("a<brr>b <b>bold</b>"),
            ["a", "brr", "b", "b", "bold", "b"]
        );
        assert_eq!(tokenize("<br"), ["br"]);
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

    #[test]
    fn apostrophe_edges() {
        assert_eq!(
            tokenize("dogs' rock''n roll ’tis"),
            ["dogs", "rock", "n", "roll", "tis"]
        );
        assert_eq!(tokenize("rock'’n"), ["rock", "n"]);
        assert_eq!(tokenize("o'neil's CAN'T"), ["o'neil's", "can't"]);
        assert_eq!(tokenize("café's é'x"), ["café's", "é'x"]);
    }

    #[test]
    fn combining_marks_never_start_words() {
        assert_eq!(
            tokenize("e\u{301}t\u{301}e \u{301}x"),
            ["e\u{301}t\u{301}e", "x"]
        );
    }

    #[test]
    fn ascii_run_followed_by_non_ascii() {
        assert_eq!(
            tokenize("GREAT—film naïve ABCé"),
            ["great", "film", "naïve", "abcé"]
        );
    }

    #[test]
    fn nul_bytes_and_empty_input() {
        assert_eq!(tokenize(""), Vec::<String>::new());
        assert_eq!(tokenize("\0\0a\0b\0"), ["a", "b"]);
    }

    #[test]
    fn long_single_line() {
        let text = "Word ".repeat(1_000_000);
        let mut count = 0;
        for_each_token(text.as_bytes(), |token| {
            assert_eq!(token, "word");
            count += 1;
        });
        assert_eq!(count, 1_000_000);
    }

    /// Tokenizes with the first version of this module, one state machine
    /// over every character. The fast path must give exactly its output.
    fn reference_tokens(text: &[u8]) -> Vec<String> {
        let mut tokens = Vec::new();
        let mut word = String::new();
        let mut pending_apostrophe = false;
        let mut position = 0;
        let mut flush = |word: &mut String, pending: &mut bool| {
            if !word.is_empty() {
                tokens.push(word.clone());
                word.clear();
            }
            *pending = false;
        };

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
                if byte == b'<'
                    && let Some(length) = line_break_length(&text[position - 1..])
                {
                    position += length - 1;
                }
                flush(&mut word, &mut pending_apostrophe);
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
                _ => flush(&mut word, &mut pending_apostrophe),
            }
        }
        flush(&mut word, &mut pending_apostrophe);
        tokens
    }

    fn tokens_of(text: &[u8]) -> Vec<String> {
        let mut tokens = Vec::new();
        for_each_token(text, |token| tokens.push(token.to_owned()));
        tokens
    }

    /// Text made of the characters the rules treat specially, so that
    /// apostrophes, tags and non-ASCII letters meet often.
    fn tricky_text() -> impl Strategy<Value = Vec<u8>> {
        let pieces = prop::sample::select(vec![
            "a", "Z", "7", "'", "’", "<br />", "<br>", "<BR/>", "<b", "r>", " ", "-", "\0", "é",
            "É", "\u{301}", "映", "İ", "ß", "Σ", "\u{2160}", "\u{345}", "\u{ff}",
        ]);
        let text =
            prop::collection::vec(pieces, 0..40).prop_map(|pieces| pieces.concat().into_bytes());
        let mangled = prop::collection::vec(any::<u8>(), 0..3);
        (text, mangled, any::<prop::sample::Index>()).prop_map(|(mut text, bytes, index)| {
            let at = index.index(text.len() + 1);
            text.splice(at..at, bytes);
            text
        })
    }

    fn any_text() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            any::<String>().prop_map(String::into_bytes),
            tricky_text(),
        ]
    }

    proptest! {
        #[test]
        fn tokens_are_nonempty_lowercase_and_stable(text in any_text()) {
            let tokens = tokens_of(&text);
            for token in &tokens {
                prop_assert!(!token.is_empty());
                prop_assert_eq!(&token.to_lowercase(), token);
            }
            let joined = tokens.join(" ");
            prop_assert_eq!(tokens_of(joined.as_bytes()), tokens);
        }

        #[test]
        fn fast_path_matches_reference(text in any_text()) {
            prop_assert_eq!(tokens_of(&text), reference_tokens(&text));
        }
    }
}
