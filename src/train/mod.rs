//! The background trainer: runs the network epoch by epoch on its own OS
//! thread and reports typed events over a channel.

mod events;

pub use events::{EpochMetrics, RunConfig, RunKind, TestMetrics, TrainEvent, best_epoch};
