//! The settings a learner can change between runs, with their defaults
//! (the classic recipe) and allowed values. The command line and the
//! dashboard's settings panel both read and check them here.

use crate::model::{Activation, LossKind, OptimizerKind};

use super::events::{RunConfig, RunKind};

/// Editable settings of an exploration run and of the data it trains on.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub hidden_layers: usize,
    /// Units of every hidden layer; all hidden layers have the same size.
    pub units: usize,
    pub activation: Activation,
    pub loss: LossKind,
    pub optimizer: OptimizerKind,
    pub learning_rate: f32,
    pub batch_size: usize,
    pub validation_size: usize,
    /// Words in the vocabulary, which is the network's input size.
    pub vocab_size: usize,
    pub dropout: f32,
    pub l2: f32,
    pub epochs: usize,
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self::from_run_config(&RunConfig::default(), DEFAULT_VOCAB_SIZE)
    }
}

/// Vocabulary size of the classic recipe.
pub const DEFAULT_VOCAB_SIZE: usize = 10_000;

/// One editable setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    HiddenLayers,
    Units,
    Activation,
    Loss,
    Optimizer,
    LearningRate,
    BatchSize,
    ValidationSize,
    VocabSize,
    Dropout,
    L2,
    Epochs,
    Seed,
}

/// Values a field accepts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Allowed {
    /// Whole numbers from `min` to `max`, both included.
    Whole { min: u64, max: u64 },
    /// Decimal numbers up to `max` included, and from `min` included, or
    /// above `min` when `above_min`.
    Decimal { min: f32, max: f32, above_min: bool },
    /// One of these names.
    Choice(&'static [&'static str]),
}

/// Names of `Activation::ALL`, `LossKind::ALL` and `OptimizerKind::ALL`,
/// in the same order; a unit test keeps them equal to their `name()`.
const ACTIVATIONS: [&str; 2] = ["relu", "tanh"];
const LOSSES: [&str; 2] = ["bce", "mse"];
const OPTIMIZERS: [&str; 3] = ["rmsprop", "adam", "sgd"];

impl Field {
    /// Every field, in the order the panel lists them.
    pub const ALL: [Field; 13] = [
        Field::HiddenLayers,
        Field::Units,
        Field::Activation,
        Field::Loss,
        Field::Optimizer,
        Field::LearningRate,
        Field::BatchSize,
        Field::ValidationSize,
        Field::VocabSize,
        Field::Dropout,
        Field::L2,
        Field::Epochs,
        Field::Seed,
    ];

    /// Returns the command-line option that sets this field.
    pub fn option(self) -> &'static str {
        match self {
            Field::HiddenLayers => "--layers",
            Field::Units => "--units",
            Field::Activation => "--activation",
            Field::Loss => "--loss",
            Field::Optimizer => "--optimizer",
            Field::LearningRate => "--learning-rate",
            Field::BatchSize => "--batch-size",
            Field::ValidationSize => "--validation-size",
            Field::VocabSize => "--vocab",
            Field::Dropout => "--dropout",
            Field::L2 => "--l2",
            Field::Epochs => "--epochs",
            Field::Seed => "--seed",
        }
    }

    pub fn allowed(self) -> Allowed {
        let whole = |min, max| Allowed::Whole { min, max };
        match self {
            Field::HiddenLayers => whole(1, 4),
            Field::Units => whole(4, 256),
            Field::Activation => Allowed::Choice(&ACTIVATIONS),
            Field::Loss => Allowed::Choice(&LOSSES),
            Field::Optimizer => Allowed::Choice(&OPTIMIZERS),
            Field::LearningRate => Allowed::Decimal {
                min: 0.0,
                max: 1.0,
                above_min: true,
            },
            Field::BatchSize => whole(1, 25_000),
            Field::ValidationSize => whole(1_000, 20_000),
            Field::VocabSize => whole(1_000, 30_000),
            Field::Dropout => Allowed::Decimal {
                min: 0.0,
                max: 0.9,
                above_min: false,
            },
            Field::L2 => Allowed::Decimal {
                min: 0.0,
                max: 1.0,
                above_min: false,
            },
            Field::Epochs => whole(1, 200),
            Field::Seed => whole(0, u64::MAX),
        }
    }
}

/// A value that a field does not allow.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("invalid value \"{value}\" for {} (allowed: {allowed})", .field.option())]
pub struct SettingsError {
    pub field: Field,
    /// The rejected value as the user typed it.
    pub value: String,
    pub allowed: Allowed,
}

impl std::fmt::Display for Allowed {
    /// Writes the allowed values in English; the catalog words them for
    /// the user.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Allowed::Whole { min, max } => write!(formatter, "{min} to {max}"),
            Allowed::Decimal {
                min,
                max,
                above_min: true,
            } => write!(formatter, "above {min}, up to {max}"),
            Allowed::Decimal { min, max, .. } => write!(formatter, "{min} to {max}"),
            Allowed::Choice(names) => write!(formatter, "{}", names.join(", ")),
        }
    }
}

impl Allowed {
    fn parse_whole(self, text: &str) -> Option<u64> {
        let Allowed::Whole { min, max } = self else {
            return None;
        };
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        text.parse::<u64>()
            .ok()
            .filter(|value| (min..=max).contains(value))
    }

    fn parse_decimal(self, text: &str) -> Option<f32> {
        let Allowed::Decimal {
            min,
            max,
            above_min,
        } = self
        else {
            return None;
        };
        let value = text.trim().parse::<f32>().ok()?;
        let above_floor = if above_min { value > min } else { value >= min };
        (value.is_finite() && above_floor && value <= max).then_some(value)
    }

    fn parse_choice(self, text: &str) -> Option<usize> {
        let Allowed::Choice(names) = self else {
            return None;
        };
        let text = text.trim().to_ascii_lowercase();
        names.iter().position(|name| *name == text)
    }
}

impl Settings {
    /// Reads the settings of `config`, with `vocab_size` from the data
    /// options. A config whose hidden layers differ in size gives the size
    /// of the first one, which the panel then applies to every layer.
    pub fn from_run_config(config: &RunConfig, vocab_size: usize) -> Self {
        Self {
            hidden_layers: config.hidden_units.len(),
            units: config.hidden_units.first().copied().unwrap_or(0),
            activation: config.activation,
            loss: config.loss,
            optimizer: config.optimizer,
            learning_rate: config.learning_rate,
            batch_size: config.batch_size,
            validation_size: config.validation_size,
            vocab_size,
            dropout: config.dropout,
            l2: config.l2,
            epochs: config.epochs,
            seed: config.seed,
        }
    }

    /// Builds the run configuration of these settings. The vocabulary size
    /// is not part of it, because it belongs to the data preparation.
    pub fn run_config(&self, kind: RunKind) -> RunConfig {
        RunConfig {
            kind,
            epochs: self.epochs,
            batch_size: self.batch_size,
            seed: self.seed,
            validation_size: self.validation_size,
            learning_rate: self.learning_rate,
            hidden_units: vec![self.units; self.hidden_layers],
            activation: self.activation,
            loss: self.loss,
            optimizer: self.optimizer,
            dropout: self.dropout,
            l2: self.l2,
        }
    }

    /// Returns the value of `field` as the command line and the panel
    /// write it.
    pub fn text(&self, field: Field) -> String {
        match field {
            Field::HiddenLayers => self.hidden_layers.to_string(),
            Field::Units => self.units.to_string(),
            Field::Activation => self.activation.name().to_owned(),
            Field::Loss => self.loss.name().to_owned(),
            Field::Optimizer => self.optimizer.name().to_owned(),
            Field::LearningRate => self.learning_rate.to_string(),
            Field::BatchSize => self.batch_size.to_string(),
            Field::ValidationSize => self.validation_size.to_string(),
            Field::VocabSize => self.vocab_size.to_string(),
            Field::Dropout => self.dropout.to_string(),
            Field::L2 => self.l2.to_string(),
            Field::Epochs => self.epochs.to_string(),
            Field::Seed => self.seed.to_string(),
        }
    }

    /// Sets `field` from `text`, or leaves the settings unchanged and
    /// returns why the value is not allowed. Surrounding spaces are
    /// ignored, and choices are matched without regard to case.
    pub fn set(&mut self, field: Field, text: &str) -> Result<(), SettingsError> {
        let allowed = field.allowed();
        let rejected = || SettingsError {
            field,
            value: text.to_owned(),
            allowed,
        };
        let whole = || allowed.parse_whole(text).ok_or_else(rejected);
        let size = || whole().and_then(|value| usize::try_from(value).map_err(|_| rejected()));
        let decimal = || allowed.parse_decimal(text).ok_or_else(rejected);
        let choice = || allowed.parse_choice(text).ok_or_else(rejected);
        match field {
            Field::HiddenLayers => self.hidden_layers = size()?,
            Field::Units => self.units = size()?,
            Field::Activation => self.activation = Activation::ALL[choice()?],
            Field::Loss => self.loss = LossKind::ALL[choice()?],
            Field::Optimizer => self.optimizer = OptimizerKind::ALL[choice()?],
            Field::LearningRate => self.learning_rate = decimal()?,
            Field::BatchSize => self.batch_size = size()?,
            Field::ValidationSize => self.validation_size = size()?,
            Field::VocabSize => self.vocab_size = size()?,
            Field::Dropout => self.dropout = decimal()?,
            Field::L2 => self.l2 = decimal()?,
            Field::Epochs => self.epochs = size()?,
            Field::Seed => self.seed = whole()?,
        }
        Ok(())
    }

    /// Checks every field, returning the first one out of its range.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let mut copy = self.clone();
        for field in Field::ALL {
            copy.set(field, &self.text(field))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values at and just past each end of every field's range.
    const EDGES: [(Field, &[&str], &[&str]); 13] = [
        (Field::HiddenLayers, &["1", "4"], &["0", "5"]),
        (Field::Units, &["4", "256"], &["3", "257"]),
        (
            Field::Activation,
            &["relu", "tanh", "TANH"],
            &["sigmoid", ""],
        ),
        (Field::Loss, &["bce", "mse"], &["mae", "bce2"]),
        (
            Field::Optimizer,
            &["rmsprop", "adam", "sgd"],
            &["adagrad", "sgdm"],
        ),
        (
            Field::LearningRate,
            &["1", "0.000001", "1e-3"],
            &["0", "1.000001", "-0.1", "nan", "inf"],
        ),
        (Field::BatchSize, &["1", "25000"], &["0", "25001"]),
        (Field::ValidationSize, &["1000", "20000"], &["999", "20001"]),
        (Field::VocabSize, &["1000", "30000"], &["999", "30001"]),
        (Field::Dropout, &["0", "0.9"], &["-0.01", "0.91", "1"]),
        (Field::L2, &["0", "1"], &["-0.0001", "1.0001"]),
        (Field::Epochs, &["1", "200"], &["0", "201"]),
        (
            Field::Seed,
            &["0", "18446744073709551615"],
            &["-1", "18446744073709551616"],
        ),
    ];

    #[test]
    fn edges_inside_range_accepted() {
        for (field, inside, _) in EDGES {
            for value in inside {
                let mut settings = Settings::default();
                assert_eq!(settings.set(field, value), Ok(()), "{field:?} {value}");
                assert_eq!(settings.validate(), Ok(()), "{field:?} {value}");
            }
        }
    }

    #[test]
    fn edges_outside_range_rejected() {
        for (field, _, outside) in EDGES {
            for value in outside {
                let mut settings = Settings::default();
                let error = settings.set(field, value).unwrap_err();
                assert_eq!(error.field, field);
                assert_eq!(error.value, *value);
                assert_eq!(error.allowed, field.allowed());
                assert_eq!(settings, Settings::default(), "{field:?} changed");
            }
        }
    }

    #[test]
    fn edges_cover_every_field() {
        let fields: Vec<Field> = EDGES.iter().map(|(field, _, _)| *field).collect();
        assert_eq!(fields, Field::ALL);
    }

    #[test]
    fn numbers_reject_other_text() {
        for field in [Field::HiddenLayers, Field::Epochs, Field::Seed] {
            for value in ["", " ", "abc", "2.5", "+3", "1e2", "٣"] {
                let mut settings = Settings::default();
                assert!(settings.set(field, value).is_err(), "{field:?} {value:?}");
            }
        }
        for field in [Field::LearningRate, Field::Dropout, Field::L2] {
            for value in ["", "abc", "0.1.2", "-inf"] {
                let mut settings = Settings::default();
                assert!(settings.set(field, value).is_err(), "{field:?} {value:?}");
            }
        }
    }

    #[test]
    fn surrounding_spaces_ignored() {
        let mut settings = Settings::default();
        assert_eq!(settings.set(Field::Units, " 64 "), Ok(()));
        assert_eq!(settings.units, 64);
        assert_eq!(settings.set(Field::Optimizer, " Adam"), Ok(()));
        assert_eq!(settings.optimizer, OptimizerKind::Adam);
    }

    #[test]
    fn defaults_are_classic_recipe() {
        let settings = Settings::default();
        assert_eq!(settings.validate(), Ok(()));
        assert_eq!(settings.hidden_layers, 2);
        assert_eq!(settings.units, 16);
        assert_eq!(settings.learning_rate, 0.001);
        assert_eq!(settings.batch_size, 512);
        assert_eq!(settings.validation_size, 10_000);
        assert_eq!(settings.vocab_size, 10_000);
        assert_eq!(settings.epochs, 20);
        assert_eq!(settings.seed, 1);
        assert_eq!(
            settings.run_config(RunKind::Exploration),
            RunConfig::default()
        );
    }

    #[test]
    fn run_config_round_trip() {
        let mut settings = Settings::default();
        for (field, value) in [
            (Field::HiddenLayers, "3"),
            (Field::Units, "64"),
            (Field::Activation, "tanh"),
            (Field::Loss, "mse"),
            (Field::Optimizer, "sgd"),
            (Field::LearningRate, "0.01"),
            (Field::BatchSize, "128"),
            (Field::ValidationSize, "5000"),
            (Field::VocabSize, "20000"),
            (Field::Dropout, "0.5"),
            (Field::L2, "0.001"),
            (Field::Epochs, "7"),
            (Field::Seed, "42"),
        ] {
            settings.set(field, value).unwrap();
            assert_eq!(settings.text(field), value);
        }
        let config = settings.run_config(RunKind::Final);
        assert_eq!(config.kind, RunKind::Final);
        assert_eq!(config.hidden_units, vec![64, 64, 64]);
        assert_eq!(config.activation, Activation::Tanh);
        assert_eq!(config.loss, LossKind::MeanSquaredError);
        assert_eq!(config.optimizer, OptimizerKind::SgdMomentum);
        assert_eq!(Settings::from_run_config(&config, 20_000), settings);
    }

    #[test]
    fn out_of_range_config_fails_validation() {
        let config = RunConfig {
            hidden_units: Vec::new(),
            ..RunConfig::default()
        };
        let error = Settings::from_run_config(&config, 10_000)
            .validate()
            .unwrap_err();
        assert_eq!(error.field, Field::HiddenLayers);
        assert_eq!(error.value, "0");

        let error = Settings::from_run_config(&RunConfig::default(), 12)
            .validate()
            .unwrap_err();
        assert_eq!(error.field, Field::VocabSize);
    }

    #[test]
    fn choice_names_match_model_names() {
        let names = |allowed| match allowed {
            Allowed::Choice(names) => names.to_vec(),
            other => panic!("not a choice: {other:?}"),
        };
        let activations: Vec<&str> = Activation::ALL.iter().map(|kind| kind.name()).collect();
        let losses: Vec<&str> = LossKind::ALL.iter().map(|kind| kind.name()).collect();
        let optimizers: Vec<&str> = OptimizerKind::ALL.iter().map(|kind| kind.name()).collect();
        assert_eq!(names(Field::Activation.allowed()), activations);
        assert_eq!(names(Field::Loss.allowed()), losses);
        assert_eq!(names(Field::Optimizer.allowed()), optimizers);
    }

    #[test]
    fn error_names_option_value_and_range() {
        let mut settings = Settings::default();
        let error = settings.set(Field::Units, "300").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid value \"300\" for --units (allowed: 4 to 256)"
        );
        let error = settings.set(Field::LearningRate, "0").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid value \"0\" for --learning-rate (allowed: above 0, up to 1)"
        );
    }
}
