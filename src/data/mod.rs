//! Reading the Large Movie Review Dataset and turning each review into the
//! sorted, distinct word indices of its multi-hot vector.
//!
//! [`locate`] finds the dataset, and [`prepare`] reads it (a `.tar.gz` as a
//! stream, or an extracted `aclImdb/` folder), builds the vocabulary from the
//! training reviews, encodes both splits and caches the result.

mod batch;
mod cache;
mod encode;
mod error;
mod forward_seek;
mod lookup;
mod prepare;
mod read;
mod source;
mod split;
pub mod tokenize;
pub(crate) mod word_hash;

pub use cache::CACHE_FILE_NAME;
pub use error::{DataError, PrepareWarning};
pub use prepare::{
    DEFAULT_VOCAB_SIZE, PrepareOptions, PrepareProgress, PrepareStage, Prepared, prepare,
};
pub use source::{
    DATA_ENV_VAR, DOWNLOAD_PAGE, DataSource, FOLDER_NAME, TARBALL_NAMES, locate, locate_from,
};
pub use split::{Dataset, Split, Vocabulary};
