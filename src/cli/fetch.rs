//! `imdb-tui fetch-data`: download the dataset into `data/`.

use std::path::Path;

use anyhow::Result;

use super::args::FetchArgs;
use super::data::DATA_DIR;
use crate::fetch::{BarProgress, Downloader, OFFICIAL_MD5, OFFICIAL_URL, Outcome, Source};

/// Downloads the dataset, or a mirror's copy, with a progress bar.
pub fn fetch_data(args: &FetchArgs) -> Result<()> {
    let source = match (&args.url, &args.md5) {
        (None, None) => Source::official(),
        (url, md5) => Source::new(
            url.as_deref().unwrap_or(OFFICIAL_URL),
            md5.as_deref().unwrap_or(OFFICIAL_MD5),
        )?,
    };
    let downloader = Downloader::new(Path::new(DATA_DIR)).with_source(source);
    let outcome = downloader.run(&mut BarProgress::new())?;
    let destination = downloader.destination();
    match outcome {
        Outcome::AlreadyPresent => eprintln!("{} is already complete", destination.display()),
        Outcome::Downloaded { bytes } => {
            eprintln!("downloaded {} ({bytes} bytes)", destination.display())
        }
        Outcome::Resumed { from, bytes } => eprintln!(
            "downloaded {} ({bytes} bytes, resumed at byte {from})",
            destination.display()
        ),
    }
    Ok(())
}
