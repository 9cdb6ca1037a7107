//! Key and paste handling, and the actions that keys start.

use std::sync::Arc;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::train::{RunConfig, RunKind, Verdict};

use super::app::{App, Focus, Notice, Overlay};
use super::interface::{Command, Update};
use super::table::{TableScroll, row_count};

/// Largest epoch count the retrain prompt accepts, the same as the
/// largest that `--epochs` and the settings panel accept.
pub const MAX_RETRAIN_EPOCHS: usize = 200;

impl App {
    /// Handles a terminal event: keys, paste and resize.
    pub fn handle_terminal_event(&mut self, event: Event) -> Update {
        match event {
            Event::Key(key) => self.handle_key(key),
            Event::Paste(text) => self.handle_paste(&text),
            Event::Resize(_, _) => Update::redraw(),
            _ => Update::default(),
        }
    }

    /// Handles one key press. Release and repeat events are ignored, so each
    /// press acts once.
    pub fn handle_key(&mut self, key: KeyEvent) -> Update {
        if key.kind != KeyEventKind::Press {
            return Update::default();
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return self.quit_now();
        }
        let had_notice = self.notice.take().is_some();
        let mut update = match self.overlay.clone() {
            Some(overlay) => self.overlay_key(overlay, key),
            None if self.download.is_some() => self.download_key(key),
            None if self.runs_view.is_some() => self.runs_key(key),
            None if self.focus == Focus::Review => self.review_key(key),
            None => self.command_key(key),
        };
        update.redraw |= had_notice;
        self.sync_review_focus();
        update
    }

    fn handle_paste(&mut self, text: &str) -> Update {
        match &mut self.overlay {
            Some(Overlay::RetrainPrompt {
                input,
                replace_on_type,
                ..
            }) => {
                let first_line = text.lines().next().unwrap_or_default();
                if std::mem::take(replace_on_type) {
                    input.clear();
                }
                input.push_str(first_line.trim());
                Update::redraw()
            }
            Some(_) => Update::default(),
            // The review box behind the download dialog takes no paste.
            None if self.download.is_some() => Update::default(),
            None => {
                self.focus = Focus::Review;
                self.sync_review_focus();
                self.review.paste(text);
                self.refresh_reading();
                Update::redraw()
            }
        }
    }

    fn sync_review_focus(&mut self) {
        let focused = self.focus == Focus::Review && self.overlay.is_none();
        self.review.set_focused(focused);
    }

    fn review_key(&mut self, key: KeyEvent) -> Update {
        match key.code {
            KeyCode::Esc => {
                self.focus = Focus::Charts;
                Update::redraw()
            }
            KeyCode::Tab => {
                self.focus = self.focus.next();
                Update::redraw()
            }
            KeyCode::BackTab => {
                self.focus = self.focus.previous();
                Update::redraw()
            }
            _ => {
                let before = self.review.text();
                let changed = self.review.handle_key(key);
                if self.review.text() != before {
                    self.refresh_reading();
                }
                Update {
                    redraw: changed,
                    ..Update::default()
                }
            }
        }
    }

    fn command_key(&mut self, key: KeyEvent) -> Update {
        // Ctrl and Alt chords are not commands, so that for example Ctrl-S
        // sent by a terminal's flow control does not save a model.
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return Update::default();
        }
        if self.focus == Focus::Table && TableScroll::is_scroll_key(&key) {
            let rows = row_count(&self.history);
            return Update {
                redraw: self.table.handle_key(key, rows),
                ..Update::default()
            };
        }
        match key.code {
            KeyCode::Tab => {
                self.focus = self.focus.next();
                Update::redraw()
            }
            KeyCode::BackTab => {
                self.focus = self.focus.previous();
                Update::redraw()
            }
            KeyCode::Char('q') | KeyCode::Esc => self.request_quit(),
            KeyCode::Char('?') => {
                self.overlay = Some(Overlay::Help);
                Update::redraw()
            }
            KeyCode::Char('r') => self.open_retrain_prompt(),
            KeyCode::Char('n') => self.new_exploration(),
            KeyCode::Char('c') => self.cancel(),
            KeyCode::Char('s') => self.save(),
            KeyCode::Char('e') => self.export(),
            KeyCode::Char('o') => self.open_settings(),
            KeyCode::Char('h') => self.open_runs_view(),
            _ => Update::default(),
        }
    }

    fn overlay_key(&mut self, overlay: Overlay, key: KeyEvent) -> Update {
        match overlay {
            Overlay::Help => {
                self.overlay = None;
                Update::redraw()
            }
            Overlay::Settings(panel) => self.settings_key(panel, key),
            Overlay::ClearRunsConfirm => self.clear_runs_key(key),
            Overlay::QuitConfirm => match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => self.quit_now(),
                KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                    self.overlay = None;
                    Update::redraw()
                }
                _ => Update::default(),
            },
            Overlay::RetrainPrompt {
                mut input,
                rejected,
                replace_on_type,
            } => match key.code {
                KeyCode::Esc => {
                    self.overlay = None;
                    Update::redraw()
                }
                KeyCode::Enter => self.submit_retrain(&input),
                KeyCode::Backspace => {
                    let changed = input.pop().is_some();
                    self.overlay = Some(Overlay::RetrainPrompt {
                        input,
                        rejected,
                        replace_on_type: false,
                    });
                    Update {
                        redraw: changed,
                        ..Update::default()
                    }
                }
                KeyCode::Char(character) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    if replace_on_type {
                        input.clear();
                    }
                    input.push(character);
                    self.overlay = Some(Overlay::RetrainPrompt {
                        input,
                        rejected,
                        replace_on_type: false,
                    });
                    Update::redraw()
                }
                _ => Update::default(),
            },
        }
    }

    pub(super) fn request_quit(&mut self) -> Update {
        if self.is_running() {
            self.overlay = Some(Overlay::QuitConfirm);
            return Update::redraw();
        }
        self.quit_now()
    }

    pub(super) fn quit_now(&mut self) -> Update {
        self.quit = true;
        self.overlay = None;
        let mut commands = Vec::new();
        if self.is_running() {
            commands.push(Command::Cancel);
        }
        commands.push(Command::Quit);
        Update {
            redraw: false,
            commands,
            save_runs: true,
            ..Update::default()
        }
    }

    /// Returns the epoch count the retrain prompt proposes: the best epoch
    /// of the exploration run, else its length. A run that is not learning
    /// gets its length too, because its best epoch is no remedy.
    pub fn default_retrain_epochs(&self) -> usize {
        self.history
            .overfitting()
            .filter(|overfitting| !matches!(overfitting.verdict, Verdict::NotLearning(_)))
            .map_or(self.exploration_config.epochs, |overfitting| {
                overfitting.best_epoch
            })
            .clamp(1, MAX_RETRAIN_EPOCHS)
    }

    fn open_retrain_prompt(&mut self) -> Update {
        if self.is_running() {
            self.notice = Some(Notice::RunInProgress);
            return Update::redraw();
        }
        if self.dataset.is_none() {
            self.notice = Some(Notice::DataNotReady);
            return Update::redraw();
        }
        self.overlay = Some(Overlay::RetrainPrompt {
            input: self.default_retrain_epochs().to_string(),
            rejected: None,
            replace_on_type: true,
        });
        Update::redraw()
    }

    fn submit_retrain(&mut self, input: &str) -> Update {
        match parse_epochs(input) {
            Some(epochs) => {
                self.overlay = None;
                let config = RunConfig {
                    kind: RunKind::Final,
                    epochs,
                    ..self.exploration_config.clone()
                };
                self.start_run(config)
            }
            None => {
                self.overlay = Some(Overlay::RetrainPrompt {
                    input: self.default_retrain_epochs().to_string(),
                    rejected: Some(input.to_owned()),
                    replace_on_type: true,
                });
                Update::redraw()
            }
        }
    }

    fn new_exploration(&mut self) -> Update {
        if self.is_running() {
            self.notice = Some(Notice::RunInProgress);
            return Update::redraw();
        }
        if self.dataset.is_none() {
            self.notice = Some(Notice::DataNotReady);
            return Update::redraw();
        }
        self.table = TableScroll::default();
        self.start_run(self.exploration_config.clone())
    }

    fn cancel(&mut self) -> Update {
        // A cancel also drops a run that the settings panel queued.
        self.pending = None;
        if !self.is_running() {
            self.notice = Some(Notice::NoRunToCancel);
            return Update::redraw();
        }
        self.notice = Some(Notice::CancelRequested);
        Update::command(Command::Cancel)
    }

    fn save(&mut self) -> Update {
        let Some(serving) = &self.serving else {
            self.notice = Some(Notice::NoModelToSave);
            return Update::redraw();
        };
        let command = Command::SaveModel {
            model: Arc::clone(&serving.network),
            source: serving.source,
        };
        self.notice = Some(Notice::SaveRequested);
        Update::command(command)
    }

    fn export(&mut self) -> Update {
        if self.history.is_empty() {
            self.notice = Some(Notice::NothingToExport);
            return Update::redraw();
        }
        Update {
            export: true,
            ..Update::default()
        }
    }
}

/// Parses the retrain prompt's input: a whole number from 1 to
/// [`MAX_RETRAIN_EPOCHS`], surrounding spaces allowed.
pub fn parse_epochs(input: &str) -> Option<usize> {
    let trimmed = input.trim();
    if trimmed.is_empty() || !trimmed.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    trimmed
        .parse::<usize>()
        .ok()
        .filter(|epochs| (1..=MAX_RETRAIN_EPOCHS).contains(epochs))
}
