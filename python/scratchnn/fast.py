"""The same math as network.py, made fast: what training runs, step after step.

``network.py`` is the math one equation a line; read it first. This file computes exactly the
same forward pass and the same gradients (``tests/test_fast.py`` holds them equal to 1e-12 in
float64; with matmul, the forward pass is bit-identical) with three devices that the benchmark
shows pay for themselves at 800 hidden units (``benchmarks/plain-vs-fast-2cores.txt``), and two
that pay in the page (Pyodide, whose NumPy has no BLAS):

1. **Reused memory.** Training calls forward and backward thousands of times with the same
   shapes. A fresh (H, m) array of the full batch (800 x 59,000 floats: 189 MB) costs the
   operating system a page fault per 4 kB page, every step; ``Workspace`` keeps Z1, A1, dZ1 and
   the ReLU' mask from one step to the next and the products are written into them (``out=``).
2. **In place.** ``Z1 += b1`` adds the bias without a second (H, m) array and a second pass
   over memory (``W1 @ X + b1`` makes both); ``exp`` and the normalising division of softmax
   overwrite one array; ``dZ1 *= ReLU'(Z1)`` multiplies in place.
3. **1/m once.** Every gradient carries the factor 1/m and every one is linear in dZ2, so
   dZ2 is divided by m once, a pass over a (10, m) matrix instead of one over each result:
   here ``dZ2`` holds (A2 - Y_onehot) / m, and ``dW2 = dZ2 @ A1.T`` has no ``/ m``.
   (Rounding differs from network.py's at the last bit, hence 1e-12 and not equality.)
4. **einsum where NumPy has no BLAS.** With a BLAS (CPython's NumPy wheels carry OpenBLAS),
   ``np.matmul`` hands the products to sgemm/dgemm. Pyodide's NumPy (the page's) has none: its
   matmul is a plain scalar loop, while ``np.einsum``'s sum-of-products loop is unrolled. So every
   product of the step goes through ``product``: ``np.matmul`` when ``BLAS`` is True, else
   ``product_without_blas``, decided once at import. The two large ones, W1 X and dZ1 X^T (H x 784
   x m multiply-adds each; the others are 784/10 times smaller), decide the speed. In Pyodide
   (``node benchmarks/pyodide_matmul_layouts.mjs``, float32, real MNIST batches;
   ``benchmarks/pyodide-matmul-layouts-2cores.txt``) W1 X takes 0.25 ms by einsum against 0.49 ms
   by matmul at 32:32, and 3.96 against 7.43 ms at 128:128. X C-ordered (5.64 ms), float64 and
   ``einsum(optimize=True)`` (7.72 ms: it calls the plain loop) were slower.
5. **Skip the zeros, without a BLAS.** A pixel that is 0 in every image of the batch (MNIST's
   borders: about 260 of the 784 in a batch of 128) adds nothing to W1 X and has a zero column in
   dW1 = dZ1 X^T. ``product_skipping_zeros`` leaves out B's rows and columns of zeros. Finding
   them (``nonzero_rows_and_columns``, B's bits ORed along each axis: 0.11 ms at 128:128, where
   ``B.any(axis=1)`` takes 0.19 ms for the rows alone) and copying the rest costs time, which pays
   for large products only: ``product_without_blas`` skips from 2 M multiply-adds (128:128 has
   12.8 M: W1 X 3.96 -> 3.25 ms; 32:32 has 0.8 M, where skipping is slower, 0.25 -> 0.28 ms). The
   copies must be laid out for einsum (``dot_product_layout``): as indexing leaves them, W1 X on
   the nonzero rows takes 4.02 ms, no faster than on all 784; laid out, 3.05 ms.
   ``training_steps`` in Pyodide: 8,242 examples/s with matmul, 12,834 with einsum, 15,884 with
   both at 128:128 (1.9x); 27,152 and 37,039 at 32:32 (1.4x).

The sums are the same; with einsum their order, hence the last bits, differ from network.py's
(``tests/test_fast.py`` tests every variant against network.py, in CPython and in Pyodide).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .network import Forward, Params

Workspace = dict[str, np.ndarray]
Product = Callable[[np.ndarray, np.ndarray, "np.ndarray | None"], np.ndarray]


def blas_found() -> bool:
    """Whether this NumPy was built with a BLAS: NumPy's own build record says ``found: True``
    under "blas" (CPython's wheels: OpenBLAS); Pyodide's records only ``{'name': 'auto'}``."""
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return blas.get("found") is True


def product_by_matmul(A: np.ndarray, B: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """A B by ``np.matmul``: BLAS's gemm where NumPy has a BLAS."""
    return np.matmul(A, B, out=out)


def product_by_einsum(A: np.ndarray, B: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """A B by ``np.einsum``, (A B)[i, k] = sum_j A[i, j] B[j, k]: faster than matmul without a BLAS."""
    return np.einsum("ij,jk->ik", A, B, out=out)


def dot_product_layout(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A with its rows contiguous (C order) and B with its columns contiguous (F order), copied
    only where they are not: einsum then computes each (A B)[i, k] as one unrolled dot product of
    two contiguous vectors, its fastest loop without a BLAS. Indexing does not keep this layout:
    ``W1[:, rows]`` comes out F-ordered and ``X[rows]`` C-ordered (the indexed axis outermost)."""
    return np.ascontiguousarray(A), np.asfortranarray(B)


def nonzero_rows_and_columns(B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The indices of the rows and of the columns of B that hold a nonzero. The bits of B's numbers
    are ORed along each axis (``np.bitwise_or.reduce`` over B viewed as unsigned integers of the same
    size), which gives 0 exactly where every number was all zero bits, as +0.0 is. (-0.0 has its
    sign bit set, so a row of them counts as nonzero: kept, not wrong.) In Pyodide this takes a
    quarter to a half of ``B.any(axis)``'s time, which first converts every number to a bool."""
    bits = B.view(np.dtype(f"u{B.itemsize}"))
    return np.flatnonzero(np.bitwise_or.reduce(bits, axis=1)), np.flatnonzero(np.bitwise_or.reduce(bits, axis=0))


def product_skipping_zeros(A: np.ndarray, B: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """A B by ``np.einsum`` over only the rows j and the columns k of B that hold a nonzero: a row
    of zeros adds nothing to any (A B)[i, k] = sum_j A[i, j] B[j, k], a column of zeros makes a
    column of zeros. In a batch of MNIST digits about a third of the 784 pixels (the borders) are 0
    in every image: rows of X for W1 X, columns of X^T for dZ1 X^T."""
    rows, cols = nonzero_rows_and_columns(B)
    if rows.size < B.shape[0]:
        A, B = A[:, rows], B[rows]
    if cols.size == B.shape[1]:
        return product_by_einsum(*dot_product_layout(A, B), out)
    if out is None:
        out = np.empty((A.shape[0], B.shape[1]), np.result_type(A, B))
    out.fill(0)
    out[:, cols] = product_by_einsum(*dot_product_layout(A, B[:, cols]))
    return out


SKIP_ZEROS_FROM = 2_000_000  # multiply-adds in A B: 32:32 has 0.8 M, 128:128 12.8 M (see the docstring)


def product_without_blas(A: np.ndarray, B: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """A B by einsum, skipping B's zero rows and columns once the product is large enough for
    the search to pay: finding them is two passes over B and the copies of A and B's rest."""
    if A.shape[0] * A.shape[1] * B.shape[1] < SKIP_ZEROS_FROM:
        return product_by_einsum(A, B, out)
    return product_skipping_zeros(A, B, out)


BLAS = blas_found()
product: Product = product_by_matmul if BLAS else product_without_blas  # for every product of the step


def buffer(workspace: Workspace | None, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | None:
    """The array to write the result called ``name`` into: ``workspace[name]``, made (again) if
    its shape or dtype changed. Without a workspace, None: NumPy then allocates a fresh array."""
    if workspace is None:
        return None
    array = workspace.get(name)
    if array is None or array.shape != shape or array.dtype != dtype:
        array = workspace[name] = np.empty(shape, dtype)
    return array


def softmax(Z: np.ndarray) -> np.ndarray:
    """network.softmax with exp and the division in place: one (10, m) array instead of three."""
    E = Z - Z.max(axis=0, keepdims=True)  # a new array: Z itself is left as it was
    np.exp(E, out=E)
    E /= E.sum(axis=0, keepdims=True)
    return E


def forward(params: Params, X: np.ndarray, workspace: Workspace | None = None, times: Product | None = None) -> Forward:
    """network.forward, with Z1 and A1 written into the workspace's arrays (which the next call
    with the same workspace overwrites) and the biases added in place. ``times`` computes the
    products W1 X and W2 A1 (default: ``product``, chosen at import)."""
    times = times or product
    shape, dtype = (params["W1"].shape[0], X.shape[1]), np.result_type(params["W1"], X)
    Z1 = times(params["W1"], X, buffer(workspace, "Z1", shape, dtype))  # W1 X, (H, m)
    Z1 += params["b1"]
    A1 = np.maximum(Z1, 0, out=buffer(workspace, "A1", shape, dtype))  # ReLU(Z1)
    Z2 = times(params["W2"], A1, None)
    Z2 += params["b2"]
    return Forward(Z1, A1, Z2, softmax(Z2))


def backward(
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    cache: Forward,
    workspace: Workspace | None = None,
    times: Product | None = None,
) -> Params:
    """network.backward, with 1/m applied to dZ2 once and dZ1 and ReLU'(Z1) in the workspace.
    ``times`` computes the products (default: ``product``, chosen at import)."""
    times = times or product
    m = Y.size
    dZ2 = cache.A2.copy()  # (A2 - Y_onehot) / m, without building the (10, m) one-hot matrix
    dZ2[Y, np.arange(m)] -= 1
    dZ2 /= m
    dW2 = times(dZ2, cache.A1.T, None)
    db2 = dZ2.sum(axis=1, keepdims=True)
    shape, dtype = cache.Z1.shape, np.result_type(params["W2"], dZ2)
    dZ1 = times(params["W2"].T, dZ2, buffer(workspace, "dZ1", shape, dtype))  # W2^T dZ2, (H, m)
    dZ1 *= np.greater(cache.Z1, 0, out=buffer(workspace, "ReLU'(Z1)", shape, np.dtype(bool)))
    dW1 = times(dZ1, X.T, None)
    db1 = dZ1.sum(axis=1, keepdims=True)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
