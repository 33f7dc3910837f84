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

``from_json`` refuses every document it cannot use with a WeightsError naming the problem, and
checks from the cheapest up, so that nothing is parsed or allocated before it is known to fit:
the text's size (MAX_FILE_BYTES) and nesting (MAX_DEPTH) before json.loads; the structure and
the number of hidden units (MAX_HIDDEN); the metadata that the page and the scripts read
(check_metadata); each array's shape, dtype and length of base64 text before its data is
decoded; then its sha256 and its values (finite, at most MAX_WEIGHT in magnitude). ``to_json``
refuses whatever ``from_json`` would: what ``save`` writes always loads.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import math
import os
import platform
import re
import reprlib
import stat
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__, files
from .network import N_CLASSES, N_INPUTS, Params

FORMAT = "scratchnn-weights"
VERSION = 1
DTYPES = ("float64", "float32", "float16")
ACTIVATIONS = ["relu", "softmax"]
NAMES = ("W1", "b1", "W2", "b2")
# Limits on what a weights document may declare, checked before anything large is decoded or
# allocated (the page states them beside its Load button; site.json carries them to the page).
MAX_HIDDEN = 2048  # scripts/train.py refuses more, so everything it writes reads back
MAX_FILE_BYTES = 24_000_000  # a 2,048-unit float64 file is about 17.3 MB
# Arrays and objects inside each other: json.loads recurses once per level (about 1,500 levels
# raise RecursionError in CPython; 10,000 crash Pyodide), so deeper text is refused before it.
DOCUMENT_DEPTH = 4  # what a weights document needs: {"arrays": {"W1": {"shape": [...]}}}
MAX_DEPTH = 32  # room for nested metadata
# The largest weight magnitude read. With |w| <= MAX_WEIGHT, up to 2,048 hidden units and inputs
# in [0, 1], |Z1| <= 785 MAX_WEIGHT and |Z2| <= 2048 * 785 MAX_WEIGHT^2 + MAX_WEIGHT < 1.7e36: the
# forward pass and softmax stay finite even in float32 (largest 3.4e38), so no prediction is NaN.
# Trained networks sit far below (the committed ones under 7), but a learning rate of 10, which the
# page allows, took weights past 1e6 (32 hidden units, batches of 1, two epochs of 5,000 images)
# with the loss still finite: the bound is what the arithmetic can take, not what training gives.
MAX_WEIGHT = 1e15
# The metadata keys that the page and the scripts read (see check_metadata).
ACCURACY_KEYS = ("test_accuracy", "val_accuracy")
WHOLE_KEYS = ("epochs", "hidden")
TEXT_KEYS = ("preset", "trained_with", "continued_from", "loaded_from", "created", "store_dtype")
MAX_TEXT = 1_000  # characters in one of the TEXT_KEYS
MAX_HISTORY = 10_000  # epochs in each list of metadata.history: 100 runs of the page's 100 epochs
MAX_WHOLE = 2**53 - 1  # the largest whole number that a JavaScript number holds exactly
# A JSON string (an unterminated one runs to the end) or a run of characters that are neither
# brackets nor quotes. Possessive (*+, ++): it never backtracks, so it keeps no state per character.
NOT_BRACKETS = re.compile(r'(?:"[^"\\]*+(?:\\[\s\S][^"\\]*+)*+"?|[^"\[\]{}]++)++')
BRACKET_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as int8
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


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
    """The weights document as JSON text (see the module docstring).

    Refuses (WeightsError) whatever ``from_json`` would refuse: the text is read back with
    ``parse_document`` before it is returned, so whatever ``save`` writes loads."""
    if dtype is not None and dtype not in DTYPES:
        raise WeightsError(f"dtype {dtype!r} is not one of {DTYPES}")
    hidden = check_params(params, dtype)
    metadata = {} if metadata is None else metadata
    check_metadata_depth(metadata)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "layers": {"sizes": [N_INPUTS, hidden, N_CLASSES], "activations": ACTIVATIONS},
        "arrays": {name: encode_array(params[name], dtype) for name in NAMES},
        "metadata": metadata,
    }
    try:
        text = json.dumps(document, indent=1)
    except (TypeError, ValueError) as error:  # a NumPy number, an object, a cycle
        raise WeightsError(f"metadata is not JSON ({error})") from None
    parse_document(text)
    return text


def check_metadata_depth(metadata: Any) -> None:
    """Metadata (Python objects) nested deeper than the document may be is refused before json.dumps,
    which recurses once per level: 10,000 levels kill Pyodide. Each list or object is visited once."""
    pending, seen = [(metadata, 2)], set()  # the document and its metadata are 2 levels
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise WeightsError(f"metadata is nested more than the {MAX_DEPTH} levels a weights document may have")
        if id(value) not in seen:
            seen.add(id(value))
            items = value.values() if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items if isinstance(item, dict | list | tuple))


def check_params(params: Params, dtype: str | None = None) -> int:
    """The number of hidden units, H; raises WeightsError if a parameter is missing, has the wrong
    shape, or holds values that ``from_json`` refuses (also once converted to ``dtype``)."""
    for name in NAMES:
        if name not in params:
            raise WeightsError(f"parameter {name} is missing")
    hidden = params["W1"].shape[0] if params["W1"].ndim == 2 else 0
    if not 1 <= hidden <= MAX_HIDDEN:
        raise WeightsError(f"W1 has shape {params['W1'].shape}: it needs 1 to {MAX_HIDDEN:,} rows (hidden units)")
    for name, shape in expected_shapes(hidden).items():
        if params[name].shape != shape:
            raise WeightsError(f"{name} has shape {params[name].shape}, expected {shape}")
        check_values(name, params[name])
        if dtype is not None and np.max(np.abs(params[name])) > np.finfo(dtype).max:
            raise WeightsError(f"{name} holds values beyond {np.finfo(dtype).max:g}, the largest {dtype} number")
    return hidden


def check_values(where: str, array: np.ndarray) -> None:
    """The values are finite and at most MAX_WEIGHT in magnitude (see MAX_WEIGHT)."""
    if not np.all(np.isfinite(array)):
        raise WeightsError(f"{where} contains NaN or infinite values")
    largest = float(np.max(np.abs(array)))
    if largest > MAX_WEIGHT:
        raise WeightsError(
            f"{where} holds a value of magnitude {largest:.3g}, over the {MAX_WEIGHT:.0e} a weight may have: "
            "with it the network's predictions could be NaN"
        )


def nesting_depth(text: str) -> int:
    """How deeply the arrays and objects of JSON ``text`` nest; brackets inside strings do not count.

    No parsing and no recursion, so any text is safe (json.loads recurses once per level): drop
    every string and everything that is not a bracket (NOT_BRACKETS), then the depth after each
    bracket is the running sum of +1 for ``[`` or ``{`` and -1 for ``]`` or ``}``; the largest
    running sum is the depth. The sums are taken a million brackets at a time."""
    brackets = NOT_BRACKETS.sub("", text).encode("ascii").translate(BRACKET_STEPS)
    steps = np.frombuffer(brackets, dtype=np.int8)
    deepest = depth = 0
    for start in range(0, steps.size, 1 << 20):
        running = depth + np.cumsum(steps[start : start + (1 << 20)], dtype=np.int64)
        deepest = max(deepest, int(running.max()))
        depth = int(running[-1])
    return deepest


def check_text(text: str | bytes) -> str:
    """The document as text, refused if it is larger than MAX_FILE_BYTES or nested deeper than MAX_DEPTH."""
    if not isinstance(text, str | bytes | bytearray):
        raise WeightsError(f"expected JSON text, got {type(text).__name__}")
    if len(text) > MAX_FILE_BYTES:
        unit = "characters" if isinstance(text, str) else "bytes"
        raise WeightsError(f"{len(text):,} {unit}, over the {MAX_FILE_BYTES:,} a weights file may have")
    if not isinstance(text, str):
        encoding = json.detect_encoding(text)  # as json.loads reads bytes: UTF-8, -16 or -32
        try:
            text = bytes(text).decode(encoding)
        except UnicodeDecodeError as error:
            one = error.end - error.start <= 1
            where = f"byte {error.start:,} is" if one else f"bytes {error.start:,}-{error.end - 1:,} are"
            name = encoding.upper().replace("-SIG", "")
            raise WeightsError(f"not valid JSON (not text: {where} not {name})") from None
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise WeightsError(
            f"not a weights document: arrays and objects nested {depth:,} levels deep "
            f"(a weights document needs {DOCUMENT_DEPTH}; more than {MAX_DEPTH} are refused)"
        )
    return text


def shown(value: Any) -> str:
    """A value in an error message: its repr, shortened (reprlib), at most 80 characters."""
    text = reprlib.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # JSON's true is a Python int


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_entry(name: str, entry: Any, shape: tuple[int, int]) -> np.dtype:
    """The little-endian dtype of arrays.<name>, once its description is checked: its shape is the
    one the layer sizes need, and its base64 text has the length that shape and dtype give
    (4 characters per 3 bytes, the last group padded with "="). Nothing is decoded before."""
    where = f"arrays.{name}"
    if not isinstance(entry, dict):
        raise WeightsError(f"{where} must be an object, got {type(entry).__name__}")
    for key in ("shape", "dtype", "sha256", "data"):
        if key not in entry:
            raise WeightsError(f"{where} has no {key!r}")
    if not isinstance(entry["dtype"], str) or entry["dtype"] not in DTYPES:
        raise WeightsError(f"{where}: dtype {shown(entry['dtype'])} is not one of {DTYPES}")
    declared = entry["shape"]
    if not isinstance(declared, list) or not all(is_whole(n) for n in declared):
        raise WeightsError(f"{where}: shape must be a list of whole numbers, got {shown(declared)}")
    if declared != list(shape):
        raise WeightsError(f"{where}: shape {shown(declared)}, but the layer sizes need {list(shape)}")
    if not isinstance(entry["sha256"], str) or not SHA256_HEX.fullmatch(entry["sha256"]):
        found = shown(entry["sha256"])
        raise WeightsError(f"{where}: sha256 must be 64 lowercase hexadecimal digits, got {found}")
    data = entry["data"]
    if not isinstance(data, str):
        raise WeightsError(f"{where}: data must be base64 text, got {type(data).__name__}")
    dtype = np.dtype(entry["dtype"]).newbyteorder("<")
    n_bytes = dtype.itemsize * shape[0] * shape[1]
    n_chars = 4 * math.ceil(n_bytes / 3)
    if len(data) != n_chars:
        raise WeightsError(
            f"{where}: {len(data):,} characters of base64 data, but shape {list(shape)} of {entry['dtype']} "
            f"needs {n_bytes:,} bytes, which are {n_chars:,} characters (truncated?)"
        )
    return dtype


def decode_array(name: str, entry: Any, shape: tuple[int, int]) -> np.ndarray:
    """The array stored under ``name``: its description checked (check_entry), then its data
    decoded and checked against its sha256; its values must pass check_values."""
    dtype = check_entry(name, entry, shape)
    try:
        raw = base64.b64decode(entry["data"], validate=True)
    except ValueError as error:  # binascii.Error, or a character that is not ASCII
        raise WeightsError(f"arrays.{name}: data is not valid base64 ({error})") from error
    n_bytes = dtype.itemsize * shape[0] * shape[1]
    if len(raw) != n_bytes:
        raise WeightsError(
            f"arrays.{name}: {len(raw)} bytes of data, but shape {list(shape)} of {entry['dtype']} "
            f"needs {n_bytes} (truncated?)"
        )
    if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
        raise WeightsError(f"arrays.{name}: data does not match its sha256 (corrupted?)")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
    check_values(f"arrays.{name}", array)
    return array.astype(np.float32) if array.dtype == np.float16 else array


def child(where: str, key: str | int) -> str:
    """The path of an item in an error message: metadata.history, metadata.history.loss[3]."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if key.isidentifier() and len(key) <= 40 else f"{where}[{shown(key)}]"


def check_finite(where: str, value: dict | list) -> None:
    """Every number in ``value``, at any depth, is finite (json.loads reads NaN, Infinity, 1e999)."""
    pending = [(where, value)]
    while pending:
        where, value = pending.pop()
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            if isinstance(item, float) and not math.isfinite(item):
                raise WeightsError(f"{child(where, key)} is {item}, not a finite number")
            if isinstance(item, dict | list):
                pending.append((child(where, key), item))


def check_history(history: Any) -> None:
    """null, or an object of lists of numbers, one per epoch (loss, train_accuracy, val_loss,
    val_accuracy...): at most MAX_HISTORY of them; those of an accuracy in [0, 1]."""
    if history is None:
        return
    if not isinstance(history, dict):
        raise WeightsError(f"metadata.history must be an object of lists (one number per epoch), got {shown(history)}")
    for key, values in history.items():
        where = child("metadata.history", key)
        if not isinstance(values, list):
            raise WeightsError(f"{where} must be a list of numbers (one per epoch), got {shown(values)}")
        if len(values) > MAX_HISTORY:
            raise WeightsError(f"{where} has {len(values):,} entries, more than the {MAX_HISTORY:,} epochs read")
        accuracy = "accuracy" in key
        for i, value in enumerate(values):
            if not is_number(value) or (accuracy and not 0 <= value <= 1):
                wanted = "an accuracy from 0 to 1" if accuracy else "a number"
                raise WeightsError(f"{where}[{i}] must be {wanted}, got {shown(value)}")


def check_metadata(metadata: Any) -> dict[str, Any]:
    """The metadata, checked where the page and the scripts read it; other keys are free-form JSON.

    Every number, at any depth, is finite. Each key below may be absent or null, or else:
    ``test_accuracy``, ``val_accuracy`` in [0, 1]; ``epochs``, ``hidden`` whole numbers >= 0;
    ``train_seconds`` >= 0; ``history`` as check_history says; the TEXT_KEYS text of at most
    MAX_TEXT characters."""
    if not isinstance(metadata, dict):
        raise WeightsError("metadata must be a JSON object")
    check_finite("metadata", metadata)
    for key in ACCURACY_KEYS:
        value = metadata.get(key)
        if value is not None and not (is_number(value) and 0 <= value <= 1):
            raise WeightsError(f"metadata.{key} must be null or an accuracy from 0 to 1, got {shown(value)}")
    for key in WHOLE_KEYS:
        value = metadata.get(key)
        if value is not None and not (is_whole(value) and 0 <= value <= MAX_WHOLE):
            raise WeightsError(f"metadata.{key} must be null or a whole number >= 0, got {shown(value)}")
    seconds = metadata.get("train_seconds")
    if seconds is not None and not (is_number(seconds) and seconds >= 0):
        raise WeightsError(f"metadata.train_seconds must be null or a number >= 0, got {shown(seconds)}")
    for key in TEXT_KEYS:
        value = metadata.get(key)
        if value is not None and not (isinstance(value, str) and len(value) <= MAX_TEXT):
            raise WeightsError(
                f"metadata.{key} must be null or a text of at most {MAX_TEXT:,} characters, got {shown(value)}"
            )
    check_history(metadata.get("history"))
    return metadata


def training_metadata(
    settings: dict[str, Any],
    history: list[dict[str, Any]],
    *,
    preset: str | None,
    seed: int,
    train_seconds: float,
    val_accuracy: float | None,
    test_accuracy: float | None,
    data: dict[str, Any],
    trained_with: str,
    **extra: Any,
) -> dict[str, Any]:
    """The metadata of a trained network, the same for scripts/train.py and the page.

    ``settings``: the TrainConfig's values (``config.to_dict()``); ``history``: one dict per epoch
    the network has had, with ``loss``, ``accuracy``, ``val_loss`` and ``val_accuracy`` (an
    EpochReport as a dict); ``data``: what it was trained on (files and their checksums);
    ``extra``: anything else the caller records (``test_loss``, ``continued_from``...).
    ``epochs`` is the number of epochs in ``history``.
    """
    return {
        "preset": preset,
        **settings,
        "epochs": len(history),
        "seed": seed,
        "train_seconds": round(train_seconds, 3),
        "val_accuracy": val_accuracy,
        "test_accuracy": test_accuracy,
        **extra,
        "history": {
            "loss": [round(h["loss"], 6) for h in history],
            "train_accuracy": [round(h["accuracy"], 6) for h in history],
            "val_loss": [round(h["val_loss"], 6) for h in history],
            "val_accuracy": [h["val_accuracy"] for h in history],
        },
        "data": data,
        "trained_with": trained_with,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "scratchnn_version": __version__,
        "numpy_version": np.__version__,
        "python": platform.python_version(),
    }


def from_json(text: str | bytes, source: str = "weights") -> tuple[Params, dict[str, Any]]:
    """Parse and validate a weights document; returns (params, metadata).

    Raises WeightsError with a message that starts with ``source`` and names the problem.
    """
    try:
        return parse_document(text)
    except WeightsError as error:
        raise WeightsError(f"{source}: {error}") from None


def parse_document(text: str | bytes) -> tuple[Params, dict[str, Any]]:
    """See from_json. The checks run from the cheapest up: size and depth of the text, then JSON,
    the structure, the metadata, the description of each array, and only then its data."""
    text = check_text(text)
    try:
        document = json.loads(text)
    except ValueError as error:  # JSONDecodeError, or an integer of more than 4,300 digits
        raise WeightsError(f"not valid JSON ({error})") from error
    if not isinstance(document, dict):
        raise WeightsError(f"expected a JSON object, got {type(document).__name__}")
    for key in ("format", "version", "layers", "arrays", "metadata"):
        if key not in document:
            raise WeightsError(f"missing key {key!r}")
    if document["format"] != FORMAT:
        raise WeightsError(f"format is {shown(document['format'])}, expected {FORMAT!r}")
    if not is_whole(document["version"]) or document["version"] != VERSION:
        raise WeightsError(f"format version {shown(document['version'])} is not supported (this reads {VERSION})")
    hidden = check_layers(document["layers"])
    arrays = document["arrays"]
    if not isinstance(arrays, dict) or set(arrays) != set(NAMES):
        found = shown(sorted(arrays)) if isinstance(arrays, dict) else type(arrays).__name__
        raise WeightsError(f"arrays must hold exactly {list(NAMES)}, found {found}")
    metadata = check_metadata(document["metadata"])
    shapes = expected_shapes(hidden)
    params = {name: decode_array(name, arrays[name], shapes[name]) for name in NAMES}
    dtypes = {params[name].dtype for name in NAMES}
    if len(dtypes) != 1:
        raise WeightsError(f"the arrays mix dtypes {sorted(str(d) for d in dtypes)}")
    return params, metadata


def check_layers(layers: Any) -> int:
    """The number of hidden units declared by ``layers``: sizes [784, H, 10] with 1 <= H <= MAX_HIDDEN."""
    sizes = layers.get("sizes") if isinstance(layers, dict) else None
    if not isinstance(sizes, list) or len(sizes) != 3 or not all(is_whole(n) for n in sizes):
        raise WeightsError(f"layers.sizes must be three whole numbers, got {shown(sizes)}")
    if sizes[0] != N_INPUTS or sizes[2] != N_CLASSES or sizes[1] < 1:
        raise WeightsError(f"layers.sizes {shown(sizes)} must be [{N_INPUTS}, hidden >= 1, {N_CLASSES}]")
    if sizes[1] > MAX_HIDDEN:
        raise WeightsError(f"layers.sizes declares {sizes[1]:,} hidden units, more than the {MAX_HIDDEN:,} read")
    if layers.get("activations") != ACTIVATIONS:
        raise WeightsError(f"layers.activations {shown(layers.get('activations'))}, expected {ACTIVATIONS}")
    return sizes[1]


def save(
    path: str | os.PathLike, params: Params, metadata: dict[str, Any] | None = None, dtype: str | None = None
) -> Path:
    """Write the weights document to ``path`` atomically (scratchnn.files.atomic_write): until the
    rename, the old file is intact. Raises files.OutputError for a path that must not be replaced
    (a folder, a device, a FIFO) or whose folder does not exist."""
    text = to_json(params, metadata, dtype)
    files.atomic_write(path, text)
    return Path(path)


def load(path: str | os.PathLike) -> tuple[Params, dict[str, Any]]:
    """Read and validate a weights file; returns (params, metadata) or raises WeightsError.

    A folder, FIFO or device is refused, and so is a file over MAX_FILE_BYTES, before anything is read.
    """
    path = Path(path)
    try:
        check_weights_file(path, path.stat())  # before opening it: a device or FIFO is never opened
        with open(path, "rb", opener=open_nonblocking) as f:
            check_weights_file(path, os.fstat(f.fileno()))  # what was opened: nothing was swapped in since
            text = f.read(MAX_FILE_BYTES + 1)  # + 1: a file that grew after the check is caught too
    except OSError as error:
        raise WeightsError(f"{path}: cannot read ({error.strerror or error})") from error
    if len(text) > MAX_FILE_BYTES:
        raise WeightsError(f"{path}: over the {MAX_FILE_BYTES:,} bytes a weights file may have")
    return from_json(text, str(path))


def check_weights_file(path: Path, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise WeightsError(f"{path} is {files.kind_of(info.st_mode)}, not a weights file")
    if info.st_size > MAX_FILE_BYTES:
        raise WeightsError(f"{path}: {info.st_size:,} bytes, over the {MAX_FILE_BYTES:,} a weights file may have")


def open_nonblocking(path: str, flags: int) -> int:
    """os.open that returns at once even for a FIFO swapped in after the check (which would wait for a writer)."""
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
