//! Layout of the whole screen, the footer and the dialogs.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};
use unicode_width::UnicodeWidthStr;

use crate::i18n::{Lang, Msg};
use crate::train::Verdict;

use super::app::{App, Focus, Overlay};
use super::charts::{ChartView, LegendView, Metric};
use super::download::render_download;
use super::keys::MAX_RETRAIN_EPOCHS;
use super::review::ReviewView;
use super::runs::RunsView;
use super::runs_view::RunsScreen;
use super::settings_view::render_settings;
use super::status::StatusView;
use super::table::{TableView, table_width};
use super::theme::Theme;

/// Smallest terminal the dashboard draws in, in cells: the classic 80x24.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Draws the whole screen for `app`.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        render_too_small(area, frame.buffer_mut(), app.lang, &app.theme);
        return;
    }
    if let Some(view) = &app.runs_view {
        draw_runs(frame, app, view);
        return;
    }

    let status_height = if area.height >= 30 { 6 } else { 5 };
    let [
        status_area,
        charts_area,
        legend_area,
        sentence_area,
        bottom_area,
        footer_area,
    ] = Layout::vertical([
        Constraint::Length(status_height),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);

    let buf = frame.buffer_mut();
    let status = StatusView {
        phase: app.phase,
        data: app.data_info.as_ref(),
        prepare: app.prepare,
        clock: app.clock.as_ref(),
        history: &app.history,
        exploration: &app.exploration_config,
        failure: app
            .failure
            .as_ref()
            .map(|failure| app.lang.text(&failure.message())),
        now: app.now,
        lang: app.lang,
        theme: &app.theme,
    };
    (&status).render(status_area, buf);

    let [loss_area, accuracy_area] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(charts_area);
    for (metric, chart_area) in [(Metric::Loss, loss_area), (Metric::Accuracy, accuracy_area)] {
        let view = ChartView {
            history: &app.history,
            metric,
            epochs: app.axis_epochs(),
            lang: app.lang,
            theme: &app.theme,
            focused: app.focus == Focus::Charts,
        };
        (&view).render(chart_area, buf);
    }
    let legend = LegendView {
        history: &app.history,
        lang: app.lang,
        theme: &app.theme,
    };
    (&legend).render(legend_area.inner(ratatui::layout::Margin::new(1, 0)), buf);
    render_overfitting_sentence(
        app,
        sentence_area.inner(ratatui::layout::Margin::new(1, 0)),
        buf,
    );

    let [table_area, review_area] = Layout::horizontal([
        Constraint::Length(table_width(app.lang)),
        Constraint::Fill(1),
    ])
    .areas(bottom_area);
    let table = TableView {
        history: &app.history,
        scroll: &app.table,
        lang: app.lang,
        theme: &app.theme,
        focused: app.focus == Focus::Table,
    };
    (&table).render(table_area, buf);
    let review = ReviewView {
        state: &app.review,
        lang: app.lang,
        theme: &app.theme,
        focused: app.focus == Focus::Review && app.overlay.is_none(),
        model_line: app.model_line(),
    };
    let cursor = review.render_with_cursor(review_area, buf);

    render_footer(app, footer_area, buf);

    if render_overlay(app, area, buf) {
        return;
    }
    if let Some(download) = &app.download {
        render_download(download, app.now, area, buf, app.lang, &app.theme);
    } else if let Some(position) = cursor {
        frame.set_cursor_position(position);
    }
}

/// Draws the runs view in place of the dashboard.
fn draw_runs(frame: &mut Frame, app: &App, view: &RunsView) {
    let area = frame.area();
    let [screen_area, footer_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    let buf = frame.buffer_mut();
    let screen = RunsScreen {
        history: &app.history,
        view,
        lang: app.lang,
        theme: &app.theme,
    };
    (&screen).render(screen_area, buf);
    render_footer(app, footer_area, buf);
    render_overlay(app, area, buf);
}

/// Draws the open dialog, if any; returns whether one was drawn.
fn render_overlay(app: &App, area: Rect, buf: &mut Buffer) -> bool {
    match &app.overlay {
        Some(Overlay::Help) => render_help(area, buf, app.lang, &app.theme),
        Some(Overlay::RetrainPrompt {
            input, rejected, ..
        }) => {
            let reviews = app.data_info.as_ref().map_or(0, |data| data.train_reviews);
            render_retrain_prompt(
                area,
                buf,
                app.lang,
                &app.theme,
                input,
                rejected.as_deref(),
                reviews,
            );
        }
        Some(Overlay::QuitConfirm) => render_quit_confirm(area, buf, app),
        Some(Overlay::Settings(panel)) => render_settings(panel, area, buf, app.lang, &app.theme),
        Some(Overlay::ClearRunsConfirm) => {
            let count = app.history.runs().len();
            let lines = vec![Line::raw(app.lang.text(&Msg::ClearRunsQuestion { count }))];
            let title = app.lang.text(&Msg::ClearRunsTitle);
            dialog(area, buf, title, &app.theme, lines, 64);
        }
        None => return false,
    }
    true
}

fn render_overfitting_sentence(app: &App, area: Rect, buf: &mut Buffer) {
    let lang = app.lang;
    let Some(overfitting) = app.history.overfitting() else {
        return;
    };
    let epoch = overfitting.best_epoch;
    let loss = overfitting.best_loss;
    let (mut text, style) = match overfitting.verdict {
        Verdict::Overfitting => (
            lang.text(&Msg::Overfitting { epoch, loss }),
            app.theme.best_row,
        ),
        Verdict::NotRisen => (
            lang.text(&Msg::LowestSoFar { epoch, loss }),
            app.theme.label,
        ),
        Verdict::NotLearning(stall) => (lang.text(&Msg::NotLearning { stall }), app.theme.error),
    };
    // The accuracy peak of a run that is not learning tells nothing.
    let accuracy_peak = match overfitting.verdict {
        Verdict::NotLearning(_) => None,
        _ => overfitting.accuracy_peak,
    };
    if let Some((epoch, accuracy)) = accuracy_peak {
        text.push(' ');
        text.push_str(&lang.text(&Msg::AccuracyPeak { epoch, accuracy }));
    }
    Paragraph::new(Line::styled(text, style))
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

fn render_footer(app: &App, area: Rect, buf: &mut Buffer) {
    // The download dialog lists its own keys, and the dashboard's keys do
    // nothing while it is open.
    if app.download.is_some() {
        return;
    }
    let lang = app.lang;
    let theme = &app.theme;
    let line = match &app.notice {
        Some(notice) => {
            let style = if notice.is_error() {
                theme.error
            } else {
                theme.notice
            };
            Line::styled(format!(" {}", lang.text(&notice.message())), style)
        }
        None => {
            let keys = match app.focus {
                _ if app.runs_view.is_some() => Msg::FooterRunsKeys,
                Focus::Review => Msg::FooterReviewKeys,
                Focus::Table => Msg::FooterTableKeys,
                Focus::Charts => Msg::FooterKeys,
            };
            Line::styled(format!(" {}", lang.text(&keys)), theme.key)
        }
    };
    Paragraph::new(line).render(area, buf);
}

/// Returns a centred rectangle of at most `width` x `height` inside `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// Draws a bordered, titled box of wrapped `lines` in the middle of `area`,
/// `width` cells wide and as high as the wrapped text.
pub(super) fn dialog(
    area: Rect,
    buf: &mut Buffer,
    title: String,
    theme: &Theme,
    lines: Vec<Line<'static>>,
    width: u16,
) {
    // Wrapped lines may take more rows than there are lines, so the height
    // is measured by wrapping once at the dialog's inner width.
    let inner_width = width.saturating_sub(4).max(1);
    let paragraph = Paragraph::new(lines.clone()).wrap(Wrap { trim: false });
    let height = wrapped_height(&lines, inner_width).saturating_add(2);
    let popup = centered(area, width, height);
    clear_wide_neighbours(popup, buf);
    Clear.render(popup, buf);
    let block = Block::bordered()
        .border_style(theme.focused_border)
        .title(Line::styled(format!(" {title} "), theme.title))
        .padding(ratatui::widgets::Padding::horizontal(1));
    paragraph.block(block).render(popup, buf);
}

fn render_help(area: Rect, buf: &mut Buffer, lang: Lang, theme: &Theme) {
    let messages = [
        Msg::HelpFocus,
        Msg::HelpReview,
        Msg::HelpTable,
        Msg::HelpRetrain,
        Msg::HelpNewRun,
        Msg::HelpSettings,
        Msg::HelpCancel,
        Msg::HelpSave,
        Msg::HelpExport,
        Msg::HelpRuns,
        Msg::HelpQuit,
    ];
    let mut lines: Vec<Line<'static>> = messages
        .iter()
        .map(|message| Line::raw(lang.text(message)))
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        lang.text(&Msg::HelpOverfitting),
        theme.best_row,
    ));
    lines.push(Line::styled(lang.text(&Msg::HelpLanguage), theme.key));
    lines.push(Line::raw(""));
    lines.push(Line::styled(lang.text(&Msg::HelpClose), theme.dim));
    dialog(area, buf, lang.text(&Msg::HelpTitle), theme, lines, 76);
}

fn render_retrain_prompt(
    area: Rect,
    buf: &mut Buffer,
    lang: Lang,
    theme: &Theme,
    input: &str,
    rejected: Option<&str>,
    reviews: usize,
) {
    let mut lines = vec![Line::raw(lang.text(&Msg::RetrainQuestion {
        reviews,
        max: MAX_RETRAIN_EPOCHS,
    }))];
    if let Some(rejected) = rejected {
        lines.push(Line::styled(
            lang.text(&Msg::InvalidEpochs {
                input: rejected,
                max: MAX_RETRAIN_EPOCHS,
            }),
            theme.error,
        ));
    }
    lines.push(Line::from(vec![
        Span::styled("> ", theme.key),
        Span::styled(input.to_owned(), theme.title),
        Span::styled("_", theme.key),
    ]));
    lines.push(Line::styled(lang.text(&Msg::RetrainKeys), theme.dim));
    dialog(area, buf, lang.text(&Msg::RetrainTitle), theme, lines, 64);
}

/// Draws the quit question. The dialog stays open when the run ends
/// meanwhile, so the key meant for it (y, n or Esc) is not taken as a
/// dashboard key. It then shows that the run has ended.
fn render_quit_confirm(area: Rect, buf: &mut Buffer, app: &App) {
    let question = if app.is_running() {
        Msg::QuitQuestion
    } else {
        Msg::QuitQuestionRunEnded
    };
    let lines = vec![Line::raw(app.lang.text(&question))];
    dialog(
        area,
        buf,
        app.lang.text(&Msg::QuitTitle),
        &app.theme,
        lines,
        64,
    );
}

fn render_too_small(area: Rect, buf: &mut Buffer, lang: Lang, theme: &Theme) {
    let text = lang.text(&Msg::TooSmall {
        width: area.width,
        height: area.height,
        min_width: MIN_WIDTH,
        min_height: MIN_HEIGHT,
    });
    let paragraph = Paragraph::new(Line::styled(text.clone(), theme.notice))
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true });
    let height = wrapped_height(&[Line::raw(text.clone())], area.width.max(1));
    let [middle] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    paragraph.render(middle, buf);
}

/// Blanks a double-width character just left of `popup` whose right half
/// lies under the popup's left border: left alone, the terminal would draw
/// half a character and shift the border.
fn clear_wide_neighbours(popup: Rect, buf: &mut Buffer) {
    if popup.x == 0 {
        return;
    }
    for y in popup.top()..popup.bottom() {
        let cell = &mut buf[(popup.x - 1, y)];
        if cell.symbol().width() > 1 {
            cell.set_symbol(" ");
        }
    }
}

/// Counts the rows `lines` take when wrapped at `width` cells: words move
/// to the next row whole, and a word wider than a row (such as a run of
/// Chinese text without spaces) breaks between characters. This mirrors the
/// word wrapping of ratatui's `Paragraph` closely enough to size dialogs.
fn wrapped_height(lines: &[Line<'_>], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let mut rows = 0usize;
    for line in lines {
        let text: String = line
            .spans
            .iter()
            .map(|span| span.content.as_ref())
            .collect();
        let mut used = 0usize;
        let mut line_rows = 1usize;
        for (index, word) in text.split(' ').enumerate() {
            let word_width = word.width();
            let gap = usize::from(index > 0 && used > 0);
            if used + gap + word_width <= width {
                used += gap + word_width;
                continue;
            }
            if word_width <= width {
                line_rows += 1;
                used = word_width;
                continue;
            }
            for character in word.chars() {
                let character_width =
                    unicode_width::UnicodeWidthChar::width(character).unwrap_or(0);
                if used + character_width > width {
                    line_rows += 1;
                    used = 0;
                }
                used += character_width;
            }
        }
        rows += line_rows;
    }
    u16::try_from(rows).unwrap_or(u16::MAX)
}
