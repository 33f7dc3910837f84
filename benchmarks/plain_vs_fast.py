"""network.py's plain math against fast.py's, one training epoch each, side by side in one run.

    .venv/bin/python benchmarks/plain_vs_fast.py                  # H 10, 128, 800; batch 128 and full
    .venv/bin/python benchmarks/plain_vs_fast.py --hidden 800 --out benchmarks/plain-vs-fast-2cores.txt

Both epochs run the same update (V := mu V - alpha dW; W := W + V) over the same 59,000 MNIST
training images; the only difference is where forward and backward come from. The two are
timed interleaved (plain, fast, fast, plain, ...) and each figure is the median, so a slow spell
of a shared machine falls on both: read the ratio, not the seconds. ``--threads 1`` gives
steadier figures on a busy machine (see scripts/bench.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))  # run from a checkout without installing
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy_vs_pytorch as bench  # noqa: E402
from scratchnn import fast, mnist, network  # noqa: E402
from scratchnn.network import Params  # noqa: E402

LR, MOMENTUM = 0.1, 0.9


def plain_step(params: Params, velocity: Params, X: np.ndarray, Y: np.ndarray) -> None:
    """One step with network.py's forward and backward: fresh arrays for every result."""
    grads = network.backward(params, X, Y, network.forward(params, X))
    for name, dW in grads.items():
        velocity[name] = MOMENTUM * velocity[name] - LR * dW
        params[name] = params[name] + velocity[name]


def fast_step(params: Params, velocity: Params, X: np.ndarray, Y: np.ndarray, workspace: fast.Workspace) -> None:
    """The same step as training.gradient_step takes it: fast.py, in place, with a workspace."""
    grads = fast.backward(params, X, Y, fast.forward(params, X, workspace), workspace)
    for name, dW in grads.items():
        dW *= LR
        velocity[name] *= MOMENTUM
        velocity[name] -= dW
        params[name] += velocity[name]


def epoch_of(kind: str, hidden: int, X: np.ndarray, Y: np.ndarray, batch_size: int | None) -> Callable[[], None]:
    """A function that trains one epoch of a fresh network with the plain or the fast math."""
    params = network.init_params(hidden, dtype=X.dtype)
    velocity = {name: np.zeros_like(P) for name, P in params.items()}
    workspace: fast.Workspace = {}
    m = Y.size
    size = m if batch_size is None else batch_size
    order = np.random.default_rng(0).permutation(m)

    def epoch() -> None:
        for start in range(0, m, size):
            columns = order[start : start + size]
            X_batch, Y_batch = (X, Y) if size == m else (X[:, columns], Y[columns])
            if kind == "plain":
                plain_step(params, velocity, X_batch, Y_batch)
            else:
                fast_step(params, velocity, X_batch, Y_batch, workspace)

    return epoch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[10, 128, 800], help="hidden sizes H")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs of each kind per row")
    parser.add_argument("--threads", type=int, help="BLAS threads (threadpoolctl); default: as configured")
    parser.add_argument("--out", type=Path, help="also write the table to this text file")
    args = parser.parse_args(argv)
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    data = mnist.load(dtype=args.dtype)
    X, Y = data.X_train, data.Y_train
    lines = [
        f"plain network.py vs fast.py: one epoch over {Y.size:,} images, {args.dtype}, "
        f"median of {args.repeats}, BLAS threads {bench.numpy_blas_threads()}",
        f"{'hidden':>6} {'batch':>6} {'plain s':>9} {'fast s':>9} {'fast / plain':>13}",
    ]
    print("\n".join(lines), flush=True)
    for hidden in args.hidden:
        for batch_size in (128, None):
            fns = {kind: epoch_of(kind, hidden, X, Y, batch_size) for kind in ("plain", "fast")}
            times = bench.interleaved(fns, args.repeats)
            plain, quick = statistics.median(times["plain"]), statistics.median(times["fast"])
            line = f"{hidden:>6} {bench.batch_label(batch_size):>6} {plain:>9.3f} {quick:>9.3f} {quick / plain:>12.2f}x"
            print(line, flush=True)
            lines.append(line)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
