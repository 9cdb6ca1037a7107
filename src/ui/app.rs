//! The dashboard's core: state that takes events and returns commands,
//! with no terminal involved.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::data::Dataset;
use crate::i18n::{Lang, Msg};
use crate::model::Network;
use crate::train::{DEFAULT_VOCAB_SIZE, FailureReason, RunConfig, RunKind, TrainEvent};

use super::download::DownloadDialog;
use super::history::{History, RunStatus};
use super::interface::{AppEvent, Command, ModelSource, Update};
use super::review::ReviewState;
use super::runs::RunsView;
use super::runs_file::RunsFileProblem;
use super::settings_panel::{PendingStart, SettingsPanel};
use super::status::{DataInfo, Phase, PrepareProgress, RunClock};
use super::table::TableScroll;
use super::theme::Theme;

/// The panel that receives keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    #[default]
    Charts,
    Table,
    Review,
}

impl Focus {
    pub(super) fn next(self) -> Focus {
        match self {
            Focus::Charts => Focus::Table,
            Focus::Table => Focus::Review,
            Focus::Review => Focus::Charts,
        }
    }

    pub(super) fn previous(self) -> Focus {
        match self {
            Focus::Charts => Focus::Review,
            Focus::Table => Focus::Charts,
            Focus::Review => Focus::Table,
        }
    }
}

/// A dialog drawn over the dashboard that takes every key while open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help,
    RetrainPrompt {
        input: String,
        /// The rejected input, shown until the next attempt.
        rejected: Option<String>,
        /// True while `input` is the proposed default, which the first
        /// typed or pasted text replaces instead of extending.
        replace_on_type: bool,
    },
    QuitConfirm,
    Settings(SettingsPanel),
    /// Asks whether to delete every run, in memory and in the runs file.
    ClearRunsConfirm,
}

/// A one-line message in the footer, kept as data so that it is worded in
/// the current language when drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    RunInProgress,
    NoRunToCancel,
    CancelRequested,
    DataNotReady,
    NoModelToSave,
    SaveRequested,
    Saved(String),
    SaveFailed(String),
    Exported {
        csv: String,
        json: String,
    },
    ExportFailed(String),
    NothingToExport,
    RunFailed(FailureReason),
    DataFailed(String),
    DataWarning(String),
    RunCancelled(usize),
    /// The runs file could not be loaded and was renamed to the second path.
    RunsFileMovedAside {
        path: String,
        moved_to: String,
        problem: RunsFileProblem,
    },
    /// The runs file could not be loaded nor renamed, so it is not written.
    RunsFileKept {
        path: String,
        problem: RunsFileProblem,
        error: String,
    },
    RunsNotSaved(String),
    RunsCleared,
    RunsDeleteFailed(String),
    PickLimit(usize),
    NoRunsToClear,
}

impl Notice {
    pub fn message(&self) -> Msg<'_> {
        match self {
            Notice::RunInProgress => Msg::RunInProgress,
            Notice::NoRunToCancel => Msg::NoRunToCancel,
            Notice::CancelRequested => Msg::CancelRequested,
            Notice::DataNotReady => Msg::DataNotReady,
            Notice::NoModelToSave => Msg::NoModelToSave,
            Notice::SaveRequested => Msg::SaveRequested,
            Notice::Saved(path) => Msg::Saved { path },
            Notice::SaveFailed(message) => Msg::SaveFailed { message },
            Notice::Exported { csv, json } => Msg::Exported { csv, json },
            Notice::ExportFailed(message) => Msg::ExportFailed { message },
            Notice::NothingToExport => Msg::NothingToExport,
            Notice::RunFailed(reason) => Msg::RunFailed { reason },
            Notice::DataFailed(message) => Msg::DataFailed { message },
            Notice::DataWarning(message) => Msg::WarningLine { message },
            Notice::RunCancelled(epochs) => Msg::RunCancelled { epochs: *epochs },
            Notice::RunsFileMovedAside {
                path,
                moved_to,
                problem,
            } => Msg::RunsFileMovedAside {
                path,
                moved_to,
                problem,
            },
            Notice::RunsFileKept {
                path,
                problem,
                error,
            } => Msg::RunsFileKept {
                path,
                problem,
                error,
            },
            Notice::RunsNotSaved(message) => Msg::RunsNotSaved { message },
            Notice::RunsCleared => Msg::RunsCleared,
            Notice::RunsDeleteFailed(message) => Msg::RunsDeleteFailed { message },
            Notice::PickLimit(max) => Msg::PickLimit { max: *max },
            Notice::NoRunsToClear => Msg::NoRunsToClear,
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(
            self,
            Notice::SaveFailed(_)
                | Notice::ExportFailed(_)
                | Notice::RunFailed(_)
                | Notice::DataFailed(_)
                | Notice::RunsFileMovedAside { .. }
                | Notice::RunsFileKept { .. }
                | Notice::RunsNotSaved(_)
                | Notice::RunsDeleteFailed(_)
        )
    }
}

/// The model that serves predictions.
#[derive(Clone, Debug)]
pub struct ServingModel {
    pub network: Arc<Network>,
    pub source: ModelSource,
}

/// The whole dashboard state.
pub struct App {
    pub lang: Lang,
    pub theme: Theme,
    /// Settings of exploration runs; a retrain copies them with the chosen
    /// epoch count.
    pub exploration_config: RunConfig,
    /// Vocabulary size of the prepared dataset, or of the one being
    /// prepared.
    pub vocab_size: usize,
    /// Start that the settings panel queued until the run in progress ends.
    pub pending: Option<PendingStart>,
    pub phase: Phase,
    pub dataset: Option<Arc<Dataset>>,
    pub data_info: Option<DataInfo>,
    pub prepare: Option<PrepareProgress>,
    pub history: History,
    /// The run in progress, or the last one.
    pub clock: Option<RunClock>,
    pub running: Option<RunKind>,
    pub serving: Option<ServingModel>,
    pub focus: Focus,
    pub overlay: Option<Overlay>,
    /// Open while the dataset is missing or downloading. It takes every key
    /// that no overlay takes.
    pub download: Option<DownloadDialog>,
    pub notice: Option<Notice>,
    /// Failure of the data preparation or of the last run. Unlike a notice,
    /// it stays on screen until the next run starts.
    pub failure: Option<Notice>,
    pub table: TableScroll,
    pub review: ReviewState,
    /// Open while the runs view replaces the dashboard.
    pub runs_view: Option<RunsView>,
    pub now: Instant,
    pub(super) quit: bool,
}

impl App {
    pub fn new(lang: Lang, theme: Theme, exploration_config: RunConfig, now: Instant) -> Self {
        let mut review = ReviewState::default();
        review.set_placeholder(lang.text(&Msg::ReviewPlaceholder), theme.dim);
        Self {
            lang,
            theme,
            exploration_config: RunConfig {
                kind: RunKind::Exploration,
                ..exploration_config
            },
            vocab_size: DEFAULT_VOCAB_SIZE,
            pending: None,
            phase: Phase::Preparing,
            dataset: None,
            data_info: None,
            prepare: None,
            history: History::default(),
            clock: None,
            running: None,
            serving: None,
            focus: Focus::default(),
            overlay: None,
            download: None,
            notice: None,
            failure: None,
            table: TableScroll::default(),
            review,
            runs_view: None,
            now,
            quit: false,
        }
    }

    /// True once the user has quit.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Moves the clock to `now`; returns true when the shown elapsed time
    /// changes, which happens only while a run is in progress.
    pub fn set_now(&mut self, now: Instant) -> bool {
        let shown = |app: &App| {
            app.clock
                .as_ref()
                .map(|clock| clock.elapsed(app.now).as_secs())
        };
        let before = shown(self);
        self.now = now;
        self.is_running() && shown(self) != before
    }

    /// Handles an event from the rest of the program.
    pub fn handle_event(&mut self, event: AppEvent) -> Update {
        match event {
            AppEvent::DataMissing(missing) => self.data_missing(missing),
            AppEvent::DownloadProgress { done, total } => self.download_progress(done, total),
            AppEvent::DownloadFinished => self.download_finished(),
            AppEvent::DownloadFailed { message } => self.download_failed(message),
            AppEvent::Preparing(progress) => {
                let changed = self.prepare != Some(progress);
                self.prepare = Some(progress);
                Update {
                    redraw: changed,
                    ..Update::default()
                }
            }
            AppEvent::DataReady(dataset) => self.data_ready(dataset),
            AppEvent::DataWarning { message } => {
                self.notice = Some(Notice::DataWarning(message));
                Update::redraw()
            }
            AppEvent::DataFailed { message } => {
                self.phase = Phase::Failed;
                self.notice = Some(Notice::DataFailed(message));
                self.failure = self.notice.clone();
                Update::redraw()
            }
            AppEvent::Train(event) => {
                let update = self.train_event(event);
                self.start_pending(update)
            }
            AppEvent::ModelSaved { path } => {
                self.notice = Some(Notice::Saved(path.display().to_string()));
                Update::redraw()
            }
            AppEvent::SaveFailed { message } => {
                self.notice = Some(Notice::SaveFailed(message));
                Update::redraw()
            }
            AppEvent::Terminate => self.quit_now(),
        }
    }

    fn data_ready(&mut self, dataset: Arc<Dataset>) -> Update {
        // A dataset with no more training reviews than the usual hold-out,
        // such as a small mirror or a test archive, keeps the classic
        // proportion of 10,000 in 25,000 instead, so that a run can start.
        let train_reviews = dataset.train.len();
        if self.exploration_config.validation_size >= train_reviews {
            self.exploration_config.validation_size = train_reviews * 2 / 5;
        }
        self.data_info = Some(DataInfo {
            source: dataset.source.clone(),
            train_reviews: dataset.train.len(),
            test_reviews: dataset.test.len(),
            vocabulary: dataset.vocabulary.len(),
        });
        self.dataset = Some(dataset);
        self.prepare = None;
        self.phase = Phase::Ready;
        self.start_run(self.exploration_config.clone())
    }

    pub(super) fn start_run(&mut self, config: RunConfig) -> Update {
        let vocabulary = self.data_info.as_ref().map_or(0, |data| data.vocabulary);
        self.history.start(config.clone(), vocabulary);
        self.failure = None;
        self.running = Some(config.kind);
        self.phase = match config.kind {
            RunKind::Exploration => Phase::Exploring,
            RunKind::Final => Phase::Retraining,
        };
        self.clock = Some(RunClock {
            kind: config.kind,
            config: config.clone(),
            started: self.now,
            ended: None,
            epochs_done: 0,
            batch: None,
        });
        Update::command(Command::StartRun(config))
    }

    fn train_event(&mut self, event: TrainEvent) -> Update {
        let Some(kind) = self.running else {
            // A late event of a run that already ended changes nothing.
            return Update::default();
        };
        match event {
            TrainEvent::Progress {
                epoch,
                batch,
                batches,
            } => {
                if let Some(clock) = &mut self.clock {
                    clock.epochs_done = epoch.saturating_sub(1);
                    clock.batch = Some((batch, batches));
                }
                Update::redraw()
            }
            TrainEvent::EpochFinished { metrics, model } => {
                let epoch = metrics.epoch;
                if let Some(clock) = &mut self.clock {
                    clock.epochs_done = epoch;
                    clock.batch = None;
                }
                if let Some(run) = self.history.run_mut(kind) {
                    run.epochs.retain(|known| known.epoch != epoch);
                    run.epochs.push(metrics);
                }
                let retrained_serves = matches!(
                    self.serving,
                    Some(ServingModel {
                        source: ModelSource::Retrained { .. },
                        ..
                    })
                );
                if kind == RunKind::Exploration && !retrained_serves {
                    self.serve(model, ModelSource::Exploration { epoch });
                }
                Update::redraw()
            }
            TrainEvent::Finished { model, test } => {
                self.end_run(kind, Phase::Done);
                if let Some(run) = self.history.run_mut(kind) {
                    run.test = test;
                }
                if kind == RunKind::Final {
                    let epochs = self.history.retrain_epochs().len();
                    self.serve(model, ModelSource::Retrained { epochs });
                }
                Update::save_runs()
            }
            TrainEvent::Cancelled { epochs_done } => {
                self.end_run(kind, Phase::Cancelled);
                self.notice = Some(Notice::RunCancelled(epochs_done));
                Update::save_runs()
            }
            TrainEvent::Failed { reason } => {
                self.end_run(kind, Phase::Failed);
                self.notice = Some(Notice::RunFailed(reason));
                self.failure = self.notice.clone();
                Update::save_runs()
            }
        }
    }

    fn end_run(&mut self, kind: RunKind, phase: Phase) {
        self.running = None;
        self.phase = phase;
        let mut seconds = None;
        if let Some(clock) = &mut self.clock {
            clock.ended = Some(self.now);
            clock.batch = None;
            seconds = Some(clock.elapsed(self.now).as_secs_f64());
        }
        if let Some(run) = self.history.run_mut(kind) {
            run.status = match phase {
                Phase::Done => RunStatus::Finished,
                Phase::Cancelled => RunStatus::Cancelled,
                _ => RunStatus::Failed,
            };
            run.seconds = seconds;
        }
    }

    fn serve(&mut self, network: Arc<Network>, source: ModelSource) {
        self.serving = Some(ServingModel { network, source });
        self.refresh_reading();
    }

    pub(super) fn refresh_reading(&mut self) {
        let model = match (&self.dataset, &self.serving) {
            (Some(dataset), Some(serving)) => Some((&dataset.vocabulary, serving.network.as_ref())),
            _ => None,
        };
        self.review.refresh(model);
    }

    /// Records the outcome of an export the event loop performed.
    pub fn export_finished(&mut self, result: Result<(PathBuf, PathBuf), String>) {
        self.notice = Some(match result {
            Ok((csv, json)) => Notice::Exported {
                csv: csv.display().to_string(),
                json: json.display().to_string(),
            },
            Err(message) => Notice::ExportFailed(message),
        });
    }

    /// Words the serving model for the review box.
    pub fn model_line(&self) -> Option<String> {
        let serving = self.serving.as_ref()?;
        let message = match serving.source {
            ModelSource::Exploration { epoch } => Msg::ModelExploration { epoch },
            ModelSource::Retrained { epochs } => Msg::ModelRetrained { epochs },
        };
        Some(self.lang.text(&message))
    }

    /// Length of the charts' epoch axis.
    pub fn axis_epochs(&self) -> usize {
        let exploration = self
            .history
            .exploration()
            .map_or(0, |run| run.config.epochs);
        let retrain = self.history.retrain().map_or(0, |run| run.config.epochs);
        exploration.max(retrain).max(1)
    }
}
