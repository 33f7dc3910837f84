"""What one live answer costs the page: the round trip to Python and the main-thread time spent
showing it, for the page's view.js against an earlier view.js, in the same run, alternating.

    .venv/bin/python benchmarks/live_answer.py                      # 12 strokes per page and setting
    .venv/bin/python benchmarks/live_answer.py --strokes 30 --out benchmarks/live-answer-2cores.txt

The old code path is the git version ``--baseline`` of web/view.js served from a second copy of
the same build (only view.js differs, and a rule appended to style.css gives the tiles' bars
their old CSS; site.json is rewritten to match), so both pages run the same app.js, worker and
Python. Each page draws the same strokes with the mouse in headless Chromium (1280x900), one
page after the other, stroke by stroke. Per answer, the page records ``state.roundTrips``
(request to answer, ms) and ``state.renderMs`` (performance.now() around showPrediction and
showTiming in app.js: the JavaScript that shows the answer). The browser then recalculates
styles and lays the page out for what that JavaScript changed, outside that measure:
Chromium's own counters (CDP Performance.getMetrics) over each stroke, divided by the stroke's
answers, give that part (RecalcStyleDuration + LayoutDuration) and the main thread's whole time
per answer (TaskDuration: the mouse's events and the pad's drawing too, the same for both).
Medians over the answers (the per-stroke figures: over the strokes), for the default network
(512 hidden units) and the largest of the page's (best, 800), with the 48 most active tiles
shown and with "Show all".
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from demo_page import drag  # noqa: E402
from local_server import serve_folder  # noqa: E402

import build_site  # noqa: E402
import chromium  # noqa: E402

BASELINE = "cb22ce6"  # web/view.js before answers touched only what changed (issue 15, item 6)
READY = "() => window.scratchnn && window.scratchnn.state.ready"
ANSWERED = "() => { const s = window.scratchnn.state; return s.ready && s.result && !s.inFlight && !s.dirty; }"
# Digit-like strokes, as fractions of the pad; each is drawn with 8 mouse moves between points.
STROKES = [
    [(0.3, 0.22), (0.72, 0.22), (0.48, 0.82)],  # a 7
    [(0.25, 0.3), (0.5, 0.15), (0.7, 0.3), (0.3, 0.8), (0.75, 0.8)],  # a 2
    [(0.5, 0.15), (0.5, 0.85)],  # a 1
    [(0.5, 0.15), (0.28, 0.5), (0.5, 0.85), (0.72, 0.5), (0.5, 0.15)],  # a 0
    [(0.3, 0.2), (0.7, 0.3), (0.45, 0.5), (0.7, 0.7), (0.3, 0.82)],  # a 3
    [(0.6, 0.15), (0.3, 0.6), (0.75, 0.6), (0.6, 0.4), (0.6, 0.85)],  # a 4
]


def baseline_site(site: Path, folder: Path, revision: str) -> Path:
    """A copy of ``site`` whose view.js is ``revision``'s web/view.js (site.json rewritten)."""
    shutil.copytree(site, folder, symlinks=True)
    old = subprocess.run(["git", "show", f"{revision}:web/view.js"], cwd=ROOT, check=True, capture_output=True).stdout
    (folder / "view.js").write_bytes(old)
    with (folder / "style.css").open("a") as css:  # its tiles' bars: drawn by width, as then
        css.write("\n.unit-meter > span {\n  width: 0;\n  transform: none;\n}\n")
    manifest = build_site.json.loads((folder / build_site.MANIFEST).read_text())
    build_site.write_manifest(folder, {k: v for k, v in manifest.items() if k not in ("files", "version")})
    return folder


class Page:
    """One open copy of the demo, with Chromium's performance counters."""

    def __init__(self, browser: Any, url: str, name: str) -> None:
        self.name = name
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        self.page = self.context.new_page()
        self.page.goto(url)
        self.page.wait_for_function(READY, timeout=120_000)
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Performance.enable")

    def counters(self) -> tuple[float, float]:
        """Seconds Chromium has spent on this page's main thread so far: recalculating styles and
        laying out, and on every task (input, scripts, rendering, painting)."""
        metrics = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        return metrics["RecalcStyleDuration"] + metrics["LayoutDuration"], metrics["TaskDuration"]

    def use(self, network: str, show_all: bool) -> None:
        self.page.evaluate(f"window.scratchnn.useModel({network!r})")
        self.page.wait_for_function(
            f"() => document.body.dataset.model === {network!r} && window.scratchnn.state.ready", timeout=120_000
        )
        if (self.page.locator("#units").get_attribute("data-all") == "true") != show_all:
            self.page.locator("#units-toggle").click()

    def stroke(self, points: list[tuple[float, float]]) -> tuple[list[float], list[float], float, float]:
        """Clear the pad, draw ``points``; the stroke's round trips and render times (ms), and its
        style and layout time and its main-thread time, per answer (ms)."""
        self.page.evaluate("window.scratchnn.pad.clear()")
        self.page.wait_for_function(ANSWERED, timeout=60_000)
        self.page.evaluate("window.scratchnn.state.roundTrips = []; window.scratchnn.state.renderMs = []")
        self.page.locator("#pad").scroll_into_view_if_needed()
        before = self.counters()
        drag(self.page, points)
        self.page.wait_for_function(ANSWERED, timeout=60_000)
        self.page.evaluate("new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)))")  # laid out
        after = self.counters()
        trips, render = self.page.evaluate("[window.scratchnn.state.roundTrips, window.scratchnn.state.renderMs]")
        answers = max(len(render), 1)
        return trips, render, (after[0] - before[0]) * 1000 / answers, (after[1] - before[1]) * 1000 / answers


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run(site: Path, old_site: Path, strokes: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = []
    with serve_folder(site) as new_url, serve_folder(old_site) as old_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium.executable(p), args=chromium.ARGS)
        pages = [Page(browser, old_url, "old"), Page(browser, new_url, "new")]
        for network in ("default", "best"):
            for show_all in (False, True):
                for page in pages:
                    page.use(network, show_all)
                seen: dict[str, dict[str, list[float]]] = {
                    page.name: {"trip": [], "render": [], "layout": [], "task": []} for page in pages
                }
                for i in range(strokes):
                    for page in pages if i % 2 == 0 else pages[::-1]:  # alternate who goes first
                        trips, render, layout, task = page.stroke(STROKES[i % len(STROKES)])
                        seen[page.name]["trip"] += trips
                        seen[page.name]["render"] += render
                        seen[page.name]["layout"].append(layout)
                        seen[page.name]["task"].append(task)
                rows.append({"network": network, "all": show_all, **seen})
                print(format_row(rows[-1]), flush=True)
        browser.close()
    return rows


def format_row(row: dict) -> str:
    old, new = row["old"], row["new"]
    answers = f"{len(old['render']):>4}/{len(new['render']):<4}"
    cells = [f"{row['network']:<8}", f"{'all' if row['all'] else '48':>5}", answers]
    for key in ("trip", "render", "layout", "task"):
        a, b = median(old[key]), median(new[key])
        cells.append(f"{a:7.2f} {b:7.2f} {b / a if a else float('nan'):5.2f}")
    return "  ".join(cells)


HEADER = (
    "network   tiles  answers    round trip (ms)        render JS (ms)         style+layout (ms)"
    "      main thread (ms)\n"
    "                 old/new    old     new   new/old  old     new   new/old  old     new   new/old"
    "  old     new   new/old"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strokes", type=int, default=12, help="strokes per page and setting (default 12)")
    parser.add_argument("--baseline", default=BASELINE, help=f"the git revision of the old view.js ({BASELINE})")
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    if args.strokes < 1:
        parser.error("--strokes must be at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build_site.build(Path(tmp) / "site", build_site.default_wheels(), None, quiet=True)
        old_site = baseline_site(site, Path(tmp) / "old", args.baseline)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        head = commit.stdout.strip()
        print(f"live answers: view.js of {args.baseline} (old) against the working tree's at {head} (new)")
        print(f"{args.strokes} strokes per page and setting, alternating; medians\n{HEADER}", flush=True)
        rows = run(site, old_site, args.strokes)
    if args.out:
        lines = [
            f"benchmarks/live_answer.py --strokes {args.strokes} (old: view.js of {args.baseline}; "
            f"new: {commit.stdout.strip()} + working tree), headless Chromium 1280x900, 2 cores",
            HEADER,
            *map(format_row, rows),
        ]
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
