//! `imdb-tui train`: a run without the dashboard, a line per epoch.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::args::{DataArgs, TrainArgs};
use super::data::{load_dataset, locate_or_offer_download};
use super::exit::QuietExit;
use super::output::print_line;
use super::stop::{StopWatcher, report_stop};
use super::suggest::{more_epochs, train_command};
use crate::data::Dataset;
use crate::i18n::{Lang, Msg};
use crate::model::Network;
use crate::model::io::{TrainingRecord, save};
use crate::train::{
    EpochMetrics, RunConfig, RunKind, Settings, TestMetrics, TrainEvent, Verdict, assess,
    spawn_with_cancel,
};

/// The last line of `train --json`.
#[derive(Debug, Serialize)]
struct Summary {
    summary: bool,
    kind: RunKind,
    epochs: usize,
    /// Epoch with the lowest validation loss.
    best_epoch: Option<usize>,
    best_val_loss: Option<f64>,
    /// True when a later epoch's validation loss is strictly above the one
    /// at `best_epoch`; `None` without validation.
    val_loss_rose: Option<bool>,
    /// `overfitting`, `not_risen` or `not_learning`, as
    /// [`crate::train::assess`] decides; `None` without validation.
    verdict: Option<Verdict>,
    test_loss: Option<f64>,
    test_accuracy: Option<f64>,
    /// Wall time of training and evaluation, data preparation excluded.
    seconds: f64,
}

/// Runs `imdb-tui train`. Its text output is in `lang`; the `--json`
/// output stays in English, because programs read it.
///
/// SIGINT or SIGTERM cancels the run and ends `train` with
/// [`QuietExit::Stopped`] after a message, before the summary and without
/// saving. A closed standard output cancels it too, with
/// [`QuietExit::OutputClosed`].
pub fn train(data: &DataArgs, args: &TrainArgs, settings: &Settings, lang: Lang) -> Result<()> {
    if let Some(path) = &args.save {
        create_save_folder(path, lang)?;
    }
    let source = locate_or_offer_download(data, lang)?;
    let prepared = load_dataset(&source, settings.vocab_size, lang)?;
    let dataset = Arc::new(prepared.dataset);
    let kind = if args.full {
        RunKind::Final
    } else {
        RunKind::Exploration
    };
    let config = settings.run_config(kind);

    let cancel = Arc::new(AtomicBool::new(false));
    let stop = StopWatcher::start(Arc::clone(&cancel), lang);
    let started = Instant::now();
    let (history, model, test) = run(&dataset, &config, cancel, &stop, args.json, lang)?;
    if let Some(signal) = stop.received() {
        return Err(report_stop(signal, history.len(), args.json, lang));
    }
    let assessment = assess(&history);
    let summary = Summary {
        summary: true,
        kind: config.kind,
        epochs: history.len(),
        best_epoch: assessment.map(|assessment| assessment.best_epoch),
        best_val_loss: assessment.map(|assessment| assessment.best_val_loss),
        val_loss_rose: assessment.map(|assessment| assessment.val_loss_rose),
        verdict: assessment.map(|assessment| assessment.verdict),
        test_loss: test.map(|test| test.loss),
        test_accuracy: test.map(|test| test.accuracy),
        seconds: started.elapsed().as_secs_f64(),
    };
    if args.json {
        print_line(&serde_json::to_string(&summary)?, lang)?;
    } else {
        let suggest = |kind, epochs| train_command(settings, data.data.as_deref(), kind, epochs);
        print_summary(&summary, &suggest, lang)?;
    }

    if let Some(path) = &args.save {
        if let Some(signal) = stop.received() {
            return Err(report_stop(signal, history.len(), args.json, lang));
        }
        save_model(path, &model, &dataset, &config, test, lang)?;
    }
    // A signal that arrives while the model is saved comes too late to
    // stop it. The files are complete, and the exit status reports the
    // signal.
    if let Some(signal) = stop.received() {
        return Err(QuietExit::Stopped { signal }.into());
    }
    Ok(())
}

/// Trains on the trainer thread, printing each epoch as it finishes.
/// `cancel` is the run's cancel flag, which `stop` sets on a signal.
/// Returning early, as on a closed standard output, drops the trainer,
/// which cancels the run.
fn run(
    dataset: &Arc<Dataset>,
    config: &RunConfig,
    cancel: Arc<AtomicBool>,
    stop: &StopWatcher,
    json: bool,
    lang: Lang,
) -> Result<(Vec<EpochMetrics>, Arc<Network>, Option<TestMetrics>)> {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let spawned = spawn_with_cancel(Arc::clone(dataset), config.clone(), sender, cancel);
    let trainer = spawned.map_err(|error| {
        anyhow::anyhow!(lang.text(&Msg::TrainerNotStarted {
            message: &error.to_string()
        }))
    })?;
    let mut history = Vec::new();

    while let Some(event) = receiver.blocking_recv() {
        match event {
            TrainEvent::Progress { .. } => {}
            TrainEvent::EpochFinished { metrics, .. } => {
                print_epoch(&metrics, config.epochs, json, lang)?;
                history.push(metrics);
            }
            TrainEvent::Finished { model, test } => {
                trainer.join();
                return Ok((history, model, test));
            }
            TrainEvent::Cancelled { epochs_done } => {
                if let Some(signal) = stop.received() {
                    return Err(report_stop(signal, epochs_done, json, lang));
                }
                bail!(lang.text(&Msg::RunCancelled {
                    epochs: epochs_done
                }))
            }
            TrainEvent::Failed { reason } => bail!(lang.text(&Msg::RunFailed { reason: &reason })),
        }
    }
    bail!(lang.text(&Msg::TrainerVanished))
}

fn print_epoch(metrics: &EpochMetrics, epochs: usize, json: bool, lang: Lang) -> Result<()> {
    if json {
        return print_line(&serde_json::to_string(metrics)?, lang);
    }
    let validation = match (metrics.val_loss, metrics.val_accuracy) {
        (Some(loss), Some(accuracy)) => Some((loss, accuracy)),
        _ => None,
    };
    let line = lang.text(&Msg::TrainEpoch {
        epoch: metrics.epoch,
        epochs,
        loss: metrics.train_loss,
        accuracy: metrics.train_accuracy,
        validation,
        seconds: metrics.seconds,
    });
    print_line(&line, lang)
}

/// Prints the summary as text. `suggest` builds the `train` command line
/// of this experiment for a run kind and a number of epochs.
fn print_summary(
    summary: &Summary,
    suggest: &dyn Fn(RunKind, usize) -> String,
    lang: Lang,
) -> Result<()> {
    if let (Some(epoch), Some(loss), Some(verdict)) =
        (summary.best_epoch, summary.best_val_loss, summary.verdict)
    {
        let message = match verdict {
            Verdict::Overfitting => {
                let command = suggest(RunKind::Final, epoch);
                lang.text(&Msg::TrainBest {
                    epoch,
                    loss,
                    command: &command,
                })
            }
            Verdict::NotRisen => {
                let more = more_epochs(summary.epochs);
                let command = (more > summary.epochs).then(|| suggest(RunKind::Exploration, more));
                lang.text(&Msg::TrainLowestSoFar {
                    epoch,
                    loss,
                    command: command.as_deref(),
                    max_epochs: more,
                })
            }
            Verdict::NotLearning(stall) => lang.text(&Msg::TrainNotLearning { stall }),
        };
        print_line(&message, lang)?;
    }
    if let (Some(loss), Some(accuracy)) = (summary.test_loss, summary.test_accuracy) {
        print_line(&lang.text(&Msg::TrainTest { loss, accuracy }), lang)?;
    }
    let total = lang.text(&Msg::TrainTotal {
        epochs: summary.epochs,
        seconds: summary.seconds,
    });
    print_line(&total, lang)
}

/// Creates the folder of `--save PATH` before training, so that a missing
/// or unwritable folder fails at once instead of after the whole run.
fn create_save_folder(path: &Path, lang: Lang) -> Result<()> {
    let Some(folder) = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
    else {
        return Ok(());
    };
    std::fs::create_dir_all(folder).with_context(|| {
        lang.text(&Msg::SaveFolderNotCreated {
            folder: &folder.display().to_string(),
            path: &path.display().to_string(),
        })
    })
}

fn save_model(
    path: &Path,
    model: &Network,
    dataset: &Dataset,
    config: &RunConfig,
    test: Option<TestMetrics>,
    lang: Lang,
) -> Result<()> {
    let record = TrainingRecord {
        run: config.clone(),
        epochs_trained: config.epochs,
        test,
        data_source: dataset.source.clone(),
    };
    save(path, model, &dataset.vocabulary, &record)?;
    eprintln!(
        "{}",
        lang.text(&Msg::ModelFilesSaved {
            weights: &path.display().to_string(),
            info: &crate::model::io::info_path(path).display().to_string(),
        })
    );
    Ok(())
}
