//! The terminal dashboard.
//!
//! [`run`] owns the terminal. Main feeds it [`AppEvent`]s (data progress,
//! the dataset, trainer events, save results) over a channel and carries out
//! the [`Command`]s it sends back (start a run, cancel, save, quit). The
//! dashboard writes the history export and the runs file itself. The core, [`App`], takes
//! events and returns commands without a terminal, and [`drive`] runs the
//! same loop on any backend and input stream, which the tests use.

mod app;
mod charts;
mod download;
mod epoch_axis;
mod event_loop;
pub mod export;
mod history;
mod interface;
mod keys;
mod review;
mod run_name;
mod runs;
pub mod runs_file;
mod runs_view;
mod settings_panel;
mod settings_view;
mod status;
mod table;
mod terminal;
mod theme;
mod view;

use std::path::PathBuf;

use anyhow::bail;
use crossterm::event::EventStream;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::i18n::{Lang, Msg};
use crate::train::{DEFAULT_VOCAB_SIZE, RunConfig};

pub use app::{App, Focus, Notice, Overlay, ServingModel};
pub use charts::{ChartData, Metric, chart_data};
pub use download::{DownloadDialog, DownloadProgress, DownloadStep, MissingData};
pub use epoch_axis::EpochAxis;
pub use event_loop::{FRAME_INTERVAL, INPUT_FRAME_INTERVAL, LoopIo, LoopReport, drive};
pub use history::{BestEpoch, History, Overfitting, RunRecord, RunStatus};
pub use interface::{AppEvent, Command, ModelSource, Update};
pub use keys::{MAX_RETRAIN_EPOCHS, parse_epochs};
pub use review::{EFFECT_WORD_LIMIT, Reading};
pub use run_name::{NamePart, name_parts, run_name};
pub use runs::{MAX_PICKED, RunsView};
pub use runs_file::{RunsFileProblem, RunsLoad, RunsStore};
pub use settings_panel::{PendingStart, SettingsPanel};
pub use status::{DataInfo, Phase, PrepareProgress, RunClock};
pub use theme::Theme;
pub use view::{MIN_HEIGHT, MIN_WIDTH, draw};

/// Settings of the dashboard that main decides.
#[derive(Clone, Debug)]
pub struct UiOptions {
    pub lang: Lang,
    pub theme: Theme,
    /// Settings of exploration runs. A retrain copies them with
    /// `kind: Final` and the epoch count the user chooses.
    pub exploration: RunConfig,
    /// Vocabulary size that the controller prepares the data with.
    pub vocab_size: usize,
    /// Directory the `e` key writes `imdb-history.csv` and
    /// `imdb-history.json` into.
    pub export_dir: PathBuf,
    /// The runs file, `imdb-runs.json` in the data folder.
    pub runs_file: PathBuf,
}

impl UiOptions {
    /// Reads the language (from `lang_flag`, else `LC_ALL`, `LC_MESSAGES`,
    /// `LANG`) and `NO_COLOR` from the environment. The runs file goes
    /// into `export_dir`, beside the history export.
    pub fn from_env(lang_flag: Option<&str>, exploration: RunConfig, export_dir: PathBuf) -> Self {
        let no_color = std::env::var("NO_COLOR").ok();
        Self {
            lang: Lang::detect(lang_flag),
            theme: Theme::from_no_color(no_color.as_deref()),
            exploration,
            vocab_size: DEFAULT_VOCAB_SIZE,
            runs_file: export_dir.join(runs_file::RUNS_FILE_NAME),
            export_dir,
        }
    }
}

/// Runs the dashboard in the current terminal until the user quits.
///
/// Main calls this on the thread that owns the terminal (inside a
/// current-thread tokio runtime's `block_on`), after checking that stdout
/// is a terminal. It sends the data progress as [`AppEvent::Preparing`] and
/// then [`AppEvent::DataReady`], after which the dashboard requests the
/// exploration run. When the dataset is missing, it sends
/// [`AppEvent::DataMissing`] instead and waits for [`Command::Download`].
///
/// Main also keeps a task that receives `commands`:
/// - [`Command::Download`]: download the archive, sending
///   [`AppEvent::DownloadProgress`] and then [`AppEvent::DownloadFinished`]
///   (and the data events above) or [`AppEvent::DownloadFailed`].
/// - [`Command::StartRun`]: spawn the trainer and forward each `TrainEvent`
///   as [`AppEvent::Train`].
/// - [`Command::PrepareData`]: prepare the data again with another
///   vocabulary size, sending the data events above.
/// - [`Command::Cancel`]: cancel the trainer.
/// - [`Command::SaveModel`]: save the model and reply with
///   [`AppEvent::ModelSaved`] or [`AppEvent::SaveFailed`].
/// - [`Command::Quit`]: stop; `run` returns right after sending it.
///
/// The terminal is restored when this returns, whether by quit, error or
/// Ctrl-C, and on a panic of this thread. With `TERM=dumb` it returns an
/// error worded in the user's language before touching the terminal.
pub async fn run(
    options: UiOptions,
    events: UnboundedReceiver<AppEvent>,
    commands: UnboundedSender<Command>,
) -> anyhow::Result<()> {
    if std::env::var("TERM").is_ok_and(|term| term == "dumb") {
        bail!(options.lang.text(&Msg::DumbTerminal));
    }
    let mut app = App::new(
        options.lang,
        options.theme,
        options.exploration,
        std::time::Instant::now(),
    );
    app.vocab_size = options.vocab_size;
    let mut guard = terminal::TerminalGuard::enter()?;
    let io = LoopIo {
        input: EventStream::new(),
        events,
        commands: &commands,
        export_dir: &options.export_dir,
        runs: Some(RunsStore::new(options.runs_file.clone())),
    };
    drive(&mut guard.terminal, &mut app, io).await?;
    Ok(())
}
