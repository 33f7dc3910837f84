"""Measure the demo in headless Chromium: cold and repeat load to ready, prediction round trip,
and the main thread's longest task while loading, while drawing and while training; the
explorer's cost (its Python, its round trip, its rendering on the main thread) and the live
prediction's round trip with the explorer following each drawing beside the same with it off,
drawing by drawing in alternation (the ratio is what to read: the machine's load hits both).

    .venv/bin/python scripts/measure_demo.py              # builds the site into a temp folder
    .venv/bin/python scripts/measure_demo.py --runs 5 --site _site
    .venv/bin/python scripts/measure_demo.py --runs 5 --floor --network 20mbit,40ms

The site is served as GitHub Pages serves it: gzipped where Pages gzips (serve.py --gzip), on
127.0.0.1. ``--floor`` also times two floors: a minimal page whose module worker loads Pyodide
(loadPyodide, loadPackage numpy, import numpy) and nothing else, on Pyodide's stock files and on
the site's own (FLOORS), cold, in the same
run, alternating with the real page; the page's cold load and its repeat visit (the same browser
context reloaded, once the site and the worker's snapshot of Python are saved: the service worker
serves the site from Cache Storage and Python starts from the snapshot) are then given as ratios
to the floor's cold load. A later visit (reloaded once more) is timed too: the first repeat visit
compiles Pyodide's WebAssembly from the service worker's copy afresh, the later ones find it
compiled (benchmarks/wasm_code_cache.py shows it, visit by visit). ``--network 20mbit,40ms``
adds cold loads (page and floor) and a repeat visit over an emulated connection: the Chrome
DevTools Protocol's Network.emulateNetworkConditions with that download and upload throughput and
round-trip latency, on gzip-sized transfers (it slows the page and its worker, not a service
worker's own fetches, which today come only after ready).

Every context is a new browser profile in a temporary folder, launched for it (Browsers): a
visitor's own Chrome keeps its caches on disk, and with them the code V8 compiled. ``--incognito``
measures in off-the-record contexts of one browser instead, as the records before 2026-12-05 did.

Prints one line per figure (median, min and max over the runs), ready for the README. Needs
Playwright (in .venv) and a Chromium: Playwright's own, else /usr/bin/chromium.

The longest task is what the browser's Long Tasks API reports (tasks of the page's main thread
over 50 ms; none is counted as 0): the figure depends on the machine and on how busy it is, which
is why it is measured here and not asserted by the tests.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import sync_playwright

import build_site
import chromium
import serve as site_server

READY = "() => window.scratchnn && window.scratchnn.state.ready"
# A stroke of the "7" drawn as a user would, in fractions of the pad.
SEVEN = [(0.3, 0.22), (0.72, 0.22), (0.48, 0.82)]
# Records every long task (main thread busy > 50 ms) from the first moment of the page.
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
}).observe({ type: "longtask", buffered: true });
"""
LONGEST = "() => { const longest = Math.max(0, ...window.__longTasks); window.__longTasks = []; return longest; }"
# The training run measured: the panel's fields, as a visitor fills them.
TRAINING = {"train-hidden": "64", "train-lr": "0.05", "train-batch": "64", "train-epochs": "2"}


def summary(name: str, values: list[float], unit: str) -> str:
    return (
        f"{name}: median {statistics.median(values):.{1 if unit == 's' else 0}f} {unit} "
        f"(min {min(values):.2f}, max {max(values):.2f}; {len(values)} runs)"
    )


# The floor: the least a page can do to have Python and NumPy ready. Two of them: on Pyodide's
# stock files (the issue's "bare Pyodide + NumPy": Pyodide 0.27.7's runtime, standard library and
# NumPy wheel as Pyodide ships them, served from STOCK_PATH), and on the site's own slimmed and
# precompiled copies (?pyodide=../pyodide/), which make any page on them faster too.
FLOOR_PATH = "__floor/"  # served beside the site by the measuring server, never part of it
STOCK_PATH = "__stock-pyodide/"  # Pyodide's stock files (build_site.write_pyodide, slim=False), ditto
FLOORS = {"stock": f"?pyodide=../{STOCK_PATH}", "site": "?pyodide=../pyodide/"}
FLOOR_FILES = {
    "index.html": (
        "text/html",
        """<!doctype html><meta charset="utf-8"><title>floor</title>
<script type="module">
const worker = new Worker("worker.js" + location.search, { type: "module" });
worker.onmessage = (event) => (window.floor = event.data);
</script>""",
    ),
    "worker.js": (
        "text/javascript",
        """const indexURL = new URL(new URLSearchParams(self.location.search).get("pyodide"), self.location.href).href;
const { loadPyodide } = await import(indexURL + "pyodide.mjs");
const started = performance.now();
const pyodide = await loadPyodide({ indexURL, fullStdLib: false });
const loaded = performance.now();
await pyodide.loadPackage("numpy", { messageCallback: () => {} });
pyodide.runPython("import numpy");
self.postMessage({ runtime_ms: loaded - started, numpy_ms: performance.now() - loaded });
""",
    ),
}
FLOOR_READY = "() => window.floor !== undefined"
SAVED = "() => ['saved', 'failed'].includes(window.scratchnn.offline.state)"
# In the page's worker: true once its snapshot of Python is saved (worker-snapshot.js; null when it
# started from one, so there was nothing to save).
SNAPSHOT_SAVED = "scratchnn.snapshotSaved === null || scratchnn.snapshotSaved"
STARTS: dict[str, list[str]] = {}  # how Python started (state.pythonStart), per kind of repeat visit


def saved(page) -> None:
    """Wait until the service worker has saved the site and the worker its snapshot of Python."""
    page.wait_for_function(SAVED, timeout=600_000)
    if page.evaluate("window.scratchnn.offline.state") != "saved":
        raise SystemExit(f"measure_demo: no service worker: {page.evaluate('window.scratchnn.offline')}")
    if page.workers[-1].evaluate(SNAPSHOT_SAVED) is not True:
        raise SystemExit("measure_demo: the worker did not save its snapshot of Python")


def repeat_visit(page, url: str, kind: str) -> float:
    """The page reloaded in its context (s to ready); how Python started is kept in STARTS[kind]."""
    seconds = timed_load(page, url, READY, reload=True, kind=kind)
    STARTS.setdefault(kind, []).append(page.evaluate("window.scratchnn.state.pythonStart"))
    return seconds


class Handler(site_server.Handler):
    """The site, gzipped as GitHub Pages sends it, and the floor's two files under FLOOR_PATH."""

    quiet = True
    gzip = True
    bytes_sent = 0  # the bodies' bytes (Content-Length) of every response so far, gzipped where sent so
    # Files the worker fetches only once it is ready (site.json's after_ready): their bytes are not
    # counted as sent until ready, even when their request starts before the page says so.
    after_ready: frozenset[str] = frozenset()
    stock: Path | None = None  # the folder of Pyodide's stock files, served under STOCK_PATH

    def translate_path(self, path: str) -> str:
        relative = path.split("?")[0].lstrip("/")
        if self.stock is not None and relative.startswith(STOCK_PATH):
            name = relative[len(STOCK_PATH) :]
            return str(self.stock / name) if name and "/" not in name and name != ".." else str(self.stock / "-")
        return super().translate_path(path)

    def send_header(self, keyword: str, value: str) -> None:
        if keyword == "Content-Length" and self.path.split("?")[0].lstrip("/") not in Handler.after_ready:
            Handler.bytes_sent += int(value)
        super().send_header(keyword, value)

    def send_head(self):
        path = self.path.split("?")[0].lstrip("/")
        if not path.startswith(FLOOR_PATH):
            return super().send_head()
        name = path[len(FLOOR_PATH) :] or "index.html"
        if name not in FLOOR_FILES:
            self.send_error(404)
            return None
        kind, text = FLOOR_FILES[name]
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` (and the floor) on a free 127.0.0.1 port until the block ends; yields its URL.
    Every file is gzipped once before the first request, so no load pays for compressing."""
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in site_server.GZIP_SUFFIXES:
            status = path.stat()
            site_server.gzipped(str(path), status.st_mtime_ns, status.st_size)
    server = site_server.Server(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def network_conditions(text: str) -> dict:
    """ "20mbit,40ms" -> Network.emulateNetworkConditions' parameters (bytes/s, ms round trip)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*mbit\s*,\s*(\d+(?:\.\d+)?)\s*ms\s*", text, re.IGNORECASE)
    if not match or float(match[1]) <= 0:
        raise argparse.ArgumentTypeError(f"expected a bandwidth and a round trip like 20mbit,40ms, got {text[:40]!r}")
    rate = float(match[1]) * 1e6 / 8
    return {"offline": False, "latency": float(match[2]), "downloadThroughput": rate, "uploadThroughput": rate,
            "label": f"{match[1]} Mbit/s, {match[2]} ms round trip"}  # fmt: skip


class Browsers:
    """Where each visitor's browser comes from. By default a new profile for each, in a temporary
    folder (deleted at close()), launched for the context: a visitor's own Chrome keeps its caches
    on disk, and with its HTTP cache the code V8 compiled from a file. ``incognito``: off-the-record
    contexts of one browser (what Playwright's browser.new_context() gives), whose HTTP cache keeps
    no compiled code: there the repeat visit compiles Pyodide's WebAssembly afresh
    (docs/web-page.md)."""

    def __init__(self, playwright, executable: str, incognito: bool = False, flags: tuple[str, ...] = ()) -> None:
        self.playwright, self.executable, self.args = playwright, executable, [*chromium.ARGS, *flags]
        self.profiles = tempfile.TemporaryDirectory(prefix="measure-profiles-")
        self.count = 0
        self.shared = playwright.chromium.launch(executable_path=executable, args=self.args) if incognito else None

    def new_context(self):
        """A fresh context (empty caches, no service worker) and its page."""
        options = {"viewport": {"width": 1280, "height": 900}, "service_workers": "allow"}
        if self.shared is not None:
            context = self.shared.new_context(**options)
            return context, context.new_page()
        self.count += 1
        folder = Path(self.profiles.name) / f"profile-{self.count}"
        context = self.playwright.chromium.launch_persistent_context(
            folder, executable_path=self.executable, args=self.args, **options
        )
        return context, (context.pages[0] if context.pages else context.new_page())

    def close(self) -> None:
        if self.shared is not None:
            self.shared.close()
        self.profiles.cleanup()


def new_context(browser: Browsers, network: dict | None):
    """A fresh context (empty caches, no service worker) and its page, over ``network`` if given."""
    context, page = browser.new_context()
    if network:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {k: v for k, v in network.items() if k != "label"})
    return context, page


TRANSFERS: dict[str, list[float]] = {}  # what the server sent until ready (MB), per kind of load


def timed_load(page, url: str, ready: str, reload: bool = False, kind: str | None = None) -> float:
    """Seconds from navigating (or reloading) to ``ready`` being true; the MB the server sent
    meanwhile are added to TRANSFERS[kind] when ``kind`` is given."""
    started, sent = time.perf_counter(), Handler.bytes_sent
    page.reload() if reload else page.goto(url)
    page.wait_for_function(ready, timeout=240_000)
    seconds = time.perf_counter() - started
    if kind:
        TRANSFERS.setdefault(kind, []).append((Handler.bytes_sent - sent) / 1e6)
    return seconds


def cold_floor(browser, url: str, network: dict | None, which: str = "stock") -> tuple[float, float]:
    """The floor's cold load (s) in a fresh context, and its repeat visit (HTTP cache only);
    ``which``: on Pyodide's stock files or on the site's (FLOORS)."""
    context, page = new_context(browser, network)
    kind = None if network else f"floor on the {which} files, cold"
    cold = timed_load(page, url + FLOOR_PATH + FLOORS[which], FLOOR_READY, kind=kind)
    repeat = timed_load(page, url + FLOOR_PATH + FLOORS[which], FLOOR_READY, reload=True)
    context.close()
    return cold, repeat


def page_over_network(browser, url: str, network: dict) -> tuple[float, float]:
    """The page's cold load (s) over ``network``, and its repeat visit once the service worker saved it."""
    context, page = new_context(browser, network)
    cold = timed_load(page, url, READY)
    saved(page)
    repeat = repeat_visit(page, url, f"page over {network['label']}, repeat visit")
    context.close()
    return cold, repeat


def draw_and_time(page, rounds: int) -> list[float]:
    """Round trips (ms) of predictions made while drawing: pad -> worker -> Python -> page."""
    box = page.locator("#pad").bounding_box()
    times = []
    for _ in range(rounds):
        page.evaluate("window.scratchnn.pad.clear()")
        page.mouse.move(box["x"] + box["width"] * SEVEN[0][0], box["y"] + box["height"] * SEVEN[0][1])
        page.mouse.down()
        for x, y in SEVEN[1:]:
            page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y, steps=6)
        page.mouse.up()
        page.wait_for_function(
            "() => { const s = window.scratchnn.state; return s.result && !s.result.empty && !s.inFlight && !s.dirty; }"
        )
        times.append(page.evaluate("window.scratchnn.state.result.round_trip_ms"))
    return times


def draw_with_and_without_explorer(page, rounds: int) -> dict[str, list[float]]:
    """Every live prediction's round trip (ms) while drawing, with the explorer following each
    finished drawing ("on") and with it off, alternating drawing by drawing; and the explorer's
    own figures per explanation (its Python, round trip and rendering, ms)."""
    figures: dict[str, list[float]] = {"on": [], "off": [], "python": [], "round trip": [], "render": []}
    page.evaluate("window.scrollTo(0, 0)")
    for i in range(2 * rounds):
        following = i % 2 == 0
        page.evaluate(f"window.scratchnn.explorer.following = {str(following).lower()}")
        seen = page.evaluate("[window.scratchnn.state.roundTrips.length, window.scratchnn.explorer.events.length]")
        draw_and_time(page, 1)
        if following:
            page.wait_for_function(f"() => window.scratchnn.explorer.events.length > {seen[1]}")
            page.wait_for_function("() => !window.scratchnn.explorer.inFlight")
        trips = page.evaluate(f"window.scratchnn.state.roundTrips.slice({seen[0]})")
        figures["on" if following else "off"] += trips
        for event in page.evaluate(f"window.scratchnn.explorer.events.slice({seen[1]})"):
            figures["python"].append(event["python_ms"])
            figures["round trip"].append(event["round_trip_ms"])
            figures["render"].append(event["render_ms"])
    page.evaluate("window.scratchnn.explorer.following = true")
    return figures


def train_and_draw(page) -> int:
    """Train a network in the page while drawing 7s on the pad, as a visitor might; the number of
    drawings read while the run went on."""
    page.evaluate("window.scrollTo(0, 0)")
    for field, value in TRAINING.items():
        page.fill(f"#{field}", value)
    page.click("#train-scratch")
    page.wait_for_function("() => window.scratchnn.training.running", timeout=120_000)
    page.evaluate("window.scrollTo(0, 0)")
    drawings = 0
    while page.evaluate("window.scratchnn.training.running"):
        draw_and_time(page, 1)
        drawings += 1
    return drawings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="cold loads to time (default 3)")
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    parser.add_argument("--chromium", default=None, help="browser executable (default: Playwright's, else system)")
    parser.add_argument("--floor", action="store_true", help="also time the bare Pyodide + NumPy floor, alternating")
    parser.add_argument(
        "--network", type=network_conditions, help="also load over an emulated connection, e.g. 20mbit,40ms"
    )
    parser.add_argument(
        "--incognito", action="store_true", help="off-the-record contexts, not a new on-disk profile per visitor"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build_site.build(Path(tmp) / "site", build_site.default_wheels(), build_site.CDN, True)
        manifest = json.loads((site / "site.json").read_text())
        Handler.after_ready = frozenset([manifest["after_ready"]["file"]] if manifest.get("after_ready") else [])
        if args.floor:
            Handler.stock = Path(tmp) / "stock-pyodide"
            build_site.write_pyodide(Handler.stock, build_site.default_wheels(), build_site.CDN, slim=False)
        with serve(site) as url, sync_playwright() as p:
            executable = args.chromium or chromium.executable(p)
            if executable is None:
                raise SystemExit(f"measure_demo: {chromium.MISSING}")
            browser = Browsers(p, executable, incognito=args.incognito)
            cold, repeat, later, stages, repeat_stages, latency = [], [], [], [], [], []
            floor: dict[str, list[float]] = {"stock": [], "stock repeat": [], "site": [], "site repeat": []}
            slow: dict[str, list[float]] = {"cold": [], "repeat": [], "stock": [], "site": []}
            longest = {"loading": [], "drawing": [], "exploring": [], "training": []}
            explorer: dict[str, list[float]] = {}

            def page_here() -> None:
                context, page = new_context(browser, None)
                page.add_init_script(LONG_TASKS)
                cold.append(timed_load(page, url, READY, kind="page, cold"))
                longest["loading"].append(page.evaluate(LONGEST))
                stages.append(page.evaluate("window.scratchnn.state.timings"))
                latency.extend(draw_and_time(page, 10))
                longest["drawing"].append(page.evaluate(LONGEST))
                for name, values in draw_with_and_without_explorer(page, 5).items():
                    explorer.setdefault(name, []).extend(values)
                longest["exploring"].append(page.evaluate(LONGEST))
                train_and_draw(page)
                longest["training"].append(page.evaluate(LONGEST))
                saved(page)
                repeat.append(repeat_visit(page, url, "page, repeat visit"))
                repeat_stages.append(page.evaluate("window.scratchnn.state.timings"))
                later.append(repeat_visit(page, url, "page, later visit"))
                context.close()

            def floor_here(which: str) -> None:
                cold_s, repeat_s = cold_floor(browser, url, None, which)
                floor[which].append(cold_s)
                floor[f"{which} repeat"].append(repeat_s)

            def page_over() -> None:
                for name, value in zip(("cold", "repeat"), page_over_network(browser, url, args.network), strict=True):
                    slow[name].append(value)

            def floor_over(which: str) -> None:
                slow[which].append(cold_floor(browser, url, args.network, which)[0])

            floors_here = [functools.partial(floor_here, which) for which in FLOORS] if args.floor else []
            floors_over = [functools.partial(floor_over, which) for which in FLOORS] if args.floor else []
            for run in range(args.runs):
                in_turn(run, page_here, *floors_here)
                if args.network:
                    in_turn(run, page_over, *floors_over)
            browser.close()
    print(summary("cold load to ready", cold, "s"))
    for kind, values in TRANSFERS.items():
        print(f"  sent by the server until ready, {kind}: {spread(values, 2)} MB")
    print(summary("repeat visit (same context, reloaded: the service worker's cache) to ready", repeat, "s"))
    print(summary("later visit (the same context reloaded again) to ready", later, "s"))
    for kind, starts in STARTS.items():
        print(f"  Python started from the snapshot, {kind}: {starts.count('snapshot')} of {len(starts)}")
    if args.floor:
        for which, what in (("stock", "Pyodide's stock files"), ("site", "the site's own Pyodide files")):
            print(summary(f"floor on {what}: Pyodide + NumPy in a module worker, cold", floor[which], "s"))
            print(summary("  its repeat visit (browser cache)", floor[f"{which} repeat"], "s"))
            print(ratios("  cold load / this floor's cold", cold, floor[which]))
            print(ratios("  repeat visit / this floor's cold", repeat, floor[which]))
            print(ratios("  later visit / this floor's cold", later, floor[which]))
    if args.network:
        label = args.network["label"]
        print(summary(f"over {label}: cold load to ready", slow["cold"], "s"))
        print(summary(f"over {label}: repeat visit (service worker) to ready", slow["repeat"], "s"))
        if args.floor:
            for which in FLOORS:
                print(summary(f"over {label}: floor on the {which} files, cold", slow[which], "s"))
                print(ratios(f"over {label}: cold load / that floor's cold", slow["cold"], slow[which]))
    for stage in stages[0]:
        print(summary(f"  stage {stage}", [s[stage] for s in stages], "ms"))
    for stage in repeat_stages[0]:
        print(summary(f"  stage {stage}, repeat visit", [s[stage] for s in repeat_stages], "ms"))
    print(summary("prediction round trip while drawing", latency, "ms"))
    on, off = statistics.median(explorer["on"]), statistics.median(explorer["off"])
    print(
        f"live prediction round trip, every prediction of a drawing: explorer following {on:.1f} ms, "
        f"explorer off {off:.1f} ms (medians of {len(explorer['on'])} and {len(explorer['off'])}; ratio {on / off:.2f})"
    )
    print(
        "explorer, per finished drawing (512 hidden units): "
        + " · ".join(f"{name} {spread(explorer[name], 1)} ms" for name in ("python", "round trip", "render"))
    )
    print(
        "longest main-thread task (ms): "
        + " · ".join(f"while {what} {spread(values)}" for what, values in longest.items())
        + f"; {args.runs} runs"
    )
    return 0


def in_turn(run: int, *measures) -> None:
    """Call each of ``measures`` once, first to last in even runs and last to first in odd ones: a
    busy moment of the machine then hits each as often."""
    for measure in measures if run % 2 == 0 else measures[::-1]:
        measure()


def ratios(name: str, values: list[float], floors: list[float]) -> str:
    """Run by run (the i-th of each was timed side by side), and of the medians."""
    each = [v / f for v, f in zip(values, floors, strict=True)]
    return (
        f"{name}: {statistics.median(values) / statistics.median(floors):.2f}x of the medians "
        f"(run by run {min(each):.2f}x–{max(each):.2f}x; {len(each)} runs)"
    )


def spread(values: list[float], digits: int = 0) -> str:
    """Median (min–max), in whole milliseconds unless told otherwise."""
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


if __name__ == "__main__":
    sys.exit(main())
