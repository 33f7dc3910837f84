"""How a network is trained: one frozen, validated ``TrainConfig``, and the named presets.

A config is a few plain values (nanoGPT's style): the presets below are instances, a variation is
``dataclasses.replace(PRESETS["tiny"], hidden=64)``, ``TrainConfig.from_dict`` refuses a key it
does not know (``momentun``), and ``asdict(config)`` is what a weights file's metadata records.
Every value is checked when the config is made, so nothing trains on settings that make no sense.

The presets:

- ``seed``: the original exactly: 10 hidden units, uniform init in [-0.5, 0.5), full-batch
  gradient descent (every step sees all 59,000 images), alpha = 0.10, 500 iterations, float64.
- ``tiny``: the same 10-hidden-unit network trained well: He init, mini-batches, momentum.
- ``default``: the network the web page uses: 512 hidden units trained on digits shifted by up
  to 4 px, rotated up to 20 degrees, scaled 0.8-1.2, elastically distorted and drawn thicker or
  thinner, so that it reads drawings that are not MNIST-perfect (>= 97% under each of those,
  see scripts/robustness.py); float16 in the file (1.1 MB).
- ``best``: the original's architecture at Simard et al.'s width (800 hidden units), trained on
  randomly warped digits (rotation, scale, shear, shift, elastic distortion and stroke
  thickness, see scratchnn.augment) with momentum and a decaying learning rate; its weights are
  stored as float16 (``store_dtype``) to fit the page.

And one committee (``COMMITTEES``, trained by scripts/committee.py): ``committee``, networks
trained like ``best``, member k with seed k, whose averaged probabilities answer (scratchnn.committee).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from .augment import Augment
from .network import INITS
from .normalise import parse as parse_normalise
from .weights import DTYPES as STORE_DTYPES  # what a weights file may hold
from .weights import MAX_HIDDEN  # the largest network a weights file may hold

MAX_EPOCHS = 100_000
DTYPES = ("float32", "float64")  # what training computes in


@dataclass(frozen=True)
class TrainConfig:
    """One training run's settings. ``batch_size=None`` is the full batch (the original's)."""

    hidden: int = 128
    init: str = "he"
    dtype: str = "float32"
    epochs: int = 15
    lr: float = 0.1  # alpha; epoch e (0-based) uses lr * lr_decay**e
    batch_size: int | None = 128
    momentum: float = 0.9  # 0 is plain gradient descent
    lr_decay: float = 1.0
    augment: Augment | None = None  # random warps of every batch (scratchnn.augment)
    store_dtype: str | None = None  # the weights file's dtype (None: the training dtype)
    normalise: str | None = None  # "deslant", "width-W" or both, of every image, train and test (scratchnn.normalise)

    def __post_init__(self) -> None:
        check_whole("hidden", self.hidden, 1, MAX_HIDDEN)
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {self.init!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        check_hyperparameters(
            epochs=self.epochs, lr=self.lr, batch_size=self.batch_size, momentum=self.momentum, lr_decay=self.lr_decay
        )
        if self.augment is not None and not isinstance(self.augment, Augment):
            raise ValueError(f"augment must be an Augment or None, got {type(self.augment).__name__}")
        if self.store_dtype is not None and self.store_dtype not in STORE_DTYPES:
            raise ValueError(f"store_dtype must be one of {STORE_DTYPES} (or None), got {self.store_dtype!r}")
        if self.normalise is not None and not isinstance(self.normalise, str):
            raise ValueError(f"normalise must be a name like 'deslant' or None, got {self.normalise!r}")
        parse_normalise(self.normalise)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """A config from plain values (``augment`` as a dict of Augment's settings, or None);
        a key that is not a setting is refused, with the closest setting's name."""
        known = [f.name for f in fields(cls)]
        for key in values:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(f"unknown training setting {key!r}{hint}; the settings are {known}")
        values = dict(values)
        if isinstance(values.get("augment"), dict):
            values["augment"] = Augment.from_dict(values["augment"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (``augment`` as a dict, or None), as a weights file's metadata records them."""
        return asdict(self)


def check_whole(name: str, value: Any, low: int, high: int) -> None:
    """Raise ValueError unless ``value`` is a whole number (not a bool) from low to high."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low:,} to {high:,}, got {value!r}")


def check_hyperparameters(
    *, epochs: int, lr: float, batch_size: int | None, momentum: float, lr_decay: float = 1.0
) -> None:
    """Raise ValueError naming the first hyperparameter of gradient descent that makes no sense."""
    check_whole("epochs", epochs, 1, MAX_EPOCHS)
    if not isinstance(lr, int | float) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"the learning rate must be a positive finite number, got {lr!r}")
    if batch_size is not None:
        check_whole("batch_size", batch_size, 1, 10**9)
    if not isinstance(momentum, int | float) or not math.isfinite(momentum) or not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    if not isinstance(lr_decay, int | float) or not math.isfinite(lr_decay) or not 0 < lr_decay <= 1:
        raise ValueError(f"lr_decay must be in (0, 1], got {lr_decay!r}")


PRESETS: dict[str, TrainConfig] = {
    "seed": TrainConfig(hidden=10, init="uniform", dtype="float64", epochs=500, lr=0.10,
                        batch_size=None, momentum=0.0, lr_decay=1.0),
    "tiny": TrainConfig(hidden=10, init="he", dtype="float32", epochs=30, lr=0.10,
                        batch_size=64, momentum=0.9, lr_decay=0.93),
    "default": TrainConfig(hidden=512, init="he", dtype="float32", epochs=40, lr=0.10,
                           batch_size=128, momentum=0.9, lr_decay=0.92,
                           augment=Augment(rotate=20, scale=0.2, shear=0.15, shift=4, alpha=15, sigma=4, stroke=0.4),
                           store_dtype="float16"),
    "best": TrainConfig(hidden=800, init="he", dtype="float32", epochs=200, lr=0.10,
                        batch_size=128, momentum=0.9, lr_decay=0.977,
                        augment=Augment(rotate=10, scale=0.15, shear=0.15, shift=1, alpha=36, sigma=6, stroke=0.1),
                        store_dtype="float16"),
}  # fmt: skip


@dataclass(frozen=True)
class CommitteeConfig:
    """``members`` networks, each trained with the preset ``member``; member k uses seed k
    (its own validation split, initial weights, batch order and warps) and sees the digits
    normalised as ``normalisations[k % len(normalisations)]`` says (None: as MNIST has them)."""

    member: str = "best"
    members: int = 8
    normalisations: tuple[str | None, ...] = (None,)

    def __post_init__(self) -> None:
        if self.member not in PRESETS:
            raise ValueError(f"member must be one of the presets {sorted(PRESETS)}, got {self.member!r}")
        check_whole("members", self.members, 1, 100)
        if not self.normalisations:
            raise ValueError("normalisations needs at least one entry (None: the digits as they are)")
        for name in self.normalisations:
            parse_normalise(name)

    def normalisation(self, k: int) -> str | None:
        """What member k's digits go through."""
        return self.normalisations[k % len(self.normalisations)]


COMMITTEES: dict[str, CommitteeConfig] = {
    "committee": CommitteeConfig(member="best", members=8, normalisations=(None, "deslant")),
}
