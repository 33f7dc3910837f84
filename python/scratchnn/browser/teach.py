"""Teaching it your handwriting: the current network fine-tuned on your digits, without forgetting MNIST.

Gradient steps on a dozen of your digits alone would soon make the network read everything as
one of them: it forgets what it knew ("catastrophic forgetting"). So each step's batch mixes

    MINE   = 8 of your digits, drawn at random, each slightly rotated, scaled, sheared and shifted
             (augment.Augment: it should learn the style, not the exact pixels), and
    REPLAY = 7 x MINE = 56 MNIST training digits from the page's subset (what it already knows),

and takes one step of the same gradient descent with momentum as training (training.gradient_step):

    V = momentum V - lr dW;   W = W + V      for W in W1, b1, W2, b2

``STEPS`` times at learning rate ``LR``. These numbers were chosen by measurement on 15 digits
drawn with the mouse in five styles the default network misread (``scripts/measure_teaching.py
--sweep``, its table in results/teaching/sweep.md): with no replay the validation accuracy fell
17 points; with 1 or 3 replayed per digit of yours it fell 0.4-1.6 points and wobbled; with 7 it
stayed within 0.2-0.4 points from 50 steps on, while your digits and fresh ones read right. Before and after, the
network is measured on your digits and on the 1,000 held-out validation digits, which it never
trains on. The pretrained network is never changed: the taught one is a copy, the page's "yours".
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .. import network, training
from ..augment import Augment
from .digits import MyDigits
from .messages import TeachLook, TeachProgress, TeachResult
from .page import Model
from .trainer import NAME, Dataset

MINE = 8  # your digits in each step's batch (drawn with replacement: a few digits are seen many times)
REPLAY_PER_MINE = 7  # MNIST digits replayed for each of yours: with none, validation fell 17 points
STEPS = 100
LR = 0.02
MOMENTUM = 0.9
STYLE = Augment(rotate=10, scale=0.1, shear=0.15, shift=1.5)  # how far each of your digits is varied
MAX_STEPS = 2000


def look(params: network.Params, digits: MyDigits, dataset: Dataset) -> TeachLook:
    """The network on your digits (what it reads, how sure, the probability of the true label)
    and on the held-out validation digits (training.evaluate: loss and accuracy)."""
    A2 = network.forward(params, digits.X).A2
    predicted = np.argmax(A2, axis=0)
    columns = np.arange(digits.n)
    val_loss, val_accuracy = training.evaluate(params, dataset.X_val, dataset.Y_val)
    return {
        "predicted": predicted.astype(np.int32),
        "confidence": A2[predicted, columns].astype(np.float64),
        "p_true": A2[digits.Y, columns].astype(np.float64),
        "correct": int(np.sum(predicted == digits.Y)),
        "val_accuracy": val_accuracy,
        "val_loss": val_loss,
    }


class Teacher:
    """One teaching run on a copy of ``model``'s parameters; ``step(seconds)`` advances it."""

    def __init__(
        self,
        model: Model,
        digits: MyDigits,
        dataset: Dataset,
        *,
        steps: int = STEPS,
        lr: float = LR,
        mine: int = MINE,
        replay_per_mine: int = REPLAY_PER_MINE,
        style: Augment | None = STYLE,
        seed: int = 0,
    ):
        if digits.n == 0:
            raise ValueError("you have no digits yet: draw one, and say which digit it is")
        if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
            raise ValueError(f"the number of steps must be a whole number from 1 to {MAX_STEPS}, not {steps!r}")
        self.source, self.digits, self.dataset = model, digits, dataset
        self.steps, self.lr, self.mine, self.replay = steps, lr, mine, mine * replay_per_mine
        self.replay_per_mine, self.style = replay_per_mine, style
        self.params = {name: np.array(P, dtype=np.float32) for name, P in model.params.items()}
        self.velocity = {name: np.zeros_like(P) for name, P in self.params.items()}
        self.rng = np.random.default_rng(seed)
        self.taken = 0
        self.stopped = False
        self.seconds = 0.0
        self.loss = float("nan")
        self.before = look(model.params, digits, dataset)

    @property
    def done(self) -> bool:
        return self.stopped or self.taken >= self.steps

    def batch(self) -> tuple[np.ndarray, np.ndarray]:
        """One step's batch: ``mine`` of your digits (varied by ``style``), then ``replay`` MNIST digits."""
        mine = self.rng.integers(self.digits.n, size=self.mine)
        X_mine = self.digits.X[:, mine]
        if self.style is not None:
            X_mine = np.clip(self.style(X_mine, self.rng), 0, 1)
        replay = self.rng.integers(self.dataset.n_train, size=self.replay)
        X = np.concatenate([X_mine, self.dataset.X[:, replay]], axis=1)
        Y = np.concatenate([self.digits.Y[mine], self.dataset.Y[replay]])
        return X.astype(np.float32, copy=False), Y

    def step(self, seconds: float = 0.05) -> TeachProgress:
        """Gradient steps for about ``seconds`` (at least one, unless done); where the run stands."""
        started = time.perf_counter()
        while not self.done:
            X, Y = self.batch()
            self.loss, _ = training.gradient_step(self.params, self.velocity, X, Y, self.lr, MOMENTUM)
            if not np.isfinite(self.loss):
                raise FloatingPointError("the loss is no longer a number: teaching stopped, the network is unchanged")
            self.taken += 1
            if time.perf_counter() - started >= seconds:
                break
        self.seconds += time.perf_counter() - started
        return {"step": self.taken, "steps": self.steps, "loss": self.loss, "done": self.done, "seconds": self.seconds}

    def stop(self) -> None:
        """End the run between two steps (the steps taken so far are kept)."""
        self.stopped = self.taken < self.steps

    def result(self) -> TeachResult:
        """Before and after, on your digits and on the validation digits."""
        return {
            "before": self.before,
            "after": look(self.params, self.digits, self.dataset),
            "steps": self.taken,
            "stopped": self.stopped,
            "seconds": self.seconds,
            "labels": self.digits.Y.astype(np.int32),
            "settings": self.settings(),
        }

    def settings(self) -> dict[str, Any]:
        return {
            "digits": self.digits.n,
            "steps": self.taken,
            "lr": self.lr,
            "momentum": MOMENTUM,
            "mine_per_step": self.mine,
            "replay_per_mine": self.replay_per_mine,
            "style": None if self.style is None else self.style.to_dict(),
        }

    def taught_model(self, after: TeachLook | None = None) -> Model:
        """The taught network as the page's "yours"; its metadata is the source's, plus what it
        was taught (appended to ``taught``), its validation accuracy now, and no test accuracy
        (the page has no test set)."""
        after = after or look(self.params, self.digits, self.dataset)
        metadata = dict(self.source.metadata)
        lesson = self.settings() | {
            "from": self.source.metadata.get("loaded_from") or self.source.name,
            "digits_correct_before": self.before["correct"],
            "digits_correct_after": after["correct"],
            "val_accuracy_before": self.before["val_accuracy"],
            "val_accuracy_after": after["val_accuracy"],
        }
        metadata["taught"] = [*(metadata.get("taught") or []), lesson]
        metadata |= {
            "val_accuracy": after["val_accuracy"],
            "test_accuracy": None,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        return Model(NAME, {name: P.copy() for name, P in self.params.items()}, metadata)
