//! The settings panel (key `o`): edits the settings of the next
//! exploration run and starts it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::train::{Allowed, Field, RunKind, Settings, SettingsError};

use super::app::{App, Notice, Overlay};
use super::interface::{Command, Update};
use super::status::Phase;
use super::table::TableScroll;

/// Maximum length, in characters, of a typed value.
const MAX_VALUE_LENGTH: usize = 24;

/// State of the open settings panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsPanel {
    /// Text of each field, in `Field::ALL` order, as typed or stepped.
    pub values: Vec<String>,
    /// Index of the selected row.
    pub selected: usize,
    /// Field whose value Enter rejected, shown until the next key.
    pub rejected: Option<Field>,
    /// True until the selected value is edited, so that the first typed
    /// character replaces the value instead of adding to it. Moving to
    /// another row, Left, Right and d set it again.
    pub fresh: bool,
    /// Character that the selected field cannot take, shown with the
    /// field's allowed values until the next key.
    pub rejected_character: Option<char>,
}

/// Start that waits until the run in progress has ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingStart {
    /// A new exploration run on the dataset already prepared.
    Run,
    /// A new preparation of the data, for another vocabulary size, and then
    /// the exploration run.
    Prepare,
}

/// Direction of Left and Right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Down,
    Up,
}

impl SettingsPanel {
    pub fn new(settings: &Settings) -> Self {
        Self {
            values: Field::ALL
                .iter()
                .map(|field| settings.text(*field))
                .collect(),
            selected: 0,
            rejected: None,
            fresh: true,
            rejected_character: None,
        }
    }

    pub fn field(&self) -> Field {
        Field::ALL[self.selected]
    }

    pub fn value(&self, field: Field) -> &str {
        let index = Field::ALL.iter().position(|known| *known == field);
        index
            .and_then(|index| self.values.get(index))
            .map_or("", String::as_str)
    }

    pub fn is_valid(&self, field: Field) -> bool {
        Settings::default().set(field, self.value(field)).is_ok()
    }

    /// Builds the settings from every row, or returns the first invalid one.
    pub fn settings(&self) -> Result<Settings, SettingsError> {
        let mut settings = Settings::default();
        for field in Field::ALL {
            settings.set(field, self.value(field))?;
        }
        Ok(settings)
    }

    fn selected_value(&mut self) -> &mut String {
        &mut self.values[self.selected]
    }

    fn move_selection(&mut self, down: bool) {
        let rows = Field::ALL.len();
        self.selected = if down {
            (self.selected + 1) % rows
        } else {
            (self.selected + rows - 1) % rows
        };
        self.fresh = true;
    }

    fn restore_defaults(&mut self) {
        let selected = self.selected;
        *self = Self::new(&Settings::default());
        self.selected = selected;
    }

    /// Types `character` into the selected value, replacing the value when
    /// it is fresh. A character that the field cannot take is rejected.
    fn type_character(&mut self, character: char) {
        if !accepts(self.field().allowed(), character) {
            self.rejected_character = Some(character);
            return;
        }
        let fresh = std::mem::replace(&mut self.fresh, false);
        let value = self.selected_value();
        if fresh {
            value.clear();
        }
        if value.chars().count() < MAX_VALUE_LENGTH {
            value.push(character);
        }
    }

    fn backspace(&mut self) {
        if matches!(self.field().allowed(), Allowed::Choice(_)) {
            return;
        }
        self.fresh = false;
        self.selected_value().pop();
    }

    fn step(&mut self, step: Step) {
        let field = self.field();
        let current = self.value(field).to_owned();
        let default = Settings::default().text(field);
        let next = match field.allowed() {
            Allowed::Choice(names) => cycle(names, &current, step),
            Allowed::Whole { min, max } => match ladder(field) {
                Some(values) => climb(values, &current, &default, step),
                None => stride(&current, &default, field, min, max, step),
            },
            Allowed::Decimal { .. } => match ladder(field) {
                Some(values) => climb(values, &current, &default, step),
                None => current,
            },
        };
        *self.selected_value() = next;
        self.fresh = true;
    }
}

/// Returns whether a field with `allowed` values can take `character`:
/// digits in a whole number, and also a decimal point and an exponent
/// such as `1e-2` in a decimal. Choices take no typing.
fn accepts(allowed: Allowed, character: char) -> bool {
    match allowed {
        Allowed::Whole { .. } => character.is_ascii_digit(),
        Allowed::Decimal { .. } => {
            character.is_ascii_digit() || matches!(character, '.' | 'e' | 'E' | '-')
        }
        Allowed::Choice(_) => false,
    }
}

/// Returns the name before or after `current` among `names`, wrapping
/// around; an unknown name moves to the first.
fn cycle(names: &[&str], current: &str, step: Step) -> String {
    let count = names.len();
    let next = match names
        .iter()
        .position(|name| name.eq_ignore_ascii_case(current.trim()))
    {
        None => 0,
        Some(index) if step == Step::Up => (index + 1) % count,
        Some(index) => (index + count - 1) % count,
    };
    names
        .get(next)
        .map_or_else(String::new, |name| (*name).to_owned())
}

/// Values that Left and Right move between, for fields where a fixed
/// increment is too small at one end of the range and too large at the
/// other.
fn ladder(field: Field) -> Option<&'static [f64]> {
    const UNITS: [f64; 7] = [4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];
    const LEARNING_RATES: [f64; 11] = [
        0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0,
    ];
    const BATCH_SIZES: [f64; 14] = [
        1.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0, 16384.0,
        25000.0,
    ];
    const DROPOUTS: [f64; 10] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
    const L2_FACTORS: [f64; 7] = [0.0, 0.00001, 0.0001, 0.001, 0.01, 0.1, 1.0];
    match field {
        Field::Units => Some(&UNITS),
        Field::LearningRate => Some(&LEARNING_RATES),
        Field::BatchSize => Some(&BATCH_SIZES),
        Field::Dropout => Some(&DROPOUTS),
        Field::L2 => Some(&L2_FACTORS),
        _ => None,
    }
}

/// Returns the next value of `values` above `current`, or the last one below
/// it, keeping `current` at either end. Text that is not a number starts
/// from `default`.
fn climb(values: &[f64], current: &str, default: &str, step: Step) -> String {
    let Some(number) = current
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|number| number.is_finite())
    else {
        return default.to_owned();
    };
    // Typed text such as 0.1 is an f32 in the settings, so values within a
    // relative 1e-6 count as equal.
    let tolerance = number.abs().max(1e-12) * 1e-6;
    let next = match step {
        Step::Up => values.iter().find(|value| **value > number + tolerance),
        Step::Down => values
            .iter()
            .rev()
            .find(|value| **value < number - tolerance),
    };
    next.map_or_else(|| current.to_owned(), |value| value.to_string())
}

/// Moves a whole number to the next multiple of the field's increment and
/// into `min..=max`. Text that is not a whole number starts from `default`.
fn stride(current: &str, default: &str, field: Field, min: u64, max: u64, step: Step) -> String {
    let increment: u64 = match field {
        Field::ValidationSize | Field::VocabSize => 1_000,
        _ => 1,
    };
    let Ok(number) = current.trim().parse::<u64>() else {
        return default.to_owned();
    };
    let next = match step {
        Step::Up => (number / increment)
            .saturating_add(1)
            .saturating_mul(increment),
        Step::Down => (number.saturating_sub(1) / increment) * increment,
    };
    next.clamp(min, max).to_string()
}

impl App {
    /// Opens the settings panel with the settings of the next exploration
    /// run. The data must be ready, or its preparation must have failed, so
    /// that a new vocabulary size can be tried.
    pub(super) fn open_settings(&mut self) -> Update {
        if self.dataset.is_none() && self.phase != Phase::Failed {
            self.notice = Some(Notice::DataNotReady);
            return Update::redraw();
        }
        let settings = Settings::from_run_config(&self.exploration_config, self.vocab_size);
        self.overlay = Some(Overlay::Settings(SettingsPanel::new(&settings)));
        Update::redraw()
    }

    pub(super) fn settings_key(&mut self, mut panel: SettingsPanel, key: KeyEvent) -> Update {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            self.overlay = Some(Overlay::Settings(panel));
            return Update::default();
        }
        panel.rejected = None;
        panel.rejected_character = None;
        match key.code {
            KeyCode::Esc => {
                self.overlay = None;
                return Update::redraw();
            }
            KeyCode::Enter => return self.apply_settings(panel),
            KeyCode::Up | KeyCode::BackTab => panel.move_selection(false),
            KeyCode::Down | KeyCode::Tab => panel.move_selection(true),
            KeyCode::Left => panel.step(Step::Down),
            KeyCode::Right => panel.step(Step::Up),
            KeyCode::Backspace => panel.backspace(),
            KeyCode::Char('d') => panel.restore_defaults(),
            KeyCode::Char(character) => panel.type_character(character),
            _ => {
                self.overlay = Some(Overlay::Settings(panel));
                return Update::default();
            }
        }
        self.overlay = Some(Overlay::Settings(panel));
        Update::redraw()
    }

    /// Applies valid settings and starts the exploration run, preparing the
    /// data again first when the vocabulary size changed. A run in progress
    /// is cancelled first, and the new one starts when it has ended.
    fn apply_settings(&mut self, mut panel: SettingsPanel) -> Update {
        let settings = match panel.settings() {
            Ok(settings) => settings,
            Err(error) => {
                panel.selected = Field::ALL
                    .iter()
                    .position(|field| *field == error.field)
                    .unwrap_or(panel.selected);
                panel.rejected = Some(error.field);
                self.overlay = Some(Overlay::Settings(panel));
                return Update::redraw();
            }
        };
        self.overlay = None;
        let start = if settings.vocab_size != self.vocab_size || self.dataset.is_none() {
            PendingStart::Prepare
        } else {
            PendingStart::Run
        };
        self.exploration_config = settings.run_config(RunKind::Exploration);
        self.vocab_size = settings.vocab_size;
        if self.is_running() {
            self.pending = Some(start);
            self.notice = Some(Notice::CancelRequested);
            return Update::command(Command::Cancel);
        }
        self.begin(start)
    }

    pub(super) fn begin(&mut self, start: PendingStart) -> Update {
        self.table = TableScroll::default();
        match start {
            PendingStart::Run => self.start_run(self.exploration_config.clone()),
            PendingStart::Prepare => self.prepare_again(),
        }
    }

    /// Drops the dataset and the model serving predictions, whose input
    /// size is the old vocabulary size, and requests a new preparation.
    /// [`App::handle_event`] starts the run when the data is ready.
    fn prepare_again(&mut self) -> Update {
        self.dataset = None;
        self.data_info = None;
        self.prepare = None;
        self.serving = None;
        self.refresh_reading();
        self.failure = None;
        self.phase = Phase::Preparing;
        Update::command(Command::PrepareData {
            vocab_size: self.vocab_size,
        })
    }

    /// Starts what the settings panel queued, once the run it cancelled has
    /// ended, and adds its command to `update`.
    pub(super) fn start_pending(&mut self, mut update: Update) -> Update {
        if self.is_running() || self.quit {
            return update;
        }
        if let Some(start) = self.pending.take() {
            // The cancelled run's notice would otherwise stay on through
            // the run that replaced it.
            if matches!(self.notice, Some(Notice::RunCancelled(_))) {
                self.notice = None;
            }
            let next = self.begin(start);
            update.redraw = true;
            update.commands.extend(next.commands);
        }
        update
    }
}
