"""A compact MNIST subset in one small binary file, for training in the browser.

The site build writes it from the real MNIST files; the page fetches it and Pyodide reads it
with ``read``. The file is gzip-compressed; inside, a 64-byte header then the payload:

    offset  size  field
    0       8     magic  b"SCRNNSUB"
    8       4     version (1), little-endian uint32
    12      4     n_train            16  4  n_val           20  4  rows (28)   24  4  cols (28)
    28      4     reserved (0)
    32      32    SHA-256 of the payload
    64      ...   payload: train images (n_train*rows*cols uint8), train labels (n_train uint8),
                  validation images (n_val*rows*cols uint8), validation labels (n_val uint8)

Images are MNIST's own uint8 pixels (0 = background, 255 = ink), one image after another, row by
row. The validation images are the 1,000 the original holds out; the training images are the
first ``n_train`` of the remaining (shuffled) training set. Pure Python + NumPy: runs in Pyodide.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import zlib

import numpy as np

from ..mnist import split, to_columns

MAGIC = b"SCRNNSUB"
VERSION = 1
HEADER = struct.Struct("<8s6I32s")  # magic, version, n_train, n_val, rows, cols, reserved, sha256
assert HEADER.size == 64


class SubsetError(ValueError):
    """The subset file is not what it should be; the message says what is wrong."""


def encode(train_images: np.ndarray, train_labels: np.ndarray, val_images: np.ndarray, val_labels: np.ndarray) -> bytes:
    """The gzip-compressed subset file for these uint8 images (n, rows, cols) and labels (n,)."""
    rows, cols = train_images.shape[1:]
    parts = [
        np.ascontiguousarray(a, dtype=np.uint8).tobytes() for a in (train_images, train_labels, val_images, val_labels)
    ]
    payload = b"".join(parts)
    header = HEADER.pack(
        MAGIC, VERSION, len(train_labels), len(val_labels), rows, cols, 0, hashlib.sha256(payload).digest()
    )
    return gzip.compress(header + payload, compresslevel=9, mtime=0)  # mtime 0: the same bytes every build


def decode(data: bytes) -> dict[str, np.ndarray]:
    """Check and unpack a subset file: uint8 arrays train_images (n, rows, cols), train_labels,
    val_images, val_labels. Raises SubsetError naming the problem."""
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise SubsetError(f"not a gzip file, or a truncated one ({error})") from error
    if len(raw) < HEADER.size:
        raise SubsetError(f"{len(raw)} bytes is too short for the {HEADER.size}-byte header")
    magic, version, n_train, n_val, rows, cols, _reserved, digest = HEADER.unpack_from(raw)
    if magic != MAGIC:
        raise SubsetError(f"magic {magic!r}, expected {MAGIC!r}: not a ScratchNN MNIST subset")
    if version != VERSION:
        raise SubsetError(f"version {version} is not supported (this reads {VERSION})")
    if (rows, cols) != (28, 28):
        raise SubsetError(f"images are {rows}x{cols}, expected 28x28")
    pixels = rows * cols
    expected = HEADER.size + (n_train + n_val) * (pixels + 1)
    if len(raw) != expected:
        raise SubsetError(f"{len(raw)} bytes, but the header's counts ({n_train} + {n_val}) need {expected}")
    payload = memoryview(raw)[HEADER.size :]
    if hashlib.sha256(payload).digest() != digest:
        raise SubsetError("the payload does not match its SHA-256 (corrupted)")
    flat = np.frombuffer(payload, dtype=np.uint8)
    ends = np.cumsum([n_train * pixels, n_train, n_val * pixels, n_val])
    train_images, train_labels, val_images, val_labels = np.split(flat, ends[:-1])
    if (train_labels.size and train_labels.max() > 9) or (val_labels.size and val_labels.max() > 9):
        raise SubsetError("a label is not a digit 0-9")
    return {
        "train_images": train_images.reshape(n_train, rows, cols),
        "train_labels": train_labels,
        "val_images": val_images.reshape(n_val, rows, cols),
        "val_labels": val_labels,
    }


def read(data: bytes, dtype: str = "float32") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The subset in the network's layout: X_train (784, n), Y_train, X_val (784, n_val), Y_val."""
    parts = decode(data)
    return (
        to_columns(parts["train_images"], dtype),
        parts["train_labels"].astype(np.int64),
        to_columns(parts["val_images"], dtype),
        parts["val_labels"].astype(np.int64),
    )


def build(raw: dict[str, np.ndarray], n_train: int = 10_000, seed: int = 0) -> bytes:
    """The subset file from ``mnist.read_raw()``'s arrays: the original's 1,000 validation
    images, and the first ``n_train`` images of the rest of the (shuffled) training set."""
    train, val = split(len(raw["train_labels"]), seed)
    if not 1 <= n_train <= len(train):
        raise SubsetError(f"n_train must be between 1 and {len(train)}, got {n_train}")
    train = train[:n_train]
    images, labels = raw["train_images"], raw["train_labels"]
    return encode(images[train], labels[train], images[val], labels[val])
