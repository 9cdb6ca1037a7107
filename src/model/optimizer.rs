//! The optimizers, as Keras 3 implements them.
//!
//! Keras 3.15 (`keras/src/optimizers/*.py`, `update_step`), for a variable
//! `w` with gradient `g`:
//! - RMSprop (not centered, no momentum):
//!   `v = rho v + (1 - rho) g²`, then `w -= lr g / sqrt(v + epsilon)`:
//!   epsilon sits inside the square root. Keras 2 and `tf.keras` placed it
//!   outside (`sqrt(v) + epsilon`); this crate follows Keras 3.
//! - Adam: `m += (g - m)(1 - beta_1)`, `v += (g² - v)(1 - beta_2)`, then
//!   `w -= alpha m / (sqrt(v) + epsilon)` with
//!   `alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)` at step `t` from 1.
//! - SGD with momentum: `m = momentum m - lr g`, then `w += m`.

use super::backprop::Gradients;
use super::network::{Dense, Network};
use super::recipe::OptimizerKind;
use super::update::Update;

/// RMSprop hyperparameters; the defaults are Keras's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsProp {
    pub learning_rate: f32,
    pub rho: f32,
    pub epsilon: f32,
}

impl Default for RmsProp {
    fn default() -> Self {
        Self {
            learning_rate: 0.001,
            rho: 0.9,
            epsilon: 1e-7,
        }
    }
}

/// Adam hyperparameters; the defaults are Keras's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adam {
    pub learning_rate: f32,
    pub beta_1: f32,
    pub beta_2: f32,
    pub epsilon: f32,
}

impl Default for Adam {
    fn default() -> Self {
        Self {
            learning_rate: 0.001,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        }
    }
}

/// SGD with momentum. Keras's default momentum is 0; this crate's SGD
/// choice uses the common 0.9.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd {
    pub learning_rate: f32,
    pub momentum: f32,
}

impl Default for Sgd {
    fn default() -> Self {
        Self {
            learning_rate: 0.01,
            momentum: 0.9,
        }
    }
}

/// An optimizer with its hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    RmsProp(RmsProp),
    Adam(Adam),
    Sgd(Sgd),
}

impl Optimizer {
    /// Returns optimizer `kind` with Keras's constants and `learning_rate`.
    pub fn new(kind: OptimizerKind, learning_rate: f32) -> Self {
        match kind {
            OptimizerKind::RmsProp => Self::RmsProp(RmsProp {
                learning_rate,
                ..RmsProp::default()
            }),
            OptimizerKind::Adam => Self::Adam(Adam {
                learning_rate,
                ..Adam::default()
            }),
            OptimizerKind::SgdMomentum => Self::Sgd(Sgd {
                learning_rate,
                ..Sgd::default()
            }),
        }
    }

    /// Number of values the optimizer keeps per parameter.
    fn slots(&self) -> usize {
        match self {
            Self::Adam(_) => 2,
            Self::RmsProp(_) | Self::Sgd(_) => 1,
        }
    }
}

impl From<RmsProp> for Optimizer {
    fn from(settings: RmsProp) -> Self {
        Self::RmsProp(settings)
    }
}

impl From<Adam> for Optimizer {
    fn from(settings: Adam) -> Self {
        Self::Adam(settings)
    }
}

impl From<Sgd> for Optimizer {
    fn from(settings: Sgd) -> Self {
        Self::Sgd(settings)
    }
}

/// An optimizer with the values it keeps per parameter of a network (the
/// velocities of RMSprop and SGD, the two moments of Adam) and its step
/// count.
#[derive(Clone, Debug)]
pub struct OptimizerState {
    pub optimizer: Optimizer,
    /// One set of values shaped like the network per slot of the optimizer.
    pub(crate) slots: Vec<Gradients>,
    steps: u64,
}

impl OptimizerState {
    pub fn new(optimizer: impl Into<Optimizer>, network: &Network) -> Self {
        let optimizer = optimizer.into();
        Self {
            slots: (0..optimizer.slots())
                .map(|_| Gradients::zeros_like(network))
                .collect(),
            optimizer,
            steps: 0,
        }
    }

    /// Number of steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Counts `steps` steps taken without [`Self::begin_step`].
    pub(crate) fn count_steps(&mut self, steps: u64) {
        self.steps += steps;
    }

    /// Counts a step and returns its update. `l2` adds the gradient of an
    /// L2 penalty, `2 l2 w`, to every weight's gradient.
    pub(crate) fn begin_step(&mut self, l2: f32) -> Update {
        self.steps += 1;
        Update::new(self.optimizer, self.steps, 2.0 * l2)
    }

    /// Updates every parameter of `network` from `gradients`, which are
    /// zeroed afterwards, on the calling thread. [`super::train_step`]
    /// does the same in parallel, fused with the backward pass. Every
    /// parameter is updated every step, as Keras does, so the velocity of a
    /// word absent from the batch still decays.
    pub fn step(&mut self, network: &mut Network, gradients: &mut Gradients) {
        let update = self.begin_step(0.0);
        for (position, (layer, gradient)) in network
            .layers
            .iter_mut()
            .zip(&mut gradients.layers)
            .enumerate()
        {
            let (first, second) = slot_layers(&mut self.slots, position);
            let first = first.map(|slot| (&mut slot.weights, &mut slot.bias));
            let second = second.map(|slot| (&mut slot.weights, &mut slot.bias));
            let (first_weights, first_bias) = first.unzip();
            let (second_weights, second_bias) = second.unzip();
            update_array(
                update,
                &mut layer.weights,
                [first_weights, second_weights],
                &mut gradient.weights,
            );
            update_array(
                update,
                &mut layer.bias,
                [first_bias, second_bias],
                &mut gradient.bias,
            );
        }
    }
}

/// Returns layer `position` of the first and second slot, where they exist.
pub(crate) fn slot_layers(
    slots: &mut [Gradients],
    position: usize,
) -> (Option<&mut Dense>, Option<&mut Dense>) {
    let (first, rest) = match slots.split_first_mut() {
        Some((first, rest)) => (first.layers.get_mut(position), rest),
        None => (None, &mut [][..]),
    };
    let second = rest
        .first_mut()
        .and_then(|slot| slot.layers.get_mut(position));
    (first, second)
}

/// Updates an array on the calling thread. `slots` are the optimizer's
/// first and second values, where it keeps them.
pub(crate) fn update_array<D: ndarray::Dimension>(
    update: Update,
    variables: &mut ndarray::Array<f32, D>,
    slots: [Option<&mut ndarray::Array<f32, D>>; 2],
    gradients: &mut ndarray::Array<f32, D>,
) {
    let (Some(variables), Some(gradients)) = (variables.as_slice_mut(), gradients.as_slice_mut())
    else {
        return;
    };
    let [first, second] = slots.map(|slot| slot.and_then(|slot| slot.as_slice_mut()));
    update.apply(
        variables,
        first.unwrap_or_default(),
        second.unwrap_or_default(),
        gradients,
    );
}
