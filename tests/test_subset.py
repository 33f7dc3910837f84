"""subset.py: the compact MNIST file the page trains on, built from the real data and checked on load."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from scratchnn import mnist
from scratchnn.browser import subset
from scratchnn.browser.subset import SubsetError


@pytest.fixture(scope="module")
def real_file() -> bytes:
    return subset.build(mnist.read_raw(), n_train=3000)


def small_file(n_train=5, n_val=3) -> bytes:
    rng = np.random.default_rng(0)
    return subset.encode(
        rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8), rng.integers(0, 10, n_train, dtype=np.uint8),
        rng.integers(0, 256, (n_val, 28, 28), dtype=np.uint8), rng.integers(0, 10, n_val, dtype=np.uint8),
    )  # fmt: skip


def test_the_real_subset_holds_the_originals_validation_set(real_file, mnist_data):
    X_train, Y_train, X_val, Y_val = subset.read(real_file)
    assert X_train.shape == (784, 3000) and Y_train.shape == (3000,)
    np.testing.assert_array_equal(X_val, mnist_data.X_val)
    np.testing.assert_array_equal(Y_val, mnist_data.Y_val)
    np.testing.assert_array_equal(X_train, mnist_data.X_train[:, :3000])
    assert len(real_file) < 3000 * 784 / 3  # gzip does its job on MNIST's many zeros


def test_building_is_reproducible(real_file):
    assert subset.build(mnist.read_raw(), n_train=3000) == real_file


def test_round_trip_of_small_arrays():
    parts = subset.decode(small_file())
    assert parts["train_images"].shape == (5, 28, 28) and parts["val_labels"].shape == (3,)
    again = subset.decode(subset.encode(*parts.values()))
    for name in parts:
        np.testing.assert_array_equal(again[name], parts[name])


def rewrite(data: bytes, change) -> bytes:
    raw = bytearray(gzip.decompress(data))
    change(raw)
    return gzip.compress(bytes(raw))


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda d: b"not gzip at all", "not a gzip file"),
        (lambda d: d[: len(d) // 2], "not a gzip file, or a truncated one"),
        (lambda d: gzip.compress(b"SCRNNSUB"), "too short for the 64-byte header"),
        (lambda d: rewrite(d, lambda r: r.__setitem__(slice(0, 8), b"NOTMNIST")), "not a ScratchNN MNIST subset"),
        (lambda d: rewrite(d, lambda r: r.__setitem__(8, 2)), "version 2 is not supported"),
        (lambda d: rewrite(d, lambda r: r.__setitem__(20, 27)), "27x28"),
        (lambda d: rewrite(d, lambda r: r.__setitem__(12, 6)), "the header's counts"),
        (lambda d: rewrite(d, lambda r: r.__delitem__(-1)), "the header's counts"),
        (lambda d: rewrite(d, lambda r: r.__setitem__(100, r[100] ^ 1)), "SHA-256"),
    ],
)
def test_a_broken_file_is_refused_with_the_reason(mangle, message):
    with pytest.raises(SubsetError, match=message):
        subset.decode(mangle(small_file()))


def test_labels_must_be_digits():
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    data = subset.encode(images, np.array([3, 12], dtype=np.uint8), images[:1], np.array([1], dtype=np.uint8))
    with pytest.raises(SubsetError, match="not a digit"):
        subset.decode(data)


def test_n_train_is_checked():
    with pytest.raises(SubsetError, match="n_train"):
        subset.build(mnist.read_raw(), n_train=0)
