//! Finding the dataset on disk.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::error::DataError;

/// Page of the Large Movie Review Dataset, where users download it.
pub const DOWNLOAD_PAGE: &str = "https://ai.stanford.edu/~amaas/data/sentiment/";

/// Environment variable that names the dataset when `--data` is not given.
pub const DATA_ENV_VAR: &str = "IMDB_DATA";

/// Name of the extracted dataset folder.
pub const FOLDER_NAME: &str = "aclImdb";

/// Tarball names looked for in the data folder, in order: the original
/// download, then the copy without the unlabeled reviews.
pub const TARBALL_NAMES: [&str; 2] = ["aclImdb_v1.tar.gz", "aclImdb-labeled.tar.gz"];

/// The four class folders that an `aclImdb` folder must contain.
pub(crate) const CLASS_FOLDERS: [&str; 4] = ["train/neg", "train/pos", "test/neg", "test/pos"];

/// Location of the reviews: a tarball or an extracted folder.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DataSource {
    /// A gzip-compressed tar archive with the `aclImdb/` layout, read as a
    /// stream.
    Tarball(PathBuf),
    /// An extracted `aclImdb` folder (the one with `train/` and `test/`).
    Folder(PathBuf),
}

impl DataSource {
    pub fn path(&self) -> &Path {
        match self {
            Self::Tarball(path) | Self::Folder(path) => path,
        }
    }
}

impl fmt::Display for DataSource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.path().display())
    }
}

/// Finds the dataset. Looks, in order, at `explicit` (the `--data` option),
/// the `IMDB_DATA` environment variable, then `data_dir`.
///
/// `explicit` and `IMDB_DATA` may name a tarball, an `aclImdb` folder or a
/// folder that contains one of these. A path given there must be valid,
/// because the search does not fall back to `data_dir`. In `data_dir` the
/// search looks for `aclImdb/`, then each of [`TARBALL_NAMES`].
pub fn locate(explicit: Option<&Path>, data_dir: &Path) -> Result<DataSource, DataError> {
    let environment = std::env::var_os(DATA_ENV_VAR).map(PathBuf::from);
    locate_from(explicit, environment.as_deref(), data_dir)
}

/// Finds the dataset like [`locate`], with the value of `IMDB_DATA` passed in
/// as `environment`, so tests need not change the process environment. An
/// empty value counts as unset.
pub fn locate_from(
    explicit: Option<&Path>,
    environment: Option<&Path>,
    data_dir: &Path,
) -> Result<DataSource, DataError> {
    if let Some(path) = explicit {
        return resolve(path, "--data");
    }
    if let Some(path) = environment.filter(|path| !path.as_os_str().is_empty()) {
        return resolve(path, DATA_ENV_VAR);
    }

    let mut looked_in = vec![
        "--data (not given)".to_owned(),
        format!("{DATA_ENV_VAR} (not set)"),
    ];

    let folder = data_dir.join(FOLDER_NAME);
    looked_in.push(format!("{} (folder)", folder.display()));
    if folder.is_dir() {
        return checked_folder(&folder);
    }

    for name in TARBALL_NAMES {
        let tarball = data_dir.join(name);
        looked_in.push(tarball.display().to_string());
        if tarball.is_file() {
            return Ok(DataSource::Tarball(tarball));
        }
    }

    Err(DataError::NotFound {
        looked_in,
        data_dir: data_dir.to_path_buf(),
    })
}

/// Turns a path that the user gave into a source.
fn resolve(path: &Path, origin: &'static str) -> Result<DataSource, DataError> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(DataError::PathNotFound {
                path: path.to_path_buf(),
                origin,
            });
        }
        Err(source) => {
            return Err(DataError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };

    if !metadata.is_dir() {
        return Ok(DataSource::Tarball(path.to_path_buf()));
    }
    if path.join("train").is_dir() || path.join("test").is_dir() {
        return checked_folder(path);
    }

    let folder = path.join(FOLDER_NAME);
    if folder.is_dir() {
        return checked_folder(&folder);
    }
    for name in TARBALL_NAMES {
        let tarball = path.join(name);
        if tarball.is_file() {
            return Ok(DataSource::Tarball(tarball));
        }
    }

    Err(DataError::NotADataset {
        path: path.to_path_buf(),
        missing: format!(
            "train/, test/, {FOLDER_NAME}/ and {}",
            TARBALL_NAMES.join(", ")
        ),
    })
}

/// Returns `folder` as a source if it has the four class folders.
fn checked_folder(folder: &Path) -> Result<DataSource, DataError> {
    check_class_folders(folder)?;
    Ok(DataSource::Folder(folder.to_path_buf()))
}

/// Checks that `folder` contains `train/{pos,neg}` and `test/{pos,neg}`.
pub(crate) fn check_class_folders(folder: &Path) -> Result<(), DataError> {
    let missing: Vec<&str> = CLASS_FOLDERS
        .into_iter()
        .filter(|class_folder| !folder.join(class_folder).is_dir())
        .collect();

    if missing.is_empty() {
        Ok(())
    } else {
        Err(DataError::NotADataset {
            path: folder.to_path_buf(),
            missing: missing.join(", "),
        })
    }
}
