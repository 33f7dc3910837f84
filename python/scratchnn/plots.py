"""PNG plots of a training run (needs matplotlib: ``pip install 'scratchnn[plot]'``).

The figures are drawn with matplotlib's object interface (``Figure``), not pyplot: importing this
module changes no global matplotlib setting, so it works in a script and in a notebook alike.
Each function returns the PNG's bytes; the caller decides where they go (scripts/train.py
writes them beside the weights with ``files.atomic_write``).
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

from .network import N_CLASSES
from .training import EpochReport

KINDS = ("curves", "confusion")  # <weights stem>-<kind>.png


def confusion_matrix(predictions: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """counts[i, j] = how many images of digit i were predicted as j."""
    counts = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
    np.add.at(counts, (Y, predictions), 1)
    return counts


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def curves(history: list[EpochReport]) -> bytes:
    """Training loss, and training and validation accuracy, per epoch."""
    epochs = [h.epoch for h in history]
    fig = Figure(figsize=(10, 4), layout="tight")
    ax_loss, ax_acc = fig.subplots(1, 2)
    ax_loss.plot(epochs, [h.loss for h in history], label="training loss")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="Loss")
    ax_acc.plot(epochs, [h.accuracy for h in history], label="training")
    ax_acc.plot(epochs, [h.val_accuracy for h in history], label="validation")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    return png(fig)


def confusion(predictions: np.ndarray, Y: np.ndarray) -> bytes:
    """The 10 x 10 confusion matrix of the predictions, with its counts written in."""
    counts = confusion_matrix(predictions, Y)
    fig = Figure(figsize=(6, 5.5), layout="tight")
    ax = fig.subplots()
    ax.imshow(counts, cmap="Blues")
    for i in range(N_CLASSES):
        for j in range(N_CLASSES):
            color = "white" if counts[i, j] > counts.max() / 2 else "black"
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8, color=color)
    accuracy = np.trace(counts) / counts.sum()
    ax.set(xlabel="predicted", ylabel="true digit", title=f"Confusion matrix (test accuracy {accuracy:.2%})",
           xticks=range(N_CLASSES), yticks=range(N_CLASSES))  # fmt: skip
    return png(fig)
