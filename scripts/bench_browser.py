"""Training epochs in the browser (Pyodide in the page's worker) next to CPython's, in one run.

    .venv/bin/python scripts/bench_browser.py                    # 32 and 128 hidden, 3 epochs each
    .venv/bin/python scripts/bench_browser.py --runs 64:64 --epochs 2 --json out.json

Each run (``hidden:batch``) trains from scratch with the same settings, seed and data on both sides:
the site's MNIST subset (10,000 training images, 1,000 for validation), learning rate ``--lr``,
momentum 0.9, through the same code (``scratchnn.browser.Trainer`` stepping a ``TrainingSession`` in
50 ms slices).

- **browser**: the real page in headless Chromium: the settings typed into the training panel,
  "Train from scratch" clicked, the run's reports read from the page when it ends;
- **CPython**: this machine's NumPy in a child process, once with the BLAS threads as they are
  and once with one thread (the browser's NumPy has no threads and no optimised BLAS).

Reported per epoch: the seconds of gradient steps (validation excluded, as in the page's
examples/s), examples per second, and the wall time of the whole run in the page (validation,
the slices' yields and the progress messages included). Results are printed as a table and
written as JSON (``--json``, default test-results/bench_browser.json).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "scripts"))

import chromium  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", nargs="+", default=["32:32", "128:128"], help="hidden:batch pairs (default 32:32 128:128)"
    )
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (default 3)")
    parser.add_argument("--lr", type=float, default=0.05, help="learning rate (default 0.05)")
    parser.add_argument("--site", type=Path, help="an already built site to serve (default: build one now)")
    parser.add_argument("--json", type=Path, default=ROOT / "test-results" / "bench_browser.json")
    parser.add_argument("--cpython-child", type=Path, help=argparse.SUPPRESS)  # internal: the CPython side
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)  # internal: the subset file
    return parser.parse_args(argv)


def runs_of(args: argparse.Namespace) -> list[tuple[int, int]]:
    pairs = []
    for text in args.runs:
        hidden, _, batch = text.partition(":")
        pairs.append((int(hidden), int(batch or 32)))
    return pairs


def summarize(history: list[dict], examples: int) -> dict:
    seconds = [h["seconds"] for h in history]
    return {
        "epoch_seconds": seconds,
        "median_epoch_seconds": statistics.median(seconds),
        "examples_per_second": examples / statistics.median(seconds),
        "val_accuracy": history[-1]["val_accuracy"],
    }


# ---------- CPython ----------


def cpython_child(data_file: Path, pairs: list[tuple[int, int]], epochs: int, lr: float) -> dict:
    """Runs in the child process: the same Trainer as the page's worker, timed per epoch."""
    import numpy as np

    from scratchnn.browser import trainer as page_training

    dataset = page_training.load_data(data_file.read_bytes())
    results = {}
    for hidden, batch in pairs:
        settings = page_training.check_settings(hidden, lr, batch, epochs, dataset.n_train)
        trainer = page_training.Trainer(dataset, settings)
        started = time.perf_counter()
        while not (progress := trainer.step(0.05))["done"]:
            pass
        wall = time.perf_counter() - started
        results[f"{hidden}:{batch}"] = summarize(progress["history"], dataset.n_train) | {"wall_seconds": wall}
    return {"numpy": np.__version__, "python": platform.python_version(), "runs": results}


def cpython(data_file: Path, pairs: list[tuple[int, int]], epochs: int, lr: float, threads: str | None) -> dict:
    """The CPython side in a child process (BLAS threads are fixed when NumPy is imported)."""
    env = dict(os.environ)
    if threads is not None:
        env |= {name: threads for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cpython.json"
        runs = " ".join(f"{h}:{b}" for h, b in pairs)
        command = [sys.executable, __file__, "--cpython-child", str(out), "--data", str(data_file),
                   "--epochs", str(epochs), "--lr", str(lr), "--runs", *runs.split()]  # fmt: skip
        subprocess.run(command, env=env, check=True)
        return json.loads(out.read_text())


def blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info

        return ", ".join(f"{i['internal_api']} {i['num_threads']} threads" for i in threadpool_info()) or "?"
    except ImportError:
        return f"{os.cpu_count()} CPUs (threadpoolctl not installed)"


# ---------- the browser ----------


def serve(site: Path) -> tuple[ThreadingHTTPServer, str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def browser(url: str, pairs: list[tuple[int, int]], epochs: int, lr: float) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        executable = chromium.executable(playwright)
        if executable is None:
            raise SystemExit(f"bench_browser: {chromium.MISSING}")
        browser = playwright.chromium.launch(executable_path=executable, args=chromium.ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.wait_for_function("() => window.scratchnn && window.scratchnn.state.ready", timeout=120_000)
        versions = page.inner_text("#versions")
        results = {}
        for hidden, batch in pairs:
            for field, value in (("hidden", hidden), ("lr", lr), ("batch", batch), ("epochs", epochs)):
                page.fill(f"#train-{field}", str(value))
            ends = page.evaluate("window.scratchnn.training.events.filter((e) => e.phase === 'end').length")
            page.click("#train-scratch")
            page.wait_for_function(
                f"() => window.scratchnn.training.events.filter((e) => e.phase === 'end').length > {ends}",
                timeout=30 * 60_000,
            )
            last = page.evaluate("window.scratchnn.training.last")
            error = page.locator("#train-error")
            if not last["done"] or error.is_visible():
                raise SystemExit(f"bench_browser: the run {hidden}:{batch} failed: {error.inner_text()}")
            run = summarize(last["history"], last["examples_seen"] // len(last["history"]))
            results[f"{hidden}:{batch}"] = run | {"wall_seconds": last["elapsed_seconds"]}
        agent = page.evaluate("navigator.userAgent")
        browser.close()
    if errors:
        raise SystemExit(f"bench_browser: the page reported errors: {errors}")
    return {"chromium": agent, "page": versions, "runs": results}


# ---------- the report ----------


def table(results: dict, pairs: list[tuple[int, int]]) -> str:
    header = (
        f"{'hidden:batch':>12} | {'browser s/epoch':>15} {'ex/s':>7} | {'CPython s/epoch':>15} {'ex/s':>7} | "
        f"{'1 thread s/epoch':>16} {'ex/s':>7} | {'browser/1 thread':>16} | {'page wall s/epoch':>17} | "
        f"{'val acc browser / CPython':>25}"
    )
    lines = [header, "-" * len(header)]
    for hidden, batch in pairs:
        key = f"{hidden}:{batch}"
        b, c, one = (results[side]["runs"][key] for side in ("browser", "cpython", "cpython_1_thread"))
        lines.append(
            f"{key:>12} | {b['median_epoch_seconds']:>15.3f} {b['examples_per_second']:>7.0f} | "
            f"{c['median_epoch_seconds']:>15.3f} {c['examples_per_second']:>7.0f} | "
            f"{one['median_epoch_seconds']:>16.3f} {one['examples_per_second']:>7.0f} | "
            f"{b['median_epoch_seconds'] / one['median_epoch_seconds']:>15.1f}x | "
            f"{b['wall_seconds'] / len(b['epoch_seconds']):>17.3f} | "
            f"{b['val_accuracy']:>12.3f} / {c['val_accuracy']:.3f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pairs = runs_of(args)
    if args.cpython_child:
        args.cpython_child.write_text(json.dumps(cpython_child(args.data, pairs, args.epochs, args.lr)))
        return 0
    import build_site

    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build_site.build(Path(tmp) / "_site", build_site.default_wheels(), cdn=None, quiet=True)
        data_file = site / build_site.SUBSET_FILE
        load = os.getloadavg()[0]
        print(f"bench_browser: {len(pairs)} run(s) of {args.epochs} epoch(s) on {data_file.name}, lr {args.lr}, "
              f"momentum 0.9, seed 0; load average {load:.1f} on {os.cpu_count()} CPUs", flush=True)  # fmt: skip
        server, url = serve(site)
        try:
            results = {"browser": browser(url, pairs, args.epochs, args.lr)}
        finally:
            server.shutdown()
        results["cpython"] = cpython(data_file, pairs, args.epochs, args.lr, threads=None)
        results["cpython_1_thread"] = cpython(data_file, pairs, args.epochs, args.lr, threads="1")
    results["settings"] = {"epochs": args.epochs, "lr": args.lr, "momentum": 0.9, "seed": 0, "runs": args.runs}
    results["machine"] = {"cpus": os.cpu_count(), "load_average": os.getloadavg(), "blas": blas_threads(),
                          "platform": platform.platform()}  # fmt: skip
    print(f"browser: {results['browser']['page']}")
    print(f"CPython {results['cpython']['python']}, NumPy {results['cpython']['numpy']} ({results['machine']['blas']})")
    print("s/epoch: the median over the epochs of the gradient steps' time (10,000 examples); page wall: the whole")
    print("run in the page divided by its epochs (validation, yielding between slices and progress messages included)")
    print(table(results, pairs))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1) + "\n")
    print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
