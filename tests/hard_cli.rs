//! Hard command lines through the real binary: invalid options, missing or
//! damaged data, and a dashboard started without a terminal. Each case
//! checks the exit code and the wording of standard error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::process::{Command, Output, Stdio};

use common::binary::{run_in, stderr_of};
use common::reviews::{small_files, write_folder};
use tempfile::TempDir;

/// Exit code of clap's usage errors.
const USAGE_ERROR: i32 = 2;
/// Exit code of every other failure.
const FAILURE: i32 = 1;

/// Checks the exit code and that standard error contains each part.
fn assert_fails(output: &Output, code: i32, parts: &[&str]) {
    let stderr = stderr_of(output);
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    for part in parts {
        assert!(stderr.contains(part), "stderr lacks {part:?}:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Returns a temporary folder with a small extracted dataset in `aclImdb/`.
fn folder_with_data() -> TempDir {
    let temp = TempDir::new().unwrap();
    write_folder(temp.path(), &small_files());
    temp
}

#[test]
fn epochs_out_of_range_rejected() {
    let temp = folder_with_data();
    for (value, reason) in [
        ("0", "(allowed: 1 to 200)"),
        ("201", "(allowed: 1 to 200)"),
        ("abc", "(allowed: 1 to 200)"),
        ("-3", "unexpected argument"),
    ] {
        for prefix in [&[][..], &["train"][..]] {
            let mut args = prefix.to_vec();
            args.extend(["--data", "aclImdb", "--epochs", value]);
            let output = run_in(temp.path(), &args);
            assert_fails(&output, USAGE_ERROR, &[reason]);
            if value != "-3" {
                assert_fails(&output, USAGE_ERROR, &["--epochs", value]);
            }
        }
    }
    assert!(
        !temp.path().join("data").exists(),
        "a rejected command prepared data"
    );
}

#[test]
fn vocabulary_size_zero_rejected() {
    let temp = folder_with_data();
    let output = run_in(temp.path(), &["train", "--data", "aclImdb", "--vocab", "0"]);
    assert_fails(&output, USAGE_ERROR, &["--vocab", "0 is not in 1.."]);
}

#[test]
fn vocabulary_larger_than_words_rejected() {
    let temp = folder_with_data();
    let output = run_in(
        temp.path(),
        &["train", "--data", "aclImdb", "--vocab", "100000"],
    );
    // The fixture's training reviews use the 16 words of the generator.
    assert_fails(
        &output,
        FAILURE,
        &["vocabulary size 100000", "choose at most"],
    );
}

#[test]
fn unknown_option_rejected() {
    let temp = folder_with_data();
    for args in [
        &["--bogus"][..],
        &["train", "--bogus"],
        &["predict", "--bogus"],
    ] {
        let output = run_in(temp.path(), args);
        assert_fails(
            &output,
            USAGE_ERROR,
            &["unexpected argument '--bogus'", "--help"],
        );
    }
}

#[test]
fn data_given_twice_rejected() {
    let temp = folder_with_data();
    // Before and after the command, clap alone would keep the last value
    // without a word.
    for args in [
        &["train", "--data", "aclImdb", "--data", "aclImdb"][..],
        &["--data", "aclImdb", "train", "--data", "elsewhere"],
        &["--data=aclImdb", "train", "--data=elsewhere"],
        &["--vocab", "4", "train", "--vocab", "5"],
    ] {
        let output = run_in(temp.path(), args);
        assert_fails(
            &output,
            USAGE_ERROR,
            &["is given 2 times; give it once", "--help"],
        );
    }

    // After `--`, `--lang` is review text for predict, not an option.
    let output = run_in(
        temp.path(),
        &[
            "--lang", "en", "predict", "--model", "none.npz", "--", "--lang",
        ],
    );
    assert_fails(&output, FAILURE, &["model file none.npz not found"]);
}

#[test]
fn missing_data_path_reported() {
    let temp = TempDir::new().unwrap();
    let output = run_in(temp.path(), &["train", "--data", "nowhere.tar.gz"]);
    assert_fails(
        &output,
        FAILURE,
        &["nowhere.tar.gz does not exist", "--data", "fetch-data"],
    );

    // Without --data, and without a terminal to ask on, the error names
    // where the dataset was looked for instead of offering the download.
    let output = run_in(temp.path(), &["train"]);
    assert_fails(&output, FAILURE, &["data", "fetch-data"]);
}

#[test]
fn damaged_data_reported() {
    let temp = TempDir::new().unwrap();
    fs::write(temp.path().join("empty.tar.gz"), b"").unwrap();
    fs::write(temp.path().join("text.tar.gz"), b"not compressed at all").unwrap();
    fs::create_dir_all(temp.path().join("photos/train")).unwrap();

    let cases = [
        ("empty.tar.gz", &["empty.tar.gz is empty", "fetch-data"][..]),
        ("text.tar.gz", &["text.tar.gz", "not a gzip file"]),
        (
            "photos",
            &["photos is not an IMDB dataset folder", "train/pos"],
        ),
    ];
    for (path, parts) in cases {
        let output = run_in(temp.path(), &["train", "--data", path]);
        assert_fails(&output, FAILURE, parts);
    }
}

#[test]
fn dashboard_without_terminal_points_to_train() {
    let temp = folder_with_data();
    let output = run_in(temp.path(), &["--data", "aclImdb"]);
    assert_fails(
        &output,
        FAILURE,
        &["standard output is not a terminal", "imdb-tui train"],
    );
    assert!(output.stdout.is_empty(), "escape codes reached the pipe");
}

#[test]
fn save_folder_created_before_training() {
    let temp = folder_with_data();
    let output = run_in(
        temp.path(),
        &[
            "train",
            "--data",
            "aclImdb",
            "--vocab",
            "8",
            "--full",
            "--epochs",
            "1",
            "--save",
            "models/new/model.npz",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(temp.path().join("models/new/model.npz").is_file());
    assert!(temp.path().join("models/new/model.json").is_file());

    // A folder that cannot be created fails before any epoch runs.
    fs::write(temp.path().join("plain-file"), b"x").unwrap();
    let output = run_in(
        temp.path(),
        &[
            "train",
            "--data",
            "aclImdb",
            "--vocab",
            "8",
            "--full",
            "--epochs",
            "1",
            "--save",
            "plain-file/model.npz",
        ],
    );
    assert_fails(
        &output,
        FAILURE,
        &["failed to create the folder plain-file for --save"],
    );
    assert!(output.stdout.is_empty(), "it trained before failing");
}

#[test]
fn save_failure_names_cause_once() {
    let temp = folder_with_data();
    // A folder where the .json should go makes its final rename fail. A
    // folder at the weights path itself is rejected before training.
    fs::create_dir_all(temp.path().join("models/model.json")).unwrap();
    let output = run_in(
        temp.path(),
        &[
            "train",
            "--data",
            "aclImdb",
            "--vocab",
            "8",
            "--full",
            "--epochs",
            "1",
            "--save",
            "models/model.npz",
        ],
    );
    assert_fails(
        &output,
        FAILURE,
        &["failed to write model file models/model.json"],
    );
    let stderr = stderr_of(&output);
    assert_eq!(
        stderr.matches("os error").count(),
        1,
        "the cause is repeated:\n{stderr}"
    );
    let mut left: Vec<_> = fs::read_dir(temp.path().join("models"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["model.json", "model.npz"],
        "a temporary file was left behind"
    );
}

#[test]
fn predict_damaged_model_reported() {
    let temp = TempDir::new().unwrap();
    fs::write(temp.path().join("empty.npz"), b"").unwrap();
    fs::write(temp.path().join("empty.json"), b"").unwrap();
    let output = run_in(
        temp.path(),
        &["predict", "--model", "empty.npz", "a review"],
    );
    assert_fails(&output, FAILURE, &["invalid model file", "empty.json"]);

    let output = run_in(
        temp.path(),
        &["predict", "--model", "absent.npz", "a review"],
    );
    assert_fails(
        &output,
        FAILURE,
        &[
            "absent.npz not found",
            "imdb-tui train --full --save absent.npz",
        ],
    );
}

#[test]
fn predict_stdin_invalid_utf8_scored() {
    let temp = folder_with_data();
    let output = run_in(
        temp.path(),
        &[
            "train",
            "--data",
            "aclImdb",
            "--vocab",
            "8",
            "--full",
            "--epochs",
            "2",
            "--save",
            "model.npz",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));

    let mut child = Command::new(env!("CARGO_BIN_EXE_imdb-tui"))
        .args(["predict", "--model", "model.npz"])
        .current_dir(temp.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // An invalid byte between two words, NUL, a CRLF line end and a last
    // line without a line break.
    let input = b"great fun\r\nbad\xff dull\n\0awful\0\nloved";
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(stdout.lines().count(), 4, "{stdout}");

    // The invalid byte separates words, so it scores as `bad dull`.
    let expected = run_in(
        temp.path(),
        &[
            "predict",
            "--model",
            "model.npz",
            "great fun",
            "bad dull",
            "awful",
            "loved",
        ],
    );
    assert_eq!(stdout, String::from_utf8_lossy(&expected.stdout));
}

#[test]
fn too_few_reviews_for_validation_explained() {
    // Four training reviews cannot hold out the 10,000 that the
    // exploration run validates on.
    let temp = folder_with_data();
    let output = run_in(temp.path(), &["train", "--data", "aclImdb", "--vocab", "8"]);
    assert_fails(
        &output,
        FAILURE,
        &["validation size 10000", "out of 4", "imdb-tui train --full"],
    );
}
