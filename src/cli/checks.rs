//! Checks of the command line that clap cannot express, made before any
//! data is read or any file is written: model paths that name the wrong
//! file, and options that the chosen command would ignore.

use std::path::{Path, PathBuf};

use super::args::{Cli, Command, DataArgs, SettingsArgs};

/// A command line that clap accepts but that would not do what its options
/// request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsageError {
    /// `--save` or `--model` names a file other than the weights.
    ModelPath {
        option: &'static str,
        path: PathBuf,
        problem: ModelPathProblem,
    },
    /// An option that `command` ignores.
    NotForCommand {
        option: &'static str,
        command: &'static str,
    },
    /// A setting before `command`, which reads only the settings after it.
    SettingBeforeCommand {
        option: &'static str,
        command: &'static str,
    },
}

/// Problem of a model path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelPathProblem {
    /// It ends in `.json`, the name of the file written beside the weights,
    /// so saving would overwrite the weights with the JSON.
    JsonFile,
    /// It is an existing folder or ends in a path separator.
    Folder,
}

impl ModelPathProblem {
    /// Returns the weights path to suggest in place of `path`.
    pub fn weights_for(self, path: &Path) -> PathBuf {
        match self {
            ModelPathProblem::JsonFile => path.with_extension("npz"),
            ModelPathProblem::Folder => path.join("model.npz"),
        }
    }
}

impl Cli {
    /// Checks the command line beyond what clap checks.
    pub fn check_usage(&self) -> Result<(), UsageError> {
        let Some(command) = &self.command else {
            return Ok(());
        };
        let name = command_name(command);
        match command {
            Command::Train(train) => {
                reject_settings_before(&self.settings, name)?;
                if let Some(path) = &train.save {
                    check_weights_path("--save", path)?;
                }
            }
            Command::Predict(predict) => {
                reject_data_options(&self.data, name)?;
                reject_settings_for(&self.settings, name)?;
                check_weights_path("--model", &predict.model)?;
            }
            Command::FetchData(_) => {
                reject_data_options(&self.data, name)?;
                reject_settings_for(&self.settings, name)?;
            }
        }
        Ok(())
    }
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Train(_) => "train",
        Command::Predict(_) => "predict",
        Command::FetchData(_) => "fetch-data",
    }
}

/// Rejects a path that cannot be the weights file: one ending in `.json`
/// (in any case), an existing folder, or one ending in `/` or `..`.
pub fn check_weights_path(option: &'static str, path: &Path) -> Result<(), UsageError> {
    let is_json = path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("json"));
    let problem = if is_json {
        ModelPathProblem::JsonFile
    } else if names_folder(path) {
        ModelPathProblem::Folder
    } else {
        return Ok(());
    };
    Err(UsageError::ModelPath {
        option,
        path: path.to_owned(),
        problem,
    })
}

fn names_folder(path: &Path) -> bool {
    let text = path.as_os_str().to_string_lossy();
    path.is_dir() || path.file_name().is_none() || text.ends_with(std::path::MAIN_SEPARATOR)
}

/// Rejects the data options, which only the dashboard and `train` read.
fn reject_data_options(data: &DataArgs, command: &'static str) -> Result<(), UsageError> {
    let given = [
        ("--data", data.data.is_some()),
        ("--vocab", data.vocab.is_some()),
        ("--no-download", data.no_download),
    ];
    match given.into_iter().find(|(_, given)| *given) {
        Some((option, _)) => Err(UsageError::NotForCommand { option, command }),
        None => Ok(()),
    }
}

/// Rejects settings given before a command that trains nothing.
fn reject_settings_for(settings: &SettingsArgs, command: &'static str) -> Result<(), UsageError> {
    match settings.first_given() {
        Some(option) => Err(UsageError::NotForCommand { option, command }),
        None => Ok(()),
    }
}

/// Rejects settings given before `train`, which reads those after it.
fn reject_settings_before(
    settings: &SettingsArgs,
    command: &'static str,
) -> Result<(), UsageError> {
    match settings.first_given() {
        Some(option) => Err(UsageError::SettingBeforeCommand { option, command }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_path_rejected_in_any_case() {
        for path in ["model.json", "m/x.JSON"] {
            let error = check_weights_path("--save", Path::new(path)).unwrap_err();
            assert!(
                matches!(
                    error,
                    UsageError::ModelPath {
                        problem: ModelPathProblem::JsonFile,
                        ..
                    }
                ),
                "{path}: {error:?}"
            );
        }
    }

    #[test]
    fn folder_paths_rejected() {
        for path in [".", "..", "models/", "/tmp"] {
            let error = check_weights_path("--model", Path::new(path)).unwrap_err();
            assert!(
                matches!(
                    error,
                    UsageError::ModelPath {
                        problem: ModelPathProblem::Folder,
                        ..
                    }
                ),
                "{path}: {error:?}"
            );
        }
    }

    #[test]
    fn weights_paths_accepted() {
        for path in ["model.npz", "data/model.npz", "no-extension", "m.json.npz"] {
            assert_eq!(check_weights_path("--save", Path::new(path)), Ok(()));
        }
    }

    #[test]
    fn suggestion_is_npz_path() {
        let json = ModelPathProblem::JsonFile.weights_for(Path::new("/x/bad3.json"));
        assert_eq!(json, Path::new("/x/bad3.npz"));
        let folder = ModelPathProblem::Folder.weights_for(Path::new("/tmp"));
        assert_eq!(folder, Path::new("/tmp/model.npz"));
    }
}
