//! Hard cases of the dashboard core, without a terminal: a diverging run
//! driven by the real trainer, keys pressed while a run ends, and the
//! review box with wide, combining and very long text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc as futures_mpsc;
use imdb_tui::data::{Dataset, Vocabulary};
use imdb_tui::i18n::Lang;
use imdb_tui::model::Network;
use imdb_tui::train::{EpochMetrics, RunConfig, RunKind, TrainEvent, spawn};
use imdb_tui::ui::{
    App, AppEvent, Command, Focus, LoopIo, Notice, Overlay, Phase, Theme, draw, drive,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ratatui::Terminal;
use ratatui::backend::{Backend, TestBackend};
use tokio::sync::mpsc::unbounded_channel;
use unicode_width::UnicodeWidthStr;

fn press(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn type_text(app: &mut App, text: &str) {
    for character in text.chars() {
        let _ = app.handle_key(press(KeyCode::Char(character)));
    }
}

fn small_config() -> RunConfig {
    RunConfig {
        epochs: 5,
        batch_size: 64,
        validation_size: 100,
        ..RunConfig::default()
    }
}

fn words_dataset() -> Arc<Dataset> {
    let mut dataset = common::synthetic_dataset(400, 100, 40);
    dataset.vocabulary = Vocabulary::new(
        ["great", "awful", "film", "the"]
            .into_iter()
            .map(str::to_owned)
            .chain((4..40).map(|index| format!("word{index}")))
            .collect(),
    );
    Arc::new(dataset)
}

fn network(dataset: &Dataset) -> Arc<Network> {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    Arc::new(Network::new(dataset.vocabulary.len(), &[16, 16], &mut rng))
}

fn metrics(epoch: usize) -> EpochMetrics {
    EpochMetrics {
        epoch,
        train_loss: 0.5 / epoch as f64,
        train_accuracy: 0.8,
        val_loss: Some(0.4),
        val_accuracy: Some(0.8),
        seconds: 0.1,
    }
}

/// Returns an app whose exploration run has started, with `config`.
fn running_app(config: RunConfig) -> (App, Arc<Dataset>) {
    let dataset = words_dataset();
    let mut app = App::new(Lang::En, Theme::colored(), config, Instant::now());
    let update = app.handle_event(AppEvent::DataReady(Arc::clone(&dataset)));
    assert!(matches!(update.commands.as_slice(), [Command::StartRun(_)]));
    (app, dataset)
}

/// Returns an app after a finished exploration run, with a serving model.
fn explored_app() -> App {
    let (mut app, dataset) = running_app(small_config());
    for epoch in 1..=5 {
        let _ = app.handle_event(AppEvent::Train(TrainEvent::EpochFinished {
            metrics: metrics(epoch),
            model: network(&dataset),
        }));
    }
    let _ = app.handle_event(AppEvent::Train(TrainEvent::Finished {
        model: network(&dataset),
        test: None,
    }));
    app
}

fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| draw(frame, app)).unwrap();
    terminal
}

fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

// ---------------------------------------------------------------------------
// Training

/// Runs the event loop from data ready to quit with the real trainer behind
/// it: every `StartRun` spawns a trainer whose events come back as
/// `AppEvent`s. After the n-th failed run, the n-th batch of keys is sent.
async fn drive_with_trainer(
    app: &mut App,
    dataset: Arc<Dataset>,
    keys_after_failures: Vec<Vec<KeyEvent>>,
) -> (Terminal<TestBackend>, Vec<Command>) {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let (input_sender, input) = futures_mpsc::unbounded::<io::Result<Event>>();
    let (event_sender, event_receiver) = unbounded_channel();
    let (command_sender, mut command_receiver) = unbounded_channel();
    let export_dir = tempfile::tempdir().unwrap();
    event_sender
        .send(AppEvent::DataReady(Arc::clone(&dataset)))
        .unwrap();

    let controller = tokio::spawn(async move {
        let mut seen = Vec::new();
        let mut batches = keys_after_failures.into_iter();
        while let Some(command) = command_receiver.recv().await {
            if let Command::StartRun(config) = &command {
                let (train_sender, mut train_receiver) = unbounded_channel();
                let _trainer = spawn(Arc::clone(&dataset), config.clone(), train_sender).unwrap();
                while let Some(event) = train_receiver.recv().await {
                    let failed = matches!(event, TrainEvent::Failed { .. });
                    let _ = event_sender.send(AppEvent::Train(event));
                    if failed && let Some(keys) = batches.next() {
                        // Lets the loop take the failure before the keys.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        for key in keys {
                            let _ = input_sender.unbounded_send(Ok(Event::Key(key)));
                        }
                    }
                }
            }
            seen.push(command);
        }
        seen
    });

    let io = LoopIo {
        input,
        events: event_receiver,
        commands: &command_sender,
        export_dir: export_dir.path(),
        runs: None,
    };
    tokio::time::timeout(Duration::from_secs(60), drive(&mut terminal, app, io))
        .await
        .expect("the dashboard stopped responding")
        .unwrap();
    drop(command_sender);
    let commands = controller.await.unwrap();
    (terminal, commands)
}

#[tokio::test(flavor = "current_thread")]
async fn diverging_run_fails_and_ui_responds() {
    let config = RunConfig {
        learning_rate: 1e38,
        ..small_config()
    };
    let dataset = words_dataset();
    let mut app = App::new(Lang::En, Theme::colored(), config, Instant::now());

    // After the first failure: Tab moves the focus, `?` opens help and any
    // key closes it, `c` finds no run, and `n` starts a new run, which
    // diverges too. After the second, `q` quits at once.
    let keys = vec![
        vec![
            press(KeyCode::Tab),
            press(KeyCode::Char('?')),
            press(KeyCode::Char('x')),
            press(KeyCode::Char('c')),
            press(KeyCode::Char('n')),
        ],
        vec![press(KeyCode::Char('q'))],
    ];
    let (terminal, commands) = drive_with_trainer(&mut app, dataset, keys).await;

    assert_eq!(app.phase, Phase::Failed);
    assert!(app.should_quit());
    assert_eq!(app.focus, Focus::Table, "Tab after the failure was lost");
    assert_eq!(app.overlay, None);
    let Some(Notice::RunFailed(reason)) = &app.failure else {
        panic!("no failure recorded: {:?}", app.failure);
    };
    let message = reason.to_string();
    assert!(message.contains("diverged"), "{message}");
    assert!(message.contains("lower the learning rate"), "{message}");
    let history = app.history.exploration().unwrap();
    assert!(
        history
            .epochs
            .iter()
            .all(|epoch| epoch.train_loss.is_finite()),
        "a non-finite loss reached the history"
    );

    let text = screen_text(&terminal);
    assert!(text.contains("Phase: failed"), "{text}");
    assert!(text.contains("diverged"), "{text}");

    let starts = commands
        .iter()
        .filter(|command| matches!(command, Command::StartRun(_)))
        .count();
    assert_eq!(starts, 2, "{commands:?}");
    assert!(
        matches!(commands.last(), Some(Command::Quit)),
        "{commands:?}"
    );
    assert!(
        !commands
            .iter()
            .any(|command| matches!(command, Command::Cancel)),
        "a cancel was sent with no run: {commands:?}"
    );
}

#[test]
fn cancel_retrain_quit_in_one_epoch() {
    let (mut app, dataset) = running_app(small_config());
    let _ = app.handle_event(AppEvent::Train(TrainEvent::Progress {
        epoch: 2,
        batch: 1,
        batches: 5,
    }));

    // All three keys arrive while epoch 2 is still running.
    let update = app.handle_key(press(KeyCode::Char('c')));
    assert!(matches!(update.commands.as_slice(), [Command::Cancel]));
    assert_eq!(app.notice, Some(Notice::CancelRequested));

    let update = app.handle_key(press(KeyCode::Char('r')));
    assert!(
        update.commands.is_empty(),
        "r started a run during a cancel"
    );
    assert_eq!(app.notice, Some(Notice::RunInProgress));
    assert_eq!(app.overlay, None, "r opened the retrain prompt");

    let update = app.handle_key(press(KeyCode::Char('q')));
    assert!(update.commands.is_empty());
    assert_eq!(app.overlay, Some(Overlay::QuitConfirm));
    assert!(!app.should_quit());

    // The trainer finishes the batch and reports the cancel. The epoch is
    // not recorded, and the quit dialog stays open until the user presses y, n or Esc.
    let _ = app.handle_event(AppEvent::Train(TrainEvent::Progress {
        epoch: 2,
        batch: 2,
        batches: 5,
    }));
    let _ = app.handle_event(AppEvent::Train(TrainEvent::Cancelled { epochs_done: 1 }));
    assert_eq!(app.phase, Phase::Cancelled);
    assert!(!app.is_running());
    assert_eq!(app.overlay, Some(Overlay::QuitConfirm));
    assert_eq!(app.notice, Some(Notice::RunCancelled(1)));
    let update = app.handle_key(press(KeyCode::Char('n')));
    assert!(update.commands.is_empty());
    assert_eq!(app.overlay, None);

    // A late event of the cancelled run changes nothing.
    let _ = app.handle_event(AppEvent::Train(TrainEvent::EpochFinished {
        metrics: metrics(2),
        model: network(&dataset),
    }));
    assert!(app.history.exploration().unwrap().epochs.is_empty());
    assert_eq!(app.phase, Phase::Cancelled);

    // Now `r` opens the prompt, and `q` quits at once with no cancel.
    let _ = app.handle_key(press(KeyCode::Char('r')));
    assert!(matches!(app.overlay, Some(Overlay::RetrainPrompt { .. })));
    let _ = app.handle_key(press(KeyCode::Esc));
    let update = app.handle_key(press(KeyCode::Char('q')));
    assert!(app.should_quit());
    assert!(matches!(update.commands.as_slice(), [Command::Quit]));
}

#[test]
fn quit_confirmed_before_cancel_arrives() {
    let (mut app, _) = running_app(small_config());
    let update = app.handle_key(press(KeyCode::Char('c')));
    assert!(matches!(update.commands.as_slice(), [Command::Cancel]));
    let _ = app.handle_key(press(KeyCode::Char('q')));
    let update = app.handle_key(press(KeyCode::Char('y')));
    assert!(app.should_quit());
    // Cancelling twice is harmless: the trainer only sets a flag.
    assert!(matches!(
        update.commands.as_slice(),
        [Command::Cancel, Command::Quit]
    ));
}

#[test]
fn retrain_while_retraining_says_one_run() {
    let mut app = explored_app();
    let _ = app.handle_key(press(KeyCode::Char('r')));
    let update = app.handle_key(press(KeyCode::Enter));
    assert!(
        matches!(update.commands.as_slice(), [Command::StartRun(config)] if config.kind == RunKind::Final)
    );
    assert_eq!(app.phase, Phase::Retraining);

    for key in ['r', 'r', 'n'] {
        let update = app.handle_key(press(KeyCode::Char(key)));
        assert!(update.commands.is_empty(), "{key} started a second run");
        assert_eq!(app.overlay, None, "{key} opened a dialog");
        assert_eq!(app.notice, Some(Notice::RunInProgress));
        let text = screen_text(&render(&app, 120, 40));
        assert!(
            text.contains("A run is in progress. Press c to cancel it first."),
            "{text}"
        );
    }
    assert_eq!(app.phase, Phase::Retraining);
}

// ---------------------------------------------------------------------------
// Review box

/// Returns the terminal cursor and the symbols of the cell under it and of
/// the cell before it, after drawing `app`.
fn cursor_cells(app: &App) -> (ratatui::layout::Position, String, String) {
    let terminal = render(app, 120, 40);
    let mut backend = terminal.backend().clone();
    let cursor = backend.get_cursor_position().unwrap();
    let buffer = terminal.backend().buffer();
    let under = buffer[(cursor.x, cursor.y)].symbol().to_owned();

    // The character before the cursor starts at the last cell left of it
    // that is not the second half of a double-width character.
    let mut before = String::new();
    let mut x = 0;
    while x < cursor.x {
        let symbol = buffer[(x, cursor.y)].symbol();
        before = symbol.to_owned();
        x += symbol.width().max(1) as u16;
    }
    (cursor, under, before)
}

#[test]
fn cursor_under_right_character() {
    // Wide CJK characters, emoji, a combining accent and enough text to wrap
    // over several rows of the box.
    let text = format!("{}😀 e\u{301}x 映画", "影评很好看".repeat(12));
    let characters: Vec<char> = text.chars().collect();
    let mut checked = 0;
    for steps in 0..=characters.len() {
        let mut app = explored_app();
        let _ = app.handle_key(press(KeyCode::BackTab));
        assert_eq!(app.focus, Focus::Review);
        type_text(&mut app, &text);
        for _ in 0..steps {
            let _ = app.handle_key(press(KeyCode::Left));
        }
        let (cursor, under, before) = cursor_cells(&app);

        // A probe typed at the cursor shows which character it is on.
        type_text(&mut app, "|");
        let typed = app.review.text();
        let probe = typed.find('|').unwrap();
        let next = typed[probe + 1..].chars().next();
        let previous = typed[..probe].chars().next_back();
        assert_ne!(next, Some('\u{301}'), "the cursor split é: {typed:?}");

        match next {
            Some(character) if character != ' ' => {
                assert!(
                    under.starts_with(character),
                    "{steps} steps back: cursor at {cursor:?} is on {under:?}, expected {character:?}"
                );
                checked += 1;
            }
            // At a space, or at the end of a wrapped row, the cell may be
            // blank, so the character before the cursor is checked instead.
            _ => {
                if let Some(previous) = previous.filter(|&c| c != ' ' && c != '\u{301}') {
                    assert!(
                        before.starts_with(previous),
                        "{steps} steps back: cell before {cursor:?} is {before:?}, expected {previous:?}"
                    );
                }
            }
        }
    }
    assert!(
        checked > characters.len() / 2,
        "only {checked} positions checked"
    );
}

#[test]
fn huge_paste_without_spaces() {
    let mut app = explored_app();
    let started = Instant::now();
    let word: String = "great".chars().cycle().take(100_000).collect();
    let _ = app.handle_terminal_event(Event::Paste(word));
    let _ = render(&app, 120, 40);
    let lines: String = "film\n".repeat(20_000);
    let _ = app.handle_terminal_event(Event::Paste(lines));
    let _ = app.handle_key(press(KeyCode::Char('x')));
    let text = screen_text(&render(&app, 120, 40));
    let took = started.elapsed();

    assert_eq!(app.focus, Focus::Review);
    assert_eq!(app.review.text().chars().count(), 200_001);
    let reading = app.review.reading().unwrap();
    // `greatgreat…great` is one unknown word, and `film` is known.
    assert_eq!(
        reading.prediction.known_words, 1,
        "{:?}",
        reading.prediction
    );
    assert!(text.contains("P = "), "{text}");
    assert!(took < Duration::from_secs(5), "two pastes took {took:?}");
}

#[test]
fn huge_paste_into_retrain_prompt() {
    let mut app = explored_app();
    let _ = app.handle_key(press(KeyCode::Char('r')));
    let _ = app.handle_key(press(KeyCode::Backspace));
    let digits: String = "7".repeat(100_000);
    let _ = app.handle_terminal_event(Event::Paste(format!("{digits}\nsecond line")));
    let update = app.handle_key(press(KeyCode::Enter));
    assert!(
        update.commands.is_empty(),
        "a 100,000-digit epoch count started a run"
    );
    let Some(Overlay::RetrainPrompt { rejected, .. }) = &app.overlay else {
        panic!("the prompt closed: {:?}", app.overlay);
    };
    assert_eq!(rejected.as_deref().map(str::len), Some(100_000));
    let _ = render(&app, 80, 24);
    let _ = render(&app, 120, 40);
}

#[test]
fn empty_review_box_keys() {
    let mut app = explored_app();
    let _ = app.handle_key(press(KeyCode::BackTab));
    for code in [
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
    ] {
        let _ = app.handle_key(press(code));
        assert_eq!(app.review.text(), "", "{code:?}");
        assert!(app.review.reading().is_none(), "{code:?}");
    }
    let text = screen_text(&render(&app, 120, 40));
    assert!(
        text.contains("Type a review to see what the model makes of it."),
        "{text}"
    );

    // Only spaces and line breaks are still an empty review.
    type_text(&mut app, "   ");
    let _ = app.handle_key(press(KeyCode::Enter));
    assert!(app.review.reading().is_none());
    let text = screen_text(&render(&app, 120, 40));
    assert!(!text.contains("P = "), "{text}");
}

#[test]
fn unknown_words_only_explained() {
    let mut app = explored_app();
    let _ = app.handle_key(press(KeyCode::BackTab));
    type_text(&mut app, "zzz qqq 电影 😀 e\u{301}");
    let reading = app.review.reading().unwrap();
    assert_eq!(reading.prediction.known_words, 0);
    assert!(reading.towards_positive.is_empty());
    assert!(reading.towards_negative.is_empty());

    let text = screen_text(&render(&app, 120, 40));
    assert!(text.contains("P = "), "{text}");
    assert!(
        text.contains("No known words: the probability comes from the biases alone."),
        "{text}"
    );
}

#[test]
fn export_creates_missing_folder() {
    let app = explored_app();
    let temp = tempfile::tempdir().unwrap();
    let folder = temp.path().join("data");
    let (csv, json) = imdb_tui::ui::export::export_history(&app.history, &folder).unwrap();
    assert!(csv.is_file());
    assert!(json.is_file());

    // A regular file where the folder should be is reported by name.
    let blocked = temp.path().join("blocked");
    std::fs::write(&blocked, b"x").unwrap();
    let error = imdb_tui::ui::export::export_history(&app.history, &blocked).unwrap_err();
    assert!(error.to_string().contains("blocked"), "{error}");
}
