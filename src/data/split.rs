use super::lookup::WordLookup;

/// Encoded reviews of one split (train or test), in canonical order:
/// negative reviews first, then positive, each by ascending review id.
///
/// Review `i` has the word indices `indices[offsets[i]..offsets[i + 1]]`,
/// sorted and distinct: the positions of the ones in its multi-hot vector.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Split {
    /// Start of each review in `indices`, plus one final end offset.
    pub offsets: Vec<usize>,
    /// Word indices into the vocabulary, review after review.
    pub indices: Vec<u32>,
    /// 1 for a positive review, 0 for a negative one.
    pub labels: Vec<u8>,
    /// Star rating from the file name (`ID_RATING.txt`), 1 to 10.
    pub ratings: Vec<u8>,
}

impl Split {
    /// Number of reviews.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Sorted, distinct word indices of review `i`.
    pub fn review(&self, i: usize) -> &[u32] {
        &self.indices[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// The words of the network's input, most frequent first: word `i` sets input
/// `i` of the multi-hot vector.
#[derive(Clone, Debug, Default)]
pub struct Vocabulary {
    words: Vec<String>,
    /// Index of each word, keyed by its UTF-8 bytes so that tokens need no
    /// UTF-8 check before the lookup.
    lookup: WordLookup,
}

impl Vocabulary {
    /// Builds a vocabulary from words in index order.
    pub fn new(words: Vec<String>) -> Self {
        let lookup = WordLookup::new(&words);
        Self { words, lookup }
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    pub fn word(&self, index: u32) -> Option<&str> {
        self.words.get(index as usize).map(String::as_str)
    }

    pub fn index_of(&self, word: &str) -> Option<u32> {
        self.index_of_bytes(word.as_bytes())
    }

    /// Returns the index of the word with these UTF-8 bytes.
    pub fn index_of_bytes(&self, word: &[u8]) -> Option<u32> {
        self.lookup.get(&self.words, word)
    }

    /// Returns the index of the word with these UTF-8 bytes, given their
    /// [`word_prefix`](super::word_hash::word_prefix).
    pub(crate) fn index_of_token(&self, word: &[u8], prefix: u64) -> Option<u32> {
        self.lookup.get_with_prefix(&self.words, word, prefix)
    }
}

impl PartialEq for Vocabulary {
    /// Compares the words in order. The lookup follows from them.
    fn eq(&self, other: &Self) -> bool {
        self.words == other.words
    }
}

/// The prepared dataset: vocabulary and both encoded splits.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Source of the reviews, as shown to the user.
    pub source: String,
    pub vocabulary: Vocabulary,
    pub train: Split,
    pub test: Split,
}
