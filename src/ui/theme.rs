//! Styles of the dashboard, with and without colour.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;

/// Every style the views use. [`Theme::plain`] keeps series and states apart
/// by markers and text modifiers alone, for `NO_COLOR`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Theme {
    pub border: Style,
    pub focused_border: Style,
    pub title: Style,
    pub label: Style,
    pub dim: Style,
    pub training: Style,
    pub validation: Style,
    pub after_best: Style,
    pub best_line: Style,
    pub retrain: Style,
    pub best_row: Style,
    pub header: Style,
    pub positive: Style,
    pub negative: Style,
    pub gauge: Style,
    pub notice: Style,
    pub error: Style,
    pub key: Style,
    /// Row under the cursor in the runs table.
    pub cursor_row: Style,
    /// Rows of runs from an earlier session.
    pub earlier_row: Style,
    /// Style and marker of each run the runs chart overlays, in pick order.
    pub run_series: [(Style, Marker); super::runs::MAX_PICKED],
}

impl Theme {
    /// Chooses the plain theme when `NO_COLOR` is present and not empty, as
    /// the convention at no-color.org defines it.
    pub fn from_no_color(no_color: Option<&str>) -> Theme {
        match no_color {
            Some(value) if !value.is_empty() => Theme::plain(),
            _ => Theme::colored(),
        }
    }

    pub fn colored() -> Theme {
        Theme {
            border: Style::new().fg(Color::DarkGray),
            focused_border: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            title: Style::new().add_modifier(Modifier::BOLD),
            label: Style::new().fg(Color::Gray),
            dim: Style::new().fg(Color::DarkGray),
            training: Style::new().fg(Color::Blue),
            validation: Style::new().fg(Color::Green),
            after_best: Style::new().fg(Color::Red),
            best_line: Style::new().fg(Color::Yellow),
            retrain: Style::new().fg(Color::Magenta),
            best_row: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            header: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            positive: Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
            negative: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            gauge: Style::new().fg(Color::Cyan).bg(Color::Black),
            notice: Style::new().fg(Color::Yellow),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            key: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            cursor_row: Style::new().add_modifier(Modifier::REVERSED),
            earlier_row: Style::new().fg(Color::Gray),
            run_series: [
                (Style::new().fg(Color::Cyan), Marker::Braille),
                (Style::new().fg(Color::Magenta), Marker::Braille),
                (Style::new().fg(Color::Yellow), Marker::Braille),
                (Style::new().fg(Color::Green), Marker::Braille),
                (Style::new().fg(Color::LightBlue), Marker::Braille),
                (Style::new().fg(Color::LightRed), Marker::Braille),
            ],
        }
    }

    pub fn plain() -> Theme {
        let none = Style::new();
        Theme {
            border: none,
            focused_border: none.add_modifier(Modifier::BOLD),
            title: none.add_modifier(Modifier::BOLD),
            label: none,
            dim: none.add_modifier(Modifier::DIM),
            training: none,
            validation: none,
            after_best: none.add_modifier(Modifier::DIM),
            best_line: none.add_modifier(Modifier::BOLD),
            retrain: none,
            best_row: none.add_modifier(Modifier::BOLD),
            header: none.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            positive: none.add_modifier(Modifier::BOLD),
            negative: none.add_modifier(Modifier::UNDERLINED),
            gauge: none,
            notice: none.add_modifier(Modifier::BOLD),
            error: none.add_modifier(Modifier::BOLD),
            key: none.add_modifier(Modifier::BOLD),
            cursor_row: none.add_modifier(Modifier::REVERSED),
            earlier_row: none.add_modifier(Modifier::DIM),
            // Without colour the markers keep the runs apart.
            run_series: [
                (none, Marker::Braille),
                (none, Marker::Dot),
                (none, Marker::Block),
                (none, Marker::HalfBlock),
                (none, Marker::Bar),
                (none.add_modifier(Modifier::BOLD), Marker::Braille),
            ],
        }
    }
}
