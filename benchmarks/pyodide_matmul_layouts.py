"""How the memory layout of a batch, the dtype and the product function change the training step's matmuls.

Runs in Pyodide (``node benchmarks/pyodide_matmul_layouts.mjs [repeats]``, NumPy without BLAS: its matmul is
a plain scalar loop) and in CPython (``.venv/bin/python benchmarks/pyodide_matmul_layouts.py [repeats]``, for
comparison). The batches are real MNIST digits ($SCRATCHNN_DATA_DIR, the first 10,000 training images), whose
blank pixels ``fast.product_skipping_zeros`` leaves out. Prints, per (hidden, batch):

1. each product of the step with the batch X (784, m) F-ordered (what ``X[:, columns]`` gives) and
   C-ordered, by ``@``, ``np.dot`` and ``np.einsum``, and fast.py's variants, in float32 and float64;
   W1 X on X's nonzero rows only, with the copies as indexing leaves them and in fast.dot_product_layout;
   the search for the zero rows (``any``, and fast.py's bitwise one);
2. one step's parts (fast.forward and fast.backward with each product);
3. ``training.training_steps`` (the package as it is) over 2,048 examples, with the data prepared three
   ways, and with each of fast.py's products set as ``fast.product``.

The cases take turns, ``repeats`` times, so that a busy moment of the machine hits them all; figures: the
median over the turns, in microseconds per call (1, 2) or examples per second (3), and the best turn.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

SIZES = ((32, 32), (128, 128))


def turns(cases: dict[str, Callable[[], object]], repeats: int, inner: int) -> dict[str, tuple[float, float]]:
    """Each case timed ``repeats`` times, taking turns: name -> (median, best) microseconds of one call."""
    for work in cases.values():
        work()
    runs: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, work in cases.items():
            started = time.perf_counter()
            for _ in range(inner):
                work()
            runs[name].append((time.perf_counter() - started) / inner * 1e6)
    return {name: (statistics.median(times), min(times)) for name, times in runs.items()}


def mnist_columns(n: int = 10_000) -> np.ndarray:
    """The first n MNIST training images as X (784, n) float32, F-ordered (mnist.to_columns)."""
    from scratchnn import mnist

    folder = Path(os.environ.get("SCRATCHNN_DATA_DIR", "/data/mnist"))
    images = mnist.read_idx_gz(folder / "train-images-idx3-ubyte.gz", mnist.IMAGES_MAGIC)[:n]
    return mnist.to_columns(images, "float32")


def products(images: np.ndarray, hidden: int, m: int, dtype: str, repeats: int) -> dict[str, tuple[float, float]]:
    """The step's matmuls for one size on a batch of real digits: name -> (median, best) microseconds."""
    from scratchnn import fast

    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((hidden, 784)).astype(dtype)
    W2 = rng.standard_normal((10, hidden)).astype(dtype)
    X_F = images[:, rng.permutation(images.shape[1])[:m]].astype(dtype, order="F")  # as X[:, columns] gives it
    X_C = np.ascontiguousarray(X_F)
    dZ1 = rng.standard_normal((hidden, m)).astype(dtype)
    A1 = np.maximum(dZ1, 0)
    dZ2 = rng.standard_normal((10, m)).astype(dtype)
    rows = np.flatnonzero(X_F.any(axis=1))  # the pixels not 0 in every image of the batch
    inner = max(1, int(1e7 // (784 * hidden * m)))  # about 5 ms a timing
    cases: dict[str, Callable[[], object]] = {
        "Z1 = W1 @ X       X F": lambda: W1 @ X_F,
        "Z1 = W1 @ X       X C": lambda: W1 @ X_C,
        "Z1 = dot(W1, X)   X F": lambda: np.dot(W1, X_F),
        "Z1 = dot(W1, X)   X C": lambda: np.dot(W1, X_C),
        "Z1 = einsum       X F": lambda: np.einsum("hk,km->hm", W1, X_F),
        "Z1 = einsum       X C": lambda: np.einsum("hk,km->hm", W1, X_C),
        "Z1 = einsum opt.  X F": lambda: np.einsum("hk,km->hm", W1, X_F, optimize=True),
        "Z1 nonzero rows, as indexed": lambda: np.einsum("hk,km->hm", W1[:, rows], X_F[rows]),
        "Z1 nonzero rows, dot layout": lambda: np.einsum("hk,km->hm", *fast.dot_product_layout(W1[:, rows], X_F[rows])),
        "Z1 skipping zeros X F": lambda: fast.product_skipping_zeros(W1, X_F),
        "Z1 without_blas   X F": lambda: fast.product_without_blas(W1, X_F),
        "dW1 = dZ1 @ X.T   X F": lambda: dZ1 @ X_F.T,
        "dW1 = dZ1 @ X.T   X C": lambda: dZ1 @ X_C.T,
        "dW1 = dot(dZ1, X.T) X F": lambda: np.dot(dZ1, X_F.T),
        "dW1 = einsum      X F": lambda: np.einsum("hm,km->hk", dZ1, X_F),
        "dW1 = einsum      X C": lambda: np.einsum("hm,km->hk", dZ1, X_C),
        "dW1 = (X @ dZ1.T).T X F": lambda: (X_F @ dZ1.T).T,
        "dW1 skipping zeros X F": lambda: fast.product_skipping_zeros(dZ1, X_F.T),
        "dW1 without_blas  X F": lambda: fast.product_without_blas(dZ1, X_F.T),
        "find X's zero rows by any()": lambda: np.flatnonzero(X_F.any(axis=1)),
        "find zero rows, columns by bits": lambda: fast.nonzero_rows_and_columns(X_F),
        "copy X F -> C": lambda: np.ascontiguousarray(X_F),
        "Z2 = W2 @ A1": lambda: W2 @ A1,
        "dW2 = dZ2 @ A1.T": lambda: dZ2 @ A1.T,
        "dZ1 = W2.T @ dZ2": lambda: W2.T @ dZ2,
    }
    return turns(cases, repeats, inner)


VARIANTS = ("product_by_matmul", "product_by_einsum", "product_without_blas")


def step_parts(images: np.ndarray, hidden: int, m: int, repeats: int) -> dict[str, tuple[float, float]]:
    """One gradient step of training.py cut into its parts, with each product: name -> microseconds."""
    from scratchnn import fast, network, training

    rng = np.random.default_rng(0)
    Y = rng.integers(0, 10, images.shape[1])
    columns = rng.permutation(images.shape[1])[:m]
    params = network.init_params(hidden, "he", "float32", seed=0)
    velocity = {name: np.zeros_like(P) for name, P in params.items()}
    X_batch, Y_batch = images[:, columns], Y[columns]
    workspace: dict = {}
    cache = fast.forward(params, X_batch, workspace)
    cases: dict[str, Callable[[], object]] = {
        "gather X[:, columns]": lambda: (images[:, columns], Y[columns]),
        "loss and accuracy": lambda: (network.cross_entropy(cache.A2, Y_batch), np.argmax(cache.A2, axis=0)),
        "gradient_step (all)": lambda: training.gradient_step(params, velocity, X_batch, Y_batch, 0.0, 0.9, workspace),
    }
    for variant in VARIANTS:
        times = getattr(fast, variant)
        cases[f"forward, {variant[8:]}"] = lambda times=times: fast.forward(params, X_batch, workspace, times)
        cases[f"backward, {variant[8:]}"] = lambda times=times: fast.backward(
            params, X_batch, Y_batch, cache, workspace, times
        )
    return turns(cases, repeats, max(1, int(1e7 // (784 * hidden * m))))


def epochs(images: np.ndarray, hidden: int, m: int, repeats: int, n: int = 2048) -> dict[str, tuple[float, float]]:
    """training.training_steps over n real digits (n / m steps), the data prepared three ways with matmul, and
    with each of fast.py's products as fast.product: name -> (median, best) examples/s; and the largest gap
    between the weights trained with matmul and with the others."""
    from scratchnn import fast, network, training

    Y = np.random.default_rng(0).integers(0, 10, n)
    X_F = np.asfortranarray(images[:, :n])
    cases = {
        "X F float32, matmul": (X_F, "product_by_matmul"),
        "X C float32, matmul": (np.ascontiguousarray(X_F), "product_by_matmul"),
        "X F float64, matmul": (X_F.astype(np.float64, order="F"), "product_by_matmul"),
        "X F float32, einsum": (X_F, "product_by_einsum"),
        "X F float32, without_blas": (X_F, "product_without_blas"),
    }
    trained: dict[str, dict] = {}

    def train(X: np.ndarray, variant: str, name: str) -> None:
        chosen, fast.product = fast.product, getattr(fast, variant)
        try:
            params = network.init_params(hidden, "he", X.dtype, seed=0)
            for _ in training.training_steps(params, X, Y, epochs=1, lr=0.05, batch_size=m, momentum=0.9):
                pass
        finally:
            fast.product = chosen
        trained[name] = params

    timings = turns({name: lambda c=case, name=name: train(*c, name) for name, case in cases.items()}, repeats, 1)
    results = {name: (n / (median / 1e6), n / (best / 1e6)) for name, (median, best) in timings.items()}
    plain = trained["X F float32, matmul"]
    for name in ("X F float32, einsum", "X F float32, without_blas"):
        gap = max(float(np.max(np.abs(plain[k] - trained[name][k]))) for k in plain)
        results[f"max |W(matmul) - W({name.split(', ')[1]})|"] = (gap, gap)
    return results


def show(results: dict[str, tuple[float, float]]) -> None:
    for name, (median, best) in results.items():
        if median >= 1:
            print(f"{name:33} {median:9.0f} {best:9.0f}")
        else:
            print(f"{name:33} {median:9.1e}")


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    where = "Pyodide" if sys.platform == "emscripten" else "CPython"
    from scratchnn import fast

    print(f"{where} {sys.version.split()[0]}, NumPy {np.__version__}, BLAS {fast.BLAS}: fast.product is")
    print(f"{fast.product.__name__}; {repeats} turns; median and best")
    images = mnist_columns()
    for hidden, m in SIZES:
        print(f"\n== {hidden} hidden, batch {m}: microseconds per product (float32 median, best; float64 median)")
        table = {dtype: products(images, hidden, m, dtype, repeats) for dtype in ("float32", "float64")}
        for name, (median, best) in table["float32"].items():
            print(f"{name:33} {median:9.0f} {best:9.0f} {table['float64'][name][0]:9.0f}")
        print(f"-- one step's parts, {hidden}:{m}, float32: microseconds")
        show(step_parts(images, hidden, m, repeats))
        print(f"-- training.training_steps, {hidden}:{m}: examples/s")
        show(epochs(images, hidden, m, repeats))


if __name__ == "__main__":
    main()
