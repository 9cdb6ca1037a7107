use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{Activation, LossKind, Network, OptimizerKind};

/// Kind of training run of the classic recipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// Shuffle the training reviews, hold out `validation_size` of them and
    /// train on the rest, measuring validation loss after every epoch.
    Exploration,
    /// Train a fresh model on all training reviews, then evaluate it on the
    /// test reviews.
    Final,
}

/// Settings of one training run. The defaults are the classic recipe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    pub kind: RunKind,
    pub epochs: usize,
    /// Reviews per gradient step.
    pub batch_size: usize,
    /// Seeds the initial weights, the validation split and every epoch's
    /// shuffle.
    pub seed: u64,
    /// Training reviews held out for validation in an exploration run.
    pub validation_size: usize,
    pub learning_rate: f32,
    /// Units of each hidden layer, input side first.
    pub hidden_units: Vec<usize>,
    /// Activation of the hidden layers.
    #[serde(default)]
    pub activation: Activation,
    #[serde(default)]
    pub loss: LossKind,
    #[serde(default)]
    pub optimizer: OptimizerKind,
    /// Fraction of each hidden layer's outputs dropped in training, as a
    /// Keras `Dropout` layer after every hidden layer; 0 keeps them all.
    #[serde(default)]
    pub dropout: f32,
    /// L2 penalty on every layer's weights (not biases), as Keras's
    /// `kernel_regularizer=l2(l2)`: `l2 * sum(w²)` is added to the loss.
    #[serde(default)]
    pub l2: f32,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            kind: RunKind::Exploration,
            epochs: 20,
            batch_size: 512,
            seed: 1,
            validation_size: 10_000,
            learning_rate: 0.001,
            hidden_units: vec![16, 16],
            activation: Activation::Relu,
            loss: LossKind::BinaryCrossEntropy,
            optimizer: OptimizerKind::RmsProp,
            dropout: 0.0,
            l2: 0.0,
        }
    }
}

/// Metrics of one finished epoch. Epochs count from 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    pub epoch: usize,
    /// Mean loss over the epoch's batches, each weighted by its size, as
    /// Keras 3 reports it: every batch is measured before its own update.
    pub train_loss: f64,
    pub train_accuracy: f64,
    /// Loss over all validation reviews after the epoch; `None` in a final
    /// run, which has no validation split.
    pub val_loss: Option<f64>,
    pub val_accuracy: Option<f64>,
    /// Wall time of the epoch, validation included.
    pub seconds: f64,
}

/// Loss and accuracy of a final run's model on the test reviews.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestMetrics {
    pub loss: f64,
    pub accuracy: f64,
}

/// Event of the trainer thread. Events arrive in order: `Progress` and
/// `EpochFinished` events, then exactly one of `Finished`, `Cancelled` or
/// `Failed`.
#[derive(Clone, Debug)]
pub enum TrainEvent {
    /// `batch` of `batches` gradient steps of epoch `epoch` are done.
    Progress {
        epoch: usize,
        batch: usize,
        batches: usize,
    },
    /// An epoch ended, and `model` contains the weights after it.
    EpochFinished {
        metrics: EpochMetrics,
        model: Arc<Network>,
    },
    /// The run trained all its epochs. A final run carries its test metrics.
    Finished {
        model: Arc<Network>,
        test: Option<TestMetrics>,
    },
    /// The run stopped on request after `epochs_done` whole epochs.
    Cancelled { epochs_done: usize },
    /// The run stopped on an error, for example a loss that turned NaN.
    Failed { reason: FailureReason },
}

/// Reason a run failed. The dashboard and the CLI word it in the user's
/// language, and `Display` gives the English text for logs.
#[derive(Clone, Debug, PartialEq)]
pub enum FailureReason {
    /// The loss became NaN or infinite at this batch.
    Diverged {
        epoch: usize,
        batch: usize,
        learning_rate: f32,
    },
    ZeroEpochs,
    ZeroBatchSize,
    ZeroHiddenUnits {
        hidden_units: Vec<usize>,
    },
    EmptyVocabulary,
    InvalidLearningRate {
        learning_rate: f32,
    },
    /// A dropout rate outside `[0, 1)`.
    InvalidDropout {
        dropout: f32,
    },
    /// An L2 factor that is negative or not finite.
    InvalidL2 {
        l2: f32,
    },
    /// An exploration run would hold out all training reviews.
    ValidationTooLarge {
        validation: usize,
        reviews: usize,
    },
    NoTrainingReviews,
    NoTestReviews,
    /// The operating system could not start the trainer thread.
    ThreadNotStarted {
        error: String,
    },
}

impl std::fmt::Display for FailureReason {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Diverged {
                epoch,
                batch,
                learning_rate,
            } => write!(
                formatter,
                "the loss became NaN or infinite at epoch {epoch}, batch {batch}: the run \
                 diverged, so lower the learning rate (now {learning_rate})"
            ),
            Self::ZeroEpochs => write!(
                formatter,
                "invalid number of epochs 0: train at least 1 epoch"
            ),
            Self::ZeroBatchSize => write!(
                formatter,
                "invalid batch size 0: use at least 1 review per batch"
            ),
            Self::ZeroHiddenUnits { hidden_units } => write!(
                formatter,
                "invalid hidden layer sizes {hidden_units:?}: every layer needs at least 1 unit"
            ),
            Self::EmptyVocabulary => write!(
                formatter,
                "the vocabulary is empty: prepare the data with a vocabulary of at least 1 word"
            ),
            Self::InvalidLearningRate { learning_rate } => write!(
                formatter,
                "invalid learning rate {learning_rate}: use a positive number such as 0.001"
            ),
            Self::InvalidDropout { dropout } => write!(
                formatter,
                "invalid dropout rate {dropout}: use a fraction from 0 up to, not including, 1"
            ),
            Self::InvalidL2 { l2 } => write!(
                formatter,
                "invalid L2 factor {l2}: use 0 or a positive number such as 0.001"
            ),
            Self::ValidationTooLarge {
                validation,
                reviews,
            } => write!(
                formatter,
                "validation size {validation} leaves no training reviews out of {reviews}: use a \
                 dataset with more training reviews, or train on all of them with \
                 `imdb-tui train --full`"
            ),
            Self::NoTrainingReviews => write!(formatter, "the training split has no reviews"),
            Self::NoTestReviews => write!(
                formatter,
                "the test split has no reviews to evaluate the final model on"
            ),
            Self::ThreadNotStarted { error } => {
                write!(formatter, "failed to start the trainer thread: {error}")
            }
        }
    }
}
