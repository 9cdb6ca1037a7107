//! A network taken apart for a training call: the two parts of the first
//! layer's rows, each for one thread, and everything else, which the
//! threads share.

use ndarray::Array1;

use super::backprop::{ChunkResult, Gradients, Upper};
use super::network::{Dense, Network};
use super::objective::matrix_squares;
use super::optimizer::update_array;
use super::parts::PartRows;
use super::recipe::Activation;
use super::row_split::{PARTS, RowSplit};
use super::update::Update;

/// The parameters besides the first layer's weights, with the optimizer's
/// values for them and their gradients.
pub(crate) struct UpperParams<'a> {
    activation: Activation,
    first_bias: &'a mut Array1<f32>,
    layers: &'a mut [Dense],
    slot_bias: [Option<&'a mut Array1<f32>>; 2],
    /// Each slot's layers after the first; empty for a slot the optimizer
    /// does not keep.
    slot_layers: [&'a mut [Dense]; 2],
    gradient_bias: &'a mut Array1<f32>,
    gradient_layers: &'a mut [Dense],
}

/// One of the network, an optimizer slot or the gradients, taken apart:
/// the first layer's weights cut into the parts, its bias, the later
/// layers.
type Pieces<'a> = ([&'a mut [f32]; PARTS], &'a mut Array1<f32>, &'a mut [Dense]);

fn take_apart<'a>(layers: &'a mut [Dense], rows: RowSplit) -> Option<Pieces<'a>> {
    let (first, later) = layers.split_first_mut()?;
    let units = first.units();
    let weights = first.weights.as_slice_mut()?;
    let cut = (rows.rows(0).end * units).min(weights.len());
    let (below, above) = weights.split_at_mut(cut);
    Some(([below, above], &mut first.bias, later))
}

impl<'a> UpperParams<'a> {
    /// Takes `network`, the optimizer's `slots` and `gradients` apart at
    /// `rows`. Returns `None` when their shapes differ, or for a network
    /// without layers or with a weight matrix not in standard order.
    pub(crate) fn split(
        network: &'a mut Network,
        slots: &'a mut [Gradients],
        gradients: &'a mut Gradients,
        rows: RowSplit,
    ) -> Option<([PartRows<'a>; PARTS], Self)> {
        let matching = std::iter::once(&*gradients)
            .chain(slots.iter())
            .all(|values| same_shapes(&values.layers, &network.layers));
        if !matching {
            return None;
        }
        let activation = network.activation;
        let (weights, first_bias, layers) = take_apart(&mut network.layers, rows)?;
        let (gradient, gradient_bias, gradient_layers) = take_apart(&mut gradients.layers, rows)?;
        let mut slots = slots
            .iter_mut()
            .map(|slot| take_apart(&mut slot.layers, rows));
        let [first, second] = [(); 2].map(|()| slots.next().flatten());

        let (first_weights, first_bias_slot, first_layers) = unzip(first);
        let (second_weights, second_bias_slot, second_layers) = unzip(second);
        let mut weights = weights.into_iter();
        let mut gradient = gradient.into_iter();
        let mut first_weights = first_weights.into_iter().flatten();
        let mut second_weights = second_weights.into_iter().flatten();
        let parts = [0, 1].map(|part| PartRows {
            part,
            weights: weights.next().unwrap_or_default(),
            first: first_weights.next().unwrap_or_default(),
            second: second_weights.next().unwrap_or_default(),
            gradient: gradient.next().unwrap_or_default(),
        });
        let upper = Self {
            activation,
            first_bias,
            layers,
            slot_bias: [first_bias_slot, second_bias_slot],
            slot_layers: [
                first_layers.unwrap_or_default(),
                second_layers.unwrap_or_default(),
            ],
            gradient_bias,
            gradient_layers,
        };
        Some((parts, upper))
    }

    /// Returns the parameters as a review's pass reads them.
    pub(crate) fn view(&self) -> Upper<'_> {
        Upper {
            activation: self.activation,
            first_bias: self.first_bias.as_slice().unwrap_or_default(),
            layers: self.layers,
        }
    }

    /// Adds the chunks' gradients to the gradients, in chunk order, and
    /// returns the batch's statistics.
    pub(crate) fn add_chunks<C>(&mut self, chunks: impl Iterator<Item = C>) -> super::BatchStats
    where
        C: std::ops::Deref<Target = ChunkResult>,
    {
        let mut stats = super::BatchStats::default();
        for chunk in chunks {
            stats.add(chunk.stats);
            let Some((first, later)) = chunk.gradients.layers.split_first() else {
                continue;
            };
            *self.gradient_bias += &first.bias;
            for (target, partial) in self.gradient_layers.iter_mut().zip(later) {
                target.weights += &partial.weights;
                target.bias += &partial.bias;
            }
        }
        stats
    }

    /// Sum of the squared weights of the layers after the first.
    pub(crate) fn squares(&self) -> f64 {
        (self.layers.iter())
            .map(|layer| matrix_squares(&layer.weights))
            .sum()
    }

    /// Updates the parameters from their gradients, which are zeroed.
    /// Biases take no L2 term.
    pub(crate) fn apply(&mut self, update: Update) {
        let [first, second] = &mut self.slot_bias;
        update_array(
            update.without_decay(),
            self.first_bias,
            [first.as_deref_mut(), second.as_deref_mut()],
            self.gradient_bias,
        );
        let [first, second] = &mut self.slot_layers;
        let layers = self.layers.iter_mut().zip(self.gradient_layers.iter_mut());
        for (position, (layer, gradient)) in layers.enumerate() {
            let mut first = first.get_mut(position);
            let mut second = second.get_mut(position);
            update_array(
                update,
                &mut layer.weights,
                [
                    first.as_deref_mut().map(|slot| &mut slot.weights),
                    second.as_deref_mut().map(|slot| &mut slot.weights),
                ],
                &mut gradient.weights,
            );
            update_array(
                update.without_decay(),
                &mut layer.bias,
                [
                    first.map(|slot| &mut slot.bias),
                    second.map(|slot| &mut slot.bias),
                ],
                &mut gradient.bias,
            );
        }
    }
}

fn same_shapes(first: &[Dense], second: &[Dense]) -> bool {
    first.len() == second.len()
        && first.iter().zip(second).all(|(a, b)| {
            a.weights.raw_dim() == b.weights.raw_dim() && a.bias.raw_dim() == b.bias.raw_dim()
        })
}

/// The pieces of an optional slot, each optional.
type SlotPieces<'a> = (
    Option<[&'a mut [f32]; PARTS]>,
    Option<&'a mut Array1<f32>>,
    Option<&'a mut [Dense]>,
);

fn unzip(pieces: Option<Pieces<'_>>) -> SlotPieces<'_> {
    match pieces {
        Some((weights, bias, layers)) => (Some(weights), Some(bias), Some(layers)),
        None => (None, None, None),
    }
}
