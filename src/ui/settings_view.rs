//! Drawing of the settings panel: one row per field with its value and
//! allowed values.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::i18n::{Lang, Msg};
use crate::train::{Allowed, Field};

use super::settings_panel::SettingsPanel;
use super::theme::Theme;
use super::view::dialog;

/// Width of the panel in cells, the same as the help overlay's.
const PANEL_WIDTH: u16 = 76;
/// Narrowest value column, in cells.
const MIN_VALUE_WIDTH: usize = 12;

pub(super) fn render_settings(
    panel: &SettingsPanel,
    area: Rect,
    buf: &mut Buffer,
    lang: Lang,
    theme: &Theme,
) {
    let mut lines = vec![
        Line::styled(lang.text(&Msg::SettingsIntro), theme.dim),
        Line::raw(""),
    ];
    let name_width = Field::ALL
        .iter()
        .map(|field| lang.text(&Msg::SettingName { field: *field }).width())
        .max()
        .unwrap_or(0);
    let value_width = Field::ALL
        .iter()
        .map(|field| panel.value(*field).width() + 1)
        .max()
        .unwrap_or(0)
        .max(MIN_VALUE_WIDTH);
    for (row, field) in Field::ALL.iter().enumerate() {
        let widths = (name_width, value_width);
        lines.push(field_line(
            panel,
            *field,
            row == panel.selected,
            widths,
            lang,
            theme,
        ));
    }
    lines.push(Line::raw(""));
    let rejected_character = panel
        .rejected_character
        .map(|character| Msg::SettingCharRejected {
            field: panel.field(),
            character,
            allowed: panel.field().allowed(),
        });
    lines.push(match (rejected_character, panel.rejected) {
        (Some(message), _) => Line::styled(lang.text(&message), theme.error),
        (None, Some(field)) => Line::styled(
            lang.text(&Msg::SettingRejected {
                field,
                value: panel.value(field),
                allowed: field.allowed(),
            }),
            theme.error,
        ),
        (None, None) => Line::styled(lang.text(&Msg::SettingsKeys), theme.key),
    });
    let title = lang.text(&Msg::SettingsTitle);
    dialog(area, buf, title, theme, lines, PANEL_WIDTH);
}

/// Builds one row: a marker on the selected row, the name, the value with a
/// cursor while it can be typed into, and the allowed values. An invalid
/// value and its allowed values are drawn in the error style.
fn field_line(
    panel: &SettingsPanel,
    field: Field,
    selected: bool,
    (name_width, value_width): (usize, usize),
    lang: Lang,
    theme: &Theme,
) -> Line<'static> {
    let name = lang.text(&Msg::SettingName { field });
    let allowed = field.allowed();
    let range = lang.text(&Msg::SettingRange { allowed });
    let typed = !matches!(allowed, Allowed::Choice(_));
    let value = match (selected, typed) {
        (true, true) => format!("{}_", panel.value(field)),
        (true, false) => format!("< {} >", panel.value(field)),
        (false, _) => panel.value(field).to_owned(),
    };
    let valid = panel.is_valid(field);

    let marker = if selected { "> " } else { "  " };
    let name_style = if selected { theme.title } else { theme.label };
    let value_style = if !valid {
        theme.error
    } else if selected {
        theme.key
    } else {
        theme.title
    };
    let range_style = if valid { theme.dim } else { theme.error };
    Line::from(vec![
        Span::styled(marker, theme.key),
        Span::styled(pad(&name, name_width + 2), name_style),
        Span::styled(pad(&value, value_width + 2), value_style),
        Span::styled(range, range_style),
    ])
}

/// Pads `text` with spaces to `width` terminal cells.
fn pad(text: &str, width: usize) -> String {
    let padding = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(padding))
}
