//! The dense network on sparse multi-hot input, its loss and its optimizer.

mod backprop;
pub mod io;
pub mod loss;
mod network;
mod recipe;
mod rmsprop;
mod step;

pub use backprop::{BatchStats, Gradients, evaluate};
pub use network::{Dense, Network, sigmoid};
pub use recipe::{Activation, LossKind, OptimizerKind};
pub use rmsprop::{RmsProp, RmsPropState};
pub use step::{StepScratch, accumulate_gradients, train_step};
