//! The terms of a training step's objective beside the network itself: the
//! loss, the L2 penalty on the weights, and dropout.

use multiversion::multiversion;

use super::network::Network;
use super::recipe::LossKind;

/// The loss, L2 penalty and dropout of a run. The default is the classic
/// recipe: binary cross-entropy, no penalty, no dropout.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Objective {
    pub loss: LossKind,
    /// `l2 * sum(w²)` over every layer's weights (not biases) is added to
    /// the loss, as Keras's `kernel_regularizer=l2(l2)` does, in training
    /// and in evaluation alike.
    pub l2: f32,
    /// Fraction of each hidden layer's outputs set to zero in training. The
    /// others are scaled by `1 / (1 - dropout)`, as a Keras `Dropout` layer
    /// after every hidden layer does. Evaluation drops nothing.
    pub dropout: f32,
    /// Seeds the dropout masks. Each review of each step draws its own mask
    /// from this seed, the step number and the review's number, so masks do
    /// not depend on the number of threads.
    pub dropout_seed: u64,
}

impl Objective {
    /// Returns the L2 penalty of `network`'s weights, summed in f64 layer
    /// by layer with [`sum_of_squares`]; 0 without a penalty.
    pub fn penalty(&self, network: &Network) -> f64 {
        if self.l2 == 0.0 {
            return 0.0;
        }
        let squares: f64 = network
            .layers
            .iter()
            .map(|layer| matrix_squares(&layer.weights))
            .sum();
        f64::from(self.l2) * squares
    }

    /// Returns the dropout mask source of review `sample` in step `step`,
    /// or `None` without dropout.
    pub(crate) fn dropout_mask(&self, step: u64, sample: usize) -> Option<DropoutMask> {
        (self.dropout > 0.0).then(|| {
            let mut mixer = SplitMix64(self.dropout_seed);
            let seed = mixer.next() ^ step.wrapping_mul(0xD1B5_4A32_D192_ED03);
            DropoutMask {
                bits: SplitMix64(seed ^ (sample as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                rate: self.dropout,
                scale: 1.0 / (1.0 - self.dropout),
            }
        })
    }
}

/// Draws the kept and dropped units of one review's hidden layers.
/// Returns the sum of the squares of `values` in f64, in eight running
/// sums of every eighth value, which the compiler keeps in one vector
/// register: a training step with L2 takes this sum over every weight.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "aarch64+neon"))]
pub(crate) fn sum_of_squares(values: &[f32]) -> f64 {
    let (groups, rest) = values.as_chunks::<8>();
    let mut sums = [0.0_f64; 8];
    for group in groups {
        for (sum, &value) in sums.iter_mut().zip(group) {
            *sum += f64::from(value) * f64::from(value);
        }
    }
    let rest: f64 = rest
        .iter()
        .map(|&value| f64::from(value) * f64::from(value))
        .sum();
    sums.iter().sum::<f64>() + rest
}

/// Returns the sum of the squares of a weight matrix's values.
pub(crate) fn matrix_squares(weights: &ndarray::Array2<f32>) -> f64 {
    match weights.as_slice() {
        Some(values) => sum_of_squares(values),
        None => weights
            .iter()
            .map(|&value| f64::from(value) * f64::from(value))
            .sum(),
    }
}

pub(crate) struct DropoutMask {
    bits: SplitMix64,
    rate: f32,
    scale: f32,
}

impl DropoutMask {
    /// Returns the factor of the next unit: 0 when it is dropped, else
    /// `1 / (1 - rate)`. A unit is dropped with probability `rate`.
    #[inline(always)]
    pub(crate) fn next_factor(&mut self) -> f32 {
        // The top 24 bits give a uniform number in [0, 1) exactly in f32.
        let uniform = (self.bits.next() >> 40) as f32 * (1.0 / (1u32 << 24) as f32);
        if uniform < self.rate { 0.0 } else { self.scale }
    }
}

/// The SplitMix64 generator: small, fast, and good enough for masks.
struct SplitMix64(u64);

impl SplitMix64 {
    #[inline(always)]
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropout_drops_about_its_rate() {
        let objective = Objective {
            dropout: 0.3,
            ..Objective::default()
        };
        let mut dropped = 0;
        for sample in 0..1000 {
            let Some(mut mask) = objective.dropout_mask(7, sample) else {
                unreachable!("dropout is on");
            };
            for _ in 0..16 {
                let factor = mask.next_factor();
                if factor == 0.0 {
                    dropped += 1;
                } else {
                    assert!((factor - 1.0 / 0.7).abs() < 1e-6);
                }
            }
        }
        // 16,000 draws at rate 0.3: 4,800 expected, standard deviation 58.
        assert!((4500..5100).contains(&dropped), "{dropped}");
    }

    #[test]
    fn masks_differ_by_step_and_review() {
        let objective = Objective {
            dropout: 0.5,
            ..Objective::default()
        };
        let draw = |step, sample| {
            let mut mask = objective.dropout_mask(step, sample);
            (0..32)
                .map(|_| mask.as_mut().map_or(1.0, DropoutMask::next_factor))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(1, 2), draw(1, 2));
        assert_ne!(draw(1, 2), draw(2, 2));
        assert_ne!(draw(1, 2), draw(1, 3));
    }

    #[test]
    fn sum_of_squares_counts_every_value() {
        // Ten values: one group of eight and a rest of two.
        let values: Vec<f32> = (1..=10).map(|value| value as f32).collect();
        assert_eq!(sum_of_squares(&values), 385.0);
        assert_eq!(sum_of_squares(&values[..3]), 14.0);
        assert_eq!(sum_of_squares(&[]), 0.0);
    }

    #[test]
    fn no_dropout_gives_no_mask() {
        assert!(Objective::default().dropout_mask(0, 0).is_none());
    }
}
