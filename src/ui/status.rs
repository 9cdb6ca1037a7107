//! The status panel: data, phase, epoch progress and time.

use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Gauge, Paragraph, Widget};
use unicode_width::UnicodeWidthStr;

use crate::data::DEFAULT_VOCAB_SIZE;
use crate::i18n::{Lang, Msg, format_duration};
use crate::train::{RunConfig, RunKind};

use super::history::History;
use super::run_name::run_name;
use super::theme::Theme;

/// Stage of the whole session, as the status panel names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The dataset was not found; the download dialog is open.
    DataMissing,
    Downloading,
    Preparing,
    /// The data is ready and no run has started.
    Ready,
    Exploring,
    Retraining,
    Done,
    Cancelled,
    Failed,
}

impl Phase {
    fn message(self) -> Msg<'static> {
        match self {
            Phase::DataMissing => Msg::PhaseDataMissing,
            Phase::Downloading => Msg::PhaseDownloading,
            Phase::Preparing => Msg::PhasePreparing,
            Phase::Ready => Msg::PhaseReady,
            Phase::Exploring => Msg::PhaseExploring,
            Phase::Retraining => Msg::PhaseRetraining,
            Phase::Done => Msg::PhaseDone,
            Phase::Cancelled => Msg::PhaseCancelled,
            Phase::Failed => Msg::PhaseFailed,
        }
    }
}

/// Progress of reading the dataset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrepareProgress {
    pub bytes_read: u64,
    /// Size of the archive; `None` when unknown.
    pub total_bytes: Option<u64>,
    pub reviews_read: usize,
}

/// Facts about the prepared data that the panel shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataInfo {
    pub source: String,
    pub train_reviews: usize,
    pub test_reviews: usize,
    pub vocabulary: usize,
}

/// Progress and timing of the run in progress or of the last one.
#[derive(Clone, Debug, PartialEq)]
pub struct RunClock {
    pub kind: RunKind,
    pub config: RunConfig,
    pub started: Instant,
    /// Set when the run ends, which stops the clock.
    pub ended: Option<Instant>,
    pub epochs_done: usize,
    /// `(batch, batches)` within the current epoch.
    pub batch: Option<(usize, usize)>,
}

impl RunClock {
    pub fn elapsed(&self, now: Instant) -> Duration {
        self.ended
            .unwrap_or(now)
            .saturating_duration_since(self.started)
    }

    /// Fraction of the run done, counting the current epoch's batches.
    pub fn fraction_done(&self) -> f64 {
        let epochs = self.config.epochs.max(1) as f64;
        let within = match self.batch {
            Some((batch, batches)) if batches > 0 => batch as f64 / batches as f64,
            _ => 0.0,
        };
        ((self.epochs_done as f64 + within) / epochs).clamp(0.0, 1.0)
    }

    /// Estimates the time left by assuming the rest of the run goes at the
    /// pace so far; `None` before any progress or elapsed time.
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        let done = self.fraction_done();
        if done <= 0.0 || self.ended.is_some() {
            return None;
        }
        let elapsed = self.elapsed(now).as_secs_f64();
        if elapsed <= 0.0 {
            return None;
        }
        Some(Duration::from_secs_f64(elapsed * (1.0 / done - 1.0)))
    }
}

/// Renders the status panel.
pub struct StatusView<'a> {
    pub phase: Phase,
    pub data: Option<&'a DataInfo>,
    pub prepare: Option<PrepareProgress>,
    pub clock: Option<&'a RunClock>,
    pub history: &'a History,
    pub exploration: &'a RunConfig,
    /// Failure message shown while the phase is failed.
    pub failure: Option<String>,
    pub now: Instant,
    pub lang: Lang,
    pub theme: &'a Theme,
}

impl Widget for &StatusView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let lang = self.lang;
        let theme = self.theme;
        let block = Block::bordered()
            .border_style(theme.border)
            .title(Line::styled(
                format!(" {} ", lang.text(&Msg::AppTitle)),
                theme.title,
            ));
        let inner = block.inner(area);
        block.render(area, buf);

        let show_config = inner.height >= 4;
        let rows =
            Layout::vertical(vec![Constraint::Length(1); inner.height as usize]).split(inner);
        let mut next_row = rows.iter().copied();

        // The vocabulary goes beside the data when both fit on one row, and
        // to the end of the time row otherwise.
        let mut vocabulary_on_time_row = None;
        if let Some(row) = next_row.next() {
            let line = match self.data {
                Some(data) => {
                    let source = lang.text(&Msg::DataLine {
                        source: &data.source,
                        train: data.train_reviews,
                        test: data.test_reviews,
                    });
                    let vocabulary = lang.text(&Msg::VocabularyLine {
                        words: data.vocabulary,
                    });
                    if source.width() + 3 + vocabulary.width() <= usize::from(row.width) {
                        format!("{source}   {vocabulary}")
                    } else {
                        vocabulary_on_time_row = Some(vocabulary);
                        source
                    }
                }
                None => lang.text(&Msg::DataPending),
            };
            Paragraph::new(line).render(row, buf);
        }
        if show_config && let Some(row) = next_row.next() {
            let config = self.exploration;
            let vocabulary = self.data.map_or(DEFAULT_VOCAB_SIZE, |data| data.vocabulary);
            let name = run_name(config, vocabulary, lang);
            // The name already gives a batch size or learning rate that
            // differs from the classic recipe.
            let classic = RunConfig::default();
            let text = lang.text(&Msg::ConfigLine {
                name: &name,
                batch_size: (config.batch_size == classic.batch_size).then_some(config.batch_size),
                learning_rate: (config.learning_rate == classic.learning_rate)
                    .then_some(config.learning_rate),
                validation: config.validation_size,
            });
            Paragraph::new(Line::styled(text, theme.dim)).render(row, buf);
        }
        if let Some(row) = next_row.next() {
            self.render_phase_row(row, buf);
        }
        if let Some(row) = next_row.next() {
            self.render_time_row(row, buf, vocabulary_on_time_row);
        }
    }
}

impl StatusView<'_> {
    fn render_phase_row(&self, row: Rect, buf: &mut Buffer) {
        let lang = self.lang;
        let theme = self.theme;
        let phase_style = match self.phase {
            Phase::Failed => theme.error,
            Phase::Cancelled => theme.notice,
            _ => theme.title,
        };
        let mut spans = vec![
            Span::styled(lang.text(&Msg::PhaseLabel), theme.label),
            Span::styled(lang.text(&self.phase.message()), phase_style),
        ];
        let mut ratio = None;
        let mut gauge_label = String::new();

        if self.phase == Phase::Preparing {
            if let Some(progress) = self.prepare {
                match progress.total_bytes {
                    Some(total) if total > 0 => {
                        let fraction = (progress.bytes_read as f64 / total as f64).clamp(0.0, 1.0);
                        ratio = Some(fraction);
                        gauge_label = format!("{:.0}%", fraction * 100.0);
                    }
                    _ => spans.push(Span::raw(format!(
                        "   {}",
                        lang.text(&Msg::PrepareReviews {
                            reviews: progress.reviews_read
                        })
                    ))),
                }
            }
        } else if let Some(clock) = self.clock {
            let current = if clock.ended.is_some() {
                clock.epochs_done
            } else {
                (clock.epochs_done + 1).min(clock.config.epochs)
            };
            spans.push(Span::raw("   "));
            spans.push(Span::raw(lang.text(&Msg::EpochOf {
                epoch: current,
                epochs: clock.config.epochs,
            })));
            if clock.ended.is_none() {
                let within = match clock.batch {
                    Some((batch, batches)) if batches > 0 => batch as f64 / batches as f64,
                    _ => 0.0,
                };
                ratio = Some(within);
                if let Some((batch, batches)) = clock.batch {
                    gauge_label = format!("{batch}/{batches}");
                }
            }
        }

        let line = Line::from(spans);
        let Some(ratio) = ratio else {
            Paragraph::new(line).render(row, buf);
            return;
        };
        let text_width = (line.width() as u16 + 2).min(row.width * 2 / 3);
        let [text_area, gauge_area] =
            Layout::horizontal([Constraint::Length(text_width), Constraint::Fill(1)]).areas(row);
        Paragraph::new(line).render(text_area, buf);
        Gauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(gauge_label)
            .gauge_style(theme.gauge)
            .use_unicode(true)
            .render(gauge_area, buf);
    }

    fn render_time_row(&self, row: Rect, buf: &mut Buffer, vocabulary: Option<String>) {
        let lang = self.lang;
        let theme = self.theme;
        let mut spans = Vec::new();
        if let (Phase::Preparing, Some(progress)) = (self.phase, self.prepare)
            && let Some(total) = progress.total_bytes.filter(|&total| total > 0)
        {
            spans.push(Span::raw(lang.text(&Msg::PrepareBytes {
                read: progress.bytes_read,
                total,
                reviews: progress.reviews_read,
            })));
        }
        if let Some(clock) = self.clock {
            let elapsed = format_duration(clock.elapsed(self.now).as_secs_f64());
            if !spans.is_empty() {
                spans.push(Span::raw("   "));
            }
            spans.push(Span::raw(lang.text(&Msg::Elapsed { time: &elapsed })));
            if let Some(remaining) = clock.remaining(self.now) {
                let remaining = format_duration(remaining.as_secs_f64());
                spans.push(Span::raw("   "));
                spans.push(Span::raw(lang.text(&Msg::Remaining { time: &remaining })));
            }
        }
        if let (Phase::Failed, Some(failure)) = (self.phase, &self.failure) {
            if !spans.is_empty() {
                spans.push(Span::raw("   "));
            }
            spans.push(Span::styled(failure.clone(), theme.error));
        }
        let test = self.history.retrain().and_then(|run| run.test);
        if let Some(test) = test {
            if !spans.is_empty() {
                spans.push(Span::raw("   "));
            }
            spans.push(Span::styled(
                lang.text(&Msg::TestResult {
                    loss: test.loss,
                    accuracy: test.accuracy,
                }),
                theme.positive,
            ));
        }
        Paragraph::new(Line::from(spans)).render(row, buf);
        if let Some(vocabulary) = vocabulary {
            Paragraph::new(Line::styled(vocabulary, theme.label).right_aligned()).render(row, buf);
        }
    }
}
