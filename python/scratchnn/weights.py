"""The weights file: the network's parameters and how they were made, as one JSON document.

Format ``scratchnn-weights``, version 1::

    {
      "format": "scratchnn-weights",
      "version": 1,
      "layers": {"sizes": [784, H, 10], "activations": ["relu", "softmax"]},
      "arrays": {
        "W1": {"shape": [H, 784], "dtype": "float32", "sha256": "...", "data": "<base64>"},
        "b1": {"shape": [H, 1], ...}, "W2": {"shape": [10, H], ...}, "b2": {"shape": [10, 1], ...}
      },
      "metadata": {"preset": ..., "epochs": ..., "test_accuracy": ..., ...}
    }

``data`` is the array's bytes, little-endian, row-major (C order), base64-encoded: exact, so a
float32 array read back is bit-identical, and about a third the size of decimal text.
``dtype`` is float64, float32 or float16; float16 halves the file and is read back as float32
(every float16 value is exactly a float32 value). ``sha256`` is the checksum of the raw bytes.
``metadata`` is free-form JSON (an object); scripts/train.py and the page record the preset,
hyperparameters, seed, accuracies, data checksums, date and package version in it.

``to_json`` / ``from_json`` work on text (the browser uses them); ``save`` / ``load`` add the
file: ``save`` writes a temporary file then renames it, so a crash never leaves half a file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .network import N_CLASSES, N_INPUTS, Params

FORMAT = "scratchnn-weights"
VERSION = 1
DTYPES = ("float64", "float32", "float16")
ACTIVATIONS = ["relu", "softmax"]
NAMES = ("W1", "b1", "W2", "b2")


class WeightsError(ValueError):
    """A weights document that cannot be used; the message says what is wrong."""


def expected_shapes(hidden: int) -> dict[str, tuple[int, int]]:
    return {"W1": (hidden, N_INPUTS), "b1": (hidden, 1), "W2": (N_CLASSES, hidden), "b2": (N_CLASSES, 1)}


def encode_array(array: np.ndarray, dtype: str | None = None) -> dict[str, Any]:
    """An array as {"shape", "dtype", "sha256", "data"}; ``dtype`` converts it first (e.g. float16)."""
    stored = np.ascontiguousarray(array, dtype=np.dtype(dtype or array.dtype).newbyteorder("<"))
    raw = stored.tobytes()
    return {
        "shape": list(stored.shape),
        "dtype": stored.dtype.name,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "data": base64.b64encode(raw).decode("ascii"),
    }


def to_json(params: Params, metadata: dict[str, Any] | None = None, dtype: str | None = None) -> str:
    """The weights document as JSON text (see the module docstring)."""
    hidden = params["W1"].shape[0]
    if dtype is not None and dtype not in DTYPES:
        raise WeightsError(f"dtype {dtype!r} is not one of {DTYPES}")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "layers": {"sizes": [N_INPUTS, hidden, N_CLASSES], "activations": ACTIVATIONS},
        "arrays": {name: encode_array(params[name], dtype) for name in NAMES},
        "metadata": metadata or {},
    }
    check_params(params, hidden)
    return json.dumps(document, indent=1)


def check_params(params: Params, hidden: int) -> None:
    for name, shape in expected_shapes(hidden).items():
        if name not in params:
            raise WeightsError(f"parameter {name} is missing")
        if params[name].shape != shape:
            raise WeightsError(f"{name} has shape {params[name].shape}, expected {shape}")
        if not np.all(np.isfinite(params[name])):
            raise WeightsError(f"{name} contains NaN or infinite values")


def decode_array(name: str, entry: Any, shape: tuple[int, int]) -> np.ndarray:
    """The array stored under ``name``, checked against its expected shape."""
    if not isinstance(entry, dict):
        raise WeightsError(f"arrays.{name} must be an object, got {type(entry).__name__}")
    for key in ("shape", "dtype", "sha256", "data"):
        if key not in entry:
            raise WeightsError(f"arrays.{name} has no {key!r}")
    if entry["dtype"] not in DTYPES:
        raise WeightsError(f"arrays.{name}: dtype {entry['dtype']!r} is not one of {DTYPES}")
    if entry["shape"] != list(shape):
        raise WeightsError(f"arrays.{name}: shape {entry['shape']}, but the layer sizes need {list(shape)}")
    try:
        raw = base64.b64decode(entry["data"], validate=True)
    except (ValueError, TypeError) as error:
        raise WeightsError(f"arrays.{name}: data is not valid base64 ({error})") from error
    dtype = np.dtype(entry["dtype"]).newbyteorder("<")
    if len(raw) != dtype.itemsize * shape[0] * shape[1]:
        raise WeightsError(
            f"arrays.{name}: {len(raw)} bytes of data, but shape {list(shape)} of {entry['dtype']} "
            f"needs {dtype.itemsize * shape[0] * shape[1]} (truncated?)"
        )
    if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
        raise WeightsError(f"arrays.{name}: data does not match its sha256 (corrupted?)")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
    if not np.all(np.isfinite(array)):
        raise WeightsError(f"arrays.{name} contains NaN or infinite values")
    return array.astype(np.float32) if array.dtype == np.float16 else array


def from_json(text: str | bytes, source: str = "weights") -> tuple[Params, dict[str, Any]]:
    """Parse and validate a weights document; returns (params, metadata).

    Raises WeightsError with a message that starts with ``source`` and names the problem.
    """
    try:
        return parse_document(text)
    except WeightsError as error:
        raise WeightsError(f"{source}: {error}") from None


def parse_document(text: str | bytes) -> tuple[Params, dict[str, Any]]:
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise WeightsError(f"not valid JSON ({error})") from error
    if not isinstance(document, dict):
        raise WeightsError(f"expected a JSON object, got {type(document).__name__}")
    for key in ("format", "version", "layers", "arrays", "metadata"):
        if key not in document:
            raise WeightsError(f"missing key {key!r}")
    if document["format"] != FORMAT:
        raise WeightsError(f"format is {document['format']!r}, expected {FORMAT!r}")
    if document["version"] != VERSION:
        raise WeightsError(f"format version {document['version']!r} is not supported (this reads {VERSION})")
    layers = document["layers"]
    sizes = layers.get("sizes") if isinstance(layers, dict) else None
    if (
        not isinstance(sizes, list)
        or len(sizes) != 3
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in sizes)
    ):
        raise WeightsError(f"layers.sizes must be three whole numbers, got {sizes!r}")
    if sizes[0] != N_INPUTS or sizes[2] != N_CLASSES or sizes[1] < 1:
        raise WeightsError(f"layers.sizes {sizes} must be [{N_INPUTS}, hidden >= 1, {N_CLASSES}]")
    if layers.get("activations") != ACTIVATIONS:
        raise WeightsError(f"layers.activations {layers.get('activations')!r}, expected {ACTIVATIONS}")
    arrays = document["arrays"]
    if not isinstance(arrays, dict) or set(arrays) != set(NAMES):
        found = sorted(arrays) if isinstance(arrays, dict) else type(arrays).__name__
        raise WeightsError(f"arrays must hold exactly {list(NAMES)}, found {found}")
    if not isinstance(document["metadata"], dict):
        raise WeightsError("metadata must be a JSON object")
    shapes = expected_shapes(sizes[1])
    params = {name: decode_array(name, arrays[name], shapes[name]) for name in NAMES}
    dtypes = {params[name].dtype for name in NAMES}
    if len(dtypes) != 1:
        raise WeightsError(f"the arrays mix dtypes {sorted(str(d) for d in dtypes)}")
    return params, document["metadata"]


def save(
    path: str | os.PathLike, params: Params, metadata: dict[str, Any] | None = None, dtype: str | None = None
) -> Path:
    """Write the weights document to ``path`` atomically: a temporary file in the same folder,
    flushed to disk, then renamed over the target. Until the rename, the old file is intact."""
    path = Path(path)
    text = to_json(params, metadata, dtype)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private; a weights file is for sharing
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def load(path: str | os.PathLike) -> tuple[Params, dict[str, Any]]:
    """Read and validate a weights file; returns (params, metadata) or raises WeightsError."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as error:
        raise WeightsError(f"{path}: cannot read ({error.strerror or error})") from error
    return from_json(text, str(path))
