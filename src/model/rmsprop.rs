//! RMSprop as Keras 3 implements it.
//!
//! Keras 3.15 (`keras/src/optimizers/rmsprop.py`, `update_step`, not
//! centered, no momentum) updates each variable as
//! `velocity = rho * velocity + (1 - rho) * gradient²` and then
//! `variable -= learning_rate * gradient / sqrt(velocity + epsilon)`:
//! epsilon sits inside the square root. Keras 2 and `tf.keras` placed it
//! outside (`sqrt(velocity) + epsilon`); this crate follows Keras 3.

use multiversion::multiversion;
use rayon::prelude::*;

use super::backprop::Gradients;
use super::network::Network;

/// Parameters per parallel work item of an update.
const CHUNK_PARAMETERS: usize = 16 * 1024;

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

impl RmsProp {
    /// Updates `variables` and their `velocities` with `gradients`, then
    /// zeroes `gradients` for the next step. All three have equal length.
    pub fn update(&self, variables: &mut [f32], velocities: &mut [f32], gradients: &mut [f32]) {
        update_slices(*self, variables, velocities, gradients);
    }
}

/// An RMSprop optimizer with its velocities, one per parameter of a network.
#[derive(Clone, Debug)]
pub struct RmsPropState {
    pub settings: RmsProp,
    pub(crate) velocities: Gradients,
}

impl RmsPropState {
    pub fn new(settings: RmsProp, network: &Network) -> Self {
        Self {
            settings,
            velocities: Gradients::zeros_like(network),
        }
    }

    /// Updates every parameter of `network` from `gradients`, which are
    /// zeroed afterwards. Every parameter is updated every step, as Keras
    /// does, so the velocity of a word absent from the batch still decays.
    pub fn step(&mut self, network: &mut Network, gradients: &mut Gradients) {
        let layers = network
            .layers
            .iter_mut()
            .zip(&mut self.velocities.layers)
            .zip(&mut gradients.layers);
        for ((layer, velocity), gradient) in layers {
            update_parallel(
                self.settings,
                &mut layer.weights,
                &mut velocity.weights,
                &mut gradient.weights,
            );
            update_parallel(
                self.settings,
                &mut layer.bias,
                &mut velocity.bias,
                &mut gradient.bias,
            );
        }
    }
}

fn update_parallel<D: ndarray::Dimension>(
    settings: RmsProp,
    variables: &mut ndarray::Array<f32, D>,
    velocities: &mut ndarray::Array<f32, D>,
    gradients: &mut ndarray::Array<f32, D>,
) {
    let (Some(variables), Some(velocities), Some(gradients)) = (
        variables.as_slice_mut(),
        velocities.as_slice_mut(),
        gradients.as_slice_mut(),
    ) else {
        return;
    };
    if variables.len() <= CHUNK_PARAMETERS {
        settings.update(variables, velocities, gradients);
        return;
    }
    variables
        .par_chunks_mut(CHUNK_PARAMETERS)
        .zip(velocities.par_chunks_mut(CHUNK_PARAMETERS))
        .zip(gradients.par_chunks_mut(CHUNK_PARAMETERS))
        .for_each(|((variables, velocities), gradients)| {
            settings.update(variables, velocities, gradients)
        });
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
fn update_slices(
    optimizer: RmsProp,
    variables: &mut [f32],
    velocities: &mut [f32],
    gradients: &mut [f32],
) {
    update_inline(optimizer, variables, velocities, gradients);
}

/// Updates like [`RmsProp::update`], inlined into callers that are compiled
/// for a wider instruction set themselves.
#[inline(always)]
pub(crate) fn update_inline(
    optimizer: RmsProp,
    variables: &mut [f32],
    velocities: &mut [f32],
    gradients: &mut [f32],
) {
    let RmsProp {
        learning_rate,
        rho,
        epsilon,
    } = optimizer;
    let keep = 1.0 - rho;
    for ((variable, velocity), gradient) in variables
        .iter_mut()
        .zip(velocities.iter_mut())
        .zip(gradients.iter_mut())
    {
        let g = *gradient;
        let v = rho * *velocity + keep * (g * g);
        *velocity = v;
        *variable -= learning_rate * g / (v + epsilon).sqrt();
        *gradient = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_matches_hand_values() {
        // velocity = 0.9 * 0.04 + 0.1 * 0.25 = 0.061
        // variable = 1 - 0.001 * 0.5 / sqrt(0.061 + 1e-7) = 0.99797556
        let mut variables = [1.0_f32, -2.0];
        let mut velocities = [0.04_f32, 0.0];
        let mut gradients = [0.5_f32, 0.0];
        RmsProp::default().update(&mut variables, &mut velocities, &mut gradients);
        assert!((velocities[0] - 0.061).abs() < 1e-8, "{}", velocities[0]);
        assert!(
            (variables[0] - 0.997_975_6).abs() < 2e-7,
            "{}",
            variables[0]
        );
        assert_eq!(variables[1], -2.0);
        assert_eq!(velocities[1], 0.0);
        assert_eq!(gradients, [0.0, 0.0]);
    }

    #[test]
    fn absent_gradient_still_decays_velocity() {
        let mut variables = [0.5_f32];
        let mut velocities = [0.2_f32];
        let mut gradients = [0.0_f32];
        RmsProp::default().update(&mut variables, &mut velocities, &mut gradients);
        assert!((velocities[0] - 0.18).abs() < 1e-7, "{}", velocities[0]);
        assert_eq!(variables[0], 0.5);
    }

    #[test]
    fn first_step_moves_by_learning_rate() {
        // With zero velocity, g / sqrt(0.1 g²) = sqrt(10) for any g.
        let mut variables = [0.0_f32];
        let mut velocities = [0.0_f32];
        let mut gradients = [3.0_f32];
        RmsProp::default().update(&mut variables, &mut velocities, &mut gradients);
        assert!(
            (variables[0] + 0.001 * 10f32.sqrt()).abs() < 1e-7,
            "{}",
            variables[0]
        );
    }
}
