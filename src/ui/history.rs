//! Epoch history of the exploration run and of the retrained model.

use crate::train::{EpochMetrics, RunConfig, RunKind, TestMetrics, best_epoch};

/// One training run as the dashboard has seen it so far.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    pub config: RunConfig,
    pub epochs: Vec<EpochMetrics>,
    /// Test metrics of a finished final run.
    pub test: Option<TestMetrics>,
    pub finished: bool,
}

impl RunRecord {
    pub fn new(config: RunConfig) -> Self {
        Self {
            config,
            epochs: Vec::new(),
            test: None,
            finished: false,
        }
    }
}

/// Overfitting point of a run: the epoch of lowest validation loss and, when
/// it differs, the epoch of highest validation accuracy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overfitting {
    pub best_epoch: usize,
    pub best_loss: f64,
    /// True when a later epoch exists, so validation loss has risen after
    /// `best_epoch` rather than still falling.
    pub rises_after: bool,
    /// Epoch and value of the highest validation accuracy, when it is not
    /// `best_epoch`.
    pub accuracy_peak: Option<(usize, f64)>,
}

/// The latest exploration run and the latest retrain.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    pub exploration: Option<RunRecord>,
    pub retrain: Option<RunRecord>,
}

impl History {
    /// Starts a new record for `config`, replacing the previous run of its
    /// kind.
    pub fn start(&mut self, config: RunConfig) {
        let record = Some(RunRecord::new(config.clone()));
        match config.kind {
            RunKind::Exploration => self.exploration = record,
            RunKind::Final => self.retrain = record,
        }
    }

    pub fn run_mut(&mut self, kind: RunKind) -> Option<&mut RunRecord> {
        match kind {
            RunKind::Exploration => self.exploration.as_mut(),
            RunKind::Final => self.retrain.as_mut(),
        }
    }

    pub fn run(&self, kind: RunKind) -> Option<&RunRecord> {
        match kind {
            RunKind::Exploration => self.exploration.as_ref(),
            RunKind::Final => self.retrain.as_ref(),
        }
    }

    pub fn exploration_epochs(&self) -> &[EpochMetrics] {
        self.exploration
            .as_ref()
            .map_or(&[], |run| run.epochs.as_slice())
    }

    pub fn retrain_epochs(&self) -> &[EpochMetrics] {
        self.retrain
            .as_ref()
            .map_or(&[], |run| run.epochs.as_slice())
    }

    /// Returns the overfitting point of the exploration run, if any epoch has
    /// a finite validation loss.
    pub fn overfitting(&self) -> Option<Overfitting> {
        let epochs = self.exploration_epochs();
        let best = best_epoch(epochs)?;
        let best_loss = epochs
            .iter()
            .find(|metrics| metrics.epoch == best)
            .and_then(|metrics| metrics.val_loss)?;
        let last = epochs
            .iter()
            .map(|metrics| metrics.epoch)
            .max()
            .unwrap_or(best);
        let accuracy_peak = highest_val_accuracy(epochs).filter(|&(epoch, _)| epoch != best);
        Some(Overfitting {
            best_epoch: best,
            best_loss,
            rises_after: last > best,
            accuracy_peak,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.exploration_epochs().is_empty() && self.retrain_epochs().is_empty()
    }
}

/// Returns the epoch with the highest finite validation accuracy, the
/// earliest on a tie.
fn highest_val_accuracy(epochs: &[EpochMetrics]) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for metrics in epochs {
        let Some(accuracy) = metrics.val_accuracy.filter(|value| value.is_finite()) else {
            continue;
        };
        if best.is_none_or(|(_, highest)| accuracy > highest) {
            best = Some((metrics.epoch, accuracy));
        }
    }
    best
}
