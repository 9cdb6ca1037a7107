//! The default command: the dashboard, wired to the data loader, the
//! trainer and model saving.

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Result, bail};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::args::Cli;
use super::data::{DATA_DIR, locate_or_offer_download};
use crate::data::{DataSource, Dataset, PrepareOptions, prepare};
use crate::model::io::{TrainingRecord, save};
use crate::train::{RunConfig, RunKind, TestMetrics, TrainEvent, Trainer, spawn};
use crate::ui::{self, AppEvent, Command, ModelSource, UiOptions};

/// File that the `s` key saves the serving model to, with its `.json`.
const MODEL_FILE: &str = "model.npz";

/// Opens the dashboard and runs until the user quits.
pub fn dashboard(cli: &Cli) -> Result<()> {
    if !io::stdout().is_terminal() {
        bail!(
            "standard output is not a terminal, and the dashboard needs one; \
             run `imdb-tui train` for a run without the dashboard"
        );
    }
    let source = locate_or_offer_download(&cli.data)?;
    let exploration = RunConfig {
        epochs: usize::from(cli.epochs),
        seed: cli.seed,
        ..RunConfig::default()
    };
    let options = UiOptions::from_env(cli.lang.as_deref(), exploration, PathBuf::from(DATA_DIR));
    let vocab_size = cli.data.vocab as usize;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (event_sender, event_receiver) = mpsc::unbounded_channel();
        let (command_sender, command_receiver) = mpsc::unbounded_channel();
        let controller = Controller::new(event_sender);
        let controller_task = tokio::spawn(controller.serve(command_receiver, source, vocab_size));
        let result = ui::run(options, event_receiver, command_sender).await;
        controller_task.abort();
        result
    })
}

/// Messages to the controller from its helper threads.
enum Internal {
    Prepared(Result<Arc<Dataset>, String>),
    Train(TrainEvent),
}

/// Carries out the dashboard's commands: prepares the data, runs the
/// trainer and saves models. Dropping it cancels a run in progress.
struct Controller {
    events: UnboundedSender<AppEvent>,
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
            dataset: None,
            trainer: None,
            run: None,
            test: None,
        }
    }

    async fn serve(
        mut self,
        mut commands: UnboundedReceiver<Command>,
        source: DataSource,
        vocab_size: usize,
    ) {
        let (internal_sender, mut internal) = mpsc::unbounded_channel();
        start_preparing(
            source,
            vocab_size,
            self.events.clone(),
            internal_sender.clone(),
        );

        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Quit) | None => break,
                    Some(command) => self.handle(command, &internal_sender),
                },
                Some(message) = internal.recv() => self.receive(message),
            }
        }
    }

    fn receive(&mut self, message: Internal) {
        let event = match message {
            Internal::Prepared(Ok(dataset)) => {
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
            Command::StartRun(config) => self.start_run(config, internal),
            Command::Cancel => {
                if let Some(trainer) = &self.trainer {
                    trainer.cancel();
                }
            }
            Command::SaveModel { model, source } => {
                let reply = match self.save_model(&model, source) {
                    Ok(path) => AppEvent::ModelSaved { path },
                    Err(error) => AppEvent::SaveFailed {
                        message: super::error_message(&error),
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
                    message: format!("failed to start the trainer thread: {error}"),
                }));
            }
        }
    }

    fn save_model(&self, model: &crate::model::Network, source: ModelSource) -> Result<PathBuf> {
        let Some(dataset) = &self.dataset else {
            bail!("no dataset is loaded");
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
}

/// Prepares the dataset on its own thread, sending progress to the
/// dashboard and the result to the controller.
fn start_preparing(
    source: DataSource,
    vocab_size: usize,
    events: UnboundedSender<AppEvent>,
    done: UnboundedSender<Internal>,
) {
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
            // NOTE: the warnings of a stale, damaged or unwritable cache are
            // dropped here, so the dashboard never shows them.
            let message = result
                .map(|prepared| Arc::new(prepared.dataset))
                .map_err(|error| error.to_string());
            let _ = done.send(Internal::Prepared(message));
        });
    if let Err(error) = spawned {
        eprintln!("failed to start the data thread: {error}");
    }
}
