//! Wording of the library's errors and warnings through the message catalog.
//!
//! The library's error types have English `Display` impls. The variants the
//! user meets most often are worded again here from their fields, with the
//! same value and fix. The rest carry details that only their module can
//! word, such as an operating-system or TLS message, so their English text
//! is kept inside a sentence in the user's language.

use std::path::{Path, PathBuf};

use super::checks::{ModelPathProblem, UsageError};
use crate::data::{DOWNLOAD_PAGE, DataError, PrepareWarning};
use crate::fetch::FetchError;
use crate::i18n::{Lang, Msg};
use crate::model::io::ModelError;
use crate::train::SettingsError;

/// Words an error of any command for the user: a library error through the
/// catalog, any other error (already worded by the command line, or from
/// the standard library) with its chain of causes.
pub fn error_text(error: &anyhow::Error, lang: Lang) -> String {
    if let Some(error) = error.downcast_ref::<DataError>() {
        return data_error_text(error, lang);
    }
    if let Some(error) = error.downcast_ref::<FetchError>() {
        return fetch_error_text(error, lang);
    }
    if let Some(error) = error.downcast_ref::<ModelError>() {
        return model_error_text(error, lang);
    }
    super::error_message(error)
}

/// Words an option value that its setting does not allow.
pub fn settings_error_text(error: &SettingsError, lang: Lang) -> String {
    lang.text(&Msg::InvalidSetting {
        option: error.field.option(),
        value: &error.value,
        allowed: error.allowed,
    })
}

/// Words a command line that [`Cli::check_usage`](super::Cli::check_usage)
/// rejected.
pub fn usage_error_text(error: &UsageError, lang: Lang) -> String {
    match error {
        UsageError::ModelPath {
            option,
            path,
            problem,
        } => {
            let path_text = path.display().to_string();
            let weights = problem.weights_for(path).display().to_string();
            let (path, weights) = (path_text.as_str(), weights.as_str());
            match problem {
                ModelPathProblem::JsonFile => lang.text(&Msg::ModelPathIsJson {
                    option,
                    path,
                    weights,
                }),
                ModelPathProblem::Folder => lang.text(&Msg::ModelPathIsFolder {
                    option,
                    path,
                    weights,
                }),
            }
        }
        UsageError::NotForCommand { option, command } => {
            lang.text(&Msg::OptionNotForCommand { option, command })
        }
        UsageError::SettingBeforeCommand { option, command } => {
            lang.text(&Msg::SettingBeforeCommand { option, command })
        }
    }
}

/// Words a failure to find or read the dataset.
pub fn data_error_text(error: &DataError, lang: Lang) -> String {
    match error {
        DataError::NotFound {
            looked_in,
            data_dir,
        } => lang.text(&Msg::DataNotFound {
            looked_in,
            page: DOWNLOAD_PAGE,
            dir: &data_dir.display().to_string(),
        }),
        DataError::PathNotFound { path, origin } => lang.text(&Msg::DataPathNotFound {
            path: &path.display().to_string(),
            origin,
        }),
        // These name damaged archive entries, reader details or system
        // errors that the data module words, so its English text is kept.
        other => lang.text(&Msg::DataErrorDetail {
            message: &other.to_string(),
        }),
    }
}

/// Words a failure of the dataset download.
pub fn fetch_error_text(error: &FetchError, lang: Lang) -> String {
    let shown = |path: &Path| path.display().to_string();
    match error {
        FetchError::InvalidUrl { url } => lang.text(&Msg::FetchInvalidUrl { url }),
        FetchError::InvalidMd5 { value } => lang.text(&Msg::FetchInvalidMd5 { value }),
        FetchError::HostNotFound { url, dir } => lang.text(&Msg::FetchHostNotFound {
            url,
            dir: &shown(dir),
        }),
        FetchError::ConnectionRefused { url, dir } => lang.text(&Msg::FetchConnectionRefused {
            url,
            dir: &shown(dir),
        }),
        FetchError::HttpStatus { url, dir, status } => lang.text(&Msg::FetchHttpStatus {
            url,
            status: *status,
            dir: &shown(dir),
        }),
        FetchError::TimedOut {
            url,
            dir,
            idle,
            received,
        } => lang.text(&Msg::FetchTimedOut {
            url,
            seconds: idle.as_secs_f64(),
            received: *received,
            dir: &shown(dir),
        }),
        FetchError::SizeMismatch {
            url,
            expected,
            actual,
        } => lang.text(&Msg::FetchSizeMismatch {
            url,
            expected: *expected,
            actual: *actual,
        }),
        FetchError::ChecksumMismatch {
            url,
            expected,
            actual,
        } => lang.text(&Msg::FetchChecksumMismatch {
            url,
            expected: &expected.to_string(),
            actual: &actual.to_string(),
        }),
        FetchError::ExistingFileMismatch {
            path,
            size,
            md5,
            expected_size,
            expected_md5,
        } => lang.text(&Msg::FetchExistingFileMismatch {
            path: &shown(path),
            size: *size,
            md5: &md5.to_string(),
            expected_size: *expected_size,
            expected_md5: &expected_md5.to_string(),
        }),
        FetchError::DestinationNotAFile { path } => {
            lang.text(&Msg::FetchDestinationNotAFile { path: &shown(path) })
        }
        FetchError::DiskFull { path, .. } => lang.text(&Msg::FetchDiskFull { path: &shown(path) }),
        FetchError::Cancelled { received } => lang.text(&Msg::FetchCancelled {
            received: *received,
        }),
        // The remaining variants include a system, TLS or HTTP client
        // message in English, so the whole English text is kept.
        other => lang.text(&Msg::FetchErrorDetail {
            message: &other.to_string(),
        }),
    }
}

/// Words a failure to read or write a saved model. A missing `.json`
/// suggests saving to the `.npz` of the same name, the weights path that
/// `--save` and `--model` take.
pub fn model_error_text(error: &ModelError, lang: Lang) -> String {
    match error {
        ModelError::NotFound { path } => lang.text(&Msg::ModelNotFound {
            path: &path.display().to_string(),
            weights: &weights_path(path).display().to_string(),
        }),
        ModelError::Invalid { path, reason } => lang.text(&Msg::ModelInvalid {
            path: &path.display().to_string(),
            reason,
        }),
        // Read and write failures end in a system message in English.
        other => lang.text(&Msg::ModelErrorDetail {
            message: &other.to_string(),
        }),
    }
}

/// Returns the weights path of a model file path: the `.npz` of the same
/// name for a `.json`, else the path itself.
fn weights_path(path: &Path) -> PathBuf {
    let is_json = path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("json"));
    if is_json {
        path.with_extension("npz")
    } else {
        path.to_owned()
    }
}

/// Words a problem that did not stop the data preparation. The reasons
/// inside come from the cache reader in English.
pub fn warning_text(warning: &PrepareWarning, lang: Lang) -> String {
    match warning {
        PrepareWarning::CacheRebuilt { path, reason } => lang.text(&Msg::CacheRebuilt {
            path: &path.display().to_string(),
            reason,
        }),
        PrepareWarning::CacheNotWritten { path, reason } => lang.text(&Msg::CacheNotWritten {
            path: &path.display().to_string(),
            reason,
        }),
        PrepareWarning::UnsafePathsIgnored { count, example } => {
            lang.text(&Msg::UnsafePathsIgnored {
                count: *count,
                example,
            })
        }
        PrepareWarning::UnrecognizedFilesIgnored { count, example } => {
            lang.text(&Msg::UnrecognizedFilesIgnored {
                count: *count,
                example,
            })
        }
    }
}
