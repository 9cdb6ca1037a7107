//! The event loop: one task that owns the terminal and waits on keys, app
//! events and a redraw deadline.

use std::io;
use std::path::Path;
use std::time::Duration;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::{Instant, sleep_until};

use super::app::App;
use super::export::export_history;
use super::interface::{AppEvent, Command, Update};
use super::runs_file::RunsStore;
use super::view::draw;

/// Shortest time between two frames: at most about 30 frames a second.
pub const FRAME_INTERVAL: Duration = Duration::from_millis(33);

/// Shortest time between two frames when a key or paste changed the
/// screen, so that typing in bursts is drawn within 8 ms. Trainer events
/// alone keep the slower [`FRAME_INTERVAL`].
pub const INPUT_FRAME_INTERVAL: Duration = Duration::from_millis(8);

/// How often the elapsed time is redrawn while a run is in progress and no
/// event arrives.
const CLOCK_INTERVAL: Duration = Duration::from_secs(1);

/// Counters of one run of the loop, for tests and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoopReport {
    /// Frames drawn.
    pub frames: u64,
}

/// Everything the loop reads from and writes to besides the terminal.
pub struct LoopIo<'a, S> {
    /// Terminal events: crossterm's `EventStream` in the binary, a scripted
    /// stream in tests.
    pub input: S,
    pub events: UnboundedReceiver<AppEvent>,
    pub commands: &'a UnboundedSender<Command>,
    /// Directory the history export is written into.
    pub export_dir: &'a Path,
    /// The runs file, loaded when the loop starts and written when a run
    /// ends and on quit; `None` keeps runs in memory only.
    pub runs: Option<RunsStore>,
}

/// Runs the dashboard until the user quits, or until the input and the
/// event channel are both closed.
///
/// Redraws happen only after something changed, at most once per
/// [`FRAME_INTERVAL`], or per [`INPUT_FRAME_INTERVAL`] after a key. While a
/// run is in progress the elapsed time is also redrawn every second. An
/// idle dashboard does not wake up at all.
pub async fn drive<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    io: LoopIo<'_, S>,
) -> anyhow::Result<LoopReport>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = io::Result<Event>> + Unpin,
{
    let LoopIo {
        mut input,
        mut events,
        commands,
        export_dir,
        mut runs,
    } = io;
    if let Some(store) = &mut runs {
        let load = store.load();
        app.runs_loaded(load, store.path());
    }
    let mut report = LoopReport::default();
    let mut input_open = true;
    let mut events_open = true;
    let mut dirty = true;
    let mut dirty_from_input = false;
    let mut last_draw: Option<Instant> = None;

    loop {
        let interval = if dirty_from_input {
            INPUT_FRAME_INTERVAL
        } else {
            FRAME_INTERVAL
        };
        if dirty {
            let now = Instant::now();
            let due = last_draw.map_or(now, |last| last + interval);
            if now >= due {
                terminal.draw(|frame| draw(frame, app))?;
                report.frames += 1;
                last_draw = Some(now);
                dirty = false;
                dirty_from_input = false;
            }
        }
        if app.should_quit() {
            break;
        }
        if !input_open && !events_open {
            // Nothing can change the screen any more, so the last change is
            // drawn now instead of after the frame interval.
            if dirty {
                terminal.draw(|frame| draw(frame, app))?;
                report.frames += 1;
            }
            break;
        }

        let deadline = match last_draw {
            Some(last) if dirty => Some(last + interval),
            Some(last) if app.is_running() => Some(last + CLOCK_INTERVAL),
            None => Some(Instant::now()),
            _ => None,
        };
        let sleep = async {
            match deadline {
                Some(deadline) => sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        };

        let update = tokio::select! {
            event = input.next(), if input_open => match event {
                Some(Ok(event)) => {
                    app.set_now(Instant::now().into_std());
                    let update = app.handle_terminal_event(event);
                    dirty_from_input |= update.redraw;
                    update
                }
                Some(Err(error)) => return Err(error.into()),
                None => {
                    input_open = false;
                    Update::default()
                }
            },
            event = events.recv(), if events_open => match event {
                Some(event) => {
                    app.set_now(Instant::now().into_std());
                    app.handle_event(event)
                }
                None => {
                    events_open = false;
                    Update::default()
                }
            },
            () = sleep => {
                let ticked = app.set_now(Instant::now().into_std());
                Update { redraw: ticked, ..Update::default() }
            }
        };

        dirty |= update.redraw;
        if update.export {
            let result =
                export_history(&app.history, export_dir).map_err(|error| error.to_string());
            app.export_finished(result);
            dirty = true;
        }
        dirty |= carry_out_runs_file(&update, app, runs.as_mut());
        for command in update.commands {
            // A closed channel means main stopped receiving commands, which
            // happens only while it shuts down, so the command is dropped.
            let _ = commands.send(command);
        }
    }
    Ok(report)
}

/// Writes or deletes the runs file as `update` requests and reports the
/// outcome to `app`; returns true when the screen changes.
fn carry_out_runs_file(update: &Update, app: &mut App, mut store: Option<&mut RunsStore>) -> bool {
    let mut changed = false;
    if update.delete_runs {
        let result = match store.as_deref_mut() {
            Some(store) => store.delete(),
            None => Ok(()),
        };
        if let Err(error) = &result {
            tracing::error!(%error, "deleting the runs file failed");
        }
        app.runs_deleted(result.map_err(|error| error.to_string()));
        changed = true;
    }
    if update.save_runs
        && let Some(store) = store
    {
        let result = store.save(&app.history);
        if let Err(error) = &result {
            tracing::error!(%error, "saving the runs file failed");
        }
        changed |= result.is_err();
        app.runs_saved(result.map_err(|error| error.to_string()));
    }
    changed
}
