//! The review box: a text area whose text the serving model reads on every
//! change.

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Gauge, Paragraph, Widget};
use ratatui_textarea::{CursorMove, DataCursor, TextArea, WrapMode};
use unicode_width::UnicodeWidthChar;
use unicode_width::UnicodeWidthStr;

use crate::data::Vocabulary;
use crate::i18n::{Lang, Msg};
use crate::model::Network;
use crate::predict::{Prediction, WordEffect, predict, word_effects};

use super::theme::Theme;

/// Most known words for which word effects are computed. `word_effects` runs
/// one forward pass per known word over all known words, so its cost grows
/// with the square of this number; 1,000 keeps a keystroke well under a
/// frame, while typical IMDB reviews have a few hundred distinct words.
pub const EFFECT_WORD_LIMIT: usize = 1_000;

/// Words shown on each side.
const SHOWN_WORDS: usize = 8;

/// The model's reading of the current text.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    pub prediction: Prediction,
    /// Strongest first.
    pub towards_positive: Vec<WordEffect>,
    /// Strongest first.
    pub towards_negative: Vec<WordEffect>,
    /// True when the text had more than [`EFFECT_WORD_LIMIT`] known words.
    pub effects_skipped: bool,
}

/// Text of the review box and the model's reading of it.
pub struct ReviewState {
    textarea: TextArea<'static>,
    reading: Option<Reading>,
}

impl Default for ReviewState {
    fn default() -> Self {
        let mut textarea = TextArea::default();
        textarea.set_wrap_mode(WrapMode::WordOrGlyph);
        textarea.set_cursor_line_style(ratatui::style::Style::new());
        let mut state = Self {
            textarea,
            reading: None,
        };
        state.set_focused(false);
        state
    }
}

impl ReviewState {
    /// Passes a key to the text area; returns true when the screen changes.
    pub fn handle_key(&mut self, key: KeyEvent) -> bool {
        let cursor = self.textarea.cursor();
        let modified = self.textarea.input(key);
        self.snap_cursor_to_character(cursor);
        modified || self.textarea.cursor() != cursor
    }

    /// Moves the cursor off zero-width characters such as combining marks,
    /// in the direction it last moved, so that it never sits inside `é`
    /// written as `e` plus U+0301 and is drawn under the next character.
    fn snap_cursor_to_character(&mut self, before: DataCursor) {
        let backwards = self.textarea.cursor() < before;
        loop {
            let DataCursor(row, column) = self.textarea.cursor();
            let Some(line) = self.textarea.lines().get(row) else {
                return;
            };
            let Some(character) = line.chars().nth(column) else {
                return;
            };
            if column == 0 || character.width() != Some(0) {
                return;
            }
            let step = if backwards {
                CursorMove::Back
            } else {
                CursorMove::Forward
            };
            self.textarea.move_cursor(step);
            if self.textarea.cursor() == DataCursor(row, column) {
                return;
            }
        }
    }

    /// Inserts pasted text at the cursor, line breaks included. Carriage
    /// returns, which some terminals send for pasted line breaks, become
    /// line feeds.
    pub fn paste(&mut self, text: &str) -> bool {
        let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        self.textarea.insert_str(normalized)
    }

    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.textarea.is_empty()
    }

    pub fn reading(&self) -> Option<&Reading> {
        self.reading.as_ref()
    }

    /// Draws the text cursor only while the box has focus.
    pub fn set_focused(&mut self, focused: bool) {
        let style = if focused {
            ratatui::style::Style::new().add_modifier(ratatui::style::Modifier::REVERSED)
        } else {
            ratatui::style::Style::new()
        };
        self.textarea.set_cursor_style(style);
    }

    pub fn set_placeholder(&mut self, text: String, style: ratatui::style::Style) {
        self.textarea.set_placeholder_text(text);
        self.textarea.set_placeholder_style(style);
    }

    /// Reads the text with `network`; clears the reading when there is no
    /// model or no text.
    pub fn refresh(&mut self, model: Option<(&Vocabulary, &Network)>) {
        let text = self.text();
        self.reading = match model {
            Some((vocabulary, network)) if !text.trim().is_empty() => {
                Some(read_review(vocabulary, network, &text))
            }
            _ => None,
        };
    }
}

fn read_review(vocabulary: &Vocabulary, network: &Network, text: &str) -> Reading {
    let prediction = predict(vocabulary, network, text);
    let effects_skipped = prediction.known_words > EFFECT_WORD_LIMIT;
    let mut towards_positive = Vec::new();
    let mut towards_negative = Vec::new();
    if !effects_skipped {
        for effect in word_effects(vocabulary, network, text) {
            if !effect.effect.is_finite() {
                continue;
            }
            if effect.effect > 0.0 && towards_positive.len() < SHOWN_WORDS {
                towards_positive.push(effect);
            } else if effect.effect < 0.0 && towards_negative.len() < SHOWN_WORDS {
                towards_negative.push(effect);
            }
        }
    }
    Reading {
        prediction,
        towards_positive,
        towards_negative,
        effects_skipped,
    }
}

/// Renders the review box into its panel.
pub struct ReviewView<'a> {
    pub state: &'a ReviewState,
    pub lang: Lang,
    pub theme: &'a Theme,
    pub focused: bool,
    /// Description of the model serving predictions, in the user's
    /// language; `None` before the first epoch.
    pub model_line: Option<String>,
}

impl ReviewView<'_> {
    /// Renders the panel and returns where the terminal cursor belongs when
    /// the box has focus.
    pub fn render_with_cursor(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let lang = self.lang;
        let theme = self.theme;
        let border = if self.focused {
            theme.focused_border
        } else {
            theme.border
        };
        let mut block = Block::bordered().border_style(border).title(Line::styled(
            format!(" {} ", lang.text(&Msg::ReviewTitle)),
            theme.title,
        ));
        if let Some(model_line) = &self.model_line {
            block = block.title_bottom(Line::styled(format!(" {model_line} "), theme.dim));
        }
        let inner = block.inner(area);
        block.render(area, buf);

        // The word count gets its own row only when the box is tall enough
        // to keep at least three rows for the text.
        let info_rows: u16 = if inner.height >= 8 { 4 } else { 3 };
        let [text_area, info_area] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(info_rows)]).areas(inner);
        let rows: Vec<Rect> = Layout::vertical(vec![Constraint::Length(1); usize::from(info_rows)])
            .split(info_area)
            .to_vec();

        (&self.state.textarea).render(text_area, buf);
        self.render_reading(&rows, buf);

        if !self.focused {
            return None;
        }
        let cursor = self.state.textarea.screen_cursor();
        let (top_row, left_col) = self.state.textarea.scroll_offset();
        let row = (cursor.row as u16).checked_sub(top_row)?;
        let col = (cursor.col as u16).checked_sub(left_col)?;
        if row >= text_area.height || col >= text_area.width {
            return None;
        }
        Some(Position::new(text_area.x + col, text_area.y + row))
    }

    /// Renders the probability gauge, the known-word count (when `rows`
    /// has four rows) and the words pushing towards each side.
    fn render_reading(&self, rows: &[Rect], buf: &mut Buffer) {
        let lang = self.lang;
        let theme = self.theme;
        let mut rows = rows.iter().copied();
        let Some(gauge_area) = rows.next() else {
            return;
        };
        let Some(reading) = self.state.reading() else {
            let hint = if self.model_line.is_none() {
                Msg::NoModel
            } else {
                Msg::EmptyReview
            };
            Paragraph::new(Line::styled(lang.text(&hint), theme.dim)).render(gauge_area, buf);
            return;
        };

        let probability = f64::from(reading.prediction.probability);
        let probability = if probability.is_finite() {
            probability.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let (verdict, verdict_style) = if probability >= 0.5 {
            (lang.text(&Msg::Positive), theme.positive)
        } else {
            (lang.text(&Msg::Negative), theme.negative)
        };
        Gauge::default()
            .ratio(probability)
            .label(Span::styled(
                format!("P = {probability:.3}  {verdict}"),
                verdict_style,
            ))
            .gauge_style(theme.gauge)
            .use_unicode(true)
            .render(gauge_area, buf);

        let known = reading.prediction.known_words;
        let detail = if known == 0 {
            Some(Line::styled(lang.text(&Msg::NoKnownWords), theme.notice))
        } else if reading.effects_skipped {
            Some(Line::styled(
                lang.text(&Msg::EffectsSkipped {
                    limit: EFFECT_WORD_LIMIT,
                }),
                theme.dim,
            ))
        } else {
            None
        };
        let count = Line::styled(
            lang.text(&Msg::KnownWords {
                known,
                distinct: reading.prediction.distinct_words,
            }),
            theme.dim,
        );
        let width = usize::from(gauge_area.width);
        let mut lines = Vec::new();
        if rows.len() == 3 {
            lines.push(count);
        }
        match detail {
            Some(detail) => lines.push(detail),
            None => {
                lines.push(word_line(
                    lang.text(&Msg::TowardsPositive),
                    &reading.towards_positive,
                    theme.positive,
                    theme,
                    width,
                ));
                lines.push(word_line(
                    lang.text(&Msg::TowardsNegative),
                    &reading.towards_negative,
                    theme.negative,
                    theme,
                    width,
                ));
            }
        }
        for (row, line) in rows.zip(lines) {
            Paragraph::new(line).render(row, buf);
        }
    }
}

impl Widget for &ReviewView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let _cursor = self.render_with_cursor(area, buf);
    }
}

/// Builds `label word word …` with the words in `style`. The line is cut by
/// the paragraph at a character boundary when it is too wide.
/// Builds the line of words pushing towards one side, with as many whole
/// `word +0.12` pairs as fit in `width` cells, so no number is cut.
fn word_line(
    label: String,
    effects: &[WordEffect],
    style: ratatui::style::Style,
    theme: &Theme,
    width: usize,
) -> Line<'static> {
    let mut used = label.width();
    let mut spans = vec![Span::styled(label, theme.label)];
    for effect in effects {
        let number = format!(" {:+.2}", effect.effect);
        let needed = 1 + effect.word.width() + number.width();
        if used + needed > width {
            break;
        }
        used += needed;
        spans.push(Span::raw(" "));
        spans.push(Span::styled(effect.word.clone(), style));
        spans.push(Span::styled(number, theme.dim));
    }
    Line::from(spans)
}
