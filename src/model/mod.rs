//! The dense network on sparse multi-hot input, its loss and its optimizer.

mod backprop;
mod barrier;
pub mod io;
pub mod loss;
mod network;
mod objective;
mod optimizer;
mod parted;
mod parts;
mod recipe;
mod row_split;
mod step;
mod update;
mod upper;

pub use backprop::{BatchStats, Gradients, evaluate};
pub use network::{Dense, Network, sigmoid};
pub use objective::Objective;
pub use optimizer::{Adam, Optimizer, OptimizerState, RmsProp, Sgd};
pub use parted::PartedSplit;
pub use recipe::{Activation, LossKind, OptimizerKind};
pub use step::{Batches, StepScratch, accumulate_gradients, train_batches, train_step};
