//! The runs file, `data/imdb-runs.json`: the finished runs of every session,
//! saved so that later sessions can compare against them.
//!
//! The file is JSON: `{"format": "imdb-tui-runs", "version": 1, "runs":
//! [...]}`, each run with its settings, vocabulary size, epoch metrics, test
//! metrics and training time. It is written atomically. A file that cannot
//! be read or parsed is renamed aside, never overwritten, so that the runs
//! in it are not lost.

use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::train::{EpochMetrics, RunConfig, TestMetrics};

use super::history::{History, RunRecord, RunStatus};

/// Name of the runs file inside the data folder.
pub const RUNS_FILE_NAME: &str = "imdb-runs.json";

/// Value of the file's `format` field.
const FORMAT: &str = "imdb-tui-runs";

/// Version of the layout this build writes and reads.
pub const RUNS_FILE_VERSION: u64 = 1;

/// Reason the runs file was not loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunsFileProblem {
    /// Reading failed, with the system's error.
    Unreadable(String),
    /// The file is not valid JSON of the runs layout, with the parser's
    /// error.
    Invalid(String),
    /// The JSON lacks `"format": "imdb-tui-runs"`.
    OtherFormat,
    /// A later build wrote the file in a layout this one does not know.
    NewerVersion(u64),
}

/// Result of loading the runs file at start.
#[derive(Clone, Debug, PartialEq)]
pub enum RunsLoad {
    /// There is no runs file yet.
    NoFile,
    /// The runs of earlier sessions, oldest first.
    Loaded(Vec<RunRecord>),
    /// The file could not be loaded and was renamed to `moved_to`.
    MovedAside {
        problem: RunsFileProblem,
        moved_to: PathBuf,
    },
    /// The file could not be loaded, nor renamed (`error`). It is left in
    /// place, and this session does not write it.
    NotMoved {
        problem: RunsFileProblem,
        error: String,
    },
}

/// One epoch as the file stores it. JSON has no NaN, so a value that is not
/// finite is stored as `null`, which reads back as NaN, or as `None` for
/// the validation values.
#[derive(Serialize, Deserialize)]
struct SavedEpoch {
    epoch: usize,
    train_loss: Option<f64>,
    train_accuracy: Option<f64>,
    val_loss: Option<f64>,
    val_accuracy: Option<f64>,
    seconds: Option<f64>,
}

#[derive(Serialize, Deserialize)]
struct SavedRun {
    config: RunConfig,
    vocabulary: usize,
    epochs: Vec<SavedEpoch>,
    test: Option<TestMetrics>,
    /// Wall time of the whole run.
    seconds: Option<f64>,
}

#[derive(Serialize, Deserialize)]
struct RunsFile {
    format: String,
    version: u64,
    runs: Vec<SavedRun>,
}

/// The fields read first, to tell a file of another program or of a later
/// version from a damaged one.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u64>,
}

fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

fn saved_epoch(metrics: &EpochMetrics) -> SavedEpoch {
    SavedEpoch {
        epoch: metrics.epoch,
        train_loss: finite(metrics.train_loss),
        train_accuracy: finite(metrics.train_accuracy),
        val_loss: metrics.val_loss.and_then(finite),
        val_accuracy: metrics.val_accuracy.and_then(finite),
        seconds: finite(metrics.seconds),
    }
}

fn loaded_epoch(saved: SavedEpoch) -> EpochMetrics {
    EpochMetrics {
        epoch: saved.epoch,
        train_loss: saved.train_loss.unwrap_or(f64::NAN),
        train_accuracy: saved.train_accuracy.unwrap_or(f64::NAN),
        val_loss: saved.val_loss,
        val_accuracy: saved.val_accuracy,
        seconds: saved.seconds.unwrap_or(f64::NAN),
    }
}

/// Returns the file's contents for the finished runs of `history`; runs
/// that were cancelled, failed or are still running are not saved.
pub fn runs_json(history: &History) -> serde_json::Result<String> {
    let runs = history
        .runs()
        .iter()
        .filter(|run| run.is_finished())
        .map(|run| SavedRun {
            config: run.config.clone(),
            vocabulary: run.vocabulary,
            epochs: run.epochs.iter().map(saved_epoch).collect(),
            test: run.test,
            seconds: run.seconds.and_then(finite),
        })
        .collect();
    let file = RunsFile {
        format: FORMAT.to_owned(),
        version: RUNS_FILE_VERSION,
        runs,
    };
    serde_json::to_string_pretty(&file)
}

/// Parses the file's contents into runs marked as from an earlier session.
pub fn parse_runs(text: &str) -> Result<Vec<RunRecord>, RunsFileProblem> {
    let header: Header =
        serde_json::from_str(text).map_err(|error| RunsFileProblem::Invalid(error.to_string()))?;
    if header.format.as_deref() != Some(FORMAT) {
        return Err(RunsFileProblem::OtherFormat);
    }
    match header.version {
        Some(RUNS_FILE_VERSION) => {}
        Some(version) if version > RUNS_FILE_VERSION => {
            return Err(RunsFileProblem::NewerVersion(version));
        }
        _ => return Err(RunsFileProblem::Invalid("unknown version".to_owned())),
    }
    let file: RunsFile =
        serde_json::from_str(text).map_err(|error| RunsFileProblem::Invalid(error.to_string()))?;
    let runs = file
        .runs
        .into_iter()
        .map(|saved| RunRecord {
            config: saved.config,
            vocabulary: saved.vocabulary,
            epochs: saved.epochs.into_iter().map(loaded_epoch).collect(),
            test: saved.test,
            status: RunStatus::Finished,
            seconds: saved.seconds,
            earlier_session: true,
        })
        .collect();
    Ok(runs)
}

/// The runs file of one dashboard session: where it is, and whether this
/// session may write it.
#[derive(Clone, Debug)]
pub struct RunsStore {
    path: PathBuf,
    /// False after a file that could not be loaded could not be renamed
    /// aside either, so that saving does not overwrite it.
    writable: bool,
}

impl RunsStore {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            writable: true,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Loads the runs of earlier sessions. A file that cannot be read or
    /// parsed is renamed to the first free name of `imdb-runs.json.damaged`,
    /// `imdb-runs.json.damaged-2`, and so on.
    pub fn load(&mut self) -> RunsLoad {
        let problem = match std::fs::read_to_string(&self.path) {
            Ok(text) => match parse_runs(&text) {
                Ok(runs) => return RunsLoad::Loaded(runs),
                Err(problem) => problem,
            },
            // A data folder that is missing, or is a file, contains no runs.
            // Saving reports the problem when it fails.
            Err(error)
                if matches!(error.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) =>
            {
                return RunsLoad::NoFile;
            }
            Err(error) => RunsFileProblem::Unreadable(error.to_string()),
        };
        tracing::warn!(path = %self.path.display(), ?problem, "runs file not loaded");
        match move_aside(&self.path) {
            Ok(moved_to) => {
                tracing::warn!(to = %moved_to.display(), "runs file renamed aside");
                RunsLoad::MovedAside { problem, moved_to }
            }
            Err(error) => {
                tracing::error!(%error, "renaming the runs file aside failed; not saving runs");
                self.writable = false;
                RunsLoad::NotMoved {
                    problem,
                    error: error.to_string(),
                }
            }
        }
    }

    /// Writes the finished runs of `history`, creating the folder when
    /// missing. Does nothing, successfully, while the file that could not
    /// be loaded is still in place.
    pub fn save(&self, history: &History) -> io::Result<()> {
        if !self.writable {
            return Ok(());
        }
        let json = runs_json(history).map_err(io::Error::other)?;
        if let Some(folder) = self
            .path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder).map_err(|error| {
                io::Error::new(
                    error.kind(),
                    format!("creating {} failed: {error}", folder.display()),
                )
            })?;
        }
        crate::atomic::write_atomically(&self.path, |writer| writer.write_all(json.as_bytes()))
            .map_err(|error| {
                io::Error::new(
                    error.kind(),
                    format!("writing {} failed: {error}", self.path.display()),
                )
            })
    }

    /// Deletes the runs file; a missing file counts as deleted. Afterwards
    /// the session writes the file again.
    pub fn delete(&mut self) -> io::Result<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::NotFound => {}
            Err(error) => {
                return Err(io::Error::new(
                    error.kind(),
                    format!("deleting {} failed: {error}", self.path.display()),
                ));
            }
        }
        self.writable = true;
        Ok(())
    }
}

/// Renames `path` to the first name of `NAME.damaged`, `NAME.damaged-2`,
/// ... that does not exist, and returns that name.
fn move_aside(path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    for number in 1..=1000u32 {
        let suffix = if number == 1 {
            ".damaged".to_owned()
        } else {
            format!(".damaged-{number}")
        };
        let target = path.with_file_name(format!("{name}{suffix}"));
        // `rename` replaces an existing file, so a taken name is skipped.
        if std::fs::symlink_metadata(&target).is_ok() {
            continue;
        }
        std::fs::rename(path, &target)?;
        return Ok(target);
    }
    Err(io::Error::new(
        ErrorKind::AlreadyExists,
        format!("{name}.damaged to {name}.damaged-1000 all exist"),
    ))
}
