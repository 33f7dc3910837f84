"""How the memory layout of a batch, the dtype and the product function change the training step's matmuls.

Runs in Pyodide (``node benchmarks/pyodide_matmul_layouts.mjs``, NumPy without BLAS: its matmul is a plain
triple loop, ``out[i, j] += a[i, k] * b[k, j]`` with k innermost) and in CPython (``.venv/bin/python
benchmarks/pyodide_matmul_layouts.py``, for comparison). Prints, per (hidden, batch):

1. each product of the step with the batch X (784, m) F-ordered (what ``X[:, columns]`` gives) and
   C-ordered, by ``@``, ``np.dot`` and ``np.einsum``, in float32 and float64;
2. ``training.training_steps`` (the unchanged package) over 2,048 examples, with the data prepared
   three ways, and once with fast.py's two large products (W1 X, dZ1 X^T) replaced by np.einsum here.

Figures: the median of ``--repeats`` timings, in microseconds per call (1) or examples per second (2).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

SIZES = ((32, 32), (128, 128))


def timed(work: Callable[[], object], repeats: int, inner: int) -> float:
    """Median microseconds of one call of ``work``."""
    work()
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(inner):
            work()
        runs.append((time.perf_counter() - started) / inner * 1e6)
    return statistics.median(runs)


def products(hidden: int, m: int, dtype: str, repeats: int) -> list[tuple[str, float]]:
    """The step's matmuls for one size: (name, microseconds)."""
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((hidden, 784)).astype(dtype)
    W2 = rng.standard_normal((10, hidden)).astype(dtype)
    X_F = np.asfortranarray(rng.random((784, m)).astype(dtype))  # as X[:, columns] gives it
    X_C = np.ascontiguousarray(X_F)
    dZ1 = rng.standard_normal((hidden, m)).astype(dtype)
    A1 = np.maximum(dZ1, 0)
    dZ2 = rng.standard_normal((10, m)).astype(dtype)
    inner = max(1, int(3e7 // (784 * hidden * m)))  # about 30 ms a timing
    cases: list[tuple[str, Callable[[], object]]] = [
        ("Z1 = W1 @ X       X F", lambda: W1 @ X_F),
        ("Z1 = W1 @ X       X C", lambda: W1 @ X_C),
        ("Z1 = dot(W1, X)   X F", lambda: np.dot(W1, X_F)),
        ("Z1 = dot(W1, X)   X C", lambda: np.dot(W1, X_C)),
        ("Z1 = einsum       X F", lambda: np.einsum("hk,km->hm", W1, X_F)),
        ("Z1 = einsum       X C", lambda: np.einsum("hk,km->hm", W1, X_C)),
        ("dW1 = dZ1 @ X.T   X F", lambda: dZ1 @ X_F.T),
        ("dW1 = dZ1 @ X.T   X C", lambda: dZ1 @ X_C.T),
        ("dW1 = dot(dZ1, X.T) X F", lambda: np.dot(dZ1, X_F.T)),
        ("dW1 = dot(dZ1, X.T) X C", lambda: np.dot(dZ1, X_C.T)),
        ("dW1 = einsum      X F", lambda: np.einsum("hm,km->hk", dZ1, X_F)),
        ("dW1 = einsum      X C", lambda: np.einsum("hm,km->hk", dZ1, X_C)),
        ("dW1 = (X @ dZ1.T).T X F", lambda: (X_F @ dZ1.T).T),
        ("dW1 = (X @ dZ1.T).T X C", lambda: (X_C @ dZ1.T).T),
        ("copy X F -> C", lambda: np.ascontiguousarray(X_F)),
        ("Z2 = W2 @ A1", lambda: W2 @ A1),
        ("dW2 = dZ2 @ A1.T", lambda: dZ2 @ A1.T),
        ("dZ1 = W2.T @ dZ2", lambda: W2.T @ dZ2),
    ]
    return [(name, timed(work, repeats, inner)) for name, work in cases]


def einsum_products() -> tuple[Callable, Callable]:
    """fast.forward and fast.backward with W1 X and dZ1 X^T as np.einsum (the rest as it is)."""
    from scratchnn import fast
    from scratchnn.network import Forward

    def forward(params: dict, X: np.ndarray, workspace: dict | None = None) -> Forward:
        shape, dtype = (params["W1"].shape[0], X.shape[1]), np.result_type(params["W1"], X)
        Z1 = np.einsum("hk,km->hm", params["W1"], X, out=fast.buffer(workspace, "Z1", shape, dtype))
        Z1 += params["b1"]
        A1 = np.maximum(Z1, 0, out=fast.buffer(workspace, "A1", shape, dtype))
        Z2 = params["W2"] @ A1
        Z2 += params["b2"]
        return Forward(Z1, A1, Z2, fast.softmax(Z2))

    def backward(params: dict, X: np.ndarray, Y: np.ndarray, cache: Forward, workspace: dict | None = None) -> dict:
        m = Y.size
        dZ2 = cache.A2.copy()
        dZ2[Y, np.arange(m)] -= 1
        dZ2 /= m
        dW2 = dZ2 @ cache.A1.T
        db2 = dZ2.sum(axis=1, keepdims=True)
        dZ1 = np.matmul(params["W2"].T, dZ2, out=fast.buffer(workspace, "dZ1", cache.Z1.shape, cache.Z1.dtype))
        dZ1 *= np.greater(cache.Z1, 0, out=fast.buffer(workspace, "ReLU'(Z1)", cache.Z1.shape, np.dtype(bool)))
        dW1 = np.einsum("hm,km->hk", dZ1, X)
        db1 = dZ1.sum(axis=1, keepdims=True)
        return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}

    return forward, backward


def epochs(hidden: int, m: int, repeats: int, n: int = 2048) -> list[tuple[str, float]]:
    """training.training_steps over n examples (n / m steps), the data prepared three ways, and with the
    two large products as einsum: examples/s."""
    from scratchnn import fast, network, training

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 784), dtype=np.uint8)  # the cost does not depend on the pixels
    Y = rng.integers(0, 10, n)
    X_F = np.asfortranarray(images.T, dtype=np.float32) / np.float32(255)  # mnist.to_columns: F-ordered
    cases = {
        "X F float32 (now)": (X_F, None),
        "X C float32": (np.ascontiguousarray(X_F), None),
        "X F float64": (X_F.astype(np.float64, order="F"), None),
        "X F float32, einsum": (X_F, einsum_products()),
    }
    results, trained = [], {}
    plain = fast.forward, fast.backward
    for name, (X, products) in cases.items():
        fast.forward, fast.backward = products or plain

        def run(X: np.ndarray = X, name: str = name) -> None:
            params = network.init_params(hidden, "he", X.dtype, seed=0)
            for _ in training.training_steps(params, X, Y, epochs=1, lr=0.05, batch_size=m, momentum=0.9):
                pass
            trained[name] = params

        try:
            seconds = timed(run, repeats, 1) / 1e6
        finally:
            fast.forward, fast.backward = plain
        results.append((name, n / seconds))
    now, einsum = trained["X F float32 (now)"], trained["X F float32, einsum"]
    gap = max(float(np.max(np.abs(now[k] - einsum[k]))) for k in now)
    results.append(("max |W(now) - W(einsum)|", gap))
    return results


def step_parts(hidden: int, m: int, repeats: int, n: int = 10_000) -> list[tuple[str, float]]:
    """One gradient step of training.py cut into its parts (fast.py as it is, and with einsum): microseconds."""
    from scratchnn import fast, network, training

    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.random((784, n), dtype=np.float32))
    Y = rng.integers(0, 10, n)
    columns = rng.permutation(n)[:m]
    params = network.init_params(hidden, "he", "float32", seed=0)
    velocity = {name: np.zeros_like(P) for name, P in params.items()}
    X_batch, Y_batch = X[:, columns], Y[columns]
    workspace: dict = {}
    forward, backward = einsum_products()
    cache = fast.forward(params, X_batch, workspace)
    inner = max(1, int(3e7 // (784 * hidden * m)))

    def update() -> None:
        for name, dW in fast.backward(params, X_batch, Y_batch, cache, workspace).items():
            dW *= 0.0
            V = velocity[name]
            V *= 0.9
            V -= dW
            params[name] += V

    cases: list[tuple[str, Callable[[], object]]] = [
        ("gather X[:, columns]", lambda: (X[:, columns], Y[columns])),
        ("fast.forward", lambda: fast.forward(params, X_batch, workspace)),
        ("fast.backward", lambda: fast.backward(params, X_batch, Y_batch, cache, workspace)),
        ("backward + the update", update),
        ("loss and accuracy", lambda: (network.cross_entropy(cache.A2, Y_batch), np.argmax(cache.A2, axis=0))),
        (
            "gradient_step (all)",
            lambda: training.gradient_step(params, velocity, X_batch, Y_batch, 0.0, 0.9, workspace),
        ),
        ("einsum forward", lambda: forward(params, X_batch, workspace)),
        ("einsum backward", lambda: backward(params, X_batch, Y_batch, cache, workspace)),
    ]
    return [(name, timed(work, repeats, inner)) for name, work in cases]


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    where = "Pyodide" if sys.platform == "emscripten" else "CPython"
    print(f"{where} {sys.version.split()[0]}, NumPy {np.__version__}; median of {repeats}")
    for hidden, m in SIZES:
        print(f"\n== {hidden} hidden, batch {m}: microseconds per product")
        table = {dtype: dict(products(hidden, m, dtype, repeats)) for dtype in ("float32", "float64")}
        print(f"{'':26} {'float32':>9} {'float64':>9}")
        for name in table["float32"]:
            print(f"{name:26} {table['float32'][name]:9.0f} {table['float64'][name]:9.0f}")
        print(f"-- one step's parts, {hidden}:{m}, float32: microseconds")
        for name, microseconds in step_parts(hidden, m, repeats):
            print(f"{name:26} {microseconds:9.0f}")
        print(f"-- training.training_steps, {hidden}:{m}: examples/s")
        for name, figure in epochs(hidden, m, repeats):
            print(f"{name:26} {figure:9.0f}" if figure >= 1 else f"{name:26} {figure:9.1e}")


if __name__ == "__main__":
    main()
