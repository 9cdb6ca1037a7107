//! `imdb-tui fetch-data`: download the dataset into `data/`.

use std::path::Path;

use anyhow::Result;

use super::args::FetchArgs;
use super::data::{DATA_DIR, mirror_source};
use crate::fetch::{BarProgress, Downloader, Outcome};
use crate::i18n::{Lang, Msg};

/// Downloads the dataset, or a mirror's copy, with a progress bar.
pub fn fetch_data(args: &FetchArgs, lang: Lang) -> Result<()> {
    let source = mirror_source(args.url.as_deref(), args.md5.as_deref())?;
    let downloader = Downloader::new(Path::new(DATA_DIR)).with_source(source);
    let outcome = downloader.run(&mut BarProgress::new())?;
    let destination = downloader.destination().display().to_string();
    let path = destination.as_str();
    let message = match outcome {
        Outcome::AlreadyPresent => Msg::FetchAlreadyComplete { path },
        Outcome::Downloaded { bytes } => Msg::FetchDownloaded { path, bytes },
        Outcome::Resumed { from, bytes } => Msg::FetchResumed { path, bytes, from },
    };
    eprintln!("{}", lang.text(&message));
    Ok(())
}
