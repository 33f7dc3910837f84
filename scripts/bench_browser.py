"""Training epochs in the browser (Pyodide in the page's worker) next to TensorFlow.js's and CPython's, in one run.

    .venv/bin/python scripts/bench_browser.py                    # 32 and 128 hidden, 3 epochs, 3 rounds
    .venv/bin/python scripts/bench_browser.py --runs 64:64 --epochs 2 --rounds 1 --json out.json

Each run (``hidden:batch``) trains from scratch with the same settings, seed and data on every side:
the site's MNIST subset (10,000 training images, 1,000 for validation), learning rate ``--lr``,
momentum 0.9, the same He-initialised starting parameters and the same order of the examples.

- **page**: the real page in headless Chromium: the settings typed into the training panel,
  "Train from scratch" clicked, the run's reports read from the page when it ends (the same code
  as offline: ``scratchnn.browser.Trainer`` stepping a ``TrainingSession`` in 50 ms slices);
- **TF.js**: TensorFlow.js 4.22 on its WebAssembly backend with SIMD (benchmarks/tfjs/, installed
  by scripts/setup_bench.sh, never part of the site), in a second tab of the same Chromium, fed
  the same data, starting parameters and epoch orders from files this script writes;
- **CPython**: this machine's NumPy in a child process, once with the BLAS threads as they are
  and once with one thread (the browser's NumPy has no threads and no optimised BLAS).

The page and TF.js take turns, ``--rounds`` times (page, TF.js, page, TF.js, ...), so that a busy
moment of the machine hits both; each side's figure is the median over the rounds of each round's
median epoch. Reported per epoch: the seconds of gradient steps (validation excluded, as in the
page's examples/s), examples per second, the page's speed over TF.js's, and the wall time of the
whole run in the page (validation, the slices' yields and the progress messages included). Results
are printed as a table and written as JSON (``--json``, default test-results/bench_browser.json).
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

TFJS = ROOT / "benchmarks" / "tfjs"  # the TF.js page and its npm packages (scripts/setup_bench.sh)
TFJS_FILES = (  # what the TF.js page loads from node_modules: missing means not installed
    "@tensorflow/tfjs/dist/tf.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
)
TFJS_MISSING = "TensorFlow.js is not installed in benchmarks/tfjs/node_modules: run scripts/setup_bench.sh"
TFJS_SIMD_WASM = "tfjs-backend-wasm-simd.wasm"  # the binary the wasm backend loads when it has SIMD (no threads)


def positive(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", nargs="+", default=["32:32", "128:128"], help="hidden:batch pairs (default 32:32 128:128)"
    )
    parser.add_argument("--epochs", type=positive, default=3, help="epochs per run (default 3)")
    parser.add_argument("--rounds", type=positive, default=3, help="alternating rounds of page and TF.js (default 3)")
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
        try:
            pairs.append((int(hidden), int(batch or 32)))
        except ValueError:
            raise SystemExit(f"bench_browser: --runs {text!r}: expected hidden:batch, such as 32:32") from None
    return pairs


def summarize(history: list[dict], examples: int) -> dict:
    seconds = [h["seconds"] for h in history]
    return {
        "epoch_seconds": seconds,
        "median_epoch_seconds": statistics.median(seconds),
        "examples_per_second": examples / statistics.median(seconds),
        "val_accuracy": history[-1]["val_accuracy"],
    }


def over_rounds(rounds: list[dict], examples: int) -> dict:
    """One side's figure for a run: the median over the rounds of each round's median epoch."""
    median = statistics.median(r["median_epoch_seconds"] for r in rounds)
    return {
        "rounds": rounds,
        "median_epoch_seconds": median,
        "examples_per_second": examples / median,
        "val_accuracy": rounds[-1]["val_accuracy"],
        "examples_per_epoch": examples,
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


# ---------- TF.js: its page and the data it is fed ----------


def check_tfjs_installed() -> None:
    """A clear error when scripts/setup_bench.sh has not been run."""
    missing = [name for name in TFJS_FILES if not (TFJS / "node_modules" / name).is_file()]
    if missing:
        raise SystemExit(f"bench_browser: {TFJS_MISSING} (missing: {missing[0]})")


def write_tfjs_data(folder: Path, data_file: Path, pairs: list[tuple[int, int]], epochs: int, lr: float) -> None:
    """What the page's Python trains on, as files for the TF.js page (benchmarks/tfjs/bench.js):

    - the subset's images (n, 784) and labels as uint8, as subset.decode gives them;
    - ``init-H.f32``: the page's starting parameters for H hidden units (network.init_params, seed 0),
      in TF.js's layout (one example a row): W1^T (784, H), b1 (H), W2^T (H, 10), b2 (10);
    - ``orders-E.i32``: each epoch's order of the examples, drawn as training.training_steps does."""
    import numpy as np

    from scratchnn import network
    from scratchnn.browser import subset
    from scratchnn.browser import trainer as page_training

    parts = subset.decode(data_file.read_bytes())
    folder.mkdir(parents=True)
    for name in ("train_images", "train_labels", "val_images", "val_labels"):
        (folder / f"{name.replace('_', '-')}.u8").write_bytes(np.ascontiguousarray(parts[name], np.uint8).tobytes())
    n = parts["train_labels"].size
    for hidden in sorted({h for h, _ in pairs}):
        config = page_training.check_settings(hidden, lr, min(b for h, b in pairs if h == hidden), epochs, n)
        P = network.init_params(config.hidden, config.init, config.dtype, seed=page_training.SEED)
        arrays = (P["W1"].T, P["b1"].ravel(), P["W2"].T, P["b2"].ravel())
        (folder / f"init-{hidden}.f32").write_bytes(b"".join(np.ascontiguousarray(a, "<f4").tobytes() for a in arrays))
    rng = np.random.default_rng(page_training.SEED)
    orders = np.stack([rng.permutation(n) for _ in range(epochs)]).astype("<i4")
    (folder / f"orders-{epochs}.i32").write_bytes(orders.tobytes())


def tfjs_folder(folder: Path) -> Path:
    """The folder the TF.js page is served from: its two files and node_modules (links), and data/."""
    folder.mkdir(parents=True)
    for name in ("index.html", "bench.js", "node_modules"):
        (folder / name).symlink_to(TFJS / name)
    return folder


# ---------- the browser ----------


def serve(site: Path) -> tuple[ThreadingHTTPServer, str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def open_page(browser, url: str):  # -> (the Playwright page, its versions line)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)
    page.wait_for_function("() => window.scratchnn && window.scratchnn.state.ready", timeout=120_000)
    return page, page.inner_text("#versions")


def page_run(page, hidden: int, batch: int, epochs: int, lr: float) -> dict:
    """One run in the page, from scratch, through its training panel."""
    page.bring_to_front()
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
        raise SystemExit(f"bench_browser: the run {hidden}:{batch} failed in the page: {error.inner_text()}")
    examples = last["examples_seen"] // len(last["history"])
    return summarize(last["history"], examples) | {"wall_seconds": last["elapsed_seconds"], "examples": examples}


def first_line(error: Exception) -> str:
    """An error from the page, as Playwright words it, without its call log."""
    return (str(error).splitlines() or [type(error).__name__])[0]


def open_tfjs(browser, url: str):  # -> (the Playwright page, TF.js's backend and flags)
    """The TF.js page, its wasm backend started; an error unless it loaded the SIMD binary."""
    page = browser.new_page()
    wasm_files: list[str] = []
    page.on("request", lambda request: wasm_files.append(request.url) if request.url.endswith(".wasm") else None)
    page.goto(url)
    page.wait_for_function("() => window.tfjsBench", timeout=60_000)
    try:
        backend = page.evaluate("window.tfjsBench.ready")
    except Exception as error:  # the page's own message (for instance: no SIMD) says what went wrong
        raise SystemExit(f"bench_browser: TF.js did not start: {first_line(error)}") from None
    backend["wasm_files"] = [Path(u).name for u in wasm_files]
    if not backend["simd"] or TFJS_SIMD_WASM not in backend["wasm_files"]:
        raise SystemExit(f"bench_browser: TF.js is not running WebAssembly with SIMD: {backend}")
    return page, backend


def tfjs_run(page, hidden: int, batch: int, epochs: int, lr: float) -> dict:
    """One run in TF.js, from the page's starting parameters, over the page's epoch orders."""
    page.bring_to_front()
    run = {"hidden": hidden, "batch": batch, "epochs": epochs, "lr": lr}
    try:
        done = page.evaluate("(run) => window.tfjsBench.train(run)", run)
    except Exception as error:
        raise SystemExit(f"bench_browser: the run {hidden}:{batch} failed in TF.js: {first_line(error)}") from None
    examples = done["examples_seen"] // len(done["history"])
    return summarize(done["history"], examples) | {"examples": examples, "tensors_left": done["tensors"]}


def browser(site_url: str, tfjs_url: str, pairs: list[tuple[int, int]], epochs: int, lr: float, rounds: int) -> dict:
    """Both browser sides in one Chromium: for each round, each run in the page and then in TF.js."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        executable = chromium.executable(playwright)
        if executable is None:
            raise SystemExit(f"bench_browser: {chromium.MISSING}")
        chrome = playwright.chromium.launch(executable_path=executable, args=chromium.ARGS)
        errors: list[str] = []
        page, versions = open_page(chrome, site_url)
        tfjs, backend = open_tfjs(chrome, tfjs_url)
        for tab in (page, tfjs):
            tab.on("pageerror", lambda error: errors.append(str(error)))
        done: dict[str, dict[str, list[dict]]] = {"page": {}, "tfjs": {}}
        for number in range(rounds):
            for hidden, batch in pairs:
                key = f"{hidden}:{batch}"
                for side, run in (("page", page_run(page, hidden, batch, epochs, lr)),
                                  ("tfjs", tfjs_run(tfjs, hidden, batch, epochs, lr))):  # fmt: skip
                    done[side].setdefault(key, []).append(run)
                    print(f"  round {number + 1}/{rounds} {key:>8} {side:>4}: {run['examples_per_second']:7.0f} ex/s",
                          flush=True)  # fmt: skip
        agent = chrome.version
        chrome.close()
    if errors:
        raise SystemExit(f"bench_browser: a page reported errors: {errors}")
    return {
        "browser": {"chromium": agent, "page": versions, "runs": combine(done["page"], "wall_seconds")},
        "tfjs": {"backend": backend, "runs": combine(done["tfjs"])},
    }


def combine(runs: dict[str, list[dict]], wall: str | None = None) -> dict[str, dict]:
    """Each run's rounds -> its figure (over_rounds), with the page's wall time per epoch."""
    combined = {}
    for key, rounds in runs.items():
        combined[key] = over_rounds(rounds, rounds[0]["examples"])
        if wall:
            combined[key]["wall_seconds_per_epoch"] = statistics.median(
                r[wall] / len(r["epoch_seconds"]) for r in rounds
            )
    return combined


def compare(results: dict, pairs: list[tuple[int, int]]) -> dict[str, dict]:
    """The page's speed over TF.js's per run: of the medians, and round by round."""
    comparison = {}
    for hidden, batch in pairs:
        key = f"{hidden}:{batch}"
        page, tfjs = results["browser"]["runs"][key], results["tfjs"]["runs"][key]
        pairs_of_rounds = zip(page["rounds"], tfjs["rounds"], strict=True)
        by_round = [p["examples_per_second"] / t["examples_per_second"] for p, t in pairs_of_rounds]
        comparison[key] = {
            "page_over_tfjs": page["examples_per_second"] / tfjs["examples_per_second"],
            "page_over_tfjs_by_round": by_round,
        }
    return comparison


# ---------- the report ----------


def table(results: dict, pairs: list[tuple[int, int]]) -> str:
    header = (
        f"{'hidden:batch':>12} | {'page s/epoch':>12} {'ex/s':>7} | {'TF.js s/epoch':>13} {'ex/s':>7} | "
        f"{'page/TF.js':>10} {'by round':>16} | {'CPython s/epoch':>15} {'ex/s':>7} | "
        f"{'1 thread s/epoch':>16} {'ex/s':>7} | {'page/1 thread':>13} | {'page wall s/epoch':>17} | "
        f"{'val acc page / TF.js / CPython':>30}"
    )
    lines = [header, "-" * len(header)]
    for hidden, batch in pairs:
        key = f"{hidden}:{batch}"
        b, t, c, one = (results[side]["runs"][key] for side in ("browser", "tfjs", "cpython", "cpython_1_thread"))
        versus = results["comparison"][key]
        by_round = " ".join(f"{r:.2f}" for r in versus["page_over_tfjs_by_round"])
        lines.append(
            f"{key:>12} | {b['median_epoch_seconds']:>12.3f} {b['examples_per_second']:>7.0f} | "
            f"{t['median_epoch_seconds']:>13.3f} {t['examples_per_second']:>7.0f} | "
            f"{versus['page_over_tfjs']:>9.2f}x {by_round:>16} | "
            f"{c['median_epoch_seconds']:>15.3f} {c['examples_per_second']:>7.0f} | "
            f"{one['median_epoch_seconds']:>16.3f} {one['examples_per_second']:>7.0f} | "
            f"{b['median_epoch_seconds'] / one['median_epoch_seconds']:>12.1f}x | "
            f"{b['wall_seconds_per_epoch']:>17.3f} | "
            f"{b['val_accuracy']:>14.3f} / {t['val_accuracy']:.3f} / {c['val_accuracy']:.3f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pairs = runs_of(args)
    if args.cpython_child:
        args.cpython_child.write_text(json.dumps(cpython_child(args.data, pairs, args.epochs, args.lr)))
        return 0
    check_tfjs_installed()
    import build_site

    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build_site.build(Path(tmp) / "_site", build_site.default_wheels(), cdn=None, quiet=True)
        data_file = site / build_site.SUBSET_FILE
        tfjs_root = tfjs_folder(Path(tmp) / "tfjs")
        write_tfjs_data(tfjs_root / "data", data_file, pairs, args.epochs, args.lr)
        load = os.getloadavg()[0]
        print(f"bench_browser: {len(pairs)} run(s) of {args.epochs} epoch(s) on {data_file.name}, lr {args.lr}, "
              f"momentum 0.9, seed 0, {args.rounds} round(s) of page then TF.js; load average {load:.1f} on "
              f"{os.cpu_count()} CPUs", flush=True)  # fmt: skip
        (site_server, site_url), (tfjs_server, tfjs_url) = serve(site), serve(tfjs_root)
        try:
            results = browser(site_url, tfjs_url, pairs, args.epochs, args.lr, args.rounds)
        finally:
            site_server.shutdown()
            tfjs_server.shutdown()
        results["cpython"] = cpython(data_file, pairs, args.epochs, args.lr, threads=None)
        results["cpython_1_thread"] = cpython(data_file, pairs, args.epochs, args.lr, threads="1")
    results["comparison"] = compare(results, pairs)
    results["settings"] = {"epochs": args.epochs, "lr": args.lr, "momentum": 0.9, "seed": 0, "runs": args.runs,
                           "rounds": args.rounds}  # fmt: skip
    results["machine"] = {"cpus": os.cpu_count(), "load_average_at_start": load, "load_average": os.getloadavg(),
                          "blas": blas_threads(), "platform": platform.platform()}  # fmt: skip
    backend = results["tfjs"]["backend"]
    print(f"browser: Chromium {results['browser']['chromium']}; page: {results['browser']['page']}")
    print(f"TF.js {backend['version']}, backend {backend['backend']}, SIMD {backend['simd']}, threads "
          f"{backend['threads']} ({backend['threadsCount']}), loaded {', '.join(backend['wasm_files'])}")  # fmt: skip
    print(f"CPython {results['cpython']['python']}, NumPy {results['cpython']['numpy']} ({results['machine']['blas']})")
    print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (other work shares the CPUs: "
          "compare the sides within one run)")  # fmt: skip
    print("s/epoch: the median over the epochs of the gradient steps' time (10,000 examples); page and TF.js: the")
    print("median over the rounds; page/TF.js: the page's examples/s over TF.js's (of the medians, and round by")
    print("round); page wall: the whole run in the page divided by its epochs (validation, yields, messages included)")
    print(table(results, pairs))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1) + "\n")
    print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
