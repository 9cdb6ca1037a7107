//! The dense network on sparse multi-hot input, its loss and its optimizer.

mod backprop;
pub mod io;
pub mod loss;
mod network;
mod objective;
mod optimizer;
mod partition;
mod recipe;
mod step;
mod update;

pub use backprop::{BatchStats, Gradients, evaluate};
pub use network::{Dense, Network, sigmoid};
pub use objective::Objective;
pub use optimizer::{Adam, Optimizer, OptimizerState, RmsProp, Sgd};
pub use recipe::{Activation, LossKind, OptimizerKind};
pub use step::{StepScratch, accumulate_gradients, train_step};
