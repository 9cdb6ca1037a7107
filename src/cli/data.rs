//! Finding and preparing the dataset for the headless commands, with a
//! progress bar on stderr and an offer to download a missing dataset.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};

use super::args::DataArgs;
use crate::data::{DataError, DataSource, PrepareOptions, PrepareStage, Prepared, locate, prepare};
use crate::fetch::{BarProgress, Downloader, Source};

/// Folder, relative to the current directory, that holds the downloaded
/// dataset, its cache and saved models.
pub const DATA_DIR: &str = "data";

/// Finds the dataset. When it is missing and both standard input and
/// standard error are terminals, asks whether to download it; otherwise, or
/// with `--no-download`, fails with instructions.
pub fn locate_or_offer_download(args: &DataArgs) -> Result<DataSource> {
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
    eprintln!("{error}\n");
    if !confirm(&format!(
        "Download the dataset (84 MB) from {} into {DATA_DIR}/ now? [y/N] ",
        Source::official().url()
    ))? {
        bail!("the dataset is needed to train; run `imdb-tui fetch-data` when you are ready");
    }
    let downloader = Downloader::new(data_dir);
    downloader.run(&mut BarProgress::new())?;
    Ok(locate(args.data.as_deref(), data_dir)?)
}

/// Asks a yes-or-no question on standard error; only `y` or `yes` agree.
fn confirm(question: &str) -> Result<bool> {
    eprint!("{question}");
    io::stderr().flush()?;
    let mut answer = String::new();
    io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("failed to read the answer")?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// Prepares the dataset with its cache in `data/`, drawing a progress bar
/// on stderr when it is a terminal and printing warnings there.
pub fn load_dataset(source: &DataSource, vocab_size: usize) -> Result<Prepared> {
    let options = PrepareOptions {
        vocab_size,
        cache_dir: Some(DATA_DIR.into()),
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:24} {bar:30} {bytes}/{total_bytes} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let prepared = prepare(source, &options, &mut |progress| {
        bar.set_message(stage_name(progress.stage));
        bar.set_length(progress.bytes_total);
        bar.set_position(progress.bytes_read);
    });
    bar.finish_and_clear();

    let prepared =
        prepared.with_context(|| format!("failed to prepare the dataset from {source}"))?;
    for warning in &prepared.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(prepared)
}

fn stage_name(stage: PrepareStage) -> &'static str {
    match stage {
        PrepareStage::LoadingCache => "loading the cache",
        PrepareStage::ReadingReviews => "reading reviews",
        PrepareStage::BuildingVocabulary => "building the vocabulary",
        PrepareStage::SavingCache => "saving the cache",
        PrepareStage::Done => "done",
    }
}
