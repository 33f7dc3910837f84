"""Repeat visits start Python from a snapshot saved in this browser (issue 15; web/worker-snapshot.js).

The first visit starts Python afresh and saves a snapshot of it in Cache Storage, under the site's
version; the next visit starts from it. A damaged snapshot, one Pyodide refuses, and one of an older
version of the site are never used: Python then starts afresh and saves a new one. Each test serves
a copy of the built site on a server of its own (to change its files); service workers are blocked,
which leaves Cache Storage to the worker (the offline tests cover the two together).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from demo_page import LOAD_TIMEOUT_MS, App
from local_server import serve_folder

import build_site

SEVEN = [(0.3, 0.22), (0.72, 0.22), (0.48, 0.82)]
READY = "() => window.scratchnn && window.scratchnn.state.ready"
CACHE = "pyodide-snapshot"  # web/worker-snapshot.js
# What the snapshot cache holds: [url, its X-SHA256 header, the SHA-256 of its bytes, its size] each.
SAVED = """async (name) => {
  const cache = await caches.open(name);
  const out = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    const bytes = await response.arrayBuffer();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    out.push([request.url, response.headers.get("X-SHA256"), hex, bytes.byteLength]);
  }
  return out;
}"""
# Replace the saved snapshot's bytes: [name, url, how]. "flip": one byte of Python's memory
# changed, its X-SHA256 kept; the others with an X-SHA256 that matches the new bytes: "garbage",
# bytes that are no snapshot; "other-build": one byte of the Pyodide build id in its header changed
# (Pyodide itself refuses it).
TAMPER = """async ([name, url, how]) => {
  const cache = await caches.open(name);
  const response = await cache.match(url);
  let bytes = new Uint8Array(await response.arrayBuffer());
  if (how === "flip") bytes[bytes.length >> 1] ^= 0xff;
  if (how === "garbage") bytes = new TextEncoder().encode("not a snapshot of Python ".repeat(1000));
  if (how === "other-build") bytes[20] ^= 0xff;  // the build id: bytes 16 to 48
  let header = response.headers.get("X-SHA256");
  if (how !== "flip") {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    header = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  await cache.put(url, new Response(bytes, { headers: { "X-SHA256": header } }));
}"""


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    yield context.new_page()
    context.close()


def snapshot_url(url: str, folder: Path) -> str:
    """Where the worker saves the snapshot of this version of the site (its version, URL-encoded)."""
    return f"{url}python-snapshot/{quote(json.loads((folder / 'site.json').read_text())['version'], safe='')}"


def visit(page: Any, url: str | None = None) -> App:
    """Open (or reload) the page until ready, and until the worker has saved this visit's snapshot
    if it made one; returns the page."""
    page.goto(url) if url else page.reload()
    page.wait_for_function(READY, timeout=LOAD_TIMEOUT_MS)
    worker = page.workers[-1]
    assert worker.evaluate("scratchnn.snapshotSaved === null || scratchnn.snapshotSaved") is True
    return App(page, page.url)


def saved(page: Any) -> list[list[Any]]:
    return page.evaluate(SAVED, CACHE)


def test_the_first_visit_saves_a_snapshot_and_the_next_starts_python_from_it(page: Any, folder: Path):
    with serve_folder(folder) as url:
        visit(page, url)
        assert page.evaluate("window.scratchnn.state.pythonStart") == "fresh"
        [[key, header, digest, size]] = saved(page)
        assert key == snapshot_url(url, folder)
        assert header == digest and size > 10_000_000  # Python's memory, checked by its SHA-256
        app = visit(page)
        assert page.evaluate("window.scratchnn.state.pythonStart") == "snapshot"
        assert "started from the snapshot of Python saved in this browser" in page.inner_text("#versions")
        assert saved(page) == [[key, header, digest, size]]  # used, not made again
        app.stroke(SEVEN)
        assert app.wait_for_prediction()["digit"] == 7
        # Python started from the snapshot does the rest too: NumPy's random numbers, once the
        # worker has unpacked them (after ready), are NumPy's PCG64's, as in any Python
        worker = page.workers[-1]
        there = "scratchnn.pyodide.runPython('import importlib.util; bool(importlib.util.find_spec(\"numpy.random\"))')"
        deadline = time.monotonic() + 120
        while not worker.evaluate(there) and time.monotonic() < deadline:
            time.sleep(0.25)
        drawn = worker.evaluate(
            "scratchnn.pyodide.runPython('import numpy as np; int(np.random.default_rng(0).integers(0, 10**9))')"
        )
        assert drawn == 850_624_225
        # and Python's own random module, whose state the snapshot holds, is seeded afresh each visit
        draw = "scratchnn.pyodide.runPython('import random; random.random()')"
        first = worker.evaluate(draw)
        visit(page)
        assert page.evaluate("window.scratchnn.state.pythonStart") == "snapshot"
        assert page.workers[-1].evaluate(draw) != first


@pytest.mark.parametrize("how", ["flip", "garbage", "other-build"])
def test_a_damaged_or_refused_snapshot_is_deleted_python_starts_afresh_and_saves_a_new_one(
    page: Any, folder: Path, how: str
):
    with serve_folder(folder) as url:
        visit(page, url)
        [[key, *_]] = saved(page)
        page.evaluate(TAMPER, [CACHE, key, how])
        app = visit(page)
        assert page.evaluate("window.scratchnn.state.pythonStart") == "fresh"
        refused = page.workers[-1].evaluate("scratchnn.snapshotRefused")
        if how == "other-build":
            assert "build id mismatch" in refused  # Pyodide's own check
        else:  # its SHA-256 or its layout was wrong: Pyodide never saw the bytes
            assert "the saved snapshot of Python is damaged" in refused
        [[again, header, new_digest, size]] = saved(page)  # a good one again (not the same bytes:
        assert again == key and header == new_digest and size > 10_000_000  # each start is its own)
        app.stroke(SEVEN)
        assert app.wait_for_prediction()["digit"] == 7
        visit(page)
        assert page.evaluate("window.scratchnn.state.pythonStart") == "snapshot"


def test_a_new_version_of_the_site_makes_a_new_snapshot_and_deletes_the_old(page: Any, folder: Path):
    with serve_folder(folder) as url:
        visit(page, url)
        [[old, *_]] = saved(page)
        with (folder / "style.css").open("a") as f:
            f.write("\n/* a newer version of the site */\n")
        manifest = json.loads((folder / "site.json").read_text())
        build_site.write_manifest(folder, {k: v for k, v in manifest.items() if k not in ("files", "version")})
        visit(page)
        assert page.evaluate("window.scratchnn.state.pythonStart") == "fresh"  # not the old version's
        [[new, header, digest, _]] = saved(page)
        assert new == snapshot_url(url, folder) != old and header == digest
