//! SIGINT and SIGTERM during `imdb-tui train`. The first signal cancels
//! the run, so that `train` can report how many epochs finished, and a
//! second one ends the process at once.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use super::exit::QuietExit;
use super::output::print_line;
use super::signals::{Termination, TerminationSignals};
use crate::i18n::{Lang, Msg};

/// The line of `train --json` for a run that a signal stopped. It
/// replaces the summary line, and no model is saved.
#[derive(Debug, Serialize)]
struct StoppedLine {
    stopped: bool,
    /// `SIGINT` or `SIGTERM`.
    signal: &'static str,
    /// Epochs finished before the run stopped.
    epochs: usize,
}

/// Watches for SIGINT and SIGTERM on a thread of its own, which keeps
/// watching until the process ends.
pub struct StopWatcher {
    received: Arc<OnceLock<Termination>>,
}

impl StopWatcher {
    /// Installs the handlers and starts the thread. The first signal sets
    /// `cancel`. When the handlers cannot be installed, the failure is
    /// logged and the signals keep their default action.
    pub fn start(cancel: Arc<AtomicBool>, lang: Lang) -> Self {
        let received = Arc::new(OnceLock::new());
        if let Err(error) = start_thread(cancel, Arc::clone(&received), lang) {
            tracing::warn!(%error, "installing the SIGINT and SIGTERM handlers failed");
        }
        Self { received }
    }

    /// Returns the first signal received, if any.
    pub fn received(&self) -> Option<Termination> {
        self.received.get().copied()
    }
}

fn start_thread(
    cancel: Arc<AtomicBool>,
    received: Arc<OnceLock<Termination>>,
    lang: Lang,
) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let signals = {
        let _context = runtime.enter();
        TerminationSignals::install(&[Termination::Interrupt, Termination::Terminate])?
    };
    // A thread of its own keeps watching while the main thread is blocked,
    // for example on a write to a full pipe.
    std::thread::Builder::new()
        .name("signals".to_owned())
        .spawn(move || runtime.block_on(watch(signals, cancel, received, lang)))?;
    Ok(())
}

async fn watch(
    mut signals: TerminationSignals,
    cancel: Arc<AtomicBool>,
    received: Arc<OnceLock<Termination>>,
    lang: Lang,
) {
    let first = signals.recv().await;
    tracing::info!("received {}, cancelling the run", first.name());
    let _ = received.set(first);
    cancel.store(true, Ordering::Relaxed);

    let second = signals.recv().await;
    tracing::info!("received {} while stopping, exiting at once", second.name());
    let message = lang.text(&Msg::TrainStoppedAtOnce {
        signal: second.name(),
    });
    // Standard error may be closed too, and the process ends either way.
    let _ = writeln!(io::stderr(), "{message}");
    std::process::exit(i32::from(second.exit_code()));
}

/// Reports on standard error, and with `json` on standard output, that
/// `signal` stopped the run after `epochs` epochs, and returns the error
/// that ends `train` with the signal's exit status.
pub fn report_stop(signal: Termination, epochs: usize, json: bool, lang: Lang) -> anyhow::Error {
    let message = lang.text(&Msg::TrainStopped {
        signal: signal.name(),
        epochs,
    });
    let _ = writeln!(io::stderr(), "{message}");
    if json {
        let line = StoppedLine {
            stopped: true,
            signal: signal.name(),
            epochs,
        };
        // The exit status reports the signal whether or not the line is
        // written, so a closed pipe here changes nothing.
        if let Ok(line) = serde_json::to_string(&line) {
            let _ = print_line(&line, lang);
        }
    }
    QuietExit::Stopped { signal }.into()
}
