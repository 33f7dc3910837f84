"""Deslanting and width normalisation (scratchnn.normalise) on drawn bars and on real MNIST digits."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn import normalise as norm
from scratchnn.augment import as_columns, as_images


def slanted_bar(slant: float, width: int = 2) -> np.ndarray:
    """A bar from row 4 to row 23 whose x grows by ``slant`` pixels per row down, as a column (784, 1)."""
    image = np.zeros((28, 28), dtype=np.float32)
    for y in range(4, 24):
        x = round(13 + slant * (y - 13.5))
        image[y, x : x + width] = 1
    return as_columns(image[None])


@pytest.mark.parametrize("slant", [-0.4, 0.25, 0.5])
def test_deslanting_stands_a_slanted_bar_upright(slant):
    X = slanted_bar(slant)
    _, _, before = norm.moments(as_images(X).astype(np.float64))
    assert before[0] == pytest.approx(slant, abs=0.05)
    _, _, after = norm.moments(as_images(norm.normalise(X, "deslant")).astype(np.float64))
    assert abs(after[0]) < 1e-3
    assert norm.normalise(X, "deslant").sum() == pytest.approx(X.sum(), rel=0.02)  # a shear keeps the ink


@pytest.mark.parametrize("width", [8, 12, 20])
def test_width_normalisation_gives_the_ink_the_asked_width(mnist_data, width):
    X = mnist_data.X_test[:, :300]
    got = norm.ink_width(as_images(norm.normalise(X, f"deslant+width-{width}")))
    wide_enough = norm.ink_width(as_images(X)) * norm.MAX_STRETCH >= width  # the rest stop at 4x
    assert np.median(np.abs(got[wide_enough] - width)) <= 1


def test_real_digits_lose_their_slant_and_keep_their_centroid(mnist_data):
    X = mnist_data.X_test[:, :500]
    xc, yc, slant = norm.moments(as_images(X).astype(np.float64))
    xc2, yc2, slant2 = norm.moments(as_images(norm.normalise(X, "deslant")).astype(np.float64))
    assert np.abs(slant).mean() > 0.1 and np.abs(slant2).max() < 0.02
    assert np.abs(xc2 - xc).max() < 0.2 and np.abs(yc2 - yc).max() < 0.2
    out = norm.normalise(X, "deslant+width-16")
    assert out.shape == X.shape and out.dtype == X.dtype and out.min() >= 0 and out.max() <= 1


def test_nothing_asked_changes_nothing_and_a_blank_stays_blank():
    X = slanted_bar(0.3)
    assert norm.normalise(X, None) is X and norm.normalise(X, "") is X
    blank = np.zeros((784, 2), dtype=np.float32)
    assert not norm.normalise(blank, "deslant+width-14").any()


@pytest.mark.parametrize(
    "name", ["slant", "width-3", "width-29", "width-", "+width-12", "deslant+", "width-12+deslant"]
)
def test_a_name_that_is_not_a_normalisation_is_refused(name):
    with pytest.raises(ValueError, match="normali"):
        norm.parse(name)
