//! Running the `imdb-tui` binary from tests.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Returns a command for the binary that runs in `folder`, so that its
/// `data/` lands there, with English locale variables, no dataset, mirror
/// or checksum in the environment, and standard input closed. Standard
/// output is a pipe, so the dashboard does not start.
pub fn imdb_tui(folder: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_imdb-tui"));
    command
        .current_dir(folder)
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("IMDB_DATA")
        .env_remove("IMDB_DATA_URL")
        .env_remove("IMDB_DATA_MD5")
        .stdin(Stdio::null());
    command
}

/// Runs the binary in `folder` with `args`, as [`imdb_tui`] sets it up.
pub fn run_in(folder: &Path, args: &[&str]) -> Output {
    imdb_tui(folder).args(args).output().expect("run imdb-tui")
}

pub fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
