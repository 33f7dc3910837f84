"""Whether each visit's compile of Pyodide's WebAssembly found compiled code cached by Chrome.

    .venv/bin/python scripts/build_site.py --out /tmp/site
    .venv/bin/python benchmarks/wasm_code_cache.py /tmp/site --runs 2

In a fresh browser context: a cold load, then (once the service worker has saved the site and the
worker its snapshot of Python) the page reloaded twice, the repeat visit and a later visit, as
scripts/measure_demo.py loads them. After each visit it reads Chrome's own histogram
V8.WasmCodeCaching (chrome://histograms), which Chrome adds to once per streaming compile of a
WebAssembly module (pyodide.asm.wasm here; NumPy's libraries are compiled from bytes and never
cached): "hit" (compiled code was there and was used), "miss" (none was there; the compile may
save some for the next time), "invalid" (some was there, refused), "no cache handler" (the
response can keep none: a copy read with caches.match(), say). Prints what each visit added, and
its seconds to ready. ``--js-flags`` passes V8 flags to Chromium, for example the ones that turn
its WebAssembly code caching off, to see what the cache is worth.

Each run is a new browser profile on disk (measure_demo.Browsers), as a visitor's Chrome;
``--incognito`` uses off-the-record contexts instead, whose HTTP cache keeps no compiled code.
What it shows for this site (docs/web-page.md): the cold load misses and keeps its code with the
browser's HTTP cache; the repeat visit, served by the service worker from Cache Storage, misses
again, because compiled code is kept per copy of the file; the later visit hits.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import chromium
import measure_demo
from site_ab import rounds, site_folder

HISTOGRAM = "chrome://histograms/V8.WasmCodeCaching"
# Chromium's WasmCodeCaching (third_party/blink/.../v8_wasm_response_extensions.cc)
OUTCOMES = {0: "miss", 1: "hit", 2: "invalid", 3: "no cache handler"}
BUCKET = re.compile(r"^(\d+)\s+[-O.]*\s*\((\d+) = ")


def outcome_counts(text: str) -> dict[str, int]:
    """The samples of each outcome in chrome://histograms' text for V8.WasmCodeCaching ({} when it
    has none yet). A bucket line reads "1  -O   (2 = 66.7%) {33.3%}": bucket 1, two samples."""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        match = BUCKET.match(line.strip())
        if match and int(match[1]) in OUTCOMES and int(match[2]):
            counts[OUTCOMES[int(match[1])]] = int(match[2])
    return counts


def read_histogram(context) -> dict[str, int]:
    """The outcomes so far, read in a tab of ``context``'s browser. The page shows what the
    browser had gathered when it loaded; it is loaded twice, so the renderers' samples are in."""
    tab = context.new_page()
    try:
        tab.goto(HISTOGRAM)
        tab.wait_for_timeout(1500)
        tab.reload()
        tab.wait_for_timeout(1500)
        return outcome_counts(tab.inner_text("body"))
    finally:
        tab.close()


# In the page's worker: where its pyodide.asm.wasm came from (Resource Timing's deliveryType):
# "cache-storage" (the service worker's copy), "cache" (the HTTP cache), "" (the network).
WASM_SOURCE = """performance.getEntriesByType("resource")
  .filter((entry) => entry.name.endsWith("/pyodide.asm.wasm"))
  .map((entry) => (entry.workerStart > 0 ? "service worker, " : "") + (entry.deliveryType || "network"))
  .join(" and ") || "not fetched"
"""


def added(before: dict[str, int], after: dict[str, int]) -> str:
    """What a visit added to the histogram: "miss", "hit", "miss + hit", or "nothing"."""
    gained = {name: count - before.get(name, 0) for name, count in after.items()}
    return " + ".join(name if n == 1 else f"{name} x{n}" for name, n in gained.items() if n) or "nothing"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=site_folder, help="a built site (scripts/build_site.py --out)")
    parser.add_argument("--runs", type=rounds, default=1, help="fresh contexts, 1 to 100 (default 1)")
    parser.add_argument(
        "--stay", type=float, default=0.0, help="seconds to stay on the page after the cold load is saved (default 0)"
    )
    parser.add_argument(
        "--js-flags", default="", help="V8 flags for Chromium's --js-flags (the caching ones: see docs/web-page.md)"
    )
    parser.add_argument("--incognito", action="store_true", help="off-the-record contexts (measure_demo.Browsers)")
    args = parser.parse_args(argv)
    with measure_demo.serve(args.site) as url, sync_playwright() as p:
        executable = chromium.executable(p)
        if executable is None:
            raise SystemExit(f"wasm_code_cache: {chromium.MISSING}")
        flags = (f"--js-flags={args.js_flags}",) if args.js_flags else ()
        browser = measure_demo.Browsers(p, executable, incognito=args.incognito, flags=flags)
        for run in range(args.runs):
            context, page = measure_demo.new_context(browser, None)
            try:
                before = read_histogram(context)
                for visit in ("cold", "repeat visit", "later visit"):
                    seconds = measure_demo.timed_load(page, url, measure_demo.READY, reload=visit != "cold")
                    if visit == "cold":
                        measure_demo.saved(page)
                        page.wait_for_timeout(args.stay * 1000)
                    after = read_histogram(context)
                    what = added(before, after)
                    source = page.workers[-1].evaluate(WASM_SOURCE)
                    print(
                        f"run {run + 1}, {visit:12} {seconds:.2f} s to ready; V8.WasmCodeCaching: {what}; from {source}"
                    )
                    before = after
            finally:
                context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
