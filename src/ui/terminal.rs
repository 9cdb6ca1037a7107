//! Terminal setup and restoration, including after a panic.

use std::io::{self, Stdout, stdout};
use std::sync::Mutex;
use std::thread::ThreadId;

use crossterm::cursor::Show;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// Thread that owns the terminal while the dashboard runs. The panic hook
/// restores the terminal only for a panic on this thread: a panic of the
/// trainer thread must not pull the screen from under a running dashboard.
///
/// NOTE: a panic in another tokio task on this thread, which tokio catches,
/// also restores the terminal while the dashboard goes on drawing.
static OWNER: Mutex<Option<ThreadId>> = Mutex::new(None);

/// Restores the terminal when dropped, so that every way out of the
/// dashboard (quit, error, Ctrl-C) leaves the terminal as it was.
pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    /// Enters raw mode, the alternate screen and bracketed paste, and
    /// installs a panic hook that undoes them before the previous hook runs.
    pub fn enter() -> io::Result<Self> {
        install_panic_hook();
        if let Ok(mut owner) = OWNER.lock() {
            *owner = Some(std::thread::current().id());
        }
        enable_raw_mode()?;
        let entered = execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste)
            .and_then(|()| Terminal::new(CrosstermBackend::new(stdout())));
        match entered {
            Ok(terminal) => Ok(Self { terminal }),
            Err(error) => {
                restore();
                Err(error)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        if let Ok(mut owner) = OWNER.lock() {
            *owner = None;
        }
    }
}

/// Leaves raw mode, then bracketed paste and the alternate screen, and shows
/// the cursor. Errors are ignored because there is no screen left to report
/// them on, and each step is still tried.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(stdout(), DisableBracketedPaste, LeaveAlternateScreen, Show);
}

fn install_panic_hook() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let on_owner = OWNER
                .lock()
                .map(|owner| *owner == Some(std::thread::current().id()))
                .unwrap_or(false);
            if on_owner {
                restore();
            }
            previous(info);
        }));
    });
}
