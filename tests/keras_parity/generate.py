"""Generate tests/fixtures/keras_parity.json, the Keras reference for training.

The fixture records what Keras computes when it trains a small network of the
same kind as the IMDB example (multi-hot input, Dense relu, Dense relu, Dense
sigmoid, binary cross-entropy, RMSprop) on one fixed batch. The Rust tests
train the same network from the same initial weights and compare every number
to 1e-5.

Rerun from the repository root, with the venv outside the repository:

    python3 -m venv /tmp/keras-venv
    /tmp/keras-venv/bin/pip install -r tests/keras_parity/requirements.txt
    KERAS_BACKEND=jax /tmp/keras-venv/bin/python tests/keras_parity/generate.py

The script exits with an error unless the installed keras, jax, jaxlib and
numpy match the pins in requirements.txt and the Keras backend is JAX. It also
replays every case with an independent float64 NumPy implementation and exits
with an error if any recorded number differs from it by more than 1e-5.

JSON layout (all floats are float32 values written as the shortest decimal
that reads back as the same float64, so each parses exactly into an f32):

    versions         {"keras", "jax", "jaxlib", "numpy"}: installed versions.
    backend          "jax" (CPU); all arithmetic is float32.
    layer_sizes      [12, 4, 3, 1]: input width, then units of each Dense layer.
    activations      ["relu", "relu", "sigmoid"], one per Dense layer.
    loss             "binary_crossentropy", mean over the batch.
    optimizer        RMSprop settings shared by all cases except the learning
                     rate: {"name", "rho", "epsilon", "momentum", "centered"}.
    weight_seed      seed of the numpy.random.default_rng that drew the
                     initial weights.
    initial_weights  one object per Dense layer: "kernel" is a list of
                     layer_sizes[i] rows of layer_sizes[i + 1] values (Keras
                     layout: inputs x units, so output = input @ kernel + bias)
                     and "bias" is a list of layer_sizes[i + 1] values.
    batch            "indices": per sample, the sorted distinct word indices
                     in [0, 12) that are 1 in its multi-hot row. "labels": per
                     sample, 0 or 1.
    cases            list of train_on_batch runs, each starting from
                     initial_weights with a new optimizer:
        name                 short identifier.
        learning_rate        RMSprop learning rate.
        steps                number of train_on_batch calls on the whole batch.
        step_losses          loss returned by each call. Keras computes it in
                             the forward pass of that step, so it belongs to
                             the weights before that step's update.
        step_accuracies      binary accuracy returned by each call, from the
                             same forward pass.
        losses_after_step    model.evaluate loss right after each call, so
                             losses_after_step[i] == step_losses[i + 1].
        final_weights        weights after all steps, layout of
                             initial_weights.
        final_probabilities  model.predict sigmoid output per sample after all
                             steps.
        relu_state_changes   count of (sample, hidden unit) pairs whose relu
                             is active (pre-activation > 0) under exactly one
                             of initial_weights and final_weights.
    fit_case         one model.fit run from initial_weights with a new
                     optimizer, to pin down epoch averaging:
        learning_rate, batch_size, epochs, shuffle (false: batches are the
        samples in order, the last one smaller).
        epoch_losses         history["loss"] per epoch: the mean of the batch
                             losses weighted by batch size.
        epoch_accuracies     history["accuracy"] per epoch: correct samples
                             over all samples of the epoch.
        final_weights, final_probabilities  as in cases.
"""

import argparse
import importlib.metadata
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import keras  # noqa: E402
import numpy as np  # noqa: E402

SCRIPT_DIR = Path(__file__).resolve().parent
REQUIREMENTS_PATH = SCRIPT_DIR / "requirements.txt"
DEFAULT_OUTPUT = SCRIPT_DIR.parent / "fixtures" / "keras_parity.json"

PINNED_PACKAGES = ("keras", "jax", "jaxlib", "numpy")

LAYER_SIZES = [12, 4, 3, 1]
ACTIVATIONS = ["relu", "relu", "sigmoid"]
WEIGHT_SEED = 20261225
BIAS_LIMIT = 0.1

# Keras RMSprop defaults (keras/src/optimizers/rmsprop.py).
RMSPROP_RHO = 0.9
RMSPROP_EPSILON = 1e-7
# Keras clips sigmoid outputs to [epsilon, 1 - epsilon] before the logarithm
# (keras/src/backend/jax/nn.py, epsilon from keras.config.epsilon()).
BCE_EPSILON = 1e-7

# Samples 0 and 3 have no words and opposite labels. Sample 1 has every word.
BATCH_INDICES = [
    [],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    [1, 4, 7],
    [],
    [0, 2, 3, 9],
    [5],
    [6, 8, 10, 11],
    [2, 3, 5, 7, 11],
]
BATCH_LABELS = [0, 1, 1, 1, 0, 0, 1, 0]

TRAIN_ON_BATCH_CASES = [
    {"name": "default_learning_rate", "learning_rate": 0.001, "steps": 5},
    # Large enough that some relu units switch on or off during the 5 steps.
    {"name": "large_learning_rate", "learning_rate": 0.05, "steps": 5},
]
FIT_CASE = {
    "learning_rate": 0.001,
    "batch_size": 3,
    "epochs": 2,
    "shuffle": False,
}

# The Rust parity test compares with this tolerance, so Keras must agree with
# the float64 replay at least this closely.
REFERENCE_TOLERANCE = 1e-5


def parse_pins(path):
    """Read `name==version` lines from a requirements file into a dict."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, separator, version = line.partition("==")
        if not separator:
            raise SystemExit(f"{path}: expected name==version, got {line!r}")
        pins[name.strip()] = version.strip()
    return pins


def check_environment():
    """Exit with an error unless the backend and package versions match."""
    backend = keras.backend.backend()
    if backend != "jax":
        raise SystemExit(
            f"Keras backend is {backend!r}, expected 'jax': "
            "run with KERAS_BACKEND=jax"
        )

    pins = parse_pins(REQUIREMENTS_PATH)
    installed = {}
    for name in PINNED_PACKAGES:
        installed[name] = importlib.metadata.version(name)
        if installed[name] != pins.get(name):
            raise SystemExit(
                f"{name} {installed[name]} is installed, but "
                f"{REQUIREMENTS_PATH.name} pins {pins.get(name)}: run "
                f"pip install -r {REQUIREMENTS_PATH}"
            )
    return installed


def make_initial_weights():
    """Draw float32 kernels and biases from a seeded NumPy generator.

    Kernels are uniform in [-limit, limit] with the glorot_uniform limit
    sqrt(6 / (fan_in + fan_out)). Biases are uniform in [-0.1, 0.1] rather
    than Keras's zeros, so that a missing or misplaced bias changes the results.
    """
    rng = np.random.default_rng(WEIGHT_SEED)
    weights = []
    for fan_in, fan_out in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        kernel = rng.uniform(-limit, limit, size=(fan_in, fan_out))
        bias = rng.uniform(-BIAS_LIMIT, BIAS_LIMIT, size=fan_out)
        weights.append(kernel.astype(np.float32))
        weights.append(bias.astype(np.float32))
    return weights


def make_batch():
    """Build the dense 0/1 input matrix and the (samples, 1) label column."""
    inputs = np.zeros((len(BATCH_INDICES), LAYER_SIZES[0]), dtype=np.float32)
    for row, indices in enumerate(BATCH_INDICES):
        inputs[row, indices] = 1.0
    labels = np.array(BATCH_LABELS, dtype=np.float32).reshape(-1, 1)
    return inputs, labels


def build_model(initial_weights, learning_rate):
    """Build and compile the network, then load `initial_weights` into it."""
    layers = [keras.Input(shape=(LAYER_SIZES[0],))]
    for units, activation in zip(LAYER_SIZES[1:], ACTIVATIONS):
        layers.append(keras.layers.Dense(units, activation=activation))
    model = keras.Sequential(layers)
    model.set_weights(initial_weights)

    optimizer = keras.optimizers.RMSprop(learning_rate=learning_rate)
    model.compile(
        optimizer=optimizer,
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def run_train_on_batch_case(case, initial_weights, inputs, labels):
    """Run `steps` train_on_batch calls and record what Keras returns."""
    model = build_model(initial_weights, case["learning_rate"])

    step_losses = []
    step_accuracies = []
    losses_after_step = []
    for _ in range(case["steps"]):
        logs = model.train_on_batch(inputs, labels, return_dict=True)
        step_losses.append(float(logs["loss"]))
        step_accuracies.append(float(logs["accuracy"]))

        evaluated = model.evaluate(
            inputs,
            labels,
            batch_size=len(inputs),
            verbose=0,
            return_dict=True,
        )
        losses_after_step.append(float(evaluated["loss"]))

    probabilities = model.predict(inputs, batch_size=len(inputs), verbose=0)
    return {
        "name": case["name"],
        "learning_rate": case["learning_rate"],
        "steps": case["steps"],
        "step_losses": step_losses,
        "step_accuracies": step_accuracies,
        "losses_after_step": losses_after_step,
        "final_weights": model.get_weights(),
        "final_probabilities": probabilities.reshape(-1),
    }


def run_fit_case(case, initial_weights, inputs, labels):
    """Run model.fit and record its per-epoch history."""
    model = build_model(initial_weights, case["learning_rate"])
    history = model.fit(
        inputs,
        labels,
        batch_size=case["batch_size"],
        epochs=case["epochs"],
        shuffle=case["shuffle"],
        verbose=0,
    )
    probabilities = model.predict(inputs, batch_size=len(inputs), verbose=0)
    return {
        **case,
        "epoch_losses": [float(v) for v in history.history["loss"]],
        "epoch_accuracies": [float(v) for v in history.history["accuracy"]],
        "final_weights": model.get_weights(),
        "final_probabilities": probabilities.reshape(-1),
    }


# Independent float64 implementation of the same computations. It follows the
# formulas read from the Keras 3.15.1 and JAX 0.10.2 sources, so a match checks
# both the recorded numbers and the formulas that the Rust trainer follows.


def reference_forward(weights, inputs):
    """Return the pre-activations of each layer and the sigmoid output."""
    pre_activations = []
    activation = inputs
    for layer in range(len(weights) // 2):
        kernel, bias = weights[2 * layer], weights[2 * layer + 1]
        pre_activation = activation @ kernel + bias
        pre_activations.append(pre_activation)
        if layer < len(weights) // 2 - 1:
            activation = np.maximum(pre_activation, 0.0)
    probabilities = 1.0 / (1.0 + np.exp(-pre_activations[-1]))
    return pre_activations, probabilities


def reference_loss_and_accuracy(probabilities, labels):
    """Return the mean binary cross-entropy and accuracy (> 0.5 is class 1)."""
    clipped = np.clip(probabilities, BCE_EPSILON, 1.0 - BCE_EPSILON)
    losses = -(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped))
    predicted = (probabilities > 0.5).astype(np.float64)
    return losses.mean(), (predicted == labels).mean()


def reference_gradients(weights, inputs, labels):
    """Return the loss, accuracy and per-weight gradients of one batch."""
    pre_activations, probabilities = reference_forward(weights, inputs)
    loss, accuracy = reference_loss_and_accuracy(probabilities, labels)

    # d(loss)/d(logit) is (p - y) / n, and 0 where the clip is active.
    inside_clip = (probabilities > BCE_EPSILON) & (
        probabilities < 1.0 - BCE_EPSILON
    )
    delta = (probabilities - labels) / len(inputs) * inside_clip

    layer_count = len(weights) // 2
    gradients = [None] * len(weights)
    for layer in reversed(range(layer_count)):
        if layer == 0:
            layer_input = inputs
        else:
            layer_input = np.maximum(pre_activations[layer - 1], 0.0)
        gradients[2 * layer] = layer_input.T @ delta
        gradients[2 * layer + 1] = delta.sum(axis=0)
        if layer > 0:
            # JAX's relu derivative is 0 at exactly 0.
            active = pre_activations[layer - 1] > 0
            delta = (delta @ weights[2 * layer].T) * active
    return loss, accuracy, gradients


def reference_train(initial_weights, learning_rate, batches):
    """Apply one RMSprop step per batch and return losses and weights.

    `batches` is a list of (inputs, labels) pairs. The loss and accuracy of a
    step come from the weights before its update, as in Keras.
    """
    weights = [w.astype(np.float64) for w in initial_weights]
    velocities = [np.zeros_like(w) for w in weights]
    losses = []
    accuracies = []
    for inputs, labels in batches:
        loss, accuracy, gradients = reference_gradients(
            weights, inputs, labels
        )
        losses.append(loss)
        accuracies.append(accuracy)
        for w, v, g in zip(weights, velocities, gradients):
            v *= RMSPROP_RHO
            v += (1 - RMSPROP_RHO) * g * g
            w -= learning_rate * g / np.sqrt(v + RMSPROP_EPSILON)
    return losses, accuracies, weights


def max_difference(recorded, expected):
    """Return the largest absolute difference between two lists of arrays."""
    return max(
        float(np.max(np.abs(np.asarray(r, dtype=np.float64) - e)))
        for r, e in zip(recorded, expected)
    )


def count_relu_state_changes(initial_weights, final_weights, inputs):
    """Count (sample, hidden unit) pairs whose relu state differs."""
    initial, _ = reference_forward(initial_weights, inputs)
    final, _ = reference_forward(final_weights, inputs)
    return int(
        sum(
            np.count_nonzero((before > 0) != (after > 0))
            for before, after in zip(initial[:-1], final[:-1])
        )
    )


def check_train_on_batch_case(result, initial_weights, inputs, labels):
    """Compare a train_on_batch case with the float64 reference."""
    batches = [(inputs, labels)] * result["steps"]
    losses, accuracies, weights = reference_train(
        initial_weights, result["learning_rate"], batches
    )
    _, probabilities = reference_forward(weights, inputs)
    final_loss, _ = reference_loss_and_accuracy(probabilities, labels)
    after_step = losses[1:] + [final_loss]
    return {
        "step_losses": max_difference(
            [result["step_losses"]], [np.array(losses)]
        ),
        "step_accuracies": max_difference(
            [result["step_accuracies"]], [np.array(accuracies)]
        ),
        "losses_after_step": max_difference(
            [result["losses_after_step"]], [np.array(after_step)]
        ),
        "final_weights": max_difference(result["final_weights"], weights),
        "final_probabilities": max_difference(
            [result["final_probabilities"]], [probabilities.reshape(-1)]
        ),
    }


def check_fit_case(result, initial_weights, inputs, labels):
    """Compare the fit case with the float64 reference.

    The expected epoch loss is the batch-size-weighted mean of the batch
    losses, which is how Keras's loss tracker accumulates them.
    """
    size = result["batch_size"]
    starts = range(0, len(inputs), size)
    epoch = [(inputs[s : s + size], labels[s : s + size]) for s in starts]
    batch_sizes = np.array([len(batch_inputs) for batch_inputs, _ in epoch])

    losses, accuracies, weights = reference_train(
        initial_weights, result["learning_rate"], epoch * result["epochs"]
    )
    epoch_losses = []
    epoch_accuracies = []
    for start in range(0, len(losses), len(epoch)):
        epoch_slice = slice(start, start + len(epoch))
        weights_per_batch = batch_sizes / batch_sizes.sum()
        epoch_losses.append(np.dot(losses[epoch_slice], weights_per_batch))
        epoch_accuracies.append(
            np.dot(accuracies[epoch_slice], weights_per_batch)
        )
    _, probabilities = reference_forward(weights, inputs)
    return {
        "epoch_losses": max_difference(
            [result["epoch_losses"]], [np.array(epoch_losses)]
        ),
        "epoch_accuracies": max_difference(
            [result["epoch_accuracies"]], [np.array(epoch_accuracies)]
        ),
        "final_weights": max_difference(result["final_weights"], weights),
        "final_probabilities": max_difference(
            [result["final_probabilities"]], [probabilities.reshape(-1)]
        ),
    }


def report_differences(label, differences):
    """Print the differences and return False if any exceeds the tolerance."""
    within = True
    for field, difference in differences.items():
        status = "ok" if difference <= REFERENCE_TOLERANCE else "MISMATCH"
        print(
            f"{label} {field}: max |keras - float64| = {difference:.3e} "
            f"{status}"
        )
        within = within and difference <= REFERENCE_TOLERANCE
    return within


def weights_to_json(weights):
    """Convert [kernel, bias, kernel, bias, ...] arrays to per-layer objects."""
    layers = []
    for layer in range(len(weights) // 2):
        layers.append(
            {
                "kernel": np.asarray(weights[2 * layer]).tolist(),
                "bias": np.asarray(weights[2 * layer + 1]).tolist(),
            }
        )
    return layers


def case_to_json(result):
    """Convert a recorded case to JSON-ready values."""
    converted = dict(result)
    converted["final_weights"] = weights_to_json(result["final_weights"])
    converted["final_probabilities"] = [
        float(p) for p in result["final_probabilities"]
    ]
    return converted


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"path of the JSON fixture to write (default: {DEFAULT_OUTPUT})",
    )
    arguments = parser.parse_args()

    versions = check_environment()
    initial_weights = make_initial_weights()
    inputs, labels = make_batch()

    all_within = True
    cases = []
    for case in TRAIN_ON_BATCH_CASES:
        result = run_train_on_batch_case(case, initial_weights, inputs, labels)
        differences = check_train_on_batch_case(
            result, initial_weights, inputs, labels
        )
        within = report_differences(case["name"], differences)
        all_within = all_within and within
        result["relu_state_changes"] = count_relu_state_changes(
            [w.astype(np.float64) for w in initial_weights],
            [np.asarray(w, dtype=np.float64) for w in result["final_weights"]],
            inputs,
        )
        changes = result["relu_state_changes"]
        print(f"{case['name']} relu_state_changes: {changes}")
        cases.append(result)

    fit_result = run_fit_case(FIT_CASE, initial_weights, inputs, labels)
    differences = check_fit_case(fit_result, initial_weights, inputs, labels)
    within = report_differences("fit_case", differences)
    all_within = all_within and within

    if not all_within:
        raise SystemExit(
            f"Keras and the float64 reference differ by more than "
            f"{REFERENCE_TOLERANCE}: fixture not written"
        )
    if cases[-1]["relu_state_changes"] == 0:
        raise SystemExit(
            f"no relu unit switched in case {cases[-1]['name']!r}: raise its "
            "learning rate or steps; fixture not written"
        )

    fixture = {
        "versions": versions,
        "backend": "jax",
        "layer_sizes": LAYER_SIZES,
        "activations": ACTIVATIONS,
        "loss": "binary_crossentropy",
        "optimizer": {
            "name": "RMSprop",
            "rho": RMSPROP_RHO,
            "epsilon": RMSPROP_EPSILON,
            "momentum": 0.0,
            "centered": False,
        },
        "weight_seed": WEIGHT_SEED,
        "initial_weights": weights_to_json(initial_weights),
        "batch": {"indices": BATCH_INDICES, "labels": BATCH_LABELS},
        "cases": [case_to_json(result) for result in cases],
        "fit_case": case_to_json(fit_result),
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {arguments.output}")


if __name__ == "__main__":
    sys.exit(main())
