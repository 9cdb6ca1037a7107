//! The vocabulary's index from a word's bytes to its position.

use std::fmt;

use super::word_hash::{word_hash_with_prefix, word_prefix};

/// One slot of [`WordLookup`]. The prefix and the length decide most
/// lookups without reading the word itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Slot {
    /// [`word_prefix`] of the word.
    prefix: u64,
    /// Position of the word plus one, or 0 for an empty slot.
    index_plus_one: u32,
    /// Length of the word in bytes, saturated at `u32::MAX`.
    length: u32,
}

/// Open-addressing hash table with linear probing from a word's UTF-8 bytes
/// to its position in the word list it was built from. At most half of the
/// slots are used, so a probe sequence is short.
///
/// A general hash map hashes the bytes through the `Hash` trait and
/// compares keys with a call to `memcmp`. This table compares the first 8
/// bytes and the length inline, which settles every word of up to 8 bytes.
/// Moving from an `FxHashMap` to this table cut predicting the 163-word
/// review of `benches/train.rs` from about 17,200 to 9,500 instructions
/// (callgrind), measured before the tokenizer scanned 8 bytes at a time.
#[derive(Clone, Default)]
pub(crate) struct WordLookup {
    slots: Vec<Slot>,
}

impl WordLookup {
    /// Builds the table for `words`. A word that occurs twice maps to its
    /// last position.
    pub(crate) fn new(words: &[String]) -> Self {
        let size = (words.len() * 2).next_power_of_two().max(16);
        let mut lookup = Self {
            slots: vec![Slot::default(); size],
        };
        for (index, word) in words.iter().enumerate() {
            lookup.insert(words, word.as_bytes(), index as u32);
        }
        lookup
    }

    fn insert(&mut self, words: &[String], word: &[u8], index: u32) {
        let prefix = word_prefix(word);
        let position = match self.find(words, word, prefix) {
            Ok(position) | Err(position) => position,
        };
        self.slots[position] = Slot {
            prefix,
            index_plus_one: index + 1,
            length: saturated_length(word),
        };
    }

    /// Returns the position of `word` in `words`, the list the table was
    /// built from.
    pub(crate) fn get(&self, words: &[String], word: &[u8]) -> Option<u32> {
        self.get_with_prefix(words, word, word_prefix(word))
    }

    /// Returns the position of `word` as [`WordLookup::get`] does, given
    /// its [`word_prefix`].
    pub(crate) fn get_with_prefix(
        &self,
        words: &[String],
        word: &[u8],
        prefix: u64,
    ) -> Option<u32> {
        let position = self.find(words, word, prefix).ok()?;
        Some(self.slots[position].index_plus_one - 1)
    }

    /// Returns the slot of `word`, whose [`word_prefix`] is `prefix`, or
    /// `Err` with the empty slot where it would go.
    fn find(&self, words: &[String], word: &[u8], prefix: u64) -> Result<usize, usize> {
        // The default table has no slots at all.
        let Some(mask) = self.slots.len().checked_sub(1) else {
            return Err(0);
        };
        let length = saturated_length(word);
        let mut position = word_hash_with_prefix(word, prefix) as usize & mask;
        loop {
            let slot = self.slots[position];
            if slot.index_plus_one == 0 {
                return Err(position);
            }
            if slot.prefix == prefix
                && slot.length == length
                && (word.len() <= 8 || words[slot.index_plus_one as usize - 1].as_bytes() == word)
            {
                return Ok(position);
            }
            position = (position + 1) & mask;
        }
    }
}

fn saturated_length(word: &[u8]) -> u32 {
    u32::try_from(word.len()).unwrap_or(u32::MAX)
}

impl fmt::Debug for WordLookup {
    /// Shows the table's size, not its slots.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("WordLookup")
            .field("slots", &self.slots.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn lookup_finds_every_word() {
        let list: Vec<String> = (0..5_000).map(|number| format!("w{number}")).collect();
        let lookup = WordLookup::new(&list);
        for (index, word) in list.iter().enumerate() {
            assert_eq!(lookup.get(&list, word.as_bytes()), Some(index as u32));
        }
        assert_eq!(lookup.get(&list, b"w5000"), None);
        assert_eq!(lookup.get(&list, b""), None);
    }

    #[test]
    fn lookup_tells_padding_from_length() {
        let list = words(&["a", "a\0", "", "abcdefgh", "abcdefgh\0"]);
        let lookup = WordLookup::new(&list);
        for (index, word) in list.iter().enumerate() {
            assert_eq!(lookup.get(&list, word.as_bytes()), Some(index as u32));
        }
        assert_eq!(lookup.get(&list, b"a\0\0"), None);
    }

    #[test]
    fn lookup_compares_long_words_whole() {
        let list = words(&["understanding", "understandable", "understandingly"]);
        let lookup = WordLookup::new(&list);
        for (index, word) in list.iter().enumerate() {
            assert_eq!(lookup.get(&list, word.as_bytes()), Some(index as u32));
        }
        assert_eq!(lookup.get(&list, b"understandinG"), None);
        assert_eq!(lookup.get(&list, b"understandin"), None);
    }

    #[test]
    fn duplicate_word_maps_to_last() {
        let list = words(&["good", "bad", "good"]);
        let lookup = WordLookup::new(&list);
        assert_eq!(lookup.get(&list, b"good"), Some(2));
        assert_eq!(lookup.get(&list, b"bad"), Some(1));
    }

    #[test]
    fn empty_tables_find_nothing() {
        assert_eq!(WordLookup::new(&[]).get(&[], b"word"), None);
        assert_eq!(WordLookup::default().get(&[], b"word"), None);
    }
}
