//! The rule that reads an exploration run's history: its best epoch,
//! whether validation loss rose after it, and whether that rise is
//! overfitting or a run that is not learning.
//!
//! Overfitting means that the network kept fitting the training reviews
//! while it got worse on the held-out ones. So a rise of validation loss
//! counts as overfitting only when training loss fell after the best epoch.
//! A rise without that fall, a validation loss that never changes, or a
//! validation loss larger than any prediction can cost all mean that the
//! run is not learning, and training it for the best epoch's count would
//! not help.

use serde::{Serialize, Serializer};

use super::EpochMetrics;
use crate::model::loss::EPSILON;

/// Returns the best epoch: the epoch with the lowest validation loss, the
/// earliest one on a tie. [`assess`] decides whether overfitting begins
/// after it. Epochs without a finite validation loss are skipped; `None`
/// when no epoch has one.
pub fn best_epoch(history: &[EpochMetrics]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for metrics in history {
        let Some(loss) = metrics.val_loss.filter(|loss| loss.is_finite()) else {
            continue;
        };
        if best.is_none_or(|(_, lowest)| loss < lowest) {
            best = Some((metrics.epoch, loss));
        }
    }
    best.map(|(epoch, _)| epoch)
}

/// Reading of a run's validation history: best epoch, rise and verdict.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Assessment {
    /// Epoch with the lowest validation loss, as [`best_epoch`] picks it.
    pub best_epoch: usize,
    pub best_val_loss: f64,
    /// True when a later epoch's validation loss is strictly above
    /// `best_val_loss`. Equal losses are no rise.
    pub val_loss_rose: bool,
    pub verdict: Verdict,
}

/// Verdict on a run's validation history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    /// Validation loss has not risen above its lowest value, so the run
    /// may improve with more epochs.
    NotRisen,
    /// Validation loss rose after the best epoch while training loss fell
    /// below its value at the best epoch: overfitting begins after it.
    Overfitting,
    /// The run is not learning, for the reason given.
    NotLearning(Stall),
}

/// Reason a run is not learning, in the order [`assess`] checks them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stall {
    /// A validation loss above [`max_review_loss`]. No prediction costs
    /// that much, so the L2 penalty of the weights makes up most of it.
    HugeLoss { epoch: usize, loss: f64 },
    /// Two or more epochs, all with exactly the same validation loss.
    FlatValidationLoss { loss: f64 },
    /// Validation loss rose after `best_epoch`, but no later epoch's
    /// training loss is below the training loss at `best_epoch`.
    TrainingLossNotFalling { best_epoch: usize },
}

impl Verdict {
    /// Returns the name that `train --json` writes.
    pub fn name(self) -> &'static str {
        match self {
            Self::NotRisen => "not_risen",
            Self::Overfitting => "overfitting",
            Self::NotLearning(_) => "not_learning",
        }
    }
}

impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Returns the largest loss one review can have: binary cross-entropy with
/// the probability clipped to `[1e-7, 1 - 1e-7]`, `-ln(1e-7)`, about
/// 16.12. The squared error of one review is at most 1.
pub fn max_review_loss() -> f64 {
    -f64::from(EPSILON).ln()
}

/// Reads `history`, the epochs of a run, oldest first. `None` when no
/// epoch has a finite validation loss, as in a final run.
pub fn assess(history: &[EpochMetrics]) -> Option<Assessment> {
    let best_epoch = best_epoch(history)?;
    let at_best = history.iter().find(|metrics| metrics.epoch == best_epoch)?;
    let best_val_loss = at_best.val_loss?;
    let val_loss_rose = history
        .iter()
        .filter(|metrics| metrics.epoch > best_epoch)
        .any(|metrics| metrics.val_loss.is_some_and(|loss| loss > best_val_loss));

    let verdict = match stall(history, at_best, val_loss_rose) {
        Some(stall) => Verdict::NotLearning(stall),
        None if val_loss_rose => Verdict::Overfitting,
        None => Verdict::NotRisen,
    };
    Some(Assessment {
        best_epoch,
        best_val_loss,
        val_loss_rose,
        verdict,
    })
}

/// Returns why the run is not learning, or `None` when it learns.
/// `at_best` is the best epoch's metrics.
fn stall(history: &[EpochMetrics], at_best: &EpochMetrics, val_loss_rose: bool) -> Option<Stall> {
    let huge = history.iter().find_map(|metrics| {
        let loss = metrics.val_loss?;
        (loss > max_review_loss()).then_some(Stall::HugeLoss {
            epoch: metrics.epoch,
            loss,
        })
    });
    if huge.is_some() {
        return huge;
    }

    let validation_losses: Vec<f64> = history
        .iter()
        .filter_map(|metrics| metrics.val_loss)
        .collect();
    let best_val_loss = at_best.val_loss?;
    let flat = validation_losses.len() > 1
        && validation_losses
            .iter()
            .all(|&loss| loss.total_cmp(&best_val_loss).is_eq());
    if flat {
        return Some(Stall::FlatValidationLoss {
            loss: best_val_loss,
        });
    }

    let training_fell = history
        .iter()
        .filter(|metrics| metrics.epoch > at_best.epoch)
        .any(|metrics| metrics.train_loss < at_best.train_loss);
    (val_loss_rose && !training_fell).then_some(Stall::TrainingLossNotFalling {
        best_epoch: at_best.epoch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a history from `(training loss, validation loss)` pairs,
    /// epoch 1 first.
    fn history(losses: &[(f64, f64)]) -> Vec<EpochMetrics> {
        losses
            .iter()
            .zip(1..)
            .map(|(&(train_loss, val_loss), epoch)| EpochMetrics {
                epoch,
                train_loss,
                train_accuracy: 0.5,
                val_loss: Some(val_loss),
                val_accuracy: Some(0.5),
                seconds: 0.1,
            })
            .collect()
    }

    fn verdict(losses: &[(f64, f64)]) -> Option<Verdict> {
        assess(&history(losses)).map(|assessment| assessment.verdict)
    }

    #[test]
    fn rise_with_falling_training_loss_overfits() {
        let losses = [(0.50, 0.40), (0.30, 0.30), (0.20, 0.28), (0.10, 0.35)];
        let assessment = assess(&history(&losses)).unwrap();
        assert_eq!(assessment.best_epoch, 3);
        assert_eq!(assessment.best_val_loss, 0.28);
        assert!(assessment.val_loss_rose);
        assert_eq!(assessment.verdict, Verdict::Overfitting);
    }

    #[test]
    fn lowest_at_last_epoch_not_risen() {
        let losses = [(0.50, 0.40), (0.30, 0.30), (0.20, 0.28)];
        let assessment = assess(&history(&losses)).unwrap();
        assert_eq!(assessment.best_epoch, 3);
        assert!(!assessment.val_loss_rose);
        assert_eq!(assessment.verdict, Verdict::NotRisen);
    }

    #[test]
    fn equal_losses_after_best_not_risen() {
        let losses = [(0.50, 0.40), (0.30, 0.30), (0.20, 0.30), (0.10, 0.30)];
        let assessment = assess(&history(&losses)).unwrap();
        assert_eq!(assessment.best_epoch, 2);
        assert!(!assessment.val_loss_rose);
        assert_eq!(assessment.verdict, Verdict::NotRisen);
    }

    #[test]
    fn flat_validation_loss_not_learning() {
        // The shape of a run at learning rate 1 whose outputs saturated.
        let losses = [
            (7.69, 8.003_077_188_730_24),
            (7.95, 8.003_077_188_730_24),
            (7.95, 8.003_077_188_730_24),
        ];
        let assessment = assess(&history(&losses)).unwrap();
        assert_eq!(assessment.best_epoch, 1);
        assert!(!assessment.val_loss_rose);
        assert_eq!(
            assessment.verdict,
            Verdict::NotLearning(Stall::FlatValidationLoss {
                loss: 8.003_077_188_730_24
            })
        );
    }

    #[test]
    fn one_epoch_is_not_flat() {
        assert_eq!(verdict(&[(0.5, 0.4)]), Some(Verdict::NotRisen));
    }

    #[test]
    fn exploding_loss_not_learning() {
        // Training loss falls, but every loss is far above what any
        // prediction can cost: the L2 penalty of exploded weights.
        let losses = [
            (940_976.6, 266_295.8),
            (813_400.7, 288_645.0),
            (677_472.3, 629_515.4),
        ];
        let assessment = assess(&history(&losses)).unwrap();
        assert!(assessment.val_loss_rose);
        assert_eq!(
            assessment.verdict,
            Verdict::NotLearning(Stall::HugeLoss {
                epoch: 1,
                loss: 266_295.8
            })
        );
    }

    #[test]
    fn late_explosion_names_its_epoch() {
        let losses = [(0.50, 0.40), (0.30, 0.30), (40.0, 35.0)];
        assert_eq!(
            verdict(&losses),
            Some(Verdict::NotLearning(Stall::HugeLoss {
                epoch: 3,
                loss: 35.0
            }))
        );
    }

    #[test]
    fn infinite_validation_loss_is_huge() {
        let losses = [(0.50, 0.40), (0.30, f64::INFINITY)];
        assert_eq!(
            verdict(&losses),
            Some(Verdict::NotLearning(Stall::HugeLoss {
                epoch: 2,
                loss: f64::INFINITY
            }))
        );
    }

    #[test]
    fn rise_without_training_progress_not_learning() {
        let losses = [(0.69, 0.70), (0.70, 0.72), (0.69, 0.71)];
        let assessment = assess(&history(&losses)).unwrap();
        assert_eq!(assessment.best_epoch, 1);
        assert!(assessment.val_loss_rose);
        assert_eq!(
            assessment.verdict,
            Verdict::NotLearning(Stall::TrainingLossNotFalling { best_epoch: 1 })
        );
    }

    #[test]
    fn loss_at_ceiling_is_not_huge() {
        let ceiling = max_review_loss();
        assert!((ceiling - 16.118).abs() < 1e-3, "{ceiling}");
        let losses = [(0.50, ceiling), (0.30, 0.30), (0.20, 0.35)];
        assert_eq!(verdict(&losses), Some(Verdict::Overfitting));
    }

    #[test]
    fn no_validation_has_no_assessment() {
        let mut epochs = history(&[(0.5, 0.4)]);
        epochs[0].val_loss = None;
        assert_eq!(assess(&epochs), None);
        assert_eq!(assess(&[]), None);
    }

    #[test]
    fn verdict_names_for_json() {
        let names = [
            Verdict::NotRisen,
            Verdict::Overfitting,
            Verdict::NotLearning(Stall::FlatValidationLoss { loss: 1.0 }),
        ]
        .map(|verdict| serde_json::to_string(&verdict).unwrap());
        assert_eq!(
            names,
            ["\"not_risen\"", "\"overfitting\"", "\"not_learning\""]
        );
    }
}
