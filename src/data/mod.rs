//! Reading the Large Movie Review Dataset and turning each review into the
//! sorted, distinct word indices of its multi-hot vector.

mod split;
pub mod tokenize;

pub use split::{Dataset, Split, Vocabulary};
