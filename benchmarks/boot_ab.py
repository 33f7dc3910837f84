"""Cold load to ready of two versions of the worker, alternating, over an emulated connection:
the site's web/worker.js ("now") against the one at a git revision ("then", default HEAD~1), in
the same site otherwise, served gzipped as GitHub Pages serves it.

    .venv/bin/python benchmarks/boot_ab.py --runs 5 --network 20mbit,40ms
    .venv/bin/python benchmarks/boot_ab.py --then c7ca1e1 --network none   # localhost, no emulation

Each round loads "then" and "now" once each, in a fresh browser context (empty cache, no service
worker), the order swapped every round; the medians and the median of the per-round ratios are
printed. A busy machine slows both; the ratio is what to read.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import build_site
import chromium
import serve

READY = "() => window.scratchnn && window.scratchnn.state.ready && window.scratchnn.state.model"


def network(text: str) -> dict | None:
    """ "20mbit,40ms" -> Network.emulateNetworkConditions' parameters; "none" -> None."""
    if text == "none":
        return None
    rate, latency = text.lower().replace("mbit", "").replace("ms", "").split(",")
    bytes_per_second = float(rate) * 1e6 / 8
    return {"offline": False, "latency": float(latency), "downloadThroughput": bytes_per_second,
            "uploadThroughput": bytes_per_second}  # fmt: skip


def cold_load(browser, url: str, conditions: dict | None) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    if conditions:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", conditions)
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(READY, timeout=180_000)
    seconds = time.perf_counter() - started
    context.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--then", default="HEAD~1", help="the git revision whose web/worker.js is 'then'")
    parser.add_argument("--network", default="20mbit,40ms", help="'20mbit,40ms' or 'none'")
    args = parser.parse_args(argv)
    conditions = network(args.network)
    old = subprocess.run(
        ["git", "show", f"{args.then}:web/worker.js"], cwd=build_site.ROOT, capture_output=True, text=True, check=True
    ).stdout
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        now = build_site.build(Path(tmp) / "now", build_site.default_wheels(), None, quiet=True)
        then = Path(tmp) / "then"
        shutil.copytree(now, then)
        (then / "worker.js").write_text(old)
        manifest = json.loads((then / "site.json").read_text())
        build_site.write_manifest(then, {k: v for k, v in manifest.items() if k not in ("files", "version")})
        serve.Handler.quiet, serve.Handler.gzip = True, True
        server = serve.Server(("127.0.0.1", 0), partial(serve.Handler, directory=tmp))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        times: dict[str, list[float]] = {"then": [], "now": []}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium.executable(p), args=chromium.ARGS)
                for i in range(args.runs):
                    for name in ("then", "now") if i % 2 == 0 else ("now", "then"):
                        times[name].append(cold_load(browser, base + name + "/", conditions))
                browser.close()
        finally:
            server.shutdown()
    ratios = [n / t for n, t in zip(times["now"], times["then"], strict=True)]
    for name, values in times.items():
        print(f"{name:>4}: cold load to ready (first network loaded) median {statistics.median(values):.2f} s "
              f"(min {min(values):.2f}, max {max(values):.2f}; {len(values)} runs)")  # fmt: skip
    print(f"now / then: median ratio {statistics.median(ratios):.2f} ({args.network}; then = {args.then})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
