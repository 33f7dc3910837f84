"""Gradient descent for the two-layer network, over mini-batches or the full batch.

One step, for a batch of m columns of X (the original's update, with optional momentum):

    cache = forward(params, X)              Z1, A1, Z2, A2
    grads = backward(params, X, Y, cache)   dW1, db1, dW2, db2
    V  = momentum * V - alpha * dW          (V starts at 0; momentum 0 gives the original)
    W  = W + V                              (for each of W1, b1, W2, b2)

The steps run network.py's math from fast.py (the same numbers, made fast: see there).

``batch_size=None`` uses all examples in every step: the original's full-batch gradient
descent, where one "epoch" is one iteration. This module does no file or network I/O, so the
browser runs it unchanged inside Pyodide.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from . import fast
from .config import check_hyperparameters
from .network import Params, accuracy, cross_entropy, forward


@dataclass
class BatchReport:
    """What happened in one gradient step."""

    epoch: int  # 1-based
    batch: int  # 1-based within the epoch
    batches_per_epoch: int
    loss: float  # the batch's mean cross-entropy before the step
    accuracy: float  # the batch's accuracy before the step
    examples: int  # examples in this batch
    lr: float  # the learning rate this step used


@dataclass
class EpochReport:
    """The summary after an epoch: training figures averaged over its batches, plus validation."""

    epoch: int
    loss: float
    accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float  # wall time of the epoch's steps (validation not included)
    lr: float


def evaluate(params: Params, X: np.ndarray, Y: np.ndarray, batch_size: int = 10_000) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of the network on (X, Y), in chunks of columns."""
    total_loss, correct = 0.0, 0
    for start in range(0, Y.size, batch_size):
        A2 = forward(params, X[:, start : start + batch_size]).A2
        Y_chunk = Y[start : start + batch_size]
        total_loss += cross_entropy(A2, Y_chunk) * Y_chunk.size
        correct += int(np.sum(np.argmax(A2, axis=0) == Y_chunk))
    return total_loss / Y.size, correct / Y.size


def gradient_step(
    params: Params,
    velocity: Params,
    X: np.ndarray,
    Y: np.ndarray,
    lr: float,
    momentum: float = 0.0,
    workspace: fast.Workspace | None = None,
) -> tuple[float, float]:
    """One step of gradient descent on the batch (X, Y), updating params and velocity in place.

    Returns the batch's loss and accuracy as measured by this step's forward pass.
    ``workspace``: a dict that forward and backward reuse for their large intermediate arrays
    from one step to the next (``training_steps`` passes one; see ``fast.buffer``).
    """
    cache = fast.forward(params, X, workspace)
    grads = fast.backward(params, X, Y, cache, workspace)
    for name, dW in grads.items():
        dW *= lr  # in place: this step's gradients are not needed afterwards
        V = velocity[name]
        V *= momentum
        V -= dW  # V = momentum V - lr dW
        params[name] += V  # W = W + V
    return cross_entropy(cache.A2, Y), accuracy(np.argmax(cache.A2, axis=0), Y)


def training_steps(
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    epochs: int,
    lr: float | Callable[[], float],
    batch_size: int | None = None,
    momentum: float = 0.0,
    lr_decay: float = 1.0,
    seed: int = 0,
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
) -> Iterator[BatchReport]:
    """Train params in place, yielding a BatchReport after every step.

    Each epoch visits the examples in a fresh random order (one permutation per epoch, drawn
    from ``seed``), in batches of ``batch_size`` columns; the learning rate of epoch e
    (0-based) is ``lr * lr_decay**e``. ``lr`` may also be a function of no arguments, asked
    before every step: the page steers a run that way (a new rate takes effect at the next step).
    ``augment(X_batch, rng)``, if given, returns a transformed copy of each batch's images before
    the step. Being a generator, the caller can pause between steps: the browser's worker uses
    that to stay responsive, to pause and to stop.
    """
    rate = lr if callable(lr) else lambda: lr
    check_hyperparameters(epochs=epochs, lr=rate(), batch_size=batch_size, momentum=momentum, lr_decay=lr_decay)
    rng = np.random.default_rng(seed)
    velocity = {name: np.zeros_like(P) for name, P in params.items()}
    workspace: fast.Workspace = {}  # Z1, A1, dZ1, ReLU'(Z1): the same arrays every step of the same shape
    m = Y.size
    size = m if batch_size is None else min(batch_size, m)
    batches_per_epoch = -(-m // size)  # ceil(m / size)
    dtype = params["W1"].dtype
    if X.dtype != dtype:
        X = X.astype(dtype)  # once, here, rather than a converted copy of every batch
    for epoch in range(epochs):
        order = np.arange(m) if size == m else rng.permutation(m)
        for batch in range(batches_per_epoch):
            columns = order[batch * size : (batch + 1) * size]
            X_batch = X if size == m else X[:, columns]
            Y_batch = Y if size == m else Y[columns]
            if augment is not None:
                X_batch = augment(X_batch, rng)
            if X_batch.dtype != dtype:
                X_batch = X_batch.astype(dtype)
            lr_now = rate() * lr_decay**epoch
            loss, acc = gradient_step(params, velocity, X_batch, Y_batch, lr_now, momentum, workspace)
            yield BatchReport(epoch + 1, batch + 1, batches_per_epoch, loss, acc, Y_batch.size, lr_now)


def epochs_of(
    steps: Iterator[BatchReport],
    params: Params,
    X_val: np.ndarray | None = None,
    Y_val: np.ndarray | None = None,
) -> Iterator[tuple[BatchReport, EpochReport | None]]:
    """The one epoch loop: ``steps`` (from training_steps) with each epoch's totals.

    Yields ``(batch report, None)`` after every step and ``(batch report, epoch report)`` after
    an epoch's last step: its loss and accuracy averaged over its examples, the validation loss
    and accuracy on (X_val, Y_val) when given, and the seconds spent in its steps (time the
    caller spends between two steps is not counted, nor is validation). The loss becoming NaN
    or infinite raises FloatingPointError at once, so broken weights are never kept. An epoch's
    ``lr`` is the rate of its last step.
    """
    loss_sum = correct = seen = seconds = 0.0
    resumed = time.perf_counter()
    for report in steps:
        if not np.isfinite(report.loss):
            raise FloatingPointError(
                f"the loss became {report.loss} at epoch {report.epoch}, batch {report.batch}: "
                f"training diverged (try a smaller learning rate than {report.lr:g})"
            )
        loss_sum += report.loss * report.examples
        correct += report.accuracy * report.examples
        seen += report.examples
        seconds += time.perf_counter() - resumed
        summary = None
        if report.batch == report.batches_per_epoch:
            val_loss = val_acc = None
            if X_val is not None and Y_val is not None:
                val_loss, val_acc = evaluate(params, X_val, Y_val)
            summary = EpochReport(
                report.epoch, loss_sum / seen, correct / seen, val_loss, val_acc, seconds, report.lr
            )  # fmt: skip
            loss_sum = correct = seen = seconds = 0.0
        yield report, summary
        resumed = time.perf_counter()


def train(
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    epochs: int,
    lr: float,
    batch_size: int | None = None,
    momentum: float = 0.0,
    lr_decay: float = 1.0,
    seed: int = 0,
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    X_val: np.ndarray | None = None,
    Y_val: np.ndarray | None = None,
    on_epoch: Callable[[EpochReport], None] | None = None,
    on_batch: Callable[[BatchReport], None] | None = None,
) -> list[EpochReport]:
    """Train to the end; after each epoch, evaluate on (X_val, Y_val) (see ``epochs_of``).

    ``on_batch`` sees every BatchReport, ``on_epoch`` every EpochReport. A NaN or infinite
    loss raises FloatingPointError. Returns the list of EpochReports (the training history).
    """
    steps = training_steps(
        params, X, Y, epochs=epochs, lr=lr, batch_size=batch_size, momentum=momentum,
        lr_decay=lr_decay, seed=seed, augment=augment,
    )  # fmt: skip
    history: list[EpochReport] = []
    for report, summary in epochs_of(steps, params, X_val, Y_val):
        if on_batch is not None:
            on_batch(report)
        if summary is not None:
            history.append(summary)
            if on_epoch is not None:
                on_epoch(summary)
    return history
