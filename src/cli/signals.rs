//! The termination signals that the commands handle (SIGINT, SIGTERM and
//! SIGHUP). On Unix they arrive as tokio streams; elsewhere none is
//! handled.

use std::io;

/// A signal that requests the process to end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Termination {
    Interrupt,
    Terminate,
    Hangup,
}

impl Termination {
    /// Returns the signal's name, such as `SIGINT`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
            Self::Hangup => "SIGHUP",
        }
    }

    /// Returns 128 plus the signal number (130 for SIGINT, 143 for
    /// SIGTERM, 129 for SIGHUP): the status that shells report for a
    /// process that the signal ended.
    pub fn exit_code(self) -> u8 {
        128 + self.number()
    }

    /// Returns the signal number, which POSIX fixes for these three
    /// signals in its `kill` utility.
    fn number(self) -> u8 {
        match self {
            Self::Interrupt => 2,
            Self::Terminate => 15,
            Self::Hangup => 1,
        }
    }
}

/// Handlers for a set of termination signals.
#[cfg(unix)]
pub struct TerminationSignals {
    streams: Vec<(Termination, tokio::signal::unix::Signal)>,
}

#[cfg(unix)]
impl TerminationSignals {
    /// Installs a handler for each of `signals` that the process did not
    /// inherit as ignored. Must run inside a tokio runtime.
    ///
    /// A shell without job control starts `command &` with SIGINT and
    /// SIGQUIT ignored, and `nohup` starts its command with SIGHUP
    /// ignored. Command-line tools keep such a signal ignored: GNU
    /// coreutils' `dd`, `ls` and `split` read each signal's action with
    /// `sigaction` and install their handler only where it is not
    /// `SIG_IGN`. This does the same, so `kill -INT` does not stop a
    /// `train` that a script started with `&`.
    pub fn install(signals: &[Termination]) -> io::Result<Self> {
        let mut streams = Vec::with_capacity(signals.len());
        for &termination in signals {
            if ignored_at_start(termination) {
                tracing::info!(
                    "{} was ignored when the process started; leaving it ignored",
                    termination.name()
                );
                continue;
            }
            let kind = tokio::signal::unix::SignalKind::from_raw(termination.number().into());
            streams.push((termination, tokio::signal::unix::signal(kind)?));
        }
        Ok(Self { streams })
    }

    /// Waits for the next signal of the set. Never returns when no signal
    /// of the set is handled.
    pub async fn recv(&mut self) -> Termination {
        if self.streams.is_empty() {
            return std::future::pending().await;
        }
        use futures::future::{FutureExt, select_all};

        let waits = self.streams.iter_mut().map(|(termination, stream)| {
            async move {
                // `recv` returns `None` only once the runtime shuts down,
                // which is no signal.
                if stream.recv().await.is_none() {
                    std::future::pending::<()>().await;
                }
                *termination
            }
            .boxed()
        });
        select_all(waits).await.0
    }
}

/// Returns whether the disposition of `termination` is `SIG_IGN`. Called
/// before tokio installs its handler, this is the disposition that the
/// process inherited, because `exec` keeps ignored signals ignored.
#[cfg(unix)]
fn ignored_at_start(termination: Termination) -> bool {
    let mut current = std::mem::MaybeUninit::<libc::sigaction>::zeroed();
    // SAFETY: with a null new action, `sigaction` only writes the current
    // action into `current`, which is valid for writes.
    let result = unsafe {
        libc::sigaction(
            termination.number().into(),
            std::ptr::null(),
            current.as_mut_ptr(),
        )
    };
    if result != 0 {
        return false;
    }
    // SAFETY: `current` started zeroed, which is a valid `sigaction`, and
    // the successful call above filled it in.
    let current = unsafe { current.assume_init() };
    current.sa_sigaction == libc::SIG_IGN
}

/// Handlers for a set of termination signals: none outside Unix.
#[cfg(not(unix))]
pub struct TerminationSignals;

#[cfg(not(unix))]
impl TerminationSignals {
    pub fn install(_signals: &[Termination]) -> io::Result<Self> {
        Ok(Self)
    }

    /// Never returns, because no signal is handled.
    pub async fn recv(&mut self) -> Termination {
        std::future::pending().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_add_128() {
        assert_eq!(Termination::Interrupt.exit_code(), 130);
        assert_eq!(Termination::Terminate.exit_code(), 143);
        assert_eq!(Termination::Hangup.exit_code(), 129);
    }
}
