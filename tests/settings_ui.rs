//! The dashboard's settings panel (key `o`): editing keys, rejected values,
//! defaults, the commands that Enter sends, and snapshots of the panel.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use imdb_tui::data::{Dataset, Split, Vocabulary};
use imdb_tui::i18n::Lang;
use imdb_tui::model::{Activation, LossKind, Network, OptimizerKind};
use imdb_tui::train::{Field, RunConfig, Settings, TrainEvent};
use imdb_tui::ui::{
    App, AppEvent, Command, Notice, Overlay, Phase, SettingsPanel, Theme, Update, draw,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

const WORDS: [&str; 6] = ["great", "fun", "bad", "dull", "the", "movie"];

fn dataset() -> Arc<Dataset> {
    let split = Split {
        offsets: vec![0; 25_001],
        indices: Vec::new(),
        labels: vec![0; 25_000],
        ratings: vec![1; 25_000],
    };
    Arc::new(Dataset {
        source: "aclImdb_v1.tar.gz".into(),
        vocabulary: Vocabulary::new(WORDS.iter().map(|word| word.to_string()).collect()),
        train: split.clone(),
        test: split,
    })
}

fn network() -> Arc<Network> {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    Arc::new(Network::new(WORDS.len(), &[16, 16], &mut rng))
}

fn press(app: &mut App, code: KeyCode) -> Update {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn type_text(app: &mut App, text: &str) {
    for character in text.chars() {
        let _ = press(app, KeyCode::Char(character));
    }
}

/// Builds an app whose exploration run has started.
fn running_app(lang: Lang) -> App {
    let mut app = App::new(lang, Theme::colored(), RunConfig::default(), Instant::now());
    let _ = app.handle_event(AppEvent::DataReady(dataset()));
    assert!(app.is_running());
    app
}

/// Builds an app whose exploration run has finished.
fn idle_app(lang: Lang) -> App {
    let mut app = running_app(lang);
    let _ = app.handle_event(AppEvent::Train(TrainEvent::Finished {
        model: network(),
        test: None,
    }));
    assert!(!app.is_running());
    app
}

fn panel(app: &App) -> &SettingsPanel {
    match &app.overlay {
        Some(Overlay::Settings(panel)) => panel,
        other => panic!("the settings panel is not open: {other:?}"),
    }
}

/// Moves the selection down to `field`, from the first row.
fn select(app: &mut App, field: Field) {
    while panel(app).field() != field {
        let _ = press(app, KeyCode::Down);
    }
}

/// Selects `field`, clears its value and types `text`.
fn replace(app: &mut App, field: Field, text: &str) {
    select(app, field);
    while !panel(app).value(field).is_empty() {
        let _ = press(app, KeyCode::Backspace);
    }
    type_text(app, text);
}

/// Opens the panel and edits the network and optimizer settings, leaving
/// the selection on the first row.
fn edit_network(app: &mut App) {
    let _ = press(app, KeyCode::Char('o'));
    replace(app, Field::HiddenLayers, "3");
    select(app, Field::Units);
    let _ = press(app, KeyCode::Right);
    let _ = press(app, KeyCode::Right);
    select(app, Field::Activation);
    let _ = press(app, KeyCode::Right);
    select(app, Field::Loss);
    let _ = press(app, KeyCode::Left);
    select(app, Field::Optimizer);
    let _ = press(app, KeyCode::Right);
    replace(app, Field::LearningRate, "0.01");
    replace(app, Field::Dropout, "0.25");
    while panel(app).field() != Field::HiddenLayers {
        let _ = press(app, KeyCode::Down);
    }
}

fn edited_config() -> RunConfig {
    RunConfig {
        hidden_units: vec![64, 64, 64],
        activation: Activation::Tanh,
        loss: LossKind::MeanSquaredError,
        optimizer: OptimizerKind::Adam,
        learning_rate: 0.01,
        dropout: 0.25,
        ..RunConfig::default()
    }
}

mod keys {
    use super::*;

    #[test]
    fn o_opens_current_settings() {
        let mut app = idle_app(Lang::En);
        let update = press(&mut app, KeyCode::Char('o'));
        assert!(update.redraw);
        assert!(update.commands.is_empty());
        let expected = SettingsPanel::new(&Settings::default());
        assert_eq!(panel(&app), &expected);
        assert_eq!(panel(&app).field(), Field::HiddenLayers);
    }

    #[test]
    fn panel_needs_prepared_data() {
        let mut app = App::new(
            Lang::En,
            Theme::colored(),
            RunConfig::default(),
            Instant::now(),
        );
        let _ = press(&mut app, KeyCode::Char('o'));
        assert_eq!(app.overlay, None);
        assert_eq!(app.notice, Some(Notice::DataNotReady));
    }

    #[test]
    fn arrows_step_numbers_and_cycle_choices() {
        let mut app = idle_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));

        let _ = press(&mut app, KeyCode::Right);
        assert_eq!(panel(&app).value(Field::HiddenLayers), "3");
        let _ = press(&mut app, KeyCode::Right);
        let _ = press(&mut app, KeyCode::Right);
        assert_eq!(
            panel(&app).value(Field::HiddenLayers),
            "4",
            "past the maximum"
        );

        select(&mut app, Field::Units);
        let _ = press(&mut app, KeyCode::Right);
        assert_eq!(panel(&app).value(Field::Units), "32");
        let _ = press(&mut app, KeyCode::Left);
        let _ = press(&mut app, KeyCode::Left);
        assert_eq!(panel(&app).value(Field::Units), "8");

        select(&mut app, Field::Optimizer);
        for expected in ["adam", "sgd", "rmsprop"] {
            let _ = press(&mut app, KeyCode::Right);
            assert_eq!(panel(&app).value(Field::Optimizer), expected);
        }
        let _ = press(&mut app, KeyCode::Left);
        assert_eq!(panel(&app).value(Field::Optimizer), "sgd");

        select(&mut app, Field::LearningRate);
        let _ = press(&mut app, KeyCode::Right);
        assert_eq!(panel(&app).value(Field::LearningRate), "0.003");

        select(&mut app, Field::ValidationSize);
        let _ = press(&mut app, KeyCode::Left);
        assert_eq!(panel(&app).value(Field::ValidationSize), "9000");

        select(&mut app, Field::Dropout);
        let _ = press(&mut app, KeyCode::Right);
        assert_eq!(panel(&app).value(Field::Dropout), "0.1");
    }

    #[test]
    fn up_wraps_to_last_row() {
        let mut app = idle_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));
        let _ = press(&mut app, KeyCode::Up);
        assert_eq!(panel(&app).field(), Field::Seed);
        let _ = press(&mut app, KeyCode::Down);
        assert_eq!(panel(&app).field(), Field::HiddenLayers);
    }

    #[test]
    fn typing_edits_number_in_place() {
        let mut app = idle_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));
        select(&mut app, Field::BatchSize);
        let _ = press(&mut app, KeyCode::Backspace);
        assert_eq!(panel(&app).value(Field::BatchSize), "51");
        type_text(&mut app, "0");
        assert_eq!(panel(&app).value(Field::BatchSize), "510");
        type_text(&mut app, "x");
        assert_eq!(panel(&app).value(Field::BatchSize), "510", "a letter typed");
    }

    #[test]
    fn first_typed_digit_replaces_value() {
        let mut app = idle_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));
        select(&mut app, Field::Units);
        assert_eq!(panel(&app).value(Field::Units), "16");
        type_text(&mut app, "256");
        assert_eq!(panel(&app).value(Field::Units), "256");
        assert!(panel(&app).is_valid(Field::Units));

        // Left and Right also leave a value that the next digit replaces.
        let _ = press(&mut app, KeyCode::Left);
        assert_eq!(panel(&app).value(Field::Units), "128");
        type_text(&mut app, "8");
        assert_eq!(panel(&app).value(Field::Units), "8");

        // Backspace edits the value in place.
        select(&mut app, Field::Epochs);
        let _ = press(&mut app, KeyCode::Backspace);
        type_text(&mut app, "5");
        assert_eq!(panel(&app).value(Field::Epochs), "25");
    }

    #[test]
    fn learning_rate_takes_exponent() {
        let mut app = idle_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));
        select(&mut app, Field::LearningRate);
        type_text(&mut app, "1e-2");
        assert_eq!(panel(&app).value(Field::LearningRate), "1e-2");
        let update = press(&mut app, KeyCode::Enter);
        let [Command::StartRun(config)] = update.commands.as_slice() else {
            panic!("no run started: {:?}", update.commands);
        };
        assert!((config.learning_rate - 0.01).abs() < 1e-9);
    }

    #[test]
    fn rejected_character_shows_range() {
        let mut app = idle_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));
        select(&mut app, Field::Units);
        type_text(&mut app, ".");
        assert_eq!(panel(&app).value(Field::Units), "16");
        assert_eq!(panel(&app).rejected_character, Some('.'));
        let screen = render(&app, 120, 40);
        assert!(
            screen.contains("takes a whole number, 4 to 256: \".\" cannot be typed."),
            "{screen}"
        );

        // The rejected character does not end the fresh state.
        type_text(&mut app, "3");
        assert_eq!(
            panel(&app).rejected_character,
            None,
            "the next key clears it"
        );
        assert_eq!(panel(&app).value(Field::Units), "3");

        select(&mut app, Field::Activation);
        type_text(&mut app, "x");
        let screen = render(&app, 120, 40);
        assert!(
            screen.contains("is chosen with Left/Right: relu, tanh."),
            "{screen}"
        );
    }

    #[test]
    fn hint_names_backspace_and_point() {
        let mut app = idle_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));
        let screen = render(&app, 120, 40);
        assert!(screen.contains("0-9 . type"), "{screen}");
        assert!(screen.contains("Backspace delete"), "{screen}");
    }

    #[test]
    fn typing_leaves_choices_alone() {
        let mut app = idle_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));
        select(&mut app, Field::Activation);
        type_text(&mut app, "12");
        let _ = press(&mut app, KeyCode::Backspace);
        assert_eq!(panel(&app).value(Field::Activation), "relu");
    }

    #[test]
    fn enter_rejects_invalid_value() {
        let mut app = idle_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));
        replace(&mut app, Field::Units, "300");
        let _ = press(&mut app, KeyCode::Up);
        assert!(!panel(&app).is_valid(Field::Units));

        let update = press(&mut app, KeyCode::Enter);
        assert!(update.commands.is_empty(), "{:?}", update.commands);
        assert_eq!(panel(&app).rejected, Some(Field::Units));
        assert_eq!(panel(&app).field(), Field::Units, "selection moves to it");
        assert_eq!(app.exploration_config, RunConfig::default());

        let _ = press(&mut app, KeyCode::Backspace);
        assert_eq!(panel(&app).rejected, None, "the next key clears it");
    }

    #[test]
    fn enter_rejects_empty_value() {
        let mut app = idle_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));
        replace(&mut app, Field::LearningRate, "");
        let update = press(&mut app, KeyCode::Enter);
        assert!(update.commands.is_empty());
        assert_eq!(panel(&app).rejected, Some(Field::LearningRate));
    }

    #[test]
    fn d_restores_every_default() {
        let mut app = idle_app(Lang::En);
        edit_network(&mut app);
        replace(&mut app, Field::Epochs, "999");
        let _ = press(&mut app, KeyCode::Char('d'));
        let mut expected = SettingsPanel::new(&Settings::default());
        expected.selected = panel(&app).selected;
        assert_eq!(panel(&app), &expected);
    }

    #[test]
    fn esc_closes_without_changes() {
        let mut app = idle_app(Lang::En);
        edit_network(&mut app);
        let update = press(&mut app, KeyCode::Esc);
        assert!(update.commands.is_empty());
        assert_eq!(app.overlay, None);
        assert_eq!(app.exploration_config, RunConfig::default());
        let _ = press(&mut app, KeyCode::Char('o'));
        assert_eq!(panel(&app), &SettingsPanel::new(&Settings::default()));
    }

    #[test]
    fn enter_starts_run_with_edits() {
        let mut app = idle_app(Lang::En);
        edit_network(&mut app);
        let update = press(&mut app, KeyCode::Enter);
        let [Command::StartRun(config)] = update.commands.as_slice() else {
            panic!("expected one StartRun: {:?}", update.commands);
        };
        assert_eq!(config, &edited_config());
        assert_eq!(app.overlay, None);
        assert_eq!(app.exploration_config, edited_config());
        assert!(app.is_running());
        assert_eq!(app.phase, Phase::Exploring);
    }

    #[test]
    fn enter_cancels_run_in_progress() {
        let mut app = running_app(Lang::En);
        edit_network(&mut app);
        let update = press(&mut app, KeyCode::Enter);
        assert!(matches!(update.commands.as_slice(), [Command::Cancel]));
        assert_eq!(app.notice, Some(Notice::CancelRequested));

        let update = app.handle_event(AppEvent::Train(TrainEvent::Cancelled { epochs_done: 2 }));
        let [Command::StartRun(config)] = update.commands.as_slice() else {
            panic!("expected one StartRun: {:?}", update.commands);
        };
        assert_eq!(config, &edited_config());
        assert!(app.is_running());
        assert_eq!(app.notice, None, "the cancelled run's notice is gone");
    }

    #[test]
    fn cancel_drops_queued_run() {
        let mut app = running_app(Lang::En);
        edit_network(&mut app);
        let _ = press(&mut app, KeyCode::Enter);
        let update = press(&mut app, KeyCode::Char('c'));
        assert!(matches!(update.commands.as_slice(), [Command::Cancel]));
        let update = app.handle_event(AppEvent::Train(TrainEvent::Cancelled { epochs_done: 2 }));
        assert!(update.commands.is_empty(), "{:?}", update.commands);
        assert!(!app.is_running());
    }

    #[test]
    fn vocabulary_change_prepares_again() {
        let mut app = idle_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));
        select(&mut app, Field::VocabSize);
        let _ = press(&mut app, KeyCode::Right);
        assert_eq!(panel(&app).value(Field::VocabSize), "11000");

        let update = press(&mut app, KeyCode::Enter);
        assert!(
            matches!(
                update.commands.as_slice(),
                [Command::PrepareData { vocab_size: 11_000 }]
            ),
            "{:?}",
            update.commands
        );
        assert_eq!(app.vocab_size, 11_000);
        assert_eq!(app.phase, Phase::Preparing);
        assert!(app.dataset.is_none());
        assert!(app.serving.is_none(), "a model of the old size serves");

        let update = app.handle_event(AppEvent::DataReady(dataset()));
        let [Command::StartRun(config)] = update.commands.as_slice() else {
            panic!("expected one StartRun: {:?}", update.commands);
        };
        assert_eq!(config, &RunConfig::default());
    }

    #[test]
    fn vocabulary_change_waits_for_cancel() {
        let mut app = running_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));
        replace(&mut app, Field::VocabSize, "5000");
        let update = press(&mut app, KeyCode::Enter);
        assert!(matches!(update.commands.as_slice(), [Command::Cancel]));
        assert!(app.dataset.is_some(), "dropped before the run ended");

        let update = app.handle_event(AppEvent::Train(TrainEvent::Cancelled { epochs_done: 1 }));
        assert!(
            matches!(
                update.commands.as_slice(),
                [Command::PrepareData { vocab_size: 5_000 }]
            ),
            "{:?}",
            update.commands
        );
    }

    #[test]
    fn failed_preparation_can_be_retried() {
        let mut app = idle_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));
        replace(&mut app, Field::VocabSize, "30000");
        let _ = press(&mut app, KeyCode::Enter);
        let _ = app.handle_event(AppEvent::DataFailed {
            message: "vocabulary size 30000 is larger than 6 words".into(),
        });
        assert_eq!(app.phase, Phase::Failed);

        let _ = press(&mut app, KeyCode::Char('o'));
        replace(&mut app, Field::VocabSize, "2000");
        let update = press(&mut app, KeyCode::Enter);
        assert!(
            matches!(
                update.commands.as_slice(),
                [Command::PrepareData { vocab_size: 2_000 }]
            ),
            "{:?}",
            update.commands
        );
    }

    #[test]
    fn invalid_value_drawn_in_error_style() {
        let mut app = idle_app(Lang::En);
        let _ = press(&mut app, KeyCode::Char('o'));
        replace(&mut app, Field::Epochs, "0");
        let _ = press(&mut app, KeyCode::Up);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        terminal.draw(|frame| draw(frame, &app)).unwrap();
        let buffer = terminal.backend().buffer();

        let colour_of = |label: &str| {
            for y in 0..buffer.area.height {
                let row: String = (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect();
                if let Some(start) = row.find(label) {
                    let x = u16::try_from(row[..start].chars().count()).unwrap();
                    return buffer[(x, y)].fg;
                }
            }
            panic!("{label} not on screen");
        };
        assert_eq!(colour_of("0             1 to 200"), Color::Red);
        assert_ne!(colour_of("2             1 to 4"), Color::Red);
    }
}

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| draw(frame, app)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..height {
        let mut skip = 0;
        for x in 0..width {
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

/// Snapshots `app` at 120x40 and at the minimum, 80x24.
fn snapshot_sizes(name: &str, lang: Lang, app: &App) {
    let lang_name = match lang {
        Lang::En => "en",
        Lang::Zh => "zh",
    };
    for (width, height) in [(120, 40), (80, 24)] {
        let screen = render(app, width, height);
        insta::assert_snapshot!(format!("{name}_{lang_name}_{width}x{height}"), screen);
    }
}

mod snapshots {
    use super::*;

    #[test]
    fn panel_with_edits() {
        for lang in Lang::ALL {
            let mut app = idle_app(lang);
            edit_network(&mut app);
            select(&mut app, Field::LearningRate);
            snapshot_sizes("settings_edited", lang, &app);
        }
    }

    #[test]
    fn panel_with_rejected_value() {
        for lang in Lang::ALL {
            let mut app = idle_app(lang);
            let _ = press(&mut app, KeyCode::Char('o'));
            replace(&mut app, Field::Units, "300");
            let _ = press(&mut app, KeyCode::Enter);
            snapshot_sizes("settings_rejected", lang, &app);
        }
    }
}
