//! The dashboard's core: state that takes events and returns commands,
//! with no terminal involved.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::data::Dataset;
use crate::i18n::{Lang, Msg};
use crate::model::Network;
use crate::train::{RunConfig, RunKind, TrainEvent};

use super::history::History;
use super::review::ReviewState;
use super::status::{DataInfo, Phase, PrepareProgress, RunClock};
use super::table::{TableScroll, row_count};
use super::theme::Theme;

/// Largest epoch count the retrain prompt accepts.
pub const MAX_RETRAIN_EPOCHS: usize = 100;

/// Input events from the rest of the program: data progress, trainer
/// events and save results.
#[derive(Clone, Debug)]
pub enum AppEvent {
    /// Progress of reading the dataset.
    Preparing(PrepareProgress),
    /// The dataset is ready. The dashboard then starts the exploration run
    /// by returning [`Command::StartRun`].
    DataReady(Arc<Dataset>),
    /// Preparing the dataset failed; the message is shown as it is.
    DataFailed { message: String },
    /// An event of the run in progress.
    Train(TrainEvent),
    /// Result of [`Command::SaveModel`]: the model was written to `path`.
    ModelSaved { path: PathBuf },
    /// Result of [`Command::SaveModel`]: saving failed with `message`.
    SaveFailed { message: String },
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
}

impl Update {
    fn redraw() -> Self {
        Self {
            redraw: true,
            ..Self::default()
        }
    }

    fn command(command: Command) -> Self {
        Self {
            redraw: true,
            commands: vec![command],
            export: false,
        }
    }
}

/// The panel that receives keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    #[default]
    Charts,
    Table,
    Review,
}

impl Focus {
    fn next(self) -> Focus {
        match self {
            Focus::Charts => Focus::Table,
            Focus::Table => Focus::Review,
            Focus::Review => Focus::Charts,
        }
    }

    fn previous(self) -> Focus {
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
    },
    QuitConfirm,
}

/// A one-line message in the footer, kept as data so that it is worded in
/// the current language when drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    RunInProgress,
    NoRunToCancel,
    CancelRequested,
    DataNotReady,
    NoModelToSave,
    SaveRequested,
    Saved(String),
    SaveFailed(String),
    Exported { csv: String, json: String },
    ExportFailed(String),
    NothingToExport,
    RunFailed(String),
    DataFailed(String),
    RunCancelled(usize),
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
            Notice::RunFailed(message) => Msg::RunFailed { message },
            Notice::DataFailed(message) => Msg::DataFailed { message },
            Notice::RunCancelled(epochs) => Msg::RunCancelled { epochs: *epochs },
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(
            self,
            Notice::SaveFailed(_)
                | Notice::ExportFailed(_)
                | Notice::RunFailed(_)
                | Notice::DataFailed(_)
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
    pub notice: Option<Notice>,
    /// Failure of the data preparation or of the last run. Unlike a notice,
    /// it stays on screen until the next run starts.
    pub failure: Option<Notice>,
    pub table: TableScroll,
    pub review: ReviewState,
    pub now: Instant,
    quit: bool,
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
            notice: None,
            failure: None,
            table: TableScroll::default(),
            review,
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
            AppEvent::Preparing(progress) => {
                let changed = self.prepare != Some(progress);
                self.prepare = Some(progress);
                Update {
                    redraw: changed,
                    ..Update::default()
                }
            }
            AppEvent::DataReady(dataset) => self.data_ready(dataset),
            AppEvent::DataFailed { message } => {
                self.phase = Phase::Failed;
                self.notice = Some(Notice::DataFailed(message));
                self.failure = self.notice.clone();
                Update::redraw()
            }
            AppEvent::Train(event) => self.train_event(event),
            AppEvent::ModelSaved { path } => {
                self.notice = Some(Notice::Saved(path.display().to_string()));
                Update::redraw()
            }
            AppEvent::SaveFailed { message } => {
                self.notice = Some(Notice::SaveFailed(message));
                Update::redraw()
            }
        }
    }

    fn data_ready(&mut self, dataset: Arc<Dataset>) -> Update {
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

    fn start_run(&mut self, config: RunConfig) -> Update {
        self.history.start(config.clone());
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
                self.end_run(Phase::Done);
                if let Some(run) = self.history.run_mut(kind) {
                    run.test = test;
                    run.finished = true;
                }
                if kind == RunKind::Final {
                    let epochs = self.history.retrain_epochs().len();
                    self.serve(model, ModelSource::Retrained { epochs });
                }
                Update::redraw()
            }
            TrainEvent::Cancelled { epochs_done } => {
                self.end_run(Phase::Cancelled);
                self.notice = Some(Notice::RunCancelled(epochs_done));
                Update::redraw()
            }
            TrainEvent::Failed { message } => {
                self.end_run(Phase::Failed);
                self.notice = Some(Notice::RunFailed(message));
                self.failure = self.notice.clone();
                Update::redraw()
            }
        }
    }

    fn end_run(&mut self, phase: Phase) {
        self.running = None;
        self.phase = phase;
        if let Some(clock) = &mut self.clock {
            clock.ended = Some(self.now);
            clock.batch = None;
        }
        if self.overlay == Some(Overlay::QuitConfirm) {
            self.overlay = None;
        }
    }

    fn serve(&mut self, network: Arc<Network>, source: ModelSource) {
        self.serving = Some(ServingModel { network, source });
        self.refresh_reading();
    }

    fn refresh_reading(&mut self) {
        let model = match (&self.dataset, &self.serving) {
            (Some(dataset), Some(serving)) => Some((&dataset.vocabulary, serving.network.as_ref())),
            _ => None,
        };
        self.review.refresh(model);
    }

    /// Handles a terminal event: keys, paste and resize.
    pub fn handle_terminal_event(&mut self, event: Event) -> Update {
        match event {
            Event::Key(key) => self.handle_key(key),
            Event::Paste(text) => self.handle_paste(&text),
            Event::Resize(_, _) => Update::redraw(),
            _ => Update::default(),
        }
    }

    /// Handles one key press. Release and repeat events are ignored, so each
    /// press acts once.
    pub fn handle_key(&mut self, key: KeyEvent) -> Update {
        if key.kind != KeyEventKind::Press {
            return Update::default();
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return self.quit_now();
        }
        let had_notice = self.notice.take().is_some();
        let mut update = match self.overlay.clone() {
            Some(overlay) => self.overlay_key(overlay, key),
            None if self.focus == Focus::Review => self.review_key(key),
            None => self.command_key(key),
        };
        update.redraw |= had_notice;
        self.sync_review_focus();
        update
    }

    fn handle_paste(&mut self, text: &str) -> Update {
        match &mut self.overlay {
            Some(Overlay::RetrainPrompt { input, .. }) => {
                let first_line = text.lines().next().unwrap_or_default();
                input.push_str(first_line.trim());
                Update::redraw()
            }
            Some(_) => Update::default(),
            None => {
                self.focus = Focus::Review;
                self.sync_review_focus();
                self.review.paste(text);
                self.refresh_reading();
                Update::redraw()
            }
        }
    }

    fn sync_review_focus(&mut self) {
        let focused = self.focus == Focus::Review && self.overlay.is_none();
        self.review.set_focused(focused);
    }

    fn review_key(&mut self, key: KeyEvent) -> Update {
        match key.code {
            KeyCode::Esc => {
                self.focus = Focus::Charts;
                Update::redraw()
            }
            KeyCode::Tab => {
                self.focus = self.focus.next();
                Update::redraw()
            }
            KeyCode::BackTab => {
                self.focus = self.focus.previous();
                Update::redraw()
            }
            _ => {
                let before = self.review.text();
                let changed = self.review.handle_key(key);
                if self.review.text() != before {
                    self.refresh_reading();
                }
                Update {
                    redraw: changed,
                    ..Update::default()
                }
            }
        }
    }

    fn command_key(&mut self, key: KeyEvent) -> Update {
        if self.focus == Focus::Table && TableScroll::is_scroll_key(&key) {
            let rows = row_count(&self.history);
            return Update {
                redraw: self.table.handle_key(key, rows),
                ..Update::default()
            };
        }
        match key.code {
            KeyCode::Tab => {
                self.focus = self.focus.next();
                Update::redraw()
            }
            KeyCode::BackTab => {
                self.focus = self.focus.previous();
                Update::redraw()
            }
            KeyCode::Char('q') | KeyCode::Esc => self.request_quit(),
            KeyCode::Char('?') => {
                self.overlay = Some(Overlay::Help);
                Update::redraw()
            }
            KeyCode::Char('r') => self.open_retrain_prompt(),
            KeyCode::Char('n') => self.new_exploration(),
            KeyCode::Char('c') => self.cancel(),
            KeyCode::Char('s') => self.save(),
            KeyCode::Char('e') => self.export(),
            _ => Update::default(),
        }
    }

    fn overlay_key(&mut self, overlay: Overlay, key: KeyEvent) -> Update {
        match overlay {
            Overlay::Help => {
                self.overlay = None;
                Update::redraw()
            }
            Overlay::QuitConfirm => match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => self.quit_now(),
                KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                    self.overlay = None;
                    Update::redraw()
                }
                _ => Update::default(),
            },
            Overlay::RetrainPrompt {
                mut input,
                rejected,
            } => match key.code {
                KeyCode::Esc => {
                    self.overlay = None;
                    Update::redraw()
                }
                KeyCode::Enter => self.submit_retrain(&input),
                KeyCode::Backspace => {
                    let changed = input.pop().is_some();
                    self.overlay = Some(Overlay::RetrainPrompt { input, rejected });
                    Update {
                        redraw: changed,
                        ..Update::default()
                    }
                }
                KeyCode::Char(character) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    input.push(character);
                    self.overlay = Some(Overlay::RetrainPrompt { input, rejected });
                    Update::redraw()
                }
                _ => Update::default(),
            },
        }
    }

    fn request_quit(&mut self) -> Update {
        if self.is_running() {
            self.overlay = Some(Overlay::QuitConfirm);
            return Update::redraw();
        }
        self.quit_now()
    }

    fn quit_now(&mut self) -> Update {
        self.quit = true;
        self.overlay = None;
        let mut commands = Vec::new();
        if self.is_running() {
            commands.push(Command::Cancel);
        }
        commands.push(Command::Quit);
        Update {
            redraw: false,
            commands,
            export: false,
        }
    }

    /// Returns the epoch count the retrain prompt proposes: the overfitting
    /// epoch, else the exploration run's length.
    pub fn default_retrain_epochs(&self) -> usize {
        self.history
            .overfitting()
            .map_or(self.exploration_config.epochs, |overfitting| {
                overfitting.best_epoch
            })
            .clamp(1, MAX_RETRAIN_EPOCHS)
    }

    fn open_retrain_prompt(&mut self) -> Update {
        if self.is_running() {
            self.notice = Some(Notice::RunInProgress);
            return Update::redraw();
        }
        if self.dataset.is_none() {
            self.notice = Some(Notice::DataNotReady);
            return Update::redraw();
        }
        self.overlay = Some(Overlay::RetrainPrompt {
            input: self.default_retrain_epochs().to_string(),
            rejected: None,
        });
        Update::redraw()
    }

    fn submit_retrain(&mut self, input: &str) -> Update {
        match parse_epochs(input) {
            Some(epochs) => {
                self.overlay = None;
                let config = RunConfig {
                    kind: RunKind::Final,
                    epochs,
                    ..self.exploration_config.clone()
                };
                self.start_run(config)
            }
            None => {
                self.overlay = Some(Overlay::RetrainPrompt {
                    input: self.default_retrain_epochs().to_string(),
                    rejected: Some(input.to_owned()),
                });
                Update::redraw()
            }
        }
    }

    fn new_exploration(&mut self) -> Update {
        if self.is_running() {
            self.notice = Some(Notice::RunInProgress);
            return Update::redraw();
        }
        if self.dataset.is_none() {
            self.notice = Some(Notice::DataNotReady);
            return Update::redraw();
        }
        self.table = TableScroll::default();
        self.start_run(self.exploration_config.clone())
    }

    fn cancel(&mut self) -> Update {
        if !self.is_running() {
            self.notice = Some(Notice::NoRunToCancel);
            return Update::redraw();
        }
        self.notice = Some(Notice::CancelRequested);
        Update::command(Command::Cancel)
    }

    fn save(&mut self) -> Update {
        let Some(serving) = &self.serving else {
            self.notice = Some(Notice::NoModelToSave);
            return Update::redraw();
        };
        let command = Command::SaveModel {
            model: Arc::clone(&serving.network),
            source: serving.source,
        };
        self.notice = Some(Notice::SaveRequested);
        Update::command(command)
    }

    fn export(&mut self) -> Update {
        if self.history.is_empty() {
            self.notice = Some(Notice::NothingToExport);
            return Update::redraw();
        }
        Update {
            redraw: false,
            commands: Vec::new(),
            export: true,
        }
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
            .exploration
            .as_ref()
            .map_or(0, |run| run.config.epochs);
        let retrain = self
            .history
            .retrain
            .as_ref()
            .map_or(0, |run| run.config.epochs);
        exploration.max(retrain).max(1)
    }
}

/// Parses the retrain prompt's input: a whole number from 1 to
/// [`MAX_RETRAIN_EPOCHS`], surrounding spaces allowed.
pub fn parse_epochs(input: &str) -> Option<usize> {
    let trimmed = input.trim();
    if trimmed.is_empty() || !trimmed.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    trimmed
        .parse::<usize>()
        .ok()
        .filter(|epochs| (1..=MAX_RETRAIN_EPOCHS).contains(epochs))
}
