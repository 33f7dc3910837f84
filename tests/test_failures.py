"""The "Where it fails" panel's Python (browser/failures.py): its accuracy, confusion matrix and
mistakes equal a plain NumPy computation on the same network and images, and training.evaluate's.

Runs in CPython and again inside Pyodide (tests/pyodide/run_tests.mjs)."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn import network, training
from scratchnn.browser import failures
from scratchnn.browser.page import Model
from scratchnn.browser.trainer import Dataset

N_VAL = 300


@pytest.fixture()
def model() -> Model:
    params = network.init_params(16, init="he", dtype="float32", seed=5)
    return Model("test", params)


@pytest.fixture()
def dataset() -> Dataset:
    """A small fake subset in the real Dataset type: random images, labels with every digit."""
    rng = np.random.default_rng(11)
    X_val = rng.random((784, N_VAL), dtype=np.float32) * (rng.random((784, 1)) < 0.3)
    Y_val = rng.integers(0, 10, N_VAL).astype(np.int64)
    X = rng.random((784, 20), dtype=np.float32)
    return Dataset(X, rng.integers(0, 10, 20).astype(np.int64), X_val, Y_val, sha256="0" * 64)


def plain(model: Model, dataset: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """By hand: A2 = softmax(W2 ReLU(W1 X + b1) + b2), the digit read, and the 10 x 10 counts."""
    P = model.params
    Z2 = P["W2"] @ np.maximum(P["W1"] @ dataset.X_val + P["b1"], 0) + P["b2"]
    E = np.exp(Z2 - Z2.max(axis=0))
    A2 = E / E.sum(axis=0)
    read = A2.argmax(axis=0)
    counts = np.zeros((10, 10), dtype=int)
    for y, p in zip(dataset.Y_val, read, strict=True):
        counts[y, p] += 1
    return A2, read, counts


def test_accuracy_and_confusion_equal_a_plain_numpy_computation(model, dataset):
    result = failures.evaluate_validation(model, dataset)
    _, read, counts = plain(model, dataset)
    assert result["n"] == N_VAL
    assert result["correct"] == int(np.sum(read == dataset.Y_val)) == int(np.trace(counts))
    assert result["accuracy"] == result["correct"] / N_VAL
    assert result["confusion"].dtype == np.int32 and result["confusion"].shape == (100,)
    np.testing.assert_array_equal(result["confusion"].reshape(10, 10), counts)
    loss, accuracy = training.evaluate(model.params, dataset.X_val, dataset.Y_val)
    assert result["accuracy"] == accuracy
    assert result["loss"] == pytest.approx(loss, rel=1e-6)
    assert 0 < result["correct"] < N_VAL  # a random network gets some right and some wrong: both paths run


def test_the_mistakes_are_every_misread_image_most_confident_first(model, dataset):
    result = failures.evaluate_validation(model, dataset)
    A2, read, _ = plain(model, dataset)
    wrong = np.flatnonzero(read != dataset.Y_val)
    assert sorted(result["indices"].tolist()) == wrong.tolist()
    for field in ("indices", "true", "predicted"):
        assert result[field].dtype == np.int32
    i = result["indices"]
    np.testing.assert_array_equal(result["true"], dataset.Y_val[i])
    np.testing.assert_array_equal(result["predicted"], read[i])
    np.testing.assert_allclose(result["confidence"], A2[read[i], i], rtol=1e-6)
    assert np.all(np.diff(result["confidence"]) <= 0)  # most confident mistake first
    assert np.all(result["true"] != result["predicted"])
    assert result["images"].dtype == np.uint8 and result["images"].size == i.size * 784
    np.testing.assert_allclose(result["images"].reshape(-1, 784) / 255, dataset.X_val[:, i].T, atol=0.5 / 255)


def test_a_perfect_network_has_no_mistakes_and_a_diagonal_matrix():
    """Output weights that copy a one-hot input: the network reads every image right."""
    X_val = np.zeros((784, 10), dtype=np.float32)
    X_val[np.arange(10), np.arange(10)] = 1.0
    data = Dataset(X_val, np.arange(10), X_val, np.arange(10), sha256="0" * 64)
    W1 = np.zeros((10, 784), dtype=np.float32)
    W1[np.arange(10), np.arange(10)] = 1.0
    params = {"W1": W1, "b1": np.zeros((10, 1), np.float32), "W2": 10 * np.eye(10, dtype=np.float32),
              "b2": np.zeros((10, 1), np.float32)}  # fmt: skip
    result = failures.evaluate_validation(Model("perfect", params), data)
    assert result["accuracy"] == 1.0 and result["indices"].size == 0
    np.testing.assert_array_equal(result["confusion"].reshape(10, 10), np.eye(10, dtype=int))


def test_validation_image_is_the_column_and_its_label(dataset):
    image = failures.validation_image(dataset, 17)
    assert image["index"] == 17 and image["label"] == dataset.Y_val[17]
    assert image["pixels"].dtype == np.float64 and image["pixels"].shape == (784,)
    np.testing.assert_array_equal(image["pixels"], dataset.X_val[:, 17])
    assert failures.validation_image(dataset, 17.0)["index"] == 17  # a JavaScript number


def test_a_random_validation_image_is_one_of_them(dataset):
    image = failures.validation_image(dataset, None, seed=4)
    assert 0 <= image["index"] < N_VAL
    np.testing.assert_array_equal(image["pixels"], dataset.X_val[:, image["index"]])
    assert failures.validation_image(dataset, None, seed=4)["index"] == image["index"]  # same seed: same pick


@pytest.mark.parametrize("index", [-1, N_VAL, 2.5, "3", True, float("nan")])
def test_a_bad_index_is_refused_with_a_message(dataset, index):
    with pytest.raises(ValueError, match="index must be"):
        failures.validation_image(dataset, index)
