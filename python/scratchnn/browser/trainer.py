"""Training in the web page: what the worker calls to train, stop, and move weights in and out.

The worker (web/worker-training.js) only loops and passes messages; every decision is here:

- ``load_data(bytes)``: the site's MNIST subset (see subset.py) -> a ``Dataset`` (float32 columns);
- ``check_settings(...)``: the panel's four numbers -> a ``TrainConfig``, or ValueError with a
  message the page shows as it is;
- ``Trainer``: one training run on a ``page.Model`` named ``"yours"``. From scratch it starts at
  He-initialised parameters; "continue" starts from a *copy* of the current network's
  parameters (the pretrained networks are never changed, so Reset can bring them back).
  ``step(seconds)`` trains one time slice (``session.TrainingSession``) and returns the progress;
  the model's parameters change in place, so predictions between slices use the latest weights;
  between two slices the run can be steered: ``set_lr`` (checked by ``check_lr``, in force from
  the next step), ``pause`` / ``resume``, and ``step(0)``, exactly one batch (Step while paused);
- ``download(model)`` / ``upload(text, filename)``: the weights JSON of ``weights.py`` out and in.

The update itself is the one in training.py (mini-batch gradient descent with momentum):
``V = momentum V - lr dW;  W = W + V`` for each of W1, b1, W2, b2. The weights file's metadata
is written by ``weights.training_metadata``, as for scripts/train.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import network, training, weights
from ..config import TrainConfig
from . import subset
from .messages import Download, LrChange, Steering, TrainingProgress
from .page import Model
from .session import TrainingSession

NAME = "yours"  # the page's name for the network trained or loaded by the visitor
HIDDEN_MIN, HIDDEN_MAX = 10, 256  # 256 units is about 200k parameters: an epoch still takes seconds
EPOCHS_MAX = 100
BATCH_MAX = 256  # one step must stay well under a second in the page: Stop is only seen between steps
LR_MAX = 10.0
MOMENTUM = 0.9
SEED = 0


@dataclass
class Dataset:
    """The page's training data: columns of 784 pixels in [0, 1] and their labels."""

    X: np.ndarray
    Y: np.ndarray
    X_val: np.ndarray
    Y_val: np.ndarray
    sha256: str  # of the file as served (gzip bytes)

    @property
    def n_train(self) -> int:
        return int(self.Y.size)


def load_data(data: Any, expected_sha256: str | None = None) -> Dataset:
    """Read the subset file (bytes, or a buffer such as a JavaScript ArrayBuffer's memoryview).

    Checks the whole file's SHA-256 against the site manifest's when given, then the file's own
    header and payload checksum (subset.read); raises subset.SubsetError naming the problem."""
    raw = bytes(data)
    digest = hashlib.sha256(raw).hexdigest()
    if expected_sha256 is not None and digest != expected_sha256:
        raise subset.SubsetError(f"the training data file has SHA-256 {digest}, the site expects {expected_sha256}")
    X, Y, X_val, Y_val = subset.read(raw, dtype="float32")
    return Dataset(X, Y, X_val, Y_val, digest)


def _whole(name: str, value: Any, low: int, high: int) -> int:
    """``value`` as an int in [low, high], or ValueError with a message for the page."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{name}: enter a whole number from {low} to {high}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {value!r} is not a number; enter a whole number from {low} to {high}") from None
    if not math.isfinite(number) or number != int(number) or not low <= number <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value}")
    return int(number)


def check_lr(lr: Any) -> float:
    """The learning rate as typed (a number, a string or None), or ValueError with a message for
    the page: it must be finite, above 0 and at most LR_MAX."""
    if lr is None or (isinstance(lr, str) and not lr.strip()):
        raise ValueError("Learning rate: enter a number such as 0.05")
    try:
        rate = float(lr)
    except (TypeError, ValueError):
        raise ValueError(f"Learning rate: {lr!r} is not a number; try 0.05") from None
    if not math.isfinite(rate) or not 0 < rate <= LR_MAX:
        raise ValueError(f"Learning rate must be a number above 0 and at most {LR_MAX:g}, not {lr}")
    return rate


def check_settings(hidden: Any, lr: Any, batch_size: Any, epochs: Any, n_train: int = 10_000) -> TrainConfig:
    """The panel's inputs as a TrainConfig; raises ValueError naming the first one that makes no sense.

    Inputs may arrive as numbers, strings or None (an empty field): the page sends what the user
    typed. The learning rate must be finite and in (0, 10]; the batch size from 1 to 256 (Stop
    is only seen between two gradient steps, and a step on 1,000 examples with 256 hidden units
    can take most of a second in the page on a busy machine); the hidden units from 10 to 256;
    epochs from 1 to 100."""
    hidden = _whole("Hidden units", hidden, HIDDEN_MIN, HIDDEN_MAX)
    rate = check_lr(lr)
    batch_size = _whole("Batch size", batch_size, 1, min(n_train, BATCH_MAX))
    epochs = _whole("Epochs", epochs, 1, EPOCHS_MAX)
    return TrainConfig(hidden=hidden, lr=rate, batch_size=batch_size, epochs=epochs, momentum=MOMENTUM, lr_decay=1.0)


def _browser_history(metadata: dict[str, Any]) -> list[dict[str, float]]:
    """The epochs a network already had in the page (none for a network trained elsewhere)."""
    if metadata.get("trained_with") != TRAINED_WITH:
        return []
    history = metadata.get("history") or {}
    keys = ("loss", "train_accuracy", "val_loss", "val_accuracy")
    columns = [history.get(key) or [] for key in keys]
    n = min(len(column) for column in columns)
    return [
        {"epoch": i + 1, "loss": columns[0][i], "accuracy": columns[1][i], "val_loss": columns[2][i],
         "val_accuracy": columns[3][i]}
        for i in range(n)
    ]  # fmt: skip


TRAINED_WITH = "the web page (Pyodide)"


class Trainer:
    """One training run in the page, on the model ``Trainer.model`` (named ``"yours"``)."""

    def __init__(self, dataset: Dataset, config: TrainConfig, start: Model | None = None, seed: int = SEED):
        """From scratch when ``start`` is None, else from a copy of ``start``'s parameters (its
        hidden size wins over ``config.hidden``)."""
        self.dataset, self.config, self.seed = dataset, config, seed
        if start is None:
            params = network.init_params(config.hidden, config.init, config.dtype, seed=seed)
            self.previous: list[dict[str, float]] = []
            self.origin = "scratch"
            self.previous_seconds = 0.0
        else:
            params = {name: np.array(P, dtype=np.float32) for name, P in start.params.items()}
            self.previous = _browser_history(start.metadata)
            if start.metadata.get("trained_with") == TRAINED_WITH:  # keep the first origin
                self.origin = start.metadata.get("continued_from") or "scratch"
            else:
                self.origin = start.metadata.get("loaded_from") or start.name
            self.previous_seconds = float(start.metadata.get("train_seconds") or 0.0)
            self.config = dataclasses.replace(config, hidden=int(params["W1"].shape[0]))
        self.model = Model(NAME, params, {})
        self._start = {name: P.copy() for name, P in params.items()}  # to go back to if it diverges
        self.session = TrainingSession(
            params, dataset.X, dataset.Y, dataset.X_val, dataset.Y_val,
            epochs=config.epochs, lr=config.lr, batch_size=config.batch_size or dataset.n_train,
            momentum=config.momentum, seed=seed,
        )  # fmt: skip
        self.stopped = False
        self.paused = False
        self._write_metadata()

    @property
    def continued_from(self) -> str | None:
        return None if self.origin == "scratch" else self.origin

    def settings_dict(self) -> dict[str, Any]:
        """The run's settings as plain values (hidden is the start network's when continuing)."""
        return self.config.to_dict() | {"seed": self.seed, "continued_from": self.continued_from}

    @property
    def history(self) -> list[dict[str, float]]:
        """Every epoch of this network in the page: earlier runs', then this run's (numbered on)."""
        offset = len(self.previous)
        return self.previous + [{**h, "epoch": h["epoch"] + offset} for h in self.session.history]

    def lr_changes(self, network: bool = False) -> list[LrChange]:
        """This run's rate changes, at the network's epochs (earlier runs' epochs come first);
        ``network``: examples_seen counts the earlier runs' examples too, as the metadata does."""
        offset = len(self.previous)
        examples = offset * self.dataset.n_train if network else 0
        return [
            {"epoch": change["epoch"] + offset, "examples_seen": change["examples_seen"] + examples, "lr": change["lr"]}
            for change in self.session.lr_changes
        ]

    def set_lr(self, lr: Any) -> Steering:
        """Train with the rate ``lr`` (as typed in the panel, checked by check_lr) from the next
        gradient step on; ValueError names what is wrong and the rate in force stays."""
        if self.session.done:
            raise ValueError("Learning rate: the run has ended, there is no next step to change")
        try:
            rate = check_lr(lr)
        except ValueError as error:
            raise ValueError(f"{error}. Still training at {self.session.lr:g}.") from None
        self.session.set_lr(rate)
        return self.steering()

    def pause(self) -> Steering:
        """Hold the run between two steps: the worker takes no step until ``resume`` (or a ``step(0)``)."""
        self.paused = not self.session.done
        return self.steering()

    def resume(self) -> Steering:
        self.paused = False
        return self.steering()

    def steering(self) -> Steering:
        """The rate in force, whether the run is paused, and where it stands."""
        return {
            "lr": self.session.lr,
            "paused": self.paused,
            "examples_seen": self.session.examples_seen,
            "lr_changes": self.lr_changes(),
        }

    def step(self, seconds: float = 0.05) -> TrainingProgress:
        """Train for about ``seconds`` (0: exactly one batch); the progress as JSON-ready values (see
        session.progress), with ``history`` covering earlier runs too and ``epoch_offset`` their
        number of epochs, and ``lr_changes`` at the network's epochs."""
        try:
            progress = self.session.run(seconds)
        except FloatingPointError as error:
            for name, P in self._start.items():
                self.model.params[name][...] = P
            self.session.done = True
            self._write_metadata()
            raise FloatingPointError(f"{error}. The network is back to its weights from before this run.") from None
        progress["history"] = self.history
        progress["epoch_offset"] = len(self.previous)
        progress["hidden"] = self.config.hidden
        progress["lr_changes"] = self.lr_changes()
        if progress.get("batch") == progress.get("batches_per_epoch") or progress["done"]:
            self._write_metadata()
        return progress

    def stop(self) -> TrainingProgress:
        """End the run (between two steps) and return its final progress, at once: the page shows
        "Stopped" without waiting for ``finish``."""
        self.stopped = not self.session.done
        progress = self.session.progress()
        progress["history"] = self.history
        progress["stopped"] = self.stopped
        progress["lr_changes"] = self.lr_changes()
        return progress

    def finish(self) -> None:
        """After ``stop``: the metadata records a partial epoch, and the validation accuracy of the
        weights as they are now (one pass over the validation set)."""
        if self.stopped:
            self._write_metadata()

    def _write_metadata(self) -> None:
        """What the weights file will say about this network: how and on what it was trained."""
        val_loss, val_accuracy = training.evaluate(self.model.params, self.dataset.X_val, self.dataset.Y_val)
        m = self.dataset.n_train
        self.model.metadata = weights.training_metadata(
            self.config.to_dict() | {"init": self.config.init if self.origin == "scratch" else None},
            self.history,
            preset=None, seed=self.seed, train_seconds=self.previous_seconds + self.session.train_seconds,
            val_accuracy=val_accuracy, test_accuracy=None,  # the page has no test set; scripts/train.py measures it
            data={"file": "data/mnist-subset.bin.gz", "sha256": self.dataset.sha256, "n_train": m,
                  "n_val": int(self.dataset.Y_val.size)},
            trained_with=TRAINED_WITH,
            val_loss=round(val_loss, 6), examples_seen=self.session.examples_seen + len(self.previous) * m,
            continued_from=self.continued_from, stopped_early=self.stopped,
            lr_changes=self.lr_changes(network=True),  # the rate of this run's steps changed there
        )  # fmt: skip


def download(model: Model) -> Download:
    """The network as the weights JSON that weights.py writes, and a file name for it."""
    stamp = re.sub(r"[^0-9T]", "", (model.metadata.get("created") or "")[:16]) or "page"
    hidden = model.hidden
    filename = f"scratchnn-{model.name}-{hidden}h-{stamp}.json"
    return {"text": weights.to_json(model.params, model.metadata), "filename": filename}


def upload(text: Any, filename: str | None) -> Model:
    """A weights JSON chosen by the visitor (text, bytes or a buffer), validated by weights.from_json
    (WeightsError names what is wrong, starting with the file name); it becomes the network ``"yours"``.
    A network trained on deslanted or width-normalised digits (``normalise`` in its metadata) is
    refused: the page's drawings are not normalised so, and it would misread them.

    ``filename`` None: the page's own copy of the visitor's network (a ``download``), loaded again
    after Python was restarted; its metadata stays as it was."""
    if not isinstance(text, str | bytes):
        text = bytes(text)
    if filename is None:
        params, metadata = weights.from_json(text, source="the page's copy of your network")
        return Model(NAME, params, dict(metadata))
    params, metadata = weights.from_json(text, source=filename or "the file")
    if metadata.get("normalise"):  # a committee member: it reads digits the page does not make
        raise weights.WeightsError(
            f"{filename}: this network was trained on digits normalised as {str(metadata['normalise'])[:40]!r} "
            "(scripts/train.py --normalise); the page gives a network the digits as MNIST has them, "
            "so it would misread them. Pick a network trained without --normalise."
        )
    return Model(NAME, params, dict(metadata, loaded_from=filename))
