"""What the web page's worker calls: load a weights document, classify a drawing.

The page's JavaScript only draws and shows; every number it shows comes from here. Results are
plain Python values (lists, floats, bytes) so that they cross into JavaScript unchanged:

- ``image``: the 28x28 input the network saw, 784 values in [0, 1], row by row;
- ``probabilities``: A2, the ten softmax outputs (they sum to 1);
- ``hidden``: A1, the H hidden activations, and ``hidden_level``: A1 / max(A1) in [0, 1] for
  display (all zeros when no unit is active);
- ``order``: the hidden units from the most to the least active (the page shows the first few);
- ``digit``: argmax of A2, or None when nothing was drawn.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import network, preprocess, weights
from ..network import Params
from .messages import ModelDescription, Prediction


@dataclass
class Model:
    """A loaded network: its name in the page, parameters and the weights file's metadata."""

    name: str
    params: Params
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def hidden(self) -> int:
        return self.params["W1"].shape[0]


def load_model(name: str, text: str | bytes) -> Model:
    """Parse and validate a weights document (raises weights.WeightsError naming the problem)."""
    params, metadata = weights.from_json(text, source=f"weights/{name}.json")
    return Model(name, params, metadata)


def describe(model: Model) -> ModelDescription:
    """What the page shows about a model, including its first-layer weights as images.

    Row ``k`` of W1 holds hidden unit ``k``'s 784 input weights: read as a 28x28 picture, it is
    the pattern of ink that excites the unit (positive) or inhibits it (negative). For display
    each row is divided by its largest magnitude and mapped to a byte: 0 = most negative,
    128 = zero, 255 = most positive (``filters``: H x 784 bytes, unit by unit).
    """
    W1 = model.params["W1"].astype(np.float64)
    scale = np.abs(W1).max(axis=1, keepdims=True)
    scale[scale == 0] = 1.0
    filters = np.rint(127.5 + 127.5 * W1 / scale).clip(0, 255).astype(np.uint8)
    metadata = model.metadata
    return {
        "name": model.name,
        "hidden": model.hidden,
        "filters": filters.tobytes(),
        "preset": metadata.get("preset"),
        "epochs": metadata.get("epochs"),
        "test_accuracy": metadata.get("test_accuracy"),
        "val_accuracy": metadata.get("val_accuracy"),
        "trained_with": metadata.get("trained_with"),  # what the training panel shows
        "history_epochs": len((metadata.get("history") or {}).get("val_accuracy") or []),
    }


def classify(model: Model, prepared: preprocess.Prepared) -> Prediction:
    """Run the forward pass on a prepared 28x28 input (see the module docstring for the result)."""
    started = time.perf_counter()
    H = model.hidden
    a1, a2 = np.zeros(H), np.zeros(network.N_CLASSES)
    if not prepared.empty:
        outputs = network.forward(model.params, prepared.X.astype(model.params["W1"].dtype))
        a1, a2 = outputs.A1[:, 0].astype(np.float64), outputs.A2[:, 0].astype(np.float64)
    top = a1.max()
    return {
        "digit": None if prepared.empty else int(np.argmax(a2)),
        "probabilities": a2.tolist(),
        "hidden": a1.tolist(),
        "hidden_level": (a1 / top if top > 0 else np.zeros_like(a1)).tolist(),
        "order": np.argsort(-a1, kind="stable").tolist(),
        "empty": prepared.empty,
        "model": model.name,
        "image": prepared.image.astype(np.float64).ravel().tolist(),
        "python_ms": (time.perf_counter() - started) * 1000,
    }


def predict_drawing(model: Model, rgba: Any, height: int, width: int) -> Prediction:
    """Canvas RGBA bytes (height x width) -> preprocess -> forward; ``python_ms`` covers both."""
    started = time.perf_counter()
    prepared = preprocess.prepare(preprocess.ink_from_rgba(rgba, height, width))
    result = classify(model, prepared)
    result["python_ms"] = (time.perf_counter() - started) * 1000
    return result


def predict_input(model: Model, pixels: Any) -> Prediction:
    """A ready 28x28 input (784 values in [0, 1], row by row) -> forward, with no preprocessing."""
    image = np.asarray(pixels, dtype=np.float32).reshape(preprocess.SIZE, preprocess.SIZE)
    return classify(model, preprocess.Prepared(image, empty=not bool(image.any())))
