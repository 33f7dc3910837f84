"""Training in short slices, for a caller that must stay responsive (the page's Web Worker).

A browser worker cannot be interrupted while Python runs. So the worker asks for a slice —
"train for about 50 ms" — posts the progress, lets its event loop run (a Stop message, a
prediction request), and asks for the next slice. ``TrainingSession`` keeps what must live
between slices: the parameters and the generator of ``training.epochs_of`` (the same epoch loop
as ``training.train``, paused between slices). Plain Python and NumPy, no I/O: CPython tests it,
Pyodide runs it.

Between two slices the caller may also change the learning rate (``set_lr``): the generator asks
``self.lr`` before every step, so the next step's update is ``V = momentum V - lr dW`` with the
new rate. Every change is recorded (``lr_changes``) with where it took effect, for the chart and
for the weights file's metadata.
"""

from __future__ import annotations

import time
from dataclasses import asdict

import numpy as np

from ..network import Params
from ..training import BatchReport, epochs_of, training_steps
from .messages import LrChange, TrainingProgress

RECENT = 1000  # examples behind the live chart's training loss and accuracy


class TrainingSession:
    """Gradient descent on (X, Y) that advances only when ``run`` is called."""

    def __init__(
        self,
        params: Params,
        X: np.ndarray,
        Y: np.ndarray,
        X_val: np.ndarray,
        Y_val: np.ndarray,
        *,
        epochs: int,
        lr: float,
        batch_size: int,
        momentum: float = 0.9,
        seed: int = 0,
    ):
        self.params = params  # updated in place: predictions made between slices use the latest weights
        self.epochs = epochs
        self.start_lr = lr
        self.lr = lr  # the rate the next step uses (set_lr changes it between steps)
        steps = training_steps(
            params, X, Y, epochs=epochs, lr=lambda: self.lr, batch_size=batch_size, momentum=momentum, seed=seed
        )
        self.steps = epochs_of(steps, params, X_val, Y_val)
        self.lr_changes: list[LrChange] = []
        self.position = 0.0  # epochs done, counting the current one's batches: epoch - 1 + batch / batches
        self.examples_seen = 0
        self.train_seconds = 0.0
        self.history: list[dict[str, float]] = []  # one entry per finished epoch
        self.done = False
        # Moving averages of the batch loss and accuracy over about the last RECENT examples,
        # for a live chart that does not depend on how the time slices fall.
        self._recent_loss = self._recent_accuracy = self._recent_weight = 0.0

    def run(self, seconds: float = 0.05) -> TrainingProgress:
        """Take gradient steps for about ``seconds`` (at least one step, and never past an epoch's
        end, so the caller sees every epoch's summary); return the progress as plain values."""
        started = time.perf_counter()
        report = None
        while not self.done:
            item = next(self.steps, None)  # one gradient step (and at an epoch's end, its summary)
            if item is None:
                self.done = True
                break
            report, summary = item
            self.examples_seen += report.examples
            self.position = report.epoch - 1 + report.batch / report.batches_per_epoch
            self._remember_recent(report.loss, report.accuracy, report.examples)
            if summary is not None:
                self.history.append(asdict(summary))
                self.done = summary.epoch == self.epochs
                break
            if time.perf_counter() - started >= seconds:
                break
        self.train_seconds += time.perf_counter() - started
        progress = self.progress(report)
        if self._recent_weight:
            progress["recent_loss"] = self._recent_loss / self._recent_weight
            progress["recent_accuracy"] = self._recent_accuracy / self._recent_weight
        return progress

    def set_lr(self, lr: float) -> None:
        """From the next step on, train with the rate ``lr`` (checked by the caller: finite, > 0).

        Recorded in ``lr_changes`` as ``{epoch, examples_seen, lr}``: where it takes effect (the
        epochs and examples done before that next step). Two changes before one step: the last
        one wins; a change to the rate in force records nothing."""
        if self.lr_changes and self.lr_changes[-1]["examples_seen"] == self.examples_seen:
            self.lr_changes.pop()  # that rate never took a step
        stepped_with = self.lr_changes[-1]["lr"] if self.lr_changes else self.start_lr
        self.lr = lr
        if lr != stepped_with:
            self.lr_changes.append({"epoch": self.position, "examples_seen": self.examples_seen, "lr": lr})

    def _remember_recent(self, loss: float, accuracy: float, examples: int) -> None:
        """Exponential moving averages: each batch of b examples keeps a share
        decay = max(0, 1 - b / RECENT) of the old average. Dividing by the running weight (the
        same average of 1s) removes the pull towards the starting 0 in the first batches."""
        decay = max(0.0, 1.0 - examples / RECENT)
        self._recent_loss = decay * self._recent_loss + (1 - decay) * loss
        self._recent_accuracy = decay * self._recent_accuracy + (1 - decay) * accuracy
        self._recent_weight = decay * self._recent_weight + (1 - decay)

    def progress(self, report: BatchReport | None = None) -> TrainingProgress:
        """Where training stands, as JSON-ready values for the page."""
        progress: TrainingProgress = {
            "done": self.done,
            "epochs": self.epochs,
            "examples_seen": self.examples_seen,
            "train_seconds": self.train_seconds,
            "examples_per_second": self.examples_seen / self.train_seconds if self.train_seconds else 0.0,
            "history": self.history,
            "lr": self.lr if report is None else report.lr,
            "lr_changes": self.lr_changes,
        }
        if report is not None:
            progress |= {
                "epoch": report.epoch,
                "batch": report.batch,
                "batches_per_epoch": report.batches_per_epoch,
                "batch_loss": report.loss,
                "batch_accuracy": report.accuracy,
            }
        return progress
