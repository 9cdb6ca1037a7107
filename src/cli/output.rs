//! Writing the commands' results to standard output.

use std::io::{self, Write};

use super::exit::QuietExit;
use crate::i18n::{Lang, Msg};

/// Writes `line` and a newline to standard output. A closed pipe returns
/// [`QuietExit::OutputClosed`], and any other write error is returned with
/// a message.
pub fn print_line(line: &str, lang: Lang) -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{line}").map_err(|error| output_error(error, lang))
}

/// Turns an error of writing to standard output into
/// [`QuietExit::OutputClosed`] for a closed pipe, or into an error that
/// names standard output.
pub fn output_error(error: io::Error, lang: Lang) -> anyhow::Error {
    if error.kind() == io::ErrorKind::BrokenPipe {
        QuietExit::OutputClosed.into()
    } else {
        anyhow::Error::new(error).context(lang.text(&Msg::StdoutWriteFailed))
    }
}
