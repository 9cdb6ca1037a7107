//! The dense network on sparse multi-hot input, its loss and its optimizer.

mod backprop;
pub mod io;
pub mod loss;
mod network;
mod rmsprop;

pub use backprop::{BatchStats, Gradients, accumulate_gradients, evaluate};
pub use network::{Dense, Network, sigmoid};
pub use rmsprop::{RmsProp, RmsPropState};
