"""Where the network fails: the current network on the 1,000 held-out digits of the page's subset.

The page's panel "Where it fails" shows what ``evaluate_validation`` returns: the accuracy, the
10 x 10 confusion matrix, and the misread digits, the most confident mistakes first. One forward
pass over the validation columns (784, 1000) gives A2 (10, 1000); then, for image j:

    predicted[j]  = argmax_i A2[i, j]          (network.predict's answer)
    confidence[j] = A2[predicted[j], j]        (how sure it was)
    confusion[10 * Y[j] + predicted[j]] += 1   (rows: the true digit, columns: the digit read)

The loss and accuracy are network.cross_entropy and network.accuracy of that pass (the numbers
training.evaluate gives). ``images`` are the misread images as bytes (0-255, MNIST's own
pixels), for the gallery's thumbnails; ``validation_image`` hands back one held-out image, to put on the pad.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from .. import network
from .messages import Failures, ValidationImage
from .page import Model
from .trainer import Dataset


def evaluate_validation(model: Model, dataset: Dataset) -> Failures:
    """The network ``model`` on ``dataset``'s held-out images (X_val, Y_val): accuracy, confusion
    matrix (row-major 10 x 10, int32) and the misread images, most confident mistake first."""
    started = time.perf_counter()
    X, Y = dataset.X_val, dataset.Y_val
    A2 = network.forward(model.params, X).A2
    predicted = np.argmax(A2, axis=0)
    confidence = A2[predicted, np.arange(Y.size)].astype(np.float64)
    cells = (network.N_CLASSES * Y + predicted).astype(np.intp)  # bincount counts intp (int32 in Pyodide)
    confusion = np.bincount(cells, minlength=network.N_CLASSES**2).astype(np.int32)
    wrong = np.flatnonzero(predicted != Y)
    wrong = wrong[np.argsort(-confidence[wrong], kind="stable")]  # most confident first; ties by index
    return {
        "model": model.name,
        "n": int(Y.size),
        "correct": int(np.sum(predicted == Y)),
        "accuracy": network.accuracy(predicted, Y),
        "loss": network.cross_entropy(A2, Y),
        "confusion": confusion,
        "indices": wrong.astype(np.int32),
        "true": Y[wrong].astype(np.int32),
        "predicted": predicted[wrong].astype(np.int32),
        "confidence": confidence[wrong],
        "images": np.rint(X[:, wrong].T * 255).astype(np.uint8).ravel(),
        "python_ms": (time.perf_counter() - started) * 1000,
    }


def validation_image(dataset: Dataset, index: Any = None, seed: int | None = None) -> ValidationImage:
    """Held-out image ``index`` (0 .. n_val - 1; None: a random one) as 784 float64 pixels in [0, 1],
    row by row, with its label. Raises ValueError naming a bad index."""
    n = int(dataset.Y_val.size)
    if n == 0:
        raise ValueError("the training data has no held-out images")
    if index is None:
        index = int(np.random.default_rng(seed).integers(n))
    whole = isinstance(index, int | float) and not isinstance(index, bool) and math.isfinite(index)
    if not whole or index != int(index):
        raise ValueError(f"a held-out image's index must be a whole number from 0 to {n - 1}, not {index!r}")
    index = int(index)
    if not 0 <= index < n:
        raise ValueError(f"there are {n} held-out images: the index must be from 0 to {n - 1}, not {index}")
    return {
        "index": index,
        "pixels": dataset.X_val[:, index].astype(np.float64),
        "label": int(dataset.Y_val[index]),
    }
