"""page.py: what the web page's worker calls (pure NumPy; also runs in Pyodide)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scratchnn import network, weights
from scratchnn.browser import page

WEIGHTS = Path(__file__).resolve().parent.parent / "web" / "weights"


@pytest.fixture(scope="module")
def model() -> page.Model:
    return page.load_model("tiny", (WEIGHTS / "tiny.json").read_text())


def rgba_canvas(ink: np.ndarray) -> bytes:
    """Ink in [0, 1] -> opaque white-on-black RGBA bytes, like the page's canvas."""
    grey = np.rint(ink * 255).astype(np.uint8)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)]).tobytes()


def test_describe_gives_filters_as_bytes(model):
    info = page.describe(model)
    assert info["name"] == "tiny" and info["hidden"] == 10
    filters = np.frombuffer(info["filters"], dtype=np.uint8).reshape(10, 784)
    W1 = model.params["W1"]
    # byte = 127.5 + 127.5 * w / max|w| (rounded), unit by unit: decoding gives the weights back
    decoded = (filters - 127.5) / 127.5
    np.testing.assert_allclose(decoded, W1 / np.abs(W1).max(axis=1, keepdims=True), atol=0.5 / 127.5 + 1e-6)
    assert set(np.abs(decoded).max(axis=1).round(3)) == {1.0}
    assert info["test_accuracy"] == pytest.approx(model.metadata["test_accuracy"])


def test_empty_drawing_gives_no_digit(model):
    result = page.predict_drawing(model, rgba_canvas(np.zeros((280, 280))), 280, 280)
    assert result["empty"] and result["digit"] is None
    assert result["probabilities"] == [0.0] * 10
    assert len(result["image"]) == 784 and not any(result["image"])
    assert result["order"] == list(range(model.hidden))


def test_drawing_is_classified_like_cpython_forward(model, mnist_data):
    digit = mnist_data.X_test[:, 0].reshape(28, 28)
    canvas = np.zeros((280, 280))
    canvas[:280, :280] = np.kron(digit, np.ones((10, 10)))
    result = page.predict_drawing(model, rgba_canvas(canvas), 280, 280)
    X = np.asarray(result["image"], dtype=np.float32).reshape(784, 1)
    _, A1, _, A2 = network.forward(model.params, X)
    np.testing.assert_allclose(result["probabilities"], A2[:, 0], atol=1e-7)
    np.testing.assert_allclose(result["hidden"], A1[:, 0], atol=1e-6)
    assert sum(result["probabilities"]) == pytest.approx(1, abs=1e-5)
    assert result["digit"] == mnist_data.Y_test[0]
    assert max(result["hidden_level"]) == pytest.approx(1)
    assert sorted(result["order"]) == list(range(model.hidden))
    assert np.all(np.diff(A1[result["order"], 0]) <= 0)  # most active first


def test_predict_input_skips_preprocessing(model, mnist_data):
    x = mnist_data.X_test[:, 1]
    result = page.predict_input(model, x.tolist())
    np.testing.assert_array_equal(np.asarray(result["image"], dtype=np.float32), x)
    A2 = network.forward(model.params, x.reshape(784, 1)).A2
    np.testing.assert_allclose(result["probabilities"], A2[:, 0], atol=1e-7)


def test_broken_weights_are_refused_with_the_file_name():
    with pytest.raises(weights.WeightsError, match=r"weights/broken\.json"):
        page.load_model("broken", "{}")
