"""Measure the demo in headless Chromium: cold and repeat load to ready, prediction round trip,
and the main thread's longest task while loading, while drawing and while training; the
explorer's cost (its Python, its round trip, its rendering on the main thread) and the live
prediction's round trip with the explorer following each drawing beside the same with it off,
drawing by drawing in alternation (the ratio is what to read: the machine's load hits both).

    .venv/bin/python scripts/measure_demo.py              # builds the site into a temp folder
    .venv/bin/python scripts/measure_demo.py --runs 5 --site _site

Prints one line per figure (median, min and max over the runs), ready for the README. Needs
Playwright (in .venv) and a Chromium: Playwright's own, else /usr/bin/chromium.

The longest task is what the browser's Long Tasks API reports (tasks of the page's main thread
over 50 ms; none is counted as 0): the figure depends on the machine and on how busy it is, which
is why it is measured here and not asserted by the tests.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

import build_site
import chromium

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


def serve(site: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(site), "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()  # "Serving HTTP on 127.0.0.1 port N (http://127.0.0.1:N/) ..."
    url = line.split("(")[1].split(")")[0]
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    return process, url


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
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build_site.build(Path(tmp) / "site", build_site.default_wheels(), build_site.CDN, True)
        server, url = serve(site)
        try:
            with sync_playwright() as p:
                executable = args.chromium or chromium.executable(p)
                if executable is None:
                    raise SystemExit(f"measure_demo: {chromium.MISSING}")
                browser = p.chromium.launch(executable_path=executable, args=chromium.ARGS)
                cold, repeat, stages, latency = [], [], [], []
                longest = {"loading": [], "drawing": [], "exploring": [], "training": []}
                explorer: dict[str, list[float]] = {}
                for _ in range(args.runs):
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    page = context.new_page()
                    page.add_init_script(LONG_TASKS)
                    started = time.perf_counter()
                    page.goto(url)
                    page.wait_for_function(READY, timeout=120_000)
                    cold.append(time.perf_counter() - started)
                    longest["loading"].append(page.evaluate(LONGEST))
                    stages.append(page.evaluate("window.scratchnn.state.timings"))
                    latency += draw_and_time(page, 10)
                    longest["drawing"].append(page.evaluate(LONGEST))
                    for name, values in draw_with_and_without_explorer(page, 5).items():
                        explorer.setdefault(name, []).extend(values)
                    longest["exploring"].append(page.evaluate(LONGEST))
                    train_and_draw(page)
                    longest["training"].append(page.evaluate(LONGEST))
                    started = time.perf_counter()
                    page.reload()
                    page.wait_for_function(READY, timeout=120_000)
                    repeat.append(time.perf_counter() - started)
                    context.close()
                browser.close()
        finally:
            server.terminate()
    print(summary("cold load to ready", cold, "s"))
    print(summary("repeat visit (browser cache) to ready", repeat, "s"))
    for stage in stages[0]:
        print(summary(f"  stage {stage}", [s[stage] for s in stages], "ms"))
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


def spread(values: list[float], digits: int = 0) -> str:
    """Median (min–max), in whole milliseconds unless told otherwise."""
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


if __name__ == "__main__":
    sys.exit(main())
