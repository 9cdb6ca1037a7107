//! The losses on a sigmoid output, as Keras 3 computes them.
//!
//! For binary cross-entropy, Keras 3.15 on the JAX backend
//! (`keras/src/backend/jax/nn.py`, `binary_crossentropy` with
//! `from_logits=False`) clips the probability to
//! `[1e-7, 1 - 1e-7]` before taking logarithms, so the loss stays finite
//! when the sigmoid saturates at exactly 0.0 or 1.0 in f32. The clip also
//! makes the gradient zero where it is active, and this module does the same.
//! The squared error is not clipped.

use super::recipe::LossKind;

/// Keras's `backend.epsilon()`, the clip margin of the loss.
pub const EPSILON: f32 = 1e-7;

/// Returns the loss of one review with label `target` (0 or 1) and
/// predicted probability `probability`.
pub fn binary_cross_entropy(probability: f32, target: f32) -> f32 {
    let clipped = probability.clamp(EPSILON, 1.0 - EPSILON);
    -(target * clipped.ln() + (1.0 - target) * (1.0 - clipped).ln())
}

/// Returns the derivative of the loss with respect to the output logit:
/// `probability - target` inside the clip range, zero where the clip is
/// active.
pub fn logit_gradient(probability: f32, target: f32) -> f32 {
    // A NaN probability passes through, so that a diverged run shows in
    // the gradients too.
    if (EPSILON..=1.0 - EPSILON).contains(&probability) || probability.is_nan() {
        probability - target
    } else {
        0.0
    }
}

/// Returns the squared error of one review, `(probability - target)²`,
/// which Keras's `mean_squared_error` gives for a one-unit output.
pub fn squared_error(probability: f32, target: f32) -> f32 {
    let error = probability - target;
    error * error
}

/// Returns the derivative of the squared error with respect to the output
/// logit: `2 (p - y) p (1 - p)` through the sigmoid.
pub fn squared_error_logit_gradient(probability: f32, target: f32) -> f32 {
    2.0 * (probability - target) * probability * (1.0 - probability)
}

impl LossKind {
    /// Returns the loss of one review.
    #[inline(always)]
    pub fn of(self, probability: f32, target: f32) -> f32 {
        match self {
            Self::BinaryCrossEntropy => binary_cross_entropy(probability, target),
            Self::MeanSquaredError => squared_error(probability, target),
        }
    }

    /// Returns the derivative of one review's loss with respect to the
    /// output logit.
    #[inline(always)]
    pub fn logit_gradient(self, probability: f32, target: f32) -> f32 {
        match self {
            Self::BinaryCrossEntropy => logit_gradient(probability, target),
            Self::MeanSquaredError => squared_error_logit_gradient(probability, target),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_is_finite_at_saturation() {
        // ln(1e-7) = -16.118095; 1 - 1e-7 rounds to 0.99999988 in f32,
        // whose complement is 1.1920929e-7 with ln = -15.942385.
        let wrong_at_zero = binary_cross_entropy(0.0, 1.0);
        let wrong_at_one = binary_cross_entropy(1.0, 0.0);
        assert!((wrong_at_zero - 16.118_095).abs() < 1e-4, "{wrong_at_zero}");
        assert!((wrong_at_one - 15.942_385).abs() < 1e-4, "{wrong_at_one}");
        assert!(binary_cross_entropy(0.0, 0.0) < 1e-6);
        assert!(binary_cross_entropy(1.0, 1.0) < 2e-7);
    }

    #[test]
    fn loss_at_one_half_is_ln_two() {
        assert!((binary_cross_entropy(0.5, 1.0) - std::f32::consts::LN_2).abs() < 1e-7);
        assert!((binary_cross_entropy(0.5, 0.0) - std::f32::consts::LN_2).abs() < 1e-7);
    }

    #[test]
    fn squared_error_matches_hand_values() {
        // (0.8 - 1)² = 0.04; gradient 2 * (-0.2) * 0.8 * 0.2 = -0.064.
        assert!((squared_error(0.8, 1.0) - 0.04).abs() < 1e-7);
        assert!((squared_error_logit_gradient(0.8, 1.0) + 0.064).abs() < 1e-7);
        assert_eq!(squared_error(0.0, 0.0), 0.0);
        assert_eq!(squared_error_logit_gradient(1.0, 0.0), 0.0);
    }

    #[test]
    fn gradient_is_zero_where_clipped() {
        assert_eq!(logit_gradient(0.0, 1.0), 0.0);
        assert_eq!(logit_gradient(1.0, 0.0), 0.0);
        assert_eq!(logit_gradient(0.25, 1.0), -0.75);
    }
}
