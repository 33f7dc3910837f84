"""Deslanting and width normalisation of digits (the preprocessing of Meier et al. 2011), in NumPy.

MNIST's digits are already size-normalised (the ink fits a 20x20 box) and centred by their centre
of mass. Two more normalisations let the members of a committee see the same digit differently,
so that they make different mistakes:

**Deslant.** With the image's centroid (xc, yc) and its second moments about it,

    mu11 = sum (x - xc)(y - yc) I(x, y) / sum I        mu02 = sum (y - yc)^2 I(x, y) / sum I

a stroke leaning right (x growing as y goes down the screen) has mu11 > 0. Its slant is
s = mu11 / mu02 (pixels right per pixel down), and the deslanted image samples the input at

    x_s = x + s (y - yc),  y_s = y                  (a horizontal shear about the centroid)

**Width.** Then the deslanted ink's width (its columns holding at least a tenth of the image's
brightest pixel) is scaled to ``width`` pixels about the centroid: x_s = xc + (x - xc) / k with
k = width / ink width (at most 4x, so a "1" a pixel wide does not become a smear of one pixel).

Both are one warp (``augment.warp``, bilinear): the output at p = (x, y) reads the input at

    x_s = xc + (x - xc) / k + s (y - yc),  y_s = y,  that is  s(p) = A p + d,
    A = [[1/k, s], [0, 1]],  d = (xc - xc / k - s yc, 0)

A blank image stays blank. ``normalise(X, "deslant")``, ``normalise(X, "width-14")`` or
``normalise(X, "deslant+width-14")`` transform the columns of X (784, m); ``None`` leaves them.
"""

from __future__ import annotations

import re

import numpy as np

from .augment import CENTRE, SIDE, as_images, warp

MAX_STRETCH = 4.0
INK = 0.1  # a column holds ink if its brightest pixel is at least this fraction of the image's
PATTERN = re.compile(r"^(deslant)?(?:\+?width-(\d+))?$")


def parse(name: str | None) -> tuple[bool, int | None]:
    """``"deslant+width-14"`` -> (True, 14); None or "" -> (False, None); anything else: ValueError."""
    if not name:
        return False, None
    match = PATTERN.match(name)
    if not match or not any(match.groups()) or (match.group(1) is None and name.startswith("+")):
        raise ValueError(f"normalise must be 'deslant', 'width-W' or 'deslant+width-W' (W from 4 to 28), got {name!r}")
    width = None if match.group(2) is None else int(match.group(2))
    if width is not None and not 4 <= width <= SIDE:
        raise ValueError(f"the normalised width must be from 4 to {SIDE} pixels, got {width}")
    return match.group(1) is not None, width


def moments(images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per image (b, 28, 28): the centroid xc, yc and the slant s = mu11 / mu02 (0 where blank)."""
    mass = images.sum(axis=(1, 2))
    safe = np.where(mass > 0, mass, 1.0)
    ys = np.arange(SIDE, dtype=np.float64)
    xc = (images.sum(axis=1) @ ys) / safe
    yc = (images.sum(axis=2) @ ys) / safe
    dx = ys[None, None, :] - xc[:, None, None]
    dy = ys[None, :, None] - yc[:, None, None]
    mu11 = (images * dx * dy).sum(axis=(1, 2)) / safe
    mu02 = (images * dy * dy).sum(axis=(1, 2)) / safe
    slant = np.where(mu02 > 0, mu11 / np.where(mu02 > 0, mu02, 1.0), 0.0)
    blank = mass == 0
    return np.where(blank, CENTRE, xc), np.where(blank, CENTRE, yc), np.where(blank, 0.0, slant)


def ink_width(images: np.ndarray) -> np.ndarray:
    """Per image: the number of columns from the first to the last holding ink (0 if blank)."""
    columns = images.max(axis=1)  # (b, 28)
    inked = columns >= INK * np.maximum(columns.max(axis=1, keepdims=True), 1e-12)
    inked &= columns > 0
    any_ink = inked.any(axis=1)
    first = np.argmax(inked, axis=1)
    last = SIDE - 1 - np.argmax(inked[:, ::-1], axis=1)
    return np.where(any_ink, last - first + 1, 0)


def resample(X: np.ndarray, xc: np.ndarray, yc: np.ndarray, slant: np.ndarray, stretch: np.ndarray) -> np.ndarray:
    """Each column of X read at x_s = xc + (x - xc) / k + s (y - yc), y_s = y (see the module docstring)."""
    b = X.shape[1]
    A = np.zeros((b, 2, 2))
    A[:, 0, 0], A[:, 0, 1], A[:, 1, 1] = 1 / stretch, slant, 1.0
    d = np.stack([xc - xc / stretch - slant * yc, np.zeros(b)], axis=1)
    # warp reads s(p) = A (p - c - t) + c = A p + (c - A c - A t); choose t so that this is A p + d.
    c = np.full(2, CENTRE)
    t = np.linalg.solve(A, (c - np.einsum("bij,j->bi", A, c) - d)[..., None])[..., 0]
    return warp(X, A, t)


def normalise(X: np.ndarray, name: str | None) -> np.ndarray:
    """The columns of X (784, m) deslanted and/or width-normalised as ``name`` says (see parse)."""
    upright, width = parse(name)
    if not upright and width is None:
        return X
    images = as_images(X).astype(np.float64)
    xc, yc, slant = moments(images)
    if not upright:
        slant = np.zeros_like(slant)
    stretch = np.ones_like(slant)
    if width is not None:
        deslanted = resample(X, xc, yc, slant, stretch) if upright else X
        current = ink_width(as_images(deslanted))
        stretch = np.where(current > 0, width / np.maximum(current, 1), 1.0)
        stretch = np.clip(stretch, 1 / MAX_STRETCH, MAX_STRETCH)
    return resample(X, xc, yc, slant, stretch)
