"""Your digits: the drawings the visitor corrected, kept as a small JSON dataset.

The page keeps them in the browser's storage across reloads, exports them as a file and imports
such files; all three use the text ``to_json`` writes and ``from_json`` reads (documented in
docs/formats.md)::

    {"format": "scratchnn-digits", "version": 1, "side": 28,
     "digits": [{"label": 3, "rows": ["00000000...", ... 28 rows]}, ...]}

Each row is 28 pixels, two hex digits each (00 = paper, ff = ink): 56 characters, so the file
shows its digits when read. A pixel p in [0, 1] is stored as round(255 p), so a digit read back
is the input X the network saw, to within 1/510.

``MyDigits`` holds them as columns, like MNIST in the rest of the package: X (784, n) float32
in [0, 1] and Y (n,) int.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import network
from .messages import DigitsState
from .page import Model

FORMAT, VERSION = "scratchnn-digits", 1
SIDE = 28
PIXELS = SIDE * SIDE
MAX_DIGITS = 500  # a few hundred of your own digits is a lot of drawing; a file of them is ~0.8 MB
MAX_FILE_BYTES = 2_000_000


class DigitsError(ValueError):
    """A digits file, or a digit, that cannot be used; the message names the problem."""


def _label(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DigitsError(f"{where}: the label must be a digit from 0 to 9, not {value!r}")
    if value != int(value) or not 0 <= value <= 9:
        raise DigitsError(f"{where}: the label must be a digit from 0 to 9, not {value!r}")
    return int(value)


def _pixels(values: Any, where: str) -> np.ndarray:
    """784 numbers in [0, 1] (a list or a typed array from the page) -> float32, quantised to /255."""
    try:
        X = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise DigitsError(f"{where}: the pixels must be {PIXELS} numbers from 0 to 1") from None
    if X.size != PIXELS:
        raise DigitsError(f"{where}: expected {PIXELS} pixels (28 x 28), got {X.size}")
    if not np.all(np.isfinite(X)) or X.min() < 0 or X.max() > 1:
        raise DigitsError(f"{where}: every pixel must be a number from 0 to 1")
    if not X.any():
        raise DigitsError(f"{where}: the drawing is empty")
    return (np.rint(X * 255) / 255).astype(np.float32)


def _rows(digit: Any, where: str) -> np.ndarray:
    """A digit's "rows" (28 strings of 56 hex characters) -> 784 pixels in [0, 1]."""
    rows = digit.get("rows")
    if not isinstance(rows, list) or len(rows) != SIDE:
        got = f"{len(rows)} rows" if isinstance(rows, list) else repr(type(rows).__name__)
        raise DigitsError(f"{where}: 'rows' must be a list of {SIDE} strings, got {got}")
    pixels = bytearray()
    for r, row in enumerate(rows):
        if not isinstance(row, str) or len(row) != 2 * SIDE:
            size = f"{len(row)} characters" if isinstance(row, str) else type(row).__name__
            raise DigitsError(f"{where}, row {r}: expected {2 * SIDE} hex characters, got {size}")
        try:
            pixels += bytes.fromhex(row)
        except ValueError:
            raise DigitsError(f"{where}, row {r}: not hex digits (00 to ff for each pixel)") from None
    X = np.frombuffer(bytes(pixels), dtype=np.uint8).astype(np.float32) / 255
    if not X.any():
        raise DigitsError(f"{where}: the drawing is empty")
    return X


@dataclass
class MyDigits:
    """The visitor's digits: X (784, n) float32 in [0, 1], Y (n,) int labels, oldest first."""

    X: np.ndarray = field(default_factory=lambda: np.zeros((PIXELS, 0), dtype=np.float32))
    Y: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n(self) -> int:
        return int(self.Y.size)

    def add(self, pixels: Any, label: Any) -> None:
        """One more digit: the 28 x 28 input the network read (784 values in [0, 1]) and its true label."""
        if self.n >= MAX_DIGITS:
            raise DigitsError(f"you have {MAX_DIGITS} digits already, the most the page keeps: remove some first")
        X = _pixels(pixels, "the drawing")
        y = _label(label, "the drawing")
        self.X = np.concatenate([self.X, X[:, None]], axis=1)
        self.Y = np.append(self.Y, y)

    def remove(self, index: Any) -> None:
        """Forget digit ``index`` (0 = the oldest)."""
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < self.n:
            raise DigitsError(f"there is no digit {index!r} among your {self.n}")
        self.X = np.delete(self.X, index, axis=1)
        self.Y = np.delete(self.Y, index)

    def clear(self) -> None:
        self.X, self.Y = MyDigits().X, MyDigits().Y

    def extend(self, other: MyDigits) -> int:
        """Add ``other``'s digits after these (an import); returns how many were added."""
        if self.n + other.n > MAX_DIGITS:
            raise DigitsError(
                f"that makes {self.n + other.n} digits, more than the {MAX_DIGITS} the page keeps; "
                "clear yours first or import a smaller file"
            )
        self.X = np.concatenate([self.X, other.X], axis=1)
        self.Y = np.concatenate([self.Y, other.Y])
        return other.n

    def to_json(self) -> str:
        """The dataset as the JSON text described in the module docstring."""
        images = np.rint(self.X.T * 255).astype(np.uint8).reshape(self.n, SIDE, SIDE)
        digits = [
            {"label": int(y), "rows": [row.tobytes().hex() for row in image]}
            for image, y in zip(images, self.Y, strict=True)
        ]
        return json.dumps({"format": FORMAT, "version": VERSION, "side": SIDE, "digits": digits}, indent=1)

    def state(self, model: Model | None) -> DigitsState:
        """What the page shows: the digits (bytes 0-255, image after image), their labels, the
        JSON text to store, and what ``model`` reads each one as (A2's argmax and its probability)."""
        predicted = np.zeros(0, dtype=np.int32)
        confidence = np.zeros(0, dtype=np.float64)
        if model is not None and self.n:
            A2 = network.forward(model.params, self.X).A2
            predicted = np.argmax(A2, axis=0).astype(np.int32)
            confidence = A2[predicted, np.arange(self.n)].astype(np.float64)
        return {
            "n": self.n,
            "labels": self.Y.astype(np.int32),
            "images": np.rint(self.X.T * 255).astype(np.uint8).ravel(),
            "predicted": predicted,
            "confidence": confidence,
            "correct": int(np.sum(predicted == self.Y)) if predicted.size else 0,
            "model": None if model is None else model.name,
            "text": self.to_json(),
            "max_digits": MAX_DIGITS,
        }


def from_json(text: Any, source: str = "the digits file") -> MyDigits:
    """Read a digits file (text, bytes or a buffer); DigitsError names the problem, starting
    with ``source`` (the file's name)."""
    try:
        return _parse(text)
    except DigitsError as error:
        raise DigitsError(f"{source}: {error}") from None


def _parse(text: Any) -> MyDigits:
    if not isinstance(text, str):
        data = bytes(text)
        if len(data) > MAX_FILE_BYTES:
            raise DigitsError(f"it is {len(data):,} bytes; a digits file may be at most {MAX_FILE_BYTES:,}")
        try:
            text = data.decode(json.detect_encoding(data))  # UTF-8, -16 or -32, as json.loads reads bytes
        except UnicodeDecodeError:
            raise DigitsError("not a text file (not UTF-8, UTF-16 or UTF-32)") from None
    if len(text) > MAX_FILE_BYTES:
        raise DigitsError(f"it is {len(text):,} characters; a digits file may be at most {MAX_FILE_BYTES:,}")
    try:
        document = json.loads(text)
    except ValueError as error:
        raise DigitsError(f"not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DigitsError(f'not a ScratchNN digits file (expected an object with "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise DigitsError(f"version {document.get('version')!r} is not one this page reads ({VERSION})")
    if document.get("side", SIDE) != SIDE:
        raise DigitsError(f"digits must be {SIDE} x {SIDE}, not side {document.get('side')!r}")
    digits = document.get("digits")
    if not isinstance(digits, list):
        raise DigitsError("'digits' must be a list")
    if len(digits) > MAX_DIGITS:
        raise DigitsError(f"it holds {len(digits)} digits; the page keeps at most {MAX_DIGITS}")
    columns, labels = [], []
    for i, digit in enumerate(digits):
        where = f"digit {i}"
        if not isinstance(digit, dict):
            raise DigitsError(f"{where}: expected an object with 'label' and 'rows'")
        labels.append(_label(digit.get("label"), where))
        columns.append(_rows(digit, where))
    if not columns:
        return MyDigits()
    return MyDigits(np.stack(columns, axis=1), np.array(labels, dtype=np.int64))
