//! One training run, epoch by epoch, on the calling thread.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::events::{EpochMetrics, FailureReason, RunConfig, RunKind, TestMetrics, TrainEvent};
use crate::data::Dataset;
use crate::model::{
    BatchStats, Batches, Network, Objective, Optimizer, OptimizerState, PartedSplit, StepScratch,
    evaluate, train_batches,
};

/// Trains one run and sends its events to `emit`; the last event is always
/// `Finished`, `Cancelled` or `Failed`. `cancel` is checked before every
/// batch.
pub fn train(
    dataset: &Dataset,
    config: &RunConfig,
    cancel: &AtomicBool,
    emit: &mut (dyn FnMut(TrainEvent) + Send),
) {
    tracing::info!(
        kind = ?config.kind,
        epochs = config.epochs,
        seed = config.seed,
        "training run started"
    );
    let started = Instant::now();
    let mut run = || match train_epochs(dataset, config, cancel, emit) {
        Ok(event) | Err(event) => event,
    };
    // Running the loop on a thread of its own pool makes each step's
    // parallel sections cheap nested joins, instead of jobs handed in from
    // outside the pool.
    let event = match rayon::ThreadPoolBuilder::new()
        .thread_name(|index| format!("trainer-{index}"))
        .build()
    {
        Ok(pool) => pool.install(run),
        Err(error) => {
            tracing::warn!(%error, "failed to start the training threads; training on the global pool");
            run()
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    match &event {
        TrainEvent::Finished { test, .. } => {
            tracing::info!(seconds, test = ?test, "training run finished");
        }
        TrainEvent::Cancelled { epochs_done } => {
            tracing::info!(epochs_done, seconds, "training run cancelled");
        }
        TrainEvent::Failed { reason } => tracing::error!(%reason, "training run failed"),
        TrainEvent::Progress { .. } | TrainEvent::EpochFinished { .. } => {}
    }
    emit(event);
}

fn train_epochs(
    dataset: &Dataset,
    config: &RunConfig,
    cancel: &AtomicBool,
    emit: &mut (dyn FnMut(TrainEvent) + Send),
) -> Result<TrainEvent, TrainEvent> {
    validate(dataset, config).map_err(|reason| TrainEvent::Failed { reason })?;

    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut network = Network::new(dataset.vocabulary.len(), &config.hidden_units, &mut rng)
        .with_activation(config.activation);
    let (mut training, validation) = split_samples(dataset, config, &mut rng);

    let optimizer = Optimizer::new(config.optimizer, config.learning_rate);
    let mut optimizer = OptimizerState::new(optimizer, &network);
    let objective = Objective {
        loss: config.loss,
        l2: config.l2,
        dropout: config.dropout,
        dropout_seed: config.seed,
    };
    let mut scratch = StepScratch::new(&network);
    let parted = PartedSplit::new(&dataset.train, network.inputs());
    let batches = training.len().div_ceil(config.batch_size);

    for epoch in 1..=config.epochs {
        let started = Instant::now();
        training.shuffle(&mut rng);
        let mut epoch_stats = BatchStats::default();

        if cancel.load(Ordering::Relaxed) {
            return Ok(TrainEvent::Cancelled {
                epochs_done: epoch - 1,
            });
        }
        let mut stopped = None;
        let mut after_step = |batch: usize, stats: BatchStats| {
            if !stats.loss_sum.is_finite() {
                stopped = Some(Err(diverged(epoch, batch + 1, config)));
                return ControlFlow::Break(());
            }
            epoch_stats.add(stats);
            emit(TrainEvent::Progress {
                epoch,
                batch: batch + 1,
                batches,
            });
            if cancel.load(Ordering::Relaxed) && batch + 1 < batches {
                stopped = Some(Ok(TrainEvent::Cancelled {
                    epochs_done: epoch - 1,
                }));
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        };
        let epoch_batches = Batches {
            samples: &training,
            batch_size: config.batch_size,
        };
        train_batches(
            &mut network,
            &mut optimizer,
            &objective,
            &parted,
            epoch_batches,
            &mut scratch,
            &mut after_step,
        );
        if let Some(stopped) = stopped {
            return stopped;
        }

        let validation_stats = (!validation.is_empty())
            .then(|| evaluate(&network, &objective, &dataset.train, &validation));
        let metrics = EpochMetrics {
            epoch,
            train_loss: epoch_stats.mean_loss(),
            train_accuracy: epoch_stats.accuracy(),
            val_loss: validation_stats.map(|stats| stats.mean_loss()),
            val_accuracy: validation_stats.map(|stats| stats.accuracy()),
            seconds: started.elapsed().as_secs_f64(),
        };
        if metrics.val_loss.is_some_and(|loss| !loss.is_finite()) {
            return Err(diverged(epoch, batches, config));
        }
        emit(TrainEvent::EpochFinished {
            metrics,
            model: Arc::new(network.clone()),
        });
    }

    let test = (config.kind == RunKind::Final).then(|| {
        let samples: Vec<usize> = (0..dataset.test.len()).collect();
        let stats = evaluate(&network, &objective, &dataset.test, &samples);
        TestMetrics {
            loss: stats.mean_loss(),
            accuracy: stats.accuracy(),
        }
    });
    Ok(TrainEvent::Finished {
        model: Arc::new(network),
        test,
    })
}

/// Returns the training and validation review numbers. An exploration run
/// shuffles the training split with the run's generator and holds out the
/// first `validation_size` reviews. A final run trains on all of them.
fn split_samples(
    dataset: &Dataset,
    config: &RunConfig,
    rng: &mut ChaCha8Rng,
) -> (Vec<usize>, Vec<usize>) {
    let mut samples: Vec<usize> = (0..dataset.train.len()).collect();
    match config.kind {
        RunKind::Final => (samples, Vec::new()),
        RunKind::Exploration => {
            samples.shuffle(rng);
            let training = samples.split_off(config.validation_size);
            // Validation sums over its reviews in any order; in file order
            // they are read from memory front to back.
            samples.sort_unstable();
            (training, samples)
        }
    }
}

fn validate(dataset: &Dataset, config: &RunConfig) -> Result<(), FailureReason> {
    let reviews = dataset.train.len();
    if config.epochs == 0 {
        return Err(FailureReason::ZeroEpochs);
    }
    if config.batch_size == 0 {
        return Err(FailureReason::ZeroBatchSize);
    }
    if config.hidden_units.contains(&0) {
        return Err(FailureReason::ZeroHiddenUnits {
            hidden_units: config.hidden_units.clone(),
        });
    }
    if dataset.vocabulary.is_empty() {
        return Err(FailureReason::EmptyVocabulary);
    }
    if !(config.learning_rate.is_finite() && config.learning_rate > 0.0) {
        return Err(FailureReason::InvalidLearningRate {
            learning_rate: config.learning_rate,
        });
    }
    if !(0.0..1.0).contains(&config.dropout) {
        return Err(FailureReason::InvalidDropout {
            dropout: config.dropout,
        });
    }
    if !(config.l2.is_finite() && config.l2 >= 0.0) {
        return Err(FailureReason::InvalidL2 { l2: config.l2 });
    }
    if config.kind == RunKind::Exploration && config.validation_size >= reviews {
        return Err(FailureReason::ValidationTooLarge {
            validation: config.validation_size,
            reviews,
        });
    }
    if reviews == 0 {
        return Err(FailureReason::NoTrainingReviews);
    }
    if config.kind == RunKind::Final && dataset.test.is_empty() {
        return Err(FailureReason::NoTestReviews);
    }
    Ok(())
}

fn diverged(epoch: usize, batch: usize, config: &RunConfig) -> TrainEvent {
    TrainEvent::Failed {
        reason: FailureReason::Diverged {
            epoch,
            batch,
            learning_rate: config.learning_rate,
        },
    }
}
