//! Every run of the session, and of earlier sessions once loaded, with the
//! latest exploration run and the latest retrain that the dashboard shows.

use serde::{Deserialize, Serialize};

use crate::train::{EpochMetrics, RunConfig, RunKind, TestMetrics, Verdict, assess, best_epoch};

/// State of a run: in progress, or the way it ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    #[default]
    Running,
    Finished,
    Cancelled,
    Failed,
}

/// One training run as the dashboard has seen it so far.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    pub config: RunConfig,
    /// Words in the vocabulary of the dataset the run trained on.
    pub vocabulary: usize,
    pub epochs: Vec<EpochMetrics>,
    /// Test metrics of a finished final run.
    pub test: Option<TestMetrics>,
    pub status: RunStatus,
    /// Wall time from the start of the run to its end, in seconds; `None`
    /// while it runs.
    pub seconds: Option<f64>,
    /// True for a run loaded from the runs file of an earlier session.
    pub earlier_session: bool,
}

impl RunRecord {
    pub fn new(config: RunConfig, vocabulary: usize) -> Self {
        Self {
            config,
            vocabulary,
            epochs: Vec::new(),
            test: None,
            status: RunStatus::Running,
            seconds: None,
            earlier_session: false,
        }
    }

    pub fn is_finished(&self) -> bool {
        self.status == RunStatus::Finished
    }

    /// Returns the epoch of lowest validation loss, with that loss and the
    /// validation accuracy of the same epoch. A run without a finite
    /// validation loss, such as a retrain, has none.
    pub fn best(&self) -> Option<BestEpoch> {
        let epoch = best_epoch(&self.epochs)?;
        let metrics = self.epochs.iter().find(|metrics| metrics.epoch == epoch)?;
        Some(BestEpoch {
            epoch,
            val_loss: metrics.val_loss?,
            val_accuracy: metrics.val_accuracy,
        })
    }
}

/// The epoch of lowest validation loss of one run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BestEpoch {
    pub epoch: usize,
    pub val_loss: f64,
    pub val_accuracy: Option<f64>,
}

/// Overfitting point of a run: the epoch of lowest validation loss, the
/// verdict on it and, when it differs, the epoch of highest validation
/// accuracy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overfitting {
    pub best_epoch: usize,
    pub best_loss: f64,
    /// Whether overfitting begins after `best_epoch`, validation loss has
    /// not risen yet, or the run is not learning.
    pub verdict: Verdict,
    /// Epoch and value of the highest validation accuracy, when it is not
    /// `best_epoch`.
    pub accuracy_peak: Option<(usize, f64)>,
}

/// All runs, oldest first, and which of them are the latest exploration run
/// and the latest retrain of this session: the two runs the charts, the
/// epoch table and the status panel show.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    runs: Vec<RunRecord>,
    /// Index into `runs` of the latest exploration run of this session.
    exploration: Option<usize>,
    /// Index into `runs` of the latest retrain of this session, or `None`
    /// once a newer exploration run started.
    retrain: Option<usize>,
}

impl History {
    /// Starts a new record for `config`, trained on a dataset with
    /// `vocabulary` words. It becomes the shown run of its kind; the
    /// previous one stays in the list. A new exploration run also hides the
    /// shown retrain, which belonged to the exploration run before it.
    pub fn start(&mut self, config: RunConfig, vocabulary: usize) {
        let kind = config.kind;
        self.runs.push(RunRecord::new(config, vocabulary));
        let index = Some(self.runs.len() - 1);
        match kind {
            RunKind::Exploration => {
                self.exploration = index;
                self.retrain = None;
            }
            RunKind::Final => self.retrain = index,
        }
    }

    /// Puts runs of earlier sessions before every run of this one.
    pub fn add_earlier(&mut self, earlier: Vec<RunRecord>) {
        let count = earlier.len();
        self.runs.splice(0..0, earlier);
        for index in [&mut self.exploration, &mut self.retrain] {
            *index = index.map(|index| index + count);
        }
    }

    /// Removes every run, those of earlier sessions included.
    pub fn clear(&mut self) {
        *self = History::default();
    }

    /// Returns every run, oldest first.
    pub fn runs(&self) -> &[RunRecord] {
        &self.runs
    }

    pub fn run_mut(&mut self, kind: RunKind) -> Option<&mut RunRecord> {
        let index = self.index(kind)?;
        self.runs.get_mut(index)
    }

    pub fn run(&self, kind: RunKind) -> Option<&RunRecord> {
        self.runs.get(self.index(kind)?)
    }

    fn index(&self, kind: RunKind) -> Option<usize> {
        match kind {
            RunKind::Exploration => self.exploration,
            RunKind::Final => self.retrain,
        }
    }

    /// Returns the latest exploration run of this session.
    pub fn exploration(&self) -> Option<&RunRecord> {
        self.run(RunKind::Exploration)
    }

    /// Returns the latest retrain of this session, unless an exploration
    /// run started after it.
    pub fn retrain(&self) -> Option<&RunRecord> {
        self.run(RunKind::Final)
    }

    pub fn exploration_epochs(&self) -> &[EpochMetrics] {
        self.exploration().map_or(&[], |run| run.epochs.as_slice())
    }

    pub fn retrain_epochs(&self) -> &[EpochMetrics] {
        self.retrain().map_or(&[], |run| run.epochs.as_slice())
    }

    /// Returns the overfitting point of the exploration run, if any epoch has
    /// a finite validation loss.
    pub fn overfitting(&self) -> Option<Overfitting> {
        let epochs = self.exploration_epochs();
        let assessment = assess(epochs)?;
        let best = assessment.best_epoch;
        let accuracy_peak = highest_val_accuracy(epochs).filter(|&(epoch, _)| epoch != best);
        Some(Overfitting {
            best_epoch: best,
            best_loss: assessment.best_val_loss,
            verdict: assessment.verdict,
            accuracy_peak,
        })
    }

    /// Returns the epoch after which the charts draw validation loss as
    /// overfitting, or `None` unless the verdict is overfitting.
    pub fn overfitting_epoch(&self) -> Option<usize> {
        self.overfitting()
            .filter(|overfitting| overfitting.verdict == Verdict::Overfitting)
            .map(|overfitting| overfitting.best_epoch)
    }

    /// True when the shown runs of this session have no finished epoch.
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
