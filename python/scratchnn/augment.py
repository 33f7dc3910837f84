"""Data augmentation for 28x28 digits, in pure NumPy: random affine warps, elastic distortions
and stroke thickness (morphology), vectorised over a batch. No SciPy or OpenCV, so the browser
runs it unchanged inside Pyodide.

Images arrive as the network sees them: ``X`` is (784, b), one image per column, each column
the 28x28 pixels row by row (pixel (row y, column x) is entry ``28 y + x``), values in [0, 1].

**Resampling.** Every warp is an inverse map: output pixel p = (x, y) takes the value the input
has at a source point s(p), read with bilinear interpolation (outside the image counts as 0)::

    s(p) = A (p - c - t) + c + D(p)            c = (13.5, 13.5), the image centre

    I'(p) = (1-fx)(1-fy) I[y0, x0] + fx (1-fy) I[y0, x0+1] + (1-fx) fy I[y0+1, x0] + fx fy I[y0+1, x0+1]
            with x0 = floor(s_x), fx = s_x - x0 (likewise y)

``A = M^-1`` undoes the forward affine map ``M = R(theta) H(h) S(k)`` (rotation by theta, positive
clockwise on screen since y points down; horizontal shear h; isotropic scale k), ``t`` is the
translation in pixels, and ``D`` an elastic displacement field (or 0). Bilinear weights are
non-negative and sum to 1, so the output stays in [0, 1]. A, t and D compose into one
resampling, so a combined warp blurs no more than a single one.

**Elastic distortions** (Simard, Steinkraus & Platt 2003): draw U_x, U_y uniform in [-1, 1] at
every pixel, smooth each with a Gaussian of standard deviation sigma, and scale by alpha::

    D = alpha * (G U G^T),   G[i, j] = exp(-(i - j)^2 / (2 sigma^2)) / sum_d exp(-d^2 / (2 sigma^2))

G is the 28x28 matrix of a separable Gaussian filter (truncated at 4 sigma, zero outside the
image, like a "constant" boundary). Rather than smoothing 784 noise values per field, the field
is drawn in G's eigenbasis (``elastic_basis``): D = B^T Z B with Z an r x r Gaussian matrix of
the same variance (1/3), which has the same mean and covariance as alpha G U G^T and costs r^2
(r = 10 for sigma = 4) random numbers instead of 784.

**Speed.** Everything is batched: one (2b x 3) @ (3 x 784) product gives every source point,
then four gathers and a blend, in chunks of 128 images with buffers reused between calls.

**Stroke thickness**: greyscale dilation (the max over a footprint: a 3x3 cross, the pixel and
its 4 neighbours, or a 2x2 square) thickens strokes; erosion (the min) thins them.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

SIDE = 28
PIXELS = SIDE * SIDE
CENTRE = (SIDE - 1) / 2  # 13.5: the centre of the pixel grid, in pixel coordinates
PAD = 2  # zeros around each image, so every bilinear read stays inside the padded array
PADDED = SIDE + 2 * PAD  # 32

# Homogeneous coordinates of the output grid, centred: rows (x - c, y - c, 1), one column per pixel.
_ys, _xs = np.divmod(np.arange(PIXELS), SIDE)
GRID = np.stack([_xs - CENTRE, _ys - CENTRE, np.ones(PIXELS)]).astype(np.float32)  # (3, 784)


def as_images(X: np.ndarray) -> np.ndarray:
    """(784, b) columns -> (b, 28, 28) images (a view when X is Fortran-ordered)."""
    if X.ndim != 2 or X.shape[0] != PIXELS:
        raise ValueError(f"expected images as columns of shape (784, b), got {X.shape}")
    return X.T.reshape(-1, SIDE, SIDE)


def as_columns(images: np.ndarray) -> np.ndarray:
    """(b, 28, 28) images -> (784, b) columns."""
    return images.reshape(-1, PIXELS).T


def inverse_affine(rotation: ArrayLike, scale: ArrayLike, shear: ArrayLike) -> np.ndarray:
    """A = M^-1 for M = R(theta) H(h) S(k), per image; angles in degrees. Returns (b, 2, 2)
    (or (2, 2) for scalars; the three arguments broadcast).

    In closed form  A = S(1/k) H(-h) R(-theta)::

        R(-theta) = [[cos, sin], [-sin, cos]]     H(-h) = [[1, -h], [0, 1]]     S(1/k) = I / k
    """
    theta, k, h = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (rotation, scale, shear)))
    theta = np.deg2rad(theta)
    cos, sin = np.cos(theta), np.sin(theta)
    A = np.empty((*theta.shape, 2, 2))
    A[..., 0, 0] = (cos + h * sin) / k
    A[..., 0, 1] = (sin - h * cos) / k
    A[..., 1, 0] = -sin / k
    A[..., 1, 1] = cos / k
    return A


def warp(
    X: np.ndarray,
    A: np.ndarray | None = None,
    shift: np.ndarray | None = None,
    displacement: np.ndarray | None = None,
) -> np.ndarray:
    """Resample each image at s(p) = A (p - c - t) + c + D(p) with bilinear interpolation.

    X: (784, b). A: (b, 2, 2) or (2, 2), default the identity. shift t: (b, 2) or (2,) pixels
    (x right, y down), default 0. displacement D: (2, b, 784), the x and y source offsets of each
    output pixel, default 0. Returns a new (784, b) array of X's dtype, values in [0, 1] when
    X's are. Works through the batch in chunks of CHUNK images, in reused buffers.
    """
    images = as_images(X)
    b = images.shape[0]
    A = np.broadcast_to(np.eye(2) if A is None else np.asarray(A, dtype=np.float64), (b, 2, 2))
    t = np.broadcast_to(np.zeros(2) if shift is None else np.asarray(shift, dtype=np.float64), (b, 2))
    if displacement is not None and displacement.shape != (2, b, PIXELS):
        raise ValueError(f"displacement must have shape {(2, b, PIXELS)}, got {displacement.shape}")
    # s = A q + (c + PAD - A t) for the centred output coordinate q = p - c: rows (x, y) of
    # [A | c + PAD - A t], shape (2, b, 3), times the grid (3, 784).
    affine = np.empty((2, b, 3), dtype=np.float32)
    affine[:, :, :2] = A.transpose(1, 0, 2)
    affine[:, :, 2] = (CENTRE + PAD - np.einsum("bij,bj->bi", A, t)).T
    out = np.empty((b, PIXELS), dtype=np.float32)
    for start in range(0, b, CHUNK):
        stop = min(start + CHUNK, b)
        D = None if displacement is None else displacement[:, start:stop]
        _warp_chunk(images[start:stop], affine[:, start:stop], D, out[start:stop])
    return out.T.astype(X.dtype, copy=False)


CHUNK = 128  # images per pass: the buffers (about 3 MB) stay in cache
_workspaces = threading.local()


def _workspace(n: int) -> dict[str, np.ndarray]:
    """Buffers for n images, kept per thread and reused: fresh large arrays would cost a page
    fault per 4 kB on every call. The padded images' 2-pixel border is zeroed once, never written."""
    cached = getattr(_workspaces, "buffers", None)
    if cached is None or cached["n"] != n:
        cached = {
            "n": n,
            "padded": np.zeros((n, PADDED, PADDED), dtype=np.float32),
            "source": np.empty((2, n, PIXELS), dtype=np.float32),
            "floor": np.empty((2, n, PIXELS), dtype=np.float32),
            "index": np.empty((n, PIXELS), dtype=np.intp),
            "p": np.empty((4, n, PIXELS), dtype=np.float32),
            "base": np.arange(n, dtype=np.float32)[:, None] * (PADDED * PADDED),
        }
        _workspaces.buffers = cached
    return cached


def _warp_chunk(images: np.ndarray, affine: np.ndarray, displacement: np.ndarray | None, out: np.ndarray) -> None:
    """warp() for one chunk of n images, writing the (n, 784) result into out."""
    n = images.shape[0]
    w = _workspace(n)
    padded, source, floor, index, p = w["padded"], w["source"], w["floor"], w["index"], w["p"]
    padded[:, PAD:-PAD, PAD:-PAD] = images
    np.matmul(affine.reshape(2 * n, 3), GRID, out=source.reshape(2 * n, PIXELS))
    if displacement is not None:
        source += displacement
    # Clipping into the zero border changes nothing (every neighbour there is 0) and keeps the
    # reads inside the padded array.
    np.clip(source, 0, PADDED - 2, out=source)
    np.floor(source, out=floor)
    source -= floor  # the fractions fx, fy in [0, 1)
    fx, fy = source
    # The flat index of (y0, x0) in the padded batch; small whole numbers, exact in float32.
    x0, y0 = floor
    np.multiply(y0, PADDED, out=y0)
    y0 += x0
    y0 += w["base"]
    np.copyto(index, y0, casting="unsafe")
    flat = padded.reshape(-1)
    p00, p01, p10, p11 = p
    for k, offset in enumerate((0, 1, PADDED, PADDED + 1)):  # (y0, x0), (y0, x0+1), (y0+1, x0), (y0+1, x0+1)
        np.take(flat[offset:], index, out=p[k], mode="clip")
    p01 -= p00
    p01 *= fx
    p00 += p01  # the top row: (1 - fx) p00 + fx p01
    p11 -= p10
    p11 *= fx
    p10 += p11  # the bottom row
    p10 -= p00
    p10 *= fy
    p00 += p10  # (1 - fy) top + fy bottom
    np.clip(p00, 0, 1, out=out)  # exact in math; this only removes rounding's last ulp


def gaussian_matrix(sigma: float, size: int = SIDE) -> np.ndarray:
    """G[i, j] = exp(-(i-j)^2 / (2 sigma^2)) / sum_{|d|<=r} exp(-d^2 / (2 sigma^2)) for |i-j| <= r = ceil(4 sigma).

    G @ u smooths a vector u with a normalised Gaussian kernel, treating outside as 0.
    """
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    radius = int(np.ceil(4 * sigma))
    d = np.arange(-radius, radius + 1)
    norm = np.exp(-(d**2) / (2 * sigma**2)).sum()
    i = np.arange(size)
    offsets = i[:, None] - i[None, :]
    G = np.where(np.abs(offsets) <= radius, np.exp(-(offsets**2) / (2 * sigma**2)), 0.0) / norm
    return G.astype(np.float32)


def elastic_basis(sigma: float, rtol: float = 1e-3) -> np.ndarray:
    """B = Lambda_r P_r^T (r x 28) from the eigendecomposition G = P Lambda P^T of the smoothing
    matrix, keeping the r eigenvalues with |lambda| >= rtol * max |lambda|.

    Why: for U with i.i.d. N(0, v) entries, Z = P^T U P is again i.i.d. N(0, v) (P is
    orthogonal), so G U G^T = P Lambda Z Lambda P^T, which is B^T Z B up to the dropped modes.
    A smooth field needs few modes (sigma = 4: r = 9 of 28), so drawing Z costs r^2 numbers, not 784.
    """
    eigenvalues, P = np.linalg.eigh(gaussian_matrix(sigma).astype(np.float64))
    keep = np.abs(eigenvalues) >= rtol * np.abs(eigenvalues).max()
    return (eigenvalues[keep, None] * P[:, keep].T).astype(np.float32)


def elastic_field(
    b: int, rng: np.random.Generator, alpha: float, sigma: float, out: np.ndarray | None = None
) -> np.ndarray:
    """Random displacement fields D = alpha G U G^T for b images, shape (2, b, 784) (x then y).

    U has i.i.d. entries of variance 1/3, the variance of Simard's uniform [-1, 1] noise; it is
    drawn Gaussian so that the field can be sampled in the smoothing's eigenbasis (see
    ``elastic_basis``): D = B^T Z B with Z an r x r Gaussian matrix, the same distribution as
    smoothing a full Gaussian 28x28 noise image, at about a tenth of the cost. The smoothed field is
    Gaussian either way in practice: every entry is a weighted sum of hundreds of noise values.
    ``out``, if given, receives the result (a (2, b, 784) float32 array).
    """
    B = _basis(float(sigma))
    r = B.shape[0]
    Z = rng.standard_normal((2 * b * r, r), dtype=np.float32)
    Z *= alpha / np.sqrt(3.0)
    T = (Z @ B).reshape(2 * b, r, SIDE).transpose(0, 2, 1).reshape(2 * b * SIDE, r)  # (Z B)^T per field
    if out is None:
        out = np.empty((2, b, PIXELS), dtype=np.float32)
    np.matmul(T, B, out=out.reshape(2 * b * SIDE, SIDE))  # B^T Z^T B: as random as B^T Z B
    return out


@functools.lru_cache(maxsize=8)
def _basis(sigma: float) -> np.ndarray:
    return elastic_basis(sigma)


FOOTPRINTS: dict[str, tuple[tuple[int, int], ...]] = {
    "cross": ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)),  # a pixel and its 4 neighbours: +-1 px per side
    "2x2": ((0, 0), (0, 1), (1, 0), (1, 1)),  # a pixel, right, below, diagonal: +-1 px of width in all
}


def dilate(X: np.ndarray, steps: int = 1, footprint: str = "cross") -> np.ndarray:
    """Greyscale dilation, ``steps`` times: I'(y, x) = max over (dy, dx) in the footprint of
    I(y + dy, x + dx), outside the image 0. Thickens strokes: the ``cross`` (3x3) by a pixel on
    each side, so 2 px of width per step; the ``2x2`` square by 1 px of width per step."""
    return _morphology(X, steps, np.maximum, footprint)


def erode(X: np.ndarray, steps: int = 1, footprint: str = "cross") -> np.ndarray:
    """Greyscale erosion: I'(y, x) = min over the footprint of I(y + dy, x + dx), outside 0.
    Thins strokes by 2 px of width per step with the ``cross``, 1 px with the ``2x2`` square."""
    return _morphology(X, steps, np.minimum, footprint)


def _morphology(X: np.ndarray, steps: int, op: np.ufunc, footprint: str) -> np.ndarray:
    if footprint not in FOOTPRINTS:
        raise ValueError(f"unknown footprint {footprint!r}; choose one of {sorted(FOOTPRINTS)}")
    images = as_images(X)
    for _ in range(steps):
        padded = np.zeros((images.shape[0], SIDE + 2, SIDE + 2), dtype=images.dtype)
        padded[:, 1:-1, 1:-1] = images
        result = images.copy()
        for dy, dx in FOOTPRINTS[footprint][1:]:
            op(result, padded[:, 1 + dy : 1 + dy + SIDE, 1 + dx : 1 + dx + SIDE], out=result)
        images = result
    return as_columns(images) if steps else X.copy()


# The largest setting that still leaves a digit to read (the presets use a fraction of each).
LIMITS = {
    "rotate": (180.0, "degrees: a half turn"),
    "shear": (2.0, "a slant of two pixels across per pixel down"),
    "shift": (14.0, "pixels: half the 28-pixel image"),
    "alpha": (100.0, "pixels of elastic displacement per unit of smoothed noise; Simard et al. used 34"),
    "sigma": (28.0, "pixels: the whole image"),
}


@dataclass(frozen=True)
class Augment:
    """A random augmentation, callable as ``augment(X_batch, rng)`` (training.train's hook).

    Each image independently gets a rotation uniform in [-rotate, rotate] degrees, a scale
    uniform in [1 - scale, 1 + scale], a shear uniform in [-shear, shear], a shift uniform in
    [-shift, shift] pixels along each axis, and, if alpha > 0, an elastic distortion of
    strength alpha and smoothness sigma; all in one bilinear resampling. Then, with probability
    ``stroke`` each, its strokes are thickened (dilation) or else thinned (erosion) by one step
    of a random footprint, fully or partly (a random weight), so the thickness varies smoothly.
    Labels are never touched: every transform keeps a digit the digit it was.
    """

    rotate: float = 0.0  # degrees
    scale: float = 0.0  # relative: 0.1 means 0.9 to 1.1
    shear: float = 0.0  # horizontal shear factor
    shift: float = 0.0  # pixels, each axis
    alpha: float = 0.0  # elastic strength (pixels of displacement per unit of smoothed noise)
    sigma: float = 4.0  # elastic smoothness (pixels)
    stroke: float = 0.0  # probability of dilation, and separately of erosion

    def __post_init__(self) -> None:
        for name in ("rotate", "scale", "shear", "shift", "alpha", "stroke"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"augment {name} must be a finite number >= 0, got {value!r}")
        for name, (most, why) in LIMITS.items():  # beyond these the digit is gone: nothing to learn
            if getattr(self, name) > most:
                raise ValueError(f"augment {name} must be at most {most:g} ({why}), got {getattr(self, name)!r}")
        if not 0 <= self.scale < 1:
            raise ValueError(f"augment scale must be in [0, 1), got {self.scale!r}")
        if self.stroke > 0.5:
            raise ValueError(f"augment stroke is a probability for each of two ops: at most 0.5, got {self.stroke!r}")
        if not np.isfinite(self.sigma) or self.sigma <= 0:
            raise ValueError(f"augment sigma must be positive, got {self.sigma!r}")

    @classmethod
    def from_dict(cls, settings: dict[str, Any] | None) -> Augment | None:
        """An Augment from a preset's ``augment`` dict (None or {} means no augmentation)."""
        if not settings:
            return None
        unknown = set(settings) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown augment settings {sorted(unknown)}; known: {sorted(cls.__dataclass_fields__)}")
        return cls(**settings)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        b = X.shape[1]
        A = inverse_affine(
            rng.uniform(-self.rotate, self.rotate, b),
            rng.uniform(1 - self.scale, 1 + self.scale, b),
            rng.uniform(-self.shear, self.shear, b),
        )
        shift = rng.uniform(-self.shift, self.shift, (b, 2))
        field = None
        if self.alpha:
            buffer = getattr(_workspaces, "field", None)
            if buffer is None or buffer.shape[1] != b:
                buffer = _workspaces.field = np.empty((2, b, PIXELS), dtype=np.float32)
            field = elastic_field(b, rng, self.alpha, self.sigma, out=buffer)
        out = warp(X, A, shift, field)
        if self.stroke:
            out = self._vary_strokes(out, rng)
        return out

    def _vary_strokes(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """With probability ``stroke`` each, thicken (dilate) or thin (erode) an image, by the
        cross or the 2x2 footprint (even odds), blended in with a weight w = min(1, 2 u), u uniform
        in [0, 1]: X' = X + w (op(X) - X). So half the time the full step, else a part of it.
        In place on X (warp's fresh output)."""
        b = X.shape[1]
        u, kind = rng.random(b), rng.random(b) < 0.5
        weight = np.minimum(1, 2 * rng.random(b)).astype(X.dtype)
        thick, thin = u < self.stroke, u > 1 - self.stroke
        for chosen, op in ((thick, dilate), (thin, erode)):
            for footprint, mask in (("cross", kind), ("2x2", ~kind)):
                columns = np.flatnonzero(chosen & mask)
                if columns.size:
                    part = X[:, columns]
                    X[:, columns] = part + weight[columns] * (op(part, footprint=footprint) - part)
        return X
