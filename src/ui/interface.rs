//! Messages between the dashboard and the rest of the program: events in,
//! commands out.

use std::path::PathBuf;
use std::sync::Arc;

use crate::data::Dataset;
use crate::model::Network;
use crate::train::{RunConfig, TrainEvent};

use super::download::MissingData;
use super::status::PrepareProgress;

/// Input events from the rest of the program: the missing dataset and its
/// download, data progress, trainer events and save results.
#[derive(Clone, Debug)]
pub enum AppEvent {
    /// The dataset was not found. The dashboard offers to download it and
    /// sends [`Command::Download`] when the user accepts.
    DataMissing(MissingData),
    /// Bytes of the download so far, and the total when known.
    DownloadProgress { done: u64, total: Option<u64> },
    /// The archive is downloaded and verified. Main then prepares the data
    /// and sends [`AppEvent::Preparing`] and [`AppEvent::DataReady`].
    DownloadFinished,
    /// The download failed; the message is shown as it is.
    DownloadFailed { message: String },
    /// Progress of reading the dataset.
    Preparing(PrepareProgress),
    /// The dataset is ready. The dashboard then starts the exploration run
    /// by returning [`Command::StartRun`].
    DataReady(Arc<Dataset>),
    /// The preparation went on despite a problem, such as a rebuilt cache;
    /// the message is shown as it is until the next key.
    DataWarning { message: String },
    /// Preparing the dataset failed; the message is shown as it is.
    DataFailed { message: String },
    /// An event of the run in progress.
    Train(TrainEvent),
    /// Result of [`Command::SaveModel`]: the model was written to `path`.
    ModelSaved { path: PathBuf },
    /// Result of [`Command::SaveModel`]: saving failed with `message`.
    SaveFailed { message: String },
    /// The process received SIGTERM or SIGHUP. The dashboard quits at once,
    /// as on Ctrl-C, so that the terminal is restored.
    Terminate,
}

/// Origin of the model that serves predictions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelSource {
    /// The exploration run's weights after `epoch`.
    Exploration { epoch: usize },
    /// The model retrained on all training reviews for `epochs` epochs.
    Retrained { epochs: usize },
}

/// Requests from the dashboard to the rest of the program.
#[derive(Clone, Debug)]
pub enum Command {
    /// Start a training run; its events come back as [`AppEvent::Train`].
    /// The dashboard sends this only while no run is in progress.
    StartRun(RunConfig),
    /// Download the missing dataset; progress comes back as
    /// [`AppEvent::DownloadProgress`], then [`AppEvent::DownloadFinished`]
    /// or [`AppEvent::DownloadFailed`].
    Download,
    /// Prepare the dataset again with another vocabulary size, sending
    /// [`AppEvent::Preparing`] and then [`AppEvent::DataReady`] or
    /// [`AppEvent::DataFailed`]. The dashboard sends this only while no run
    /// is in progress and no preparation is running.
    PrepareData { vocab_size: usize },
    /// Cancel the run in progress.
    Cancel,
    /// Save `model`, the one serving predictions, and reply with
    /// [`AppEvent::ModelSaved`] or [`AppEvent::SaveFailed`].
    SaveModel {
        model: Arc<Network>,
        source: ModelSource,
    },
    /// The user quit. A run in progress has already been sent
    /// [`Command::Cancel`].
    Quit,
}

/// Effects of handling one event.
#[derive(Debug, Default)]
#[must_use]
pub struct Update {
    /// The screen must be drawn again.
    pub redraw: bool,
    pub commands: Vec<Command>,
    /// The user asked to export the history; the event loop writes the files
    /// and reports back with [`App::export_finished`].
    pub export: bool,
    /// The runs file must be written; the event loop writes it and reports
    /// back with [`App::runs_saved`].
    pub save_runs: bool,
    /// The runs file must be deleted; the event loop deletes it and reports
    /// back with [`App::runs_deleted`].
    pub delete_runs: bool,
}

impl Update {
    pub(super) fn redraw() -> Self {
        Self {
            redraw: true,
            ..Self::default()
        }
    }

    pub(super) fn command(command: Command) -> Self {
        Self {
            redraw: true,
            commands: vec![command],
            ..Self::default()
        }
    }

    pub(super) fn save_runs() -> Self {
        Self {
            redraw: true,
            save_runs: true,
            ..Self::default()
        }
    }
}
