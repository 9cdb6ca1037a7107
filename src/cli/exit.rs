//! Ends of a command that print no error line.

use super::signals::Termination;

/// Exit status when the reader of standard output went away: 128 plus
/// SIGPIPE's number 13, the status that shells report for a tool that
/// SIGPIPE ended, such as `yes` in `yes | head -1`. Rust programs ignore
/// SIGPIPE and see the closed pipe as a write error instead.
const OUTPUT_CLOSED_EXIT_CODE: u8 = 141;

/// A command that ended early without an error to report: its reader went
/// away, or it printed its own message for a signal.
#[derive(Debug, thiserror::Error)]
pub enum QuietExit {
    #[error("standard output was closed by its reader")]
    OutputClosed,
    #[error("stopped by {}", .signal.name())]
    Stopped { signal: Termination },
}

impl QuietExit {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::OutputClosed => OUTPUT_CLOSED_EXIT_CODE,
            Self::Stopped { signal } => signal.exit_code(),
        }
    }
}
