//! End-to-end test of the release binary in a real terminal: tmux.
//!
//! It starts the dashboard on the full dataset in a detached 120×40 tmux
//! session, reads the screen with `tmux capture-pane` and presses keys with
//! `tmux send-keys`, as a user would. It waits for the 20-epoch exploration
//! run and its overfitting sentence, then retrains for the epoch that the
//! sentence names and types a review. Last it quits and checks that the
//! terminal is back in cooked mode on the main screen.
//!
//! A second test times one key in the review box in process, on the real
//! vocabulary, without tmux: the figure that docs/benchmarks.md reports
//! beside the one measured through tmux.
//!
//! Both are ignored by default, so `cargo test` stays offline and needs no
//! tmux. Run them with `IMDB_DATA=path/to/aclImdb_v1.tar.gz cargo test
//! --release --test e2e_tmux -- --include-ignored --nocapture`. Without
//! `IMDB_DATA`, or without `tmux` for the first, they fail with a message
//! that names what is missing.

// Helpers outside `#[test]` functions fail the test by panicking too.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::rc::Rc;
use std::sync::Arc;
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use imdb_tui::data::{DATA_ENV_VAR, PrepareOptions, locate_from, prepare};
use imdb_tui::i18n::Lang;
use imdb_tui::model::Network;
use imdb_tui::train::{EpochMetrics, RunConfig, TrainEvent};
use imdb_tui::ui::{App, AppEvent, Focus, Theme, draw};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

const IGNORE_REASON: &str = "needs IMDB_DATA and tmux; run with --include-ignored";

/// Terminal size in columns and rows. At 120 columns the overfitting
/// sentence fits on one line, but `screen_text` joins lines anyway.
const COLUMNS: u16 = 120;
const ROWS: u16 = 40;

/// Maximum wait for one screen state. A 20-epoch run from the tarball takes
/// a few seconds on two cores, so this leaves room for a loaded machine.
const DEADLINE: Duration = Duration::from_secs(60);
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Printed by the wrapper shell once the dashboard has exited.
const EXIT_MARKER: &str = "imdb-tui exited with status";
const WRAPPER_DONE: &str = "e2e wrapper done";

/// Short enough to stay on one line of the review box at 120 columns, so the
/// whole text is on screen once the last key has been handled.
const REVIEW: &str = "A wonderful, moving film with a brilliant cast.";

/// Runs the dashboard, then reports its exit status and the terminal
/// settings in the same pane, then stays alive so the pane can be read.
const WRAPPER_SCRIPT: &str = r#""$0" --lang en --data "$1"
status=$?
printf '\n%s %s\n' "imdb-tui exited with status" "$status"
stty -a
printf '%s\n' "e2e wrapper done"
exec sleep 600
"#;

/// A detached tmux session on a private server, whose socket lies in the
/// test's temporary directory, so that no socket file outlives the test.
/// Dropping it kills the session, so a failed assert leaves no dashboard
/// running. The server exits by itself once its only session is gone.
struct TmuxSession {
    socket: PathBuf,
    name: String,
}

impl TmuxSession {
    fn start(name: &str, directory: &Path, program: &Path, data: &Path) -> TmuxSession {
        let session = TmuxSession {
            socket: directory.join("tmux.sock"),
            name: name.to_owned(),
        };
        let output = session.tmux(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &COLUMNS.to_string(),
            "-y",
            &ROWS.to_string(),
            "-c",
            path_str(directory),
            "sh",
            "-c",
            WRAPPER_SCRIPT,
            path_str(program),
            path_str(data),
        ]);
        assert!(
            output.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        session
    }

    /// Runs a tmux command on this session's server. `-f /dev/null` keeps
    /// the user's tmux configuration out of the test.
    fn tmux(&self, arguments: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-u", "-f", "/dev/null", "-S", path_str(&self.socket)])
            .args(arguments)
            .output()
            .unwrap_or_else(|error| panic!("running tmux failed: {error} ({IGNORE_REASON})"))
    }

    fn capture(&self) -> String {
        let output = self.tmux(&["capture-pane", "-p", "-t", &self.name]);
        assert!(
            output.status.success(),
            "tmux capture-pane failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Returns a tmux format such as `#{alternate_on}` for the pane.
    fn display(&self, format: &str) -> String {
        let output = self.tmux(&["display-message", "-p", "-t", &self.name, format]);
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Sends keys by tmux key name, such as `Enter`, `Tab` or `Escape`.
    fn send_keys(&self, keys: &[&str]) {
        let mut arguments = vec!["send-keys", "-t", &self.name];
        arguments.extend_from_slice(keys);
        let output = self.tmux(&arguments);
        assert!(
            output.status.success(),
            "tmux send-keys {keys:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Types `text` literally, one key per character.
    fn send_text(&self, text: &str) {
        let output = self.tmux(&["send-keys", "-t", &self.name, "-l", text]);
        assert!(
            output.status.success(),
            "tmux send-keys -l failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Polls the screen until `ready` accepts it and returns that screen, or
    /// fails the test with the last screen after `DEADLINE`.
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.capture();
            if ready(&screen) {
                return screen;
            }
            if started.elapsed() > DEADLINE {
                panic!(
                    "timed out after {} s waiting for {what}; last screen:\n{screen}",
                    DEADLINE.as_secs()
                );
            }
            sleep(POLL_INTERVAL);
        }
    }
}

impl Drop for TmuxSession {
    fn drop(&mut self) {
        // The session may already be gone, so the result does not matter.
        let _ = self.tmux(&["kill-session", "-t", &self.name]);
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str()
        .unwrap_or_else(|| panic!("path is not UTF-8: {}", path.display()))
}

/// Returns the dataset path from `IMDB_DATA`, failing the test when it is
/// not set: an end-to-end test must never pass by skipping.
fn data_path() -> PathBuf {
    let Some(value) = std::env::var_os(DATA_ENV_VAR).filter(|value| !value.is_empty()) else {
        panic!(
            "{DATA_ENV_VAR} is not set; set it to aclImdb_v1.tar.gz, aclImdb-labeled.tar.gz \
             or the extracted aclImdb folder to run these ignored tests"
        );
    };
    let path = PathBuf::from(value);
    assert!(
        path.exists(),
        "{DATA_ENV_VAR}={} does not exist; point it at the dataset",
        path.display()
    );
    std::path::absolute(&path)
        .unwrap_or_else(|error| panic!("{DATA_ENV_VAR}={}: {error}", path.display()))
}

/// Fails the test unless `tmux -V` runs.
fn require_tmux() {
    match Command::new("tmux").arg("-V").output() {
        Ok(output) if output.status.success() => {}
        Ok(output) => panic!(
            "tmux -V failed with {}: {} ({IGNORE_REASON})",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => panic!(
            "tmux is not installed or not on PATH ({error}); install it, for example \
             with `apt-get install tmux` ({IGNORE_REASON})"
        ),
    }
}

/// Returns a session name that no other test run uses.
fn unique_session_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or_default();
    format!("imdb-tui-e2e-{}-{nanos}", std::process::id())
}

/// Joins the screen's lines with spaces, dropping the border and padding
/// around them, so that a sentence wrapped over two lines reads as one.
fn screen_text(screen: &str) -> String {
    screen
        .lines()
        .map(|line| line.trim_matches(|c: char| c == ' ' || c == '│' || c == '║'))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses N out of "Validation loss is lowest at epoch N (…) … Press r to
/// retrain with N epochs.", returning `None` until the sentence is on
/// screen. Both numbers must agree.
fn overfitting_epoch(screen: &str) -> Option<usize> {
    let text = screen_text(screen);
    let start = text.find("Validation loss is lowest at epoch ")?;
    let sentence = &text[start..];
    let end = sentence.find(" epochs.")?;
    let sentence = &sentence[..end + " epochs.".len()];

    let first = sentence["Validation loss is lowest at epoch ".len()..]
        .split_whitespace()
        .next()?;
    let offer = sentence.find("Press r to retrain with ")?;
    let second = sentence[offer + "Press r to retrain with ".len()..]
        .split_whitespace()
        .next()?;
    if !sentence.contains("rises after it: overfitting.") || first != second {
        return None;
    }
    first.parse().ok()
}

/// Parses the test-set line "Test set: loss L, accuracy A%".
fn test_result(screen: &str) -> Option<(f64, f64)> {
    let text = screen_text(screen);
    let rest = &text[text.find("Test set: loss ")? + "Test set: loss ".len()..];
    let (loss, rest) = rest.split_once(", accuracy ")?;
    let accuracy = rest.split('%').next()?;
    Some((loss.parse().ok()?, accuracy.parse().ok()?))
}

/// Parses the prediction line "P = 0.711  positive" of the review box.
fn prediction(screen: &str) -> Option<(f64, String)> {
    let line = screen.lines().find(|line| line.contains("P = "))?;
    let mut words = line[line.find("P = ")? + "P = ".len()..].split_whitespace();
    let probability = words.next()?.parse().ok()?;
    let verdict = words.next()?.to_owned();
    Some((probability, verdict))
}

/// Returns the PID of the dashboard: the only child of the pane's
/// shell while the dashboard runs.
fn dashboard_pid(session: &TmuxSession, screen: &str) -> u32 {
    let shell: u32 = session
        .display("#{pane_pid}")
        .parse()
        .unwrap_or_else(|error| panic!("tmux returned no pane_pid ({error}); screen:\n{screen}"));
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
        .unwrap_or_else(|error| {
            panic!("reading the children of pane shell {shell} failed: {error}")
        });
    let pids: Vec<u32> = children
        .split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .collect();
    assert_eq!(
        pids.len(),
        1,
        "pane shell {shell} should have one child, the dashboard; it has {pids:?}"
    );
    pids[0]
}

fn process_is_dashboard(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|name| name.trim() == "imdb-tui")
        .unwrap_or(false)
}

#[test]
#[ignore = "needs IMDB_DATA and tmux; run with --include-ignored"]
fn dashboard_trains_retrains_and_predicts() {
    let data = data_path();
    require_tmux();
    let program = Path::new(env!("CARGO_BIN_EXE_imdb-tui"));
    // The dashboard writes its cache into data/ under its working directory.
    let directory = tempfile::tempdir().expect("creating a temporary directory failed");
    let session = TmuxSession::start(&unique_session_name(), directory.path(), program, &data);

    // Exploration run: 20 epochs and the overfitting sentence. The sentence
    // can appear before the last epoch, so the run must also be done.
    let screen = session.wait_for("epoch 20 of 20 and the overfitting sentence", |screen| {
        screen.contains("Phase: done   epoch 20 of 20") && overfitting_epoch(screen).is_some()
    });
    assert!(
        screen
            .lines()
            .any(|line| line.trim_start_matches('│').trim_start().starts_with("20 ")),
        "epoch table should list epoch 20; screen:\n{screen}"
    );
    assert_eq!(
        session.display("#{alternate_on}"),
        "1",
        "dashboard should draw on the alternate screen; screen:\n{screen}"
    );
    let pid = dashboard_pid(&session, &screen);
    assert!(
        process_is_dashboard(pid),
        "process {pid} should be imdb-tui; screen:\n{screen}"
    );
    let best_epoch = overfitting_epoch(&screen).unwrap();
    assert!(
        (1..=20).contains(&best_epoch),
        "overfitting epoch {best_epoch} should be within 1..=20; screen:\n{screen}"
    );

    // Retrain: the prompt offers the overfitting epoch, so Enter accepts it.
    session.send_keys(&["r"]);
    let screen = session.wait_for("the retrain prompt", |screen| {
        screen.contains("Number of epochs (1 to 200)")
    });
    assert!(
        screen.contains(&format!("> {best_epoch}")),
        "retrain prompt should default to epoch {best_epoch}; screen:\n{screen}"
    );
    session.send_keys(&["Enter"]);
    let screen = session.wait_for("the test-set line", |screen| test_result(screen).is_some());
    let (test_loss, test_accuracy) = test_result(&screen).unwrap();
    let epochs = if best_epoch == 1 { "epoch" } else { "epochs" };
    assert!(
        screen.contains(&format!("Model: retrained model, {best_epoch} {epochs}")),
        "review box should name the retrained model of {best_epoch} epochs; screen:\n{screen}"
    );
    assert!(
        test_loss > 0.0 && test_loss < 0.5,
        "test loss {test_loss} should be within (0, 0.5); screen:\n{screen}"
    );
    // The Keras recipe reaches about 88% on the test reviews.
    assert!(
        (84.0..=95.0).contains(&test_accuracy),
        "test accuracy {test_accuracy}% should be within 84..=95%; screen:\n{screen}"
    );

    // Review box: Tab moves focus from the charts to the table, then to the box.
    session.send_keys(&["Tab", "Tab"]);
    let screen = session.wait_for("focus in the review box", |screen| {
        screen.contains("Typing goes into the review")
    });
    assert!(
        screen.contains("Type or paste a movie review"),
        "review box should be empty before typing; screen:\n{screen}"
    );
    session.send_text(REVIEW);
    let screen = session.wait_for("the typed review and its prediction", |screen| {
        screen.contains(REVIEW) && prediction(screen).is_some()
    });
    let (probability, verdict) = prediction(&screen).unwrap();
    assert!(
        (0.0..=1.0).contains(&probability),
        "probability {probability} should be within [0, 1]; screen:\n{screen}"
    );
    let expected_verdict = if probability >= 0.5 {
        "positive"
    } else {
        "negative"
    };
    assert_eq!(
        verdict, expected_verdict,
        "verdict should match probability {probability}; screen:\n{screen}"
    );
    assert_eq!(
        verdict, "positive",
        "an enthusiastic review should read as positive; screen:\n{screen}"
    );
    assert!(
        screen.contains("distinct words are in the vocabulary"),
        "review box should count the known words; screen:\n{screen}"
    );

    // Leave the box, then quit, and confirm if the quit prompt is shown.
    session.send_keys(&["Escape"]);
    session.wait_for("focus out of the review box", |screen| {
        screen.contains("Tab focus  r retrain")
    });
    session.send_keys(&["q"]);
    let screen = session.wait_for("the dashboard to exit or ask to quit", |screen| {
        screen.contains(EXIT_MARKER) || screen.contains("y: quit")
    });
    if screen.contains("y: quit") {
        session.send_keys(&["y"]);
    }
    let screen = session.wait_for("the wrapper's stty output", |screen| {
        screen.contains(WRAPPER_DONE)
    });

    // The process has ended cleanly, and the terminal is restored.
    assert!(
        screen.contains(&format!("{EXIT_MARKER} 0")),
        "dashboard should exit with status 0; screen:\n{screen}"
    );
    assert!(
        !process_is_dashboard(pid),
        "dashboard process {pid} should have ended; screen:\n{screen}"
    );
    assert_eq!(
        session.display("#{alternate_on}"),
        "0",
        "terminal should be back on the main screen; screen:\n{screen}"
    );
    assert_eq!(
        session.display("#{cursor_flag}"),
        "1",
        "cursor should be visible again; screen:\n{screen}"
    );
    assert!(
        !screen.contains("IMDB reviews: dense network, live"),
        "main screen should show the shell, not the dashboard; screen:\n{screen}"
    );
    let settings: Vec<&str> = screen.split_whitespace().collect();
    assert!(
        settings.contains(&"icanon"),
        "stty should report icanon (raw mode off); screen:\n{screen}"
    );
    assert!(
        settings.contains(&"echo"),
        "stty should report echo (raw mode off); screen:\n{screen}"
    );
    assert!(
        settings.contains(&"isig"),
        "stty should report isig (raw mode off); screen:\n{screen}"
    );
}

/// Metrics of a made-up exploration epoch whose validation loss is lowest
/// at epoch 4. Only the screen layout depends on them.
fn made_up_epoch(epoch: usize) -> EpochMetrics {
    let distance = epoch.abs_diff(4) as f64;
    EpochMetrics {
        epoch,
        train_loss: 0.5 / epoch as f64,
        train_accuracy: 1.0 - 0.2 / epoch as f64,
        val_loss: Some(0.28 + 0.015 * distance),
        val_accuracy: Some(0.88 - 0.002 * distance),
        seconds: 0.05,
    }
}

/// A writer that discards bytes and counts them, standing in for the
/// terminal behind ratatui's crossterm backend.
struct ByteCounter(Rc<Cell<usize>>);

impl io::Write for ByteCounter {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        self.0.set(self.0.get() + buffer.len());
        Ok(buffer.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn median(sorted: &[Duration]) -> Duration {
    sorted[sorted.len() / 2]
}

/// Times each key typed into the review box from `App::handle_key`, which
/// scores the text, to the end of `Terminal::draw`, which diffs the frame
/// and encodes the changed cells as crossterm escape sequences into memory.
/// Not included: the terminal reading the key and showing the bytes, and
/// the event loop's wait of up to 33 ms between frames when keys come
/// faster than that.
#[test]
#[ignore = "needs IMDB_DATA; run with --include-ignored"]
fn review_key_redraw_time() {
    let data = data_path();
    let source = locate_from(None, Some(&data), Path::new("data"))
        .unwrap_or_else(|error| panic!("{DATA_ENV_VAR}={}: {error}", data.display()));
    let prepared = prepare(&source, &PrepareOptions::default(), &mut |_| {})
        .unwrap_or_else(|error| panic!("preparing {source} failed: {error}"));
    let dataset = Arc::new(prepared.dataset);
    // Scoring costs the same for any weights, so an untrained network of the
    // real input width replaces a trained one.
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let model = Arc::new(Network::new(dataset.vocabulary.len(), &[16, 16], &mut rng));

    let mut app = App::new(
        Lang::En,
        Theme::colored(),
        RunConfig::default(),
        Instant::now(),
    );
    let _ = app.handle_event(AppEvent::DataReady(dataset));
    for epoch in 1..=20 {
        let _ = app.handle_event(AppEvent::Train(TrainEvent::EpochFinished {
            metrics: made_up_epoch(epoch),
            model: Arc::clone(&model),
        }));
    }
    let _ = app.handle_event(AppEvent::Train(TrainEvent::Finished {
        model: Arc::clone(&model),
        test: None,
    }));

    let written = Rc::new(Cell::new(0));
    let backend = CrosstermBackend::new(ByteCounter(Rc::clone(&written)));
    let viewport = Viewport::Fixed(Rect::new(0, 0, COLUMNS, ROWS));
    let mut terminal = Terminal::with_options(backend, TerminalOptions { viewport })
        .expect("creating a terminal on a memory buffer failed");
    terminal
        .draw(|frame| draw(frame, &app))
        .expect("drawing the first frame failed");
    for _ in 0..2 {
        let _ = app.handle_key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    }
    assert_eq!(
        app.focus,
        Focus::Review,
        "two Tabs should focus the review box"
    );

    let mut times = Vec::new();
    let mut bytes = Vec::new();
    for character in REVIEW.chars() {
        written.set(0);
        let started = Instant::now();
        let update = app.handle_key(KeyEvent::new(KeyCode::Char(character), KeyModifiers::NONE));
        if update.redraw {
            terminal
                .draw(|frame| draw(frame, &app))
                .expect("drawing a frame failed");
        }
        times.push(started.elapsed());
        bytes.push(written.get());
    }

    assert_eq!(
        app.review.text(),
        REVIEW,
        "review box should hold the typed text"
    );
    assert!(
        app.review.reading().is_some(),
        "review box should show a prediction"
    );
    times.sort();
    bytes.sort();
    let load_file = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load_file.split_whitespace().take(3).collect();
    println!(
        "review key to redrawn frame over {} keys: median {:?}, max {:?}; \
         {} to {} bytes written per frame; load average {}",
        times.len(),
        median(&times),
        times[times.len() - 1],
        bytes[0],
        bytes[bytes.len() - 1],
        load.join(" ")
    );
    // A generous bound for a shared machine: typing must not lag visibly.
    assert!(
        median(&times) < Duration::from_millis(50),
        "median key to redraw took {:?}, over 50 ms",
        median(&times)
    );
}
