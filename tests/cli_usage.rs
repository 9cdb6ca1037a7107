//! Command lines as a new user types them, through the real binary: model
//! paths that name the wrong file, the `train` commands that `train`
//! suggests, the note on reviews without known words, and options that a
//! command would ignore.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Output, Stdio};

use common::binary::{imdb_tui, run_in, stderr_of, stdout_of};
use common::reviews::{generated_files, small_files, write_folder};
use tempfile::TempDir;

/// Exit code of an invalid command line.
const USAGE_ERROR: i32 = 2;

/// Checks that the command line was rejected before it did anything.
fn assert_rejected(folder: &Path, args: &[&str], parts: &[&str]) {
    let output = run_in(folder, args);
    let stderr = stderr_of(&output);
    assert_eq!(
        output.status.code(),
        Some(USAGE_ERROR),
        "{args:?}: {stderr}"
    );
    for part in parts {
        assert!(
            stderr.contains(part),
            "{args:?}: stderr lacks {part:?}:\n{stderr}"
        );
    }
    assert!(output.stdout.is_empty(), "{args:?} printed to stdout");
    assert!(
        !folder.join("data").exists(),
        "{args:?} created data/ before it was rejected"
    );
}

/// Returns a folder with a small dataset in `aclImdb/`: 4 training reviews.
fn folder_with_small_data() -> TempDir {
    let temp = TempDir::new().unwrap();
    write_folder(temp.path(), &small_files());
    temp
}

/// Returns a folder with 1,200 training reviews in `aclImdb/`, enough for
/// an exploration run that holds out 1,000 for validation. Its reviews use
/// 16 distinct words.
fn folder_with_data_to_validate() -> TempDir {
    let temp = TempDir::new().unwrap();
    write_folder(temp.path(), &generated_files(600, 6, 3));
    temp
}

/// Trains a final run on `aclImdb/` in `folder` with every word of the
/// generated reviews in the vocabulary, and saves it to `weights`.
fn save_model(folder: &Path, weights: &str) {
    let output = run_in(
        folder,
        &[
            "train", "--data", "aclImdb", "--vocab", "16", "--full", "--epochs", "2", "--save",
            weights,
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
}

/// Returns the text between the first pair of backticks in `line`.
fn quoted_command(line: &str) -> &str {
    let start = line.find('`').expect("a quoted command") + 1;
    let length = line[start..].find('`').expect("a closing backtick");
    &line[start..start + length]
}

mod model_paths {
    use super::*;

    #[test]
    fn save_json_path_rejected() {
        let temp = folder_with_small_data();
        assert_rejected(
            temp.path(),
            &["train", "--data", "aclImdb", "--save", "models/bad3.json"],
            &[
                "invalid value \"models/bad3.json\" for --save",
                "use models/bad3.npz",
            ],
        );
        assert!(!temp.path().join("models").exists());
    }

    #[test]
    fn save_folder_rejected() {
        let temp = folder_with_small_data();
        fs::create_dir(temp.path().join("models")).unwrap();
        for path in ["models", "models/", "."] {
            let output = run_in(temp.path(), &["train", "--save", path]);
            let stderr = stderr_of(&output);
            assert_eq!(output.status.code(), Some(USAGE_ERROR), "{path}: {stderr}");
            assert!(
                stderr.contains(&format!(
                    "invalid value \"{path}\" for --save: it is a folder"
                )),
                "{stderr}"
            );
        }
        assert!(
            fs::read_dir(temp.path().join("models"))
                .unwrap()
                .next()
                .is_none()
        );
    }

    #[test]
    fn model_json_and_folder_rejected() {
        let temp = TempDir::new().unwrap();
        fs::create_dir(temp.path().join("models")).unwrap();
        assert_rejected(
            temp.path(),
            &["predict", "--model", "data/model.json", "a review"],
            &[
                "invalid value \"data/model.json\" for --model",
                "use data/model.npz",
            ],
        );
        assert_rejected(
            temp.path(),
            &["predict", "--model", "models", "a review"],
            &[
                "invalid value \"models\" for --model: it is a folder",
                "models/model.npz",
            ],
        );
    }

    #[test]
    fn rejection_worded_in_chinese() {
        let temp = TempDir::new().unwrap();
        assert_rejected(
            temp.path(),
            &["--lang", "zh", "train", "--save", "x.json"],
            &["--save 的值 \"x.json\" 无效", "x.npz"],
        );
    }

    #[test]
    fn missing_json_suggests_npz() {
        let temp = folder_with_data_to_validate();
        save_model(temp.path(), "model.npz");
        fs::remove_file(temp.path().join("model.json")).unwrap();
        let output = run_in(
            temp.path(),
            &["predict", "--model", "model.npz", "a review"],
        );
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("model file model.json not found"),
            "{stderr}"
        );
        assert!(
            stderr.contains("`imdb-tui train --full --save model.npz`"),
            "{stderr}"
        );
        assert!(!stderr.contains("--save model.json"), "{stderr}");
    }

    #[test]
    fn saved_weights_stay_npz() {
        let temp = folder_with_data_to_validate();
        save_model(temp.path(), "m/model.npz");
        let weights = fs::read(temp.path().join("m/model.npz")).unwrap();
        assert!(
            weights.starts_with(b"PK"),
            "the weights are not an .npz archive"
        );
        let info = fs::read_to_string(temp.path().join("m/model.json")).unwrap();
        assert!(info.trim_start().starts_with('{'), "{info}");
    }
}

mod suggestions {
    use super::*;

    /// Options of an experiment that differs from the classic recipe in
    /// every setting that the suggested command must carry.
    const EXPERIMENT: [&str; 22] = [
        "--units",
        "32",
        "--layers",
        "1",
        "--activation",
        "tanh",
        "--loss",
        "mse",
        "--optimizer",
        "adam",
        "--learning-rate",
        "0.02",
        "--batch-size",
        "64",
        "--vocab",
        "12",
        "--dropout",
        "0.1",
        "--l2",
        "0.001",
        "--seed",
        "7",
    ];

    fn train_experiment(folder: &Path, epochs: &str) -> Output {
        let mut args = vec![
            "train",
            "--data",
            "aclImdb",
            "--validation-size",
            "1000",
            "--epochs",
            epochs,
        ];
        args.extend(EXPERIMENT);
        let output = run_in(folder, &args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        output
    }

    fn summary_line(output: &Output) -> String {
        stdout_of(output)
            .lines()
            .find(|line| line.starts_with("validation loss is lowest"))
            .unwrap_or_else(|| panic!("no summary line:\n{}", stdout_of(output)))
            .to_owned()
    }

    #[test]
    fn retrain_command_keeps_experiment() {
        let temp = folder_with_data_to_validate();
        let output = train_experiment(temp.path(), "30");
        let line = summary_line(&output);
        assert!(line.contains("overfitting begins after it"), "{line}");
        let command = quoted_command(&line);
        assert!(
            command.starts_with("imdb-tui train --full --epochs "),
            "{command}"
        );
        for pair in EXPERIMENT.chunks(2) {
            let option = format!(" {} {}", pair[0], pair[1]);
            assert!(command.contains(&option), "{command} lacks{option}");
        }
        assert!(command.ends_with(" --data aclImdb"), "{command}");
        assert!(!command.contains("--validation-size"), "{command}");

        // Running the suggested command trains the same experiment.
        let mut words: Vec<&str> = command.split(' ').skip(1).collect();
        words.extend(["--save", "retrained.npz"]);
        let output = run_in(temp.path(), &words);
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        let info = fs::read_to_string(temp.path().join("retrained.json")).unwrap();
        let info: serde_json::Value = serde_json::from_str(&info).unwrap();
        let run = &info["run"];
        assert_eq!(run["hidden_units"], serde_json::json!([32]), "{run}");
        assert_eq!(run["seed"], 7, "{run}");
        assert_eq!(run["batch_size"], 64, "{run}");
        assert_eq!(info["vocabulary"].as_array().unwrap().len(), 12);
    }

    #[test]
    fn lowest_at_last_epoch_not_overfitting() {
        let temp = folder_with_data_to_validate();
        let output = train_experiment(temp.path(), "1");
        let line = summary_line(&output);
        assert!(
            line.starts_with("validation loss is lowest so far at epoch 1"),
            "{line}"
        );
        assert!(line.contains("it has not risen yet"), "{line}");
        assert!(!line.contains("overfitting begins"), "{line}");
        let command = quoted_command(&line);
        assert!(
            command.starts_with("imdb-tui train --epochs 2 "),
            "{command}"
        );
        assert!(!command.contains("--full"), "{command}");
        assert!(command.contains(" --validation-size 1000"), "{command}");
        assert!(command.contains(" --units 32"), "{command}");
    }

    #[test]
    fn json_summary_says_whether_loss_rose() {
        let temp = folder_with_data_to_validate();
        let base = [
            "train",
            "--data",
            "aclImdb",
            "--vocab",
            "12",
            "--validation-size",
            "1000",
            "--json",
        ];
        let cases = [("1", false, "not_risen"), ("30", true, "overfitting")];
        for (epochs, rose, verdict) in cases {
            let mut args = base.to_vec();
            args.extend(["--epochs", epochs, "--learning-rate", "0.02"]);
            let output = run_in(temp.path(), &args);
            assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
            let stdout = stdout_of(&output);
            let last = stdout.lines().last().unwrap();
            let summary: serde_json::Value = serde_json::from_str(last).unwrap();
            assert_eq!(summary["val_loss_rose"], rose, "{epochs} epochs: {last}");
            assert_eq!(summary["verdict"], verdict, "{epochs} epochs: {last}");
        }
    }
}

mod summary_verdicts {
    use super::*;

    /// Trains on the 1,200 generated reviews at learning rate 1 with
    /// `extra` options, and returns the output.
    fn train_at_learning_rate_one(folder: &Path, extra: &[&str]) -> Output {
        let mut args = vec![
            "train",
            "--data",
            "aclImdb",
            "--vocab",
            "12",
            "--validation-size",
            "1000",
            "--epochs",
            "5",
            "--learning-rate",
            "1",
        ];
        args.extend(extra);
        let output = run_in(folder, &args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        output
    }

    #[test]
    fn saturated_run_not_learning() {
        // At learning rate 1 the outputs saturate within the first epoch,
        // so validation loss is the same at every epoch.
        let temp = folder_with_data_to_validate();

        let output = train_at_learning_rate_one(temp.path(), &["--json"]);
        let stdout = stdout_of(&output);
        let last = stdout.lines().last().unwrap();
        let summary: serde_json::Value = serde_json::from_str(last).unwrap();
        assert_eq!(summary["verdict"], "not_learning", "{last}");
        assert_eq!(summary["val_loss_rose"], false, "{last}");

        let output = train_at_learning_rate_one(temp.path(), &[]);
        let stdout = stdout_of(&output);
        let line = stdout
            .lines()
            .find(|line| line.starts_with("the run is not learning: "))
            .unwrap_or_else(|| panic!("no not-learning line:\n{stdout}"));
        assert!(line.contains(" at every epoch."), "{line}");
        assert!(line.contains("Try a lower learning rate"), "{line}");
        assert!(!stdout.contains("overfitting"), "{stdout}");
        assert!(!stdout.contains("--full"), "{stdout}");

        let output = train_at_learning_rate_one(temp.path(), &["--lang", "zh"]);
        let stdout = stdout_of(&output);
        assert!(stdout.contains("这次训练没有学到东西："), "{stdout}");
        assert!(stdout.contains("请降低学习率"), "{stdout}");
    }
}

mod predict_notes {
    use super::*;

    #[test]
    fn unknown_words_noted_on_stderr() {
        let temp = folder_with_data_to_validate();
        save_model(temp.path(), "model.npz");
        let long = "xyzzy ".repeat(20);

        let output = run_in(
            temp.path(),
            &[
                "predict",
                "--model",
                "model.npz",
                "great fun",
                "",
                "xyzzy",
                "电影很好",
                &long,
            ],
        );
        let stdout = stdout_of(&output);
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert_eq!(stdout.lines().count(), 5, "{stdout}");
        assert!(
            stdout.lines().all(|line| line.split('\t').count() == 2),
            "{stdout}"
        );

        assert!(!stderr.contains("review 1 "), "{stderr}");
        for expected in [
            "note: review 2 (\"\") has no words in the vocabulary",
            "note: review 3 (\"xyzzy\") has no words in the vocabulary",
            "note: review 4 (\"电影很好\") has no words in the vocabulary",
            "note: review 5 (\"xyzzy xyzzy xyzzy xyzzy xyzzy...\")",
        ] {
            assert!(
                stderr.contains(expected),
                "stderr lacks {expected:?}:\n{stderr}"
            );
        }
        assert!(stderr.contains("biases alone"), "{stderr}");
    }

    #[test]
    fn stdin_lines_numbered_in_note() {
        let temp = folder_with_data_to_validate();
        save_model(temp.path(), "model.npz");
        let mut child = imdb_tui(temp.path())
            .args(["predict", "--model", "model.npz"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"great\nqqq\n")
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert_eq!(stdout_of(&output).lines().count(), 2);
        assert!(stderr.contains("note: review 2 (\"qqq\")"), "{stderr}");
        assert!(!stderr.contains("review 1 "), "{stderr}");
    }
}

mod ignored_options {
    use super::*;

    #[test]
    fn fetch_data_rejects_data_options() {
        let temp = TempDir::new().unwrap();
        for (args, option) in [
            (&["fetch-data", "--no-download"][..], "--no-download"),
            (&["--no-download", "fetch-data"], "--no-download"),
            (&["fetch-data", "--vocab", "500"], "--vocab"),
            (&["fetch-data", "--data", "x.tar.gz"], "--data"),
            (&["--epochs", "3", "fetch-data"], "--epochs"),
        ] {
            let expected = format!("error: {option} does not apply to `imdb-tui fetch-data`");
            assert_rejected(temp.path(), args, &[&expected]);
        }
    }

    #[test]
    fn predict_rejects_data_options() {
        let temp = TempDir::new().unwrap();
        for (args, option) in [
            (&["predict", "--data", "aclImdb", "text"][..], "--data"),
            (&["predict", "--vocab", "20", "text"], "--vocab"),
            (&["--units", "64", "predict", "text"], "--units"),
        ] {
            let expected = format!("error: {option} does not apply to `imdb-tui predict`");
            assert_rejected(temp.path(), args, &[&expected]);
        }
    }

    #[test]
    fn setting_before_train_rejected() {
        let temp = folder_with_small_data();
        assert_rejected(
            temp.path(),
            &["--units", "64", "train", "--data", "aclImdb"],
            &["--units before the command", "imdb-tui train --units"],
        );
    }

    #[test]
    fn refused_download_names_fetch_data() {
        let temp = TempDir::new().unwrap();
        // A port that was free a moment ago refuses the connection.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/aclImdb_v1.tar.gz");
        let output = run_in(temp.path(), &["fetch-data", "--url", &url]);
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("refused"), "{stderr}");
        assert!(
            stderr.contains("`imdb-tui fetch-data --url URL` (or set IMDB_DATA_URL)"),
            "{stderr}"
        );
        assert!(stderr.contains("in data/ by hand"), "{stderr}");
        assert!(!stderr.contains("with --url or"), "{stderr}");
    }
}
