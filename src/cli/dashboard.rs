//! The default command: the dashboard, wired to the data loader, the
//! trainer and model saving.

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Result, bail};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::args::{Cli, DataArgs};
use super::data::{DATA_DIR, download_source_from_env};
use super::messages::{data_error_text, error_text, fetch_error_text, warning_text};
use super::signals::{Termination, TerminationSignals};
use crate::data::{DataError, DataSource, Dataset, PrepareOptions, locate, prepare};
use crate::fetch::{Downloader, Source};
use crate::i18n::{Lang, Msg};
use crate::model::io::{TrainingRecord, save};
use crate::train::{
    FailureReason, RunConfig, RunKind, Settings, TestMetrics, TrainEvent, Trainer, spawn,
};
use crate::ui::{self, AppEvent, Command, MissingData, ModelSource, UiOptions};

/// File that the `s` key saves the serving model to, with its `.json`.
const MODEL_FILE: &str = "model.npz";

/// Opens the dashboard and runs until the user quits. A missing dataset
/// does not stop it, because the dashboard offers the download on screen.
pub fn dashboard(cli: &Cli, settings: &Settings, lang: Lang) -> Result<()> {
    if !io::stdout().is_terminal() {
        bail!(lang.text(&Msg::NotATerminal));
    }
    let start = find_data(&cli.data)?;
    let exploration = settings.run_config(RunKind::Exploration);
    let vocab_size = settings.vocab_size;
    let options = UiOptions {
        vocab_size,
        ..UiOptions::from_env(cli.lang.as_deref(), exploration, PathBuf::from(DATA_DIR))
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (event_sender, event_receiver) = mpsc::unbounded_channel();
        let (command_sender, command_receiver) = mpsc::unbounded_channel();
        let controller = Controller {
            lang,
            data_path: cli.data.data.clone(),
            vocab_size,
            ..Controller::new(event_sender.clone())
        };
        forward_termination(event_sender);
        let controller_task = tokio::spawn(controller.serve(command_receiver, start));
        let result = ui::run(options, event_receiver, command_sender).await;
        controller_task.abort();
        result
    })
}

/// Sends [`AppEvent::Terminate`] when the process receives SIGINT, SIGTERM
/// or SIGHUP, so that the dashboard quits as on Ctrl-C and restores the
/// terminal instead of dying on the alternate screen. Ctrl-C typed in the
/// dashboard is a key in raw mode, so SIGINT comes only from outside, as
/// from `kill -INT`. Must run inside the runtime.
fn forward_termination(events: UnboundedSender<AppEvent>) {
    let signals = [
        Termination::Interrupt,
        Termination::Terminate,
        Termination::Hangup,
    ];
    let mut signals = match TerminationSignals::install(&signals) {
        Ok(signals) => signals,
        Err(error) => {
            tracing::warn!(%error, "installing the SIGINT, SIGTERM and SIGHUP handlers failed");
            return;
        }
    };
    tokio::spawn(async move {
        let signal = signals.recv().await;
        tracing::info!("received {}, quitting", signal.name());
        let _ = events.send(AppEvent::Terminate);
    });
}

/// State of the dataset when the dashboard starts.
enum DataStart {
    Found(DataSource),
    /// The dataset is missing; `download` is the archive to offer.
    Missing {
        missing: MissingData,
        download: Source,
    },
}

/// Finds the dataset as the headless commands do. A missing dataset is not
/// an error here, but any other failure to find it is.
fn find_data(args: &DataArgs) -> Result<DataStart> {
    match locate(args.data.as_deref(), Path::new(DATA_DIR)) {
        Ok(source) => Ok(DataStart::Found(source)),
        Err(DataError::NotFound {
            looked_in,
            data_dir,
        }) => {
            let download = download_source_from_env()?;
            let missing = MissingData {
                looked_in,
                data_dir: data_dir.display().to_string(),
                url: download.url().to_owned(),
                size: download.size(),
                download_allowed: !args.no_download,
            };
            Ok(DataStart::Missing { missing, download })
        }
        Err(error) => Err(error.into()),
    }
}

/// Messages to the controller from its helper threads. Failures arrive
/// worded for the user.
enum Internal {
    Downloaded(Result<(), String>),
    /// The dataset and its preparation's warnings, or the failure.
    Prepared(Result<(Arc<Dataset>, Vec<String>), String>),
    Train(TrainEvent),
}

/// Carries out the dashboard's commands: prepares the data, runs the
/// trainer and saves models. Dropping it cancels a run in progress.
struct Controller {
    events: UnboundedSender<AppEvent>,
    lang: Lang,
    /// The `--data` path, to find the dataset again after a download.
    data_path: Option<PathBuf>,
    vocab_size: usize,
    /// The dataset found, kept to prepare it again with another vocabulary
    /// size.
    source: Option<DataSource>,
    /// The archive to download when the dataset is missing.
    download: Option<Source>,
    dataset: Option<Arc<Dataset>>,
    trainer: Option<Trainer>,
    /// Settings of the run in progress or last run.
    run: Option<RunConfig>,
    /// Test metrics of the last finished final run.
    test: Option<TestMetrics>,
}

impl Controller {
    fn new(events: UnboundedSender<AppEvent>) -> Self {
        Self {
            events,
            lang: Lang::default(),
            data_path: None,
            vocab_size: 0,
            source: None,
            download: None,
            dataset: None,
            trainer: None,
            run: None,
            test: None,
        }
    }

    async fn serve(mut self, mut commands: UnboundedReceiver<Command>, start: DataStart) {
        let (internal_sender, mut internal) = mpsc::unbounded_channel();
        match start {
            DataStart::Found(source) => self.prepare(source, &internal_sender),
            DataStart::Missing { missing, download } => {
                self.download = Some(download);
                let _ = self.events.send(AppEvent::DataMissing(missing));
            }
        }

        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Quit) | None => break,
                    Some(command) => self.handle(command, &internal_sender),
                },
                Some(message) = internal.recv() => self.receive(message, &internal_sender),
            }
        }
    }

    fn receive(&mut self, message: Internal, internal: &UnboundedSender<Internal>) {
        let event = match message {
            Internal::Downloaded(Ok(())) => {
                let _ = self.events.send(AppEvent::DownloadFinished);
                match locate(self.data_path.as_deref(), Path::new(DATA_DIR)) {
                    Ok(source) => {
                        self.prepare(source, internal);
                        return;
                    }
                    Err(error) => AppEvent::DataFailed {
                        message: data_error_text(&error, self.lang),
                    },
                }
            }
            Internal::Downloaded(Err(message)) => AppEvent::DownloadFailed { message },
            Internal::Prepared(Ok((dataset, warnings))) => {
                if !warnings.is_empty() {
                    let message = warnings.join("; ");
                    let _ = self.events.send(AppEvent::DataWarning { message });
                }
                self.dataset = Some(Arc::clone(&dataset));
                AppEvent::DataReady(dataset)
            }
            Internal::Prepared(Err(message)) => AppEvent::DataFailed { message },
            Internal::Train(event) => {
                if let TrainEvent::Finished { test, .. } = &event {
                    self.test = *test;
                }
                if matches!(
                    event,
                    TrainEvent::Finished { .. }
                        | TrainEvent::Cancelled { .. }
                        | TrainEvent::Failed { .. }
                ) {
                    self.trainer = None;
                }
                AppEvent::Train(event)
            }
        };
        let _ = self.events.send(event);
    }

    fn handle(&mut self, command: Command, internal: &UnboundedSender<Internal>) {
        match command {
            Command::Download => self.start_download(internal),
            Command::StartRun(config) => self.start_run(config, internal),
            Command::PrepareData { vocab_size } => self.prepare_again(vocab_size, internal),
            Command::Cancel => {
                if let Some(trainer) = &self.trainer {
                    trainer.cancel();
                }
            }
            Command::SaveModel { model, source } => {
                let reply = match self.save_model(&model, source) {
                    Ok(path) => AppEvent::ModelSaved { path },
                    Err(error) => AppEvent::SaveFailed {
                        message: error_text(&error, self.lang),
                    },
                };
                let _ = self.events.send(reply);
            }
            Command::Quit => {}
        }
    }

    fn start_run(&mut self, config: RunConfig, internal: &UnboundedSender<Internal>) {
        let Some(dataset) = &self.dataset else {
            return;
        };
        let (sender, mut receiver) = mpsc::unbounded_channel();
        match spawn(Arc::clone(dataset), config.clone(), sender) {
            Ok(trainer) => {
                self.trainer = Some(trainer);
                self.run = Some(config);
                let forward = internal.clone();
                tokio::spawn(async move {
                    while let Some(event) = receiver.recv().await {
                        if forward.send(Internal::Train(event)).is_err() {
                            break;
                        }
                    }
                });
            }
            Err(error) => {
                let _ = self.events.send(AppEvent::Train(TrainEvent::Failed {
                    reason: FailureReason::ThreadNotStarted {
                        error: error.to_string(),
                    },
                }));
            }
        }
    }

    fn save_model(&self, model: &crate::model::Network, source: ModelSource) -> Result<PathBuf> {
        let Some(dataset) = &self.dataset else {
            bail!(self.lang.text(&Msg::DataNotReady));
        };
        let base = self.run.clone().unwrap_or_default();
        let (run, epochs_trained, test) = match source {
            ModelSource::Exploration { epoch } => (
                RunConfig {
                    kind: RunKind::Exploration,
                    ..base
                },
                epoch,
                None,
            ),
            ModelSource::Retrained { epochs } => (
                RunConfig {
                    kind: RunKind::Final,
                    epochs,
                    ..base
                },
                epochs,
                self.test,
            ),
        };
        let path = Path::new(DATA_DIR).join(MODEL_FILE);
        std::fs::create_dir_all(DATA_DIR)?;
        let record = TrainingRecord {
            run,
            epochs_trained,
            test,
            data_source: dataset.source.clone(),
        };
        save(&path, model, &dataset.vocabulary, &record)?;
        Ok(path)
    }

    fn prepare(&mut self, source: DataSource, internal: &UnboundedSender<Internal>) {
        self.source = Some(source.clone());
        start_preparing(
            source,
            self.vocab_size,
            self.lang,
            self.events.clone(),
            internal.clone(),
        );
    }

    /// Prepares the dataset found before with `vocab_size` words, for the
    /// settings panel. The old dataset is dropped at once, so that a model
    /// saved meanwhile cannot pair it with a network of the new size.
    fn prepare_again(&mut self, vocab_size: usize, internal: &UnboundedSender<Internal>) {
        self.vocab_size = vocab_size;
        self.dataset = None;
        match self.source.clone() {
            Some(source) => self.prepare(source, internal),
            None => {
                let message = self.lang.text(&Msg::DataNotReady);
                let _ = self.events.send(AppEvent::DataFailed { message });
            }
        }
    }

    /// Downloads the archive on a thread of its own, sending progress to
    /// the dashboard and the result to the controller. It is a plain thread
    /// and not `spawn_blocking`, because the runtime waits for blocking
    /// tasks when it shuts down. Quitting thus leaves the download behind,
    /// and the next start resumes the partial file.
    fn start_download(&self, internal: &UnboundedSender<Internal>) {
        let Some(source) = self.download.clone() else {
            return;
        };
        let downloader = Downloader::new(DATA_DIR).with_source(source);
        let events = self.events.clone();
        let done = internal.clone();
        let lang = self.lang;
        let spawned = std::thread::Builder::new()
            .name("download".to_owned())
            .spawn(move || {
                let mut report = |bytes: u64, total: Option<u64>| {
                    let _ = events.send(AppEvent::DownloadProgress { done: bytes, total });
                };
                let result = downloader
                    .run(&mut report)
                    .map(drop)
                    .map_err(|error| fetch_error_text(&error, lang));
                let _ = done.send(Internal::Downloaded(result));
            });
        if let Err(error) = spawned {
            let message = self.lang.text(&Msg::ThreadNotStarted {
                message: &error.to_string(),
            });
            let _ = self.events.send(AppEvent::DownloadFailed { message });
        }
    }
}

/// Prepares the dataset on its own thread, sending progress to the
/// dashboard and the result to the controller.
fn start_preparing(
    source: DataSource,
    vocab_size: usize,
    lang: Lang,
    events: UnboundedSender<AppEvent>,
    done: UnboundedSender<Internal>,
) {
    let failed = events.clone();
    let spawned = std::thread::Builder::new()
        .name("prepare".to_owned())
        .spawn(move || {
            let options = PrepareOptions {
                vocab_size,
                cache_dir: Some(PathBuf::from(DATA_DIR)),
            };
            let result = prepare(&source, &options, &mut |progress| {
                let _ = events.send(AppEvent::Preparing(ui::PrepareProgress {
                    bytes_read: progress.bytes_read,
                    total_bytes: (progress.bytes_total > 0).then_some(progress.bytes_total),
                    reviews_read: progress.reviews_read,
                }));
            });
            let message = result
                .map(|prepared| {
                    let warnings = prepared
                        .warnings
                        .iter()
                        .map(|warning| warning_text(warning, lang))
                        .collect();
                    (Arc::new(prepared.dataset), warnings)
                })
                .map_err(|error| data_error_text(&error, lang));
            let _ = done.send(Internal::Prepared(message));
        });
    // The thread's sender moved into the failed closure, so the failure goes
    // to the dashboard directly; printing it would draw over the screen.
    if let Err(error) = spawned {
        let message = lang.text(&Msg::ThreadNotStarted {
            message: &error.to_string(),
        });
        let _ = failed.send(AppEvent::DataFailed { message });
    }
}
