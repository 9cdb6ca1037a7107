//! Batches of reviews passed from the reader thread to the encoder, and the
//! counters both threads share.

use std::io;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

use super::read::ReviewHeader;
use super::tokenize::for_each_token_bytes;
use super::word_hash::word_hash;

/// Text or token bytes per batch. Large enough that channel traffic is rare,
/// small enough that the progress gauge moves often.
const BATCH_BYTES: usize = 256 << 10;

/// Counters shared by the reader thread and the encoder.
#[derive(Debug, Default)]
pub(crate) struct ReadCounters {
    /// Bytes read from the compressed file, or of review files in a folder.
    pub bytes_read: AtomicU64,
    pub bytes_total: AtomicU64,
    /// Batches sent but not yet encoded.
    pub batches_queued: AtomicUsize,
}

/// Whether a batch carries the reviews' text or their tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum BatchForm {
    /// Raw text, for the encoder thread to tokenize.
    #[default]
    Text,
    /// Tokens with their hashes, made on the reader thread.
    Tokens,
}

/// Reviews on their way from the reader thread to the encoder.
///
/// In profiles of the full dataset, tokenizing costs about as much as
/// decompressing, so it goes to whichever thread has time. The reader sends
/// raw text unless batches are waiting behind the one the encoder is working
/// on, and then tokenizes itself.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub form: BatchForm,
    /// Each review with its length: bytes of `text` in [`BatchForm::Text`],
    /// entries of `tokens` in [`BatchForm::Tokens`].
    pub reviews: Vec<(ReviewHeader, usize)>,
    /// Review texts, one after the other.
    pub text: Vec<u8>,
    /// Hash ([`word_hash`]) and length in bytes of each token.
    pub tokens: Vec<(u64, usize)>,
    /// UTF-8 bytes of the tokens, one after the other.
    pub words: Vec<u8>,
}

impl Batch {
    /// Returns each review of a [`BatchForm::Text`] batch with its text.
    pub(crate) fn texts(&self) -> impl Iterator<Item = (&ReviewHeader, &[u8])> {
        let mut start = 0;
        self.reviews.iter().map(move |(header, length)| {
            let text = &self.text[start..start + length];
            start += length;
            (header, text)
        })
    }

    /// Tokenizes `text` into this [`BatchForm::Tokens`] batch as one review.
    pub(crate) fn push_tokens(&mut self, header: ReviewHeader, text: &[u8]) {
        let first_token = self.tokens.len();
        for_each_token_bytes(text, |token| {
            self.tokens.push((word_hash(token), token.len()));
            self.words.extend_from_slice(token);
        });
        self.reviews.push((header, self.tokens.len() - first_token));
    }

    fn bytes(&self) -> usize {
        match self.form {
            BatchForm::Text => self.text.len(),
            BatchForm::Tokens => self.words.len(),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.reviews.clear();
        self.text.clear();
        self.tokens.clear();
        self.words.clear();
    }
}

/// Fills batches and sends each full batch to the encoder. Batches come back
/// through `recycled`, so their buffers are reused.
pub(crate) struct BatchSender<'a> {
    sender: SyncSender<Batch>,
    recycled: Receiver<Batch>,
    counters: &'a ReadCounters,
    current: Batch,
    /// Text of the review being tokenized in [`BatchForm::Tokens`].
    text: Vec<u8>,
}

impl<'a> BatchSender<'a> {
    pub(crate) fn new(
        sender: SyncSender<Batch>,
        recycled: Receiver<Batch>,
        counters: &'a ReadCounters,
    ) -> Self {
        Self {
            sender,
            recycled,
            counters,
            current: Batch::default(),
            text: Vec::new(),
        }
    }

    /// Adds one review whose text `read_text` appends to the buffer it
    /// receives, which may already contain other reviews.
    pub(crate) fn push(
        &mut self,
        header: ReviewHeader,
        read_text: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
    ) -> io::Result<()> {
        let batch = &mut self.current;
        match batch.form {
            BatchForm::Text => {
                let start = batch.text.len();
                if let Err(error) = read_text(&mut batch.text) {
                    batch.text.truncate(start);
                    return Err(error);
                }
                batch.reviews.push((header, batch.text.len() - start));
            }
            BatchForm::Tokens => {
                self.text.clear();
                read_text(&mut self.text)?;
                batch.push_tokens(header, &self.text);

                // A single huge review would keep this buffer at full size.
                if self.text.capacity() > BATCH_BYTES * 4 {
                    self.text = Vec::new();
                }
            }
        }

        if self.current.bytes() >= BATCH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    pub(crate) fn flush(&mut self) -> io::Result<()> {
        if self.current.reviews.is_empty() {
            return Ok(());
        }
        let mut next = self.recycled.try_recv().unwrap_or_default();
        next.clear();
        // The count includes the batch the encoder is working on. Only when
        // another one waits behind it is the encoder the slower thread, and
        // then the reader tokenizes the next batch itself. With a threshold
        // of one batch, preparing the full tarball took about 5% longer
        // (wall time, 6 runs each).
        next.form = if self.counters.batches_queued.load(Ordering::Acquire) > 1 {
            BatchForm::Tokens
        } else {
            BatchForm::Text
        };

        let full = std::mem::replace(&mut self.current, next);
        self.counters.batches_queued.fetch_add(1, Ordering::AcqRel);
        self.sender
            .send(full)
            .map_err(|_| io::Error::other("the encoder stopped receiving reviews"))
    }
}
