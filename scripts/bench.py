"""Benchmark the NumPy trainer against PyTorch on this machine's CPU, side by side in one run.

    python scripts/bench.py                       # the full table, a few minutes on 2 cores
    python scripts/bench.py --quick               # a tenth of the data, fewer repeats: ~20 s
    python scripts/bench.py --json out.json       # also write every measurement as JSON
    pip install -e '.[bench]'                     # PyTorch (CPU build) for the comparison

Prints the BLAS in use and its threads, the measured matrix-multiply peak, then one table of
training epochs (NumPy vs PyTorch, their ratio, NumPy's GFLOP/s and its share of the peak), one of
inference, and the time the `default` preset takes to reach 98% test accuracy in float32 and
float64 (training stops there). Without PyTorch it prints the NumPy columns and says that PyTorch is missing.

On a shared machine whose cores are busy with other work, `--threads 1` gives steadier figures:
a two-thread BLAS call whose second thread waits for a core spends most of its time waiting
(seen here: small products 100x slower under load), and the library that suffers most from that
wins the comparison, not the better code.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: some machines set these, which makes OpenBLAS pick another
(often slower) kernel. When either is set, this command (and only this command) measures twice:
as the environment is, then again in a child process with both removed, and prints both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))  # run from a checkout without installing
sys.path.insert(0, str(ROOT / "benchmarks"))  # the benchmark library, outside the package

import numpy_vs_pytorch as bench  # noqa: E402
from scratchnn import mnist  # noqa: E402
from scratchnn.config import PRESETS  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the images, 2 repeats, no accuracy run")
    parser.add_argument("--examples", type=int, help="training images per epoch (default: all 59,000)")
    parser.add_argument("--hidden", type=int, nargs="+", default=list(bench.HIDDEN_SIZES), help="hidden sizes H")
    parser.add_argument(
        "--batch", nargs="+", default=["128", "full"], help="batch sizes; 'full' is the full batch (one step/epoch)"
    )
    parser.add_argument("--dtype", nargs="+", choices=bench.DTYPES, default=list(bench.DTYPES))
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per row (slow rows: at least 3)")
    parser.add_argument("--row-budget", type=float, default=12.0, help="seconds of timed epochs per row, roughly")
    parser.add_argument("--threads", type=int, help="threads for NumPy's BLAS and PyTorch (default: the BLAS's)")
    parser.add_argument("--no-torch", action="store_true", help="NumPy only, even if PyTorch is installed")
    parser.add_argument("--no-inference", action="store_true", help="skip the inference table")
    parser.add_argument("--no-accuracy", action="store_true", help="skip the time-to-98%% runs")
    parser.add_argument("--preset", default="default", help="the preset of the time-to-98%% runs (default: default)")
    parser.add_argument("--no-env-compare", action="store_true", help="do not re-run with OPENBLAS_* unset")
    parser.add_argument("--data-dir", help="folder with the MNIST .gz files (else $SCRATCHNN_DATA_DIR, else cache)")
    parser.add_argument("--json", type=Path, help="write all results to this JSON file")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another copy of python/scratchnn (e.g. `git archive OLD python/scratchnn | tar -x -C /tmp/old`)\n"
        "timed in the same rotation: a 'before' column beside this code's",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        args.batch = [None if b == "full" else int(b) for b in args.batch]
    except ValueError:
        parser.error(f"--batch takes whole numbers or 'full', got {args.batch}")
    if any(b is not None and b < 1 for b in args.batch) or min(args.hidden) < 1 or args.repeats < 1:
        parser.error("batch sizes, hidden sizes and repeats must be at least 1")
    if args.preset not in PRESETS:
        parser.error(f"--preset: choose one of {sorted(PRESETS)}")
    if args.quick:
        args.examples = args.examples or 5_900
        args.repeats = min(args.repeats, 2)
        args.no_accuracy = True
    return args


def say(line: str = "") -> None:
    print(line, flush=True)


def run(args: argparse.Namespace) -> dict:
    """Every measurement of one process, printed as it comes; returns them for the JSON."""
    from threadpoolctl import threadpool_limits

    threads = args.threads or bench.numpy_blas_threads()
    limits = threadpool_limits(limits=threads, user_api="blas")  # noqa: F841 (kept for the whole run)
    use_torch = not args.no_torch and bench.torch_available()
    if use_torch:
        import torch

        torch.set_num_threads(threads)

    data = mnist.load(args.data_dir, dtype="float32")
    m = min(args.examples or data.Y_train.size, data.Y_train.size)
    X = {"float32": data.X_train[:, :m]}  # a column slice of the Fortran-order array: no copy
    X_test = {"float32": data.X_test}
    if "float64" in args.dtype:
        X["float64"] = X["float32"].astype("float64", order="F")
        X_test["float64"] = data.X_test.astype("float64", order="F")
    Y = data.Y_train[:m]

    env = bench.environment()
    commit = git_commit()  # before the long run, so that later edits to the files do not show
    say(f"machine: {env['cpu']}, {env['cpus']} CPUs; Python {env['python']}, NumPy {env['numpy']}")
    for lib in env["blas"]:
        say("  " + ", ".join(f"{k}={v}" for k, v in lib.items()))
    say(f"threads: {threads} (NumPy's BLAS" + (" and PyTorch)" if use_torch else ")"))
    say(
        "OpenBLAS environment: "
        + ", ".join(f"{k}={v if v is not None else '(unset)'}" for k, v in env["openblas_env"].items())
    )
    if use_torch:
        say(f"PyTorch {env['torch']} on the CPU")
    elif args.no_torch:
        say("PyTorch: not used (--no-torch): NumPy columns only")
    else:
        say("PyTorch: not installed (pip install -e '.[bench]' adds torch==2.13.0, a CPU build): NumPy columns only")

    n = 1024 if args.quick else 2048
    peaks = {dtype: bench.matmul_peak(dtype, n=n) for dtype in args.dtype}
    torch_peaks = {}
    if use_torch:
        torch_peaks = {d: bench.matmul_peak(d, n=n, convert=torch.from_numpy) for d in args.dtype}
    say(
        f"matmul peak ({n} x {n} product): "
        + ", ".join(f"{d} {peaks[d]:.1f} GFLOP/s (NumPy)" for d in args.dtype)
        + "".join(f", {d} {torch_peaks[d]:.1f} (PyTorch)" for d in torch_peaks)
    )
    say()
    say(f"training: seconds per epoch over {m:,} images; median of up to {args.repeats} repeats after a warm-up epoch,")
    say("NumPy and PyTorch interleaved; GFLOP/s and share of the peak are NumPy's; NumPy/PT < 1: NumPy is faster")
    say("(the peak is also timed in each row's rotation: 'of peak' is against that row's own measurement)")
    baseline = bench.load_baseline(args.baseline) if args.baseline else None
    if baseline is not None:
        say(f"'before': the code in {args.baseline}, timed in the same rotation")
    say(bench.train_header(baseline is not None))
    started = time.perf_counter()
    train_rows = bench.bench_training(
        X, Y, hidden_sizes=args.hidden, batch_sizes=args.batch, dtypes=args.dtype, repeats=args.repeats,
        row_budget=args.row_budget, use_torch=use_torch, baseline=baseline, peak_n=n, log=say,
    )  # fmt: skip
    say(f"({time.perf_counter() - started:.0f} s)")

    inference_rows = []
    if not args.no_inference:
        say()
        say(f"inference: the {data.Y_test.size:,} test images in one batch, and one image (medians; softmax included)")
        say(bench.INFERENCE_HEADER)
        inference_rows = bench.bench_inference(
            X_test, hidden_sizes=args.hidden, dtypes=args.dtype, repeats=args.repeats,
            single_repeats=100 if args.quick else 300, use_torch=use_torch, log=say,
        )  # fmt: skip

    accuracy_runs = []
    if not args.no_accuracy:
        say()
        say(
            f"time to 98% test accuracy: the {args.preset} preset ({bench.describe_preset(args.preset)}), "
            "the test set measured after each epoch (not timed)"
        )
        for dtype in args.dtype:
            result = bench.time_to_accuracy(data, dtype, args.preset)
            accuracy_runs.append(result)
            if result.seconds_to_target is not None:
                say(
                    f"  {dtype}: 98% after {result.epochs_to_target} epochs, {result.seconds_to_target:.1f} s of "
                    f"training (test accuracy {result.final_test_accuracy:.4f})"
                )
            else:
                say(
                    f"  {dtype}: 98% not reached in {result.epochs} epochs, {result.total_seconds:.1f} s "
                    f"(test accuracy {result.final_test_accuracy:.4f})"
                )

    return {
        "environment": env,
        "threads": threads,
        "examples": m,
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "git_commit": commit,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "matmul_peak_gflops": peaks,
        "torch_matmul_peak_gflops": torch_peaks,
        "training": bench.to_json(train_rows),
        "inference": bench.to_json(inference_rows),
        "time_to_accuracy": bench.to_json(accuracy_runs),
    }


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "python"], cwd=ROOT, capture_output=True, text=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() + ("+local changes" if dirty.stdout.strip() else "") if out.returncode == 0 else None


def run_without_openblas_env(argv: list[str]) -> dict | None:
    """The same benchmark in a child process whose environment lacks OPENBLAS_CORETYPE and
    OPENBLAS_L2_SIZE (OpenBLAS reads them when it loads, so it takes a new process)."""
    env = {k: v for k, v in os.environ.items() if k not in bench.OPENBLAS_ENV}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "unset.json"
        command = [sys.executable, __file__, *argv, "--child", "--no-env-compare", "--json", str(out)]
        if subprocess.run(command, env=env).returncode != 0 or not out.exists():
            say("the run with OPENBLAS_* unset failed")
            return None
        return json.loads(out.read_text())["as_is"]


def compare(as_is: dict, unset: dict) -> None:
    say()
    say("NumPy, as-is vs OPENBLAS_* unset (seconds per epoch; < 1: the machine's setting is faster)")
    for a, b in zip(as_is["training"], unset["training"], strict=True):
        label = f"H {a['hidden']:>4} batch {bench.batch_label(a['batch_size']):>4} {a['dtype']}"
        say(
            f"  {label}: {a['numpy_seconds']:.3f} vs {b['numpy_seconds']:.3f}"
            f"  ({a['numpy_seconds'] / b['numpy_seconds']:.2f}x)"
        )
    for dtype, peak in as_is["matmul_peak_gflops"].items():
        say(f"  matmul peak {dtype}: {peak:.1f} vs {unset['matmul_peak_gflops'][dtype]:.1f} GFLOP/s")


def without_json(argv: list[str]) -> list[str]:
    """argv without ``--json PATH`` / ``--json=PATH``: the child writes its own file."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--json":
            skip = True
        elif not arg.startswith("--json="):
            out.append(arg)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    try:
        results = {"as_is": run(args), "openblas_env_unset": None}
    except mnist.MnistError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    openblas_set = any(os.environ.get(name) is not None for name in bench.OPENBLAS_ENV)
    if openblas_set and not args.no_env_compare and not args.child:
        say()
        say("== the same benchmark with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (a child process)")
        child_argv = without_json(argv)
        results["openblas_env_unset"] = run_without_openblas_env(child_argv)
        if results["openblas_env_unset"]:
            compare(results["as_is"], results["openblas_env_unset"])
    elif not openblas_set and not args.child:
        say()
        say("OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are not set: this run is already the unset one.")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n")
        if not args.child:
            say(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
