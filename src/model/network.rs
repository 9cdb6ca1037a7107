use ndarray::{Array1, Array2};

/// One fully connected layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    /// Shape `(inputs, units)`, as Keras stores a Dense kernel.
    pub weights: Array2<f32>,
    /// Shape `(units,)`.
    pub bias: Array1<f32>,
}

/// Dense ReLU layers on a multi-hot input, then one sigmoid unit.
///
/// `layers[0]` takes the multi-hot vector (`inputs` = vocabulary size), each
/// later hidden layer takes the previous layer's output, and the last layer
/// has one unit whose sigmoid is the probability that a review is positive.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub layers: Vec<Dense>,
}
