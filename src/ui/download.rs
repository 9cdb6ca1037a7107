//! The download dialog. When the dataset is missing it lists where the
//! dataset was looked for and offers to download it, then follows the
//! download with a gauge. When the user declines or the download fails, it
//! shows the other ways to get the dataset.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::data::DOWNLOAD_PAGE;
use crate::i18n::{Lang, Msg, format_duration};

use super::app::App;
use super::interface::{Command, Update};
use super::status::Phase;
use super::theme::Theme;
use super::view::dialog;

/// Cells of the text gauge inside the dialog.
const GAUGE_WIDTH: usize = 40;

/// Width of the dialog in cells, which fits the smallest terminal.
const DIALOG_WIDTH: u16 = 76;

/// Facts about the missing dataset that main sends with
/// [`AppEvent::DataMissing`](super::AppEvent::DataMissing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingData {
    /// Every place that was checked, in order, as the data module words them.
    pub looked_in: Vec<String>,
    /// Folder the archive is downloaded into, as shown to the user.
    pub data_dir: String,
    /// Address the archive is downloaded from: the official one or a mirror.
    pub url: String,
    /// Size of the archive in bytes, when known before the download starts.
    pub size: Option<u64>,
    /// False with `--no-download`: the dialog then only lists the other
    /// ways to get the dataset.
    pub download_allowed: bool,
}

/// Step of the download dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownloadStep {
    /// Asks whether to download.
    Asking,
    /// The user declined; a later `y` still downloads.
    Declined,
    /// `--no-download` was given.
    Disabled,
    Downloading(DownloadProgress),
    /// The download failed with this message, already worded for the user.
    Failed {
        message: String,
    },
}

/// Bytes of the download in progress.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DownloadProgress {
    pub done: u64,
    /// Size of the archive; `None` when neither the source nor the server
    /// gives it.
    pub total: Option<u64>,
    /// Time and byte count of the first report. Bytes resumed from an
    /// earlier run arrive before it, so the rate counts only bytes after it.
    pub first: Option<(Instant, u64)>,
}

impl DownloadProgress {
    /// Returns the rate in bytes per second since the first report, or
    /// `None` before any time has passed.
    pub fn rate(&self, now: Instant) -> Option<u64> {
        let (start, start_bytes) = self.first?;
        let seconds = now.saturating_duration_since(start).as_secs_f64();
        if seconds <= 0.0 {
            return None;
        }
        let received = self.done.saturating_sub(start_bytes) as f64;
        Some((received / seconds).round() as u64)
    }

    /// Estimates the time left at the rate so far; `None` while the total or
    /// the rate is unknown or zero.
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        let total = self.total?;
        let rate = self.rate(now).filter(|&rate| rate > 0)?;
        let left = total.saturating_sub(self.done) as f64;
        Some(Duration::from_secs_f64(left / rate as f64))
    }
}

/// The dialog's facts and step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadDialog {
    pub missing: MissingData,
    pub step: DownloadStep,
}

impl App {
    /// Opens the download dialog for a missing dataset.
    pub(super) fn data_missing(&mut self, missing: MissingData) -> Update {
        let step = if missing.download_allowed {
            DownloadStep::Asking
        } else {
            DownloadStep::Disabled
        };
        self.phase = Phase::DataMissing;
        self.download = Some(DownloadDialog { missing, step });
        Update::redraw()
    }

    pub(super) fn download_progress(&mut self, done: u64, total: Option<u64>) -> Update {
        let now = self.now;
        let Some(DownloadDialog {
            step: DownloadStep::Downloading(progress),
            ..
        }) = &mut self.download
        else {
            // A report after a failure or after quitting changes nothing.
            return Update::default();
        };
        let changed = progress.done != done || progress.total != total;
        progress.done = done;
        progress.total = total;
        if progress.first.is_none() {
            progress.first = Some((now, done));
        }
        Update {
            redraw: changed,
            ..Update::default()
        }
    }

    /// Closes the dialog once the archive is in place; main then prepares
    /// the data as on any start.
    pub(super) fn download_finished(&mut self) -> Update {
        self.download = None;
        self.phase = Phase::Preparing;
        Update::redraw()
    }

    pub(super) fn download_failed(&mut self, message: String) -> Update {
        if let Some(dialog) = &mut self.download {
            dialog.step = DownloadStep::Failed { message };
        }
        self.phase = Phase::DataMissing;
        Update::redraw()
    }

    /// Handles a key while the download dialog is open.
    pub(super) fn download_key(&mut self, key: KeyEvent) -> Update {
        let Some(dialog) = &mut self.download else {
            return Update::default();
        };
        let allowed = dialog.missing.download_allowed;
        let downloading = matches!(dialog.step, DownloadStep::Downloading(_));
        match key.code {
            KeyCode::Char('q' | 'Q') | KeyCode::Esc => self.quit_now(),
            KeyCode::Char('y' | 'Y') | KeyCode::Enter if allowed && !downloading => {
                dialog.step = DownloadStep::Downloading(DownloadProgress::default());
                self.phase = Phase::Downloading;
                Update::command(Command::Download)
            }
            KeyCode::Char('n' | 'N') if dialog.step == DownloadStep::Asking => {
                dialog.step = DownloadStep::Declined;
                Update::redraw()
            }
            _ => Update::default(),
        }
    }
}

/// Draws the download dialog over the dashboard.
pub(super) fn render_download(
    dialog_state: &DownloadDialog,
    now: Instant,
    area: Rect,
    buf: &mut Buffer,
    lang: Lang,
    theme: &Theme,
) {
    let missing = &dialog_state.missing;
    let mut lines = Vec::new();
    let title = match &dialog_state.step {
        DownloadStep::Downloading(progress) => {
            lines.push(Line::raw(lang.text(&Msg::DownloadingFrom {
                url: &missing.url,
                dir: &missing.data_dir,
            })));
            if let Some(gauge) = gauge_line(progress, theme) {
                lines.push(Line::raw(""));
                lines.push(gauge);
            }
            let left = progress
                .remaining(now)
                .map(|left| format_duration(left.as_secs_f64()));
            lines.push(Line::raw(lang.text(&Msg::DownloadStats {
                done: progress.done,
                total: progress.total,
                rate: progress.rate(now),
                left: left.as_deref(),
            })));
            lines.push(Line::raw(""));
            lines.push(Line::styled(lang.text(&Msg::DownloadingKeys), theme.dim));
            Msg::DownloadingTitle
        }
        DownloadStep::Asking => {
            push_looked_in(&mut lines, missing, lang, theme);
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                lang.text(&Msg::DownloadOffer {
                    url: &missing.url,
                    size: missing.size,
                    dir: &missing.data_dir,
                }),
                theme.title,
            ));
            lines.push(Line::raw(""));
            lines.push(Line::styled(lang.text(&Msg::DownloadOfferKeys), theme.key));
            Msg::DataMissingTitle
        }
        DownloadStep::Failed { message } => {
            lines.push(Line::styled(message.clone(), theme.error));
            lines.push(Line::raw(""));
            push_way_out(&mut lines, missing, lang);
            lines.push(Line::raw(""));
            lines.push(Line::styled(lang.text(&Msg::DownloadFailedKeys), theme.key));
            Msg::DownloadFailedTitle
        }
        DownloadStep::Declined | DownloadStep::Disabled => {
            push_looked_in(&mut lines, missing, lang, theme);
            lines.push(Line::raw(""));
            if dialog_state.step == DownloadStep::Disabled {
                lines.push(Line::styled(lang.text(&Msg::NoDownload), theme.notice));
            }
            push_way_out(&mut lines, missing, lang);
            lines.push(Line::raw(""));
            let keys = if dialog_state.step == DownloadStep::Disabled {
                Msg::NoDownloadKeys
            } else {
                Msg::DownloadDeclinedKeys
            };
            lines.push(Line::styled(lang.text(&keys), theme.key));
            Msg::DataMissingTitle
        }
    };
    dialog(area, buf, lang.text(&title), theme, lines, DIALOG_WIDTH);
}

fn push_looked_in(
    lines: &mut Vec<Line<'static>>,
    missing: &MissingData,
    lang: Lang,
    theme: &Theme,
) {
    lines.push(Line::raw(lang.text(&Msg::DataLookedIn)));
    for place in &missing.looked_in {
        lines.push(Line::styled(
            lang.text(&Msg::LookedInPlace { place }),
            theme.dim,
        ));
    }
}

fn push_way_out(lines: &mut Vec<Line<'static>>, missing: &MissingData, lang: Lang) {
    lines.push(Line::raw(lang.text(&Msg::DataWayOut {
        page: DOWNLOAD_PAGE,
        dir: &missing.data_dir,
    })));
}

/// Draws the download's gauge as text, so that it wraps and pads like the
/// dialog's other lines: full blocks for the part done, then the percentage.
/// Without a known total there is no gauge.
fn gauge_line(progress: &DownloadProgress, theme: &Theme) -> Option<Line<'static>> {
    let total = progress.total.filter(|&total| total > 0)?;
    let fraction = (progress.done as f64 / total as f64).clamp(0.0, 1.0);
    let filled = (fraction * GAUGE_WIDTH as f64).round() as usize;
    Some(Line::from(vec![
        Span::styled("█".repeat(filled), theme.gauge),
        Span::styled("░".repeat(GAUGE_WIDTH - filled), theme.dim),
        Span::raw(format!(" {:>3.0}%", fraction * 100.0)),
    ]))
}
