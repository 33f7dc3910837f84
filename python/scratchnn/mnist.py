"""MNIST: find, download, verify and parse the four original gzip IDX files.

The IDX format (http://yann.lecun.com/exdb/mnist/) is a big-endian header then raw uint8s:

    images: magic 2051, count, rows, cols, then count*rows*cols pixels
    labels: magic 2049, count, then count labels

Where the files live, in order: the ``data_dir`` argument (the CLI's ``--data-dir``), the
environment variable ``SCRATCHNN_DATA_DIR``, then a user cache directory. Missing files are
downloaded from a public mirror into that directory; every file is checked against its
published SHA-256 before it is used. A download reads at most the file's known size, gives up
after a deadline, and is verified in memory before it is written (atomically), so a failed or
killed download leaves nothing behind, and a folder is created only for a verified file.
This module runs in CPython only (the browser gets its data from the site build).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import stat
import struct
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import files

# file name -> (size in bytes, SHA-256) of the canonical distribution
FILES = {
    "train-images-idx3-ubyte.gz": (9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train-labels-idx1-ubyte.gz": (28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "t10k-images-idx3-ubyte.gz": (1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "t10k-labels-idx1-ubyte.gz": (4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}  # fmt: skip
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
DEADLINE = 300.0  # seconds to download one file (the largest, 9.9 MB, at a slow 100 kB/s takes 100 s)
READ_TIMEOUT = 60.0  # seconds to wait for any byte at all
IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
N_VALIDATION = 1000  # the original holds out the first 1,000 shuffled training images


class MnistError(Exception):
    """A data file is missing, corrupt, or not what MNIST should be."""


@dataclass
class MnistData:
    """The data in the original's layout: X is (784, m), a column per image, values in [0, 1]."""

    X_train: np.ndarray  # (784, 59000)
    Y_train: np.ndarray  # (59000,) int64 digits
    X_val: np.ndarray  # (784, 1000)
    Y_val: np.ndarray  # (1000,)
    X_test: np.ndarray  # (784, 10000)
    Y_test: np.ndarray  # (10000,)
    sha256: dict[str, str]  # file name -> checksum of the files these came from


def default_data_dir() -> Path:
    """The user cache directory: $XDG_CACHE_HOME/scratchnn/mnist (or ~/.cache/...)."""
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "scratchnn" / "mnist"


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The data directory: the argument, else $SCRATCHNN_DATA_DIR, else the user cache."""
    if data_dir:
        return Path(data_dir)
    if os.environ.get("SCRATCHNN_DATA_DIR"):
        return Path(os.environ["SCRATCHNN_DATA_DIR"])
    return default_data_dir()


def check_data_dir(directory: str | os.PathLike) -> Path:
    """``directory``, if it is a folder or can be made one; MnistError if it, or a folder on its way, is a file."""
    directory = Path(directory)
    for folder in (directory, *directory.parents):
        if folder.exists():  # the nearest part of the path that is there
            if not folder.is_dir():
                what = "a file" if folder.is_file() else files.kind_of(folder.stat().st_mode)
                on_its_way = "" if folder == directory else f": {folder} on its way"
                raise MnistError(f"{directory}{on_its_way} is {what}, not a folder")
            break
    return directory


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path) -> str:
    """Check a file's size and SHA-256 against those of the MNIST file of its name; return the checksum."""
    size, expected = FILES[path.name]
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block the read below forever
        raise MnistError(f"{path} is {files.kind_of(info.st_mode)}, not an MNIST file")
    if info.st_size != size:
        raise MnistError(f"{path}: {info.st_size} bytes, expected {size} (truncated or wrong file?)")
    actual = sha256_of(path)
    if actual != expected:
        raise MnistError(f"{path}: SHA-256 {actual} does not match the published {expected}")
    return actual


def download(name: str, data_dir: Path, mirrors: tuple[str, ...] = MIRRORS, deadline: float = DEADLINE) -> Path:
    """Fetch one file from the first mirror that gives the right bytes, then write it into ``data_dir``.

    Each try reads at most the file's known size and gives up after ``deadline`` seconds. The bytes
    are verified in memory, then written atomically: nothing but the verified file is ever left,
    and ``data_dir`` is created only then.
    """
    size, expected = FILES[name]
    errors = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        print(f"downloading {url}", file=sys.stderr)
        try:
            raw = read_at_most(url, size, deadline)
        except (OSError, http.client.HTTPException, MnistError) as error:
            errors.append(f"{url}: {error}")
            continue
        if len(raw) != size:
            errors.append(f"{url}: {len(raw)} bytes, expected {size} (truncated or wrong file?)")
        elif hashlib.sha256(raw).hexdigest() != expected:
            errors.append(f"{url}: SHA-256 {hashlib.sha256(raw).hexdigest()} does not match the published {expected}")
        else:
            return save_verified(raw, data_dir / name)
    raise MnistError(f"could not download {name}:\n  " + "\n  ".join(errors))


def read_at_most(url: str, size: int, deadline: float) -> bytes:
    """The body at ``url``; MnistError if it is over ``size`` bytes or takes over ``deadline`` seconds."""
    give_up = time.monotonic() + deadline
    data = bytearray()
    with urllib.request.urlopen(url, timeout=min(READ_TIMEOUT, deadline)) as response:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > size:
            raise MnistError(f"the server sends {int(declared):,} bytes, but the file has {size:,}")
        while chunk := response.read1(1 << 16):  # read1: whatever has arrived, so a slow server is noticed
            data += chunk
            if len(data) > size:
                raise MnistError(f"more than the {size:,} bytes the file has: stopped reading")
            if time.monotonic() > give_up:
                raise MnistError(f"gave up after {deadline:g} s ({len(data):,} of {size:,} bytes): too slow")
    return bytes(data)


def save_verified(raw: bytes, path: Path) -> Path:
    """Write a verified download to ``path``, creating its folder now that there is a file for it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return files.atomic_write(path, raw)
    except OSError as error:  # files.OutputError is a ValueError
        raise MnistError(f"cannot save {path.name} in {path.parent} ({error.strerror or error})") from error
    except files.OutputError as error:
        raise MnistError(f"cannot save {path.name}: {error}") from error


def remove_stale_parts(directory: Path) -> None:
    """Delete the ``.{name}.*.part`` files that downloads of earlier versions left when killed."""
    if directory.is_dir():
        for name in FILES:
            for part in directory.glob(f".{name}.*.part"):
                part.unlink(missing_ok=True)


def fetch(
    data_dir: str | os.PathLike | None = None, mirrors: tuple[str, ...] = MIRRORS, deadline: float = DEADLINE
) -> Path:
    """Make sure the four verified files are in the data directory; return the directory.

    ``deadline``: seconds for each file's download."""
    directory = check_data_dir(resolve_data_dir(data_dir))
    remove_stale_parts(directory)
    for name in FILES:
        path = directory / name
        if path.exists():
            verify(path)
        else:
            try:
                download(name, directory, mirrors, deadline)
            except MnistError as error:
                raise MnistError(
                    f"{error}\n{name} is not in {directory} and could not be downloaded. Put the four MNIST "
                    "files in a folder and pass --data-dir or set SCRATCHNN_DATA_DIR to it."
                ) from None
    return directory


def parse_idx(raw: bytes, magic: int, source: str = "IDX data") -> np.ndarray:
    """Parse decompressed IDX bytes: images (magic 2051) -> (n, rows, cols) uint8,
    labels (magic 2049) -> (n,) uint8. Raises MnistError naming what is wrong."""
    n_dims = 3 if magic == IMAGES_MAGIC else 1
    header_size = 4 + 4 * n_dims
    if len(raw) < header_size:
        raise MnistError(f"{source}: {len(raw)} bytes is too short for an IDX header")
    found_magic, *shape = struct.unpack(f">{1 + n_dims}I", raw[:header_size])
    if found_magic != magic:
        raise MnistError(f"{source}: magic number {found_magic}, expected {magic}")
    expected = header_size + int(np.prod(shape))
    if len(raw) != expected:
        raise MnistError(f"{source}: {len(raw)} bytes but the header {tuple(shape)} says {expected} (truncated?)")
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def read_idx_gz(path: Path, magic: int) -> np.ndarray:
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as error:
        raise MnistError(f"{path}: not a readable gzip file ({error})") from error
    return parse_idx(raw, magic, str(path))


def to_columns(images: np.ndarray, dtype: str | np.dtype = "float32") -> np.ndarray:
    """(n, 28, 28) uint8 images -> X (784, n) in [0, 1], a column per image.

    Stored column-major (Fortran order), so each image's 784 pixels sit together in memory:
    a batch of columns is one contiguous block, which matrix multiplication reads fastest.
    """
    return np.asfortranarray(images.reshape(len(images), -1).T, dtype=dtype) / np.asarray(255, dtype)


def read_raw(data_dir: str | os.PathLike | None = None, mirrors: tuple[str, ...] = MIRRORS) -> dict[str, np.ndarray]:
    """The four verified files as uint8 arrays: train/test images (n, 28, 28) and labels (n,)."""
    directory = fetch(data_dir, mirrors)
    raw = {
        "train_images": read_idx_gz(directory / "train-images-idx3-ubyte.gz", IMAGES_MAGIC),
        "train_labels": read_idx_gz(directory / "train-labels-idx1-ubyte.gz", LABELS_MAGIC),
        "test_images": read_idx_gz(directory / "t10k-images-idx3-ubyte.gz", IMAGES_MAGIC),
        "test_labels": read_idx_gz(directory / "t10k-labels-idx1-ubyte.gz", LABELS_MAGIC),
    }
    for part in ("train", "test"):
        if len(raw[f"{part}_images"]) != len(raw[f"{part}_labels"]):
            raise MnistError(f"the {part} image and label files do not hold the same number of examples")
    return raw


def split(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The original's split of the training set: shuffle, then the first 1,000 are validation.
    Returns (train indices, validation indices)."""
    order = np.random.default_rng(seed).permutation(n)
    return order[N_VALIDATION:], order[:N_VALIDATION]


def load(
    data_dir: str | os.PathLike | None = None,
    *,
    seed: int = 0,
    dtype: str | np.dtype = "float32",
    mirrors: tuple[str, ...] = MIRRORS,
) -> MnistData:
    """The original's preprocessing: shuffle the 60,000 training images (with ``seed``),
    hold out the first 1,000 for validation, flatten every image to a column, divide by 255."""
    raw = read_raw(data_dir, mirrors)
    train, val = split(len(raw["train_labels"]), seed)
    return MnistData(
        X_train=to_columns(raw["train_images"][train], dtype),
        Y_train=raw["train_labels"][train].astype(np.int64),
        X_val=to_columns(raw["train_images"][val], dtype),
        Y_val=raw["train_labels"][val].astype(np.int64),
        X_test=to_columns(raw["test_images"], dtype),
        Y_test=raw["test_labels"].astype(np.int64),
        sha256={name: sha for name, (_size, sha) in FILES.items()},
    )
