//! The per-epoch table with the best epoch marked.

use std::cell::Cell;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
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
    if let Some(retrain) = &history.retrain {
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

fn loss_cell(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => format!("{value:.4}"),
        Some(_) => "NaN".into(),
        None => "-".into(),
    }
}

fn accuracy_cell(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => format!("{:.2}%", value * 100.0),
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

        let best_mark = lang.text(&Msg::BestMark);
        let retrain_mark = lang.text(&Msg::RetrainMark);
        let headers = [
            lang.text(&Msg::ColumnEpoch),
            lang.text(&Msg::ColumnTrainLoss),
            lang.text(&Msg::ColumnTrainAccuracy),
            lang.text(&Msg::ColumnValLoss),
            lang.text(&Msg::ColumnValAccuracy),
            lang.text(&Msg::ColumnSeconds),
        ];
        // Each column is as wide as its header or its widest value
        // ("0.6931", "100.00%", "9999.9"), measured in terminal cells so
        // that double-width headers keep the columns aligned.
        let value_widths = [3, 6, 7, 6, 7, 6];
        let mut widths: Vec<Constraint> = headers
            .iter()
            .zip(value_widths)
            .map(|(header, value)| Constraint::Length(header.width().max(value) as u16))
            .collect();
        widths.push(Constraint::Length(
            best_mark.width().max(retrain_mark.width()) as u16,
        ));

        let lines = table_lines(self.history);
        let visible = usize::from(inner.height.saturating_sub(1));
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
                Line::from(format!("{:.1}", metrics.seconds)).right_aligned(),
                Line::from(mark),
            ])
            .style(style)
        });

        let header = Row::new(
            headers
                .iter()
                .map(|text| Line::from(text.clone()).right_aligned()),
        )
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
