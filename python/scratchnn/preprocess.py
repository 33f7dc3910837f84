"""A drawing -> the network's 28x28 input, made the way MNIST's digits were made.

MNIST's images were normalised in three steps (LeCun et al., "The MNIST database"): the ink's
bounding box is scaled so its longest side is 20 pixels (keeping the aspect ratio, with
anti-aliasing, hence grey edges), then pasted into a 28x28 field so that the ink's centre of
mass sits at the centre. A digit drawn on a canvas must go through the same steps, or the
network sees something it never saw in training: a digit too small, too big or off-centre.

The steps, for a drawing ``D`` (h x w, ink intensity in [0, 1], white ink = 1 on black = 0):

1. **Bounding box.** Rows ``r0..r1`` and columns ``c0..c1`` that hold ink (a pixel counts as
   ink above ``INK_THRESHOLD``, so faint anti-aliasing specks do not stretch the box). Crop.
2. **Scale.** With ``s = 20 / max(height, width)`` the crop becomes ``round(s h) x round(s w)``.
   Each output pixel is the *average* of the input area it covers (area resampling), which is
   the anti-aliasing: ``out = R_rows @ crop @ R_cols^T`` where ``R[i, j]`` is the share of
   output pixel ``i``'s span covered by input pixel ``j`` (each row of ``R`` sums to 1).
3. **Centre of mass.** ``cy = sum_ij i x_ij / sum_ij x_ij`` (and ``cx`` likewise). The 20-pixel
   image is pasted into 28x28 shifted by whole pixels so that ``(cy, cx)`` lands on
   ``(14, 14)``, where MNIST's own digits have theirs (mean 13.99 and 14.00 on the test set).
   Ink that the shift would push outside the field is cut off.

An empty drawing has no bounding box and no centre of mass (0 / 0): ``prepare`` says so with
``empty=True`` and an all-zero image instead of producing NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIZE = 28  # the network's input is SIZE x SIZE
BOX = 20  # MNIST scales the ink's longest side to this many pixels
CENTRE = 14.0  # where MNIST's digits have their centre of mass (row and column index)
INK_THRESHOLD = 0.1  # intensity above which a pixel counts as ink for the bounding box


@dataclass(frozen=True)
class Prepared:
    """The result of ``prepare``: ``image`` (28, 28) float32 in [0, 1]; ``empty`` when nothing
    was drawn (then ``image`` is all zeros and there is nothing to classify)."""

    image: np.ndarray
    empty: bool

    @property
    def X(self) -> np.ndarray:
        """The image as the network's input: one column of 784 pixels, shape (784, 1)."""
        return self.image.reshape(SIZE * SIZE, 1)


def ink_from_rgba(rgba: np.ndarray | bytes | bytearray | memoryview, height: int, width: int) -> np.ndarray:
    """Canvas pixels (RGBA bytes, row-major, as ``getImageData`` gives them) -> ink in [0, 1].

    The page draws white ink on an opaque black canvas, so the red channel is the intensity;
    multiplying by alpha also makes a transparent (undrawn) pixel count as black.
    """
    pixels = np.frombuffer(rgba, dtype=np.uint8) if not isinstance(rgba, np.ndarray) else rgba
    pixels = pixels.reshape(height, width, 4).astype(np.float32)
    return (pixels[:, :, 0] / 255.0) * (pixels[:, :, 3] / 255.0)


def bounding_box(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> tuple[int, int, int, int] | None:
    """(r0, r1, c0, c1), inclusive, of the pixels above ``threshold``; None if there are none."""
    rows = np.flatnonzero((ink > threshold).any(axis=1))
    cols = np.flatnonzero((ink > threshold).any(axis=0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


def area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """The (n_out, n_in) resampling matrix of area averaging.

    Output pixel ``i`` covers the input span ``[i k, (i + 1) k)`` with ``k = n_in / n_out``;
    ``R[i, j]`` is the length of that span's overlap with input pixel ``[j, j + 1)``, divided
    by ``k``. Shrinking averages whole blocks (anti-aliasing); enlarging repeats pixels.
    """
    k = n_in / n_out
    starts = np.arange(n_out)[:, None] * k  # (n_out, 1)
    j = np.arange(n_in)[None, :]  # (1, n_in)
    overlap = np.clip(np.minimum(starts + k, j + 1) - np.maximum(starts, j), 0, None)
    return (overlap / k).astype(np.float32)


def scale_to_box(crop: np.ndarray, box: int = BOX) -> np.ndarray:
    """Resize ``crop`` so its longest side is ``box`` pixels, keeping the aspect ratio."""
    h, w = crop.shape
    s = box / max(h, w)
    out_h, out_w = max(1, round(h * s)), max(1, round(w * s))
    return area_matrix(h, out_h) @ crop @ area_matrix(w, out_w).T


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(cy, cx) = (sum_ij i x_ij, sum_ij j x_ij) / sum_ij x_ij, in pixel indices."""
    total = image.sum()
    rows, cols = np.arange(image.shape[0]), np.arange(image.shape[1])
    return float(image.sum(axis=1) @ rows / total), float(image.sum(axis=0) @ cols / total)


def paste_centred(image: np.ndarray, size: int = SIZE, centre: float = CENTRE) -> np.ndarray:
    """Paste ``image`` into a ``size`` x ``size`` field, shifted by whole pixels so that its
    centre of mass lands on (centre, centre); whatever falls outside is cut off."""
    cy, cx = centre_of_mass(image)
    top, left = round(centre - cy), round(centre - cx)
    field = np.zeros((size, size), dtype=np.float32)
    h, w = image.shape
    # The overlap of the shifted image [top, top + h) x [left, left + w) with the field.
    r0, r1 = max(top, 0), min(top + h, size)
    c0, c1 = max(left, 0), min(left + w, size)
    if r0 < r1 and c0 < c1:
        field[r0:r1, c0:c1] = image[r0 - top : r1 - top, c0 - left : c1 - left]
    return field


def prepare(ink: np.ndarray) -> Prepared:
    """A drawing (h, w), ink intensity in [0, 1] -> the 28x28 MNIST-style input (module docstring)."""
    ink = np.clip(np.asarray(ink, dtype=np.float32), 0.0, 1.0)
    box = bounding_box(ink)
    if box is None:
        return Prepared(np.zeros((SIZE, SIZE), dtype=np.float32), empty=True)
    r0, r1, c0, c1 = box
    scaled = scale_to_box(ink[r0 : r1 + 1, c0 : c1 + 1])
    image = np.clip(paste_centred(scaled), 0.0, 1.0)
    return Prepared(image.astype(np.float32), empty=False)
