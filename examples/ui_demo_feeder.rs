//! Demo feeder: runs the real dashboard against a scripted fake trainer, so
//! the dashboard can be watched (for example under tmux) without the
//! dataset. Never used by the real binary.
//!
//! `cargo run --example ui_demo_feeder -- [--lang en|zh] [--epoch-ms N]`

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use imdb_tui::data::{Dataset, Split, Vocabulary};
use imdb_tui::model::Network;
use imdb_tui::train::{EpochMetrics, RunConfig, RunKind, TestMetrics, TrainEvent};
use imdb_tui::ui::{self, AppEvent, Command, PrepareProgress, UiOptions};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

const POSITIVE: [&str; 6] = ["great", "excellent", "love", "wonderful", "best", "fun"];
const NEGATIVE: [&str; 6] = ["bad", "awful", "boring", "worst", "waste", "hate"];
const NEUTRAL: [&str; 6] = ["the", "movie", "film", "a", "and", "plot"];

/// Builds a network that reads the demo words the way a trained one would.
fn demo_network(vocabulary: &Vocabulary) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut network = Network::new(vocabulary.len(), &[16, 16], &mut rng);
    for (index, word) in vocabulary.words().iter().enumerate() {
        let push = if POSITIVE.contains(&word.as_str()) {
            0.3
        } else if NEGATIVE.contains(&word.as_str()) {
            -0.3
        } else {
            0.0
        };
        for unit in 0..16 {
            let sign = if unit % 2 == 0 { 1.0 } else { -1.0 };
            network.layers[0].weights[[index, unit]] = sign * push;
        }
    }
    for row in 0..16 {
        for unit in 0..16 {
            network.layers[1].weights[[row, unit]] = if row == unit { 1.0 } else { 0.0 };
        }
        network.layers[2].weights[[row, 0]] = if row % 2 == 0 { 0.5 } else { -0.5 };
    }
    network
}

/// Metrics shaped like the classic run: validation loss lowest at epoch 4.
fn demo_metrics(epoch: usize, kind: RunKind) -> EpochMetrics {
    let e = epoch as f64;
    let train_loss = 0.52 * (-0.28 * (e - 1.0)).exp() + 0.008;
    let val = |value| {
        if kind == RunKind::Exploration {
            Some(value)
        } else {
            None
        }
    };
    EpochMetrics {
        epoch,
        train_loss,
        train_accuracy: (1.0 - train_loss * 0.38).min(0.999),
        val_loss: val(0.277 + 0.0021 * (e - 4.0).powi(2) + 0.004 * (e - 4.0).abs()),
        val_accuracy: val(0.889 - 0.0009 * (e - 3.0).powi(2)),
        seconds: 1.2 + 0.05 * e,
    }
}

fn spawn_fake_trainer(
    config: RunConfig,
    model: Arc<Network>,
    epoch_ms: u64,
    cancel: Arc<AtomicBool>,
    events: UnboundedSender<AppEvent>,
) {
    thread::spawn(move || {
        let batches = 30;
        for epoch in 1..=config.epochs {
            for batch in 1..=batches {
                if cancel.load(Ordering::Relaxed) {
                    let _ = events.send(AppEvent::Train(TrainEvent::Cancelled {
                        epochs_done: epoch - 1,
                    }));
                    return;
                }
                thread::sleep(Duration::from_millis(epoch_ms / batches as u64));
                let _ = events.send(AppEvent::Train(TrainEvent::Progress {
                    epoch,
                    batch,
                    batches,
                }));
            }
            let metrics = demo_metrics(epoch, config.kind);
            let _ = events.send(AppEvent::Train(TrainEvent::EpochFinished {
                metrics,
                model: Arc::clone(&model),
            }));
        }
        let test = (config.kind == RunKind::Final).then_some(TestMetrics {
            loss: 0.2931,
            accuracy: 0.8826,
        });
        let _ = events.send(AppEvent::Train(TrainEvent::Finished { model, test }));
    });
}

fn main() -> anyhow::Result<()> {
    let arguments: Vec<String> = std::env::args().collect();
    let value_of = |flag: &str| {
        arguments
            .iter()
            .position(|argument| argument == flag)
            .and_then(|position| arguments.get(position + 1))
            .cloned()
    };
    let lang_flag = value_of("--lang");
    let epoch_ms: u64 = value_of("--epoch-ms")
        .and_then(|value| value.parse().ok())
        .unwrap_or(600);

    let words: Vec<String> = NEUTRAL
        .iter()
        .chain(&POSITIVE)
        .chain(&NEGATIVE)
        .map(|word| word.to_string())
        .collect();
    let vocabulary = Vocabulary::new(words);
    let model = Arc::new(demo_network(&vocabulary));
    let split = Split {
        offsets: vec![0],
        ..Split::default()
    };
    let dataset = Arc::new(Dataset {
        source: "demo feeder (no real data)".into(),
        vocabulary,
        train: split.clone(),
        test: split,
    });

    let export_dir = std::env::temp_dir();
    let options = UiOptions::from_env(lang_flag.as_deref(), RunConfig::default(), export_dir);
    let (event_sender, event_receiver) = unbounded_channel();
    let (command_sender, mut command_receiver) = unbounded_channel();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    runtime.block_on(async move {
        let feeder_events = event_sender.clone();
        let feeder_dataset = Arc::clone(&dataset);
        tokio::spawn(async move {
            let total = 28_630_985u64;
            for step in 1..=20u64 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let _ = feeder_events.send(AppEvent::Preparing(PrepareProgress {
                    bytes_read: total * step / 20,
                    total_bytes: Some(total),
                    reviews_read: (50_000 * step / 20) as usize,
                }));
            }
            let _ = feeder_events.send(AppEvent::DataReady(feeder_dataset));
        });

        let command_events = event_sender.clone();
        let command_dataset = Arc::clone(&dataset);
        tokio::spawn(async move {
            let mut cancel = Arc::new(AtomicBool::new(false));
            while let Some(command) = command_receiver.recv().await {
                match command {
                    Command::StartRun(config) => {
                        cancel = Arc::new(AtomicBool::new(false));
                        spawn_fake_trainer(
                            config,
                            Arc::clone(&model),
                            epoch_ms,
                            Arc::clone(&cancel),
                            command_events.clone(),
                        );
                    }
                    // The demo has one vocabulary, so it sends the same
                    // dataset again for any size.
                    Command::PrepareData { .. } => {
                        let _ =
                            command_events.send(AppEvent::DataReady(Arc::clone(&command_dataset)));
                    }
                    Command::Cancel => cancel.store(true, Ordering::Relaxed),
                    Command::SaveModel { .. } => {
                        let _ = command_events.send(AppEvent::ModelSaved {
                            path: std::env::temp_dir().join("demo-model.bin"),
                        });
                    }
                    // The demo's data is always present, so no download is
                    // ever requested.
                    Command::Download => {}
                    Command::Quit => break,
                }
            }
        });

        ui::run(options, event_receiver, command_sender).await
    })
}
