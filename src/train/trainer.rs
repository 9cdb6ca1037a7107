//! The trainer thread and its handle.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use tokio::sync::mpsc::UnboundedSender;

use super::events::{RunConfig, TrainEvent};
use super::run::train;
use crate::data::Dataset;

/// Handle to a training run on its own OS thread. Dropping it cancels the
/// run and waits for the thread, which takes at most one batch.
#[derive(Debug)]
pub struct Trainer {
    cancel: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Starts a run on a new thread that sends its events to `events`. Sending
/// stops quietly when the receiver is gone.
pub fn spawn(
    dataset: Arc<Dataset>,
    config: RunConfig,
    events: UnboundedSender<TrainEvent>,
) -> io::Result<Trainer> {
    spawn_with_cancel(dataset, config, events, Arc::new(AtomicBool::new(false)))
}

/// Starts a run like [`spawn`] with `cancel` as its cancel flag. Setting
/// the flag from any thread stops the run before its next batch, as
/// [`Trainer::cancel`] does.
pub fn spawn_with_cancel(
    dataset: Arc<Dataset>,
    config: RunConfig,
    events: UnboundedSender<TrainEvent>,
    cancel: Arc<AtomicBool>,
) -> io::Result<Trainer> {
    let flag = Arc::clone(&cancel);
    let thread = std::thread::Builder::new()
        .name("trainer".to_owned())
        .spawn(move || {
            train(&dataset, &config, &flag, &mut |event| {
                if events.send(event).is_err() {
                    flag.store(true, Ordering::Relaxed);
                }
            });
        })?;
    Ok(Trainer {
        cancel,
        thread: Some(thread),
    })
}

impl Trainer {
    /// Asks the run to stop before its next batch.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits for the thread to end.
    pub fn join(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Trainer {
    fn drop(&mut self) {
        self.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
