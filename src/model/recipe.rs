//! The choices of activation, loss and optimizer a run can make. The
//! defaults are the classic recipe: ReLU, binary cross-entropy, RMSprop.

use serde::{Deserialize, Serialize};

/// Activation of every hidden layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    #[default]
    Relu,
    Tanh,
}

/// Loss between the output probability and the 0/1 label.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossKind {
    #[default]
    BinaryCrossEntropy,
    /// `(probability - label)²`, as Keras's `mean_squared_error` on the
    /// sigmoid output.
    MeanSquaredError,
}

/// Optimizer, each with Keras 3's default constants besides the learning
/// rate: RMSprop (rho 0.9, epsilon 1e-7), Adam (beta 0.9 and 0.999,
/// epsilon 1e-7) and SGD with momentum 0.9.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    #[default]
    RmsProp,
    Adam,
    SgdMomentum,
}

impl Activation {
    pub const ALL: [Self; 2] = [Self::Relu, Self::Tanh];

    /// Replaces each pre-activation value in `values` by its activation.
    #[inline(always)]
    pub(crate) fn apply(self, values: &mut [f32]) {
        match self {
            Self::Relu => values.iter_mut().for_each(|value| *value = value.max(0.0)),
            Self::Tanh => values.iter_mut().for_each(|value| *value = value.tanh()),
        }
    }

    /// Returns the derivative of the activation at the point whose
    /// activation is `output`: 1 or 0 for ReLU (0 at the kink, as JAX
    /// takes it), `1 - output²` for tanh.
    #[inline(always)]
    pub(crate) fn derivative(self, output: f32) -> f32 {
        match self {
            Self::Relu => {
                if output > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Self::Tanh => 1.0 - output * output,
        }
    }

    /// Returns the name used in options, files and charts, the same in
    /// every language.
    pub fn name(self) -> &'static str {
        match self {
            Self::Relu => "relu",
            Self::Tanh => "tanh",
        }
    }
}

impl LossKind {
    pub const ALL: [Self; 2] = [Self::BinaryCrossEntropy, Self::MeanSquaredError];

    /// Returns the option value, as `--loss` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::BinaryCrossEntropy => "bce",
            Self::MeanSquaredError => "mse",
        }
    }
}

impl OptimizerKind {
    pub const ALL: [Self; 3] = [Self::RmsProp, Self::Adam, Self::SgdMomentum];

    /// Returns the option value, as `--optimizer` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::RmsProp => "rmsprop",
            Self::Adam => "adam",
            Self::SgdMomentum => "sgd",
        }
    }
}
