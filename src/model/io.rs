//! Saving and loading a trained model.
//!
//! A model is two files written side by side:
//! - `NAME.npz`, which `numpy.load` opens: for each layer `i` (0 is the
//!   input side), `dense_i_kernel` of shape `(inputs, units)` and
//!   `dense_i_bias` of shape `(units,)`, all float32, Keras's layout;
//! - `NAME.json`: the vocabulary in index order, the layer sizes, the run's
//!   settings and results (see [`ModelInfo`]).

use std::fs::File;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};
use npyz::WriterBuilder;
use npyz::npz::{NpzArchive, NpzWriter};
use serde::{Deserialize, Serialize};

use super::network::{Dense, Network};
use crate::atomic::write_atomically;
use crate::data::Vocabulary;
use crate::data::tokenize::TOKENIZER_VERSION;
use crate::train::{RunConfig, TestMetrics};

const FORMAT: &str = "imdb-tui model";
const FORMAT_VERSION: u32 = 1;

/// The JSON half of a saved model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub format: String,
    pub format_version: u32,
    /// Version of the tokenizer rules the vocabulary was built with.
    pub tokenizer_version: u32,
    /// Units of each hidden layer, input side first.
    pub hidden_units: Vec<usize>,
    /// Settings of the run that trained the weights.
    pub run: RunConfig,
    /// Epochs the saved weights were trained for.
    pub epochs_trained: usize,
    /// Test metrics, for a model from a final run.
    pub test: Option<TestMetrics>,
    /// Source of the training reviews, as shown to the user.
    pub data_source: String,
    /// Words in index order: word `i` is input `i`.
    pub vocabulary: Vec<String>,
}

/// Training settings and results stored with a saved model.
#[derive(Clone, Debug)]
pub struct TrainingRecord {
    pub run: RunConfig,
    pub epochs_trained: usize,
    pub test: Option<TestMetrics>,
    pub data_source: String,
}

/// A loaded model.
#[derive(Clone, Debug)]
pub struct SavedModel {
    pub network: Network,
    pub vocabulary: Vocabulary,
    pub info: ModelInfo,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "model file {path} not found: train and save one with `imdb-tui train --full --save {path}`"
    )]
    NotFound { path: PathBuf },
    #[error("failed to read model file {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error(
        "failed to write model file {path}: {source}; check that its folder exists and is writable"
    )]
    Write { path: PathBuf, source: io::Error },
    #[error("invalid model file {path}: {reason}; save the model again")]
    Invalid { path: PathBuf, reason: String },
}

/// Returns the JSON path that goes with the `.npz` path `weights`.
pub fn info_path(weights: &Path) -> PathBuf {
    weights.with_extension("json")
}

/// Saves `network` with its vocabulary and record to `weights` (an `.npz`)
/// and the JSON beside it, each written atomically.
pub fn save(
    weights: &Path,
    network: &Network,
    vocabulary: &Vocabulary,
    record: &TrainingRecord,
) -> Result<(), ModelError> {
    let info = ModelInfo {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        tokenizer_version: TOKENIZER_VERSION,
        hidden_units: network.hidden_units(),
        // The network's own activation, whatever the record has, so the
        // file always loads as the network that was saved.
        run: RunConfig {
            activation: network.activation,
            ..record.run.clone()
        },
        epochs_trained: record.epochs_trained,
        test: record.test,
        data_source: record.data_source.clone(),
        vocabulary: vocabulary.words().to_vec(),
    };
    write_weights(weights, network).map_err(|source| ModelError::Write {
        path: weights.to_owned(),
        source,
    })?;

    let json = info_path(weights);
    write_atomically(&json, |writer| {
        serde_json::to_writer_pretty(&mut *writer, &info).map_err(io::Error::other)
    })
    .map_err(|source| ModelError::Write { path: json, source })?;
    tracing::info!(path = %weights.display(), "model saved");
    Ok(())
}

fn write_weights(path: &Path, network: &Network) -> io::Result<()> {
    write_atomically(path, |writer| {
        let mut npz = NpzWriter::new(&mut *writer);
        for (position, layer) in network.layers.iter().enumerate() {
            let (inputs, units) = (layer.inputs() as u64, layer.units() as u64);
            let options = zip::write::FileOptions::default();
            let mut kernel = npz
                .array::<f32>(&format!("dense_{position}_kernel"), options)?
                .default_dtype()
                .shape(&[inputs, units])
                .begin_nd()?;
            kernel.extend(layer.weights.iter().copied())?;
            kernel.finish()?;
            let mut bias = npz
                .array::<f32>(&format!("dense_{position}_bias"), options)?
                .default_dtype()
                .shape(&[units])
                .begin_nd()?;
            bias.extend(layer.bias.iter().copied())?;
            bias.finish()?;
        }
        npz.zip_writer().finish().map_err(io::Error::other)?;
        Ok(())
    })
}

/// Loads a model saved by [`save`], checking that the arrays chain into one
/// network whose input size is the vocabulary size.
pub fn load(weights: &Path) -> Result<SavedModel, ModelError> {
    if !weights.exists() {
        return Err(ModelError::NotFound {
            path: weights.to_owned(),
        });
    }
    let json = info_path(weights);
    let info = read_info(&json)?;
    let invalid = |reason: String| ModelError::Invalid {
        path: weights.to_owned(),
        reason,
    };

    let mut archive = open_archive(weights)?;
    let mut layers = Vec::with_capacity(info.hidden_units.len() + 1);
    let mut inputs = info.vocabulary.len();
    for (position, &units) in info.hidden_units.iter().chain(&[1]).enumerate() {
        let kernel = read_array(
            &mut archive,
            weights,
            &format!("dense_{position}_kernel"),
            &[inputs, units],
        )?;
        let bias = read_array(
            &mut archive,
            weights,
            &format!("dense_{position}_bias"),
            &[units],
        )?;
        let weights_array = Array2::from_shape_vec((inputs, units), kernel)
            .map_err(|error| invalid(error.to_string()))?;
        layers.push(Dense {
            weights: weights_array,
            bias: Array1::from(bias),
        });
        inputs = units;
    }
    let extra = format!("dense_{}_kernel", layers.len());
    if archive.by_name(&extra).ok().flatten().is_some() {
        return Err(invalid(format!(
            "it has more layers than the {} hidden layers listed in {}",
            info.hidden_units.len(),
            json.display()
        )));
    }

    Ok(SavedModel {
        network: Network {
            layers,
            activation: info.run.activation,
        },
        vocabulary: Vocabulary::new(info.vocabulary.clone()),
        info,
    })
}

fn read_info(json: &Path) -> Result<ModelInfo, ModelError> {
    let file = File::open(json).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => ModelError::NotFound {
            path: json.to_owned(),
        },
        _ => ModelError::Read {
            path: json.to_owned(),
            source,
        },
    })?;
    let info: ModelInfo =
        serde_json::from_reader(BufReader::new(file)).map_err(|error| ModelError::Invalid {
            path: json.to_owned(),
            reason: error.to_string(),
        })?;
    let invalid = |reason: String| ModelError::Invalid {
        path: json.to_owned(),
        reason,
    };
    if info.format != FORMAT || info.format_version != FORMAT_VERSION {
        return Err(invalid(format!(
            "format {:?} version {} is not {FORMAT:?} version {FORMAT_VERSION}",
            info.format, info.format_version
        )));
    }
    if info.tokenizer_version != TOKENIZER_VERSION {
        return Err(invalid(format!(
            "its vocabulary was built with tokenizer version {}, this program uses version {TOKENIZER_VERSION}",
            info.tokenizer_version
        )));
    }
    if info.vocabulary.is_empty() || info.hidden_units.contains(&0) {
        return Err(invalid(
            "the vocabulary or a hidden layer is empty".to_owned(),
        ));
    }
    Ok(info)
}

fn open_archive(weights: &Path) -> Result<NpzArchive<BufReader<File>>, ModelError> {
    NpzArchive::open(weights).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => ModelError::NotFound {
            path: weights.to_owned(),
        },
        io::ErrorKind::InvalidData => ModelError::Invalid {
            path: weights.to_owned(),
            reason: format!("it is not an .npz archive ({source})"),
        },
        _ => ModelError::Read {
            path: weights.to_owned(),
            source,
        },
    })
}

fn read_array(
    archive: &mut NpzArchive<BufReader<File>>,
    weights: &Path,
    name: &str,
    expected: &[usize],
) -> Result<Vec<f32>, ModelError> {
    let invalid = |reason: String| ModelError::Invalid {
        path: weights.to_owned(),
        reason,
    };
    let array = archive
        .by_name(name)
        .map_err(|error| invalid(format!("array {name} is unreadable ({error})")))?
        .ok_or_else(|| invalid(format!("array {name} is missing")))?;
    let shape: Vec<usize> = array
        .shape()
        .iter()
        .map(|&length| length as usize)
        .collect();
    if shape != expected {
        return Err(invalid(format!(
            "array {name} has shape {shape:?}, expected {expected:?} from the vocabulary and layer sizes in the JSON file"
        )));
    }
    if array.order() != npyz::Order::C {
        return Err(invalid(format!(
            "array {name} is in Fortran order, expected C order"
        )));
    }
    let values = array
        .into_vec::<f32>()
        .map_err(|error| invalid(format!("array {name} is not float32 ({error})")))?;
    // A non-finite weight makes every prediction NaN, so the model is
    // rejected here instead of scoring reviews as NaN.
    if let Some(position) = values.iter().position(|value| !value.is_finite()) {
        return Err(invalid(format!(
            "array {name} has the non-finite value {} at position {position}",
            values[position]
        )));
    }
    Ok(values)
}
