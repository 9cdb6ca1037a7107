//! The per-epoch table with the best epoch marked.

use std::cell::Cell;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Text};
use ratatui::widgets::{
    Block, Row, Scrollbar, ScrollbarOrientation, ScrollbarState, StatefulWidget, Table, Widget,
};
use unicode_width::UnicodeWidthStr;

use crate::i18n::{Lang, Msg};
use crate::train::EpochMetrics;

use super::history::History;
use super::theme::Theme;

/// Scroll position of the table. By default the table follows its last row.
#[derive(Debug, Default)]
pub struct TableScroll {
    /// First row shown; `None` follows the end.
    offset: Option<usize>,
    /// Data rows that fit, recorded at the last render.
    visible_rows: Cell<usize>,
}

impl TableScroll {
    /// Scrolls by a key; returns true when the view moves. `rows` is the
    /// number of data rows.
    pub fn handle_key(&mut self, key: KeyEvent, rows: usize) -> bool {
        let visible = self.visible_rows.get().max(1);
        let max_offset = rows.saturating_sub(visible);
        let current = self.offset(rows);
        let next = match key.code {
            KeyCode::Up | KeyCode::Char('k') => current.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => current.saturating_add(1),
            KeyCode::PageUp => current.saturating_sub(visible),
            KeyCode::PageDown => current.saturating_add(visible),
            KeyCode::Home => 0,
            KeyCode::End => max_offset,
            _ => return false,
        }
        .min(max_offset);
        let before = self.offset;
        self.offset = if next >= max_offset { None } else { Some(next) };
        before != self.offset && current != next
    }

    /// First row to show for `rows` data rows.
    pub fn offset(&self, rows: usize) -> usize {
        let max_offset = rows.saturating_sub(self.visible_rows.get().max(1));
        self.offset.unwrap_or(max_offset).min(max_offset)
    }

    /// Returns whether `key` is one the table scrolls with.
    pub fn is_scroll_key(key: &KeyEvent) -> bool {
        matches!(
            key.code,
            KeyCode::Up
                | KeyCode::Down
                | KeyCode::PageUp
                | KeyCode::PageDown
                | KeyCode::Home
                | KeyCode::End
                | KeyCode::Char('j')
                | KeyCode::Char('k')
        )
    }
}

/// One row of the table: an exploration epoch (the best one marked) or an
/// epoch of the retrain.
enum TableLine<'a> {
    Epoch {
        metrics: &'a EpochMetrics,
        best: bool,
    },
    Retrain(&'a EpochMetrics),
}

fn table_lines(history: &History) -> Vec<TableLine<'_>> {
    let best = history
        .overfitting()
        .map(|overfitting| overfitting.best_epoch);
    let mut lines: Vec<TableLine<'_>> = history
        .exploration_epochs()
        .iter()
        .map(|metrics| TableLine::Epoch {
            metrics,
            best: Some(metrics.epoch) == best,
        })
        .collect();
    if let Some(retrain) = history.retrain() {
        lines.extend(retrain.epochs.iter().map(TableLine::Retrain));
    }
    lines
}

/// Number of data rows the table shows for `history`.
pub fn row_count(history: &History) -> usize {
    table_lines(history).len()
}

/// Renders the epoch table.
pub struct TableView<'a> {
    pub history: &'a History,
    pub scroll: &'a TableScroll,
    pub lang: Lang,
    pub theme: &'a Theme,
    pub focused: bool,
}

/// Rows of the table header.
const HEADER_HEIGHT: u16 = 2;

/// Widest value of each column in cells: epoch `100`, loss `0.693`,
/// accuracy `100.0%`, seconds `999.9`.
const VALUE_WIDTHS: [usize; 6] = [3, 5, 6, 5, 6, 5];

/// Formats an epoch's wall time in five cells. Epochs of the classic
/// recipe take a few hundredths of a second, so short times keep three
/// decimals.
fn seconds_cell(seconds: f64) -> String {
    if seconds < 10.0 {
        format!("{seconds:.3}")
    } else {
        format!("{seconds:.1}")
    }
}

fn column_headers(lang: Lang) -> [String; 6] {
    [
        lang.text(&Msg::ColumnEpoch),
        lang.text(&Msg::ColumnTrainLoss),
        lang.text(&Msg::ColumnTrainAccuracy),
        lang.text(&Msg::ColumnValLoss),
        lang.text(&Msg::ColumnValAccuracy),
        lang.text(&Msg::ColumnSeconds),
    ]
}

/// Returns the width of each column in terminal cells: the widest of its
/// header lines and its values, so that double-width headers keep the
/// columns aligned. The last column contains the best and final marks.
fn column_widths(lang: Lang) -> Vec<u16> {
    let mut widths: Vec<u16> = column_headers(lang)
        .iter()
        .zip(VALUE_WIDTHS)
        .map(|(header, value)| {
            let header = header
                .split('\n')
                .map(UnicodeWidthStr::width)
                .max()
                .unwrap_or(0);
            header.max(value) as u16
        })
        .collect();
    let mark = lang
        .text(&Msg::BestMark)
        .width()
        .max(lang.text(&Msg::RetrainMark).width());
    widths.push(mark as u16);
    widths
}

/// Width of the whole table panel: columns, one space between columns and
/// the two borders. The scrollbar is drawn on the right border.
pub fn table_width(lang: Lang) -> u16 {
    let widths = column_widths(lang);
    let gaps = widths.len().saturating_sub(1) as u16;
    widths.iter().sum::<u16>() + gaps + 2
}

fn loss_cell(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => format!("{value:.3}"),
        Some(_) => "NaN".into(),
        None => "-".into(),
    }
}

fn accuracy_cell(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => format!("{:.1}%", value * 100.0),
        Some(_) => "NaN".into(),
        None => "-".into(),
    }
}

impl Widget for &TableView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let lang = self.lang;
        let theme = self.theme;
        let border = if self.focused {
            theme.focused_border
        } else {
            theme.border
        };
        let block = Block::bordered().border_style(border).title(Line::styled(
            format!(" {} ", lang.text(&Msg::TableTitle)),
            theme.title,
        ));
        let inner = block.inner(area);
        block.render(area, buf);

        let headers = column_headers(lang);
        let widths: Vec<Constraint> = column_widths(lang)
            .into_iter()
            .map(Constraint::Length)
            .collect();
        let best_mark = lang.text(&Msg::BestMark);
        let retrain_mark = lang.text(&Msg::RetrainMark);

        let lines = table_lines(self.history);
        let visible = usize::from(inner.height.saturating_sub(HEADER_HEIGHT));
        self.scroll.visible_rows.set(visible.max(1));
        let offset = self.scroll.offset(lines.len());

        let rows = lines.iter().skip(offset).take(visible).map(|line| {
            let (metrics, mark, style) = match line {
                TableLine::Epoch {
                    metrics,
                    best: true,
                } => (*metrics, best_mark.clone(), theme.best_row),
                TableLine::Epoch {
                    metrics,
                    best: false,
                } => (*metrics, String::new(), ratatui::style::Style::new()),
                TableLine::Retrain(metrics) => (*metrics, retrain_mark.clone(), theme.retrain),
            };
            Row::new(vec![
                Line::from(metrics.epoch.to_string()).right_aligned(),
                Line::from(loss_cell(Some(metrics.train_loss))).right_aligned(),
                Line::from(accuracy_cell(Some(metrics.train_accuracy))).right_aligned(),
                Line::from(loss_cell(metrics.val_loss)).right_aligned(),
                Line::from(accuracy_cell(metrics.val_accuracy)).right_aligned(),
                Line::from(seconds_cell(metrics.seconds)).right_aligned(),
                Line::from(mark),
            ])
            .style(style)
        });

        let header = Row::new(headers.iter().map(|text| {
            let lines: Vec<Line<'static>> = text
                .split('\n')
                .map(|line| Line::from(line.to_owned()).right_aligned())
                .collect();
            Text::from(lines)
        }))
        .height(HEADER_HEIGHT)
        .style(theme.header);
        let table = Table::new(rows, widths).header(header).column_spacing(1);
        Widget::render(table, inner, buf);

        if lines.len() > visible && visible > 0 {
            let mut scrollbar =
                ScrollbarState::new(lines.len().saturating_sub(visible)).position(offset);
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None)
                .render(area, buf, &mut scrollbar);
        }
    }
}
