"""Works offline after the first visit (issue 15): web/sw.js keeps the site in Cache Storage.

Each test serves a copy of the built site on a server of its own, so that it can stop the server
(offline is then real: nothing answers on that port, besides ``context.set_offline``) or change
the site's files. These contexts allow service workers (open_app blocks them, so that the other
tests see every request in ``context.route``) and route nothing: what the service worker fetches
never reaches ``context.route``, and routing would switch the HTTP cache off.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_page import LOAD_TIMEOUT_MS, App
from local_server import serve_folder

import build_site

SEVEN = [(0.3, 0.22), (0.72, 0.22), (0.48, 0.82)]
READY = "() => window.scratchnn && window.scratchnn.state.ready"
SAVE_TIMEOUT_MS = 120_000  # the service worker caches 22 MB; the machines running this are small and shared
TRAIN_TIMEOUT_MS = 240_000
# Every cache of the service worker (named "scratchnn-..."): name -> the URLs it holds. (The
# worker keeps its snapshot of Python in a cache of its own, "pyodide-snapshot": test_snapshot.py.)
CACHES = """async () => {
  const out = {};
  for (const name of await caches.keys()) {
    if (name.startsWith("scratchnn-")) out[name] = (await (await caches.open(name)).keys()).map((r) => r.url);
  }
  return out;
}"""
# The SHA-256 of what a cache holds for a URL (null when it holds nothing).
CACHED_SHA256 = """async ([name, url]) => {
  const response = await (await caches.open(name)).match(url);
  if (!response) return null;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await response.arrayBuffer()));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}"""
# Put other bytes in a cache for a URL, as a damaged disk or a meddling extension might.
CORRUPT = """async ([name, url, text]) => {
  await (await caches.open(name)).put(url, new Response(text, { headers: { "Content-Type": "text/javascript" } }));
}"""
# Valid JavaScript that marks the page if it ever runs.
MARKER_JS = "window.__corruptedCopyRan = true;"
VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective));
"""


@pytest.fixture()
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="allow")
    context.add_init_script(VIOLATIONS)
    yield context
    context.close()


def manifest(folder: Path) -> dict:
    return json.loads((folder / "site.json").read_text())


def cache_name(folder: Path) -> str:
    return "scratchnn-" + manifest(folder)["version"]


def first_visit(page: Any, url: str) -> App:
    """Open the page and wait until it is ready and the service worker has saved the site and
    serves the page."""
    page.goto(url)
    page.wait_for_function(READY, timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function(
        "() => ['saved', 'failed'].includes(window.scratchnn.offline.state)", timeout=SAVE_TIMEOUT_MS
    )
    assert page.evaluate("window.scratchnn.offline") == {"state": "saved", "error": None}
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    assert page.workers[-1].evaluate("scratchnn.snapshotSaved === null || scratchnn.snapshotSaved") is True
    return App(page, url)


def expected_urls(folder: Path, url: str) -> set[str]:
    """What a full cache holds: every file site.json lists (but sw.js, which the browser keeps
    itself) and site.json."""
    return {url + path for path in manifest(folder)["files"] if path != "sw.js"} | {url + "site.json"}


def clear_http_cache(context: Any, page: Any) -> None:
    """Empty the browser's HTTP cache (the service worker's Cache Storage is not part of it)."""
    session = context.new_cdp_session(page)
    session.send("Network.clearBrowserCache")
    session.detach()


def reload_ready(page: Any) -> App:
    page.reload()
    page.wait_for_function(READY, timeout=LOAD_TIMEOUT_MS)
    return App(page, page.url)


def wait_for(page: Any, script: str, arg: Any, done: Any, timeout_s: float = 120) -> Any:
    """Evaluate ``script`` until ``done(value)``; returns that value (a guard, not a timing)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(script, arg)
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


def test_after_the_first_visit_the_page_loads_classifies_and_trains_offline(context: Any, folder: Path):
    page = context.new_page()
    with serve_folder(folder) as url:
        first_visit(page, url)
        cached = page.evaluate(CACHES)
        assert list(cached) == [cache_name(folder)]  # one cache, named by the site's version
        assert set(cached[cache_name(folder)]) == expected_urls(folder, url)
        assert "works offline" in page.inner_text("#offline-note")
    # The server is stopped: nothing answers on its port any more, and the browser is offline too;
    # the HTTP cache is emptied, so all that is left is the service worker's cache.
    clear_http_cache(context, page)
    context.set_offline(True)
    app = reload_ready(page)
    assert page.evaluate("navigator.onLine") is False
    assert page.evaluate("window.scratchnn.state.pythonStart") == "snapshot"  # saved on the first visit
    app.stroke(SEVEN)
    assert app.wait_for_prediction()["digit"] == 7
    # A short training run: the training data comes from the cache too.
    for field, value in (("hidden", 16), ("lr", "0.05"), ("batch", 64), ("epochs", 1)):
        page.fill(f"#train-{field}", str(value))
    page.click("#train-scratch")
    page.wait_for_function(
        """() => { const error = document.getElementById("train-error");
                   if (!error.hidden) throw new Error("training failed offline: " + error.textContent);
                   return window.scratchnn.training.events.some((e) => e.phase === "end"); }""",
        timeout=TRAIN_TIMEOUT_MS,
    )
    last = page.evaluate("window.scratchnn.training.last")
    assert last["done"] and not last["stopped"] and last["examples_seen"] == 10_000
    assert last["history"][0]["val_accuracy"] > 0.8  # 1 epoch of 16 hidden units learns, offline
    assert page.evaluate("window.__cspViolations") == []


def test_a_new_version_of_the_site_replaces_the_old_cache(context: Any, folder: Path, site: Path):
    """Under the page's policy sent as a header too (then it covers the service worker's script)."""
    policy = re.search(r'http-equiv="Content-Security-Policy"\s+content="([^"]+)"', (site / "index.html").read_text())
    assert policy
    page = context.new_page()
    with serve_folder(folder, policy[1]) as url:
        first_visit(page, url)
        old = cache_name(folder)
        assert list(page.evaluate(CACHES)) == [old]
        # A new version: one file changed, site.json rewritten as build_site.py writes it.
        with (folder / "style.css").open("a") as f:
            f.write("\n/* a newer version of the site */\n")
        build_site.write_manifest(folder, {k: v for k, v in manifest(folder).items() if k not in ("files", "version")})
        new = cache_name(folder)
        assert new != old
        app = reload_ready(page)  # the navigation reads site.json from the network: the new version
        full = len(expected_urls(folder, url))
        cached = wait_for(page, CACHES, None, lambda c: list(c) == [new] and len(c[new]) == full)
        assert list(cached) == [new]  # the old version's cache is gone
        assert set(cached[new]) == expected_urls(folder, url)
        digest = hashlib.sha256((folder / "style.css").read_bytes()).hexdigest()
        assert page.evaluate(CACHED_SHA256, [new, url + "style.css"]) == digest  # the new file, not the old
        reload_ready(page)
        assert "a newer version" in page.evaluate("fetch('style.css').then((r) => r.text())")
    clear_http_cache(context, page)  # the service worker's cache alone
    context.set_offline(True)  # and the new version works offline
    app = reload_ready(page)
    app.stroke(SEVEN)
    assert app.wait_for_prediction()["digit"] == 7
    assert page.evaluate("window.__cspViolations") == []


def test_a_corrupted_cached_file_is_refused_and_fetched_again_never_used(context: Any, folder: Path):
    page = context.new_page()
    with serve_folder(folder) as url:
        first_visit(page, url)
        name = cache_name(folder)
        files = manifest(folder)["files"]
        # Online: the damaged copies are refused, fetched again, checked, and cached in their place.
        page.evaluate(CORRUPT, [name, url + "app.js", MARKER_JS])
        page.evaluate(CORRUPT, [name, url + "weights/default.json", '{"not": "the weights"}'])
        app = reload_ready(page)
        assert page.evaluate("window.__corruptedCopyRan") is None
        app.stroke(SEVEN)
        assert app.wait_for_prediction()["digit"] == 7
        for path in ("app.js", "weights/default.json"):
            assert page.evaluate(CACHED_SHA256, [name, url + path]) == files[path], path
        page.evaluate(CORRUPT, [name, url + "app.js", MARKER_JS])
    # Offline, with no good copy anywhere (the HTTP cache emptied too): the page does not run the damaged one.
    clear_http_cache(context, page)
    context.set_offline(True)
    page.reload()
    page.wait_for_load_state("load")
    assert page.evaluate("window.__corruptedCopyRan") is None
    assert page.evaluate("typeof window.scratchnn") == "undefined"  # app.js did not run at all
    assert page.evaluate(CACHED_SHA256, [name, url + "app.js"]) is None  # and the damaged copy is gone
