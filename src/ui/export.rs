//! Export of the run history as CSV and JSON.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::train::{EpochMetrics, RunConfig, RunKind, TestMetrics, best_epoch};

use super::history::{History, RunRecord};

/// File names of the export, written into the directory main chooses.
pub const CSV_NAME: &str = "imdb-history.csv";
pub const JSON_NAME: &str = "imdb-history.json";

#[derive(Serialize)]
struct RunExport<'a> {
    kind: RunKind,
    config: &'a RunConfig,
    finished: bool,
    /// Epoch of the lowest validation loss; `null` for a final run.
    best_epoch: Option<usize>,
    epochs: &'a [EpochMetrics],
    test: Option<TestMetrics>,
}

#[derive(Serialize)]
struct HistoryExport<'a> {
    runs: Vec<RunExport<'a>>,
}

fn runs(history: &History) -> impl Iterator<Item = &RunRecord> {
    history.exploration().into_iter().chain(history.retrain())
}

fn run_name(kind: RunKind) -> &'static str {
    match kind {
        RunKind::Exploration => "exploration",
        RunKind::Final => "final",
    }
}

fn optional(value: Option<f64>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

/// Returns the history as CSV: one row per epoch, with the test metrics of a
/// final run repeated on each of its rows. Missing values are empty fields.
pub fn history_csv(history: &History) -> String {
    let mut csv = String::from(
        "run,epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds,test_loss,test_accuracy\n",
    );
    for run in runs(history) {
        for metrics in &run.epochs {
            let fields = [
                run_name(run.config.kind).to_owned(),
                metrics.epoch.to_string(),
                metrics.train_loss.to_string(),
                metrics.train_accuracy.to_string(),
                optional(metrics.val_loss),
                optional(metrics.val_accuracy),
                metrics.seconds.to_string(),
                optional(run.test.map(|test| test.loss)),
                optional(run.test.map(|test| test.accuracy)),
            ];
            csv.push_str(&fields.join(","));
            csv.push('\n');
        }
    }
    csv
}

/// Returns the history as pretty-printed JSON: `{"runs": [...]}` with each
/// run's configuration, epochs, best epoch and test metrics. Non-finite
/// numbers become `null`, as serde_json writes them.
pub fn history_json(history: &History) -> serde_json::Result<String> {
    let export = HistoryExport {
        runs: runs(history)
            .map(|run| RunExport {
                kind: run.config.kind,
                config: &run.config,
                finished: run.is_finished(),
                best_epoch: best_epoch(&run.epochs),
                epochs: &run.epochs,
                test: run.test,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&export)
}

/// Writes both files into `directory`, creating it when missing, as it is
/// when the cache could not be written to `data/`. Returns their paths, CSV
/// first.
pub fn export_history(history: &History, directory: &Path) -> io::Result<(PathBuf, PathBuf)> {
    let json = history_json(history).map_err(io::Error::other)?;
    std::fs::create_dir_all(directory).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("creating {} failed: {error}", directory.display()),
        )
    })?;
    let csv_path = directory.join(CSV_NAME);
    let json_path = directory.join(JSON_NAME);
    write_atomically(&csv_path, history_csv(history).as_bytes())?;
    write_atomically(&json_path, json.as_bytes())?;
    Ok((csv_path, json_path))
}

/// Writes `contents` through [`crate::atomic::write_atomically`], so that a
/// reader sees the old file or the new one, never a part. The error names
/// `path`.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    crate::atomic::write_atomically(path, |writer| writer.write_all(contents)).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("writing {} failed: {error}", path.display()),
        )
    })
}
