"""Benchmarks: the NumPy trainer against PyTorch on the CPU, measured side by side in one run.

What is timed (``scripts/bench.py`` is the command-line shell around this module, which lives
outside the package: the learner's ``scratchnn`` holds no benchmark code):

- **training**: seconds per epoch over the training images, for each hidden size H, batch size
  (128, or the full batch: one step per epoch, the original's method) and dtype. The NumPy
  epoch is the project's own trainer, ``training.training_steps`` (the code a user runs); the
  PyTorch epoch is the idiomatic loop: ``nn.Linear``, ReLU, ``nn.Linear``, ``F.cross_entropy``,
  ``torch.optim.SGD`` with the same learning rate and momentum, one ``randperm`` per epoch,
  ``loss.item()`` per batch (for the log, as the NumPy trainer reports its loss).
- **inference**: the 10,000 test images in one batch, and the latency of one image.
- **peak**: the machine's matrix-multiply speed, an (n x n) @ (n x n) product in each dtype.

Floating-point work of one training epoch over m examples (a multiply-add counts as 2 FLOP):

    forward   Z1 = W1 X       2 * H * 784 * m       Z2 = W2 A1      2 * 10 * H * m
    backward  dW1 = dZ1 X^T   2 * H * 784 * m       dW2 = dZ2 A1^T  2 * 10 * H * m
              dZ1 = W2^T dZ2  2 * 10 * H * m        (no dX: the input needs no gradient)
    total     m * H * (4 * 784 + 6 * 10)

The element-wise work (bias, ReLU, softmax, update) is O(m * H) and not counted: the GFLOP/s of
a row is these matrix-product FLOPs over the epoch's wall time, so a row at 100% of the peak
would spend all of its time in matrix products running as fast as the machine can.

Noise: the two cores of these machines are shared, so NumPy and PyTorch are measured
interleaved (N, T, T, N, N, T, ...) after a warm-up, and each figure is the median of the
repeats; ratios taken within one run hold even when the absolute times drift.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

from scratchnn import network, training
from scratchnn.config import PRESETS
from scratchnn.network import N_CLASSES, N_INPUTS

HIDDEN_SIZES = (10, 128, 800)
BATCH_SIZES: tuple[int | None, ...] = (128, None)  # None: the full batch
DTYPES = ("float32", "float64")
LR, MOMENTUM = 0.1, 0.9  # the default preset's
OPENBLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def train_flops(hidden: int, m: int) -> float:
    """Matrix-product FLOPs of one training epoch over m examples: m H (4 * 784 + 6 * 10)."""
    return float(m) * hidden * (4 * N_INPUTS + 6 * N_CLASSES)


def inference_flops(hidden: int, m: int) -> float:
    """Matrix-product FLOPs of one forward pass over m examples: 2 m H (784 + 10)."""
    return 2.0 * m * hidden * (N_INPUTS + N_CLASSES)


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of fn() over ``repeats`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def interleaved(fns: dict[str, Callable[[], object]], repeats: int, warmup: int = 1) -> dict[str, list[float]]:
    """Time each function ``repeats`` times, alternating their order every round (A B, B A, ...)
    so that a slow spell of the machine falls on both; returns every time, per name."""
    names = list(fns)
    for _ in range(warmup):
        for name in names:
            fns[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeats):
        for name in names if round_ % 2 == 0 else reversed(names):
            started = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - started)
    return times


def matmul(dtype: str, n: int = 2048, convert: Callable | None = None) -> Callable[[], object]:
    """A function computing an (n x n) @ (n x n) product (2 n^3 FLOP) of random matrices;
    ``convert`` (e.g. ``torch.from_numpy``) makes it another library's product."""
    rng = np.random.default_rng(0)
    A = rng.random((n, n)).astype(dtype)
    B = rng.random((n, n)).astype(dtype)
    if convert is not None:
        A, B = convert(A), convert(B)
    C = A @ B
    return lambda: A @ B if convert is not None else np.matmul(A, B, out=C)


def matmul_peak(dtype: str, n: int = 2048, repeats: int = 5, convert: Callable | None = None) -> float:
    """GFLOP/s of an (n x n) @ (n x n) product: 2 n^3 FLOP over its median time."""
    return 2 * n**3 / median_seconds(matmul(dtype, n, convert), repeats) / 1e9


# --- NumPy ------------------------------------------------------------------------------------------


def numpy_trainer(
    hidden: int, X: np.ndarray, Y: np.ndarray, batch_size: int | None, code: ModuleType | None = None
) -> Callable[[], None]:
    """A function that trains a fresh network for one more epoch with the project's trainer
    (or with the ``network`` and ``training`` modules of ``code``, another copy of the package)."""
    net, train = (network, training) if code is None else (code.network, code.training)
    params = net.init_params(hidden, dtype=X.dtype)
    epochs_done = [0]

    def epoch() -> None:
        steps = train.training_steps(
            params, X, Y, epochs=1, lr=LR, batch_size=batch_size, momentum=MOMENTUM, seed=epochs_done[0]
        )
        for _ in steps:
            pass
        epochs_done[0] += 1

    return epoch


def load_baseline(package_dir: str | os.PathLike) -> ModuleType:
    """Import another copy of the scratchnn package (say, an older commit's python/scratchnn,
    from ``git archive``) under the name ``scratchnn_baseline``, to time it beside this one."""
    package_dir = Path(package_dir)
    init = package_dir / "__init__.py"
    if not init.is_file():
        raise FileNotFoundError(f"{package_dir} is not a package folder (no __init__.py)")
    spec = importlib.util.spec_from_file_location(
        "scratchnn_baseline", init, submodule_search_locations=[str(package_dir)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["scratchnn_baseline"] = package
    spec.loader.exec_module(package)
    package.network = importlib.import_module("scratchnn_baseline.network")
    package.training = importlib.import_module("scratchnn_baseline.training")
    return package


# --- PyTorch ----------------------------------------------------------------------------------------


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_model(hidden: int, dtype: str):
    """The same network in PyTorch: Linear(784, H), ReLU, Linear(H, 10) (logits; softmax in the loss)."""
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(N_INPUTS, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, N_CLASSES)
    ).to(getattr(torch, dtype))


def torch_trainer(hidden: int, X: np.ndarray, Y: np.ndarray, batch_size: int | None) -> Callable[[], None]:
    """A function that trains a fresh PyTorch network for one more epoch: the idiomatic loop."""
    import torch
    import torch.nn.functional as F  # noqa: N812 (PyTorch's own convention)

    model = torch_model(hidden, str(X.dtype))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    X_rows = torch.from_numpy(X.T)  # (m, 784), one example per row: PyTorch's layout; no copy
    Y_t = torch.from_numpy(Y)
    m = Y.size
    size = m if batch_size is None else min(batch_size, m)
    generator = torch.Generator().manual_seed(0)

    def epoch() -> None:
        if size == m:
            batches: Iterable = [(X_rows, Y_t)]
        else:
            order = torch.randperm(m, generator=generator)
            batches = ((X_rows[idx], Y_t[idx]) for idx in order.split(size))
        for X_batch, Y_batch in batches:
            loss = F.cross_entropy(model(X_batch), Y_batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss.item()

    return epoch


# --- the measurements -------------------------------------------------------------------------------


@dataclass
class TrainRow:
    hidden: int
    batch_size: int | None  # None: full batch
    dtype: str
    examples: int
    repeats: int
    numpy_seconds: float  # median seconds per epoch
    torch_seconds: float | None = None
    numpy_times: list[float] = field(default_factory=list)
    torch_times: list[float] = field(default_factory=list)
    gflops: float = 0.0  # NumPy's matrix-product GFLOP/s
    peak_fraction: float = 0.0  # gflops / the matmul peak of this dtype, measured beside the row
    peak_gflops: float = 0.0  # that peak
    baseline_seconds: float | None = None  # the --baseline copy of the code, if any
    baseline_times: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        """NumPy time / PyTorch time: below 1, NumPy is faster."""
        return None if not self.torch_seconds else self.numpy_seconds / self.torch_seconds


@dataclass
class InferenceRow:
    hidden: int
    dtype: str
    batch_examples: int
    numpy_batch_seconds: float
    numpy_single_seconds: float  # one image, median
    torch_batch_seconds: float | None = None
    torch_single_seconds: float | None = None
    gflops: float = 0.0


@dataclass
class AccuracyRun:
    """The default preset trained to the end, with the test accuracy after every epoch."""

    dtype: str
    epochs: int  # epochs trained (the run stops once the target is reached)
    target: float
    seconds_to_target: float | None  # training time (evaluation excluded) until test accuracy >= target
    epochs_to_target: int | None
    total_seconds: float
    final_test_accuracy: float


def repeats_for(seconds_per_epoch: float, repeats: int, budget: float) -> int:
    """Fewer repeats for slow rows: at most ``repeats``, at least 3 (or ``repeats`` if smaller),
    within about ``budget`` seconds of timed work for the row (both libraries together)."""
    fit = int(budget / max(seconds_per_epoch, 1e-9))
    return max(min(repeats, 3), min(repeats, fit))


def bench_training(
    X: dict[str, np.ndarray],
    Y: np.ndarray,
    *,
    hidden_sizes: Iterable[int] = HIDDEN_SIZES,
    batch_sizes: Iterable[int | None] = BATCH_SIZES,
    dtypes: Iterable[str] = DTYPES,
    repeats: int = 5,
    row_budget: float = 12.0,
    use_torch: bool = True,
    baseline: ModuleType | None = None,
    peak_n: int = 2048,
    log: Callable[[str], None] = lambda line: None,
) -> list[TrainRow]:
    """One TrainRow per (hidden, batch, dtype); ``X[dtype]`` is the (784, m) training data.

    The matmul peak is timed in the same rotation as the epochs (one product per round), so
    that each row's share of the peak compares numbers taken under the same load.
    """
    rows = []
    for hidden in hidden_sizes:
        for batch_size in batch_sizes:
            for dtype in dtypes:
                fns = {"numpy": numpy_trainer(hidden, X[dtype], Y, batch_size)}
                if use_torch:
                    fns["torch"] = torch_trainer(hidden, X[dtype], Y, batch_size)
                if baseline is not None:
                    fns["baseline"] = numpy_trainer(hidden, X[dtype], Y, batch_size, code=baseline)
                fns["peak"] = matmul(dtype, peak_n)
                # warm-up: one epoch each, which also tells how many repeats fit the budget
                warm = interleaved(fns, repeats=1, warmup=0)
                n = repeats_for(sum(t[0] for t in warm.values()), repeats, row_budget)
                times = interleaved(fns, repeats=n, warmup=0)
                numpy_s = statistics.median(times["numpy"])
                gflops = train_flops(hidden, Y.size) / numpy_s / 1e9
                peak = 2 * peak_n**3 / statistics.median(times["peak"]) / 1e9
                row = TrainRow(
                    hidden, batch_size, dtype, Y.size, n, numpy_s,
                    statistics.median(times["torch"]) if use_torch else None,
                    times["numpy"], times.get("torch", []), gflops, gflops / peak, peak,
                    statistics.median(times["baseline"]) if baseline is not None else None,
                    times.get("baseline", []),
                )  # fmt: skip
                rows.append(row)
                log(format_train_row(row))
    return rows


def bench_inference(
    X_test: dict[str, np.ndarray],
    *,
    hidden_sizes: Iterable[int] = HIDDEN_SIZES,
    dtypes: Iterable[str] = DTYPES,
    repeats: int = 5,
    single_repeats: int = 300,
    use_torch: bool = True,
    log: Callable[[str], None] = lambda line: None,
) -> list[InferenceRow]:
    """Forward pass over all of X_test[dtype] in one batch, and over one image (the page's case)."""
    rows = []
    for hidden in hidden_sizes:
        for dtype in dtypes:
            X = X_test[dtype]
            params = network.init_params(hidden, dtype=dtype)
            one = np.ascontiguousarray(X[:, :1])
            fns = {"numpy": lambda X=X, params=params: network.forward(params, X)}
            singles = {"numpy": lambda one=one, params=params: network.forward(params, one)}
            if use_torch:
                import torch

                model = torch_model(hidden, dtype)
                X_rows = torch.from_numpy(X.T)
                one_row = X_rows[:1].clone()

                def torch_forward(x, model=model):
                    with torch.inference_mode():
                        return torch.softmax(model(x), dim=1)

                fns["torch"] = lambda x=X_rows, f=torch_forward: f(x)
                singles["torch"] = lambda x=one_row, f=torch_forward: f(x)
            batch = {k: statistics.median(v) for k, v in interleaved(fns, repeats).items()}
            single = {k: statistics.median(v) for k, v in interleaved(singles, single_repeats, warmup=20).items()}
            row = InferenceRow(
                hidden, dtype, X.shape[1], batch["numpy"], single["numpy"], batch.get("torch"), single.get("torch"),
                inference_flops(hidden, X.shape[1]) / batch["numpy"] / 1e9,
            )  # fmt: skip
            rows.append(row)
            log(format_inference_row(row))
    return rows


def time_to_accuracy(
    data, dtype: str, preset: str = "default", target: float = 0.98, to_the_end: bool = False
) -> AccuracyRun:
    """Train a preset (with its augmentation, if it has one) on data (an MnistData) in
    ``dtype``; after each epoch, measure the test accuracy (not timed). Returns the training
    seconds until the accuracy first reached ``target``; stops there unless ``to_the_end``."""
    config = dataclasses.replace(PRESETS[preset], dtype=dtype)
    params = network.init_params(config.hidden, config.init, dtype, seed=0)
    X = data.X_train.astype(dtype, order="F", copy=False)
    X_test = data.X_test.astype(dtype, order="F", copy=False)
    elapsed, reached, epochs_to = 0.0, None, None
    accuracy, epochs_run = 0.0, 0
    steps = training.training_steps(
        params, X, data.Y_train, epochs=config.epochs, lr=config.lr, batch_size=config.batch_size,
        momentum=config.momentum, lr_decay=config.lr_decay, seed=0, augment=config.augment,
    )  # fmt: skip
    started = time.perf_counter()
    for report in steps:
        if report.batch == report.batches_per_epoch:
            elapsed += time.perf_counter() - started
            epochs_run = report.epoch
            accuracy = training.evaluate(params, X_test, data.Y_test)[1]
            if reached is None and accuracy >= target:
                reached, epochs_to = elapsed, report.epoch
                if not to_the_end:
                    break
            started = time.perf_counter()
    return AccuracyRun(dtype, epochs_run, target, reached, epochs_to, elapsed, accuracy)


def describe_preset(preset: str = "default") -> str:
    """A preset in a few words: H, batch, momentum, epochs, augmentation."""
    c = PRESETS[preset]
    batch = "full batch" if c.batch_size is None else f"batch {c.batch_size}"
    return f"H {c.hidden}, {batch}, momentum {c.momentum}, up to {c.epochs} epochs" + (
        ", augmented" if c.augment else ""
    )


# --- the environment --------------------------------------------------------------------------------


def blas_info() -> list[dict]:
    """The BLAS and OpenMP libraries loaded in this process, as threadpoolctl sees them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keys = ("user_api", "internal_api", "prefix", "version", "architecture", "num_threads", "threading_layer")
    return [{k: lib.get(k) for k in keys if lib.get(k) is not None} for lib in threadpool_info()]


def numpy_blas_threads() -> int:
    """Threads of NumPy's BLAS (threadpoolctl), else the number of CPUs."""
    for lib in blas_info():
        if lib.get("user_api") == "blas":
            return int(lib["num_threads"])
    return os.cpu_count() or 1


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment() -> dict:
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "openblas_env": {name: os.environ.get(name) for name in OPENBLAS_ENV},
    }
    if torch_available():
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    info["blas"] = blas_info()
    return info


# --- formatting -------------------------------------------------------------------------------------


def batch_label(batch_size: int | None) -> str:
    return "full" if batch_size is None else str(batch_size)


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def train_header(baseline: bool = False) -> str:
    return (
        f"{'hidden':>6} {'batch':>5} {'dtype':>7} | {'NumPy s':>8} {'PyTorch s':>9} {'NumPy/PT':>8} | "
        f"{'GFLOP/s':>7} {'of peak':>7}" + (f" | {'before s':>8} {'before/PT':>9}" if baseline else "")
    )


def format_train_row(row: TrainRow) -> str:
    line = (
        f"{row.hidden:>6} {batch_label(row.batch_size):>5} {row.dtype:>7} | {row.numpy_seconds:>8.3f} "
        f"{_num(row.torch_seconds, '9.3f'):>9} {_ratio(row.numpy_seconds, row.torch_seconds):>8} | "
        f"{row.gflops:>7.1f} {row.peak_fraction:>7.0%}"
    )
    if row.baseline_seconds is not None:
        line += f" | {row.baseline_seconds:>8.3f} {_ratio(row.baseline_seconds, row.torch_seconds):>9}"
    return line


INFERENCE_HEADER = (
    f"{'hidden':>6} {'dtype':>7} | {'NumPy 10k ms':>12} {'PT 10k ms':>9} {'ratio':>6} {'GFLOP/s':>7} | "
    f"{'NumPy 1 img us':>14} {'PT 1 img us':>11} {'ratio':>6}"
)


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if not a or not b else f"{a / b:.2f}x"


def format_inference_row(row: InferenceRow) -> str:
    ms = lambda s: None if s is None else s * 1e3  # noqa: E731
    us = lambda s: None if s is None else s * 1e6  # noqa: E731
    return (
        f"{row.hidden:>6} {row.dtype:>7} | {ms(row.numpy_batch_seconds):>12.2f} "
        f"{_num(ms(row.torch_batch_seconds), '9.2f'):>9} "
        f"{_ratio(row.numpy_batch_seconds, row.torch_batch_seconds):>6} {row.gflops:>7.1f} | "
        f"{us(row.numpy_single_seconds):>14.1f} {_num(us(row.torch_single_seconds), '11.1f'):>11} "
        f"{_ratio(row.numpy_single_seconds, row.torch_single_seconds):>6}"
    )


def to_json(obj) -> object:
    """Dataclasses (with the derived ratio) -> plain JSON-ready values."""
    if isinstance(obj, TrainRow):
        return {**asdict(obj), "ratio": obj.ratio}
    if isinstance(obj, InferenceRow | AccuracyRun):
        return asdict(obj)
    if isinstance(obj, dict):
        return {k: to_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_json(v) for v in obj]
    return obj
