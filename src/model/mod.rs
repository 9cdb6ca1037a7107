//! The dense network on sparse multi-hot input, its loss and its optimizer.

mod network;

pub use network::{Dense, Network, sigmoid};
