"""What the page downloads before it is ready: every file fetched (by the page and its worker)
from opening the page to its first answer, with its size and its gzip-compressed size (zlib level
6, what a web server such as GitHub Pages' sends for a compressible type), in headless Chromium.

    .venv/bin/python benchmarks/transfer.py                 # builds the site into a temp folder
    .venv/bin/python benchmarks/transfer.py --site _site    # an already built site
    .venv/bin/python benchmarks/transfer.py --stock         # the same site with Pyodide's stock files

The files are those the local server sent in full (status 200, counted as often as sent) from
opening the page until it is ready with its first network; their sizes are read from disk and
gzipped here, so the figure does not depend on the server's compression or on the machine.

The worker fetches the modules the page imports only after it is ready (site.json's
"after_ready": numpy.random...) in the background once it is ready. On localhost that fetch
would often end before the page is seen to be ready, so the server holds its request until then
(a page that needed it to get ready would never get there: the run fails), then lets it through
and lists it apart, as fetched after ready. Service workers are blocked: the page registers one
only after it is ready, and what it fetches is not the first load.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import zlib
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import build_site
import chromium
import serve

READY = "() => window.scratchnn && window.scratchnn.state.ready && window.scratchnn.state.model"


def fetched_before_ready(site: Path) -> tuple[list[str], list[str]]:
    """The site's files (relative paths) the server sent in full (200) until the page was ready
    and had its first network, in order; a file sent twice is listed twice (a 304, the browser
    revalidating what it has, sends no body and is not listed). Then the files fetched after
    ready: site.json's after_ready, held until then (see the module's docstring)."""
    from playwright.sync_api import sync_playwright

    sent: list[str] = []
    later = json.loads((site / "site.json").read_text()).get("after_ready")
    if later and not (site / later["file"]).is_file():
        later = None  # --stock: Pyodide's own files hold everything (the worker's fetch fails, after ready)
    ready = threading.Event()  # set once the page is ready: the server then lets `later` through

    class Recorder(serve.Handler):
        def do_GET(self) -> None:
            if later and urlsplit(self.path).path == "/" + later["file"]:
                ready.wait(timeout=180)  # held in the server: a browser route would turn off its cache
            super().do_GET()

        def log_message(self, format: str, *args) -> None:
            request = str(args[0]).split(" ")  # a request's line, "GET /path HTTP/1.1" (else an error's)
            if len(request) == 3 and request[0] == "GET" and str(args[1]) == "200":
                path = request[1]
                sent.append(unquote(urlsplit(path).path).lstrip("/") or "index.html")

    server = serve.Server(("127.0.0.1", 0), partial(Recorder, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium.executable(p), args=chromium.ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            page.wait_for_function(READY, timeout=120_000)
            files = list(sent)
            ready.set()
            if later:  # listed once sent (the server logs a request when it has sent it)
                for _ in range(600):
                    if later["file"] in sent[len(files) :]:
                        break
                    page.wait_for_timeout(100)
                else:
                    raise RuntimeError(f"the page never fetched {later['file']} after it was ready")
            after = sent[len(files) :]
            browser.close()
    finally:
        ready.set()
        server.shutdown()
    return [p for p in files if (site / p).is_file()], [p for p in after if (site / p).is_file()]


def sizes(path: Path) -> tuple[int, int]:
    """A file's size, and its size gzip-compressed at level 6."""
    data = path.read_bytes()
    return len(data), len(zlib.compress(data, 6))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    parser.add_argument("--stock", action="store_true", help="replace the site's Pyodide by the stock files")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build_site.build(Path(tmp) / "site", build_site.default_wheels(), None, quiet=True)
        if args.stock:
            copy = Path(tmp) / "stock"
            shutil.copytree(site, copy, symlinks=True)
            shutil.rmtree(copy / "pyodide")
            build_site.write_pyodide(copy / "pyodide", build_site.default_wheels(), None, slim=False)
            site = copy
        files, after = fetched_before_ready(site)
        rows = [(path, *sizes(site / path)) for path in files]
        after_rows = [(path, *sizes(site / path)) for path in after]
    rows.sort(key=lambda row: -row[2])
    print(f"{'file':<58} {'bytes':>11} {'gzip':>11}")
    for path, raw, packed in rows:
        print(f"{path:<58} {raw:>11,} {packed:>11,}")
    total_raw, total_gzip = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"{'total before ready (' + str(len(rows)) + ' files)':<58} {total_raw:>11,} {total_gzip:>11,}")
    print(f"transfer before ready: {total_gzip / 1e6:.2f} MB gzip-compressed ({total_raw / 1e6:.2f} MB as files)")
    for path, raw, packed in after_rows:
        print(f"{'after ready: ' + path:<58} {raw:>11,} {packed:>11,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
