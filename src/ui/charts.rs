//! Loss and accuracy charts over the epoch axis, with the overfitting epoch
//! marked.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph, Widget};

use crate::i18n::{Lang, Msg};
use crate::train::EpochMetrics;

use super::epoch_axis::EpochAxis;
use super::history::History;
use super::theme::Theme;

/// Metric a chart plots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    Loss,
    Accuracy,
}

impl Metric {
    fn training(self, metrics: &EpochMetrics) -> Option<f64> {
        match self {
            Metric::Loss => Some(metrics.train_loss),
            Metric::Accuracy => Some(metrics.train_accuracy),
        }
    }

    fn validation(self, metrics: &EpochMetrics) -> Option<f64> {
        match self {
            Metric::Loss => metrics.val_loss,
            Metric::Accuracy => metrics.val_accuracy,
        }
    }
}

/// Points and bounds of one chart. Every point is finite.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChartData {
    pub training: Vec<(f64, f64)>,
    /// Validation points up to and including the overfitting epoch, or all
    /// of them unless the run overfits.
    pub validation: Vec<(f64, f64)>,
    /// Validation points from the overfitting epoch on; the first point
    /// repeats the overfitting epoch so that the line continues. Empty
    /// unless the run overfits.
    pub after_best: Vec<(f64, f64)>,
    pub retrain: Vec<(f64, f64)>,
    /// The epoch of lowest validation loss, drawn as a vertical line.
    pub best_epoch: Option<usize>,
    pub x_axis: EpochAxis,
    pub y_bounds: [f64; 2],
    pub y_labels: Vec<String>,
}

fn finite_point(epoch: usize, value: Option<f64>) -> Option<(f64, f64)> {
    value
        .filter(|value| value.is_finite())
        .map(|value| (epoch as f64, value))
}

/// Builds the points and axes of `metric`'s chart. `epochs` is the length
/// of the epoch axis; `max_x_labels` limits the labels to what fits.
pub fn chart_data(
    history: &History,
    metric: Metric,
    epochs: usize,
    max_x_labels: usize,
) -> ChartData {
    let exploration = history.exploration_epochs();
    let best_epoch = history
        .overfitting()
        .map(|overfitting| overfitting.best_epoch);
    let split_at = history.overfitting_epoch().unwrap_or(usize::MAX);

    let training = exploration
        .iter()
        .filter_map(|metrics| finite_point(metrics.epoch, metric.training(metrics)))
        .collect();
    let validation = exploration
        .iter()
        .filter(|metrics| metrics.epoch <= split_at)
        .filter_map(|metrics| finite_point(metrics.epoch, metric.validation(metrics)))
        .collect();
    let after_best = exploration
        .iter()
        .filter(|metrics| metrics.epoch >= split_at)
        .filter_map(|metrics| finite_point(metrics.epoch, metric.validation(metrics)))
        .collect::<Vec<_>>();
    let after_best = if after_best.len() > 1 {
        after_best
    } else {
        Vec::new()
    };
    let retrain = history
        .retrain_epochs()
        .iter()
        .filter_map(|metrics| finite_point(metrics.epoch, metric.training(metrics)))
        .collect();

    let mut data = ChartData {
        training,
        validation,
        after_best,
        retrain,
        best_epoch,
        ..ChartData::default()
    };

    let last_epoch = exploration
        .iter()
        .chain(history.retrain_epochs())
        .map(|metrics| metrics.epoch)
        .max()
        .unwrap_or(1);
    let axis_end = epochs.max(last_epoch).max(1);
    data.x_axis = EpochAxis::new(axis_end, max_x_labels);
    (data.y_bounds, data.y_labels) = value_axis(&data, metric);
    data
}

/// Returns padded bounds around every plotted value, and three labels.
pub(super) fn value_axis(data: &ChartData, metric: Metric) -> ([f64; 2], Vec<String>) {
    let values = data
        .training
        .iter()
        .chain(&data.validation)
        .chain(&data.after_best)
        .chain(&data.retrain)
        .map(|&(_, value)| value);
    let (mut low, mut high) = values
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), value| {
            (low.min(value), high.max(value))
        });
    if !low.is_finite() || !high.is_finite() {
        (low, high) = match metric {
            Metric::Loss => (0.0, 1.0),
            Metric::Accuracy => (0.5, 1.0),
        };
    }
    // Padding keeps a lone point, or a flat line, off the chart's edges.
    let padding = ((high - low) * 0.08).max(0.01);
    low -= padding;
    high += padding;
    if metric == Metric::Accuracy {
        low = low.max(0.0);
        high = high.min(1.0);
    } else {
        low = low.max(0.0);
    }
    let middle = (low + high) / 2.0;
    let label = |value: f64| match metric {
        Metric::Loss => format!("{value:.2}"),
        Metric::Accuracy if high - low < 0.1 => format!("{:.1}%", value * 100.0),
        Metric::Accuracy => format!("{:.0}%", value * 100.0),
    };
    ([low, high], vec![label(low), label(middle), label(high)])
}

/// Renders one chart.
pub struct ChartView<'a> {
    pub history: &'a History,
    pub metric: Metric,
    pub epochs: usize,
    pub lang: Lang,
    pub theme: &'a Theme,
    pub focused: bool,
}

impl Widget for &ChartView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let lang = self.lang;
        let theme = self.theme;
        let title = match self.metric {
            Metric::Loss => lang.text(&Msg::LossTitle {
                loss: self
                    .history
                    .exploration()
                    .map_or_else(Default::default, |run| run.config.loss),
            }),
            Metric::Accuracy => lang.text(&Msg::AccuracyTitle),
        };
        let border = if self.focused {
            theme.focused_border
        } else {
            theme.border
        };
        let block = Block::bordered()
            .border_style(border)
            .title(Line::styled(format!(" {title} "), theme.title))
            .title_bottom(
                Line::styled(format!(" {} ", lang.text(&Msg::EpochAxis)), theme.dim).centered(),
            );

        if self.history.is_empty() {
            let inner = block.inner(area);
            block.render(area, buf);
            Paragraph::new(Line::styled(lang.text(&Msg::NoEpochsYet), theme.dim))
                .render(inner, buf);
            return;
        }

        // About one label per six cells of width.
        let max_labels = usize::from(area.width / 6).max(2);
        let data = chart_data(self.history, self.metric, self.epochs, max_labels);

        let best_line;
        let mut datasets = Vec::new();
        if let Some(best) = data.best_epoch {
            let x = best as f64;
            best_line = [(x, data.y_bounds[0]), (x, data.y_bounds[1])];
            datasets.push(line(&best_line, Marker::Braille, theme.best_line));
        }
        datasets.push(line(&data.training, Marker::Braille, theme.training));
        datasets.push(line(&data.retrain, Marker::HalfBlock, theme.retrain));
        datasets.push(line(&data.validation, Marker::Braille, theme.validation));
        datasets.push(points(&data.validation, Marker::Dot, theme.validation));
        datasets.push(line(&data.after_best, Marker::Braille, theme.after_best));
        datasets.push(points(
            data.after_best.get(1..).unwrap_or_default(),
            Marker::Bar,
            theme.after_best,
        ));

        let inner = block.inner(area);
        let x_axis = data.x_axis.chart_axis(theme.dim);
        let y_axis = Axis::default()
            .style(theme.dim)
            .bounds(data.y_bounds)
            .labels(data.y_labels.clone());
        Chart::new(datasets)
            .block(block)
            .x_axis(x_axis)
            .y_axis(y_axis)
            .legend_position(None)
            .render(area, buf);
        data.x_axis
            .render_labels(inner, &data.y_labels, theme.dim, buf);
    }
}

fn line(points: &[(f64, f64)], marker: Marker, style: Style) -> Dataset<'_> {
    Dataset::default()
        .data(points)
        .marker(marker)
        .graph_type(GraphType::Line)
        .style(style)
}

fn points(points: &[(f64, f64)], marker: Marker, style: Style) -> Dataset<'_> {
    Dataset::default()
        .data(points)
        .marker(marker)
        .graph_type(GraphType::Scatter)
        .style(style)
}

/// The legend both charts share: one symbol per series, drawn as the
/// charts draw it.
pub struct LegendView<'a> {
    pub history: &'a History,
    pub lang: Lang,
    pub theme: &'a Theme,
}

impl Widget for &LegendView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let lang = self.lang;
        let theme = self.theme;
        let mut spans = vec![
            Span::styled("⠤⠤ ", theme.training),
            Span::raw(lang.text(&Msg::SeriesTraining)),
            Span::raw("   "),
            Span::styled("•⠒ ", theme.validation),
            Span::raw(lang.text(&Msg::SeriesValidation)),
            Span::raw("   "),
            Span::styled("⡇ ", theme.best_line),
            Span::raw(lang.text(&Msg::SeriesBest)),
            Span::raw("   "),
            Span::styled("▄⠒ ", theme.after_best),
            Span::raw(lang.text(&Msg::SeriesAfterBest)),
        ];
        if self.history.retrain().is_some() {
            spans.push(Span::raw("   "));
            spans.push(Span::styled("▀▄ ", theme.retrain));
            spans.push(Span::raw(lang.text(&Msg::SeriesRetrain)));
        }
        Paragraph::new(Line::from(spans)).render(area, buf);
    }
}
