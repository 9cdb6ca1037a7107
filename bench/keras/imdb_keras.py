"""Train the classic Keras IMDB dense network in Keras 3 and time each step.

This is the Keras side of bench/compare, which compares it with imdb-tui on
the same dataset and machine. It reads the 50,000 labeled reviews straight
from the aclImdb tarball, tokenizes them with the rules of imdb-tui's
src/data/tokenize.rs as far as Python's `re` module can express them, keeps
the 10,000 most frequent training words, and trains
Dense(16, relu) -> Dense(16, relu) -> Dense(1, sigmoid) with binary
cross-entropy and RMSprop (Keras defaults), batch 512, on float32 multi-hot
matrices.

Two runs, one per process so that /usr/bin/time can measure each:

    explore  hold out 10,000 shuffled training reviews, fit 20 epochs with
             validation_data, report the epoch with the lowest val loss.
    final    fit a fresh model on all 25,000 training reviews for 4 epochs,
             evaluate it on the 25,000 test reviews, then time one typed
             review to a probability.

Usage, inside a venv made from requirements.txt beside this file:

    python bench/keras/imdb_keras.py explore --seed 1 --data aclImdb_v1.tar.gz
    python bench/keras/imdb_keras.py final --seed 1 --data aclImdb_v1.tar.gz

`--data` defaults to the IMDB_DATA environment variable. Each measurement is
printed to standard output as one JSON object per line with a "measure" key:
"versions", "prepare", "exploration", "final", "predict". Times are wall
seconds from time.perf_counter.
"""

import argparse
import collections
import importlib.metadata
import json
import os
import platform
import re
import statistics
import sys
import tarfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import keras  # noqa: E402
import numpy as np  # noqa: E402

VOCABULARY_SIZE = 10_000
VALIDATION_SIZE = 10_000
BATCH_SIZE = 512
EXPLORATION_EPOCHS = 20
FINAL_EPOCHS = 4
HIDDEN_UNITS = (16, 16)

# The review that benches/train.rs times as predict_typed_review, so both
# sides score the same text.
TYPED_REVIEW = (
    "I went into this film expecting very little, because the trailer made it "
    "look like another tired remake, but I came out genuinely moved. The lead gives a quiet, "
    "careful performance that never tips into melodrama, and the supporting cast is just as good. "
    "The script takes its time in the first act, which some viewers will find slow, yet every scene "
    "pays off later. The photography is beautiful without showing off, and the score knows when to "
    "stay silent. My only complaint is the last ten minutes, where the story ties up its loose ends "
    "a little too neatly, as if the studio had asked for a happier ending. Even so, it is one of the "
    "best dramas I have seen this year, and I would happily watch it again. Don't let the marketing "
    "fool you: this is a thoughtful, funny and honest movie about families and the things we never "
    "say to each other. 9/10, and bring tissues!"
)

# Combining marks that continue a word but never start one, the ranges of
# is_combining_mark in src/data/tokenize.rs.
COMBINING_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
LINE_BREAK = re.compile(r"<br *\/?>")
# In a str pattern `\w` is a character for which str.isalnum() is true, or
# "_". tokenize() turns "_" into a space first, so here `\w` is one letter or
# digit of any script.
WORD_OR_MARK = re.compile(rf"\w[\w{COMBINING_MARKS}]*|[!?]")
# A score such as 7/10: an ASCII digit word, "/", and ASCII digits that end a
# word. The match is empty and the score is in the lookahead's group, so
# scores can overlap: "1/2/3" gives "1/2" and "2/3".
SCORE = re.compile(rf"(?=([0-9]+/[0-9]+)(?![\w{COMBINING_MARKS}]))(?<![\w{COMBINING_MARKS}])")
REVIEW_PATH = re.compile(r"(?:^|/)aclImdb/(train|test)/(pos|neg)/[^/]+\.txt$")


def tokenize(text):
    """Return the tokens of one review in no particular order.

    Order does not matter here because both the vocabulary (occurrence
    counts) and the multi-hot vector ignore it, so words and marks come from
    one findall and scores from another.

    NOTE: three cases differ from src/data/tokenize.rs. Python's isalnum()
    leaves out the Other_Alphabetic marks (such as Devanagari vowel signs)
    that Rust's char::is_alphanumeric() includes, so those split words here.
    str.lower() writes a word-final capital sigma as final sigma. A score
    right after a combining mark that follows a separator is missed.
    """
    text = LINE_BREAK.sub(" ", text.lower()).replace("_", " ")
    tokens = WORD_OR_MARK.findall(text)
    if "/" in text:
        tokens += SCORE.findall(text)
    return tokens


def iter_reviews(path):
    """Yield (split, label, text) for each labeled review under `path`.

    `path` is the aclImdb tarball, read as a stream, the extracted aclImdb
    folder, or a folder that contains either.
    """
    path = Path(path)
    if path.is_dir():
        yield from iter_folder_reviews(resolve_folder(path))
        return

    with tarfile.open(path, mode="r|gz") as archive:
        for member in archive:
            match = REVIEW_PATH.search(member.name)
            if not member.isfile() or match is None:
                continue
            data = archive.extractfile(member).read()
            yield match.group(1), int(match.group(2) == "pos"), data.decode("utf-8", "replace")


def resolve_folder(path):
    """Return the aclImdb folder or tarball that the folder `path` names."""
    if (path / "train").is_dir() and (path / "test").is_dir():
        return path
    for name in ("aclImdb", "aclImdb_v1.tar.gz", "aclImdb-labeled.tar.gz"):
        if (path / name).exists():
            return path / name
    sys.exit(f"error: no aclImdb folder or tarball found in {path}; pass --data PATH")


def iter_folder_reviews(path):
    if path.is_file():
        yield from iter_reviews(path)
        return
    for split in ("train", "test"):
        for label_name in ("neg", "pos"):
            for review in sorted((path / split / label_name).glob("*.txt")):
                text = review.read_bytes().decode("utf-8", "replace")
                yield split, int(label_name == "pos"), text


def prepare(path):
    """Read, tokenize and vectorize the 50,000 labeled reviews.

    Returns (x_train, y_train, x_test, y_test, vocabulary): float32 multi-hot
    matrices of shape (reviews, VOCABULARY_SIZE), float32 labels, and the
    vocabulary as a list of words, most frequent first.
    """
    # Each review is kept as the ids of its distinct words, in a table of
    # every word seen, so no token strings outlive their review.
    word_ids = {}
    train_counts = collections.Counter()
    reviews = {"train": [], "test": []}
    labels = {"train": [], "test": []}

    for split, label, text in iter_reviews(path):
        tokens = tokenize(text)
        if split == "train":
            train_counts.update(tokens)
        ids = []
        for token in set(tokens):
            word_id = word_ids.get(token)
            if word_id is None:
                word_id = word_ids[token] = len(word_ids)
            ids.append(word_id)
        reviews[split].append(np.array(ids, dtype=np.int64))
        labels[split].append(label)

    for split in ("train", "test"):
        if len(reviews[split]) != 25_000:
            sys.exit(f"error: expected 25,000 {split} reviews in {path}, found {len(reviews[split])}")

    # Most occurrences first, ties by the word's UTF-8 bytes.
    ranked = sorted(train_counts.items(), key=lambda item: (-item[1], item[0].encode()))
    vocabulary = [word for word, _ in ranked[:VOCABULARY_SIZE]]
    column_of_word = np.full(len(word_ids), -1, dtype=np.int64)
    for column, word in enumerate(vocabulary):
        column_of_word[word_ids[word]] = column

    x_train = multi_hot(reviews["train"], column_of_word)
    x_test = multi_hot(reviews["test"], column_of_word)
    y_train = np.array(labels["train"], dtype=np.float32)
    y_test = np.array(labels["test"], dtype=np.float32)
    return x_train, y_train, x_test, y_test, vocabulary


def multi_hot(reviews, column_of_word):
    """Return the float32 matrix with a 1 for each vocabulary word of each review."""
    columns = [column_of_word[ids] for ids in reviews]
    rows = np.repeat(np.arange(len(reviews)), [len(c) for c in columns])
    columns = np.concatenate(columns)
    known = columns >= 0
    matrix = np.zeros((len(reviews), VOCABULARY_SIZE), dtype=np.float32)
    matrix[rows[known], columns[known]] = 1.0
    return matrix


def vectorize_text(text, vocabulary_index):
    """Return the (1, VOCABULARY_SIZE) float32 multi-hot row of one text."""
    row = np.zeros((1, VOCABULARY_SIZE), dtype=np.float32)
    columns = [vocabulary_index[token] for token in tokenize(text) if token in vocabulary_index]
    row[0, columns] = 1.0
    return row


def build_model():
    model = keras.Sequential(
        [keras.Input(shape=(VOCABULARY_SIZE,))]
        + [keras.layers.Dense(units, activation="relu") for units in HIDDEN_UNITS]
        + [keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def run_exploration(x_train, y_train, seed):
    """Fit on 15,000 training reviews, validating on the other 10,000."""
    order = np.random.default_rng(seed).permutation(len(x_train))
    validation, training = order[:VALIDATION_SIZE], order[VALIDATION_SIZE:]
    x_val, y_val = x_train[validation], y_train[validation]
    x_partial, y_partial = x_train[training], y_train[training]

    started = time.perf_counter()
    model = build_model()
    history = model.fit(
        x_partial,
        y_partial,
        epochs=EXPLORATION_EPOCHS,
        batch_size=BATCH_SIZE,
        validation_data=(x_val, y_val),
        verbose=0,
    )
    seconds = time.perf_counter() - started

    val_losses = history.history["val_loss"]
    best = int(np.argmin(val_losses))
    return {
        "measure": "exploration",
        "seed": seed,
        "epochs": EXPLORATION_EPOCHS,
        "seconds": seconds,
        "best_epoch": best + 1,
        "best_val_loss": float(val_losses[best]),
        "val_loss": [float(loss) for loss in val_losses],
        "val_accuracy": [float(accuracy) for accuracy in history.history["val_accuracy"]],
    }


def run_final(x_train, y_train, x_test, y_test, seed):
    """Fit on all training reviews and evaluate on the test reviews."""
    started = time.perf_counter()
    model = build_model()
    model.fit(x_train, y_train, epochs=FINAL_EPOCHS, batch_size=BATCH_SIZE, verbose=0)
    fit_seconds = time.perf_counter() - started
    # The classic recipe evaluates with the default batch of 32. This uses
    # the training batch of 512, 49 steps in place of 782.
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=BATCH_SIZE, verbose=0)
    seconds = time.perf_counter() - started
    result = {
        "measure": "final",
        "seed": seed,
        "epochs": FINAL_EPOCHS,
        "seconds": seconds,
        "fit_seconds": fit_seconds,
        "test_loss": float(test_loss),
        "test_accuracy": float(test_accuracy),
    }
    return model, result


def time_typed_review(model, vocabulary, calls, warmup_calls):
    """Time one typed review to a probability: tokenize, vectorize, predict.

    Reports the median over `calls` calls after `warmup_calls` unmeasured
    ones, which absorb JAX compiling the forward pass, for model.predict and
    for calling the model directly.
    """
    vocabulary_index = {word: column for column, word in enumerate(vocabulary)}

    def with_predict():
        return float(model.predict(vectorize_text(TYPED_REVIEW, vocabulary_index), verbose=0)[0, 0])

    def with_call():
        row = vectorize_text(TYPED_REVIEW, vocabulary_index)
        return float(np.asarray(model(row, training=False))[0, 0])

    results = []
    for name, score in (("model.predict", with_predict), ("model(x)", with_call)):
        for _ in range(warmup_calls):
            score()
        durations = []
        for _ in range(calls):
            started = time.perf_counter()
            probability = score()
            durations.append(time.perf_counter() - started)
        results.append(
            {
                "measure": "predict",
                "call": name,
                "calls": calls,
                "warmup_calls": warmup_calls,
                "median_seconds": statistics.median(durations),
                "probability": probability,
            }
        )
    return results


def versions():
    packages = ("keras", "jax", "jaxlib", "numpy")
    return {
        "measure": "versions",
        "python": platform.python_version(),
        "backend": keras.backend.backend(),
        **{name: importlib.metadata.version(name) for name in packages},
    }


def emit(record):
    print(json.dumps(record), flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", choices=("explore", "final"), help="which run to time")
    parser.add_argument("--seed", type=int, default=1, help="seed for keras.utils.set_random_seed and the split")
    parser.add_argument(
        "--data",
        default=os.environ.get("IMDB_DATA"),
        help="aclImdb tarball or folder (default: the IMDB_DATA environment variable)",
    )
    parser.add_argument("--predict-calls", type=int, default=200, help="measured calls per way of predicting")
    parser.add_argument("--warmup-calls", type=int, default=5, help="unmeasured calls before the measured ones")
    parser.add_argument("--vocabulary-out", type=Path, help="write the vocabulary to this JSON file")
    args = parser.parse_args()
    if not args.data:
        parser.error("the dataset is missing: pass --data PATH or set IMDB_DATA")
    if not Path(args.data).exists():
        parser.error(f"the dataset path {args.data} does not exist")
    return args


def main():
    args = parse_args()
    if keras.backend.backend() != "jax":
        sys.exit(f"error: expected the JAX backend, got {keras.backend.backend()}; unset KERAS_BACKEND")
    emit(versions())

    started = time.perf_counter()
    x_train, y_train, x_test, y_test, vocabulary = prepare(args.data)
    emit(
        {
            "measure": "prepare",
            "seconds": time.perf_counter() - started,
            "reviews": len(x_train) + len(x_test),
            "vocabulary_size": len(vocabulary),
        }
    )
    if args.vocabulary_out:
        args.vocabulary_out.write_text(json.dumps(vocabulary, ensure_ascii=False))

    keras.utils.set_random_seed(args.seed)
    if args.run == "explore":
        del x_test, y_test
        emit(run_exploration(x_train, y_train, args.seed))
        return

    model, result = run_final(x_train, y_train, x_test, y_test, args.seed)
    emit(result)
    for record in time_typed_review(model, vocabulary, args.predict_calls, args.warmup_calls):
        emit(record)


if __name__ == "__main__":
    main()
