//! `imdb-tui train` and `predict` through the release binary when a signal
//! arrives or the reader of standard output goes away. The runs train a
//! wide network on a generated dataset for 200 epochs, so that each is
//! still going when the test acts on it.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Lines};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};

use common::binary::imdb_tui;
use common::reviews::{generated_files_with_fillers, write_tarball};
use tempfile::TempDir;

/// Options of a run that lasts many seconds: 200 training reviews after
/// the 1,000 held out, one per batch, through four layers of 256 units.
/// `--batch-size` comes last, so that a test can change it.
const LONG_RUN: [&str; 16] = [
    "train",
    "--data",
    "reviews.tar.gz",
    "--vocab",
    "1000",
    "--validation-size",
    "1000",
    "--units",
    "256",
    "--layers",
    "4",
    "--epochs",
    "200",
    "--save=model/model.npz",
    "--batch-size",
    "1",
];

/// Exit status of a command whose standard output was closed: 128 plus
/// SIGPIPE's number 13.
const OUTPUT_CLOSED: i32 = 141;

/// Writes 1,200 training and 1,200 test reviews of 20 sentiment words and
/// 200 filler words as `reviews.tar.gz` in `folder`.
fn write_dataset(folder: &Path) {
    let files = generated_files_with_fillers(600, 20, 200, 3);
    write_tarball(&folder.join("reviews.tar.gz"), &files);
}

/// A `train` process with standard output piped to the test and standard
/// error in `stderr.txt`. Dropping it kills the process if it still runs.
struct Training {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    /// The standard output lines read so far.
    printed: Vec<String>,
}

impl Training {
    fn start(mut command: Command, folder: &Path) -> Self {
        let stderr = File::create(folder.join("stderr.txt")).unwrap();
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start imdb-tui train");
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self {
            child,
            lines,
            printed: Vec::new(),
        }
    }

    /// Reads standard output until `count` lines have been read. They are
    /// epoch lines while the run goes on.
    fn wait_for_lines(&mut self, count: usize) {
        while self.printed.len() < count {
            let line = self.lines.next().unwrap_or_else(|| {
                panic!(
                    "train ended after {} lines; expected {count}",
                    self.printed.len()
                )
            });
            self.printed.push(line.unwrap());
        }
    }

    /// Sends `signal`, such as `INT`, with the `kill` utility.
    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Reads the rest of standard output and waits for the exit.
    fn finish(&mut self) -> ExitStatus {
        for line in self.lines.by_ref() {
            self.printed.push(line.unwrap());
        }
        self.child.wait().unwrap()
    }
}

impl Drop for Training {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Returns the number in "after N epochs" of a stop message.
fn epochs_in_message(stderr: &str) -> usize {
    let start = stderr.find(" after ").unwrap() + " after ".len();
    let digits: String = stderr[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

/// Returns a pipe's write end whose read end is already closed.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

/// Starts a long run with the `extra` options, sends `signal` after its
/// first epoch line, and returns the folder, the run, its exit status and
/// its standard error.
fn stopped_by(signal: &str, extra: &[&str]) -> (TempDir, Training, ExitStatus, String) {
    let temp = TempDir::new().unwrap();
    write_dataset(temp.path());
    let mut command = imdb_tui(temp.path());
    command.args(LONG_RUN).args(extra);
    let mut training = Training::start(command, temp.path());

    training.wait_for_lines(1);
    training.signal(signal);
    let status = training.finish();
    let stderr = fs::read_to_string(temp.path().join("stderr.txt")).unwrap();
    (temp, training, status, stderr)
}

#[test]
fn sigint_stops_train_without_saving() {
    let (temp, training, status, stderr) = stopped_by("INT", &[]);
    assert_eq!(status.code(), Some(130), "{status}; stderr:\n{stderr}");
    assert!(
        stderr.contains("Training stopped by SIGINT after "),
        "{stderr}"
    );
    assert!(stderr.contains("No model was saved."), "{stderr}");
    assert_eq!(
        epochs_in_message(&stderr),
        training.printed.len(),
        "the message should count the epoch lines printed: {:?}",
        training.printed
    );
    assert!(
        training
            .printed
            .iter()
            .all(|line| line.starts_with("epoch ")),
        "only epoch lines, no summary: {:?}",
        training.printed
    );
    assert!(!temp.path().join("model/model.npz").exists());
}

#[test]
fn sigterm_stops_train_with_json_line() {
    let (temp, training, status, stderr) = stopped_by("TERM", &["--json"]);
    assert_eq!(status.code(), Some(143), "{status}; stderr:\n{stderr}");
    assert!(
        stderr.contains("Training stopped by SIGTERM after "),
        "{stderr}"
    );
    let (last, epochs) = training.printed.split_last().unwrap();
    let stopped: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(stopped["stopped"], true, "{last}");
    assert_eq!(stopped["signal"], "SIGTERM", "{last}");
    assert_eq!(stopped["epochs"], epochs.len(), "{last}");
    assert_eq!(epochs_in_message(&stderr), epochs.len(), "{stderr}");
    for line in epochs {
        let epoch: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(epoch.get("epoch").is_some(), "not an epoch line: {line}");
    }
    assert!(!temp.path().join("model/model.npz").exists());
}

#[test]
fn inherited_ignored_sigint_stays_ignored() {
    let temp = TempDir::new().unwrap();
    write_dataset(temp.path());
    // `trap '' INT` sets SIGINT to ignored, and `exec` keeps it so, as a
    // shell without job control does for `train &`.
    let mut command = Command::new("sh");
    command
        .current_dir(temp.path())
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .stdin(Stdio::null())
        .args(["-c", "trap '' INT; exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_imdb-tui"))
        .args(LONG_RUN);
    let mut training = Training::start(command, temp.path());

    training.wait_for_lines(1);
    training.signal("INT");
    // Two more epochs show that the run went on after SIGINT.
    training.wait_for_lines(3);
    training.signal("TERM");
    let status = training.finish();

    let stderr = fs::read_to_string(temp.path().join("stderr.txt")).unwrap();
    assert_eq!(status.code(), Some(143), "{status}; stderr:\n{stderr}");
    assert!(
        stderr.contains("Training stopped by SIGTERM after "),
        "{stderr}"
    );
    assert!(!stderr.contains("SIGINT"), "{stderr}");
}

#[test]
fn second_signal_exits_at_once() {
    let temp = TempDir::new().unwrap();
    write_dataset(temp.path());
    // Batches of all 200 training reviews take long enough that the
    // second signal, sent right after the first, arrives while the run is
    // still stopping.
    let mut command = imdb_tui(temp.path());
    let mut options = LONG_RUN;
    options[15] = "200";
    command.args(options);
    let mut training = Training::start(command, temp.path());

    training.wait_for_lines(1);
    let status = Command::new("sh")
        .args(["-c", "kill -INT \"$0\"; kill -TERM \"$0\""])
        .arg(training.child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success(), "sending the two signals failed");
    let status = training.finish();

    let stderr = fs::read_to_string(temp.path().join("stderr.txt")).unwrap();
    assert_eq!(status.code(), Some(143), "{status}; stderr:\n{stderr}");
    assert!(
        stderr.contains("Received SIGTERM while stopping. Exiting without waiting for the run."),
        "{stderr}"
    );
    assert!(!stderr.contains("Training stopped by"), "{stderr}");
    assert!(!temp.path().join("model/model.npz").exists());
}

#[test]
fn closed_stdout_ends_train_quietly() {
    let temp = TempDir::new().unwrap();
    write_dataset(temp.path());
    for json in [false, true] {
        let mut command = imdb_tui(temp.path());
        command.args(LONG_RUN);
        if json {
            command.arg("--json");
        }
        let output = command.stdout(closed_pipe()).output().unwrap();

        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(OUTPUT_CLOSED),
            "json {json}: {}; stderr:\n{stderr}",
            output.status
        );
        assert!(!stderr.contains("panicked"), "json {json}: {stderr}");
        assert!(!stderr.contains("error"), "json {json}: {stderr}");
        assert!(!temp.path().join("model/model.npz").exists());
    }
    // The trainer logs its cancelled runs: one per case, stopped after the
    // first epoch's line failed to print.
    let log = fs::read_to_string(temp.path().join("data/imdb-tui.log")).unwrap();
    let cancelled: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("training run cancelled"))
        .collect();
    assert_eq!(cancelled.len(), 2, "{log}");
    for line in cancelled {
        assert!(line.contains("epochs_done=1 "), "{line}");
    }
}

#[test]
fn closed_stdout_ends_predict_quietly() {
    let temp = TempDir::new().unwrap();
    write_dataset(temp.path());
    let trained = imdb_tui(temp.path())
        .args(["train", "--data", "reviews.tar.gz", "--vocab", "1000"])
        .args(["--full", "--epochs", "1", "--save", "model.npz"])
        .output()
        .unwrap();
    assert!(
        trained.status.success(),
        "{}",
        String::from_utf8_lossy(&trained.stderr)
    );

    let output = imdb_tui(temp.path())
        .args(["predict", "--model", "model.npz", "great fun", "dull waste"])
        .stdout(closed_pipe())
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(OUTPUT_CLOSED), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn full_stdout_reported_as_error() {
    let temp = TempDir::new().unwrap();
    write_dataset(temp.path());
    let full = File::options().write(true).open("/dev/full").unwrap();
    let output = imdb_tui(temp.path())
        .args(["train", "--data", "reviews.tar.gz", "--vocab", "1000"])
        .args(["--validation-size", "1000", "--epochs", "2"])
        .stdout(full)
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: writing to standard output failed: No space left on device"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn closed_stdout_help_exits_cleanly() {
    let temp = TempDir::new().unwrap();
    for args in [&["--help"][..], &["train", "--help"], &["--version"]] {
        let output = imdb_tui(temp.path())
            .args(args)
            .stdout(closed_pipe())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}
