"""Two built sites, A and B, loaded in alternation: cold load, repeat visit and later visit to ready.

    .venv/bin/python scripts/build_site.py --out /tmp/site-a      # at one commit
    .venv/bin/python scripts/build_site.py --out /tmp/site-b      # at another
    .venv/bin/python benchmarks/site_ab.py /tmp/site-a /tmp/site-b --runs 6

Each round loads A and B once each (the order swapped every round), each in a fresh browser
context (a new profile on disk, measure_demo.Browsers; ``--incognito``: off the record): a cold
load, then, once the service worker has saved the site and the worker its snapshot of Python, the
page reloaded twice (the repeat visit and a later visit), as scripts/measure_demo.py times them.
Both sites are served on 127.0.0.1, gzipped as GitHub Pages serves them. Prints the medians
(min-max) and B's medians over A's: a busy machine slows both sides, so the ratio is what to read.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import chromium
import measure_demo

VISITS = ("cold", "repeat visit", "later visit")


def site_folder(text: str) -> Path:
    """A built site: a folder with its site.json."""
    folder = Path(text)
    if not (folder / "site.json").is_file():
        raise argparse.ArgumentTypeError(
            f"{text} is not a built site (no site.json): build one with scripts/build_site.py"
        )
    return folder


def rounds(text: str) -> int:
    """--runs: a whole number from 1 to 100."""
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 100, not {text!r}")
    return int(text)


def load_three_times(browser, url: str) -> dict[str, float]:
    """Seconds to ready of a cold load, a repeat visit and a later visit, in a fresh context."""
    context, page = measure_demo.new_context(browser, None)
    try:
        times = {"cold": measure_demo.timed_load(page, url, measure_demo.READY)}
        measure_demo.saved(page)
        times["repeat visit"] = measure_demo.timed_load(page, url, measure_demo.READY, reload=True)
        times["later visit"] = measure_demo.timed_load(page, url, measure_demo.READY, reload=True)
        return times
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=site_folder, help="the first built site")
    parser.add_argument("b", type=site_folder, help="the second built site")
    parser.add_argument("--runs", type=rounds, default=6, help="rounds, 1 to 100 (default 6)")
    parser.add_argument("--incognito", action="store_true", help="off-the-record contexts (measure_demo.Browsers)")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, list[float]]] = {side: {visit: [] for visit in VISITS} for side in "AB"}
    with ExitStack() as stack, sync_playwright() as p:
        urls = {
            "A": stack.enter_context(measure_demo.serve(args.a)),
            "B": stack.enter_context(measure_demo.serve(args.b)),
        }
        executable = chromium.executable(p)
        if executable is None:
            raise SystemExit(f"site_ab: {chromium.MISSING}")
        browser = measure_demo.Browsers(p, executable, incognito=args.incognito)
        for run in range(args.runs):
            for side in "AB" if run % 2 == 0 else "BA":
                for visit, seconds in load_three_times(browser, urls[side]).items():
                    results[side][visit].append(seconds)
        browser.close()
    for side, folder in (("A", args.a), ("B", args.b)):
        print(f"{side} ({folder}):")
        for visit in VISITS:
            values = results[side][visit]
            print(f"  {visit:12} {statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})")
    for visit in VISITS:
        ratio = statistics.median(results["B"][visit]) / statistics.median(results["A"][visit])
        print(f"B / A, {visit}: {ratio:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
