//! Tests of the dashboard: whole-screen snapshots, key handling, the event
//! loop driven by scripted channels, charts, table and export.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use imdb_tui::data::{Dataset, Split, Vocabulary};
use imdb_tui::i18n::Lang;
use imdb_tui::model::Network;
use imdb_tui::train::{
    EpochMetrics, FailureReason, RunConfig, RunKind, TestMetrics, TrainEvent, Verdict,
};
use imdb_tui::ui::{
    App, AppEvent, Command, DownloadStep, Focus, Metric, MissingData, ModelSource, Notice, Overlay,
    Phase, PrepareProgress, Theme, Update, chart_data, draw,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const POSITIVE: [&str; 6] = ["great", "excellent", "love", "wonderful", "best", "fun"];
const NEGATIVE: [&str; 6] = ["bad", "awful", "boring", "worst", "waste", "hate"];
const NEUTRAL: [&str; 6] = ["the", "movie", "film", "a", "and", "plot"];

fn vocabulary() -> Vocabulary {
    let words = NEUTRAL
        .iter()
        .chain(&POSITIVE)
        .chain(&NEGATIVE)
        .map(|word| word.to_string())
        .collect();
    Vocabulary::new(words)
}

/// Builds a seeded network whose first layer is set so that the positive
/// words raise the output and the negative words lower it.
fn network() -> Network {
    let vocabulary = vocabulary();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut network = Network::new(vocabulary.len(), &[16, 16], &mut rng);
    for (index, word) in vocabulary.words().iter().enumerate() {
        let push = if POSITIVE.contains(&word.as_str()) {
            0.25
        } else if NEGATIVE.contains(&word.as_str()) {
            -0.25
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

fn split(reviews: usize) -> Split {
    Split {
        offsets: vec![0; reviews + 1],
        indices: Vec::new(),
        labels: vec![0; reviews],
        ratings: vec![1; reviews],
    }
}

fn dataset() -> Arc<Dataset> {
    Arc::new(Dataset {
        source: "aclImdb_v1.tar.gz".into(),
        vocabulary: vocabulary(),
        train: split(25_000),
        test: split(25_000),
    })
}

/// Metrics shaped like the classic run: validation loss lowest at epoch 4
/// (0.277), validation accuracy highest at epoch 3.
fn exploration_epoch(epoch: usize) -> EpochMetrics {
    let e = epoch as f64;
    let train_loss = 0.52 * (-0.28 * (e - 1.0)).exp() + 0.008;
    EpochMetrics {
        epoch,
        train_loss,
        train_accuracy: (1.0 - train_loss * 0.38).min(0.999),
        val_loss: Some(0.277 + 0.0011 * (e - 4.0).powi(2) + 0.004 * (e - 4.0).abs()),
        val_accuracy: Some(0.889 - 0.0003 * (e - 3.0).powi(2)),
        seconds: 1.2 + 0.05 * e,
    }
}

/// Metrics shaped like a run at learning rate 1 whose outputs saturated:
/// validation loss 8.003 at every epoch, accuracy at chance.
fn saturated_epoch(epoch: usize) -> EpochMetrics {
    EpochMetrics {
        epoch,
        train_loss: if epoch == 1 { 7.692 } else { 7.950 },
        train_accuracy: 0.502,
        val_loss: Some(8.003_077_188_730_24),
        val_accuracy: Some(0.498),
        seconds: 0.9,
    }
}

/// Metrics of a run whose training loss stays at 0.693 while validation
/// loss is lowest at epoch 2 and rises after it.
fn stalled_epoch(epoch: usize) -> EpochMetrics {
    let e = epoch as f64;
    EpochMetrics {
        epoch,
        train_loss: 0.693,
        train_accuracy: 0.5,
        val_loss: Some(0.69 + 0.01 * (e - 2.0).abs()),
        val_accuracy: Some(0.5),
        seconds: 0.9,
    }
}

fn final_epoch(epoch: usize) -> EpochMetrics {
    EpochMetrics {
        val_loss: None,
        val_accuracy: None,
        ..exploration_epoch(epoch)
    }
}

fn press(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn key_with_kind(code: KeyCode, kind: KeyEventKind) -> KeyEvent {
    KeyEvent {
        code,
        modifiers: KeyModifiers::NONE,
        kind,
        state: KeyEventState::NONE,
    }
}

fn epoch_finished(metrics: EpochMetrics) -> AppEvent {
    AppEvent::Train(TrainEvent::EpochFinished {
        metrics,
        model: Arc::new(network()),
    })
}

fn type_text(app: &mut App, text: &str) {
    for character in text.chars() {
        let _ = app.handle_key(press(KeyCode::Char(character)));
    }
}

/// Builds an app whose data is ready and whose exploration run has
/// started at `start`.
fn running_app(lang: Lang, start: Instant) -> App {
    let mut app = App::new(lang, Theme::colored(), RunConfig::default(), start);
    let update = app.handle_event(AppEvent::DataReady(dataset()));
    assert!(matches!(update.commands.as_slice(), [Command::StartRun(_)]));
    app
}

/// Builds an app after the whole 20-epoch exploration run.
fn explored_app(lang: Lang) -> App {
    finished_app(lang, (1..=20).map(exploration_epoch))
}

/// Builds an app after an exploration run that finished with `epochs`.
fn finished_app(lang: Lang, epochs: impl IntoIterator<Item = EpochMetrics>) -> App {
    let start = Instant::now();
    let mut app = running_app(lang, start);
    for metrics in epochs {
        let _ = app.handle_event(epoch_finished(metrics));
    }
    let _ = app.set_now(start + Duration::from_secs(31));
    let _ = app.handle_event(AppEvent::Train(TrainEvent::Finished {
        model: Arc::new(network()),
        test: None,
    }));
    app
}

fn retrained_app(lang: Lang) -> App {
    let mut app = explored_app(lang);
    let _ = app.handle_key(press(KeyCode::Char('r')));
    let update = app.handle_key(press(KeyCode::Enter));
    assert!(
        matches!(update.commands.as_slice(), [Command::StartRun(config)] if config.kind == RunKind::Final && config.epochs == 4)
    );
    for epoch in 1..=4 {
        let _ = app.handle_event(epoch_finished(final_epoch(epoch)));
    }
    let _ = app.set_now(app.now + Duration::from_secs(6));
    let _ = app.handle_event(AppEvent::Train(TrainEvent::Finished {
        model: Arc::new(network()),
        test: Some(TestMetrics {
            loss: 0.2931,
            accuracy: 0.8826,
        }),
    }));
    app
}

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| draw(frame, app)).unwrap();
    screen_text(terminal.backend().buffer())
}

/// Returns the buffer as lines of text, each cell's symbol once: the cell
/// after a double-width character is skipped, as a terminal shows it.
fn screen_text(buffer: &ratatui::buffer::Buffer) -> String {
    use unicode_width::UnicodeWidthStr;
    let area = buffer.area;
    let mut text = String::new();
    for y in area.top()..area.bottom() {
        let mut skip = 0;
        for x in area.left()..area.right() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            text.push_str(symbol);
            skip = symbol.width().saturating_sub(1);
        }
        text.push('\n');
    }
    text
}

fn snapshot(name: String, screen: String) {
    insta::assert_snapshot!(name, screen);
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Zh => "zh",
    }
}

/// Snapshots `app` in both sizes: 120x40 and the minimum, 80x24.
fn snapshot_sizes(name: &str, lang: Lang, app: &App) {
    for (width, height) in [(120, 40), (80, 24)] {
        let screen = render(app, width, height);
        snapshot(
            format!("{name}_{}_{width}x{height}", lang_name(lang)),
            screen,
        );
    }
}

mod snapshots {
    use super::*;

    #[test]
    fn preparing_data() {
        for lang in Lang::ALL {
            let mut app = App::new(lang, Theme::colored(), RunConfig::default(), Instant::now());
            let _ = app.handle_event(AppEvent::Preparing(PrepareProgress {
                bytes_read: 12_000_000,
                total_bytes: Some(28_630_985),
                reviews_read: 21_000,
            }));
            snapshot_sizes("preparing", lang, &app);
        }
    }

    #[test]
    fn mid_run() {
        for lang in Lang::ALL {
            let start = Instant::now();
            let mut app = running_app(lang, start);
            for epoch in 1..=6 {
                let _ = app.handle_event(epoch_finished(exploration_epoch(epoch)));
            }
            let _ = app.handle_event(AppEvent::Train(TrainEvent::Progress {
                epoch: 7,
                batch: 15,
                batches: 30,
            }));
            let _ = app.set_now(start + Duration::from_secs(13));
            snapshot_sizes("mid_run", lang, &app);
        }
    }

    #[test]
    fn overfitting_after_twenty_epochs() {
        for lang in Lang::ALL {
            snapshot_sizes("overfitting", lang, &explored_app(lang));
        }
    }

    #[test]
    fn not_learning_with_flat_loss() {
        for lang in Lang::ALL {
            let app = finished_app(lang, (1..=5).map(saturated_epoch));
            snapshot_sizes("not_learning", lang, &app);
        }
    }

    #[test]
    fn not_learning_with_flat_training_loss() {
        for lang in Lang::ALL {
            let app = finished_app(lang, (1..=5).map(stalled_epoch));
            let screen = render(&app, 120, 40);
            snapshot(
                format!("not_learning_rise_{}_120x40", lang_name(lang)),
                screen,
            );
        }
    }

    #[test]
    fn retrained_with_test_accuracy() {
        for lang in Lang::ALL {
            snapshot_sizes("retrained", lang, &retrained_app(lang));
        }
    }

    #[test]
    fn typed_review_with_prediction() {
        for lang in Lang::ALL {
            let mut app = explored_app(lang);
            let _ = app.handle_key(press(KeyCode::BackTab));
            assert_eq!(app.focus, Focus::Review);
            type_text(
                &mut app,
                "A great film, I love it. Fun! 电影 😀 café but the plot is boring",
            );
            snapshot_sizes("review", lang, &app);
        }
    }

    #[test]
    fn review_with_unknown_words_only() {
        for lang in Lang::ALL {
            let mut app = explored_app(lang);
            let _ = app.handle_key(press(KeyCode::BackTab));
            type_text(&mut app, "zzz qqq 电影");
            let screen = render(&app, 120, 40);
            snapshot(format!("review_unknown_{}_120x40", lang_name(lang)), screen);
        }
    }

    #[test]
    fn help_overlay() {
        for lang in Lang::ALL {
            let mut app = explored_app(lang);
            let _ = app.handle_key(press(KeyCode::Char('?')));
            snapshot_sizes("help", lang, &app);
        }
    }

    #[test]
    fn retrain_prompt_with_invalid_value() {
        for lang in Lang::ALL {
            let mut app = explored_app(lang);
            let _ = app.handle_key(press(KeyCode::Char('r')));
            let _ = app.handle_key(press(KeyCode::Backspace));
            type_text(&mut app, "abc");
            let _ = app.handle_key(press(KeyCode::Enter));
            snapshot_sizes("retrain_prompt_invalid", lang, &app);
        }
    }

    #[test]
    fn too_small_terminal() {
        for lang in Lang::ALL {
            let app = explored_app(lang);
            let screen = render(&app, 60, 20);
            snapshot(format!("too_small_{}_60x20", lang_name(lang)), screen);
        }
    }
}

/// The facts main sends when the dataset is missing, with the places the
/// data module checks when neither `--data` nor `IMDB_DATA` is given.
fn missing_data(download_allowed: bool) -> MissingData {
    MissingData {
        looked_in: vec![
            "--data (not given)".into(),
            "IMDB_DATA (not set)".into(),
            "data/aclImdb (folder)".into(),
            "data/aclImdb_v1.tar.gz".into(),
            "data/aclImdb-labeled.tar.gz".into(),
        ],
        data_dir: "data".into(),
        url: "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz".into(),
        size: Some(84_125_825),
        download_allowed,
    }
}

/// Builds an app that has just learned that the dataset is missing.
fn missing_app(lang: Lang, download_allowed: bool, start: Instant) -> App {
    let mut app = App::new(lang, Theme::colored(), RunConfig::default(), start);
    let update = app.handle_event(AppEvent::DataMissing(missing_data(download_allowed)));
    assert!(update.redraw);
    assert!(update.commands.is_empty());
    app
}

/// Builds an app 4 seconds into a download: 10 MB arrived at the start
/// (resumed from an earlier run) and 30 MB of 84 MB by now.
fn downloading_app(lang: Lang) -> App {
    let start = Instant::now();
    let mut app = missing_app(lang, true, start);
    let update = app.handle_key(press(KeyCode::Char('y')));
    assert!(matches!(update.commands.as_slice(), [Command::Download]));
    let total = Some(84_125_825);
    let _ = app.handle_event(AppEvent::DownloadProgress {
        done: 10_000_000,
        total,
    });
    let _ = app.set_now(start + Duration::from_secs(4));
    let _ = app.handle_event(AppEvent::DownloadProgress {
        done: 30_000_000,
        total,
    });
    app
}

fn failed_download_app(lang: Lang) -> App {
    let mut app = downloading_app(lang);
    let message = "connection to https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz \
                   refused: retry later";
    let _ = app.handle_event(AppEvent::DownloadFailed {
        message: message.into(),
    });
    app
}

mod download_snapshots {
    use super::*;

    #[test]
    fn download_question() {
        for lang in Lang::ALL {
            let app = missing_app(lang, true, Instant::now());
            snapshot_sizes("download_question", lang, &app);
        }
    }

    #[test]
    fn download_in_progress() {
        for lang in Lang::ALL {
            snapshot_sizes("download_progress", lang, &downloading_app(lang));
        }
    }

    #[test]
    fn download_failed() {
        for lang in Lang::ALL {
            snapshot_sizes("download_failed", lang, &failed_download_app(lang));
        }
    }

    #[test]
    fn no_download_instructions() {
        for lang in Lang::ALL {
            let app = missing_app(lang, false, Instant::now());
            snapshot_sizes("no_download", lang, &app);
        }
    }

    #[test]
    fn quit_confirmation() {
        for lang in Lang::ALL {
            let start = Instant::now();
            let mut app = running_app(lang, start);
            for epoch in 1..=3 {
                let _ = app.handle_event(epoch_finished(exploration_epoch(epoch)));
            }
            let _ = app.set_now(start + Duration::from_secs(5));
            let update = app.handle_key(press(KeyCode::Char('q')));
            assert!(update.commands.is_empty());
            assert_eq!(app.overlay, Some(Overlay::QuitConfirm));
            snapshot_sizes("quit_confirm", lang, &app);
        }
    }
}

mod wide_characters {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    /// Returns the Chinese dashboard in each state that has its own layout.
    fn chinese_states() -> Vec<(&'static str, App)> {
        let lang = Lang::Zh;
        let mut preparing = App::new(lang, Theme::colored(), RunConfig::default(), Instant::now());
        let _ = preparing.handle_event(AppEvent::Preparing(PrepareProgress {
            bytes_read: 12_000_000,
            total_bytes: Some(28_630_985),
            reviews_read: 21_000,
        }));
        let mut help = explored_app(lang);
        let _ = help.handle_key(press(KeyCode::Char('?')));
        let mut prompt = explored_app(lang);
        let _ = prompt.handle_key(press(KeyCode::Char('r')));
        type_text(&mut prompt, "x");
        let _ = prompt.handle_key(press(KeyCode::Enter));
        let mut quit = running_app(lang, Instant::now());
        let _ = quit.handle_key(press(KeyCode::Char('q')));
        let mut review = explored_app(lang);
        let _ = review.handle_key(press(KeyCode::BackTab));
        type_text(&mut review, "A great film 电影 😀 but boring");
        vec![
            ("preparing", preparing),
            ("explored", explored_app(lang)),
            (
                "not learning",
                finished_app(lang, (1..=5).map(saturated_epoch)),
            ),
            ("retrained", retrained_app(lang)),
            ("help", help),
            ("retrain prompt", prompt),
            ("quit confirmation", quit),
            ("review", review),
            ("download question", missing_app(lang, true, Instant::now())),
            ("no download", missing_app(lang, false, Instant::now())),
            ("downloading", downloading_app(lang)),
            ("download failed", failed_download_app(lang)),
        ]
    }

    #[test]
    fn no_character_cut_in_half() {
        for (name, app) in chinese_states() {
            for (width, height) in [(120, 40), (80, 24)] {
                let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
                // The frame's own buffer, because the diff that reaches the
                // backend skips the cell after a wide character.
                let frame = terminal.draw(|frame| draw(frame, &app)).unwrap();
                let buffer = frame.buffer;
                for y in 0..height {
                    for x in 0..width.saturating_sub(1) {
                        if buffer[(x, y)].symbol().width() < 2 {
                            continue;
                        }
                        // The cell under the right half of a wide character
                        // must stay blank, or the terminal shifts the row.
                        let hidden = buffer[(x + 1, y)].symbol();
                        assert_eq!(
                            hidden,
                            " ",
                            "{name} at {width}x{height}: {:?} at ({x}, {y}) is cut by {hidden:?}",
                            buffer[(x, y)].symbol()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_row_fills_the_width() {
        for (name, app) in chinese_states() {
            for (width, height) in [(120, 40), (80, 24)] {
                let screen = render(&app, width, height);
                for (row, line) in screen.lines().enumerate() {
                    assert_eq!(
                        line.width(),
                        usize::from(width),
                        "{name} at {width}x{height}, row {row}: {line}"
                    );
                }
            }
        }
    }
}

mod download_dialog {
    use super::*;

    fn step(app: &App) -> &DownloadStep {
        &app.download.as_ref().unwrap().step
    }

    #[test]
    fn missing_data_opens_question() {
        let app = missing_app(Lang::En, true, Instant::now());
        assert_eq!(app.phase, Phase::DataMissing);
        assert_eq!(step(&app), &DownloadStep::Asking);
        let screen = render(&app, 120, 40);
        assert!(screen.contains("data/aclImdb_v1.tar.gz"), "{screen}");
        assert!(screen.contains("Download it (84 MB) from"), "{screen}");
    }

    #[test]
    fn y_starts_download() {
        let mut app = missing_app(Lang::En, true, Instant::now());
        let update = app.handle_key(press(KeyCode::Char('y')));
        assert!(matches!(update.commands.as_slice(), [Command::Download]));
        assert_eq!(app.phase, Phase::Downloading);
        assert!(matches!(step(&app), DownloadStep::Downloading(_)));

        let update = app.handle_key(press(KeyCode::Char('y')));
        assert!(update.commands.is_empty(), "a second y downloaded twice");
    }

    #[test]
    fn n_declines_then_y_downloads() {
        let mut app = missing_app(Lang::En, true, Instant::now());
        let update = app.handle_key(press(KeyCode::Char('n')));
        assert!(update.commands.is_empty());
        assert_eq!(step(&app), &DownloadStep::Declined);
        assert!(!app.should_quit());
        let screen = render(&app, 80, 24);
        assert!(screen.contains("imdb-tui fetch-data"), "{screen}");

        let update = app.handle_key(press(KeyCode::Char('y')));
        assert!(matches!(update.commands.as_slice(), [Command::Download]));
    }

    #[test]
    fn q_quits_from_every_step() {
        let apps = [
            missing_app(Lang::En, true, Instant::now()),
            missing_app(Lang::En, false, Instant::now()),
            downloading_app(Lang::En),
            failed_download_app(Lang::En),
        ];
        for mut app in apps {
            let update = app.handle_key(press(KeyCode::Char('q')));
            assert!(app.should_quit());
            assert!(matches!(update.commands.as_slice(), [Command::Quit]));
        }
    }

    #[test]
    fn dashboard_keys_do_nothing_while_open() {
        let mut app = missing_app(Lang::En, true, Instant::now());
        for letter in ['r', 'c', 's', 'e', '?'] {
            let update = app.handle_key(press(KeyCode::Char(letter)));
            assert!(update.commands.is_empty(), "{letter} sent a command");
            assert_eq!(app.overlay, None, "{letter} opened a dialog");
        }
        assert_eq!(step(&app), &DownloadStep::Asking);
    }

    #[test]
    fn data_warning_shown_in_footer() {
        let mut app = App::new(
            Lang::Zh,
            Theme::colored(),
            RunConfig::default(),
            Instant::now(),
        );
        let message = "已重建数据集缓存 data/imdb-prepared.npz，原因：the vocabulary size changed";
        let update = app.handle_event(AppEvent::DataWarning {
            message: message.into(),
        });
        assert!(update.redraw);
        let _ = app.handle_event(AppEvent::DataReady(dataset()));
        let screen = render(&app, 120, 40);
        assert!(screen.contains(&format!("警告：{message}")), "{screen}");

        let _ = app.handle_key(press(KeyCode::Tab));
        assert_eq!(app.notice, None);
    }

    #[test]
    fn paste_ignored_while_open() {
        let mut app = missing_app(Lang::En, true, Instant::now());
        let update = app.handle_terminal_event(Event::Paste("y a great film".into()));
        assert!(update.commands.is_empty());
        assert_eq!(app.review.text(), "");
        assert_eq!(app.focus, Focus::Charts);
        assert_eq!(step(&app), &DownloadStep::Asking);
    }

    #[test]
    fn no_download_offers_only_instructions() {
        let mut app = missing_app(Lang::En, false, Instant::now());
        assert_eq!(step(&app), &DownloadStep::Disabled);
        let update = app.handle_key(press(KeyCode::Char('y')));
        assert!(update.commands.is_empty());
        assert_eq!(step(&app), &DownloadStep::Disabled);
        let screen = render(&app, 120, 40);
        assert!(screen.contains("--no-download is set"), "{screen}");
        assert!(screen.contains("imdb-tui fetch-data"), "{screen}");
        assert!(!screen.contains("y: download"), "{screen}");
    }

    #[test]
    fn progress_shows_bytes_rate_and_time_left() {
        let app = downloading_app(Lang::En);
        let DownloadStep::Downloading(progress) = step(&app) else {
            panic!("not downloading: {:?}", step(&app));
        };
        assert_eq!(progress.done, 30_000_000);
        // 20 MB in 4 s; the 10 MB resumed at the start do not count.
        assert_eq!(progress.rate(app.now), Some(5_000_000));
        let left = progress.remaining(app.now).unwrap();
        assert_eq!(left.as_secs(), 10);
        let screen = render(&app, 120, 40);
        assert!(screen.contains("28.6 MiB of 80.2 MiB"), "{screen}");
        assert!(screen.contains("4.8 MiB/s"), "{screen}");
        assert!(screen.contains("about 0:11 left"), "{screen}");
        assert!(screen.contains("36%"), "{screen}");
    }

    #[test]
    fn progress_without_total_has_no_gauge() {
        let start = Instant::now();
        let mut app = missing_app(Lang::En, true, start);
        let _ = app.handle_key(press(KeyCode::Char('y')));
        let _ = app.handle_event(AppEvent::DownloadProgress {
            done: 0,
            total: None,
        });
        let _ = app.set_now(start + Duration::from_secs(2));
        let _ = app.handle_event(AppEvent::DownloadProgress {
            done: 2_097_152,
            total: None,
        });
        let screen = render(&app, 120, 40);
        assert!(screen.contains("2.0 MiB   1.0 MiB/s"), "{screen}");
        assert!(!screen.contains("left"), "{screen}");
        assert!(!screen.contains('█'), "{screen}");
    }

    #[test]
    fn failure_shows_message_and_way_out() {
        let mut app = failed_download_app(Lang::En);
        assert_eq!(app.phase, Phase::DataMissing);
        let screen = render(&app, 120, 40);
        assert!(screen.contains("Download failed"), "{screen}");
        assert!(screen.contains("retry later"), "{screen}");
        assert!(screen.contains("imdb-tui fetch-data"), "{screen}");
        assert!(screen.contains("IMDB_DATA_URL"), "{screen}");

        let update = app.handle_key(press(KeyCode::Char('y')));
        assert!(matches!(update.commands.as_slice(), [Command::Download]));
        assert!(matches!(step(&app), DownloadStep::Downloading(_)));
    }

    #[test]
    fn finished_download_prepares_and_starts_run() {
        let mut app = downloading_app(Lang::En);
        let _ = app.handle_event(AppEvent::DownloadFinished);
        assert!(app.download.is_none());
        assert_eq!(app.phase, Phase::Preparing);
        let update = app.handle_event(AppEvent::DataReady(dataset()));
        assert!(
            matches!(update.commands.as_slice(), [Command::StartRun(config)] if config.kind == RunKind::Exploration)
        );
        assert_eq!(app.phase, Phase::Exploring);
    }

    #[test]
    fn late_progress_after_failure_is_ignored() {
        let mut app = failed_download_app(Lang::En);
        let update = app.handle_event(AppEvent::DownloadProgress {
            done: 40_000_000,
            total: Some(84_125_825),
        });
        assert!(!update.redraw);
        assert!(matches!(step(&app), DownloadStep::Failed { .. }));
    }

    #[test]
    fn small_dataset_holds_out_fewer_reviews() {
        let mut app = App::new(
            Lang::En,
            Theme::colored(),
            RunConfig::default(),
            Instant::now(),
        );
        let small = Arc::new(Dataset {
            source: "aclImdb_v1.tar.gz".into(),
            vocabulary: vocabulary(),
            train: split(200),
            test: split(200),
        });
        let update = app.handle_event(AppEvent::DataReady(small));
        let [Command::StartRun(config)] = update.commands.as_slice() else {
            panic!("no run started: {:?}", update.commands);
        };
        assert_eq!(config.validation_size, 80);
    }
}

mod keys {
    use super::*;

    #[test]
    fn tab_cycles_focus_both_ways() {
        let mut app = explored_app(Lang::En);
        assert_eq!(app.focus, Focus::Charts);
        let _ = app.handle_key(press(KeyCode::Tab));
        assert_eq!(app.focus, Focus::Table);
        let _ = app.handle_key(press(KeyCode::Tab));
        assert_eq!(app.focus, Focus::Review);
        let _ = app.handle_key(press(KeyCode::Tab));
        assert_eq!(app.focus, Focus::Charts);
        let _ = app.handle_key(press(KeyCode::BackTab));
        assert_eq!(app.focus, Focus::Review);
        let _ = app.handle_key(press(KeyCode::BackTab));
        assert_eq!(app.focus, Focus::Table);
    }

    #[test]
    fn review_box_takes_command_letters() {
        let mut app = explored_app(Lang::En);
        let _ = app.handle_key(press(KeyCode::BackTab));
        for letter in ['q', 'r', 'n', 'c', 's', 'e', '?'] {
            let update = app.handle_key(press(KeyCode::Char(letter)));
            assert!(update.commands.is_empty(), "{letter} sent a command");
            assert!(!update.export, "{letter} started an export");
            assert_eq!(app.overlay, None, "{letter} opened a dialog");
        }
        assert!(!app.should_quit());
        assert_eq!(app.review.text(), "qrncse?");
        assert_eq!(app.focus, Focus::Review);

        let _ = app.handle_key(press(KeyCode::Esc));
        assert_eq!(app.focus, Focus::Charts);
        assert!(!app.should_quit(), "Esc that leaves the box must not quit");
    }

    #[test]
    fn paste_arrives_whole_in_review_box() {
        let mut app = explored_app(Lang::En);
        let update =
            app.handle_terminal_event(Event::Paste("A great film.\r\nI love it,\nq r n".into()));
        assert!(update.redraw);
        assert!(update.commands.is_empty());
        assert_eq!(app.focus, Focus::Review);
        assert_eq!(app.review.text(), "A great film.\nI love it,\nq r n");
        let reading = app.review.reading().unwrap();
        assert!(reading.prediction.known_words >= 3);
    }

    #[test]
    fn long_paste_is_read_quickly() {
        let mut app = explored_app(Lang::En);
        let sentence = "a great film and the best plot, 电影 😀 awful waste. ";
        let text: String = sentence.chars().cycle().take(100_000).collect();
        let started = Instant::now();
        let _ = app.handle_terminal_event(Event::Paste(text.clone()));
        let _ = app.handle_key(press(KeyCode::Char('x')));
        let _ = render(&app, 120, 40);
        let took = started.elapsed();

        assert_eq!(app.review.text().chars().count(), 100_001);
        assert!(app.review.reading().is_some());
        // A generous bound for an unoptimized build on a shared machine;
        // the point is that a paste does not take seconds.
        assert!(
            took < Duration::from_secs(2),
            "paste and redraw took {took:?}"
        );
    }

    #[test]
    fn cursor_skips_combining_marks() {
        let mut app = explored_app(Lang::En);
        let _ = app.handle_key(press(KeyCode::BackTab));
        type_text(&mut app, "ne\u{301}z");
        let _ = app.handle_key(press(KeyCode::Left));
        let _ = app.handle_key(press(KeyCode::Left));
        // The cursor is on `e` and not on the combining accent after it, so
        // typing inserts before the whole `é`.
        type_text(&mut app, "X");
        assert_eq!(app.review.text(), "nXe\u{301}z");
        let _ = app.handle_key(press(KeyCode::Right));
        type_text(&mut app, "Y");
        assert_eq!(app.review.text(), "nXe\u{301}Yz");
    }

    #[test]
    fn terminal_cursor_follows_wide_characters() {
        let mut app = explored_app(Lang::En);
        let _ = app.handle_key(press(KeyCode::BackTab));
        let typed = "电影 😀 e\u{301}";
        type_text(&mut app, typed);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        terminal.draw(|frame| draw(frame, &app)).unwrap();
        let screen = screen_text(terminal.backend().buffer());

        let (row, line) = screen
            .lines()
            .enumerate()
            .find(|(_, line)| line.contains("电影"))
            .unwrap();
        let prefix = &line[..line.find("电影").unwrap()];
        let text_column = unicode_width::UnicodeWidthStr::width(prefix) as u16;
        let typed_width = unicode_width::UnicodeWidthStr::width(typed) as u16;
        let mut backend = terminal.backend().clone();
        let cursor = ratatui::backend::Backend::get_cursor_position(&mut backend).unwrap();
        assert_eq!(cursor.y, row as u16);
        assert_eq!(cursor.x, text_column + typed_width);

        let _ = app.handle_key(press(KeyCode::Left));
        let _ = app.handle_key(press(KeyCode::Left));
        let _ = app.handle_key(press(KeyCode::Left));
        terminal.draw(|frame| draw(frame, &app)).unwrap();
        let mut backend = terminal.backend().clone();
        let cursor = ratatui::backend::Backend::get_cursor_position(&mut backend).unwrap();
        // Three steps back from the end pass `é`, the space and land on 😀.
        assert_eq!(cursor.x, text_column + 5);
    }

    #[test]
    fn release_and_repeat_are_ignored() {
        let mut app = explored_app(Lang::En);
        for kind in [KeyEventKind::Release, KeyEventKind::Repeat] {
            let update = app.handle_key(key_with_kind(KeyCode::Char('r'), kind));
            assert!(!update.redraw);
            assert_eq!(app.overlay, None);
            let update = app.handle_key(key_with_kind(KeyCode::Tab, kind));
            assert!(!update.redraw);
            assert_eq!(app.focus, Focus::Charts);
        }
        let _ = app.handle_key(key_with_kind(KeyCode::Char('r'), KeyEventKind::Press));
        assert!(matches!(app.overlay, Some(Overlay::RetrainPrompt { .. })));
    }

    #[test]
    fn modified_letters_are_not_commands() {
        let mut app = running_app(Lang::En, Instant::now());
        for modifiers in [KeyModifiers::CONTROL, KeyModifiers::ALT] {
            // Ctrl-C is left out: it quits on purpose.
            let letters = ['q', 'r', 'n', 'c', 's', 'e']
                .into_iter()
                .filter(|&letter| !(letter == 'c' && modifiers == KeyModifiers::CONTROL));
            for letter in letters {
                let update = app.handle_key(KeyEvent::new(KeyCode::Char(letter), modifiers));
                assert!(
                    update.commands.is_empty(),
                    "{modifiers:?}+{letter} sent a command"
                );
                assert_eq!(app.overlay, None, "{modifiers:?}+{letter} opened a dialog");
            }
        }
    }

    #[test]
    fn one_press_types_one_character() {
        let mut app = explored_app(Lang::En);
        let _ = app.handle_key(press(KeyCode::BackTab));
        let _ = app.handle_key(key_with_kind(KeyCode::Char('a'), KeyEventKind::Press));
        let _ = app.handle_key(key_with_kind(KeyCode::Char('a'), KeyEventKind::Release));
        assert_eq!(app.review.text(), "a");
    }

    #[test]
    fn retrain_prompt_allows_settings_maximum() {
        use imdb_tui::train::{Allowed, Field};
        use imdb_tui::ui::{MAX_RETRAIN_EPOCHS, parse_epochs};

        let Allowed::Whole { max, .. } = Field::Epochs.allowed() else {
            panic!("epochs are not a whole number");
        };
        assert_eq!(MAX_RETRAIN_EPOCHS as u64, max);
        assert_eq!(parse_epochs("200"), Some(200));
        assert_eq!(parse_epochs("201"), None);

        let mut app = explored_app(Lang::En);
        let _ = app.handle_key(press(KeyCode::Char('r')));
        let _ = app.handle_key(press(KeyCode::Backspace));
        type_text(&mut app, "200");
        let update = app.handle_key(press(KeyCode::Enter));
        assert!(
            matches!(update.commands.as_slice(), [Command::StartRun(config)] if config.epochs == 200),
            "{:?}",
            update.commands
        );
    }

    #[test]
    fn retrain_prompt_rejects_invalid_epochs() {
        for input in [
            "0",
            "201",
            "abc",
            "4.5",
            "",
            " ",
            "-3",
            "1e2",
            "99999999999999999999999",
        ] {
            let mut app = explored_app(Lang::En);
            let _ = app.handle_key(press(KeyCode::Char('r')));
            let _ = app.handle_key(press(KeyCode::Backspace));
            type_text(&mut app, input);
            let update = app.handle_key(press(KeyCode::Enter));
            assert!(update.commands.is_empty(), "{input:?} started a run");
            assert_eq!(
                app.overlay,
                Some(Overlay::RetrainPrompt {
                    input: "4".into(),
                    rejected: Some(input.into()),
                    replace_on_type: true,
                }),
                "{input:?} did not show the prompt again"
            );
        }
    }

    #[test]
    fn retrain_prompt_defaults_to_overfitting_epoch() {
        let mut app = explored_app(Lang::En);
        let _ = app.handle_key(press(KeyCode::Char('r')));
        assert_eq!(
            app.overlay,
            Some(Overlay::RetrainPrompt {
                input: "4".into(),
                rejected: None,
                replace_on_type: true,
            })
        );
    }

    #[test]
    fn retrain_prompt_skips_epoch_of_stalled_run() {
        for epochs in [
            (1..=5).map(saturated_epoch).collect::<Vec<_>>(),
            (1..=5).map(stalled_epoch).collect(),
        ] {
            let mut app = finished_app(Lang::En, epochs);
            let _ = app.handle_key(press(KeyCode::Char('r')));
            let expected = app.exploration_config.epochs.to_string();
            assert_eq!(
                app.overlay,
                Some(Overlay::RetrainPrompt {
                    input: expected,
                    rejected: None,
                    replace_on_type: true,
                })
            );
        }
    }

    #[test]
    fn retrain_prompt_typing_replaces_default() {
        let mut app = explored_app(Lang::En);
        let _ = app.handle_key(press(KeyCode::Char('r')));
        type_text(&mut app, "10");
        let update = app.handle_key(press(KeyCode::Enter));
        assert!(
            matches!(update.commands.as_slice(), [Command::StartRun(config)] if config.epochs == 10),
            "{:?}",
            update.commands
        );
    }

    #[test]
    fn retrain_prompt_backspace_keeps_editing() {
        let mut app = explored_app(Lang::En);
        let _ = app.handle_key(press(KeyCode::Char('r')));
        let _ = app.handle_key(press(KeyCode::Backspace));
        type_text(&mut app, "12");
        let update = app.handle_key(press(KeyCode::Enter));
        assert!(
            matches!(update.commands.as_slice(), [Command::StartRun(config)] if config.epochs == 12),
            "{:?}",
            update.commands
        );
    }

    #[test]
    fn retrain_prompt_accepts_range_ends() {
        for (input, epochs) in [("1", 1), ("100", 100), (" 7 ", 7)] {
            let mut app = explored_app(Lang::En);
            let _ = app.handle_key(press(KeyCode::Char('r')));
            let _ = app.handle_key(press(KeyCode::Backspace));
            type_text(&mut app, input);
            let update = app.handle_key(press(KeyCode::Enter));
            let [Command::StartRun(config)] = update.commands.as_slice() else {
                panic!("{input:?} did not start a run: {:?}", update.commands);
            };
            assert_eq!(config.kind, RunKind::Final);
            assert_eq!(config.epochs, epochs);
            assert_eq!(config.batch_size, 512);
            assert_eq!(app.phase, Phase::Retraining);
        }
    }

    #[test]
    fn one_run_at_a_time() {
        let mut app = running_app(Lang::En, Instant::now());
        for letter in ['r', 'n'] {
            let update = app.handle_key(press(KeyCode::Char(letter)));
            assert!(update.commands.is_empty(), "{letter} started a run");
            assert_eq!(app.notice, Some(Notice::RunInProgress));
            assert_eq!(app.overlay, None);
        }
    }

    #[test]
    fn cancel_sends_command_only_while_running() {
        let mut app = running_app(Lang::En, Instant::now());
        let update = app.handle_key(press(KeyCode::Char('c')));
        assert!(matches!(update.commands.as_slice(), [Command::Cancel]));

        let mut idle = explored_app(Lang::En);
        let update = idle.handle_key(press(KeyCode::Char('c')));
        assert!(update.commands.is_empty());
        assert_eq!(idle.notice, Some(Notice::NoRunToCancel));
    }

    #[test]
    fn quit_asks_first_during_run() {
        let mut app = running_app(Lang::En, Instant::now());
        let _ = app.handle_key(press(KeyCode::Char('q')));
        assert_eq!(app.overlay, Some(Overlay::QuitConfirm));
        let _ = app.handle_key(press(KeyCode::Char('n')));
        assert_eq!(app.overlay, None);
        assert!(!app.should_quit());

        let _ = app.handle_key(press(KeyCode::Esc));
        assert_eq!(app.overlay, Some(Overlay::QuitConfirm));
        let update = app.handle_key(press(KeyCode::Char('y')));
        assert!(app.should_quit());
        assert!(matches!(
            update.commands.as_slice(),
            [Command::Cancel, Command::Quit]
        ));
    }

    #[test]
    fn quit_dialog_outlives_run_end() {
        for (answer, quits) in [('n', false), ('y', true)] {
            let mut app = running_app(Lang::En, Instant::now());
            let _ = app.handle_key(press(KeyCode::Char('q')));
            let _ = app.handle_event(AppEvent::Train(TrainEvent::Finished {
                model: Arc::new(network()),
                test: None,
            }));
            assert!(!app.is_running());
            assert_eq!(app.overlay, Some(Overlay::QuitConfirm));
            let screen = render(&app, 120, 40);
            assert!(screen.contains("The run has ended. Quit now?"), "{screen}");

            let update = app.handle_key(press(KeyCode::Char(answer)));
            assert_eq!(app.should_quit(), quits, "answer {answer}");
            assert_eq!(app.overlay, None, "answer {answer}");
            assert!(
                !update
                    .commands
                    .iter()
                    .any(|command| matches!(command, Command::StartRun(_))),
                "answer {answer} started a run"
            );
        }
    }

    #[test]
    fn quit_is_immediate_when_idle() {
        let mut app = explored_app(Lang::En);
        let update = app.handle_key(press(KeyCode::Char('q')));
        assert!(app.should_quit());
        assert!(matches!(update.commands.as_slice(), [Command::Quit]));
    }

    #[test]
    fn ctrl_c_quits_from_review_box() {
        let mut app = running_app(Lang::En, Instant::now());
        let _ = app.handle_key(press(KeyCode::BackTab));
        let update = app.handle_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert!(app.should_quit());
        assert!(matches!(
            update.commands.as_slice(),
            [Command::Cancel, Command::Quit]
        ));
    }

    #[test]
    fn save_sends_serving_model() {
        let mut app = App::new(
            Lang::En,
            Theme::colored(),
            RunConfig::default(),
            Instant::now(),
        );
        let update = app.handle_key(press(KeyCode::Char('s')));
        assert!(update.commands.is_empty());
        assert_eq!(app.notice, Some(Notice::NoModelToSave));

        let mut app = retrained_app(Lang::En);
        let update = app.handle_key(press(KeyCode::Char('s')));
        let [Command::SaveModel { source, .. }] = update.commands.as_slice() else {
            panic!("no save command: {:?}", update.commands);
        };
        assert_eq!(*source, ModelSource::Retrained { epochs: 4 });
    }

    #[test]
    fn new_exploration_hides_old_retrain() {
        let mut app = retrained_app(Lang::En);
        let before = render(&app, 120, 40);
        assert!(before.contains("Test set: loss 0.293"), "{before}");
        assert!(before.contains("final"), "{before}");

        let update = app.handle_key(press(KeyCode::Char('n')));
        assert!(matches!(update.commands.as_slice(), [Command::StartRun(_)]));
        let _ = app.handle_event(epoch_finished(exploration_epoch(1)));

        assert!(app.history.retrain().is_none());
        assert!(app.history.retrain_epochs().is_empty());
        let data = chart_data(&app.history, Metric::Loss, 20, 5);
        assert!(data.retrain.is_empty(), "the chart still draws the retrain");
        let screen = render(&app, 120, 40);
        assert!(!screen.contains("Test set"), "{screen}");
        assert!(!screen.contains("final"), "{screen}");

        // The old retrain stays in the list of runs, with its test result.
        let kinds: Vec<RunKind> = app
            .history
            .runs()
            .iter()
            .map(|run| run.config.kind)
            .collect();
        assert_eq!(
            kinds,
            [RunKind::Exploration, RunKind::Final, RunKind::Exploration]
        );
        assert!(app.history.runs()[1].test.is_some());
    }

    #[test]
    fn preparing_line_separates_elapsed() {
        let mut app = explored_app(Lang::En);
        app.phase = Phase::Preparing;
        app.prepare = Some(PrepareProgress {
            bytes_read: 17_616_076,
            total_bytes: Some(28_626_124),
            reviews_read: 29_952,
        });
        let screen = render(&app, 120, 40);
        assert!(screen.contains("29,952 reviews   elapsed 0:31"), "{screen}");
    }

    #[test]
    fn retrained_model_serves_from_then_on() {
        let mut app = retrained_app(Lang::En);
        assert_eq!(
            app.serving.as_ref().map(|serving| serving.source),
            Some(ModelSource::Retrained { epochs: 4 })
        );
        let _ = app.handle_key(press(KeyCode::Char('n')));
        let _ = app.handle_event(epoch_finished(exploration_epoch(1)));
        assert_eq!(
            app.serving.as_ref().map(|serving| serving.source),
            Some(ModelSource::Retrained { epochs: 4 })
        );
    }

    #[test]
    fn export_key_requests_export() {
        let mut app = explored_app(Lang::En);
        let update: Update = app.handle_key(press(KeyCode::Char('e')));
        assert!(update.export);

        let mut empty = App::new(
            Lang::En,
            Theme::colored(),
            RunConfig::default(),
            Instant::now(),
        );
        let update = empty.handle_key(press(KeyCode::Char('e')));
        assert!(!update.export);
        assert_eq!(empty.notice, Some(Notice::NothingToExport));
    }

    #[test]
    fn table_scrolls_when_focused() {
        let mut app = explored_app(Lang::En);
        let _ = render(&app, 80, 24);
        let _ = app.handle_key(press(KeyCode::Tab));
        let update = app.handle_key(press(KeyCode::Home));
        assert!(update.redraw);
        let screen = render(&app, 80, 24);
        assert!(
            screen.contains("│    1 "),
            "first epoch not shown after Home:\n{screen}"
        );
        let update = app.handle_key(press(KeyCode::Up));
        assert!(!update.redraw, "Up at the top must not redraw");
    }
}

mod charts {
    use super::*;
    use imdb_tui::ui::History;

    fn history_with(epochs: Vec<EpochMetrics>) -> History {
        let mut history = History::default();
        history.start(RunConfig::default(), 10_000);
        if let Some(run) = history.run_mut(RunKind::Exploration) {
            run.epochs = epochs;
        }
        history
    }

    #[test]
    fn non_finite_values_are_dropped() {
        let mut broken = exploration_epoch(2);
        broken.train_loss = f64::NAN;
        broken.val_loss = Some(f64::INFINITY);
        let history = history_with(vec![exploration_epoch(1), broken, exploration_epoch(3)]);
        let data = chart_data(&history, Metric::Loss, 20, 5);
        let all = data
            .training
            .iter()
            .chain(&data.validation)
            .chain(&data.after_best)
            .chain(&data.retrain);
        for (x, y) in all {
            assert!(x.is_finite(), "epoch {x} reached the chart");
            assert!(y.is_finite(), "value {y} at epoch {x} reached the chart");
        }
        assert_eq!(data.training.len(), 2);
        assert!(data.y_bounds[0].is_finite());
        assert!(data.y_bounds[1].is_finite());
    }

    #[test]
    fn single_point_has_padded_bounds() {
        let history = history_with(vec![exploration_epoch(1)]);
        let data = chart_data(&history, Metric::Loss, 1, 5);
        assert!(data.x_axis.bounds[0] < 1.0);
        assert!(data.x_axis.bounds[1] > 1.0);
        let (_, y) = data.training[0];
        assert!(data.y_bounds[0] < y);
        assert!(y < data.y_bounds[1]);
    }

    #[test]
    fn epoch_labels_use_round_steps() {
        let history = history_with(vec![exploration_epoch(1)]);
        for (epochs, max_labels, expected) in [
            (20, 5, vec![0, 5, 10, 15, 20]),
            (20, 21, (0..=20).collect()),
            (20, 20, (0..=20).step_by(2).collect()),
            (21, 5, vec![0, 10, 20, 30]),
            (10, 5, vec![0, 5, 10]),
            (2, 5, vec![0, 1, 2]),
            (200, 6, vec![0, 50, 100, 150, 200]),
        ] {
            let data = chart_data(&history, Metric::Accuracy, epochs, max_labels);
            assert_eq!(data.x_axis.ticks, expected, "ticks for {epochs} epochs");
            let last = *expected.last().unwrap() as f64;
            assert_eq!(
                data.x_axis.bounds,
                [0.0, last],
                "bounds for {epochs} epochs"
            );
            assert!(expected.len() <= max_labels, "too many labels for {epochs}");
        }
    }

    /// Returns the column of the only braille cell in `buffer`.
    fn plotted_column(buffer: &ratatui::buffer::Buffer) -> u16 {
        let area = buffer.area;
        let mut columns = Vec::new();
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                let symbol = buffer[(x, y)].symbol();
                if symbol
                    .chars()
                    .any(|c| ('\u{2801}'..='\u{28ff}').contains(&c))
                {
                    columns.push(x);
                }
            }
        }
        assert_eq!(
            columns.len(),
            1,
            "expected one plotted cell, got {columns:?}"
        );
        columns[0]
    }

    /// Returns the columns that `label` covers on the last row of `buffer`.
    fn label_columns(buffer: &ratatui::buffer::Buffer, label: &str) -> std::ops::Range<u16> {
        let row = buffer.area.bottom() - 1;
        let text: String = (buffer.area.left()..buffer.area.right())
            .map(|x| buffer[(x, row)].symbol().to_owned())
            .collect();
        let found = text
            .split(' ')
            .scan(0usize, |position, word| {
                let start = *position;
                *position += word.len() + 1;
                Some((start, word))
            })
            .find(|&(_, word)| word == label);
        let Some((start, _)) = found else {
            panic!("label {label} missing from the axis row {text:?}");
        };
        let start = start as u16;
        start..start + label.len() as u16
    }

    #[test]
    fn epoch_labels_sit_under_their_points() {
        use imdb_tui::ui::EpochAxis;
        use ratatui::buffer::Buffer;
        use ratatui::layout::Rect;
        use ratatui::style::Style;
        use ratatui::symbols::Marker;
        use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

        let y_labels = vec!["0.25".to_owned(), "0.50".to_owned(), "0.75".to_owned()];
        for (width, epochs) in [(124, 20), (60, 20), (47, 37), (90, 100), (33, 3)] {
            let axis = EpochAxis::new(epochs, usize::from(width / 6));
            for &tick in axis.ticks.iter().filter(|&&tick| tick > 0) {
                let area = Rect::new(0, 0, width, 12);
                let mut buffer = Buffer::empty(area);
                let point = [(tick as f64, 0.5)];
                let dataset = Dataset::default()
                    .data(&point)
                    .marker(Marker::Braille)
                    .graph_type(GraphType::Scatter);
                Chart::new(vec![dataset])
                    .x_axis(axis.chart_axis(Style::default()))
                    .y_axis(Axis::default().bounds([0.0, 1.0]).labels(y_labels.clone()))
                    .legend_position(None)
                    .render(area, &mut buffer);
                axis.render_labels(area, &y_labels, Style::default(), &mut buffer);

                let column = plotted_column(&buffer);
                let label = label_columns(&buffer, &tick.to_string());
                assert!(
                    label.contains(&column),
                    "width {width}, {epochs} epochs: epoch {tick} is drawn in column {column} \
                     but its label covers {label:?}"
                );
            }
        }
    }

    #[test]
    fn best_epoch_splits_validation() {
        let history = history_with((1..=20).map(exploration_epoch).collect());
        let data = chart_data(&history, Metric::Accuracy, 20, 5);
        assert_eq!(data.best_epoch, Some(4));
        assert_eq!(data.validation.last().map(|point| point.0), Some(4.0));
        assert_eq!(data.after_best.first().map(|point| point.0), Some(4.0));
        assert_eq!(data.after_best.last().map(|point| point.0), Some(20.0));
    }

    #[test]
    fn stalled_run_has_no_overfitting_region() {
        for epochs in [
            (1..=5).map(saturated_epoch).collect::<Vec<_>>(),
            (1..=5).map(stalled_epoch).collect(),
        ] {
            let history = history_with(epochs);
            let verdict = history.overfitting().map(|overfitting| overfitting.verdict);
            assert!(
                matches!(verdict, Some(Verdict::NotLearning(_))),
                "{verdict:?}"
            );
            assert_eq!(history.overfitting_epoch(), None);
            let data = chart_data(&history, Metric::Loss, 20, 5);
            assert_eq!(data.validation.len(), 5);
            assert!(data.after_best.is_empty(), "{:?}", data.after_best);
        }
    }

    #[test]
    fn equal_losses_after_best_not_drawn_apart() {
        let mut epochs: Vec<EpochMetrics> = (1..=4).map(exploration_epoch).collect();
        let lowest = epochs[3].val_loss;
        for epoch in 5..=6 {
            epochs.push(EpochMetrics {
                val_loss: lowest,
                ..exploration_epoch(epoch)
            });
        }
        let history = history_with(epochs);
        let overfitting = history.overfitting().unwrap();
        assert_eq!(overfitting.best_epoch, 4);
        assert_eq!(overfitting.verdict, Verdict::NotRisen);
        let data = chart_data(&history, Metric::Loss, 20, 5);
        assert_eq!(data.best_epoch, Some(4));
        assert!(data.after_best.is_empty(), "{:?}", data.after_best);
    }

    #[test]
    fn accuracy_peak_reported_when_different() {
        let history = history_with((1..=20).map(exploration_epoch).collect());
        let overfitting = history.overfitting().unwrap();
        assert_eq!(overfitting.best_epoch, 4);
        assert_eq!(overfitting.verdict, Verdict::Overfitting);
        assert_eq!(overfitting.accuracy_peak.map(|(epoch, _)| epoch), Some(3));
    }
}

mod event_loop {
    use super::*;
    use futures::channel::mpsc as futures_mpsc;
    use imdb_tui::ui::{LoopIo, LoopReport, drive};
    use std::io;
    use tokio::sync::mpsc::unbounded_channel;

    type Input = futures_mpsc::UnboundedReceiver<io::Result<Event>>;

    /// Runs the loop until the scripted input and events are used up.
    async fn drive_script(
        terminal: &mut Terminal<TestBackend>,
        app: &mut App,
        keys: Vec<Event>,
        events: Vec<AppEvent>,
    ) -> (LoopReport, Vec<Command>) {
        let (input_sender, input): (_, Input) = futures_mpsc::unbounded();
        for key in keys {
            input_sender.unbounded_send(Ok(key)).unwrap();
        }
        drop(input_sender);
        let (event_sender, event_receiver) = unbounded_channel();
        for event in events {
            event_sender.send(event).unwrap();
        }
        drop(event_sender);
        let (command_sender, mut command_receiver) = unbounded_channel();
        let export_dir = std::env::temp_dir();
        let io = LoopIo {
            input,
            events: event_receiver,
            commands: &command_sender,
            export_dir: &export_dir,
            runs: None,
        };
        let report = drive(terminal, app, io).await.unwrap();
        let mut commands = Vec::new();
        while let Ok(command) = command_receiver.try_recv() {
            commands.push(command);
        }
        (report, commands)
    }

    fn screen(terminal: &Terminal<TestBackend>) -> String {
        screen_text(terminal.backend().buffer())
    }

    #[tokio::test(start_paused = true)]
    async fn download_dialog_through_channels() {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let mut app = App::new(
            Lang::Zh,
            Theme::colored(),
            RunConfig::default(),
            Instant::now(),
        );

        let missing = vec![AppEvent::DataMissing(missing_data(true))];
        let (_, commands) = drive_script(&mut terminal, &mut app, vec![], missing).await;
        assert!(commands.is_empty());
        let text = screen(&terminal);
        assert!(text.contains("缺少数据集"), "{text}");
        assert!(text.contains("下载数据集（84 MB）"), "{text}");

        let yes = vec![Event::Key(press(KeyCode::Char('y')))];
        let (_, commands) = drive_script(&mut terminal, &mut app, yes, vec![]).await;
        assert!(matches!(commands.as_slice(), [Command::Download]));

        let progress = (1..=8)
            .map(|step| AppEvent::DownloadProgress {
                done: step * 10_000_000,
                total: Some(84_125_825),
            })
            .collect();
        let _ = drive_script(&mut terminal, &mut app, vec![], progress).await;
        let text = screen(&terminal);
        assert!(text.contains("正在下载数据集"), "{text}");
        assert!(text.contains("76.3 MiB/80.2 MiB"), "{text}");

        let failed = vec![AppEvent::DownloadFailed {
            message: "下载数据集失败：connection lost after 80000000 bytes".into(),
        }];
        let _ = drive_script(&mut terminal, &mut app, vec![], failed).await;
        let text = screen(&terminal);
        assert!(text.contains("下载失败"), "{text}");
        assert!(
            text.contains("connection lost after 80000000 bytes"),
            "{text}"
        );
        assert!(text.contains("imdb-tui fetch-data"), "{text}");

        let quit = vec![Event::Key(press(KeyCode::Char('q')))];
        let (_, commands) = drive_script(&mut terminal, &mut app, quit, vec![]).await;
        assert!(matches!(commands.as_slice(), [Command::Quit]));
        assert!(app.should_quit());
    }

    #[tokio::test(start_paused = true)]
    async fn marker_follows_lowest_validation_loss() {
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let mut app = App::new(
            Lang::En,
            Theme::colored(),
            RunConfig::default(),
            Instant::now(),
        );

        let (_, commands) = drive_script(
            &mut terminal,
            &mut app,
            vec![],
            vec![AppEvent::DataReady(dataset())],
        )
        .await;
        assert!(
            matches!(commands.as_slice(), [Command::StartRun(config)] if config.kind == RunKind::Exploration)
        );

        let first_three = (1..=3)
            .map(|epoch| epoch_finished(exploration_epoch(epoch)))
            .collect();
        let _ = drive_script(&mut terminal, &mut app, vec![], first_three).await;
        assert_eq!(app.history.overfitting().map(|o| o.best_epoch), Some(3));
        assert!(screen(&terminal).contains("lowest so far at epoch 3"));

        let rest = (4..=8)
            .map(|epoch| epoch_finished(exploration_epoch(epoch)))
            .collect();
        let _ = drive_script(&mut terminal, &mut app, vec![], rest).await;
        assert_eq!(app.history.overfitting().map(|o| o.best_epoch), Some(4));
        assert!(screen(&terminal).contains("Validation loss is lowest at epoch 4 (0.277)"));
    }

    #[tokio::test(start_paused = true)]
    async fn failed_run_shows_its_message() {
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let mut app = running_app(Lang::En, Instant::now());
        let events = vec![
            epoch_finished(exploration_epoch(1)),
            AppEvent::Train(TrainEvent::Failed {
                reason: FailureReason::Diverged {
                    epoch: 2,
                    batch: 3,
                    learning_rate: 0.5,
                },
            }),
        ];
        let _ = drive_script(&mut terminal, &mut app, vec![], events).await;
        assert_eq!(app.phase, Phase::Failed);
        let text = screen(&terminal);
        assert!(
            text.contains("Training failed: the loss became NaN or infinite at epoch 2"),
            "{text}"
        );
        assert!(text.contains("Phase: failed"), "{text}");

        let _ = app.handle_key(press(KeyCode::Char('x')));
        assert_eq!(app.notice, None);
        let text = render(&app, 120, 40);
        assert!(
            text.contains("the loss became NaN or infinite at epoch 2"),
            "the failure left the status panel after a key press:\n{text}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn redraws_only_after_change() {
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let mut app = explored_app(Lang::En);

        let ignored = vec![Event::Key(press(KeyCode::Char('x'))); 5];
        let (report, _) = drive_script(&mut terminal, &mut app, ignored, vec![]).await;
        assert_eq!(report.frames, 1, "keys that change nothing redrew");

        let (report, _) = drive_script(
            &mut terminal,
            &mut app,
            vec![Event::Key(press(KeyCode::Tab))],
            vec![],
        )
        .await;
        assert_eq!(report.frames, 2, "a focus change must redraw once");
    }

    #[tokio::test(start_paused = true)]
    async fn burst_of_progress_is_throttled() {
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let mut app = running_app(Lang::En, Instant::now());
        let progress = (1..=200)
            .map(|batch| {
                AppEvent::Train(TrainEvent::Progress {
                    epoch: 1,
                    batch,
                    batches: 200,
                })
            })
            .collect();
        let (report, _) = drive_script(&mut terminal, &mut app, vec![], progress).await;
        assert!(report.frames <= 3, "{} frames for one burst", report.frames);
        assert!(screen(&terminal).contains("200/200"));
    }

    #[tokio::test(start_paused = true)]
    async fn typing_redraws_every_key() {
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let mut app = explored_app(Lang::En);
        let (input_sender, input) = futures_mpsc::unbounded::<io::Result<Event>>();
        let (event_sender, events) = unbounded_channel::<AppEvent>();
        let (command_sender, _commands) = unbounded_channel();
        let export_dir = std::env::temp_dir();
        let typist = tokio::spawn(async move {
            input_sender
                .unbounded_send(Ok(Event::Key(press(KeyCode::Tab))))
                .unwrap();
            input_sender
                .unbounded_send(Ok(Event::Key(press(KeyCode::Tab))))
                .unwrap();
            for letter in "great".chars() {
                tokio::time::sleep(Duration::from_millis(10)).await;
                input_sender
                    .unbounded_send(Ok(Event::Key(press(KeyCode::Char(letter)))))
                    .unwrap();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            drop(event_sender);
        });
        let io = LoopIo {
            input,
            events,
            commands: &command_sender,
            export_dir: &export_dir,
            runs: None,
        };
        let report = drive(&mut terminal, &mut app, io).await.unwrap();
        typist.await.unwrap();
        // One first frame, the two focus changes, then one frame per key
        // typed 10 ms apart, which the 33 ms frame interval would merge.
        assert!(report.frames >= 7, "{} frames for 5 keys", report.frames);
        assert!(screen(&terminal).contains("great"));
    }

    #[tokio::test(start_paused = true)]
    async fn idle_dashboard_does_not_wake() {
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let mut app = explored_app(Lang::En);
        let (_input_sender, input) = futures_mpsc::unbounded::<io::Result<Event>>();
        let (_event_sender, events) = unbounded_channel();
        let (command_sender, _commands) = unbounded_channel();
        let export_dir = std::env::temp_dir();
        let io = LoopIo {
            input,
            events,
            commands: &command_sender,
            export_dir: &export_dir,
            runs: None,
        };
        let outcome = tokio::time::timeout(
            Duration::from_secs(3600),
            drive(&mut terminal, &mut app, io),
        )
        .await;
        assert!(outcome.is_err(), "the loop ended on its own");
        let buffer = terminal.backend().buffer().clone();
        let mut probe = Terminal::new(TestBackend::new(120, 40)).unwrap();
        probe.draw(|frame| draw(frame, &app)).unwrap();
        assert_eq!(&buffer, probe.backend().buffer());
    }

    #[tokio::test(start_paused = true)]
    async fn clock_ticks_while_running() {
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let mut app = running_app(Lang::En, tokio::time::Instant::now().into_std());
        let (_input_sender, input) = futures_mpsc::unbounded::<io::Result<Event>>();
        let (_event_sender, events) = unbounded_channel();
        let (command_sender, _commands) = unbounded_channel();
        let export_dir = std::env::temp_dir();
        let io = LoopIo {
            input,
            events,
            commands: &command_sender,
            export_dir: &export_dir,
            runs: None,
        };
        let _ = tokio::time::timeout(
            Duration::from_millis(5_500),
            drive(&mut terminal, &mut app, io),
        )
        .await;
        assert!(
            screen(&terminal).contains("elapsed 0:05"),
            "{}",
            screen(&terminal)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn export_key_writes_both_files() {
        let directory = tempfile::tempdir().unwrap();
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let mut app = retrained_app(Lang::En);
        let (input_sender, input) = futures_mpsc::unbounded::<io::Result<Event>>();
        input_sender
            .unbounded_send(Ok(Event::Key(press(KeyCode::Char('e')))))
            .unwrap();
        drop(input_sender);
        let (event_sender, events) = unbounded_channel();
        drop(event_sender);
        let (command_sender, _commands) = unbounded_channel();
        let io = LoopIo {
            input,
            events,
            commands: &command_sender,
            export_dir: directory.path(),
            runs: None,
        };
        drive(&mut terminal, &mut app, io).await.unwrap();

        let csv = std::fs::read_to_string(directory.path().join("imdb-history.csv")).unwrap();
        assert_eq!(csv.lines().count(), 1 + 20 + 4);
        assert!(csv.starts_with("run,epoch,train_loss"));
        assert!(csv.lines().last().unwrap().starts_with("final,4,"));
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(directory.path().join("imdb-history.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(json["runs"][0]["best_epoch"], 4);
        assert_eq!(json["runs"][1]["test"]["accuracy"], 0.8826);
        let leftovers: Vec<_> = std::fs::read_dir(directory.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
        assert!(screen(&terminal).contains("History exported to"));
    }
}

mod parts {
    use super::*;
    use imdb_tui::ui::RunClock;
    use imdb_tui::ui::export::{history_csv, write_atomically};

    #[test]
    fn no_color_selects_plain_theme() {
        assert_eq!(Theme::from_no_color(Some("1")), Theme::plain());
        assert_eq!(Theme::from_no_color(Some("")), Theme::colored());
        assert_eq!(Theme::from_no_color(None), Theme::colored());
    }

    #[test]
    fn remaining_time_follows_pace() {
        let start = Instant::now();
        let clock = RunClock {
            kind: RunKind::Exploration,
            config: RunConfig::default(),
            started: start,
            ended: None,
            epochs_done: 4,
            batch: Some((15, 30)),
        };
        // 4.5 of 20 epochs in 45 s leaves 15.5 epochs at 10 s each.
        let remaining = clock.remaining(start + Duration::from_secs(45)).unwrap();
        assert_eq!(remaining.as_secs_f64().round(), 155.0);
        assert_eq!(
            clock.remaining(start),
            None,
            "no estimate without elapsed time"
        );
    }

    #[test]
    fn csv_leaves_missing_values_empty() {
        let app = retrained_app(Lang::En);
        let csv = history_csv(&app.history);
        let final_row = csv.lines().last().unwrap();
        let fields: Vec<&str> = final_row.split(',').collect();
        assert_eq!(fields.len(), 9);
        assert_eq!(fields[0], "final");
        assert_eq!(fields[4], "", "a final run has no validation loss");
        assert_eq!(fields[7], "0.2931");
    }

    #[test]
    fn atomic_write_names_missing_directory() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("missing").join("history.csv");
        let error = write_atomically(&path, b"x").unwrap_err();
        assert!(error.to_string().contains("history.csv"), "{error}");
    }

    #[test]
    fn atomic_write_replaces_file() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("history.csv");
        write_atomically(&path, b"old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(directory.path()).unwrap().count(), 1);
    }

    #[test]
    fn late_events_after_run_end_are_ignored() {
        let mut app = explored_app(Lang::En);
        let update = app.handle_event(epoch_finished(exploration_epoch(21)));
        assert!(!update.redraw);
        assert_eq!(app.history.exploration_epochs().len(), 20);
    }

    #[test]
    fn cancelled_run_keeps_its_epochs() {
        let mut app = running_app(Lang::En, Instant::now());
        for epoch in 1..=3 {
            let _ = app.handle_event(epoch_finished(exploration_epoch(epoch)));
        }
        let _ = app.handle_event(AppEvent::Train(TrainEvent::Cancelled { epochs_done: 3 }));
        assert_eq!(app.phase, Phase::Cancelled);
        assert!(!app.is_running());
        assert_eq!(app.history.exploration_epochs().len(), 3);
        assert_eq!(app.notice, Some(Notice::RunCancelled(3)));
        let screen = render(&app, 120, 40);
        assert!(screen.contains("Run cancelled after 3 epochs."), "{screen}");
    }

    #[test]
    fn data_failure_is_shown() {
        let mut app = App::new(
            Lang::Zh,
            Theme::colored(),
            RunConfig::default(),
            Instant::now(),
        );
        let _ = app.handle_event(AppEvent::DataFailed {
            message: "aclImdb_v1.tar.gz: unexpected end of archive".into(),
        });
        assert_eq!(app.phase, Phase::Failed);
        let screen = render(&app, 120, 40);
        assert!(screen.contains("准备数据失败"), "{screen}");
    }
}
