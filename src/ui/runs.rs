//! The runs view: every run in a table, a cursor, runs picked for the
//! overlay chart, and the actions on the runs file.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Notice, Overlay};
use super::charts::Metric;
use super::interface::Update;
use super::runs_file::RunsLoad;
use super::status::Phase;

/// Maximum number of runs the overlay chart shows at once, one colour each.
pub const MAX_PICKED: usize = 6;

/// State of the runs view while it is open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunsView {
    /// Index of the run under the cursor in the history's list of runs.
    pub cursor: usize,
    /// Indices of the runs the chart overlays, in the order they were
    /// picked, which decides their colours.
    pub picked: Vec<usize>,
    /// Validation metric of the chart.
    pub metric: Metric,
}

impl RunsView {
    /// Opens with the cursor on the newest of `runs` runs.
    pub fn new(runs: usize) -> Self {
        Self {
            cursor: runs.saturating_sub(1),
            picked: Vec::new(),
            metric: Metric::Loss,
        }
    }

    /// Returns the colour slot of run `index`, when it is picked.
    pub fn slot(&self, index: usize) -> Option<usize> {
        self.picked.iter().position(|&picked| picked == index)
    }

    /// Moves the cursor by a key among `runs` runs; returns true when it
    /// moved.
    fn move_cursor(&mut self, code: KeyCode, runs: usize) -> bool {
        let last = runs.saturating_sub(1);
        let page = 5;
        let next = match code {
            KeyCode::Up | KeyCode::Char('k') => self.cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.cursor.saturating_add(1),
            KeyCode::PageUp => self.cursor.saturating_sub(page),
            KeyCode::PageDown => self.cursor.saturating_add(page),
            KeyCode::Home => 0,
            KeyCode::End => last,
            _ => return false,
        }
        .min(last);
        let moved = next != self.cursor;
        self.cursor = next;
        moved
    }
}

impl App {
    pub(super) fn open_runs_view(&mut self) -> Update {
        self.runs_view = Some(RunsView::new(self.history.runs().len()));
        Update::redraw()
    }

    /// Handles a key of the runs view.
    pub(super) fn runs_key(&mut self, key: KeyEvent) -> Update {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return Update::default();
        }
        let runs = self.history.runs().len();
        let Some(view) = &mut self.runs_view else {
            return Update::default();
        };
        if view.move_cursor(key.code, runs) {
            return Update::redraw();
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('h') => {
                self.runs_view = None;
                Update::redraw()
            }
            KeyCode::Char(' ') => self.toggle_pick(),
            KeyCode::Char('m') => {
                view.metric = match view.metric {
                    Metric::Loss => Metric::Accuracy,
                    Metric::Accuracy => Metric::Loss,
                };
                Update::redraw()
            }
            KeyCode::Char('x') => self.ask_clear_runs(),
            KeyCode::Char('?') => {
                self.overlay = Some(Overlay::Help);
                Update::redraw()
            }
            KeyCode::Char('q') => self.request_quit(),
            _ => Update::default(),
        }
    }

    fn toggle_pick(&mut self) -> Update {
        let runs = self.history.runs().len();
        let Some(view) = &mut self.runs_view else {
            return Update::default();
        };
        if view.cursor >= runs {
            return Update::default();
        }
        if let Some(slot) = view.slot(view.cursor) {
            view.picked.remove(slot);
        } else if view.picked.len() >= MAX_PICKED {
            self.notice = Some(Notice::PickLimit(MAX_PICKED));
        } else {
            view.picked.push(view.cursor);
        }
        Update::redraw()
    }

    fn ask_clear_runs(&mut self) -> Update {
        if self.is_running() {
            self.notice = Some(Notice::RunInProgress);
        } else if self.history.runs().is_empty() {
            self.notice = Some(Notice::NoRunsToClear);
        } else {
            self.overlay = Some(Overlay::ClearRunsConfirm);
        }
        Update::redraw()
    }

    pub(super) fn clear_runs_key(&mut self, key: KeyEvent) -> Update {
        match key.code {
            KeyCode::Char('y' | 'Y') => {
                self.overlay = None;
                self.history.clear();
                // No run is in progress here, and the finished one is gone
                // with the others, so the header no longer names its
                // epochs.
                self.phase = Phase::Ready;
                self.clock = None;
                self.table = super::table::TableScroll::default();
                if let Some(view) = &mut self.runs_view {
                    *view = RunsView::new(0);
                }
                Update {
                    redraw: true,
                    delete_runs: true,
                    ..Update::default()
                }
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                self.overlay = None;
                Update::redraw()
            }
            _ => Update::default(),
        }
    }

    /// Adds the runs of earlier sessions that the event loop loaded, or
    /// shows why the runs file was not loaded.
    pub fn runs_loaded(&mut self, load: RunsLoad, path: &std::path::Path) {
        let path = path.display().to_string();
        match load {
            RunsLoad::NoFile => {}
            RunsLoad::Loaded(runs) => self.history.add_earlier(runs),
            RunsLoad::MovedAside { problem, moved_to } => {
                self.notice = Some(Notice::RunsFileMovedAside {
                    path,
                    moved_to: moved_to.display().to_string(),
                    problem,
                });
            }
            RunsLoad::NotMoved { problem, error } => {
                self.notice = Some(Notice::RunsFileKept {
                    path,
                    problem,
                    error,
                });
            }
        }
    }

    /// Records the outcome of writing the runs file. Success shows nothing,
    /// so that the notice of the run's end stays.
    pub fn runs_saved(&mut self, result: Result<(), String>) {
        if let Err(message) = result {
            self.notice = Some(Notice::RunsNotSaved(message));
        }
    }

    /// Records the outcome of deleting the runs file.
    pub fn runs_deleted(&mut self, result: Result<(), String>) {
        self.notice = Some(match result {
            Ok(()) => Notice::RunsCleared,
            Err(message) => Notice::RunsDeleteFailed(message),
        });
    }
}
