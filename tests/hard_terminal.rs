//! The real binary in a real terminal: `tmux` runs the dashboard on a
//! generated dataset, resizes it, pipes its output and changes `TERM` and
//! `NO_COLOR`. After each case the pane runs `stty -a`, which must show the
//! terminal back in canonical mode with echo, so raw mode was left.
//!
//! These tests need `tmux` (CI installs it) and no real data. Each test
//! starts its own tmux server on a socket in its temporary folder, and
//! kills only its own session.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::reviews::{generated_files_with_fillers, write_tarball};
use tempfile::TempDir;

/// Maximum wait for the screen to show what a step expects. Generous,
/// because CI machines are shared.
const SCREEN_TIMEOUT: Duration = Duration::from_secs(60);

/// A tmux session on a private socket, killed when dropped.
struct Session {
    socket: PathBuf,
    name: String,
}

impl Session {
    /// Starts `command` through `sh -c` in a detached `width`×`height`
    /// window, in `folder`. `command` should end with `stty -a` and a
    /// `sleep`, so the pane stays open for the last capture.
    fn start(test: &str, folder: &Path, width: u16, height: u16, command: &str) -> Self {
        let session = Self {
            socket: folder.join(format!("tmux-{test}.sock")),
            name: format!("imdb-hard-{test}"),
        };
        let status = Command::new("tmux")
            .arg("-S")
            .arg(&session.socket)
            .args(["-f", "/dev/null", "new-session", "-d"])
            .args([
                "-s",
                &session.name,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .arg("-c")
            .arg(folder)
            .args(["sh", "-c", command])
            .env_remove("IMDB_DATA")
            .env_remove("NO_COLOR")
            .status();
        match status {
            Ok(status) if status.success() => session,
            Ok(status) => panic!("tmux new-session failed with {status}"),
            Err(error) => panic!(
                "could not run tmux ({error}): the terminal tests need tmux, so install it \
                 (apt-get install tmux) and run them again"
            ),
        }
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        let output = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        assert!(
            output.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Returns the pane's text; with `escapes`, also its colour and style
    /// escape sequences.
    fn capture(&self, escapes: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", &self.name];
        if escapes {
            args.push("-e");
        }
        String::from_utf8_lossy(&self.tmux(&args).stdout).into_owned()
    }

    /// Waits until the pane's text satisfies `ready` and returns it.
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.capture(false);
            if ready(&screen) {
                return screen;
            }
            if started.elapsed() > SCREEN_TIMEOUT {
                panic!("timed out waiting for {what}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn send_keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend(keys);
        self.tmux(&args);
    }

    fn resize(&self, width: u16, height: u16) {
        self.tmux(&[
            "resize-window",
            "-t",
            &self.name,
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

/// Writes a dataset large enough for the dashboard's exploration run,
/// which holds out 10,000 training reviews for validation: 12,000 training
/// and 100 test reviews. Returns the tarball's path.
fn write_dataset(folder: &Path) -> PathBuf {
    let mut files = generated_files_with_fillers(6_000, 20, 200, 7);
    let (mut positive, mut negative) = (0, 0);
    files.retain(|(path, _)| {
        let counter = if path.starts_with("test/pos/") {
            &mut positive
        } else if path.starts_with("test/neg/") {
            &mut negative
        } else {
            return true;
        };
        *counter += 1;
        *counter <= 50
    });
    write_tarball(&folder.join("reviews.tar.gz"), &files)
}

/// Returns the shell command that runs the dashboard with `environment`
/// and `options`, then prints its exit code and the terminal settings.
fn dashboard_command(environment: &str, options: &str) -> String {
    format!(
        "{environment} '{}' --data reviews.tar.gz --vocab 2000 {options}; \
         echo \"exit=$?\"; stty -a; sleep 600",
        env!("CARGO_BIN_EXE_imdb-tui")
    )
}

/// Checks that `stty -a` in `screen` shows canonical mode and echo on, the
/// settings raw mode turns off.
fn assert_terminal_restored(screen: &str) {
    let settings: Vec<&str> = screen.split_whitespace().collect();
    assert!(
        settings.contains(&"icanon"),
        "icanon is off after exit:\n{screen}"
    );
    assert!(
        settings.contains(&"echo"),
        "echo is off after exit:\n{screen}"
    );
}

/// Returns the exit code printed by the command's `echo "exit=$?"`.
fn exit_code(screen: &str) -> Option<i32> {
    let start = screen.find("exit=")? + "exit=".len();
    let digits: String = screen[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Quits the dashboard. `q` requests confirmation while a run is going and
/// quits at once after it. The run may end before the first key arrives,
/// so this keeps quitting until the dashboard is gone. A run that ends
/// while the dialog is open leaves it open, with another question but the
/// same `y: quit`.
fn quit_dashboard(session: &Session) {
    for _ in 0..20 {
        if session.capture(false).contains("exit=") {
            break;
        }
        session.send_keys(&["q"]);
        std::thread::sleep(Duration::from_millis(200));
        if session.capture(false).contains("y: quit") {
            session.send_keys(&["y"]);
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn stty_printed(screen: &str) -> bool {
    screen.contains("icanon") && screen.contains("exit=")
}

/// Returns whether `text` contains an SGR escape sequence that sets a
/// foreground or background colour (`ESC [ … m` with 30–38, 40–48, 90–97
/// or 100–107). Resets to the default colour (39, 49) do not count.
fn has_colour_escape(text: &str) -> bool {
    let mut rest = text;
    while let Some(start) = rest.find("\x1b[") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find(|c: char| !(c.is_ascii_digit() || c == ';')) else {
            break;
        };
        if rest[end..].starts_with('m') {
            let colour = rest[..end]
                .split(';')
                .filter_map(|parameter| parameter.parse::<u32>().ok())
                .any(|parameter| matches!(parameter, 30..=38 | 40..=48 | 90..=97 | 100..=107));
            if colour {
                return true;
            }
        }
        rest = &rest[end..];
    }
    false
}

#[test]
fn resize_during_training_and_back() {
    let temp = TempDir::new().unwrap();
    write_dataset(temp.path());
    let session = Session::start(
        "resize",
        temp.path(),
        100,
        30,
        &dashboard_command("", "--epochs 200 --batch-size 1"),
    );

    session.wait_for("the exploration run", |screen| {
        screen.contains("Phase: exploring") && screen.contains("epoch ")
    });
    session.resize(20, 6);
    let small = session.wait_for("the too-small message", |screen| {
        screen.contains("20x6") && screen.contains("80x24")
    });
    assert!(small.contains("enlarge"), "{small}");

    session.resize(100, 30);
    let restored = session.wait_for("the dashboard at 100x30", |screen| {
        screen.contains("IMDB reviews") && screen.contains("Phase:")
    });
    assert!(!restored.contains("80x24"), "{restored}");
    // 200 epochs of one-review steps on 2,000 reviews are 400,000 steps,
    // seconds even at a few microseconds each, and the two resizes take
    // milliseconds, so the run is still going.
    assert!(
        restored.contains("Phase: exploring"),
        "the run ended before the window was restored:\n{restored}"
    );

    quit_dashboard(&session);
    let screen = session.wait_for("the exit and stty output", stty_printed);
    assert_eq!(exit_code(&screen), Some(0), "{screen}");
    assert_terminal_restored(&screen);
}

#[test]
fn stdout_not_terminal_points_to_train() {
    let temp = TempDir::new().unwrap();
    write_dataset(temp.path());
    let command = format!(
        "'{}' --data reviews.tar.gz | cat; echo \"exit=$?\"; stty -a; sleep 600",
        env!("CARGO_BIN_EXE_imdb-tui")
    );
    let session = Session::start("pipe", temp.path(), 100, 30, &command);

    let screen = session.wait_for("the exit and stty output", stty_printed);
    assert!(
        screen.contains("standard output is not a terminal"),
        "{screen}"
    );
    assert!(screen.contains("imdb-tui train"), "{screen}");
    assert_terminal_restored(&screen);
}

#[test]
fn dumb_terminal_explained() {
    let temp = TempDir::new().unwrap();
    write_dataset(temp.path());
    let session = Session::start(
        "dumb",
        temp.path(),
        100,
        30,
        &dashboard_command("TERM=dumb", ""),
    );

    let screen = session.wait_for("the exit and stty output", stty_printed);
    assert_eq!(exit_code(&screen), Some(1), "{screen}");
    assert!(screen.contains("TERM is \"dumb\""), "{screen}");
    assert!(screen.contains("xterm or tmux"), "{screen}");
    assert!(!screen.contains("panicked"), "{screen}");
    assert_terminal_restored(&screen);
}

#[test]
fn no_color_draws_without_colour() {
    let temp = TempDir::new().unwrap();
    write_dataset(temp.path());

    for (name, environment, coloured) in [("colour", "", true), ("nocolour", "NO_COLOR=1", false)] {
        let session = Session::start(
            name,
            temp.path(),
            100,
            30,
            &dashboard_command(environment, "--epochs 3"),
        );
        session.wait_for("the finished exploration run", |screen| {
            screen.contains("Validation loss is lowest")
        });
        let screen = session.capture(true);
        assert_eq!(
            has_colour_escape(&screen),
            coloured,
            "{environment:?}: colour escapes {}expected in:\n{screen:?}",
            if coloured { "" } else { "not " }
        );

        quit_dashboard(&session);
        let screen = session.wait_for("the exit and stty output", stty_printed);
        assert_eq!(exit_code(&screen), Some(0), "{screen}");
        assert_terminal_restored(&screen);
    }
}

#[test]
fn colour_escape_detection() {
    assert!(has_colour_escape("\x1b[31mred\x1b[39m"));
    assert!(has_colour_escape("\x1b[1;38;5;202mbold orange"));
    assert!(has_colour_escape("\x1b[48;2;0;0;0m"));
    assert!(!has_colour_escape(
        "\x1b[1mbold\x1b[0m \x1b[7mreverse\x1b[27m"
    ));
    assert!(!has_colour_escape("\x1b[39m\x1b[49m plain"));
}

#[test]
fn data_failure_shown_then_quit() {
    let temp = TempDir::new().unwrap();
    let tarball = write_dataset(temp.path());
    let bytes = std::fs::read(&tarball).unwrap();
    std::fs::write(&tarball, &bytes[..bytes.len() / 3]).unwrap();
    let session = Session::start(
        "truncated",
        temp.path(),
        100,
        30,
        &dashboard_command("", ""),
    );

    let screen = session.wait_for("the data failure", |screen| {
        screen.contains("Phase: failed")
    });
    assert!(screen.contains("reviews.tar.gz is truncated"), "{screen}");

    // Keys still work: help opens and closes, and `q` quits at once.
    session.send_keys(&["?"]);
    session.wait_for("the help", |screen| screen.contains("q / Esc"));
    session.send_keys(&["x", "q"]);
    let screen = session.wait_for("the exit and stty output", stty_printed);
    assert!(exit_code(&screen).is_some(), "{screen}");
    assert_terminal_restored(&screen);
}

/// Returns tmux's `alternate_on` and `cursor_flag` for the pane: whether it
/// shows the alternate screen, and whether the cursor is visible.
fn alternate_screen_and_cursor(session: &Session) -> String {
    let output = session.tmux(&[
        "display-message",
        "-p",
        "-t",
        &session.name,
        "alt=#{alternate_on} cursor=#{cursor_flag}",
    ]);
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn termination_signal_restores_terminal() {
    let temp = TempDir::new().unwrap();
    write_dataset(temp.path());

    // SIGINT comes from outside here: Ctrl-C typed in the dashboard is a
    // key in raw mode.
    for signal in ["TERM", "HUP", "INT"] {
        // The inner shell writes its pid and then becomes the dashboard, so
        // the signal goes to the dashboard and not to the shell around it.
        let command = format!(
            "sh -c 'echo $$ > dashboard.pid; exec \"$0\" --data reviews.tar.gz --vocab 2000 \
             --epochs 100' '{}'; echo \"exit=$?\"; stty -a; sleep 600",
            env!("CARGO_BIN_EXE_imdb-tui")
        );
        let name = format!("signal{signal}");
        let session = Session::start(&name, temp.path(), 100, 30, &command);
        session.wait_for("the exploration run", |screen| {
            screen.contains("Phase: exploring") && screen.contains("epoch ")
        });
        assert_eq!(alternate_screen_and_cursor(&session), "alt=1 cursor=0");

        let pid = std::fs::read_to_string(temp.path().join("dashboard.pid")).unwrap();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), pid.trim()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} {pid} failed");

        let screen = session.wait_for("the exit and stty output", stty_printed);
        assert_eq!(exit_code(&screen), Some(0), "SIG{signal}:\n{screen}");
        assert_terminal_restored(&screen);
        assert_eq!(
            alternate_screen_and_cursor(&session),
            "alt=0 cursor=1",
            "SIG{signal} left the alternate screen on or the cursor hidden"
        );
    }
}
