//! The message catalog in English and Simplified Chinese.
//!
//! Every string the dashboard and the command line show is a [`Msg`],
//! except clap's usage errors and `train --json` output. Each language is one
//! exhaustive `match` over it, so a message without a translation does not
//! compile. The Chinese text uses the terms of Chinese deep-learning courses
//! (训练集, 验证集, 测试集, 损失, 准确率, 过拟合, 轮次, 批大小, 学习率) and adds
//! the English term in brackets where a learner would look it up.

use std::fmt::Write as _;

use crate::model::{LossKind, OptimizerKind};
use crate::train::{Allowed, FailureReason, Field, Stall};
use crate::ui::{NamePart, RunsFileProblem};

/// Language of the user-facing text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// Both languages, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// Detects the language from the `--lang` flag, else from `LC_ALL`,
    /// `LC_MESSAGES` and `LANG` of the process environment.
    pub fn detect(flag: Option<&str>) -> Lang {
        let read = |name: &str| std::env::var(name).ok();
        Lang::from_sources(
            flag,
            read("LC_ALL").as_deref(),
            read("LC_MESSAGES").as_deref(),
            read("LANG").as_deref(),
        )
    }

    /// Chooses the language from the flag and the locale variables as given.
    ///
    /// A flag of `en` or `zh` wins (any other flag value is ignored).
    /// Otherwise the first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is set
    /// and non-empty decides, as POSIX orders them: a value starting with
    /// `zh` (such as `zh_CN.UTF-8`) selects Chinese, anything else English.
    pub fn from_sources(
        flag: Option<&str>,
        lc_all: Option<&str>,
        lc_messages: Option<&str>,
        lang: Option<&str>,
    ) -> Lang {
        if let Some(chosen) = flag.and_then(Lang::parse) {
            return chosen;
        }
        let locale = [lc_all, lc_messages, lang]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|value| !value.is_empty());
        match locale {
            Some(value) if value.to_ascii_lowercase().starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }

    /// Parses a `--lang` value: `en` or `zh`, case-insensitive.
    pub fn parse(value: &str) -> Option<Lang> {
        match value.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// Returns the text of `message` in this language.
    pub fn text(self, message: &Msg<'_>) -> String {
        match self {
            Lang::En => english(message),
            Lang::Zh => chinese(message),
        }
    }
}

/// One message the user can see, with the values it shows.
///
/// Losses are shown with three decimals, accuracies as percentages with one
/// decimal and counts with thousands separators.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg<'a> {
    AppTitle,
    DataLine {
        source: &'a str,
        train: usize,
        test: usize,
    },
    DataPending,
    VocabularyLine {
        words: usize,
    },
    ConfigLine {
        /// The run's name by what differs from the classic recipe.
        name: &'a str,
        /// The batch size, unless the name gives it.
        batch_size: Option<usize>,
        /// The learning rate, unless the name gives it.
        learning_rate: Option<f32>,
        validation: usize,
    },
    PhasePreparing,
    PhaseReady,
    PhaseExploring,
    PhaseRetraining,
    PhaseDone,
    PhaseCancelled,
    PhaseFailed,
    PhaseLabel,
    EpochOf {
        epoch: usize,
        epochs: usize,
    },
    Elapsed {
        time: &'a str,
    },
    Remaining {
        time: &'a str,
    },
    PrepareBytes {
        read: u64,
        total: u64,
        reviews: usize,
    },
    PrepareReviews {
        reviews: usize,
    },
    TestResult {
        loss: f64,
        accuracy: f64,
    },
    LossTitle {
        loss: LossKind,
    },
    AccuracyTitle,
    EpochAxis,
    SeriesTraining,
    SeriesValidation,
    SeriesAfterBest,
    SeriesRetrain,
    SeriesBest,
    NoEpochsYet,
    Overfitting {
        epoch: usize,
        loss: f64,
    },
    LowestSoFar {
        epoch: usize,
        loss: f64,
    },
    AccuracyPeak {
        epoch: usize,
        accuracy: f64,
    },
    TableTitle,
    /// Column headers of the epoch table have one or two lines, separated
    /// by `\n`, to keep the columns narrow.
    ColumnEpoch,
    ColumnTrainLoss,
    ColumnTrainAccuracy,
    ColumnValLoss,
    ColumnValAccuracy,
    ColumnSeconds,
    BestMark,
    RetrainMark,
    ReviewTitle,
    ReviewPlaceholder,
    Positive,
    Negative,
    EmptyReview,
    NoKnownWords,
    KnownWords {
        known: usize,
        distinct: usize,
    },
    TowardsPositive,
    TowardsNegative,
    EffectsSkipped {
        limit: usize,
    },
    ModelExploration {
        epoch: usize,
    },
    ModelRetrained {
        epochs: usize,
    },
    NoModel,
    RetrainTitle,
    RetrainQuestion {
        reviews: usize,
        /// Largest epoch count the prompt accepts.
        max: usize,
    },
    RetrainKeys,
    InvalidEpochs {
        input: &'a str,
        max: usize,
    },
    QuitTitle,
    QuitQuestion,
    RunInProgress,
    NoRunToCancel,
    CancelRequested,
    DataNotReady,
    NoModelToSave,
    SaveRequested,
    Saved {
        path: &'a str,
    },
    SaveFailed {
        message: &'a str,
    },
    Exported {
        csv: &'a str,
        json: &'a str,
    },
    ExportFailed {
        message: &'a str,
    },
    NothingToExport,
    RunFailed {
        reason: &'a FailureReason,
    },
    DataFailed {
        message: &'a str,
    },
    RunCancelled {
        epochs: usize,
    },
    FooterKeys,
    FooterReviewKeys,
    FooterTableKeys,
    HelpTitle,
    HelpFocus,
    HelpReview,
    HelpTable,
    HelpRetrain,
    HelpNewRun,
    HelpCancel,
    HelpSave,
    HelpExport,
    HelpQuit,
    HelpOverfitting,
    HelpLanguage,
    HelpClose,
    TooSmall {
        width: u16,
        height: u16,
        min_width: u16,
        min_height: u16,
    },
    DumbTerminal,
    PhaseDataMissing,
    PhaseDownloading,
    DataMissingTitle,
    DataLookedIn,
    /// One place the dataset was looked for, as the data module words it,
    /// such as `--data (not given)`.
    LookedInPlace {
        place: &'a str,
    },
    /// Question of the dashboard's download dialog. `size` is in bytes,
    /// `None` for a mirror whose size is not known in advance.
    DownloadOffer {
        url: &'a str,
        size: Option<u64>,
        dir: &'a str,
    },
    DownloadOfferKeys,
    DownloadingTitle,
    DownloadingFrom {
        url: &'a str,
        dir: &'a str,
    },
    /// Bytes received, the total when known, the rate in bytes per second
    /// and the time left, as far as they are known.
    DownloadStats {
        done: u64,
        total: Option<u64>,
        rate: Option<u64>,
        left: Option<&'a str>,
    },
    DownloadingKeys,
    DownloadFailedTitle,
    DownloadFailedKeys,
    DownloadDeclinedKeys,
    NoDownload,
    NoDownloadKeys,
    /// The ways to get the dataset besides the dashboard's download.
    DataWayOut {
        page: &'a str,
        dir: &'a str,
    },
    NotATerminal,
    /// The command line's download question, answered on standard input.
    AskDownload {
        url: &'a str,
        size: Option<u64>,
        dir: &'a str,
    },
    DownloadDeclined,
    AnswerUnreadable,
    StageLoadingCache,
    StageReadingReviews,
    StageBuildingVocabulary,
    StageSavingCache,
    StageDone,
    WarningLine {
        message: &'a str,
    },
    ErrorLine {
        message: &'a str,
    },
    CacheRebuilt {
        path: &'a str,
        reason: &'a str,
    },
    CacheNotWritten {
        path: &'a str,
        reason: &'a str,
    },
    UnsafePathsIgnored {
        count: usize,
        example: &'a str,
    },
    UnrecognizedFilesIgnored {
        count: usize,
        example: &'a str,
    },
    /// One line of `imdb-tui train`; `validation` is `(loss, accuracy)`.
    TrainEpoch {
        epoch: usize,
        epochs: usize,
        loss: f64,
        accuracy: f64,
        validation: Option<(f64, f64)>,
        seconds: f64,
    },
    /// Validation loss is lowest at `epoch` and higher at a later epoch.
    /// `command` retrains the same experiment for `epoch` epochs.
    TrainBest {
        epoch: usize,
        loss: f64,
        command: &'a str,
    },
    TrainTest {
        loss: f64,
        accuracy: f64,
    },
    TrainTotal {
        epochs: usize,
        seconds: f64,
    },
    TrainerVanished,
    TrainerNotStarted {
        message: &'a str,
    },
    /// The system refused to start the download or data thread.
    ThreadNotStarted {
        message: &'a str,
    },
    /// The log file could not be opened; `reason` names the path and error.
    NoLogFile {
        reason: &'a str,
    },
    /// The folder of `--save PATH` could not be created.
    SaveFolderNotCreated {
        folder: &'a str,
        path: &'a str,
    },
    HelpSettings,
    SettingsTitle,
    /// Line of the settings panel on editing and on the effect of Enter.
    SettingsIntro,
    SettingsKeys,
    /// Label of a settings field.
    SettingName {
        field: Field,
    },
    /// The allowed values of a settings field, short enough for a column.
    SettingRange {
        allowed: Allowed,
    },
    /// A command-line option with a value that its field does not allow.
    InvalidSetting {
        option: &'a str,
        value: &'a str,
        allowed: Allowed,
    },
    /// The settings panel rejected Enter because of this field's value.
    SettingRejected {
        field: Field,
        value: &'a str,
        allowed: Allowed,
    },
    ModelFilesSaved {
        weights: &'a str,
        info: &'a str,
    },
    ReviewUnreadable,
    FetchAlreadyComplete {
        path: &'a str,
    },
    FetchDownloaded {
        path: &'a str,
        bytes: u64,
    },
    FetchResumed {
        path: &'a str,
        bytes: u64,
        from: u64,
    },
    /// `looked_in` lists the places checked, worded by the data module.
    DataNotFound {
        looked_in: &'a [String],
        page: &'a str,
        dir: &'a str,
    },
    DataPathNotFound {
        path: &'a str,
        origin: &'a str,
    },
    /// `path` is missing: the weights or the `.json` beside them.
    /// `weights` is the `.npz` path to save a model to.
    ModelNotFound {
        path: &'a str,
        weights: &'a str,
    },
    ModelInvalid {
        path: &'a str,
        reason: &'a str,
    },
    FetchInvalidUrl {
        url: &'a str,
    },
    FetchInvalidMd5 {
        value: &'a str,
    },
    FetchHostNotFound {
        url: &'a str,
        dir: &'a str,
    },
    FetchConnectionRefused {
        url: &'a str,
        dir: &'a str,
    },
    FetchHttpStatus {
        url: &'a str,
        status: u16,
        dir: &'a str,
    },
    FetchTimedOut {
        url: &'a str,
        seconds: f64,
        received: u64,
        dir: &'a str,
    },
    FetchSizeMismatch {
        url: &'a str,
        expected: u64,
        actual: u64,
    },
    FetchChecksumMismatch {
        url: &'a str,
        expected: &'a str,
        actual: &'a str,
    },
    FetchDiskFull {
        path: &'a str,
    },
    FetchCancelled {
        received: u64,
    },
    /// A data error that only the data module words, in English.
    DataErrorDetail {
        message: &'a str,
    },
    /// A download error that only the download module words, in English.
    FetchErrorDetail {
        message: &'a str,
    },
    /// A model file error that only the model module words, in English.
    ModelErrorDetail {
        message: &'a str,
    },
    /// A run's name: its differences from the classic recipe, or the
    /// recipe's own name when `parts` is empty.
    RunName {
        parts: &'a [NamePart],
    },
    /// A run in the legend of the runs chart, with its kind.
    RunsLegendEntry {
        name: &'a str,
        kind: &'a str,
    },
    RunsTitle,
    RunsEmpty,
    RunsPickHint {
        max: usize,
    },
    RunsNoValidation,
    RunsChartLoss,
    RunsChartAccuracy,
    /// Column headers of the runs table, one or two lines like those of
    /// the epoch table.
    RunsColumnName,
    RunsColumnKind,
    RunsColumnEpochs,
    RunsColumnBest,
    RunsColumnTest,
    RunsColumnTime,
    RunsColumnStatus,
    RunKindExploration,
    RunKindRetrain,
    RunStatusRunning,
    RunStatusCancelled,
    RunStatusFailed,
    RunStatusEarlier,
    FooterRunsKeys,
    HelpRuns,
    ClearRunsTitle,
    ClearRunsQuestion {
        count: usize,
    },
    RunsCleared,
    NoRunsToClear,
    RunsDeleteFailed {
        message: &'a str,
    },
    RunsNotSaved {
        message: &'a str,
    },
    RunsFileMovedAside {
        path: &'a str,
        moved_to: &'a str,
        problem: &'a RunsFileProblem,
    },
    RunsFileKept {
        path: &'a str,
        problem: &'a RunsFileProblem,
        error: &'a str,
    },
    PickLimit {
        max: usize,
    },
    /// A file at the download's destination that is not the expected archive.
    /// `expected_size` is `None` for a mirror's file of unknown size.
    FetchExistingFileMismatch {
        path: &'a str,
        size: u64,
        md5: &'a str,
        expected_size: Option<u64>,
        expected_md5: &'a str,
    },
    /// A folder, broken link or other entry at the download's destination.
    FetchDestinationNotAFile {
        path: &'a str,
    },
    // Messages of the command line's checks of its options and results.
    /// `--save` or `--model` names the `.json` file; `weights` is the
    /// `.npz` path to give instead.
    ModelPathIsJson {
        option: &'a str,
        path: &'a str,
        weights: &'a str,
    },
    /// `--save` or `--model` names a folder; `weights` is a file path in it.
    ModelPathIsFolder {
        option: &'a str,
        path: &'a str,
        weights: &'a str,
    },
    /// An option that the command ignores, such as `--vocab` for
    /// `fetch-data`.
    OptionNotForCommand {
        option: &'a str,
        command: &'a str,
    },
    /// A setting given before a command, where only the dashboard reads it.
    SettingBeforeCommand {
        option: &'a str,
        command: &'a str,
    },
    /// Validation loss is lowest at the last `epoch`, so it has not risen
    /// yet. `command` explores the same experiment for more epochs.
    TrainLowestSoFar {
        epoch: usize,
        loss: f64,
        /// A run with more epochs, or `None` when the run had the most
        /// epochs `--epochs` allows, `max_epochs`.
        command: Option<&'a str>,
        max_epochs: usize,
    },
    /// A review given to `predict`, numbered from 1, has no word of the
    /// model's vocabulary. `start` is its first characters.
    ReviewWithoutKnownWords {
        number: usize,
        start: &'a str,
    },
    // Messages of the dashboard fixes: the quit dialog after the run ended,
    // and a character that a settings panel field does not take.
    QuitQuestionRunEnded,
    SettingCharRejected {
        field: Field,
        character: char,
        allowed: Allowed,
    },
    /// The dashboard's sentence when the exploration run is not learning.
    NotLearning {
        stall: Stall,
    },
    /// The `train` summary when the run is not learning.
    TrainNotLearning {
        stall: Stall,
    },
    // Messages of the signal and closed-pipe handling of the headless
    // commands.
    /// Context of an error of writing to standard output other than a
    /// closed pipe.
    StdoutWriteFailed,
    /// `train` stopped on `signal` (`SIGINT` or `SIGTERM`) after `epochs`
    /// finished epochs, without saving.
    TrainStopped {
        signal: &'a str,
        epochs: usize,
    },
    /// `signal`, arriving after a first termination signal, ended `train`
    /// without waiting for the run.
    TrainStoppedAtOnce {
        signal: &'a str,
    },
}

/// Formats a count with thousands separators: 25000 becomes `25,000`.
pub fn format_count(count: u64) -> String {
    let digits = count.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// Formats a byte count in binary units: `27.3 MiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn count(value: usize) -> String {
    format_count(value as u64)
}

/// Writes `value` and then `singular` for exactly 1, or `plural` for any
/// other count, as English counts nouns: `1 epoch`, `2 epochs`.
fn count_noun(value: usize, singular: &str, plural: &str) -> String {
    let noun = if value == 1 { singular } else { plural };
    format!("{} {noun}", count(value))
}

fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// Formats a size in decimal megabytes, as download pages state it:
/// 84,125,825 bytes is `84 MB`.
fn megabytes(bytes: u64) -> String {
    format!("{} MB", (bytes + 500_000) / 1_000_000)
}

/// Writes one `  - item` line per item, each item worded by `word`.
fn bullet_list(items: &[String], word: fn(&str) -> String) -> String {
    items
        .iter()
        .map(|item| format!("  - {}", word(item)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Translates the English note at the end of a place the data module looked
/// in, such as ` (not given)`. A place with another note, or none, is kept
/// as the data module wrote it.
fn place_zh(place: &str) -> String {
    const NOTES: [(&str, &str); 3] = [
        (" (not given)", "（未指定）"),
        (" (not set)", "（未设置）"),
        (" (folder)", "（文件夹）"),
    ];
    for (english, chinese) in NOTES {
        if let Some(name) = place.strip_suffix(english) {
            return format!("{name}{chinese}");
        }
    }
    place.to_owned()
}

/// Words a whole-number bound, writing the largest `u64` as `2^64-1`.
fn whole_bound(value: u64) -> String {
    if value == u64::MAX {
        "2^64-1".to_owned()
    } else {
        format_count(value)
    }
}

fn range_en(allowed: Allowed) -> String {
    match allowed {
        Allowed::Whole { min, max } => format!("{} to {}", whole_bound(min), whole_bound(max)),
        Allowed::Decimal {
            min,
            max,
            above_min: true,
        } => format!("above {min}, up to {max}"),
        Allowed::Decimal { min, max, .. } => format!("{min} to {max}"),
        Allowed::Choice(names) => names.join(", "),
    }
}

fn range_zh(allowed: Allowed) -> String {
    match allowed {
        Allowed::Whole { min, max } => format!("{} 到 {}", whole_bound(min), whole_bound(max)),
        Allowed::Decimal {
            min,
            max,
            above_min: true,
        } => format!("大于 {min}，不超过 {max}"),
        Allowed::Decimal { min, max, .. } => format!("{min} 到 {max}"),
        Allowed::Choice(names) => names.join("、"),
    }
}

fn field_name_en(field: Field) -> &'static str {
    match field {
        Field::HiddenLayers => "Hidden layers",
        Field::Units => "Units per layer",
        Field::Activation => "Activation",
        Field::Loss => "Loss",
        Field::Optimizer => "Optimizer",
        Field::LearningRate => "Learning rate",
        Field::BatchSize => "Batch size",
        Field::ValidationSize => "Validation reviews",
        Field::VocabSize => "Vocabulary size",
        Field::Dropout => "Dropout",
        Field::L2 => "L2 penalty",
        Field::Epochs => "Epochs",
        Field::Seed => "Seed",
    }
}

fn field_name_zh(field: Field) -> &'static str {
    match field {
        Field::HiddenLayers => "隐藏层数",
        Field::Units => "每层单元数",
        Field::Activation => "激活函数",
        Field::Loss => "损失函数",
        Field::Optimizer => "优化器",
        Field::LearningRate => "学习率",
        Field::BatchSize => "批大小",
        Field::ValidationSize => "验证集大小",
        Field::VocabSize => "词表大小",
        Field::Dropout => "丢弃率 (dropout)",
        Field::L2 => "L2 正则化系数",
        Field::Epochs => "轮次数",
        Field::Seed => "随机种子",
    }
}

/// Lists the ways around a failing download server, in English. Only
/// `fetch-data` accepts `--url`, so the wording names that command, which
/// is true wherever the download failed.
fn fallback_en(dir: &str) -> String {
    format!(
        "download from a mirror with `imdb-tui fetch-data --url URL` (or set IMDB_DATA_URL), \
         or place aclImdb_v1.tar.gz in {} by hand",
        folder(dir)
    )
}

/// Lists the ways around a failing download server, in Chinese.
fn fallback_zh(dir: &str) -> String {
    format!(
        "或用 `imdb-tui fetch-data --url URL`（或设置 IMDB_DATA_URL）从镜像下载，\
         或手动把 aclImdb_v1.tar.gz 放到 {}",
        folder(dir)
    )
}

/// Writes a folder path with one trailing `/`, so that `data` reads as the
/// folder `data/`.
fn folder(dir: &str) -> String {
    if dir.ends_with('/') {
        dir.to_owned()
    } else {
        format!("{dir}/")
    }
}

fn english(message: &Msg<'_>) -> String {
    use Msg::*;
    match *message {
        AppTitle => "IMDB reviews: dense network, live".into(),
        DataLine {
            source,
            train,
            test,
        } => format!(
            "Data: {source}, {} training and {}",
            count(train),
            count_noun(test, "test review", "test reviews")
        ),
        DataPending => "Data: not loaded yet".into(),
        VocabularyLine { words } => {
            format!("Vocabulary: top {}", count_noun(words, "word", "words"))
        }
        ConfigLine {
            name,
            batch_size,
            learning_rate,
            validation,
        } => {
            let batch = batch_size.map(|size| format!("batch size {size}, "));
            let rate = learning_rate.map(|rate| format!("learning rate {rate}, "));
            format!(
                "Settings: {name}; {}{}{} reviews held out for validation",
                batch.unwrap_or_default(),
                rate.unwrap_or_default(),
                count(validation)
            )
        }
        PhasePreparing => "preparing data".into(),
        PhaseReady => "ready".into(),
        PhaseExploring => "exploring".into(),
        PhaseRetraining => "retraining".into(),
        PhaseDone => "done".into(),
        PhaseCancelled => "cancelled".into(),
        PhaseFailed => "failed".into(),
        PhaseLabel => "Phase: ".into(),
        EpochOf { epoch, epochs } => format!("epoch {epoch} of {epochs}"),
        Elapsed { time } => format!("elapsed {time}"),
        Remaining { time } => format!("about {time} left"),
        PrepareBytes {
            read,
            total,
            reviews,
        } => format!(
            "read {} of {}, {}",
            format_bytes(read),
            format_bytes(total),
            count_noun(reviews, "review", "reviews")
        ),
        PrepareReviews { reviews } => {
            format!("{} read", count_noun(reviews, "review", "reviews"))
        }
        TestResult { loss, accuracy } => {
            format!("Test set: loss {loss:.3}, accuracy {}", percent(accuracy))
        }
        LossTitle { loss } => match loss {
            LossKind::BinaryCrossEntropy => "Loss (binary cross-entropy)".into(),
            LossKind::MeanSquaredError => "Loss (mean squared error)".into(),
        },
        AccuracyTitle => "Accuracy".into(),
        EpochAxis => "epoch".into(),
        SeriesTraining => "training".into(),
        SeriesValidation => "validation".into(),
        SeriesAfterBest => "overfitting".into(),
        SeriesRetrain => "retrain".into(),
        SeriesBest => "lowest val loss".into(),
        NoEpochsYet => "No finished epoch yet.".into(),
        Overfitting { epoch, loss } => format!(
            "Validation loss is lowest at epoch {epoch} ({loss:.3}) and rises after it: overfitting. \
             Press r to retrain with {}.",
            count_noun(epoch, "epoch", "epochs")
        ),
        LowestSoFar { epoch, loss } => format!(
            "Validation loss is lowest so far at epoch {epoch} ({loss:.3}); it has not risen yet."
        ),
        AccuracyPeak { epoch, accuracy } => format!(
            "Validation accuracy peaks at a different epoch: {epoch} ({}).",
            percent(accuracy)
        ),
        TableTitle => "Epochs".into(),
        ColumnEpoch => "epoch".into(),
        ColumnTrainLoss => "train\nloss".into(),
        ColumnTrainAccuracy => "train\nacc".into(),
        ColumnValLoss => "val\nloss".into(),
        ColumnValAccuracy => "val\nacc".into(),
        ColumnSeconds => "secs".into(),
        BestMark => "best".into(),
        RetrainMark => "final".into(),
        ReviewTitle => "Review".into(),
        ReviewPlaceholder => "Type or paste a movie review in English".into(),
        Positive => "positive".into(),
        Negative => "negative".into(),
        EmptyReview => "Type a review to see what the model makes of it.".into(),
        NoKnownWords => "No known words: the probability comes from the biases alone.".into(),
        KnownWords { known, distinct } => format!(
            "{} of {} in the vocabulary",
            count(known),
            count_noun(distinct, "distinct word is", "distinct words are")
        ),
        TowardsPositive => "towards positive:".into(),
        TowardsNegative => "towards negative:".into(),
        EffectsSkipped { limit } => format!(
            "Word effects are shown for reviews with at most {} known words.",
            count(limit)
        ),
        ModelExploration { epoch } => {
            format!("Model: exploration run, weights after epoch {epoch}")
        }
        ModelRetrained { epochs } => format!(
            "Model: retrained model, {}",
            count_noun(epochs, "epoch", "epochs")
        ),
        NoModel => "No model yet: predictions start after the first epoch.".into(),
        RetrainTitle => "Retrain".into(),
        RetrainQuestion { reviews, max } => format!(
            "Train a fresh model on all {} and test it. Number of epochs (1 to {max}):",
            count_noun(reviews, "training review", "training reviews")
        ),
        RetrainKeys => "Enter: start   Esc: cancel".into(),
        InvalidEpochs { input, max } => {
            format!(
                "\"{input}\" is not a whole number from 1 to {max}. Enter the number of epochs again."
            )
        }
        QuitTitle => "Quit".into(),
        QuitQuestion => "A run is in progress. Stop it and quit? y: quit   n: stay".into(),
        RunInProgress => "A run is in progress. Press c to cancel it first.".into(),
        NoRunToCancel => "No run is in progress.".into(),
        CancelRequested => "Cancelling: the run stops after the current batch.".into(),
        DataNotReady => "The data is not ready yet.".into(),
        NoModelToSave => "No model to save yet.".into(),
        SaveRequested => "Saving the model...".into(),
        Saved { path } => format!("Model saved to {path}"),
        SaveFailed { message } => format!("Saving the model failed: {message}"),
        Exported { csv, json } => format!("History exported to {csv} and {json}"),
        ExportFailed { message } => format!("Exporting the history failed: {message}"),
        NothingToExport => "No finished epoch to export yet.".into(),
        RunFailed { reason } => format!("Training failed: {reason}"),
        DataFailed { message } => format!("Preparing the data failed: {message}"),
        RunCancelled { epochs } => format!(
            "Run cancelled after {}.",
            count_noun(epochs, "epoch", "epochs")
        ),
        FooterKeys => {
            "Tab focus  r retrain  n new run  c cancel  s save  e export  ? help  q quit".into()
        }
        FooterReviewKeys => "Typing goes into the review  Esc/Tab leave the box".into(),
        FooterTableKeys => "Up/Down PgUp/PgDn scroll  Tab focus  ? help  q quit".into(),
        HelpTitle => "Help".into(),
        HelpFocus => "Tab / Shift-Tab   move focus: charts, epoch table, review box".into(),
        HelpReview => {
            "In the review box every key types; Esc or Tab leaves it. Paste works.".into()
        }
        HelpTable => "Up/Down, PgUp/PgDn, Home/End   scroll the epoch table".into(),
        HelpRetrain => "r   retrain on all training reviews for a chosen number of epochs".into(),
        HelpNewRun => "n   start a new exploration run".into(),
        HelpCancel => "c   cancel the run in progress".into(),
        HelpSave => "s   save the model that serves predictions".into(),
        HelpExport => "e   export the run history as CSV and JSON".into(),
        HelpQuit => "q / Esc   quit (asks first while a run is in progress)".into(),
        HelpOverfitting => "The vertical line marks the epoch with the lowest validation loss; \
             points after it are drawn apart: overfitting."
            .into(),
        HelpLanguage => {
            "Language: start with --lang en or --lang zh, or set LANG (zh_CN.UTF-8 for Chinese)."
                .into()
        }
        HelpClose => "Press any key to close this help.".into(),
        TooSmall {
            width,
            height,
            min_width,
            min_height,
        } => format!(
            "The terminal is {width}x{height}. The dashboard needs at least {min_width}x{min_height}: \
             enlarge the window."
        ),
        DumbTerminal => {
            "TERM is \"dumb\": this terminal cannot move the cursor, so the dashboard cannot draw. \
             Run imdb-tui in a terminal such as xterm or tmux, or set TERM to match yours."
                .into()
        }
        PhaseDataMissing => "data missing".into(),
        PhaseDownloading => "downloading data".into(),
        DataMissingTitle => "Dataset missing".into(),
        DataLookedIn => "The IMDB dataset was not found. Looked in:".into(),
        LookedInPlace { place } => format!("  - {place}"),
        DownloadOffer { url, size, dir } => match size {
            Some(size) => format!("Download it ({}) from {url} into {dir}/?", megabytes(size)),
            None => format!("Download it from {url} into {dir}/?"),
        },
        DownloadOfferKeys => "y: download   n: not now   q: quit".into(),
        DownloadingTitle => "Downloading the dataset".into(),
        DownloadingFrom { url, dir } => format!("From {url} into {dir}/"),
        DownloadStats {
            done,
            total,
            rate,
            left,
        } => {
            let mut text = match total {
                Some(total) => format!("{} of {}", format_bytes(done), format_bytes(total)),
                None => format_bytes(done),
            };
            if let Some(rate) = rate {
                let _ = write!(text, "   {}/s", format_bytes(rate));
            }
            if let Some(left) = left {
                let _ = write!(text, "   about {left} left");
            }
            text
        }
        DownloadingKeys => "q: quit (the next start resumes the download)".into(),
        DownloadFailedTitle => "Download failed".into(),
        DownloadFailedKeys => "y: try again   q: quit".into(),
        DownloadDeclinedKeys => "y: download now   q: quit".into(),
        NoDownload => "--no-download is set, so the dataset is not downloaded.".into(),
        NoDownloadKeys => "q: quit".into(),
        DataWayOut { page, dir } => format!(
            "Other ways to get it: run `imdb-tui fetch-data`, point IMDB_DATA_URL and \
             IMDB_DATA_MD5 at a mirror, or download aclImdb_v1.tar.gz from {page} by hand and \
             place it in {dir}/. Then start imdb-tui again."
        ),
        NotATerminal => "standard output is not a terminal, and the dashboard needs one; \
             run `imdb-tui train` for a run without the dashboard"
            .into(),
        AskDownload { url, size, dir } => match size {
            Some(size) => format!(
                "Download the dataset ({}) from {url} into {dir}/ now? [y/N] ",
                megabytes(size)
            ),
            None => format!("Download the dataset from {url} into {dir}/ now? [y/N] "),
        },
        DownloadDeclined => {
            "the dataset is needed to train; run `imdb-tui fetch-data` when you are ready".into()
        }
        AnswerUnreadable => "failed to read the answer".into(),
        StageLoadingCache => "loading the cache".into(),
        StageReadingReviews => "reading reviews".into(),
        StageBuildingVocabulary => "building the vocabulary".into(),
        StageSavingCache => "saving the cache".into(),
        StageDone => "done".into(),
        WarningLine { message } => format!("warning: {message}"),
        ErrorLine { message } => format!("error: {message}"),
        CacheRebuilt { path, reason } => {
            format!("rebuilt the dataset cache {path} because {reason}")
        }
        CacheNotWritten { path, reason } => format!(
            "failed to write the dataset cache {path} ({reason}); the reviews will be read \
             again on the next start"
        ),
        UnsafePathsIgnored { count, example } => format!(
            "ignored {count} archive entries with an absolute path or `..`, such as {example}"
        ),
        UnrecognizedFilesIgnored { count, example } => format!(
            "ignored {count} files in pos/ or neg/ that are not ID_RATING.txt review files, \
             such as {example}"
        ),
        TrainEpoch {
            epoch,
            epochs,
            loss,
            accuracy,
            validation,
            seconds,
        } => {
            let validation = match validation {
                Some((loss, accuracy)) => {
                    format!("  val loss {loss:.4}  val accuracy {accuracy:.4}")
                }
                None => String::new(),
            };
            format!(
                "epoch {epoch:>3}/{epochs}  loss {loss:.4}  accuracy {accuracy:.4}{validation}  {seconds:.3} s"
            )
        }
        TrainBest {
            epoch,
            loss,
            command,
        } => format!(
            "validation loss is lowest at epoch {epoch} ({loss:.4}); overfitting begins after it. \
             Retrain with `{command}`."
        ),
        TrainTest { loss, accuracy } => {
            format!("test loss {loss:.4}  test accuracy {accuracy:.4}")
        }
        TrainTotal { epochs, seconds } => format!(
            "trained {} in {seconds:.2} s",
            count_noun(epochs, "epoch", "epochs")
        ),
        TrainerVanished => "the trainer thread ended without a result".into(),
        TrainerNotStarted { message } => format!("failed to start the trainer thread: {message}"),
        ThreadNotStarted { message } => format!("failed to start a thread: {message}"),
        NoLogFile { reason } => format!("no log file, so nothing is logged ({reason})"),
        SaveFolderNotCreated { folder, path } => {
            format!("failed to create the folder {folder} for --save {path}")
        }
        HelpSettings => "o   change the network and training settings, then start a new run".into(),
        SettingsTitle => "Settings".into(),
        SettingsIntro => {
            "A digit typed on a newly selected row replaces its number. Enter starts a \
             new exploration run with these settings and cancels a run in progress."
                .into()
        }
        SettingsKeys => {
            "Up/Down move  Left/Right change  0-9 . type  Backspace delete  d defaults  \
             Enter run  Esc close"
                .into()
        }
        SettingName { field } => field_name_en(field).into(),
        SettingRange { allowed } => range_en(allowed),
        InvalidSetting {
            option,
            value,
            allowed,
        } => format!(
            "invalid value \"{value}\" for {option} (allowed: {})",
            range_en(allowed)
        ),
        SettingRejected {
            field,
            value,
            allowed,
        } => format!(
            "{}: \"{value}\" is not allowed (allowed: {}). Change it, or press d for the defaults.",
            field_name_en(field),
            range_en(allowed)
        ),
        ModelFilesSaved { weights, info } => format!("saved the model to {weights} and {info}"),
        ReviewUnreadable => "failed to read a review from standard input".into(),
        FetchAlreadyComplete { path } => format!("{path} is already complete"),
        FetchDownloaded { path, bytes } => format!("downloaded {path} ({bytes} bytes)"),
        FetchResumed { path, bytes, from } => {
            format!("downloaded {path} ({bytes} bytes, resumed at byte {from})")
        }
        DataNotFound {
            looked_in,
            page,
            dir,
        } => format!(
            "the IMDB dataset was not found; looked in:\n{}\nRun `imdb-tui fetch-data`, or \
             download aclImdb_v1.tar.gz from {page} and place it in {}",
            bullet_list(looked_in, str::to_owned),
            folder(dir)
        ),
        DataPathNotFound { path, origin } => format!(
            "{path} does not exist (given by {origin}); check the path, or run \
             `imdb-tui fetch-data` to download the dataset"
        ),
        ModelNotFound { path, weights } => format!(
            "model file {path} not found: train and save one with \
             `imdb-tui train --full --save {weights}`, which writes {weights} and the .json \
             beside it"
        ),
        ModelInvalid { path, reason } => {
            format!("invalid model file {path}: {reason}; save the model again")
        }
        FetchInvalidUrl { url } => format!(
            "invalid download URL {url:?}: expected an http:// or https:// URL with a host; \
             give a valid mirror URL with `imdb-tui fetch-data --url URL`, or in IMDB_DATA_URL"
        ),
        FetchInvalidMd5 { value } => format!(
            "invalid MD5 checksum {value:?}: expected 32 hexadecimal digits; give the mirror's \
             checksum with `imdb-tui fetch-data --md5 HEX`, or in IMDB_DATA_MD5"
        ),
        FetchHostNotFound { url, dir } => format!(
            "could not resolve the host of {url}: check the network connection and retry, {}",
            fallback_en(dir)
        ),
        FetchConnectionRefused { url, dir } => {
            format!(
                "connection to {url} refused: retry later, {}",
                fallback_en(dir)
            )
        }
        FetchHttpStatus { url, status, dir } => format!(
            "{url} returned HTTP status {status}; check the URL or retry later, {}",
            fallback_en(dir)
        ),
        FetchTimedOut {
            url,
            seconds,
            received,
            dir,
        } => format!(
            "timed out: no data from {url} for {seconds} s after {received} bytes; retry to \
             resume, {}",
            fallback_en(dir)
        ),
        FetchSizeMismatch {
            url,
            expected,
            actual,
        } => format!(
            "size mismatch for {url}: expected {expected} bytes, the server sent {actual}; the \
             partial file was removed; retry, or, if the mirror serves another file, give its \
             checksum with `imdb-tui fetch-data --md5 HEX` or in IMDB_DATA_MD5"
        ),
        FetchChecksumMismatch {
            url,
            expected,
            actual,
        } => format!(
            "checksum mismatch for {url}: expected MD5 {expected}, got {actual}; the download \
             was removed; retry, or download from a mirror with \
             `imdb-tui fetch-data --url URL --md5 HEX` (or set IMDB_DATA_URL and IMDB_DATA_MD5)"
        ),
        FetchDiskFull { path } => {
            format!("disk full while writing {path}; free space on that disk and retry to resume")
        }
        FetchCancelled { received } => {
            format!("download cancelled after {received} bytes; run it again to resume")
        }
        DataErrorDetail { message }
        | FetchErrorDetail { message }
        | ModelErrorDetail { message } => message.to_owned(),
        RunName { parts: [] } => "classic recipe".into(),
        RunName { parts } => join(parts.iter().map(english_name_part), ", "),
        RunsLegendEntry { name, kind } => format!("{name} ({kind})"),
        RunsTitle => "Runs".into(),
        RunsEmpty => "No runs yet. Each run appears here when it starts, and the finished runs \
             of earlier sessions are loaded from the runs file."
            .into(),
        RunsPickHint { max } => format!(
            "Press Space on runs in the table to overlay their validation curves here \
             (up to {max})."
        ),
        RunsNoValidation => "The picked runs have no validation data: a retrain trains on all \
             training reviews."
            .into(),
        RunsChartLoss => "Validation loss".into(),
        RunsChartAccuracy => "Validation accuracy".into(),
        RunsColumnName => "name".into(),
        RunsColumnKind => "kind".into(),
        RunsColumnEpochs => "epochs".into(),
        RunsColumnBest => "best\nepoch".into(),
        RunsColumnTest => "test\nacc".into(),
        RunsColumnTime => "time".into(),
        RunsColumnStatus => "status".into(),
        RunKindExploration => "explore".into(),
        RunKindRetrain => "retrain".into(),
        RunStatusRunning => "running".into(),
        RunStatusCancelled => "cancelled".into(),
        RunStatusFailed => "failed".into(),
        RunStatusEarlier => "earlier".into(),
        FooterRunsKeys => {
            "Up/Down move  Space pick  m loss/acc  x delete all  Esc back  ? help  q quit".into()
        }
        HelpRuns => {
            "h   compare runs: Space picks, m loss/accuracy, x deletes all, Esc back".into()
        }
        ClearRunsTitle => "Delete all runs".into(),
        ClearRunsQuestion { count: 1 } => "Delete the only run, here and in the runs file? This \
             cannot be undone. y deletes, n or Esc keeps it."
            .into(),
        ClearRunsQuestion { count: runs } => format!(
            "Delete all {} runs, here and in the runs file? This cannot be undone. \
             y deletes, n or Esc keeps them.",
            count(runs)
        ),
        RunsCleared => "All runs deleted.".into(),
        NoRunsToClear => "There are no runs to delete.".into(),
        RunsDeleteFailed { message } => format!("Deleting the runs file failed: {message}"),
        RunsNotSaved { message } => {
            format!("Saving the runs failed: {message}. They stay in memory until you quit.")
        }
        RunsFileMovedAside {
            path,
            moved_to,
            problem,
        } => format!(
            "Runs file renamed to {moved_to}: loading {path} failed ({}). The dashboard starts \
             with no earlier runs.",
            english_runs_problem(problem)
        ),
        RunsFileKept {
            path,
            problem,
            error,
        } => format!(
            "Loading {path} failed ({}), and renaming it aside failed too ({error}). It is \
             left as it is, and the runs of this session are not saved.",
            english_runs_problem(problem)
        ),
        ModelPathIsJson {
            option,
            path,
            weights,
        } => format!(
            "invalid value \"{path}\" for {option}: it names the .json file, but {option} takes \
             the weights; use {weights}, and the .json of the same name goes beside it"
        ),
        ModelPathIsFolder {
            option,
            path,
            weights,
        } => format!(
            "invalid value \"{path}\" for {option}: it is a folder, but {option} takes the \
             weights file; use a file in it such as {weights}"
        ),
        OptionNotForCommand { option, command } => {
            format!("{option} does not apply to `imdb-tui {command}`; leave it out")
        }
        SettingBeforeCommand { option, command } => format!(
            "{option} before the command sets the dashboard's run only; put it after \
             `{command}`, as in `imdb-tui {command} {option} ...`"
        ),
        TrainLowestSoFar {
            epoch,
            loss,
            command: Some(command),
            ..
        } => format!(
            "validation loss is lowest so far at epoch {epoch} ({loss:.4}); it has not risen \
             yet, so overfitting has not begun. Train more epochs to find where it does, such \
             as `{command}`."
        ),
        TrainLowestSoFar {
            epoch,
            loss,
            command: None,
            max_epochs,
        } => format!(
            "validation loss is lowest so far at epoch {epoch} ({loss:.4}); it has not risen \
             within {max_epochs} epochs, the most `--epochs` allows, so overfitting has not \
             begun. A larger learning rate makes each epoch go further."
        ),
        ReviewWithoutKnownWords { number, start } => format!(
            "note: review {number} (\"{start}\") has no words in the vocabulary, so its \
             probability comes from the network's biases alone"
        ),
        PickLimit { max } => {
            format!("The chart shows at most {max} runs: press Space on a picked run to drop it.")
        }
        FetchExistingFileMismatch {
            path,
            size,
            md5,
            expected_size,
            expected_md5,
        } => {
            let expected = match expected_size {
                Some(bytes) => format!("{bytes} bytes and MD5 {expected_md5}"),
                None => format!("MD5 {expected_md5}"),
            };
            format!(
                "{path} is already there but is not the expected archive: it has {size} bytes \
                 and MD5 {md5}, expected {expected}. imdb-tui leaves it untouched. To download \
                 the archive, move or rename {path}, then run `imdb-tui fetch-data` again. To \
                 accept this file, run `imdb-tui fetch-data --md5 {md5}` (or set \
                 IMDB_DATA_MD5), or train on it as it is with `imdb-tui train --data {path}`."
            )
        }
        FetchDestinationNotAFile { path } => format!(
            "{path} exists but is not a regular file, so imdb-tui leaves it untouched. Move or \
             rename it, then run `imdb-tui fetch-data` again."
        ),
        QuitQuestionRunEnded => "The run has ended. Quit now? y: quit   n: stay".into(),
        SettingCharRejected {
            field,
            character,
            allowed,
        } => {
            let name = field_name_en(field);
            let range = range_en(allowed);
            match allowed {
                Allowed::Whole { .. } => {
                    format!(
                        "{name} takes a whole number, {range}: \"{character}\" cannot be typed."
                    )
                }
                Allowed::Decimal { .. } => {
                    format!("{name} takes a number, {range}: \"{character}\" cannot be typed.")
                }
                Allowed::Choice(_) => format!("{name} is chosen with Left/Right: {range}."),
            }
        }
        NotLearning { stall } => format!(
            "The run is not learning: {}. {}.",
            stall_en(stall, 3),
            capitalized(stall_advice_en(stall))
        ),
        TrainNotLearning { stall } => format!(
            "the run is not learning: {}. {capitalized}; more or fewer epochs will not help.",
            stall_en(stall, 4),
            capitalized = capitalized(stall_advice_en(stall))
        ),
        StdoutWriteFailed => "writing to standard output failed".into(),
        TrainStopped { signal, epochs } => format!(
            "Training stopped by {signal} after {}. No model was saved.",
            count_noun(epochs, "epoch", "epochs")
        ),
        TrainStoppedAtOnce { signal } => {
            format!("Received {signal} while stopping. Exiting without waiting for the run.")
        }
    }
}

fn join(parts: impl Iterator<Item = String>, separator: &str) -> String {
    parts.collect::<Vec<_>>().join(separator)
}

fn english_name_part(part: &NamePart) -> String {
    match part {
        NamePart::Units(units) => format!("{units} units"),
        NamePart::Layers(1) => "1 layer".into(),
        NamePart::Layers(layers) => format!("{layers} layers"),
        NamePart::LayersOfUnits { layers, units } => format!("{layers} layers of {units} units"),
        NamePart::LayerSizes(sizes) => format!("layers {}", sizes_text(sizes)),
        NamePart::Activation(activation) => activation.name().into(),
        NamePart::Optimizer(OptimizerKind::RmsProp) => "RMSprop".into(),
        NamePart::Optimizer(OptimizerKind::Adam) => "Adam".into(),
        NamePart::Optimizer(OptimizerKind::SgdMomentum) => "SGD momentum".into(),
        NamePart::LearningRate(rate) => format!("lr {rate}"),
        NamePart::Loss(LossKind::BinaryCrossEntropy) => "BCE loss".into(),
        NamePart::Loss(LossKind::MeanSquaredError) => "MSE loss".into(),
        NamePart::Dropout(rate) => format!("dropout {rate}"),
        NamePart::L2(factor) => format!("L2 {factor}"),
        NamePart::BatchSize(size) => format!("batch {size}"),
        NamePart::Vocabulary(words) => count_noun(*words, "word", "words"),
        NamePart::Seed(seed) => format!("seed {seed}"),
    }
}

fn chinese_name_part(part: &NamePart) -> String {
    match part {
        NamePart::Units(units) => format!("{units} 单元"),
        NamePart::Layers(layers) => format!("{layers} 层"),
        NamePart::LayersOfUnits { layers, units } => format!("{layers} 层各 {units} 单元"),
        NamePart::LayerSizes(sizes) => format!("各层 {}", sizes_text(sizes)),
        NamePart::Activation(activation) => activation.name().into(),
        NamePart::Optimizer(OptimizerKind::RmsProp) => "RMSprop".into(),
        NamePart::Optimizer(OptimizerKind::Adam) => "Adam".into(),
        NamePart::Optimizer(OptimizerKind::SgdMomentum) => "SGD 动量".into(),
        NamePart::LearningRate(rate) => format!("学习率 {rate}"),
        NamePart::Loss(LossKind::BinaryCrossEntropy) => "交叉熵损失".into(),
        NamePart::Loss(LossKind::MeanSquaredError) => "均方误差损失".into(),
        NamePart::Dropout(rate) => format!("dropout {rate}"),
        NamePart::L2(factor) => format!("L2 {factor}"),
        NamePart::BatchSize(size) => format!("批大小 {size}"),
        NamePart::Vocabulary(words) => format!("词表 {}", count(*words)),
        NamePart::Seed(seed) => format!("种子 {seed}"),
    }
}

/// Writes layer sizes as `64-32-16`.
fn sizes_text(sizes: &[usize]) -> String {
    join(sizes.iter().map(usize::to_string), "-")
}

fn english_runs_problem(problem: &RunsFileProblem) -> String {
    match problem {
        RunsFileProblem::Unreadable(error) => format!("reading failed: {error}"),
        RunsFileProblem::Invalid(error) => format!("invalid runs JSON: {error}"),
        RunsFileProblem::OtherFormat => "not an imdb-tui runs file".into(),
        RunsFileProblem::NewerVersion(version) => format!(
            "written by a newer imdb-tui in format version {version}; this one reads version {}",
            crate::ui::runs_file::RUNS_FILE_VERSION
        ),
    }
}

fn chinese_runs_problem(problem: &RunsFileProblem) -> String {
    match problem {
        RunsFileProblem::Unreadable(error) => format!("读取失败：{error}"),
        RunsFileProblem::Invalid(error) => format!("不是有效的训练记录 JSON：{error}"),
        RunsFileProblem::OtherFormat => "不是 imdb-tui 的训练记录文件".into(),
        RunsFileProblem::NewerVersion(version) => format!(
            "由更新版本的 imdb-tui 以格式版本 {version} 写入；本版本读取版本 {}",
            crate::ui::runs_file::RUNS_FILE_VERSION
        ),
    }
}

/// Words why a run failed in Chinese. The English text is the reason's
/// `Display`, which the logs use too.
fn chinese_failure(reason: &FailureReason) -> String {
    match reason {
        FailureReason::Diverged {
            epoch,
            batch,
            learning_rate,
        } => format!(
            "第 {epoch} 轮第 {batch} 批的损失 (loss) 变成了 NaN 或无穷大，训练发散；请调低学习率 \
             (learning rate，当前 {learning_rate})"
        ),
        FailureReason::ZeroEpochs => "轮次 (epoch) 数 0 无效：至少训练 1 轮".to_owned(),
        FailureReason::ZeroBatchSize => "批大小 (batch size) 0 无效：每批至少 1 条影评".to_owned(),
        FailureReason::ZeroHiddenUnits { hidden_units } => {
            format!("隐藏层大小 {hidden_units:?} 无效：每层至少 1 个单元")
        }
        FailureReason::EmptyVocabulary => "词表为空：准备数据时词表至少要有 1 个词".to_owned(),
        FailureReason::InvalidLearningRate { learning_rate } => {
            format!("学习率 (learning rate) {learning_rate} 无效：请用正数，例如 0.001")
        }
        FailureReason::InvalidDropout { dropout } => {
            format!("dropout 比例 {dropout} 无效：请用不小于 0 且小于 1 的小数")
        }
        FailureReason::InvalidL2 { l2 } => {
            format!("L2 系数 {l2} 无效：请用 0 或正数，例如 0.001")
        }
        FailureReason::ValidationTooLarge {
            validation,
            reviews,
        } => format!(
            "验证集 {validation} 条会用掉全部 {reviews} 条训练影评：请使用训练影评更多的数据集，\
             或用 `imdb-tui train --full` 在全部影评上训练"
        ),
        FailureReason::NoTrainingReviews => "训练集没有影评".to_owned(),
        FailureReason::NoTestReviews => "测试集没有影评，无法评估最终模型".to_owned(),
        FailureReason::ThreadNotStarted { error } => format!("启动训练线程失败：{error}"),
    }
}

/// Words why a run is not learning, in English, with a flat loss to
/// `decimals` places.
fn stall_en(stall: Stall, decimals: usize) -> String {
    match stall {
        Stall::TrainingLossNotFalling { best_epoch } => format!(
            "training loss did not fall after epoch {best_epoch}, while validation loss rose"
        ),
        Stall::FlatValidationLoss { loss } => {
            format!("validation loss is {loss:.decimals$} at every epoch")
        }
        Stall::HugeLoss { epoch, loss } => format!(
            "validation loss reached {loss:.0} at epoch {epoch}, more than any prediction can \
             cost, so most of it is the L2 penalty of weights that grew large"
        ),
    }
}

fn stall_advice_en(stall: Stall) -> &'static str {
    match stall {
        Stall::HugeLoss { .. } => "try a lower learning rate or L2 factor",
        _ => "try a lower learning rate",
    }
}

/// Returns `text` with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut characters = text.chars();
    characters.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(characters).collect()
    })
}

/// Words why a run is not learning, in Chinese, with a flat loss to
/// `decimals` places.
fn stall_zh(stall: Stall, decimals: usize) -> String {
    match stall {
        Stall::TrainingLossNotFalling { best_epoch } => {
            format!("第 {best_epoch} 轮之后训练集损失没有下降，验证集损失却上升了")
        }
        Stall::FlatValidationLoss { loss } => {
            format!("验证集损失每一轮都是 {loss:.decimals$}")
        }
        Stall::HugeLoss { epoch, loss } => format!(
            "验证集损失在第 {epoch} 轮达到 {loss:.0}，超过任何预测可能造成的损失，\
             其中大部分是变大的权重的 L2 惩罚项"
        ),
    }
}

fn stall_advice_zh(stall: Stall) -> &'static str {
    match stall {
        Stall::HugeLoss { .. } => "请降低学习率 (learning rate) 或 L2 正则化系数",
        _ => "请降低学习率 (learning rate)",
    }
}

fn chinese(message: &Msg<'_>) -> String {
    use Msg::*;
    match *message {
        AppTitle => "IMDB 影评：全连接网络，实时训练".into(),
        DataLine { source, train, test } => format!(
            "数据：{source}，训练集 {} 条、测试集 {} 条影评",
            count(train),
            count(test)
        ),
        DataPending => "数据：尚未加载".into(),
        VocabularyLine { words } => format!("词表：最常见的 {} 个词", count(words)),
        ConfigLine {
            name,
            batch_size,
            learning_rate,
            validation,
        } => {
            let batch = batch_size.map(|size| format!("批大小 (batch size) {size}，"));
            let rate = learning_rate.map(|rate| format!("学习率 (learning rate) {rate}，"));
            format!(
                "设置：{name}；{}{}留出 {} 条作验证集",
                batch.unwrap_or_default(),
                rate.unwrap_or_default(),
                count(validation)
            )
        }
        PhasePreparing => "准备数据".into(),
        PhaseReady => "就绪".into(),
        PhaseExploring => "探索训练".into(),
        PhaseRetraining => "重新训练".into(),
        PhaseDone => "完成".into(),
        PhaseCancelled => "已取消".into(),
        PhaseFailed => "失败".into(),
        PhaseLabel => "阶段：".into(),
        EpochOf { epoch, epochs } => format!("轮次 (epoch) {epoch}/{epochs}"),
        Elapsed { time } => format!("已用 {time}"),
        Remaining { time } => format!("约剩 {time}"),
        PrepareBytes {
            read,
            total,
            reviews,
        } => format!(
            "已读取 {}/{}，{} 条影评",
            format_bytes(read),
            format_bytes(total),
            count(reviews)
        ),
        PrepareReviews { reviews } => format!("已读取 {} 条影评", count(reviews)),
        TestResult { loss, accuracy } => format!(
            "测试集：损失 {loss:.3}，准确率 {}",
            percent(accuracy)
        ),
        LossTitle { loss } => match loss {
            LossKind::BinaryCrossEntropy => "损失 (loss，二元交叉熵)".into(),
            LossKind::MeanSquaredError => "损失 (loss，均方误差)".into(),
        },
        AccuracyTitle => "准确率 (accuracy)".into(),
        EpochAxis => "轮次 (epoch)".into(),
        SeriesTraining => "训练集".into(),
        SeriesValidation => "验证集".into(),
        SeriesAfterBest => "过拟合".into(),
        SeriesRetrain => "重新训练".into(),
        SeriesBest => "验证损失最低".into(),
        NoEpochsYet => "还没有完成的轮次。".into(),
        Overfitting { epoch, loss } => format!(
            "验证集损失在第 {epoch} 轮最低 ({loss:.3})，之后上升：过拟合 (overfitting)。\
             按 r 以 {epoch} 个轮次重新训练。"
        ),
        LowestSoFar { epoch, loss } => {
            format!("验证集损失目前在第 {epoch} 轮最低 ({loss:.3})，尚未回升。")
        }
        AccuracyPeak { epoch, accuracy } => format!(
            "验证集准确率在另一轮次最高：第 {epoch} 轮 ({})。",
            percent(accuracy)
        ),
        TableTitle => "每轮指标".into(),
        ColumnEpoch => "轮次".into(),
        ColumnTrainLoss => "训练\n损失".into(),
        ColumnTrainAccuracy => "训练\n准确率".into(),
        ColumnValLoss => "验证\n损失".into(),
        ColumnValAccuracy => "验证\n准确率".into(),
        ColumnSeconds => "秒".into(),
        BestMark => "最佳".into(),
        RetrainMark => "最终".into(),
        ReviewTitle => "影评".into(),
        ReviewPlaceholder => "输入或粘贴一段英文影评".into(),
        Positive => "正面".into(),
        Negative => "负面".into(),
        EmptyReview => "输入影评后，这里显示模型的判断。".into(),
        NoKnownWords => "没有词表中的词：概率只来自偏置 (bias)。".into(),
        KnownWords { known, distinct } => format!(
            "{} 个不同的词中有 {} 个在词表中",
            count(distinct),
            count(known)
        ),
        TowardsPositive => "偏向正面：".into(),
        TowardsNegative => "偏向负面：".into(),
        EffectsSkipped { limit } => {
            format!("词表中的词不超过 {} 个时才显示各词的影响。", count(limit))
        }
        ModelExploration { epoch } => format!("模型：探索训练，第 {epoch} 轮后的权重"),
        ModelRetrained { epochs } => format!("模型：重新训练的模型，{epochs} 个轮次"),
        NoModel => "还没有模型：第一轮结束后开始预测。".into(),
        RetrainTitle => "重新训练".into(),
        RetrainQuestion { reviews, max } => format!(
            "用全部 {} 条训练集影评训练一个新模型，再在测试集上评估。轮次 (epoch) 数（1 到 {max}）：",
            count(reviews)
        ),
        RetrainKeys => "Enter：开始   Esc：取消".into(),
        InvalidEpochs { input, max } => {
            format!("“{input}”不是 1 到 {max} 之间的整数。请重新输入轮次数。")
        }
        QuitTitle => "退出".into(),
        QuitQuestion => "训练正在进行。停止训练并退出？y：退出   n：留下".into(),
        RunInProgress => "训练正在进行。请先按 c 取消。".into(),
        NoRunToCancel => "没有正在进行的训练。".into(),
        CancelRequested => "正在取消：当前批次结束后停止。".into(),
        DataNotReady => "数据尚未准备好。".into(),
        NoModelToSave => "还没有可保存的模型。".into(),
        SaveRequested => "正在保存模型……".into(),
        Saved { path } => format!("模型已保存到 {path}"),
        SaveFailed { message } => format!("保存模型失败：{message}"),
        Exported { csv, json } => format!("训练记录已导出到 {csv} 和 {json}"),
        ExportFailed { message } => format!("导出训练记录失败：{message}"),
        NothingToExport => "还没有可导出的轮次。".into(),
        RunFailed { reason } => format!("训练失败：{}", chinese_failure(reason)),
        DataFailed { message } => format!("准备数据失败：{message}"),
        RunCancelled { epochs } => format!("训练已在 {epochs} 轮后取消。"),
        FooterKeys => {
            "Tab 切换  r 重新训练  n 新的探索  c 取消  s 保存  e 导出  ? 帮助  q 退出".into()
        }
        FooterReviewKeys => "输入的内容进入影评框  Esc/Tab 离开输入框".into(),
        FooterTableKeys => "↑/↓ PgUp/PgDn 滚动  Tab 切换  ? 帮助  q 退出".into(),
        HelpTitle => "帮助".into(),
        HelpFocus => "Tab / Shift-Tab   切换焦点：图表、每轮指标表、影评框".into(),
        HelpReview => "在影评框中所有按键都用于输入；Esc 或 Tab 离开。可以粘贴。".into(),
        HelpTable => "↑/↓、PgUp/PgDn、Home/End   滚动每轮指标表".into(),
        HelpRetrain => "r   用全部训练集按指定轮次数重新训练".into(),
        HelpNewRun => "n   开始新的探索训练".into(),
        HelpCancel => "c   取消正在进行的训练".into(),
        HelpSave => "s   保存当前用于预测的模型".into(),
        HelpExport => "e   把训练记录导出为 CSV 和 JSON".into(),
        HelpQuit => "q / Esc   退出（训练进行中会先确认）".into(),
        HelpOverfitting => {
            "竖线标出验证集损失最低的轮次；之后的点另行标出：过拟合 (overfitting)。".into()
        }
        HelpLanguage => {
            "语言：启动时加 --lang en 或 --lang zh，或设置 LANG（中文用 zh_CN.UTF-8）。".into()
        }
        HelpClose => "按任意键关闭帮助。".into(),
        TooSmall {
            width,
            height,
            min_width,
            min_height,
        } => format!(
            "终端大小为 {width}x{height}，仪表盘至少需要 {min_width}x{min_height}：请放大窗口。"
        ),
        DumbTerminal => {
            "TERM 为 \"dumb\"：此终端不能移动光标，无法绘制仪表盘。请在 xterm 或 tmux 等终端中运行 imdb-tui，或把 TERM 设为与终端相符的值。"
                .into()
        }
        PhaseDataMissing => "缺少数据".into(),
        PhaseDownloading => "下载数据".into(),
        DataMissingTitle => "缺少数据集".into(),
        DataLookedIn => "没有找到 IMDB 数据集。查找过：".into(),
        LookedInPlace { place } => format!("  - {}", place_zh(place)),
        DownloadOffer { url, size, dir } => match size {
            Some(size) => format!(
                "从 {url} 下载数据集（{}）到 {dir}/ 吗？",
                megabytes(size)
            ),
            None => format!("从 {url} 下载数据集到 {dir}/ 吗？"),
        },
        DownloadOfferKeys => "y：下载   n：暂不下载   q：退出".into(),
        DownloadingTitle => "正在下载数据集".into(),
        DownloadingFrom { url, dir } => format!("从 {url} 下载到 {dir}/"),
        DownloadStats {
            done,
            total,
            rate,
            left,
        } => {
            let mut text = match total {
                Some(total) => format!("{}/{}", format_bytes(done), format_bytes(total)),
                None => format_bytes(done),
            };
            if let Some(rate) = rate {
                let _ = write!(text, "   {}/s", format_bytes(rate));
            }
            if let Some(left) = left {
                let _ = write!(text, "   约剩 {left}");
            }
            text
        }
        DownloadingKeys => "q：退出（下次启动时接着下载）".into(),
        DownloadFailedTitle => "下载失败".into(),
        DownloadFailedKeys => "y：重试   q：退出".into(),
        DownloadDeclinedKeys => "y：现在下载   q：退出".into(),
        NoDownload => "设置了 --no-download，因此不下载数据集。".into(),
        NoDownloadKeys => "q：退出".into(),
        DataWayOut { page, dir } => format!(
            "其他获取方式：运行 `imdb-tui fetch-data`；用 IMDB_DATA_URL 和 IMDB_DATA_MD5 \
             指定镜像；或从 {page} 手动下载 aclImdb_v1.tar.gz 并放到 {dir}/。然后重新启动 imdb-tui。"
        ),
        NotATerminal => {
            "标准输出不是终端，而仪表盘需要终端；不用仪表盘训练请运行 `imdb-tui train`".into()
        }
        AskDownload { url, size, dir } => match size {
            Some(size) => format!(
                "现在从 {url} 下载数据集（{}）到 {dir}/ 吗？[y/N] ",
                megabytes(size)
            ),
            None => format!("现在从 {url} 下载数据集到 {dir}/ 吗？[y/N] "),
        },
        DownloadDeclined => "训练需要数据集；准备好后请运行 `imdb-tui fetch-data`".into(),
        AnswerUnreadable => "读取回答失败".into(),
        StageLoadingCache => "加载缓存".into(),
        StageReadingReviews => "读取影评".into(),
        StageBuildingVocabulary => "构建词表".into(),
        StageSavingCache => "保存缓存".into(),
        StageDone => "完成".into(),
        WarningLine { message } => format!("警告：{message}"),
        ErrorLine { message } => format!("错误：{message}"),
        CacheRebuilt { path, reason } => format!("已重建数据集缓存 {path}，原因：{reason}"),
        CacheNotWritten { path, reason } => format!(
            "写入数据集缓存 {path} 失败（{reason}）；下次启动时会重新读取影评"
        ),
        UnsafePathsIgnored { count, example } => format!(
            "忽略了 {count} 个带绝对路径或 `..` 的压缩包条目，例如 {example}"
        ),
        UnrecognizedFilesIgnored { count, example } => format!(
            "忽略了 pos/ 或 neg/ 中 {count} 个不是 ID_RATING.txt 影评的文件，例如 {example}"
        ),
        TrainEpoch {
            epoch,
            epochs,
            loss,
            accuracy,
            validation,
            seconds,
        } => {
            let validation = match validation {
                Some((loss, accuracy)) => {
                    format!("  验证集损失 {loss:.4}  验证集准确率 {accuracy:.4}")
                }
                None => String::new(),
            };
            format!(
                "轮次 {epoch:>3}/{epochs}  损失 {loss:.4}  准确率 {accuracy:.4}{validation}  {seconds:.3} s"
            )
        }
        TrainBest {
            epoch,
            loss,
            command,
        } => format!(
            "验证集损失在第 {epoch} 轮最低 ({loss:.4})，之后开始过拟合 (overfitting)。\
             用 `{command}` 重新训练。"
        ),
        TrainTest { loss, accuracy } => {
            format!("测试集损失 {loss:.4}  测试集准确率 {accuracy:.4}")
        }
        TrainTotal { epochs, seconds } => {
            format!("训练了 {epochs} 个轮次 (epoch)，用时 {seconds:.2} s")
        }
        TrainerVanished => "训练线程结束时没有给出结果".into(),
        TrainerNotStarted { message } => format!("启动训练线程失败：{message}"),
        ThreadNotStarted { message } => format!("启动线程失败：{message}"),
        NoLogFile { reason } => format!("无法打开日志文件，不记录日志（{reason}）"),
        SaveFolderNotCreated { folder, path } => {
            format!("无法为 --save {path} 创建文件夹 {folder}")
        }
        HelpSettings => "o   修改网络与训练设置，然后开始新的探索训练".into(),
        SettingsTitle => "实验设置".into(),
        SettingsIntro => {
            "在新选中的行上输入数字会替换原来的数值。按 Enter 用这些设置开始新的探索训练，\
             并取消正在进行的训练。"
                .into()
        }
        SettingsKeys => {
            "↑/↓ 移动  ←/→ 修改  0-9 . 输入  Backspace 删除  d 默认值  Enter 开始  Esc 关闭".into()
        }
        SettingName { field } => field_name_zh(field).into(),
        SettingRange { allowed } => range_zh(allowed),
        InvalidSetting {
            option,
            value,
            allowed,
        } => format!("{option} 的值“{value}”无效（允许：{}）", range_zh(allowed)),
        SettingRejected {
            field,
            value,
            allowed,
        } => format!(
            "{}：“{value}”不在允许范围内（允许：{}）。请修改，或按 d 恢复默认值。",
            field_name_zh(field),
            range_zh(allowed)
        ),
        ModelFilesSaved { weights, info } => format!("模型已保存到 {weights} 和 {info}"),
        ReviewUnreadable => "从标准输入读取影评失败".into(),
        FetchAlreadyComplete { path } => format!("{path} 已完整，无需下载"),
        FetchDownloaded { path, bytes } => format!("已下载 {path}（{bytes} 字节）"),
        FetchResumed { path, bytes, from } => {
            format!("已下载 {path}（{bytes} 字节，从第 {from} 字节处续传）")
        }
        DataNotFound {
            looked_in,
            page,
            dir,
        } => format!(
            "没有找到 IMDB 数据集，查找过：\n{}\n请运行 `imdb-tui fetch-data`，\
             或从 {page} 下载 aclImdb_v1.tar.gz 并放到 {}",
            bullet_list(looked_in, place_zh),
            folder(dir)
        ),
        DataPathNotFound { path, origin } => format!(
            "{path} 不存在（由 {origin} 指定）；请检查路径，或运行 `imdb-tui fetch-data` 下载数据集"
        ),
        ModelNotFound { path, weights } => format!(
            "找不到模型文件 {path}：请先用 `imdb-tui train --full --save {weights}` 训练并保存模型，\
             它会写入 {weights} 和旁边的 .json"
        ),
        ModelInvalid { path, reason } => format!("模型文件 {path} 无效：{reason}；请重新保存模型"),
        FetchInvalidUrl { url } => format!(
            "下载地址 {url:?} 无效：应为带主机名的 http:// 或 https:// 地址；\
             请用 `imdb-tui fetch-data --url URL` 或 IMDB_DATA_URL 给出有效的镜像地址"
        ),
        FetchInvalidMd5 { value } => format!(
            "MD5 校验和 {value:?} 无效：应为 32 位十六进制数；\
             请用 `imdb-tui fetch-data --md5 HEX` 或 IMDB_DATA_MD5 给出镜像文件的校验和"
        ),
        FetchHostNotFound { url, dir } => format!(
            "无法解析 {url} 的主机名：请检查网络连接后重试，{}",
            fallback_zh(dir)
        ),
        FetchConnectionRefused { url, dir } => {
            format!("{url} 拒绝连接：请稍后重试，{}", fallback_zh(dir))
        }
        FetchHttpStatus { url, status, dir } => format!(
            "{url} 返回 HTTP 状态码 {status}：请检查地址或稍后重试，{}",
            fallback_zh(dir)
        ),
        FetchTimedOut {
            url,
            seconds,
            received,
            dir,
        } => format!(
            "超时：收到 {received} 字节后，{url} 在 {seconds} s 内没有再发来数据；\
             重试即可续传，{}",
            fallback_zh(dir)
        ),
        FetchSizeMismatch {
            url,
            expected,
            actual,
        } => format!(
            "{url} 的大小不符：应为 {expected} 字节，服务器发来 {actual} 字节；已删除未完成的文件。\
             请重试；如果镜像提供的是另一个文件，请用 `imdb-tui fetch-data --md5 HEX` 或 \
             IMDB_DATA_MD5 给出它的校验和"
        ),
        FetchChecksumMismatch {
            url,
            expected,
            actual,
        } => format!(
            "{url} 的校验和不符：应为 MD5 {expected}，实际为 {actual}；已删除下载的文件。\
             请重试，或用 `imdb-tui fetch-data --url URL --md5 HEX`（或设置 IMDB_DATA_URL 和 \
             IMDB_DATA_MD5）从镜像下载"
        ),
        FetchDiskFull { path } => format!("写入 {path} 时磁盘已满；请腾出空间后重试，下载会接着进行"),
        FetchCancelled { received } => {
            format!("下载在 {received} 字节后取消；再次运行即可接着下载")
        }
        DataErrorDetail { message } => format!("读取数据集失败：{message}"),
        FetchErrorDetail { message } => format!("下载数据集失败：{message}"),
        ModelErrorDetail { message } => format!("模型文件出错：{message}"),
        RunName { parts: [] } => "经典配置".into(),
        RunName { parts } => join(parts.iter().map(chinese_name_part), "，"),
        RunsLegendEntry { name, kind } => format!("{name}（{kind}）"),
        RunsTitle => "训练记录".into(),
        RunsEmpty => {
            "还没有训练。每次训练开始时出现在这里，此前会话中完成的训练从记录文件加载。".into()
        }
        RunsPickHint { max } => {
            format!("在表中的训练上按空格，把它们的验证集曲线叠加在这里（最多 {max} 条）。")
        }
        RunsNoValidation => "所选训练没有验证集数据：重新训练使用全部训练集。".into(),
        RunsChartLoss => "验证集损失".into(),
        RunsChartAccuracy => "验证集准确率".into(),
        RunsColumnName => "名称".into(),
        RunsColumnKind => "类型".into(),
        RunsColumnEpochs => "轮数".into(),
        RunsColumnBest => "最佳\n轮次".into(),
        RunsColumnTest => "测试\n准确率".into(),
        RunsColumnTime => "用时".into(),
        RunsColumnStatus => "状态".into(),
        RunKindExploration => "探索训练".into(),
        RunKindRetrain => "重新训练".into(),
        RunStatusRunning => "进行中".into(),
        RunStatusCancelled => "已取消".into(),
        RunStatusFailed => "失败".into(),
        RunStatusEarlier => "此前会话".into(),
        FooterRunsKeys => {
            "↑/↓ 移动  空格 选择  m 损失/准确率  x 全部删除  Esc 返回  ? 帮助  q 退出".into()
        }
        HelpRuns => "h   比较训练：空格选择，m 切换损失/准确率，x 全部删除，Esc 返回".into(),
        ClearRunsTitle => "删除全部训练".into(),
        ClearRunsQuestion { count: runs } => format!(
            "删除全部 {} 条训练，包括记录文件中的？此操作无法撤销。y 删除，n 或 Esc 保留。",
            count(runs)
        ),
        RunsCleared => "已删除全部训练。".into(),
        NoRunsToClear => "没有可删除的训练。".into(),
        RunsDeleteFailed { message } => format!("删除训练记录文件失败：{message}"),
        RunsNotSaved { message } => {
            format!("保存训练记录失败：{message}。退出之前仍可在此查看。")
        }
        RunsFileMovedAside {
            path,
            moved_to,
            problem,
        } => format!(
            "训练记录文件已改名为 {moved_to}：加载 {path} 失败（{}）。仪表盘从空的训练记录开始。",
            chinese_runs_problem(problem)
        ),
        RunsFileKept {
            path,
            problem,
            error,
        } => format!(
            "加载 {path} 失败（{}），改名也失败了（{error}）。文件保持原样，本次会话的训练不会保存。",
            chinese_runs_problem(problem)
        ),
        ModelPathIsJson {
            option,
            path,
            weights,
        } => format!(
            "{option} 的值 \"{path}\" 无效：它是 .json 文件，而 {option} 需要权重文件；\
             请改用 {weights}，同名的 .json 会在它旁边"
        ),
        ModelPathIsFolder {
            option,
            path,
            weights,
        } => format!(
            "{option} 的值 \"{path}\" 无效：它是文件夹，而 {option} 需要权重文件；\
             请改用其中的文件，例如 {weights}"
        ),
        OptionNotForCommand { option, command } => {
            format!("{option} 不适用于 `imdb-tui {command}`；请去掉它")
        }
        SettingBeforeCommand { option, command } => format!(
            "写在命令前的 {option} 只用于仪表盘的训练；请把它放在 `{command}` 之后，\
             例如 `imdb-tui {command} {option} ...`"
        ),
        TrainLowestSoFar {
            epoch,
            loss,
            command: Some(command),
            ..
        } => format!(
            "验证集损失目前在第 {epoch} 轮最低 ({loss:.4})，还没有上升，所以尚未过拟合 (overfitting)。\
             请训练更多轮次来找到过拟合开始的位置，例如 `{command}`。"
        ),
        TrainLowestSoFar {
            epoch,
            loss,
            command: None,
            max_epochs,
        } => format!(
            "验证集损失目前在第 {epoch} 轮最低 ({loss:.4})，在 `--epochs` 允许的最多 {max_epochs} 轮内\
             没有上升，所以尚未过拟合 (overfitting)。更大的学习率 (learning rate) 能让每一轮走得更远。"
        ),
        ReviewWithoutKnownWords { number, start } => format!(
            "注意：第 {number} 条影评（\"{start}\"）没有词表中的词，它的概率只来自网络的偏置 (bias)"
        ),
        PickLimit { max } => format!("图中最多显示 {max} 条训练：在已选的训练上按空格可取消选择。"),
        FetchExistingFileMismatch {
            path,
            size,
            md5,
            expected_size,
            expected_md5,
        } => {
            let expected = match expected_size {
                Some(bytes) => format!("{bytes} 字节，MD5 为 {expected_md5}"),
                None => format!("MD5 为 {expected_md5}"),
            };
            format!(
                "{path} 已存在，但不是预期的压缩包：它有 {size} 字节，MD5 为 {md5}；\
                 预期为 {expected}。imdb-tui 不会改动它。要重新下载，请先移走或改名 {path}，\
                 再运行 `imdb-tui fetch-data`。要接受这个文件，请运行 \
                 `imdb-tui fetch-data --md5 {md5}`（或设置 IMDB_DATA_MD5），或用 \
                 `imdb-tui train --data {path}` 直接用它训练。"
            )
        }
        FetchDestinationNotAFile { path } => format!(
            "{path} 已存在但不是普通文件，imdb-tui 不会改动它。请把它移走或改名，\
             再运行 `imdb-tui fetch-data`。"
        ),
        QuitQuestionRunEnded => "训练已结束。现在退出？y：退出   n：留下".into(),
        SettingCharRejected {
            field,
            character,
            allowed,
        } => {
            let name = field_name_zh(field);
            let range = range_zh(allowed);
            match allowed {
                Allowed::Whole { .. } => {
                    format!("{name}只能输入整数（{range}），不能输入“{character}”。")
                }
                Allowed::Decimal { .. } => {
                    format!("{name}只能输入数字（{range}），不能输入“{character}”。")
                }
                Allowed::Choice(_) => format!("{name}请用 ←/→ 选择：{range}。"),
            }
        }
        NotLearning { stall } => format!(
            "这次训练没有学到东西：{}。{}。",
            stall_zh(stall, 3),
            stall_advice_zh(stall)
        ),
        TrainNotLearning { stall } => format!(
            "这次训练没有学到东西：{}。{}；增减轮次都无济于事。",
            stall_zh(stall, 4),
            stall_advice_zh(stall)
        ),
        StdoutWriteFailed => "写入标准输出失败".into(),
        TrainStopped { signal, epochs } => {
            format!("训练在 {epochs} 轮后因 {signal} 停止，没有保存模型。")
        }
        TrainStoppedAtOnce { signal } => {
            format!("停止过程中又收到 {signal}，不再等待训练，立即退出。")
        }
    }
}

/// Writes `seconds` as `m:ss`, or `h:mm:ss` from one hour on.
pub fn format_duration(seconds: f64) -> String {
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds.round() as u64
    } else {
        0
    };
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60);
    let mut text = String::new();
    if hours > 0 {
        let _ = write!(text, "{hours}:{minutes:02}:{secs:02}");
    } else {
        let _ = write!(text, "{minutes}:{secs:02}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    static SAMPLE_FAILURE: FailureReason = FailureReason::ZeroEpochs;
    static SAMPLE_NAME: [NamePart; 2] = [
        NamePart::Activation(crate::model::Activation::Tanh),
        NamePart::Layers(3),
    ];
    static SAMPLE_PROBLEM: RunsFileProblem = RunsFileProblem::OtherFormat;

    #[test]
    fn every_failure_reason_has_chinese() {
        let reasons = [
            FailureReason::Diverged {
                epoch: 2,
                batch: 7,
                learning_rate: 10.0,
            },
            FailureReason::ZeroEpochs,
            FailureReason::ZeroBatchSize,
            FailureReason::ZeroHiddenUnits {
                hidden_units: vec![16, 0],
            },
            FailureReason::EmptyVocabulary,
            FailureReason::InvalidLearningRate {
                learning_rate: -1.0,
            },
            FailureReason::InvalidDropout { dropout: 1.0 },
            FailureReason::InvalidL2 { l2: -0.5 },
            FailureReason::ValidationTooLarge {
                validation: 10_000,
                reviews: 200,
            },
            FailureReason::NoTrainingReviews,
            FailureReason::NoTestReviews,
            FailureReason::ThreadNotStarted {
                error: "out of memory".to_owned(),
            },
        ];
        for reason in &reasons {
            let chinese = Lang::Zh.text(&Msg::RunFailed { reason });
            let english = Lang::En.text(&Msg::RunFailed { reason });
            assert!(chinese.starts_with("训练失败："), "{chinese}");
            assert!(
                chinese
                    .chars()
                    .skip(5)
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{reason:?} has no Chinese wording: {chinese}"
            );
            assert!(english.starts_with("Training failed: "), "{english}");
        }
    }

    #[test]
    fn count_has_thousands_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1000), "1,000");
        assert_eq!(format_count(25_000), "25,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }

    #[test]
    fn bytes_use_binary_units() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(2048), "2.0 KiB");
        assert_eq!(format_bytes(28_630_985), "27.3 MiB");
    }

    #[test]
    fn duration_formats() {
        assert_eq!(format_duration(0.0), "0:00");
        assert_eq!(format_duration(75.4), "1:15");
        assert_eq!(format_duration(3723.0), "1:02:03");
        assert_eq!(format_duration(f64::NAN), "0:00");
        assert_eq!(format_duration(-5.0), "0:00");
    }

    /// Returns one value of every message. `position` below matches
    /// exhaustively, so a new message fails to compile until it is added
    /// here too.
    const OFFICIAL_URL_SAMPLE: &str =
        "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz";

    fn every_message() -> Vec<Msg<'static>> {
        vec![
            Msg::AppTitle,
            Msg::DataLine {
                source: "aclImdb_v1.tar.gz",
                train: 4,
                test: 4,
            },
            Msg::DataPending,
            Msg::VocabularyLine { words: 4 },
            Msg::ConfigLine {
                name: "64 units",
                batch_size: Some(4),
                learning_rate: Some(0.001),
                validation: 4,
            },
            Msg::PhasePreparing,
            Msg::PhaseReady,
            Msg::PhaseExploring,
            Msg::PhaseRetraining,
            Msg::PhaseDone,
            Msg::PhaseCancelled,
            Msg::PhaseFailed,
            Msg::PhaseLabel,
            Msg::EpochOf {
                epoch: 4,
                epochs: 4,
            },
            Msg::Elapsed { time: "1:05" },
            Msg::Remaining { time: "1:05" },
            Msg::PrepareBytes {
                read: 1_000_000,
                total: 28_630_985,
                reviews: 4,
            },
            Msg::PrepareReviews { reviews: 4 },
            Msg::TestResult {
                loss: 0.2771,
                accuracy: 0.8826,
            },
            Msg::LossTitle {
                loss: LossKind::MeanSquaredError,
            },
            Msg::AccuracyTitle,
            Msg::EpochAxis,
            Msg::SeriesTraining,
            Msg::SeriesValidation,
            Msg::SeriesAfterBest,
            Msg::SeriesRetrain,
            Msg::SeriesBest,
            Msg::NoEpochsYet,
            Msg::Overfitting {
                epoch: 4,
                loss: 0.2771,
            },
            Msg::LowestSoFar {
                epoch: 4,
                loss: 0.2771,
            },
            Msg::AccuracyPeak {
                epoch: 4,
                accuracy: 0.8826,
            },
            Msg::TableTitle,
            Msg::ColumnEpoch,
            Msg::ColumnTrainLoss,
            Msg::ColumnTrainAccuracy,
            Msg::ColumnValLoss,
            Msg::ColumnValAccuracy,
            Msg::ColumnSeconds,
            Msg::BestMark,
            Msg::RetrainMark,
            Msg::ReviewTitle,
            Msg::ReviewPlaceholder,
            Msg::Positive,
            Msg::Negative,
            Msg::EmptyReview,
            Msg::NoKnownWords,
            Msg::KnownWords {
                known: 4,
                distinct: 4,
            },
            Msg::TowardsPositive,
            Msg::TowardsNegative,
            Msg::EffectsSkipped { limit: 4 },
            Msg::ModelExploration { epoch: 4 },
            Msg::ModelRetrained { epochs: 4 },
            Msg::NoModel,
            Msg::RetrainTitle,
            Msg::RetrainQuestion {
                reviews: 4,
                max: 200,
            },
            Msg::RetrainKeys,
            Msg::InvalidEpochs {
                input: "abc",
                max: 4,
            },
            Msg::QuitTitle,
            Msg::QuitQuestion,
            Msg::RunInProgress,
            Msg::NoRunToCancel,
            Msg::CancelRequested,
            Msg::DataNotReady,
            Msg::NoModelToSave,
            Msg::SaveRequested,
            Msg::Saved {
                path: "data/model.bin",
            },
            Msg::SaveFailed {
                message: "disk full",
            },
            Msg::Exported {
                csv: "data/imdb-history.csv",
                json: "data/imdb-history.json",
            },
            Msg::ExportFailed {
                message: "disk full",
            },
            Msg::NothingToExport,
            Msg::RunFailed {
                reason: &SAMPLE_FAILURE,
            },
            Msg::DataFailed {
                message: "disk full",
            },
            Msg::RunCancelled { epochs: 4 },
            Msg::FooterKeys,
            Msg::FooterReviewKeys,
            Msg::FooterTableKeys,
            Msg::HelpTitle,
            Msg::HelpFocus,
            Msg::HelpReview,
            Msg::HelpTable,
            Msg::HelpRetrain,
            Msg::HelpNewRun,
            Msg::HelpCancel,
            Msg::HelpSave,
            Msg::HelpExport,
            Msg::HelpQuit,
            Msg::HelpOverfitting,
            Msg::HelpLanguage,
            Msg::HelpClose,
            Msg::TooSmall {
                width: 60,
                height: 20,
                min_width: 60,
                min_height: 20,
            },
            Msg::DumbTerminal,
            Msg::PhaseDataMissing,
            Msg::PhaseDownloading,
            Msg::DataMissingTitle,
            Msg::DataLookedIn,
            Msg::LookedInPlace {
                place: "--data (not given)",
            },
            Msg::DownloadOffer {
                url: OFFICIAL_URL_SAMPLE,
                size: Some(84_125_825),
                dir: "data",
            },
            Msg::DownloadOfferKeys,
            Msg::DownloadingTitle,
            Msg::DownloadingFrom {
                url: OFFICIAL_URL_SAMPLE,
                dir: "data",
            },
            Msg::DownloadStats {
                done: 1_000_000,
                total: Some(84_125_825),
                rate: Some(4_000_000),
                left: Some("0:20"),
            },
            Msg::DownloadingKeys,
            Msg::DownloadFailedTitle,
            Msg::DownloadFailedKeys,
            Msg::DownloadDeclinedKeys,
            Msg::NoDownload,
            Msg::NoDownloadKeys,
            Msg::DataWayOut {
                page: "https://ai.stanford.edu/~amaas/data/sentiment/",
                dir: "data",
            },
            Msg::NotATerminal,
            Msg::AskDownload {
                url: OFFICIAL_URL_SAMPLE,
                size: Some(84_125_825),
                dir: "data",
            },
            Msg::DownloadDeclined,
            Msg::AnswerUnreadable,
            Msg::StageLoadingCache,
            Msg::StageReadingReviews,
            Msg::StageBuildingVocabulary,
            Msg::StageSavingCache,
            Msg::StageDone,
            Msg::WarningLine {
                message: "disk full",
            },
            Msg::ErrorLine {
                message: "disk full",
            },
            Msg::CacheRebuilt {
                path: "data/imdb-prepared.npz",
                reason: "the vocabulary size changed",
            },
            Msg::CacheNotWritten {
                path: "data/imdb-prepared.npz",
                reason: "disk full",
            },
            Msg::UnsafePathsIgnored {
                count: 4,
                example: "../evil.txt",
            },
            Msg::UnrecognizedFilesIgnored {
                count: 4,
                example: "aclImdb/train/pos/notes.md",
            },
            Msg::TrainEpoch {
                epoch: 4,
                epochs: 20,
                loss: 0.2,
                accuracy: 0.9,
                validation: Some((0.277, 0.889)),
                seconds: 0.05,
            },
            Msg::TrainBest {
                epoch: 4,
                loss: 0.2771,
                command: "imdb-tui train --full --epochs 4",
            },
            Msg::TrainTest {
                loss: 0.2931,
                accuracy: 0.8826,
            },
            Msg::TrainTotal {
                epochs: 20,
                seconds: 0.9,
            },
            Msg::TrainerVanished,
            Msg::TrainerNotStarted {
                message: "out of memory",
            },
            Msg::ModelFilesSaved {
                weights: "data/model.npz",
                info: "data/model.json",
            },
            Msg::ReviewUnreadable,
            Msg::FetchAlreadyComplete {
                path: "data/aclImdb_v1.tar.gz",
            },
            Msg::FetchDownloaded {
                path: "data/aclImdb_v1.tar.gz",
                bytes: 84_125_825,
            },
            Msg::FetchResumed {
                path: "data/aclImdb_v1.tar.gz",
                bytes: 84_125_825,
                from: 1_000,
            },
            Msg::DataNotFound {
                looked_in: &[],
                page: "https://ai.stanford.edu/~amaas/data/sentiment/",
                dir: "data",
            },
            Msg::DataPathNotFound {
                path: "/tmp/none",
                origin: "--data",
            },
            Msg::ModelNotFound {
                path: "data/model.json",
                weights: "data/model.npz",
            },
            Msg::ModelInvalid {
                path: "data/model.npz",
                reason: "no dense_0_kernel",
            },
            Msg::FetchInvalidUrl { url: "ftp://x" },
            Msg::FetchInvalidMd5 { value: "abc" },
            Msg::FetchHostNotFound {
                url: OFFICIAL_URL_SAMPLE,
                dir: "data",
            },
            Msg::FetchConnectionRefused {
                url: OFFICIAL_URL_SAMPLE,
                dir: "data",
            },
            Msg::FetchHttpStatus {
                url: OFFICIAL_URL_SAMPLE,
                status: 404,
                dir: "data",
            },
            Msg::FetchTimedOut {
                url: OFFICIAL_URL_SAMPLE,
                seconds: 30.0,
                received: 4,
                dir: "data",
            },
            Msg::FetchSizeMismatch {
                url: OFFICIAL_URL_SAMPLE,
                expected: 4,
                actual: 5,
            },
            Msg::FetchChecksumMismatch {
                url: OFFICIAL_URL_SAMPLE,
                expected: "7c2ac02c03563afcf9b574c7e56c153a",
                actual: "00000000000000000000000000000000",
            },
            Msg::FetchDiskFull {
                path: "data/aclImdb_v1.tar.gz.part",
            },
            Msg::FetchCancelled { received: 4 },
            Msg::DataErrorDetail {
                message: "failed to read data/aclImdb: permission denied",
            },
            Msg::FetchErrorDetail {
                message: "connection lost after 4 bytes",
            },
            Msg::ModelErrorDetail {
                message: "failed to read model file data/model.npz",
            },
            Msg::ThreadNotStarted {
                message: "out of memory",
            },
            Msg::NoLogFile {
                reason: "data/imdb-tui.log: permission denied",
            },
            Msg::SaveFolderNotCreated {
                folder: "models",
                path: "models/model.npz",
            },
            Msg::HelpSettings,
            Msg::SettingsTitle,
            Msg::SettingsIntro,
            Msg::SettingsKeys,
            Msg::SettingName {
                field: Field::HiddenLayers,
            },
            Msg::SettingRange {
                allowed: Field::Units.allowed(),
            },
            Msg::InvalidSetting {
                option: "--units",
                value: "300",
                allowed: Field::Units.allowed(),
            },
            Msg::SettingRejected {
                field: Field::Units,
                value: "300",
                allowed: Field::Units.allowed(),
            },
            Msg::RunName {
                parts: &SAMPLE_NAME,
            },
            Msg::RunsLegendEntry {
                name: "64 units",
                kind: "explore",
            },
            Msg::RunsTitle,
            Msg::RunsEmpty,
            Msg::RunsPickHint { max: 6 },
            Msg::RunsNoValidation,
            Msg::RunsChartLoss,
            Msg::RunsChartAccuracy,
            Msg::RunsColumnName,
            Msg::RunsColumnKind,
            Msg::RunsColumnEpochs,
            Msg::RunsColumnBest,
            Msg::RunsColumnTest,
            Msg::RunsColumnTime,
            Msg::RunsColumnStatus,
            Msg::RunKindExploration,
            Msg::RunKindRetrain,
            Msg::RunStatusRunning,
            Msg::RunStatusCancelled,
            Msg::RunStatusFailed,
            Msg::RunStatusEarlier,
            Msg::FooterRunsKeys,
            Msg::HelpRuns,
            Msg::ClearRunsTitle,
            Msg::ClearRunsQuestion { count: 4 },
            Msg::RunsCleared,
            Msg::NoRunsToClear,
            Msg::RunsDeleteFailed {
                message: "data/imdb-runs.json: permission denied",
            },
            Msg::RunsNotSaved {
                message: "data: not a directory",
            },
            Msg::RunsFileMovedAside {
                path: "data/imdb-runs.json",
                moved_to: "data/imdb-runs.json.damaged",
                problem: &SAMPLE_PROBLEM,
            },
            Msg::RunsFileKept {
                path: "data/imdb-runs.json",
                problem: &SAMPLE_PROBLEM,
                error: "permission denied",
            },
            Msg::PickLimit { max: 6 },
            Msg::FetchExistingFileMismatch {
                path: "data/aclImdb_v1.tar.gz",
                size: 28_600_000,
                md5: "0123456789abcdef0123456789abcdef",
                expected_size: Some(84_125_825),
                expected_md5: "7c2ac02c03563afcf9b574c7e56c153a",
            },
            Msg::FetchDestinationNotAFile {
                path: "data/aclImdb_v1.tar.gz",
            },
            Msg::ModelPathIsJson {
                option: "--save",
                path: "model.json",
                weights: "model.npz",
            },
            Msg::ModelPathIsFolder {
                option: "--model",
                path: "/tmp",
                weights: "/tmp/model.npz",
            },
            Msg::OptionNotForCommand {
                option: "--vocab",
                command: "fetch-data",
            },
            Msg::SettingBeforeCommand {
                option: "--units",
                command: "train",
            },
            Msg::TrainLowestSoFar {
                epoch: 3,
                loss: 0.2947,
                command: Some("imdb-tui train --epochs 6"),
                max_epochs: 6,
            },
            Msg::ReviewWithoutKnownWords {
                number: 2,
                start: "xyzzy",
            },
            Msg::QuitQuestionRunEnded,
            Msg::SettingCharRejected {
                field: Field::Units,
                character: 'x',
                allowed: Field::Units.allowed(),
            },
            Msg::NotLearning {
                stall: Stall::TrainingLossNotFalling { best_epoch: 1 },
            },
            Msg::TrainNotLearning {
                stall: Stall::FlatValidationLoss { loss: 8.003 },
            },
            Msg::StdoutWriteFailed,
            Msg::TrainStopped {
                signal: "SIGINT",
                epochs: 3,
            },
            Msg::TrainStoppedAtOnce { signal: "SIGTERM" },
        ]
    }

    fn position(message: &Msg<'_>) -> usize {
        match message {
            Msg::AppTitle => 0,
            Msg::DataLine { .. } => 1,
            Msg::DataPending => 2,
            Msg::VocabularyLine { .. } => 3,
            Msg::ConfigLine { .. } => 4,
            Msg::PhasePreparing => 5,
            Msg::PhaseReady => 6,
            Msg::PhaseExploring => 7,
            Msg::PhaseRetraining => 8,
            Msg::PhaseDone => 9,
            Msg::PhaseCancelled => 10,
            Msg::PhaseFailed => 11,
            Msg::PhaseLabel => 12,
            Msg::EpochOf { .. } => 13,
            Msg::Elapsed { .. } => 14,
            Msg::Remaining { .. } => 15,
            Msg::PrepareBytes { .. } => 16,
            Msg::PrepareReviews { .. } => 17,
            Msg::TestResult { .. } => 18,
            Msg::LossTitle { .. } => 19,
            Msg::AccuracyTitle => 20,
            Msg::EpochAxis => 21,
            Msg::SeriesTraining => 22,
            Msg::SeriesValidation => 23,
            Msg::SeriesAfterBest => 24,
            Msg::SeriesRetrain => 25,
            Msg::SeriesBest => 26,
            Msg::NoEpochsYet => 27,
            Msg::Overfitting { .. } => 28,
            Msg::LowestSoFar { .. } => 29,
            Msg::AccuracyPeak { .. } => 30,
            Msg::TableTitle => 31,
            Msg::ColumnEpoch => 32,
            Msg::ColumnTrainLoss => 33,
            Msg::ColumnTrainAccuracy => 34,
            Msg::ColumnValLoss => 35,
            Msg::ColumnValAccuracy => 36,
            Msg::ColumnSeconds => 37,
            Msg::BestMark => 38,
            Msg::RetrainMark => 39,
            Msg::ReviewTitle => 40,
            Msg::ReviewPlaceholder => 41,
            Msg::Positive => 42,
            Msg::Negative => 43,
            Msg::EmptyReview => 44,
            Msg::NoKnownWords => 45,
            Msg::KnownWords { .. } => 46,
            Msg::TowardsPositive => 47,
            Msg::TowardsNegative => 48,
            Msg::EffectsSkipped { .. } => 49,
            Msg::ModelExploration { .. } => 50,
            Msg::ModelRetrained { .. } => 51,
            Msg::NoModel => 52,
            Msg::RetrainTitle => 53,
            Msg::RetrainQuestion { .. } => 54,
            Msg::RetrainKeys => 55,
            Msg::InvalidEpochs { .. } => 56,
            Msg::QuitTitle => 57,
            Msg::QuitQuestion => 58,
            Msg::RunInProgress => 59,
            Msg::NoRunToCancel => 60,
            Msg::CancelRequested => 61,
            Msg::DataNotReady => 62,
            Msg::NoModelToSave => 63,
            Msg::SaveRequested => 64,
            Msg::Saved { .. } => 65,
            Msg::SaveFailed { .. } => 66,
            Msg::Exported { .. } => 67,
            Msg::ExportFailed { .. } => 68,
            Msg::NothingToExport => 69,
            Msg::RunFailed { .. } => 70,
            Msg::DataFailed { .. } => 71,
            Msg::RunCancelled { .. } => 72,
            Msg::FooterKeys => 73,
            Msg::FooterReviewKeys => 74,
            Msg::FooterTableKeys => 75,
            Msg::HelpTitle => 76,
            Msg::HelpFocus => 77,
            Msg::HelpReview => 78,
            Msg::HelpTable => 79,
            Msg::HelpRetrain => 80,
            Msg::HelpNewRun => 81,
            Msg::HelpCancel => 82,
            Msg::HelpSave => 83,
            Msg::HelpExport => 84,
            Msg::HelpQuit => 85,
            Msg::HelpOverfitting => 86,
            Msg::HelpLanguage => 87,
            Msg::HelpClose => 88,
            Msg::TooSmall { .. } => 89,
            Msg::DumbTerminal => 90,
            Msg::PhaseDataMissing => 91,
            Msg::PhaseDownloading => 92,
            Msg::DataMissingTitle => 93,
            Msg::DataLookedIn => 94,
            Msg::LookedInPlace { .. } => 95,
            Msg::DownloadOffer { .. } => 96,
            Msg::DownloadOfferKeys => 97,
            Msg::DownloadingTitle => 98,
            Msg::DownloadingFrom { .. } => 99,
            Msg::DownloadStats { .. } => 100,
            Msg::DownloadingKeys => 101,
            Msg::DownloadFailedTitle => 102,
            Msg::DownloadFailedKeys => 103,
            Msg::DownloadDeclinedKeys => 104,
            Msg::NoDownload => 105,
            Msg::NoDownloadKeys => 106,
            Msg::DataWayOut { .. } => 107,
            Msg::NotATerminal => 108,
            Msg::AskDownload { .. } => 109,
            Msg::DownloadDeclined => 110,
            Msg::AnswerUnreadable => 111,
            Msg::StageLoadingCache => 112,
            Msg::StageReadingReviews => 113,
            Msg::StageBuildingVocabulary => 114,
            Msg::StageSavingCache => 115,
            Msg::StageDone => 116,
            Msg::WarningLine { .. } => 117,
            Msg::ErrorLine { .. } => 118,
            Msg::CacheRebuilt { .. } => 119,
            Msg::CacheNotWritten { .. } => 120,
            Msg::UnsafePathsIgnored { .. } => 121,
            Msg::UnrecognizedFilesIgnored { .. } => 122,
            Msg::TrainEpoch { .. } => 123,
            Msg::TrainBest { .. } => 124,
            Msg::TrainTest { .. } => 125,
            Msg::TrainTotal { .. } => 126,
            Msg::TrainerVanished => 127,
            Msg::TrainerNotStarted { .. } => 128,
            Msg::ModelFilesSaved { .. } => 129,
            Msg::ReviewUnreadable => 130,
            Msg::FetchAlreadyComplete { .. } => 131,
            Msg::FetchDownloaded { .. } => 132,
            Msg::FetchResumed { .. } => 133,
            Msg::DataNotFound { .. } => 134,
            Msg::DataPathNotFound { .. } => 135,
            Msg::ModelNotFound { .. } => 136,
            Msg::ModelInvalid { .. } => 137,
            Msg::FetchInvalidUrl { .. } => 138,
            Msg::FetchInvalidMd5 { .. } => 139,
            Msg::FetchHostNotFound { .. } => 140,
            Msg::FetchConnectionRefused { .. } => 141,
            Msg::FetchHttpStatus { .. } => 142,
            Msg::FetchTimedOut { .. } => 143,
            Msg::FetchSizeMismatch { .. } => 144,
            Msg::FetchChecksumMismatch { .. } => 145,
            Msg::FetchDiskFull { .. } => 146,
            Msg::FetchCancelled { .. } => 147,
            Msg::DataErrorDetail { .. } => 148,
            Msg::FetchErrorDetail { .. } => 149,
            Msg::ModelErrorDetail { .. } => 150,
            Msg::ThreadNotStarted { .. } => 151,
            Msg::NoLogFile { .. } => 152,
            Msg::SaveFolderNotCreated { .. } => 153,
            Msg::HelpSettings => 154,
            Msg::SettingsTitle => 155,
            Msg::SettingsIntro => 156,
            Msg::SettingsKeys => 157,
            Msg::SettingName { .. } => 158,
            Msg::SettingRange { .. } => 159,
            Msg::InvalidSetting { .. } => 160,
            Msg::SettingRejected { .. } => 161,
            Msg::RunName { .. } => 162,
            Msg::RunsLegendEntry { .. } => 163,
            Msg::RunsTitle => 164,
            Msg::RunsEmpty => 165,
            Msg::RunsPickHint { .. } => 166,
            Msg::RunsNoValidation => 167,
            Msg::RunsChartLoss => 168,
            Msg::RunsChartAccuracy => 169,
            Msg::RunsColumnName => 170,
            Msg::RunsColumnKind => 171,
            Msg::RunsColumnEpochs => 172,
            Msg::RunsColumnBest => 173,
            Msg::RunsColumnTest => 174,
            Msg::RunsColumnTime => 175,
            Msg::RunsColumnStatus => 176,
            Msg::RunKindExploration => 177,
            Msg::RunKindRetrain => 178,
            Msg::RunStatusRunning => 179,
            Msg::RunStatusCancelled => 180,
            Msg::RunStatusFailed => 181,
            Msg::RunStatusEarlier => 182,
            Msg::FooterRunsKeys => 183,
            Msg::HelpRuns => 184,
            Msg::ClearRunsTitle => 185,
            Msg::ClearRunsQuestion { .. } => 186,
            Msg::RunsCleared => 187,
            Msg::NoRunsToClear => 188,
            Msg::RunsDeleteFailed { .. } => 189,
            Msg::RunsNotSaved { .. } => 190,
            Msg::RunsFileMovedAside { .. } => 191,
            Msg::RunsFileKept { .. } => 192,
            Msg::PickLimit { .. } => 193,
            Msg::FetchExistingFileMismatch { .. } => 194,
            Msg::FetchDestinationNotAFile { .. } => 195,
            Msg::ModelPathIsJson { .. } => 196,
            Msg::ModelPathIsFolder { .. } => 197,
            Msg::OptionNotForCommand { .. } => 198,
            Msg::SettingBeforeCommand { .. } => 199,
            Msg::TrainLowestSoFar { .. } => 200,
            Msg::ReviewWithoutKnownWords { .. } => 201,
            Msg::QuitQuestionRunEnded => 202,
            Msg::SettingCharRejected { .. } => 203,
            Msg::NotLearning { .. } => 204,
            Msg::TrainNotLearning { .. } => 205,
            Msg::StdoutWriteFailed => 206,
            Msg::TrainStopped { .. } => 207,
            Msg::TrainStoppedAtOnce { .. } => 208,
        }
    }

    #[test]
    fn english_counts_one_in_singular() {
        let text = |message: Msg<'_>| Lang::En.text(&message);
        assert_eq!(
            text(Msg::TrainTotal {
                epochs: 1,
                seconds: 0.5
            }),
            "trained 1 epoch in 0.50 s"
        );
        assert!(
            text(Msg::Overfitting {
                epoch: 1,
                loss: 0.3
            })
            .ends_with("retrain with 1 epoch.")
        );

        assert!(text(Msg::ClearRunsQuestion { count: 1 }).starts_with("Delete the only run,"));
        assert!(text(Msg::ClearRunsQuestion { count: 2 }).starts_with("Delete all 2 runs,"));

        assert_eq!(
            text(Msg::VocabularyLine { words: 1 }),
            "Vocabulary: top 1 word"
        );
        assert_eq!(
            text(Msg::RunCancelled { epochs: 1 }),
            "Run cancelled after 1 epoch."
        );
        assert_eq!(
            text(Msg::TrainStopped {
                signal: "SIGINT",
                epochs: 1
            }),
            "Training stopped by SIGINT after 1 epoch. No model was saved."
        );
        assert_eq!(
            text(Msg::ModelRetrained { epochs: 1 }),
            "Model: retrained model, 1 epoch"
        );

        assert_eq!(text(Msg::PrepareReviews { reviews: 1 }), "1 review read");
        assert_eq!(
            text(Msg::KnownWords {
                known: 1,
                distinct: 1
            }),
            "1 of 1 distinct word is in the vocabulary"
        );
        assert!(
            text(Msg::RetrainQuestion {
                reviews: 1,
                max: 200
            })
            .contains("all 1 training review and test it. Number of epochs (1 to 200):")
        );
        assert_eq!(
            text(Msg::RunName {
                parts: &[NamePart::Vocabulary(1)]
            }),
            "1 word"
        );
    }

    #[test]
    fn sample_list_covers_every_message() {
        let positions: Vec<usize> = every_message().iter().map(position).collect();
        let expected: Vec<usize> = (0..209).collect();
        assert_eq!(positions, expected);
    }

    #[test]
    fn mirror_options_name_fetch_data() {
        // Only `imdb-tui fetch-data` accepts --url and --md5, so a message
        // that names them must name that command too.
        for message in every_message() {
            for lang in Lang::ALL {
                let text = lang.text(&message);
                if text.contains("--url") || text.contains("--md5") {
                    assert!(
                        text.contains("imdb-tui fetch-data --"),
                        "{lang:?} {message:?} names a fetch-data option alone: {text}"
                    );
                }
            }
        }
    }

    #[test]
    fn data_folder_has_trailing_slash() {
        let looked_in = ["data/".to_owned()];
        let messages = [
            Msg::DataNotFound {
                looked_in: &looked_in,
                page: "https://ai.stanford.edu/~amaas/data/sentiment/",
                dir: "data",
            },
            Msg::FetchConnectionRefused {
                url: OFFICIAL_URL_SAMPLE,
                dir: "data",
            },
        ];
        for message in messages {
            for lang in Lang::ALL {
                let text = lang.text(&message);
                assert!(text.contains("data/"), "{lang:?} {message:?}: {text}");
            }
        }
        assert!(
            Lang::En
                .text(&Msg::FetchConnectionRefused {
                    url: OFFICIAL_URL_SAMPLE,
                    dir: "data/",
                })
                .ends_with("in data/ by hand"),
            "a folder that ends in / gets no second /"
        );
    }

    #[test]
    fn every_setting_worded_in_both_languages() {
        for field in Field::ALL {
            for lang in Lang::ALL {
                let name = lang.text(&Msg::SettingName { field });
                let range = lang.text(&Msg::SettingRange {
                    allowed: field.allowed(),
                });
                assert!(!name.is_empty(), "{field:?} has no {lang:?} name");
                assert!(!range.is_empty(), "{field:?} has no {lang:?} range");
            }
        }
    }

    #[test]
    fn setting_ranges_read_as_intended() {
        let range = |field: Field, lang: Lang| {
            lang.text(&Msg::SettingRange {
                allowed: field.allowed(),
            })
        };
        assert_eq!(range(Field::ValidationSize, Lang::En), "1,000 to 20,000");
        assert_eq!(range(Field::LearningRate, Lang::En), "above 0, up to 1");
        assert_eq!(range(Field::Dropout, Lang::En), "0 to 0.9");
        assert_eq!(range(Field::Optimizer, Lang::En), "rmsprop, adam, sgd");
        assert_eq!(range(Field::Seed, Lang::En), "0 to 2^64-1");
        assert_eq!(range(Field::LearningRate, Lang::Zh), "大于 0，不超过 1");
        assert_eq!(range(Field::Activation, Lang::Zh), "relu、tanh");
    }

    #[test]
    fn every_message_has_both_languages() {
        for message in every_message() {
            let english = Lang::En.text(&message);
            let chinese = Lang::Zh.text(&message);
            assert!(
                !english.trim().is_empty(),
                "{message:?} has no English text"
            );
            assert!(
                !chinese.trim().is_empty(),
                "{message:?} has no Chinese text"
            );
            assert!(
                english.is_ascii(),
                "{message:?} English text is not ASCII: {english}"
            );
        }
    }

    #[test]
    fn chinese_differs_from_english_in_prose() {
        for message in every_message() {
            let english = Lang::En.text(&message);
            let chinese = Lang::Zh.text(&message);
            // Messages of a few words must be translated; a short label
            // such as "Enter" could legitimately stay the same.
            if english.split_whitespace().count() >= 2 {
                assert_ne!(english, chinese, "{message:?} is not translated");
            }
        }
    }

    #[test]
    fn chinese_uses_course_terms() {
        let text = |message: Msg<'static>| Lang::Zh.text(&message);
        assert!(
            text(Msg::LossTitle {
                loss: LossKind::BinaryCrossEntropy
            })
            .contains("损失")
        );
        assert!(text(Msg::AccuracyTitle).contains("准确率"));
        assert!(text(Msg::SeriesTraining).contains("训练集"));
        assert!(text(Msg::SeriesValidation).contains("验证集"));
        assert!(
            text(Msg::TestResult {
                loss: 0.3,
                accuracy: 0.88
            })
            .contains("测试集")
        );
        assert!(
            text(Msg::Overfitting {
                epoch: 4,
                loss: 0.277
            })
            .contains("过拟合 (overfitting)")
        );
        assert!(text(Msg::EpochAxis).contains("轮次"));
        let config = text(Msg::ConfigLine {
            name: "经典配置",
            batch_size: Some(512),
            learning_rate: Some(0.001),
            validation: 10_000,
        });
        assert!(config.contains("批大小 (batch size)"));
        assert!(config.contains("学习率 (learning rate)"));
        let named = text(Msg::ConfigLine {
            name: "批大小 1",
            batch_size: None,
            learning_rate: Some(0.001),
            validation: 10_000,
        });
        assert!(!named.contains("批大小 (batch size)"));
        assert!(named.contains("学习率 (learning rate) 0.001，留出"));
    }

    #[test]
    fn overfitting_sentence_reads_as_specified() {
        let english = Lang::En.text(&Msg::Overfitting {
            epoch: 4,
            loss: 0.2771,
        });
        assert_eq!(
            english,
            "Validation loss is lowest at epoch 4 (0.277) and rises after it: overfitting. \
             Press r to retrain with 4 epochs."
        );
    }

    #[test]
    fn not_learning_sentences_read_as_specified() {
        let dashboard = Lang::En.text(&Msg::NotLearning {
            stall: Stall::TrainingLossNotFalling { best_epoch: 1 },
        });
        assert_eq!(
            dashboard,
            "The run is not learning: training loss did not fall after epoch 1, while \
             validation loss rose. Try a lower learning rate."
        );

        let summary = Lang::En.text(&Msg::TrainNotLearning {
            stall: Stall::HugeLoss {
                epoch: 1,
                loss: 266_295.8,
            },
        });
        assert!(
            summary
                .starts_with("the run is not learning: validation loss reached 266296 at epoch 1"),
            "{summary}"
        );
        assert!(
            summary.ends_with(
                "Try a lower learning rate or L2 factor; more or fewer epochs will not help."
            ),
            "{summary}"
        );

        let flat = Lang::Zh.text(&Msg::NotLearning {
            stall: Stall::FlatValidationLoss { loss: 8.003_077 },
        });
        assert_eq!(
            flat,
            "这次训练没有学到东西：验证集损失每一轮都是 8.003。请降低学习率 (learning rate)。"
        );
    }

    #[test]
    fn flag_wins_over_environment() {
        assert_eq!(
            Lang::from_sources(Some("en"), Some("zh_CN.UTF-8"), None, None),
            Lang::En
        );
        assert_eq!(
            Lang::from_sources(Some("zh"), None, None, Some("en_US.UTF-8")),
            Lang::Zh
        );
        assert_eq!(Lang::from_sources(Some("ZH"), None, None, None), Lang::Zh);
    }

    #[test]
    fn unknown_flag_falls_back_to_environment() {
        assert_eq!(
            Lang::from_sources(Some("fr"), None, None, Some("zh_TW.UTF-8")),
            Lang::Zh
        );
        assert_eq!(Lang::from_sources(Some(""), None, None, None), Lang::En);
    }

    #[test]
    fn each_variable_selects_chinese() {
        assert_eq!(
            Lang::from_sources(None, Some("zh_CN.UTF-8"), None, None),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_sources(None, None, Some("zh_CN.UTF-8"), None),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_sources(None, None, None, Some("zh_CN.UTF-8")),
            Lang::Zh
        );
        assert_eq!(Lang::from_sources(None, None, None, Some("zh")), Lang::Zh);
    }

    #[test]
    fn variables_are_read_in_posix_order() {
        assert_eq!(
            Lang::from_sources(None, Some("C"), Some("zh_CN.UTF-8"), Some("zh_CN.UTF-8")),
            Lang::En
        );
        assert_eq!(
            Lang::from_sources(None, None, Some("en_GB.UTF-8"), Some("zh_CN.UTF-8")),
            Lang::En
        );
        assert_eq!(
            Lang::from_sources(None, Some(""), Some(""), Some("zh_CN.UTF-8")),
            Lang::Zh
        );
    }

    #[test]
    fn no_locale_means_english() {
        assert_eq!(Lang::from_sources(None, None, None, None), Lang::En);
        assert_eq!(
            Lang::from_sources(None, None, None, Some("POSIX")),
            Lang::En
        );
        assert_eq!(
            Lang::from_sources(None, None, None, Some("fr_FR.UTF-8")),
            Lang::En
        );
    }

    #[test]
    fn lowest_so_far_at_epoch_limit() {
        let message = Msg::TrainLowestSoFar {
            epoch: 200,
            loss: 0.42,
            command: None,
            max_epochs: 200,
        };
        let english = Lang::En.text(&message);
        assert!(english.contains("within 200 epochs"), "{english}");
        assert!(!english.contains("imdb-tui train"), "{english}");
        let chinese = Lang::Zh.text(&message);
        assert!(chinese.contains("最多 200 轮"), "{chinese}");
    }
}
