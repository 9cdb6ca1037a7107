//! Progress reporting, with a terminal progress bar for the command line.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Receiver of download progress, in bytes.
///
/// The downloader calls it from the thread that runs the download. Any closure
/// `FnMut(done, total)` implements it, which suits a dashboard that forwards the
/// numbers over a channel.
pub trait Progress {
    /// Called when the response arrives. `done` is above zero when a partial file
    /// is resumed, and `total` is `None` when neither the source nor the server
    /// gives the size.
    fn start(&mut self, done: u64, total: Option<u64>) {
        self.advance(done, total);
    }

    /// Called after each block written to disk with the bytes done so far.
    fn advance(&mut self, done: u64, total: Option<u64>);

    /// Called once the file is verified and in place.
    fn finish(&mut self) {}

    /// Returns true to stop the download after the current block.
    ///
    /// NOTE: the check runs between blocks, so a stalled connection is noticed
    /// only when the idle timeout ends the read.
    fn is_cancelled(&self) -> bool {
        false
    }
}

impl<F: FnMut(u64, Option<u64>)> Progress for F {
    fn advance(&mut self, done: u64, total: Option<u64>) {
        self(done, total);
    }
}

/// Progress bar drawn with indicatif on standard error: bytes, rate and time left.
#[derive(Debug)]
pub struct BarProgress {
    bar: ProgressBar,
}

/// Template for a download of known size.
const SIZED_TEMPLATE: &str =
    "{wide_bar} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta} left";

/// Template for a download whose size the server did not send.
const UNSIZED_TEMPLATE: &str = "{spinner} {binary_bytes} {binary_bytes_per_sec} {elapsed}";

/// Template for a finished download. It shows no rate, because indicatif computes
/// the final rate as position over elapsed time, which counts resumed bytes as
/// if this run had received them.
const FINISHED_TEMPLATE: &str = "{wide_bar} {binary_bytes}/{binary_total_bytes} in {elapsed}";

impl BarProgress {
    /// Creates a bar on standard error. indicatif 0.18 hides it when standard error
    /// is not a terminal or `TERM` is unset or `dumb`.
    pub fn new() -> Self {
        Self::with_bar(ProgressBar::no_length())
    }

    /// Wraps an existing bar, for example one added to a `MultiProgress` or a hidden
    /// one in tests.
    pub fn with_bar(bar: ProgressBar) -> Self {
        Self { bar }
    }

    /// Returns the underlying bar.
    pub fn bar(&self) -> &ProgressBar {
        &self.bar
    }
}

impl Default for BarProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for BarProgress {
    fn start(&mut self, done: u64, total: Option<u64>) {
        match total {
            Some(total) => {
                self.bar.set_style(style(SIZED_TEMPLATE));
                self.bar.set_length(total);
            }
            None => {
                self.bar.set_style(style(UNSIZED_TEMPLATE));
                self.bar.unset_length();
                self.bar.enable_steady_tick(Duration::from_millis(100));
            }
        }

        // Bytes resumed from an earlier run arrive at no rate, so they must not
        // count toward the rate and the time left.
        self.bar.set_position(done);
        self.bar.reset_eta();
    }

    fn advance(&mut self, done: u64, _total: Option<u64>) {
        self.bar.set_position(done);
    }

    fn finish(&mut self) {
        if self.bar.length().is_none() {
            self.bar.set_length(self.bar.position());
        }
        self.bar.set_style(style(FINISHED_TEMPLATE));
        self.bar.finish();
    }
}

/// Builds a style from a template, falling back to the default bar if indicatif
/// rejects the template.
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_valid() {
        assert!(ProgressStyle::with_template(SIZED_TEMPLATE).is_ok());
        assert!(ProgressStyle::with_template(UNSIZED_TEMPLATE).is_ok());
        assert!(ProgressStyle::with_template(FINISHED_TEMPLATE).is_ok());
    }

    #[test]
    fn bar_follows_resumed_download() {
        let mut progress = BarProgress::with_bar(ProgressBar::hidden());
        progress.start(40, Some(100));
        assert_eq!(progress.bar().position(), 40);
        assert_eq!(progress.bar().length(), Some(100));

        progress.advance(100, Some(100));
        progress.finish();
        assert_eq!(progress.bar().position(), 100);
        assert!(progress.bar().is_finished());
    }

    #[test]
    fn unsized_bar_gets_length_at_finish() {
        let mut progress = BarProgress::with_bar(ProgressBar::hidden());
        progress.start(0, None);
        progress.advance(70, None);
        progress.finish();
        assert_eq!(progress.bar().length(), Some(70));
        assert!(progress.bar().is_finished());
    }

    #[test]
    fn closure_receives_start_and_advance() {
        let mut seen = Vec::new();
        let mut record = |done, total| seen.push((done, total));
        Progress::start(&mut record, 5, None);
        Progress::advance(&mut record, 9, None);
        assert_eq!(seen, [(5, None), (9, None)]);
    }
}
