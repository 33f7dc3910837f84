"""PNG plots of a training run (needs matplotlib: ``pip install 'scratchnn[plot]'``)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no window
import matplotlib.pyplot as plt
import numpy as np

from .network import N_CLASSES


def confusion_matrix(predictions: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """counts[i, j] = how many images of digit i were predicted as j."""
    counts = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
    np.add.at(counts, (Y, predictions), 1)
    return counts


def save_all(weights_path: Path, history: list, predictions: np.ndarray, Y: np.ndarray) -> list[Path]:
    """Write <stem>-curves.png (loss and accuracy per epoch) and <stem>-confusion.png."""
    stem = weights_path.with_suffix("")
    epochs = [h.epoch for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, [h.loss for h in history], label="training loss")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="Loss")
    ax_acc.plot(epochs, [h.accuracy for h in history], label="training")
    ax_acc.plot(epochs, [h.val_accuracy for h in history], label="validation")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    curves = Path(f"{stem}-curves.png")
    fig.savefig(curves, dpi=100)
    plt.close(fig)

    counts = confusion_matrix(predictions, Y)
    fig, ax = plt.subplots(figsize=(6, 5.5))
    ax.imshow(counts, cmap="Blues")
    for i in range(N_CLASSES):
        for j in range(N_CLASSES):
            color = "white" if counts[i, j] > counts.max() / 2 else "black"
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8, color=color)
    accuracy = np.trace(counts) / counts.sum()
    ax.set(xlabel="predicted", ylabel="true digit", title=f"Confusion matrix (test accuracy {accuracy:.2%})",
           xticks=range(N_CLASSES), yticks=range(N_CLASSES))  # fmt: skip
    fig.tight_layout()
    confusion = Path(f"{stem}-confusion.png")
    fig.savefig(confusion, dpi=100)
    plt.close(fig)
    return [curves, confusion]
