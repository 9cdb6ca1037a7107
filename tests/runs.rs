//! Tests of the run history: every run kept, run names, the runs file and
//! the runs view with its keys and snapshots.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use imdb_tui::i18n::Lang;
use imdb_tui::model::{Activation, LossKind, Network, OptimizerKind};
use imdb_tui::train::{EpochMetrics, RunConfig, RunKind, TestMetrics, TrainEvent};
use imdb_tui::ui::{
    App, AppEvent, Command, History, LoopIo, MAX_PICKED, Metric, Notice, Overlay, Phase, RunRecord,
    RunStatus, RunsFileProblem, RunsLoad, RunsStore, Theme, draw, drive, run_name,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const VOCABULARY: u32 = 10_000;

fn press(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn press_all(app: &mut App, codes: &[KeyCode]) {
    for &code in codes {
        let _ = app.handle_key(press(code));
    }
}

/// Validation loss lowest at `best` with `lowest`, rising by `rise` per
/// epoch squared after it.
fn epoch(epoch: usize, best: usize, lowest: f64, rise: f64) -> EpochMetrics {
    let distance = epoch as f64 - best as f64;
    EpochMetrics {
        epoch,
        train_loss: 0.5 * (-0.3 * epoch as f64).exp(),
        train_accuracy: 0.8 + 0.01 * epoch as f64,
        val_loss: Some(lowest + rise * distance * distance),
        val_accuracy: Some(0.89 - rise * 0.2 * distance * distance),
        seconds: 0.05,
    }
}

fn final_epoch(number: usize) -> EpochMetrics {
    EpochMetrics {
        val_loss: None,
        val_accuracy: None,
        ..epoch(number, 4, 0.3, 0.001)
    }
}

fn network() -> Arc<Network> {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    Arc::new(Network::new(VOCABULARY as usize, &[16, 16], &mut rng))
}

/// Builds an app for `config` whose data is ready and whose first
/// exploration run has started.
fn ready_app(lang: Lang, config: RunConfig, start: Instant) -> App {
    let dataset = common::synthetic_dataset(12_000, 100, VOCABULARY);
    let mut app = App::new(lang, Theme::colored(), config, start);
    let update = app.handle_event(AppEvent::DataReady(Arc::new(dataset)));
    assert!(matches!(update.commands.as_slice(), [Command::StartRun(_)]));
    app
}

/// Feeds the run in progress `epochs` and a finish `seconds` after `start`.
fn finish_run(app: &mut App, epochs: Vec<EpochMetrics>, test: Option<TestMetrics>, seconds: u64) {
    let start = app.now;
    for metrics in epochs {
        let _ = app.handle_event(AppEvent::Train(TrainEvent::EpochFinished {
            metrics,
            model: network(),
        }));
    }
    let _ = app.set_now(start + Duration::from_secs(seconds));
    let update = app.handle_event(AppEvent::Train(TrainEvent::Finished {
        model: network(),
        test,
    }));
    assert!(update.save_runs, "a finished run must ask to save the runs");
}

fn record(config: RunConfig, epochs: Vec<EpochMetrics>, seconds: f64) -> RunRecord {
    RunRecord {
        epochs,
        status: RunStatus::Finished,
        seconds: Some(seconds),
        earlier_session: true,
        ..RunRecord::new(config, VOCABULARY as usize)
    }
}

fn wide_config() -> RunConfig {
    RunConfig {
        hidden_units: vec![64, 64],
        ..RunConfig::default()
    }
}

fn tanh_config() -> RunConfig {
    RunConfig {
        activation: Activation::Tanh,
        hidden_units: vec![16, 16, 16],
        ..RunConfig::default()
    }
}

/// Runs of an earlier session: the classic exploration, its retrain and a
/// run with 64 units per layer.
fn earlier_runs() -> Vec<RunRecord> {
    let classic = record(
        RunConfig::default(),
        (1..=20)
            .map(|number| epoch(number, 4, 0.277, 0.0012))
            .collect(),
        1.2,
    );
    let mut retrain = record(
        RunConfig {
            kind: RunKind::Final,
            epochs: 4,
            ..RunConfig::default()
        },
        (1..=4).map(final_epoch).collect(),
        0.4,
    );
    retrain.test = Some(TestMetrics {
        loss: 0.2931,
        accuracy: 0.8826,
    });
    let wide = record(
        wide_config(),
        (1..=20)
            .map(|number| epoch(number, 2, 0.281, 0.003))
            .collect(),
        3.4,
    );
    vec![classic, retrain, wide]
}

/// Builds the app of the snapshots: three runs loaded from an earlier
/// session, then a finished tanh run of this session.
fn compared_app(lang: Lang) -> App {
    let start = Instant::now();
    let mut app = ready_app(lang, tanh_config(), start);
    app.runs_loaded(
        RunsLoad::Loaded(earlier_runs()),
        std::path::Path::new("data/imdb-runs.json"),
    );
    let epochs = (1..=20)
        .map(|number| epoch(number, 3, 0.29, 0.002))
        .collect();
    finish_run(&mut app, epochs, None, 2);
    app
}

mod history {
    use super::*;

    #[test]
    fn every_run_is_kept() {
        let mut history = History::default();
        history.start(RunConfig::default(), 10_000);
        let retrain = RunConfig {
            kind: RunKind::Final,
            epochs: 4,
            ..RunConfig::default()
        };
        history.start(retrain.clone(), 10_000);
        history.start(wide_config(), 10_000);

        assert_eq!(history.runs().len(), 3);
        assert_eq!(history.exploration().unwrap().config, wide_config());
        assert!(
            history.retrain().is_none(),
            "a new exploration run still shows the retrain before it"
        );
        assert_eq!(history.runs()[0].config, RunConfig::default());
        assert_eq!(history.runs()[1].config, retrain);
    }

    #[test]
    fn earlier_runs_go_first() {
        let mut history = History::default();
        history.start(tanh_config(), 10_000);
        history.add_earlier(earlier_runs());

        assert_eq!(history.runs().len(), 4);
        assert_eq!(history.exploration().unwrap().config, tanh_config());
        assert!(history.runs()[0].earlier_session);
        assert!(!history.runs()[3].earlier_session);
    }

    #[test]
    fn app_keeps_runs_of_both_kinds() {
        let start = Instant::now();
        let mut app = ready_app(Lang::En, RunConfig::default(), start);
        finish_run(
            &mut app,
            (1..=6).map(|n| epoch(n, 4, 0.28, 0.001)).collect(),
            None,
            3,
        );
        press_all(&mut app, &[KeyCode::Char('r'), KeyCode::Enter]);
        finish_run(&mut app, (1..=4).map(final_epoch).collect(), None, 1);
        press_all(&mut app, &[KeyCode::Char('n')]);
        let _ = app.handle_event(AppEvent::Train(TrainEvent::Cancelled { epochs_done: 0 }));

        let runs = app.history.runs();
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[0].status, RunStatus::Finished);
        assert_eq!(runs[0].seconds, Some(3.0));
        assert_eq!(runs[0].vocabulary, VOCABULARY as usize);
        assert_eq!(runs[1].config.kind, RunKind::Final);
        assert_eq!(runs[1].epochs.len(), 4);
        assert_eq!(runs[2].status, RunStatus::Cancelled);
        assert!(app.history.exploration().unwrap().epochs.is_empty());
        assert!(app.history.retrain().is_none());
    }
}

mod names {
    use super::*;

    fn name(config: RunConfig, vocabulary: usize) -> (String, String) {
        (
            run_name(&config, vocabulary, Lang::En),
            run_name(&config, vocabulary, Lang::Zh),
        )
    }

    #[test]
    fn names_in_both_languages() {
        let cases = [
            (RunConfig::default(), "classic recipe", "经典配置"),
            (wide_config(), "64 units", "64 单元"),
            (tanh_config(), "tanh, 3 layers", "tanh，3 层"),
            (
                RunConfig {
                    optimizer: OptimizerKind::Adam,
                    learning_rate: 0.01,
                    ..RunConfig::default()
                },
                "Adam, lr 0.01",
                "Adam，学习率 0.01",
            ),
            (
                RunConfig {
                    dropout: 0.5,
                    ..RunConfig::default()
                },
                "dropout 0.5",
                "dropout 0.5",
            ),
            (
                RunConfig {
                    hidden_units: vec![32, 32, 32],
                    loss: LossKind::MeanSquaredError,
                    l2: 0.001,
                    ..RunConfig::default()
                },
                "3 layers of 32 units, MSE loss, L2 0.001",
                "3 层各 32 单元，均方误差损失，L2 0.001",
            ),
            (
                RunConfig {
                    hidden_units: vec![64, 16],
                    optimizer: OptimizerKind::SgdMomentum,
                    batch_size: 128,
                    seed: 7,
                    ..RunConfig::default()
                },
                "layers 64-16, SGD momentum, batch 128, seed 7",
                "各层 64-16，SGD 动量，批大小 128，种子 7",
            ),
            (
                RunConfig {
                    hidden_units: vec![16],
                    ..RunConfig::default()
                },
                "1 layer",
                "1 层",
            ),
        ];
        for (config, english, chinese) in cases {
            let (en, zh) = name(config, 10_000);
            assert_eq!(en, english);
            assert_eq!(zh, chinese);
        }
    }

    #[test]
    fn kind_epochs_and_validation_not_named() {
        let config = RunConfig {
            kind: RunKind::Final,
            epochs: 4,
            validation_size: 4_800,
            ..RunConfig::default()
        };
        assert_eq!(name(config, 10_000).0, "classic recipe");
    }

    #[test]
    fn vocabulary_size_named() {
        let (en, zh) = name(RunConfig::default(), 5_000);
        assert_eq!(en, "5,000 words");
        assert_eq!(zh, "词表 5,000");
    }
}

mod file {
    use super::*;

    fn history_with_runs() -> History {
        let mut history = History::default();
        history.add_earlier(earlier_runs());
        history.start(tanh_config(), 10_000);
        let run = history.run_mut(RunKind::Exploration).unwrap();
        let mut broken = epoch(1, 1, 0.3, 0.001);
        broken.train_loss = f64::NAN;
        run.epochs = vec![broken, epoch(2, 1, 0.3, 0.001)];
        run.status = RunStatus::Finished;
        run.seconds = Some(0.7);
        history.start(wide_config(), 10_000);
        history.run_mut(RunKind::Exploration).unwrap().status = RunStatus::Cancelled;
        history
    }

    #[test]
    fn save_load_round_trip() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("data").join("imdb-runs.json");
        let history = history_with_runs();
        RunsStore::new(path.clone()).save(&history).unwrap();

        let RunsLoad::Loaded(runs) = RunsStore::new(path).load() else {
            panic!("the saved runs did not load");
        };
        // The cancelled run is not saved.
        assert_eq!(runs.len(), 4);
        for (loaded, saved) in runs.iter().zip(history.runs()) {
            assert!(loaded.earlier_session);
            assert_eq!(loaded.config, saved.config);
            assert_eq!(loaded.vocabulary, saved.vocabulary);
            assert_eq!(loaded.test, saved.test);
            assert_eq!(loaded.seconds, saved.seconds);
            assert_eq!(loaded.epochs.len(), saved.epochs.len());
        }
        assert!(runs[3].epochs[0].train_loss.is_nan());
        assert_eq!(runs[3].epochs[1], history.runs()[3].epochs[1]);
    }

    #[test]
    fn file_has_format_and_version() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("imdb-runs.json");
        RunsStore::new(path.clone())
            .save(&history_with_runs())
            .unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(json["format"], "imdb-tui-runs");
        assert_eq!(json["version"], 1);
        assert_eq!(json["runs"][3]["config"]["activation"], "tanh");
        assert!(json["runs"][3]["epochs"][0]["train_loss"].is_null());
    }

    #[test]
    fn missing_file_loads_nothing() {
        let folder = tempfile::tempdir().unwrap();
        let mut store = RunsStore::new(folder.path().join("imdb-runs.json"));
        assert_eq!(store.load(), RunsLoad::NoFile);
    }

    #[test]
    fn damaged_file_renamed_aside_with_notice() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("imdb-runs.json");
        std::fs::write(
            &path,
            "{\"format\": \"imdb-tui-runs\", \"version\": 1, \"runs\": [{",
        )
        .unwrap();

        let mut store = RunsStore::new(path.clone());
        let load = store.load();
        let RunsLoad::MovedAside { problem, moved_to } = &load else {
            panic!("damaged file not moved aside: {load:?}");
        };
        assert!(
            matches!(problem, RunsFileProblem::Invalid(_)),
            "{problem:?}"
        );
        assert_eq!(*moved_to, folder.path().join("imdb-runs.json.damaged"));
        assert!(!path.exists());
        assert!(std::fs::read_to_string(moved_to).unwrap().ends_with("[{"));

        let mut app = App::new(
            Lang::En,
            Theme::colored(),
            RunConfig::default(),
            Instant::now(),
        );
        app.runs_loaded(load.clone(), &path);
        let Some(notice) = &app.notice else {
            panic!("no notice for the damaged file");
        };
        assert!(notice.is_error());
        let text = Lang::En.text(&notice.message());
        assert!(text.contains("imdb-runs.json.damaged"), "{text}");
        assert!(text.contains("invalid runs JSON"), "{text}");
        assert!(app.history.runs().is_empty());

        // Saving writes a new file and leaves the damaged one alone.
        store.save(&history_with_runs()).unwrap();
        assert!(matches!(RunsStore::new(path).load(), RunsLoad::Loaded(_)));
        assert!(std::fs::read_to_string(moved_to).unwrap().ends_with("[{"));
    }

    #[test]
    fn damaged_file_notice_shows_new_name() {
        // The binary keeps the runs file in data/, and serde_json's message
        // for a file cut off after `[{` is this long.
        let path = std::path::Path::new("data/imdb-runs.json");
        let load = RunsLoad::MovedAside {
            problem: RunsFileProblem::Invalid(
                "EOF while parsing an object at line 1 column 52".into(),
            ),
            moved_to: "data/imdb-runs.json.damaged-12".into(),
        };
        for lang in Lang::ALL {
            let mut app = App::new(lang, Theme::colored(), RunConfig::default(), Instant::now());
            app.runs_loaded(load.clone(), path);
            let screen = render(&app, 120, 40);
            assert!(
                screen.contains("imdb-runs.json.damaged-12"),
                "{lang:?}: the new name is cut off:\n{screen}"
            );
        }
    }

    #[test]
    fn second_damaged_file_gets_new_name() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("imdb-runs.json");
        std::fs::write(folder.path().join("imdb-runs.json.damaged"), "first").unwrap();
        std::fs::write(&path, "second").unwrap();

        let load = RunsStore::new(path).load();
        let RunsLoad::MovedAside { moved_to, .. } = load else {
            panic!("damaged file not moved aside: {load:?}");
        };
        assert_eq!(moved_to, folder.path().join("imdb-runs.json.damaged-2"));
        let first = folder.path().join("imdb-runs.json.damaged");
        assert_eq!(std::fs::read_to_string(first).unwrap(), "first");
    }

    #[test]
    fn other_format_and_newer_version_rejected() {
        let cases = [
            ("{\"runs\": []}", RunsFileProblem::OtherFormat),
            (
                "{\"format\": \"imdb-tui-runs\", \"version\": 9, \"runs\": []}",
                RunsFileProblem::NewerVersion(9),
            ),
        ];
        for (text, expected) in cases {
            let folder = tempfile::tempdir().unwrap();
            let path = folder.path().join("imdb-runs.json");
            std::fs::write(&path, text).unwrap();
            let load = RunsStore::new(path).load();
            let RunsLoad::MovedAside { problem, .. } = load else {
                panic!("{text} not moved aside: {load:?}");
            };
            assert_eq!(problem, expected);
        }
    }

    #[test]
    fn folder_in_place_of_file_renamed_aside() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("imdb-runs.json");
        std::fs::create_dir(&path).unwrap();
        let load = RunsStore::new(path).load();
        let RunsLoad::MovedAside { problem, .. } = load else {
            panic!("folder not moved aside: {load:?}");
        };
        assert!(
            matches!(problem, RunsFileProblem::Unreadable(_)),
            "{problem:?}"
        );
    }

    #[test]
    fn unwritable_data_folder_gives_notice() {
        // A regular file in place of the data folder blocks every write,
        // also for root, which ignores permission bits.
        let folder = tempfile::tempdir().unwrap();
        let data = folder.path().join("data");
        std::fs::write(&data, "not a folder").unwrap();
        let mut store = RunsStore::new(data.join("imdb-runs.json"));
        assert_eq!(store.load(), RunsLoad::NoFile);
        assert!(store.save(&history_with_runs()).is_err());

        let mut app = App::new(
            Lang::En,
            Theme::colored(),
            RunConfig::default(),
            Instant::now(),
        );
        app.runs_saved(Err("creating data failed".into()));
        assert_eq!(
            app.notice,
            Some(Notice::RunsNotSaved("creating data failed".into()))
        );
    }
}

/// Runs the event loop on `app` with `keys`, the runs file at `path` and
/// the trainer `events`, until the input ends.
async fn drive_keys(
    app: &mut App,
    path: &std::path::Path,
    keys: &[KeyCode],
    events: Vec<AppEvent>,
) {
    let (input_sender, input) = futures::channel::mpsc::unbounded();
    for &code in keys {
        input_sender
            .unbounded_send(Ok(Event::Key(press(code))))
            .unwrap();
    }
    drop(input_sender);
    let (event_sender, event_receiver) = tokio::sync::mpsc::unbounded_channel();
    for event in events {
        event_sender.send(event).unwrap();
    }
    drop(event_sender);
    let (command_sender, _command_receiver) = tokio::sync::mpsc::unbounded_channel();
    let export_dir = std::env::temp_dir();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let io = LoopIo {
        input,
        events: event_receiver,
        commands: &command_sender,
        export_dir: &export_dir,
        runs: Some(RunsStore::new(path.to_path_buf())),
    };
    drive(&mut terminal, app, io).await.unwrap();
}

mod event_loop {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn loads_at_start_and_saves_finished_run() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("imdb-runs.json");
        let mut earlier = History::default();
        earlier.add_earlier(earlier_runs());
        RunsStore::new(path.clone()).save(&earlier).unwrap();

        let mut app = ready_app(Lang::En, wide_config(), Instant::now());
        let mut events: Vec<AppEvent> = (1..=3)
            .map(|number| {
                AppEvent::Train(TrainEvent::EpochFinished {
                    metrics: epoch(number, 2, 0.3, 0.001),
                    model: network(),
                })
            })
            .collect();
        events.push(AppEvent::Train(TrainEvent::Finished {
            model: network(),
            test: None,
        }));
        drive_keys(&mut app, &path, &[], events).await;

        assert_eq!(app.history.runs().len(), 4);
        let RunsLoad::Loaded(saved) = RunsStore::new(path).load() else {
            panic!("the runs file did not load");
        };
        assert_eq!(saved.len(), 4);
        assert_eq!(saved[3].config, wide_config());
        assert_eq!(saved[3].epochs.len(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn saves_on_quit() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("imdb-runs.json");
        let mut app = ready_app(Lang::En, RunConfig::default(), Instant::now());
        app.runs_loaded(RunsLoad::Loaded(earlier_runs()), &path);
        drive_keys(
            &mut app,
            &path,
            &[KeyCode::Char('q'), KeyCode::Char('y')],
            Vec::new(),
        )
        .await;

        assert!(app.should_quit());
        let RunsLoad::Loaded(saved) = RunsStore::new(path).load() else {
            panic!("quitting did not save the runs");
        };
        // The run in progress at quit is not saved.
        assert_eq!(saved.len(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn clear_deletes_file_and_memory() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("imdb-runs.json");
        let mut earlier = History::default();
        earlier.add_earlier(earlier_runs());
        RunsStore::new(path.clone()).save(&earlier).unwrap();

        let mut app = compared_app(Lang::En);
        let keys = [KeyCode::Char('h'), KeyCode::Char('x'), KeyCode::Char('y')];
        drive_keys(&mut app, &path, &keys, Vec::new()).await;

        assert!(app.history.runs().is_empty());
        assert!(!path.exists(), "the runs file was not deleted");
        assert_eq!(app.notice, Some(Notice::RunsCleared));
        assert!(app.history.exploration().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn damaged_file_notice_at_start() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("imdb-runs.json");
        std::fs::write(&path, [0xff, 0x00, 0x13]).unwrap();
        let mut app = App::new(
            Lang::Zh,
            Theme::colored(),
            RunConfig::default(),
            Instant::now(),
        );
        drive_keys(&mut app, &path, &[], Vec::new()).await;

        assert!(
            matches!(app.notice, Some(Notice::RunsFileMovedAside { .. })),
            "{:?}",
            app.notice
        );
        assert!(folder.path().join("imdb-runs.json.damaged").exists());
    }
}

mod keys {
    use super::*;

    fn view(app: &App) -> &imdb_tui::ui::RunsView {
        app.runs_view.as_ref().expect("the runs view is not open")
    }

    #[test]
    fn h_opens_with_cursor_on_newest() {
        let mut app = compared_app(Lang::En);
        press_all(&mut app, &[KeyCode::Char('h')]);
        assert_eq!(view(&app).cursor, 3);
        assert!(view(&app).picked.is_empty());
        press_all(&mut app, &[KeyCode::Esc]);
        assert!(app.runs_view.is_none());
        assert!(!app.should_quit(), "Esc in the runs view must not quit");
        press_all(&mut app, &[KeyCode::Char('h'), KeyCode::Char('h')]);
        assert!(app.runs_view.is_none());
    }

    #[test]
    fn space_picks_and_drops_runs() {
        let mut app = compared_app(Lang::En);
        press_all(
            &mut app,
            &[
                KeyCode::Char('h'),
                KeyCode::Char(' '),
                KeyCode::Home,
                KeyCode::Char(' '),
                KeyCode::Down,
                KeyCode::Down,
                KeyCode::Char(' '),
            ],
        );
        assert_eq!(view(&app).picked, vec![3, 0, 2]);
        press_all(&mut app, &[KeyCode::Up, KeyCode::Up, KeyCode::Char(' ')]);
        assert_eq!(view(&app).picked, vec![3, 2]);
        assert_eq!(view(&app).cursor, 0);
        press_all(&mut app, &[KeyCode::Up, KeyCode::End]);
        assert_eq!(view(&app).cursor, 3);
    }

    #[test]
    fn picks_stop_at_limit() {
        let mut app = ready_app(Lang::En, RunConfig::default(), Instant::now());
        let runs = (0..MAX_PICKED + 1)
            .map(|_| record(RunConfig::default(), Vec::new(), 1.0))
            .collect();
        app.runs_loaded(
            RunsLoad::Loaded(runs),
            std::path::Path::new("imdb-runs.json"),
        );
        press_all(&mut app, &[KeyCode::Char('h'), KeyCode::Home]);
        for _ in 0..MAX_PICKED {
            press_all(&mut app, &[KeyCode::Char(' '), KeyCode::Down]);
        }
        press_all(&mut app, &[KeyCode::Char(' ')]);
        assert_eq!(view(&app).picked.len(), MAX_PICKED);
        assert!(view(&app).slot(MAX_PICKED).is_none());
        assert_eq!(app.notice, Some(Notice::PickLimit(MAX_PICKED)));
    }

    #[test]
    fn m_switches_metric() {
        let mut app = compared_app(Lang::En);
        press_all(&mut app, &[KeyCode::Char('h')]);
        assert_eq!(view(&app).metric, Metric::Loss);
        press_all(&mut app, &[KeyCode::Char('m')]);
        assert_eq!(view(&app).metric, Metric::Accuracy);
        press_all(&mut app, &[KeyCode::Char('m')]);
        assert_eq!(view(&app).metric, Metric::Loss);
    }

    #[test]
    fn dashboard_keys_do_nothing_in_view() {
        let mut app = compared_app(Lang::En);
        press_all(&mut app, &[KeyCode::Char('h')]);
        for key in ['r', 'n', 'c', 's', 'e'] {
            let update = app.handle_key(press(KeyCode::Char(key)));
            assert!(update.commands.is_empty(), "{key} sent a command");
            assert!(!update.export, "{key} exported");
        }
        assert_eq!(app.overlay, None);
    }

    #[test]
    fn x_asks_and_n_keeps_runs() {
        let mut app = compared_app(Lang::En);
        press_all(&mut app, &[KeyCode::Char('h'), KeyCode::Char('x')]);
        assert_eq!(app.overlay, Some(Overlay::ClearRunsConfirm));
        let update = app.handle_key(press(KeyCode::Char('n')));
        assert!(!update.delete_runs);
        assert_eq!(app.overlay, None);
        assert_eq!(app.history.runs().len(), 4);
    }

    #[test]
    fn y_clears_runs_and_asks_delete() {
        let mut app = compared_app(Lang::En);
        press_all(
            &mut app,
            &[KeyCode::Char('h'), KeyCode::Char(' '), KeyCode::Char('x')],
        );
        let update = app.handle_key(press(KeyCode::Char('y')));
        assert!(update.delete_runs);
        assert!(app.history.runs().is_empty());
        assert!(view(&app).picked.is_empty());
        assert_eq!(view(&app).cursor, 0);
        assert_eq!(app.phase, Phase::Ready);
        assert!(app.clock.is_none());
    }

    #[test]
    fn x_rejected_while_running() {
        let mut app = ready_app(Lang::En, RunConfig::default(), Instant::now());
        press_all(&mut app, &[KeyCode::Char('h'), KeyCode::Char('x')]);
        assert_eq!(app.overlay, None);
        assert_eq!(app.notice, Some(Notice::RunInProgress));
        assert_eq!(app.history.runs().len(), 1);
    }

    #[test]
    fn h_types_into_review_box() {
        let mut app = compared_app(Lang::En);
        press_all(&mut app, &[KeyCode::BackTab, KeyCode::Char('h')]);
        assert!(app.runs_view.is_none());
        assert_eq!(app.review.text(), "h");
    }
}

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| draw(frame, app)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        let mut skip = 0;
        for x in 0..buffer.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            text.push_str(symbol);
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
        }
        text.push('\n');
    }
    text
}

mod snapshots {
    use super::*;

    fn lang_name(lang: Lang) -> &'static str {
        match lang {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Opens the runs view and picks the earlier classic run and this
    /// session's tanh run.
    fn overlaid_app(lang: Lang) -> App {
        let mut app = compared_app(lang);
        press_all(
            &mut app,
            &[
                KeyCode::Char('h'),
                KeyCode::Char(' '),
                KeyCode::Home,
                KeyCode::Char(' '),
                KeyCode::Down,
            ],
        );
        app
    }

    #[test]
    fn runs_view_two_overlaid_runs() {
        for lang in Lang::ALL {
            let app = overlaid_app(lang);
            for (width, height) in [(120, 40), (80, 24)] {
                let name = format!("runs_view_{}_{width}x{height}", lang_name(lang));
                insta::assert_snapshot!(name, render(&app, width, height));
            }
        }
    }

    #[test]
    fn runs_view_accuracy() {
        for lang in Lang::ALL {
            let mut app = overlaid_app(lang);
            press_all(&mut app, &[KeyCode::Char('m')]);
            let name = format!("runs_view_accuracy_{}_120x40", lang_name(lang));
            insta::assert_snapshot!(name, render(&app, 120, 40));
        }
    }

    #[test]
    fn clear_runs_dialog() {
        for lang in Lang::ALL {
            let mut app = overlaid_app(lang);
            press_all(&mut app, &[KeyCode::Char('x')]);
            let name = format!("runs_clear_{}_80x24", lang_name(lang));
            insta::assert_snapshot!(name, render(&app, 80, 24));
        }
    }
}
