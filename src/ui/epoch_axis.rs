//! The charts' epoch axis: bounds, labelled epochs, and the labels drawn
//! under the exact column of their epoch.
//!
//! In ratatui 0.30, `Axis::labels` spreads labels over the width in
//! whole-cell slots (the graph width divided by the label count, rounded
//! down), so a label can sit several cells away from its value. The charts
//! therefore give ratatui empty labels, which keep the axis line and the
//! label row, and draw the labels themselves.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Axis;
use unicode_width::UnicodeWidthStr;

/// Steps between two labelled epochs, smallest first.
const ROUND_STEPS: [usize; 12] = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000];

/// Bounds of the epoch axis and the epochs that carry a label: 0, `step`,
/// 2·`step` and so on up to the upper bound.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpochAxis {
    pub bounds: [f64; 2],
    pub ticks: Vec<usize>,
}

impl EpochAxis {
    /// Chooses the smallest round step that needs at most `max_labels`
    /// labels to cover `epochs`, and bounds from 0 to the first multiple of
    /// the step at or after `epochs`. A single epoch gets an axis up to 2,
    /// so that its point is not drawn on the right edge.
    pub fn new(epochs: usize, max_labels: usize) -> Self {
        let epochs = epochs.max(2);
        let max_labels = max_labels.max(2);
        let fits = |step: usize| epochs.div_ceil(step) < max_labels;
        let step = ROUND_STEPS
            .into_iter()
            .find(|&step| fits(step))
            .unwrap_or_else(|| epochs.div_ceil(max_labels - 1).next_multiple_of(1000));
        let end = epochs.next_multiple_of(step);
        Self {
            bounds: [0.0, end as f64],
            ticks: (0..=end).step_by(step).collect(),
        }
    }

    /// Returns the label texts, one per tick.
    pub fn labels(&self) -> Vec<String> {
        self.ticks.iter().map(ToString::to_string).collect()
    }

    /// Returns the axis to give ratatui's `Chart`: the bounds, and two empty
    /// labels that reserve the label row without drawing into it.
    pub fn chart_axis(&self, style: Style) -> Axis<'static> {
        Axis::default()
            .style(style)
            .bounds(self.bounds)
            .labels(["", ""])
    }

    /// Draws the labels under the chart drawn in `inner`, the chart's area
    /// inside its border, whose value axis has `y_labels`. Each label is
    /// centred on the column where ratatui draws its epoch. A label that
    /// would touch the one before it is left out.
    pub fn render_labels(&self, inner: Rect, y_labels: &[String], style: Style, buf: &mut Buffer) {
        if inner.height < 3 || inner.width < 3 {
            return;
        }
        let row = inner.bottom() - 1;
        // ratatui puts the value labels left of the value axis, in at most a
        // third of the width, then the axis line, then the graph.
        let y_label_width = y_labels.iter().map(|label| label.width()).max();
        let y_label_width = u16::try_from(y_label_width.unwrap_or(0)).unwrap_or(u16::MAX);
        let graph_left = inner.left() + y_label_width.min(inner.width / 3) + 1;
        let graph_width = inner.right().saturating_sub(graph_left);
        if graph_width == 0 {
            return;
        }

        let mut free_from = inner.left();
        for (&tick, label) in self.ticks.iter().zip(self.labels()) {
            let column = graph_left + self.column_offset(tick, graph_width);
            let width = u16::try_from(label.width()).unwrap_or(u16::MAX);
            let start = column
                .saturating_sub(width.saturating_sub(1) / 2)
                .min(inner.right().saturating_sub(width))
                .max(inner.left());
            if start < free_from {
                continue;
            }
            buf.set_string(start, row, &label, style);
            free_from = start + width + 1;
        }
    }

    /// Returns the column, counted from the graph's left edge, of `epoch`
    /// in a graph `width` cells wide. It is the column of the braille dot
    /// ratatui's canvas draws there: two dots a cell, the position rounded.
    pub fn column_offset(&self, epoch: usize, width: u16) -> u16 {
        let [low, high] = self.bounds;
        let fraction = ((epoch as f64 - low) / (high - low)).clamp(0.0, 1.0);
        let dots = f64::from(width) * 2.0 - 1.0;
        let dot = (fraction * dots).round() as u16;
        dot / 2
    }
}
