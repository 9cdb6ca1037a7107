//! Short names for runs: what each run changed from the classic recipe.
//!
//! A name lists the settings of [`RunConfig`] that differ from
//! `RunConfig::default()`, and the vocabulary size when it differs from
//! [`DEFAULT_VOCAB_SIZE`]. Three settings never count as differences. The
//! runs table shows the kind beside the name. It shows the epoch count in a
//! column of its own, because a retrain usually trains fewer epochs than
//! the exploration before it. The dashboard shrinks the validation size by
//! itself on a small dataset, so it is no choice of the user's.

use crate::data::DEFAULT_VOCAB_SIZE;
use crate::i18n::{Lang, Msg};
use crate::model::{Activation, LossKind, OptimizerKind};
use crate::train::RunConfig;

/// One difference from the classic recipe, worded by the catalog.
#[derive(Clone, Debug, PartialEq)]
pub enum NamePart {
    /// Two hidden layers, as the recipe has, of `units` each.
    Units(usize),
    /// `layers` hidden layers of 16 units, the recipe's width.
    Layers(usize),
    /// `layers` hidden layers of `units` each.
    LayersOfUnits {
        layers: usize,
        units: usize,
    },
    /// Hidden layers of unequal sizes, input side first.
    LayerSizes(Vec<usize>),
    Activation(Activation),
    Optimizer(OptimizerKind),
    LearningRate(f32),
    Loss(LossKind),
    Dropout(f32),
    L2(f32),
    BatchSize(usize),
    Vocabulary(usize),
    Seed(u64),
}

/// Returns the differences of `config`, trained with a vocabulary of
/// `vocabulary` words, from the classic recipe, in the order the name
/// lists them: activation, network shape, optimizer and learning rate,
/// loss, regularization, batch size, data, seed.
pub fn name_parts(config: &RunConfig, vocabulary: usize) -> Vec<NamePart> {
    let classic = RunConfig::default();
    let mut parts = Vec::new();

    if config.activation != classic.activation {
        parts.push(NamePart::Activation(config.activation));
    }
    if let Some(shape) = shape_part(&config.hidden_units, &classic.hidden_units) {
        parts.push(shape);
    }
    if config.optimizer != classic.optimizer {
        parts.push(NamePart::Optimizer(config.optimizer));
    }
    if config.learning_rate != classic.learning_rate {
        parts.push(NamePart::LearningRate(config.learning_rate));
    }

    if config.loss != classic.loss {
        parts.push(NamePart::Loss(config.loss));
    }
    if config.dropout != classic.dropout {
        parts.push(NamePart::Dropout(config.dropout));
    }
    if config.l2 != classic.l2 {
        parts.push(NamePart::L2(config.l2));
    }
    if config.batch_size != classic.batch_size {
        parts.push(NamePart::BatchSize(config.batch_size));
    }

    if vocabulary != DEFAULT_VOCAB_SIZE {
        parts.push(NamePart::Vocabulary(vocabulary));
    }
    if config.seed != classic.seed {
        parts.push(NamePart::Seed(config.seed));
    }
    parts
}

fn shape_part(hidden: &[usize], classic: &[usize]) -> Option<NamePart> {
    if hidden == classic {
        return None;
    }
    let classic_units = classic.first().copied().unwrap_or_default();
    let first = hidden.first().copied().unwrap_or_default();
    if hidden.iter().any(|&units| units != first) {
        return Some(NamePart::LayerSizes(hidden.to_vec()));
    }
    let part = if hidden.len() == classic.len() {
        NamePart::Units(first)
    } else if first == classic_units {
        NamePart::Layers(hidden.len())
    } else {
        NamePart::LayersOfUnits {
            layers: hidden.len(),
            units: first,
        }
    };
    Some(part)
}

/// Returns the name of a run in `lang`, such as "tanh, 3 layers", or the
/// name of the classic recipe when nothing differs.
pub fn run_name(config: &RunConfig, vocabulary: usize, lang: Lang) -> String {
    let parts = name_parts(config, vocabulary);
    lang.text(&Msg::RunName { parts: &parts })
}
