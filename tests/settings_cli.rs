//! The run settings as options of the real binary: invalid values are
//! rejected in the user's language before any data is read, and valid ones
//! reach the saved model's JSON.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Command, Stdio};

use common::binary::{run_in, stderr_of};
use common::reviews::{small_files, write_folder};
use tempfile::TempDir;

/// Exit code of an invalid command line.
const USAGE_ERROR: i32 = 2;

/// Option, rejected value and the allowed values as each language words
/// them.
const REJECTED: [(&str, &str, &str, &str); 13] = [
    ("--layers", "5", "1 to 4", "1 到 4"),
    ("--units", "3", "4 to 256", "4 到 256"),
    ("--activation", "sigmoid", "relu, tanh", "relu、tanh"),
    ("--loss", "mae", "bce, mse", "bce、mse"),
    (
        "--optimizer",
        "adagrad",
        "rmsprop, adam, sgd",
        "rmsprop、adam、sgd",
    ),
    (
        "--learning-rate",
        "0",
        "above 0, up to 1",
        "大于 0，不超过 1",
    ),
    ("--batch-size", "25001", "1 to 25,000", "1 到 25,000"),
    (
        "--validation-size",
        "999",
        "1,000 to 20,000",
        "1,000 到 20,000",
    ),
    ("--dropout", "0.95", "0 to 0.9", "0 到 0.9"),
    ("--l2", "1.5", "0 to 1", "0 到 1"),
    ("--epochs", "201", "1 to 200", "1 到 200"),
    ("--seed", "x", "0 to 2^64-1", "0 到 2^64-1"),
    (
        "--learning-rate",
        "nan",
        "above 0, up to 1",
        "大于 0，不超过 1",
    ),
];

#[test]
fn invalid_option_named_in_english() {
    let temp = TempDir::new().unwrap();
    for (option, value, english, _) in REJECTED {
        for prefix in [&[][..], &["train"][..]] {
            let mut args = prefix.to_vec();
            args.extend([option, value]);
            let output = run_in(temp.path(), &args);
            let stderr = stderr_of(&output);
            assert_eq!(
                output.status.code(),
                Some(USAGE_ERROR),
                "{args:?}: {stderr}"
            );
            let expected =
                format!("error: invalid value \"{value}\" for {option} (allowed: {english})");
            assert_eq!(stderr.trim_end(), expected, "{args:?}");
        }
    }
    assert!(
        !temp.path().join("data").exists(),
        "a rejected command created data/"
    );
}

#[test]
fn invalid_option_named_in_chinese() {
    let temp = TempDir::new().unwrap();
    for (option, value, _, chinese) in REJECTED {
        let output = run_in(temp.path(), &["--lang", "zh", "train", option, value]);
        let stderr = stderr_of(&output);
        assert_eq!(
            output.status.code(),
            Some(USAGE_ERROR),
            "{option}: {stderr}"
        );
        let expected = format!("错误：{option} 的值“{value}”无效（允许：{chinese}）");
        assert_eq!(stderr.trim_end(), expected, "{option}");
    }
}

#[test]
fn chinese_locale_words_option_error() {
    let temp = TempDir::new().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_imdb-tui"))
        .args(["train", "--units", "1000"])
        .current_dir(temp.path())
        .env("LANG", "zh_CN.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(USAGE_ERROR), "{stderr}");
    assert!(stderr.contains("--units 的值“1000”无效"), "{stderr}");
    assert!(stderr.contains("4 到 256"), "{stderr}");
}

#[test]
fn one_invalid_option_reported() {
    let temp = TempDir::new().unwrap();
    let output = run_in(
        temp.path(),
        &["train", "--units", "0", "--layers", "9", "--loss", "mse"],
    );
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(USAGE_ERROR), "{stderr}");
    assert!(stderr.contains("--layers"), "{stderr}");
    assert!(!stderr.contains("--units"), "{stderr}");
}

#[test]
fn settings_reach_saved_model_json() {
    let temp = TempDir::new().unwrap();
    write_folder(temp.path(), &small_files());
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
            "--seed",
            "9",
            "--layers",
            "3",
            "--units",
            "8",
            "--activation",
            "tanh",
            "--loss",
            "mse",
            "--optimizer",
            "adam",
            "--learning-rate",
            "0.01",
            "--batch-size",
            "2",
            "--validation-size",
            "2000",
            "--dropout",
            "0.5",
            "--l2",
            "0.001",
            "--save",
            "model.npz",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));

    let text = std::fs::read_to_string(temp.path().join("model.json")).unwrap();
    let info: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run = &info["run"];
    assert_eq!(run["kind"], "final");
    assert_eq!(run["epochs"], 2);
    assert_eq!(run["seed"], 9);
    assert_eq!(run["hidden_units"], serde_json::json!([8, 8, 8]));
    assert_eq!(run["activation"], "tanh");
    assert_eq!(run["loss"], "mean_squared_error");
    assert_eq!(run["optimizer"], "adam");
    assert_eq!(run["batch_size"], 2);
    assert_eq!(run["validation_size"], 2000);
    let close = |value: &serde_json::Value, expected: f64| {
        (value.as_f64().unwrap() - expected).abs() < 1e-6
    };
    assert!(close(&run["learning_rate"], 0.01), "{run}");
    assert!(close(&run["dropout"], 0.5), "{run}");
    assert!(close(&run["l2"], 0.001), "{run}");
    assert_eq!(info["hidden_units"], serde_json::json!([8, 8, 8]));
    assert_eq!(info["vocabulary"].as_array().unwrap().len(), 8);
}
