//! The background trainer: runs the network epoch by epoch on its own OS
//! thread and reports typed events over a channel.

mod events;
mod run;
mod settings;
mod trainer;
mod verdict;

pub use events::{EpochMetrics, FailureReason, RunConfig, RunKind, TestMetrics, TrainEvent};
pub use run::train;
pub use settings::{Allowed, DEFAULT_VOCAB_SIZE, Field, Settings, SettingsError};
pub use trainer::{Trainer, spawn, spawn_with_cancel};
pub use verdict::{Assessment, Stall, Verdict, assess, best_epoch, max_review_loss};
