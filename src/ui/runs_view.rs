//! Drawing of the runs view: the table of every run and the chart that
//! overlays the validation metric of the picked runs.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{
    Axis, Block, Chart, Dataset, GraphType, Paragraph, Row, Table, Widget, Wrap,
};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::i18n::{Lang, Msg, format_duration};
use crate::train::RunKind;

use super::charts::{ChartData, Metric, value_axis};
use super::epoch_axis::EpochAxis;
use super::history::{History, RunRecord, RunStatus};
use super::run_name::run_name;
use super::runs::RunsView;
use super::theme::Theme;

/// The runs view's table, chart and legend, drawn into all of the screen
/// but the footer.
pub struct RunsScreen<'a> {
    pub history: &'a History,
    pub view: &'a RunsView,
    pub lang: Lang,
    pub theme: &'a Theme,
}

impl Widget for &RunsScreen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let runs = self.history.runs().len();
        // Borders and the two header rows take 4 rows of the table.
        let table_height = u16::try_from(runs + 4)
            .unwrap_or(u16::MAX)
            .clamp(6, (area.height * 2 / 5).max(6));
        let [table_area, chart_area, legend_area] = Layout::vertical([
            Constraint::Length(table_height),
            Constraint::Fill(1),
            Constraint::Length(2),
        ])
        .areas(area);
        self.render_table(table_area, buf);
        self.render_chart(chart_area, buf);
        self.render_legend(legend_area.inner(ratatui::layout::Margin::new(1, 0)), buf);
    }
}

/// Widest value of the columns after the name, in cells: kind (measured
/// from the labels), epochs `100`, best epoch `100`, loss `0.693`,
/// accuracy `100.0%`, test accuracy `100.0%`, time `999.9s` or `h:mm:ss`,
/// status (measured).
const VALUE_WIDTHS: [usize; 8] = [0, 3, 3, 5, 6, 6, 7, 0];

/// Maximum width of the name column in cells, so that on a wide terminal
/// the numbers stay near the names.
const MAX_NAME_WIDTH: u16 = 40;

/// Width of the pick column: `[x]`.
const PICK_WIDTH: u16 = 3;

fn column_headers(lang: Lang) -> [String; 9] {
    [
        lang.text(&Msg::RunsColumnName),
        lang.text(&Msg::RunsColumnKind),
        lang.text(&Msg::RunsColumnEpochs),
        lang.text(&Msg::RunsColumnBest),
        lang.text(&Msg::ColumnValLoss),
        lang.text(&Msg::ColumnValAccuracy),
        lang.text(&Msg::RunsColumnTest),
        lang.text(&Msg::RunsColumnTime),
        lang.text(&Msg::RunsColumnStatus),
    ]
}

fn kind_label(kind: RunKind, lang: Lang) -> String {
    match kind {
        RunKind::Exploration => lang.text(&Msg::RunKindExploration),
        RunKind::Final => lang.text(&Msg::RunKindRetrain),
    }
}

/// Returns the status cell: empty for a run of this session that finished.
fn status_label(run: &RunRecord, lang: Lang) -> String {
    let message = match run.status {
        RunStatus::Running => Msg::RunStatusRunning,
        RunStatus::Cancelled => Msg::RunStatusCancelled,
        RunStatus::Failed => Msg::RunStatusFailed,
        RunStatus::Finished if run.earlier_session => Msg::RunStatusEarlier,
        RunStatus::Finished => return String::new(),
    };
    lang.text(&message)
}

fn header_width(header: &str) -> usize {
    header
        .split('\n')
        .map(UnicodeWidthStr::width)
        .max()
        .unwrap_or(0)
}

/// Returns the widths of the columns after the name.
fn value_column_widths(lang: Lang) -> Vec<u16> {
    let headers = column_headers(lang);
    let kind = [RunKind::Exploration, RunKind::Final]
        .iter()
        .map(|&kind| kind_label(kind, lang).width())
        .max()
        .unwrap_or(0);
    let status = [
        Msg::RunStatusRunning,
        Msg::RunStatusCancelled,
        Msg::RunStatusFailed,
        Msg::RunStatusEarlier,
    ]
    .iter()
    .map(|message| lang.text(message).width())
    .max()
    .unwrap_or(0);
    let mut values = VALUE_WIDTHS;
    values[0] = kind;
    values[7] = status;
    headers[1..]
        .iter()
        .zip(values)
        .map(|(header, value)| header_width(header).max(value) as u16)
        .collect()
}

/// Cuts `text` to at most `width` cells, ending in `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut fitted = String::new();
    let mut used = 0;
    for character in text.chars() {
        let character_width = character.width().unwrap_or(0);
        if used + character_width + 1 > width {
            break;
        }
        fitted.push(character);
        used += character_width;
    }
    fitted.push('…');
    fitted
}

fn loss_cell(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => format!("{value:.3}"),
        _ => "-".into(),
    }
}

fn accuracy_cell(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => format!("{:.1}%", value * 100.0),
        _ => "-".into(),
    }
}

/// Formats a run's wall time: tenths of a second under a minute, because a
/// whole run of the classic recipe takes about a second, else `m:ss`.
fn time_cell(seconds: Option<f64>) -> String {
    match seconds {
        Some(seconds) if seconds.is_finite() && seconds < 60.0 => format!("{seconds:.1}s"),
        Some(seconds) if seconds.is_finite() => format_duration(seconds),
        _ => "-".into(),
    }
}

fn right(text: String) -> Line<'static> {
    Line::from(text).right_aligned()
}

impl RunsScreen<'_> {
    fn render_table(&self, area: Rect, buf: &mut Buffer) {
        let lang = self.lang;
        let theme = self.theme;
        let block = Block::bordered()
            .border_style(theme.focused_border)
            .title(Line::styled(
                format!(" {} ", lang.text(&Msg::RunsTitle)),
                theme.title,
            ));
        let inner = block.inner(area);
        block.render(area, buf);

        let runs = self.history.runs();
        if runs.is_empty() {
            Paragraph::new(Line::styled(lang.text(&Msg::RunsEmpty), theme.dim))
                .wrap(Wrap { trim: true })
                .render(inner, buf);
            return;
        }

        let value_widths = value_column_widths(lang);
        let fixed: u16 = PICK_WIDTH + value_widths.iter().sum::<u16>();
        let gaps = value_widths.len() as u16 + 1;
        let name_width = inner
            .width
            .saturating_sub(fixed + gaps)
            .clamp(4, MAX_NAME_WIDTH);
        let mut widths = vec![
            Constraint::Length(PICK_WIDTH),
            Constraint::Length(name_width),
        ];
        widths.extend(value_widths.iter().map(|&width| Constraint::Length(width)));

        let visible = usize::from(inner.height.saturating_sub(2)).max(1);
        let offset = self.view.cursor.saturating_sub(visible - 1);
        let rows = runs
            .iter()
            .enumerate()
            .skip(offset)
            .take(visible)
            .map(|(index, run)| self.row(index, run, usize::from(name_width)));

        let headers = column_headers(lang);
        let mut header_cells = vec![Text::raw("")];
        header_cells.extend(headers.iter().enumerate().map(|(column, text)| {
            let lines: Vec<Line<'static>> = text
                .split('\n')
                .map(|line| {
                    let line = Line::from(line.to_owned());
                    // Name, kind and status are text and stay on the left.
                    if matches!(column, 0 | 1 | 8) {
                        line
                    } else {
                        line.right_aligned()
                    }
                })
                .collect();
            Text::from(lines)
        }));
        let header = Row::new(header_cells).height(2).style(theme.header);
        Widget::render(
            Table::new(rows, widths).header(header).column_spacing(1),
            inner,
            buf,
        );
    }

    fn row(&self, index: usize, run: &RunRecord, name_width: usize) -> Row<'static> {
        let lang = self.lang;
        let theme = self.theme;
        let slot = self.view.slot(index);
        let pick = match slot {
            Some(slot) => Span::styled("[x]", theme.run_series[slot].0),
            None => Span::raw("[ ]"),
        };
        let best = run.best();
        let name = run_name(&run.config, run.vocabulary, lang);
        let style = if index == self.view.cursor {
            theme.cursor_row
        } else if run.earlier_session {
            theme.earlier_row
        } else {
            Style::new()
        };
        Row::new(vec![
            Line::from(pick),
            Line::from(fit(&name, name_width)),
            Line::from(kind_label(run.config.kind, lang)),
            right(run.epochs.len().to_string()),
            right(best.map_or("-".into(), |best| best.epoch.to_string())),
            right(loss_cell(best.map(|best| best.val_loss))),
            right(accuracy_cell(best.and_then(|best| best.val_accuracy))),
            right(accuracy_cell(run.test.map(|test| test.accuracy))),
            right(time_cell(run.seconds)),
            Line::from(status_label(run, lang)),
        ])
        .style(style)
    }

    fn picked_runs(&self) -> impl Iterator<Item = (usize, &RunRecord)> {
        self.view
            .picked
            .iter()
            .enumerate()
            .filter_map(|(slot, &index)| Some((slot, self.history.runs().get(index)?)))
    }

    fn render_chart(&self, area: Rect, buf: &mut Buffer) {
        let lang = self.lang;
        let theme = self.theme;
        let metric = self.view.metric;
        let title = match metric {
            Metric::Loss => lang.text(&Msg::RunsChartLoss),
            Metric::Accuracy => lang.text(&Msg::RunsChartAccuracy),
        };
        let block = Block::bordered()
            .border_style(theme.border)
            .title(Line::styled(format!(" {title} "), theme.title))
            .title_bottom(
                Line::styled(format!(" {} ", lang.text(&Msg::EpochAxis)), theme.dim).centered(),
            );

        let series: Vec<(usize, Vec<(f64, f64)>)> = self
            .picked_runs()
            .map(|(slot, run)| (slot, validation_points(run, metric)))
            .collect();
        if series.iter().all(|(_, points)| points.is_empty()) {
            let inner = block.inner(area);
            block.render(area, buf);
            let hint = if series.is_empty() {
                Msg::RunsPickHint {
                    max: super::runs::MAX_PICKED,
                }
            } else {
                Msg::RunsNoValidation
            };
            Paragraph::new(Line::styled(lang.text(&hint), theme.dim))
                .wrap(Wrap { trim: true })
                .render(inner, buf);
            return;
        }

        let all_points: Vec<(f64, f64)> = series
            .iter()
            .flat_map(|(_, points)| points.iter().copied())
            .collect();
        let last_epoch = all_points
            .iter()
            .map(|&(epoch, _)| epoch as usize)
            .max()
            .unwrap_or(1);
        let bounds = ChartData {
            validation: all_points,
            ..ChartData::default()
        };
        let x_axis = EpochAxis::new(last_epoch, usize::from(area.width / 6).max(2));
        let (y_bounds, y_labels) = value_axis(&bounds, metric);

        let datasets = series
            .iter()
            .map(|(slot, points)| {
                let (style, marker) = self.theme.run_series[*slot];
                series_dataset(points, marker, style)
            })
            .collect();
        let inner = block.inner(area);
        Chart::new(datasets)
            .block(block)
            .x_axis(x_axis.chart_axis(theme.dim))
            .y_axis(
                Axis::default()
                    .style(theme.dim)
                    .bounds(y_bounds)
                    .labels(y_labels.clone()),
            )
            .legend_position(None)
            .render(area, buf);
        x_axis.render_labels(inner, &y_labels, theme.dim, buf);
    }

    fn render_legend(&self, area: Rect, buf: &mut Buffer) {
        let lang = self.lang;
        let mut spans = Vec::new();
        for (slot, run) in self.picked_runs() {
            let (style, marker) = self.theme.run_series[slot];
            if !spans.is_empty() {
                spans.push(Span::raw("   "));
            }
            spans.push(Span::styled(format!("{} ", marker_symbol(marker)), style));
            let name = run_name(&run.config, run.vocabulary, lang);
            let kind = kind_label(run.config.kind, lang);
            spans.push(Span::raw(lang.text(&Msg::RunsLegendEntry {
                name: &name,
                kind: &kind,
            })));
        }
        Paragraph::new(Line::from(spans))
            .wrap(Wrap { trim: true })
            .render(area, buf);
    }
}

/// Returns the finite validation points of `run` for `metric`.
fn validation_points(run: &RunRecord, metric: Metric) -> Vec<(f64, f64)> {
    run.epochs
        .iter()
        .filter_map(|metrics| {
            let value = match metric {
                Metric::Loss => metrics.val_loss,
                Metric::Accuracy => metrics.val_accuracy,
            }?;
            value.is_finite().then_some((metrics.epoch as f64, value))
        })
        .collect()
}

fn series_dataset(points: &[(f64, f64)], marker: Marker, style: Style) -> Dataset<'_> {
    Dataset::default()
        .data(points)
        .marker(marker)
        .graph_type(GraphType::Line)
        .style(style)
}

/// Returns how the chart draws `marker`, for the legend.
fn marker_symbol(marker: Marker) -> &'static str {
    match marker {
        Marker::Dot => "••",
        Marker::Block => "██",
        Marker::Bar => "▄▄",
        Marker::HalfBlock => "▀▄",
        _ => "⠤⠤",
    }
}
