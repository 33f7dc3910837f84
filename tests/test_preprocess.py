"""preprocess.py: a drawing becomes an MNIST-style 28x28 input (pure NumPy; also runs in Pyodide)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scratchnn import network, preprocess, weights

WEIGHTS = Path(__file__).resolve().parent.parent / "web" / "weights"


def on_canvas(digit: np.ndarray, scale: int, top: int, left: int, size: int = 400) -> np.ndarray:
    """A 28x28 digit drawn large on a big black canvas: each pixel becomes a scale x scale block."""
    canvas = np.zeros((size, size), dtype=np.float32)
    big = np.kron(digit, np.ones((scale, scale), dtype=np.float32))
    canvas[top : top + big.shape[0], left : left + big.shape[1]] = big
    return canvas


def test_empty_canvas_is_nothing_drawn_not_nan():
    for canvas in (np.zeros((280, 280)), np.full((50, 70), 0.05)):  # blank, and only faint specks
        prepared = preprocess.prepare(canvas)
        assert prepared.empty
        assert prepared.image.shape == (28, 28)
        assert not prepared.image.any()
        assert np.isfinite(prepared.X).all()


def test_result_is_28x28_float32_in_unit_range():
    canvas = np.zeros((280, 280))
    canvas[60:220, 130:150] = 3.0  # out-of-range ink is clipped to 1
    prepared = preprocess.prepare(canvas)
    assert not prepared.empty
    assert prepared.image.dtype == np.float32 and prepared.image.shape == (28, 28)
    assert prepared.image.min() >= 0 and prepared.image.max() <= 1
    assert prepared.X.shape == (784, 1)


def test_longest_side_becomes_20_pixels_and_keeps_aspect_ratio():
    canvas = np.zeros((300, 300))
    canvas[50:250, 100:150] = 1.0  # 200 x 50: a tall bar
    image = preprocess.prepare(canvas).image
    rows = np.flatnonzero(image.any(axis=1))
    cols = np.flatnonzero(image.any(axis=0))
    assert rows[-1] - rows[0] + 1 == 20
    assert cols[-1] - cols[0] + 1 == 5


def test_centre_of_mass_lands_on_14_14():
    canvas = np.zeros((280, 280))
    canvas[20:120, 10:30] = 1.0  # a stroke in the top-left corner
    canvas[20:40, 10:90] = 1.0  # with a bar to the right: an asymmetric "7"-like shape
    cy, cx = preprocess.centre_of_mass(preprocess.prepare(canvas).image)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_area_matrix_averages():
    R = preprocess.area_matrix(10, 4)  # each output pixel covers 2.5 input pixels
    np.testing.assert_allclose(R.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(R[0], [0.4, 0.4, 0.2, 0, 0, 0, 0, 0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(preprocess.area_matrix(3, 3), np.eye(3))


def test_ink_from_rgba_reads_white_on_black():
    rgba = np.zeros((2, 3, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    rgba[0, 1, :3] = 255  # white
    rgba[1, 2, :3] = 51  # dark grey
    ink = preprocess.ink_from_rgba(rgba.tobytes(), 2, 3)
    np.testing.assert_allclose(ink, [[0, 1, 0], [0, 0, 0.2]], atol=1e-6)


def test_real_mnist_digit_scaled_and_shifted_comes_back(mnist_data):
    """Test digits drawn 10x larger somewhere on a 400x400 canvas come back (almost) unchanged:
    MNIST's own recipe is what preprocess undoes and redoes."""
    digits = mnist_data.X_test[:, :200].T.reshape(-1, 28, 28)
    errors = np.array([np.abs(preprocess.prepare(on_canvas(d, 10, 37, 81)).image - d).mean() for d in digits])
    assert errors.mean() < 0.005
    assert np.mean(errors < 0.02) >= 0.95  # a few move by one pixel: the centre of mass rounds the other way


def test_position_does_not_matter(mnist_data):
    for digit in mnist_data.X_test[:, :20].T.reshape(-1, 28, 28):
        a = preprocess.prepare(on_canvas(digit, 8, 0, 0)).image
        b = preprocess.prepare(on_canvas(digit, 8, 150, 170)).image
        np.testing.assert_array_equal(a, b)


def test_size_barely_matters(mnist_data):
    for digit in mnist_data.X_test[:, :20].T.reshape(-1, 28, 28):
        small = preprocess.prepare(on_canvas(digit, 4, 10, 30)).image
        large = preprocess.prepare(on_canvas(digit, 13, 5, 2)).image
        assert np.abs(small - large).mean() < 0.03


@pytest.mark.slow
def test_default_network_reads_digits_drawn_large(mnist_data):
    """The whole path the page takes, in CPython: big drawing -> prepare -> forward."""
    params, _ = weights.load(WEIGHTS / "default.json")
    n = 500
    digits = mnist_data.X_test[:, :n].T.reshape(-1, 28, 28)
    rng = np.random.default_rng(0)
    X = np.hstack(
        [preprocess.prepare(on_canvas(d, 10, *rng.integers(0, 120, size=2))).X for d in digits]  # (784, n)
    )
    accuracy = network.accuracy(network.predict(params, X), mnist_data.Y_test[:n])
    assert accuracy >= 0.97
