//! Turning review texts into word ids, choosing the vocabulary, and building
//! the encoded splits.

use super::batch::{Batch, BatchForm};
use super::error::DataError;
use super::read::{ReviewHeader, SplitKind, label_folder};
use super::split::{Split, Vocabulary};
use super::tokenize::for_each_token_bytes;
use super::word_hash::{word_hash, word_prefix};

/// Marks a word that is not in the vocabulary.
const NOT_IN_VOCABULARY: u32 = u32::MAX;

/// Per-word data of the encoder, packed so that a lookup touches one cache
/// line for most words.
#[derive(Clone, Copy, Debug, Default)]
struct WordEntry {
    /// First 8 bytes of the word, zero-padded: all of it for most words.
    prefix: u64,
    /// Start of the word in [`WordTable::bytes`].
    start: usize,
    length: u32,
    /// Number (starting at 1) of the last review that contained the word, to
    /// keep each word once per review without sorting.
    last_review: u32,
    /// Occurrences in the training reviews.
    train_count: u64,
}

/// Every distinct word seen, with a dense id in order of first sight.
///
/// An open-addressing table specialized for this one job. The hash comes
/// precomputed from whichever thread tokenized. Each slot packs the high half
/// of the hash beside the id, so most mismatches are rejected without reading
/// the entry. Frequent words, seen first, get low ids whose entries stay in
/// cache.
#[derive(Debug, Default)]
struct WordTable {
    /// Empty (0), or the hash's high 32 bits above the word's id plus one.
    slots: Vec<u64>,
    entries: Vec<WordEntry>,
    /// Bytes of every word, one after the other.
    bytes: Vec<u8>,
}

impl WordTable {
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn word(&self, id: u32) -> &[u8] {
        let entry = &self.entries[id as usize];
        &self.bytes[entry.start..entry.start + entry.length as usize]
    }

    /// Returns the id and entry of `word`, adding it first if it is new.
    fn entry_of(&mut self, word: &[u8], hash: u64) -> (u32, &mut WordEntry) {
        if self.len() * 2 >= self.slots.len() {
            self.grow();
        }

        let mask = self.slots.len() - 1;
        let tag = hash >> 32;
        let prefix = word_prefix(word);
        let mut position = hash as usize & mask;
        loop {
            let slot = self.slots[position];
            if slot == 0 {
                let id = self.len() as u32;
                self.slots[position] = (tag << 32) | u64::from(id + 1);
                self.entries.push(WordEntry {
                    prefix,
                    start: self.bytes.len(),
                    length: word.len() as u32,
                    last_review: 0,
                    train_count: 0,
                });
                self.bytes.extend_from_slice(word);
                let entry = &mut self.entries[id as usize];
                return (id, entry);
            }

            if slot >> 32 == tag {
                let id = (slot as u32) - 1;
                let entry = self.entries[id as usize];
                let same = entry.length as usize == word.len()
                    && entry.prefix == prefix
                    && (word.len() <= 8
                        || self.bytes[entry.start..entry.start + word.len()] == *word);
                if same {
                    return (id, &mut self.entries[id as usize]);
                }
            }
            position = (position + 1) & mask;
        }
    }

    /// Doubles the slots (at least 64K) and places every word again.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(1 << 16);
        let mask = size - 1;
        let mut slots = vec![0_u64; size];
        for id in 0..self.len() as u32 {
            let hash = word_hash(self.word(id));
            let mut position = hash as usize & mask;
            while slots[position] != 0 {
                position = (position + 1) & mask;
            }
            slots[position] = ((hash >> 32) << 32) | u64::from(id + 1);
        }
        self.slots = slots;
    }
}

/// One review after tokenizing: its header and where its distinct word ids
/// sit in [`Encoder::word_ids`].
#[derive(Clone, Copy, Debug)]
struct EncodedReview {
    header: ReviewHeader,
    start: usize,
    end: usize,
}

/// Turns tokenized reviews into word ids as they arrive, so that no text is
/// kept: each review is reduced to the distinct ids of its words, and
/// training reviews add to the word counts that choose the vocabulary.
#[derive(Debug, Default)]
pub(crate) struct Encoder {
    words: WordTable,
    /// Distinct word ids of each review, review after review.
    word_ids: Vec<u32>,
    reviews: Vec<EncodedReview>,
}

impl Encoder {
    pub(crate) fn reviews_read(&self) -> usize {
        self.reviews.len()
    }

    pub(crate) fn add_batch(&mut self, batch: &Batch) {
        match batch.form {
            BatchForm::Tokens => self.add_tokens(batch),
            BatchForm::Text => {
                for (&header, text) in batch.texts() {
                    let review = self.start_review(header);
                    for_each_token_bytes(text, |token| {
                        self.add_token(&review, word_hash(token), token);
                    });
                    self.finish_review(review);
                }
            }
        }
    }

    /// Adds the reviews of a [`BatchForm::Tokens`] batch.
    fn add_tokens(&mut self, batch: &Batch) {
        let mut token_index = 0;
        let mut word_start = 0;
        for &(header, token_count) in &batch.reviews {
            let review = self.start_review(header);
            for index in token_index..token_index + token_count {
                let (hash, length) = batch.tokens[index];
                let token = &batch.words[word_start..word_start + length];
                word_start += length;
                self.add_token(&review, hash, token);
            }
            token_index += token_count;
            self.finish_review(review);
        }
    }

    fn start_review(&self, header: ReviewHeader) -> EncodedReview {
        EncodedReview {
            header,
            start: self.word_ids.len(),
            end: self.word_ids.len(),
        }
    }

    fn add_token(&mut self, review: &EncodedReview, hash: u64, token: &[u8]) {
        // Numbered from 1, because 0 in `last_review` means no review yet.
        let review_number = self.reviews.len() as u32 + 1;
        let (id, entry) = self.words.entry_of(token, hash);

        if review.header.split == SplitKind::Train {
            entry.train_count += 1;
        }
        if entry.last_review != review_number {
            entry.last_review = review_number;
            self.word_ids.push(id);
        }
    }

    fn finish_review(&mut self, mut review: EncodedReview) {
        review.end = self.word_ids.len();
        self.reviews.push(review);
    }

    /// Chooses the vocabulary and encodes both splits in canonical order.
    pub(crate) fn finish(
        mut self,
        vocabulary_size: usize,
        source_name: &str,
    ) -> Result<(Vocabulary, Split, Split), DataError> {
        if self.reviews.is_empty() {
            return Err(DataError::NoReviews {
                source_name: source_name.to_owned(),
            });
        }

        // Canonical order is train before test. Within each, negative
        // reviews come first, then positive, each by ascending id.
        self.reviews.sort_unstable_by_key(|review| {
            let header = review.header;
            (header.split, header.label, header.id)
        });
        check_reviews(&self.reviews, source_name)?;

        let (vocabulary, vocabulary_index) = self.choose_vocabulary(vocabulary_size)?;
        let test_start = self
            .reviews
            .partition_point(|review| review.header.split == SplitKind::Train);
        let (train_reviews, test_reviews) = self.reviews.split_at(test_start);

        let word_ids = &self.word_ids;
        let vocabulary_index = &vocabulary_index;
        let (train, test) = std::thread::scope(|scope| {
            let test = scope
                .spawn(|| build_split(test_reviews, word_ids, vocabulary_index, vocabulary_size));
            let train = build_split(train_reviews, word_ids, vocabulary_index, vocabulary_size);
            (train, test.join())
        });
        // A panic in the test thread is a bug here, so it is raised again.
        let test = test.unwrap_or_else(|payload| std::panic::resume_unwind(payload));

        Ok((vocabulary, train, test))
    }

    /// Picks the `size` words with the most occurrences in the training
    /// reviews, ties broken by the word's bytes in ascending order. Returns
    /// the vocabulary and, for each word id, its vocabulary index or
    /// [`NOT_IN_VOCABULARY`].
    fn choose_vocabulary(&mut self, size: usize) -> Result<(Vocabulary, Vec<u32>), DataError> {
        if size == 0 {
            return Err(DataError::VocabularySizeZero);
        }

        let words = std::mem::take(&mut self.words);
        let mut candidates: Vec<(u64, &[u8], u32)> = (0..words.len() as u32)
            .filter_map(|id| {
                let count = words.entries[id as usize].train_count;
                (count > 0).then(|| (count, words.word(id), id))
            })
            .collect();
        if size > candidates.len() {
            return Err(DataError::VocabularyTooLarge {
                requested: size,
                available: candidates.len(),
            });
        }

        let rank = |left: &(u64, &[u8], u32), right: &(u64, &[u8], u32)| {
            right.0.cmp(&left.0).then_with(|| left.1.cmp(right.1))
        };
        if size < candidates.len() {
            candidates.select_nth_unstable_by(size - 1, rank);
            candidates.truncate(size);
        }
        candidates.sort_unstable_by(rank);

        let mut vocabulary_index = vec![NOT_IN_VOCABULARY; words.len()];
        let mut vocabulary = Vec::with_capacity(size);
        for (index, &(_, word, id)) in candidates.iter().enumerate() {
            vocabulary_index[id as usize] = index as u32;
            // Tokens are whole UTF-8 characters, so this never replaces bytes.
            vocabulary.push(String::from_utf8_lossy(word).into_owned());
        }
        Ok((Vocabulary::new(vocabulary), vocabulary_index))
    }
}

/// Rejects duplicate review ids and splits without one of the two classes.
/// `reviews` is in canonical order.
fn check_reviews(reviews: &[EncodedReview], source_name: &str) -> Result<(), DataError> {
    for pair in reviews.windows(2) {
        let (first, second) = (pair[0].header, pair[1].header);
        if (first.split, first.label, first.id) == (second.split, second.label, second.id) {
            return Err(DataError::DuplicateReview {
                source_name: source_name.to_owned(),
                split: first.split.folder(),
                folder: label_folder(first.label),
                id: first.id,
            });
        }
    }

    for split in [SplitKind::Train, SplitKind::Test] {
        for (label, class) in [(0, "negative"), (1, "positive")] {
            let present = reviews
                .iter()
                .any(|review| review.header.split == split && review.header.label == label);
            if !present {
                return Err(DataError::MissingClass {
                    source_name: source_name.to_owned(),
                    split: split.folder(),
                    class,
                    folder: label_folder(label),
                });
            }
        }
    }
    Ok(())
}

/// Encodes `reviews` as sorted vocabulary indices.
fn build_split(
    reviews: &[EncodedReview],
    word_ids: &[u32],
    vocabulary_index: &[u32],
    vocabulary_size: usize,
) -> Split {
    // The distinct words of every review, known or not, bound the indices.
    let max_indices = reviews.iter().map(|review| review.end - review.start).sum();
    let mut split = Split {
        offsets: Vec::with_capacity(reviews.len() + 1),
        indices: Vec::with_capacity(max_indices),
        labels: Vec::with_capacity(reviews.len()),
        ratings: Vec::with_capacity(reviews.len()),
    };
    split.offsets.push(0);
    let mut sorter = IndexSorter::new(vocabulary_size);

    for review in reviews {
        let start = split.indices.len();
        let ids = &word_ids[review.start..review.end];
        // Writes every index and keeps those in the vocabulary, without a
        // branch that the mix of known and unknown words would mispredict.
        split.indices.resize(start + ids.len(), 0);
        let mut known_end = start;
        for &id in ids {
            let index = vocabulary_index[id as usize];
            split.indices[known_end] = index;
            known_end += usize::from(index != NOT_IN_VOCABULARY);
        }
        split.indices.truncate(known_end);
        sorter.sort(&mut split.indices[start..]);

        split.offsets.push(split.indices.len());
        split.labels.push(review.header.label);
        split.ratings.push(review.header.rating);
    }
    split.indices.shrink_to_fit();
    split
}

/// Reviews with fewer indices than this use a comparison sort, because the
/// radix sort has a fixed cost of clearing and summing its counts.
/// NOTE: the value is an estimate, not measured.
const RADIX_SORT_MIN_INDICES: usize = 32;

/// Largest number of bits per index that the radix sort handles, in two
/// passes of at most 8 bits.
const RADIX_SORT_MAX_BITS: u32 = 16;

/// Sorts the vocabulary indices of one review with a least-significant-digit
/// radix sort in two passes. Unlike a comparison sort it takes no branch
/// that depends on the values, and those branches are mispredicted often
/// on random indices.
struct IndexSorter {
    /// Bits per digit: half the bits of the largest index, rounded up.
    digit_bits: u32,
    scratch: Vec<u32>,
}

impl IndexSorter {
    fn new(vocabulary_size: usize) -> Self {
        let largest = vocabulary_size.saturating_sub(1) as u64;
        let index_bits = (u64::BITS - largest.leading_zeros()).max(1);
        Self {
            digit_bits: index_bits.div_ceil(2),
            scratch: Vec::new(),
        }
    }

    /// Sorts `indices`, which are below the vocabulary size. Short reviews
    /// and vocabularies above 2^16 words take `sort_unstable`.
    fn sort(&mut self, indices: &mut [u32]) {
        if indices.len() < RADIX_SORT_MIN_INDICES || self.digit_bits * 2 > RADIX_SORT_MAX_BITS {
            indices.sort_unstable();
            return;
        }

        let shift = self.digit_bits;
        let mask = (1_u32 << shift) - 1;
        let mut low_starts = [0_u32; 256];
        let mut high_starts = [0_u32; 256];
        for &index in indices.iter() {
            low_starts[(index & mask) as usize] += 1;
            high_starts[(index >> shift) as usize] += 1;
        }
        let buckets = 1_usize << shift;
        counts_to_starts(&mut low_starts[..buckets]);
        counts_to_starts(&mut high_starts[..buckets]);

        self.scratch.resize(indices.len(), 0);
        for &index in indices.iter() {
            let start = &mut low_starts[(index & mask) as usize];
            self.scratch[*start as usize] = index;
            *start += 1;
        }
        for &index in &self.scratch[..indices.len()] {
            let start = &mut high_starts[(index >> shift) as usize];
            indices[*start as usize] = index;
            *start += 1;
        }
    }
}

/// Turns bucket sizes into the position where each bucket starts.
fn counts_to_starts(counts: &mut [u32]) {
    let mut total = 0;
    for count in counts {
        let size = *count;
        *count = total;
        total += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_sorter_sorts_like_sort() {
        for vocabulary_size in [1, 2, 255, 256, 1_000, 10_000, 65_536, 65_537, 1 << 20] {
            let mut sorter = IndexSorter::new(vocabulary_size);
            let size = vocabulary_size as u64;
            // 5 indices take the comparison sort, 40 and 500 the radix sort
            // unless the vocabulary is above 2^16 words.
            for count in [0, 1, 5, 40, 500] {
                let mut indices: Vec<u32> = (0..count)
                    .map(|i: u64| ((i * 7_919 + 13) % size) as u32)
                    .collect();
                let mut expected = indices.clone();
                expected.sort_unstable();
                sorter.sort(&mut indices);
                assert_eq!(indices, expected, "{count} indices of {vocabulary_size}");
            }
        }
    }

    #[test]
    fn word_table_ids_are_stable() {
        let mut table = WordTable::default();
        let words: Vec<String> = (0..100_000).map(|number| format!("w{number}")).collect();
        for (expected, word) in words.iter().enumerate() {
            let (id, _) = table.entry_of(word.as_bytes(), word_hash(word.as_bytes()));
            assert_eq!(id as usize, expected);
        }
        // Lookups after the table grew several times find the same ids.
        for (expected, word) in words.iter().enumerate() {
            let (id, _) = table.entry_of(word.as_bytes(), word_hash(word.as_bytes()));
            assert_eq!(id as usize, expected, "{word}");
            assert_eq!(table.word(id), word.as_bytes());
        }
        assert_eq!(table.len(), words.len());

        // Words that share their first 8 bytes differ in the rest.
        let (long, _) = table.entry_of(b"abcdefgh-long", word_hash(b"abcdefgh-long"));
        let (other, _) = table.entry_of(b"abcdefgh-lung", word_hash(b"abcdefgh-lung"));
        assert_ne!(long, other);
    }
}
