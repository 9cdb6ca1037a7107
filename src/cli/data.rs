//! Finding and preparing the dataset for the headless commands, with a
//! progress bar on stderr and an offer to download a missing dataset.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};

use super::args::DataArgs;
use super::messages::warning_text;
use crate::data::{DataError, DataSource, PrepareOptions, PrepareStage, Prepared, locate, prepare};
use crate::fetch::{
    BarProgress, Downloader, FetchError, OFFICIAL_MD5, OFFICIAL_URL, Source, URL_ENV_VAR,
};
use crate::i18n::{Lang, Msg};

/// Folder, relative to the current directory, that contains the downloaded
/// dataset, its cache and saved models.
pub const DATA_DIR: &str = "data";

/// Environment variable with the MD5 checksum of the file at the mirror
/// that `IMDB_DATA_URL` names.
pub const MD5_ENV_VAR: &str = "IMDB_DATA_MD5";

/// Builds the archive to download from a mirror's URL and checksum. Either
/// defaults to the official one, and with neither the result is the
/// official archive with its known size. A blank value counts as not given,
/// as an environment variable set to nothing does.
pub fn mirror_source(url: Option<&str>, md5: Option<&str>) -> Result<Source, FetchError> {
    let url = url.filter(|value| !value.trim().is_empty());
    let md5 = md5.filter(|value| !value.trim().is_empty());
    match (url, md5) {
        (None, None) => Ok(Source::official()),
        (url, md5) => Source::new(url.unwrap_or(OFFICIAL_URL), md5.unwrap_or(OFFICIAL_MD5)),
    }
}

/// Builds the archive to download from `IMDB_DATA_URL` and `IMDB_DATA_MD5`.
pub fn download_source_from_env() -> Result<Source, FetchError> {
    let url = std::env::var(URL_ENV_VAR).ok();
    let md5 = std::env::var(MD5_ENV_VAR).ok();
    mirror_source(url.as_deref(), md5.as_deref())
}

/// Finds the dataset. When it is missing and both standard input and
/// standard error are terminals, prompts to download it. Otherwise, or with
/// `--no-download`, it fails with instructions.
pub fn locate_or_offer_download(args: &DataArgs, lang: Lang) -> Result<DataSource> {
    let data_dir = Path::new(DATA_DIR);
    let error = match locate(args.data.as_deref(), data_dir) {
        Ok(source) => return Ok(source),
        Err(error @ DataError::NotFound { .. }) => error,
        Err(error) => return Err(error.into()),
    };

    let interactive = io::stdin().is_terminal() && io::stderr().is_terminal();
    if args.no_download || !interactive {
        return Err(error.into());
    }
    let source = download_source_from_env()?;
    eprintln!("{}\n", super::messages::data_error_text(&error, lang));
    let question = lang.text(&Msg::AskDownload {
        url: source.url(),
        size: source.size(),
        dir: DATA_DIR,
    });
    if !confirm(&question, lang)? {
        bail!(lang.text(&Msg::DownloadDeclined));
    }
    let downloader = Downloader::new(data_dir).with_source(source);
    downloader.run(&mut BarProgress::new())?;
    Ok(locate(args.data.as_deref(), data_dir)?)
}

/// Asks a yes-or-no question on standard error; only `y` or `yes` agree.
fn confirm(question: &str, lang: Lang) -> Result<bool> {
    eprint!("{question}");
    io::stderr().flush()?;
    let mut answer = String::new();
    io::stdin()
        .lock()
        .read_line(&mut answer)
        .with_context(|| lang.text(&Msg::AnswerUnreadable))?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// Prepares the dataset with its cache in `data/`, drawing a progress bar
/// on stderr when it is a terminal and printing warnings there.
pub fn load_dataset(source: &DataSource, vocab_size: usize, lang: Lang) -> Result<Prepared> {
    let options = PrepareOptions {
        vocab_size,
        cache_dir: Some(DATA_DIR.into()),
    };
    let bar = ProgressBar::new(0);
    // The stage names are padded by display width, which indicatif's `{msg:24}`
    // would count in characters and so misalign for Chinese.
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let prepared = prepare(source, &options, &mut |progress| {
        bar.set_message(pad_to_width(&lang.text(&stage_name(progress.stage)), 24));
        bar.set_length(progress.bytes_total);
        bar.set_position(progress.bytes_read);
    });
    bar.finish_and_clear();

    let prepared = prepared?;
    for warning in &prepared.warnings {
        let message = warning_text(warning, lang);
        eprintln!("{}", lang.text(&Msg::WarningLine { message: &message }));
    }
    Ok(prepared)
}

fn stage_name(stage: PrepareStage) -> Msg<'static> {
    match stage {
        PrepareStage::LoadingCache => Msg::StageLoadingCache,
        PrepareStage::ReadingReviews => Msg::StageReadingReviews,
        PrepareStage::BuildingVocabulary => Msg::StageBuildingVocabulary,
        PrepareStage::SavingCache => Msg::StageSavingCache,
        PrepareStage::Done => Msg::StageDone,
    }
}

/// Pads `text` with spaces to `width` terminal cells, counting a Chinese
/// character as two.
fn pad_to_width(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let padding = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(padding))
}
