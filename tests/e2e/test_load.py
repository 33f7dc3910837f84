"""The page loads Pyodide, numpy and the package in its worker, from the local server only, under
its Content-Security-Policy, and uses no file that does not match site.json."""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from demo_page import LOAD_TIMEOUT_MS, App, open_app
from local_server import free_port, serve_folder


def test_ready_and_every_request_is_local(browser, server):
    app = open_app(browser, server, viewport={"width": 1280, "height": 900})
    try:
        assert app.blocked == []
        hosts = {urlsplit(url).netloc for url in app.requests if urlsplit(url).scheme in ("http", "https")}
        assert hosts == {urlsplit(server).netloc}
        paths = {urlsplit(url).path for url in app.requests}
        # the page, its worker, Pyodide's core, numpy and our own package all came from here
        for path in ("/", "/worker.js", "/pyodide/pyodide.asm.wasm", "/scratchnn.zip", "/weights/default.json"):
            assert path in paths
        assert any(p.startswith("/pyodide/numpy-") for p in paths)
        status = app.page.locator("#status")
        assert status.get_attribute("data-state") == "ready"
        assert "Ready" in status.inner_text()
        assert app.console_errors == []
        stages = app.page.evaluate("window.scratchnn.state.timings")
        print(f"cold load to ready: {app.load_seconds:.2f} s; stages (ms): {stages}")
    finally:
        app.page.context.close()


def test_python_loads_in_the_worker_not_in_the_page(browser, server):
    """What keeps the page responsive while Python starts: Pyodide, NumPy and the package live in
    the worker, and the page's own window never loads them. (How long the page's main thread was
    busy depends on the machine's load: scripts/measure_demo.py measures it; here it is printed.)"""
    app = open_app(browser, server, viewport={"width": 1280, "height": 900})
    try:
        print(f"long tasks during load (ms): {[round(t) for t in app.page.evaluate('window.__longTasks')]}")
        assert app.page.evaluate("[typeof loadPyodide, typeof pyodide]") == ["undefined", "undefined"]
        worker = app.page.workers[0]
        assert worker.url == server + "worker.js"
        loaded = (
            "[scratchnn.pyodide.version, Boolean(scratchnn.pyodide.loadedPackages.numpy), scratchnn.browser.__name__]"
        )
        assert worker.evaluate(loaded) == ["0.27.7", True, "scratchnn.browser"]
        # a module worker: importScripts is there but refuses to run (a TypeError) before it fetches anything
        classic = "() => { try { importScripts('worker.js'); return 'classic'; } catch (error) { return error.name; } }"
        assert worker.evaluate(classic) == "TypeError"
    finally:
        app.page.context.close()


def test_desktop_screenshot(blank: App):
    blank.page.evaluate("window.scrollTo(0, 0)")
    blank.stroke([(0.3, 0.22), (0.72, 0.22), (0.48, 0.82)])  # a 7
    result = blank.wait_for_prediction()
    assert result["digit"] == 7
    path = blank.screenshot("desktop")
    assert path.stat().st_size > 10_000
    blank.page.screenshot(path=str(path.with_name("desktop-full.png")), full_page=True)


def test_a_failed_load_says_what_failed_and_retry_recovers(browser, server):
    """Every request for numpy's wheel fails until Retry (as on a dropped connection; the worker
    asks for it twice: early, while Pyodide starts, then loadPackage): the page names the problem
    and offers Retry, which starts Python again and gets to ready."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    failures = []
    connection = {"down": True}

    def fail_until_retry(route):
        if connection["down"]:
            failures.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    context.route("**/pyodide/numpy-*.whl", fail_until_retry)
    page = context.new_page()
    try:
        page.goto(server)
        status = page.locator("#status")
        page.wait_for_function("() => document.getElementById('status').dataset.state === 'error'", timeout=90_000)
        assert "Could not load NumPy" in status.inner_text()
        retry = page.locator("#retry")
        assert retry.is_visible()
        app_state = page.evaluate("window.scratchnn.state.ready")
        assert app_state is False
        failed = len(failures)
        assert failed >= 1
        connection["down"] = False
        retry.focus()
        page.keyboard.press("Enter")  # Retry works from the keyboard
        page.wait_for_function("() => window.scratchnn.state.ready", timeout=90_000)
        assert status.get_attribute("data-state") == "ready"
        assert not retry.is_visible()
        assert len(failures) == failed  # none after Retry: the page got the wheel
    finally:
        context.close()


# --- the Content-Security-Policy (web/index.html's meta element) is in force and never in the way ---

# Records every policy violation the page reports, from its first moment.
VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective}: ${e.blockedURI || "(inline)"} at ${where}`);
});
"""
POLICY_WORDS = ("Refused to", "Content Security Policy", "Content-Security-Policy")
SEVEN = [(0.3, 0.22), (0.72, 0.22), (0.48, 0.82)]

# Run in the worker: fetch a URL of another origin and say which policy directive refused it
# ("none": the request was made, so no policy covers the worker).
PROBE_WORKER = """(url) => new Promise((resolve) => {
  self.addEventListener("securitypolicyviolation", (e) => resolve(e.violatedDirective));
  fetch(url).then(() => resolve("fetched"), () => setTimeout(() => resolve("none"), 1000));
})"""


@dataclass
class Recorded:
    """An open demo page with what it said about the policy: the page's console messages naming it
    and its securitypolicyviolation events (the worker keeps its own list: scratchnn.policyViolations)."""

    app: App
    refused: list[str]

    def violations(self) -> list[str]:
        return self.app.page.evaluate("window.__cspViolations")


def open_recorded(browser: Any, url: str) -> Recorded:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    context.add_init_script(VIOLATIONS)
    page = context.new_page()
    recorded = Recorded(App(page, url), [])
    page.on("console", lambda m: any(w in m.text for w in POLICY_WORDS) and recorded.refused.append(m.text))
    page.goto(url)
    page.wait_for_function("() => window.scratchnn && window.scratchnn.state.ready", timeout=LOAD_TIMEOUT_MS)
    return recorded


def another_origin() -> str:
    """A URL on 127.0.0.1 at a port nobody listens on: another origin, and no host but this one."""
    return f"http://127.0.0.1:{free_port()}/probe"


def train_briefly(app: App) -> None:
    """One epoch of a 10-unit network in the page (about a second), then Download weights."""
    for field, value in (("hidden", 10), ("lr", "0.1"), ("batch", 64), ("epochs", 1)):
        app.page.fill(f"#train-{field}", str(value))
    ends = "window.scratchnn.training.events.filter((e) => e.phase === 'end')"
    before = app.page.evaluate(f"{ends}.length")
    app.page.click("#train-scratch")
    app.page.wait_for_function(f"() => {ends}.length > {before}", timeout=120_000)
    assert app.page.evaluate(f"{ends}.at(-1).reason") == "done"
    with app.page.expect_download() as download:  # a blob: URL, which the policy need not list
        app.page.click("#weights-download")
    assert Path(download.value.path()).stat().st_size > 1000


def test_no_policy_violation_while_loading_drawing_switching_networks_and_training(browser, server):
    recorded = open_recorded(browser, server)
    app = recorded.app
    try:
        app.stroke(SEVEN)
        assert app.wait_for_prediction()["digit"] == 7
        app.page.locator("label.model", has_text="tiny").click()
        app.page.wait_for_function("() => document.body.dataset.model === 'tiny' && window.scratchnn.state.ready")
        app.page.evaluate("window.scrollTo(0, 0)")
        app.page.click("#clear")
        app.stroke([(0.5, 0.15), (0.5, 0.85)])  # a 1, read by the tiny network
        assert app.wait_for_prediction()["digit"] == 1
        train_briefly(app)
        assert recorded.violations() == []
        assert recorded.refused == []
        assert app.page.workers[0].evaluate("scratchnn.policyViolations") == []
        # What applies where: the page's meta policy does not reach the worker, which runs under its
        # own response's headers (none from this server; see the header test below).
        assert app.page.workers[0].evaluate(PROBE_WORKER, another_origin()) == "none"
    finally:
        app.page.context.close()


def test_an_inline_script_injected_into_the_page_is_blocked(browser, server):
    """The policy is really in force: injected inline code, an inline handler, a script and a fetch
    from another origin are all refused."""
    recorded = open_recorded(browser, server)
    page = recorded.app.page
    try:
        page.evaluate(
            """(other) => {
              const script = document.createElement("script");
              script.textContent = "window.__injected = 'ran'";
              document.body.append(script);
              const button = document.createElement("button");
              button.setAttribute("onclick", "window.__handler = 'ran'");
              document.body.append(button);
              button.click();
              const remote = document.createElement("script");
              remote.src = other + ".js";
              document.body.append(remote);
              fetch(other).catch(() => {});
            }""",
            another_origin(),
        )
        page.wait_for_function("() => window.__cspViolations.length >= 4", timeout=10_000)
        assert page.evaluate("[window.__injected, window.__handler]") == [None, None]
        directives = sorted(v.split(":")[0] for v in recorded.violations())
        assert directives == ["connect-src", "script-src-attr", "script-src-elem", "script-src-elem"]
        # and the console says so (the words the other tests look for)
        assert len(recorded.refused) >= 4, recorded.refused
        assert any("inline script" in m and "Content Security Policy" in m for m in recorded.refused), recorded.refused
    finally:
        page.context.close()


def site_policy(site: Path) -> str:
    found = re.search(r'http-equiv="Content-Security-Policy"\s+content="([^"]+)"', (site / "index.html").read_text())
    assert found, "index.html has no Content-Security-Policy meta element"
    return found[1]


def test_the_worker_under_the_same_policy_as_a_header_loads_predicts_and_trains(browser, site):
    """A host that sends the policy as a header puts the worker under it too: Pyodide, NumPy and
    training need nothing more than 'wasm-unsafe-eval' (no 'unsafe-eval')."""
    policy = site_policy(site)
    assert "'unsafe-eval'" not in policy and "'wasm-unsafe-eval'" in policy
    with serve_folder(site, policy) as url:
        recorded = open_recorded(browser, url)
        app = recorded.app
        try:
            app.stroke(SEVEN)
            assert app.wait_for_prediction()["digit"] == 7
            train_briefly(app)
            assert recorded.violations() == []
            assert recorded.refused == []
            worker = app.page.workers[0]
            assert worker.evaluate("scratchnn.policyViolations") == []  # recorded by worker.js from its first line
            assert worker.evaluate(PROBE_WORKER, another_origin()) == "connect-src"  # the policy is in force there
            assert [v.split(":")[0] for v in worker.evaluate("scratchnn.policyViolations")] == ["connect-src"]
        finally:
            app.page.context.close()


# --- a file on the server that does not match site.json: a clear error, never a hang or silent use ---


def tampered_copy(site: Path, folder: Path, name: str) -> Path:
    """A copy of the built site with ``name`` changed in a way its loader would accept."""
    copy = shutil.copytree(site, folder / "site")
    path = copy / name
    if name.endswith(".zip"):  # the package, with one module changed: it would import and run
        with zipfile.ZipFile(path) as archive:
            files = {info.filename: archive.read(info) for info in archive.infolist()}
        files["scratchnn/browser/page.py"] += b"\nTAMPERED = True\n"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for file_name, data in files.items():
                archive.writestr(file_name, data)
    else:  # a weights file with one more space at the end: still a valid document
        path.write_bytes(path.read_bytes() + b" ")
    return copy


def wait_for_error(page: Any) -> str:
    page.wait_for_function("() => document.getElementById('status').dataset.state === 'error'", timeout=LOAD_TIMEOUT_MS)
    return page.locator("#status-label").inner_text()


@contextmanager
def opened(browser: Any, folder: Path) -> Iterator[tuple[Any, str]]:
    """The page served from ``folder`` (on a free 127.0.0.1 port), opened in a fresh context."""
    with serve_folder(folder) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        try:
            page = context.new_page()
            page.goto(url)
            yield page, url
        finally:
            context.close()


def test_a_tampered_weights_file_gives_an_error_and_retry_not_a_hang(browser, site, tmp_path):
    with opened(browser, tampered_copy(site, tmp_path, "weights/default.json")) as (page, url):
        text = wait_for_error(page)
        assert "weights/default.json does not match site.json (SHA-256 " in text, text
        assert "corrupted or the site half-updated" in text
        assert page.locator("#retry").is_visible()
        assert page.evaluate("window.scratchnn.state.ready") is False  # nothing uses the unverified file
        assert page.evaluate("window.scratchnn.state.model") is None
        assert page.workers[0].evaluate("scratchnn.models.has('default')") is False
        App(page, url).screenshot("tampered-weights")


def test_a_tampered_package_zip_gives_an_error_and_never_runs(browser, site, tmp_path):
    with opened(browser, tampered_copy(site, tmp_path, "scratchnn.zip")) as (page, _url):
        text = wait_for_error(page)
        assert "scratchnn.zip does not match site.json (SHA-256 " in text, text
        assert page.locator("#retry").is_visible()
        assert page.evaluate("window.scratchnn.state.ready") is False
        unpacked = "[scratchnn.browser, scratchnn.pyodide.FS.analyzePath('/home/pyodide/scratchnn-site').exists]"
        assert page.workers[0].evaluate(unpacked) == [None, False]  # never unpacked, never imported


def test_a_copy_that_does_not_match_is_fetched_again_before_giving_up(browser, server):
    """As when the browser's cache holds a file of an older site: the first copy of default.json
    that arrives does not match; the worker fetches it again past the cache and uses that one."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    requests = []

    def stale_first(route: Any) -> None:
        requests.append(route.request.url)
        if len(requests) == 1:
            route.fulfill(status=200, content_type="application/json", body=b"{}")
        else:
            route.continue_()

    context.route("**/weights/default.json", stale_first)
    page = context.new_page()
    try:
        page.goto(server)
        page.wait_for_function("() => window.scratchnn && window.scratchnn.state.ready", timeout=LOAD_TIMEOUT_MS)
        assert page.evaluate("window.scratchnn.state.model.name") == "default"
        assert len(requests) == 2  # the second with fetch's cache: "reload", past the browser's cache
    finally:
        context.close()


def test_when_the_pages_own_code_cannot_load_the_status_says_so(browser, server):
    """A module the page imports is refused (as offline with no good cached copy): the status line
    says the page's code could not load, instead of "Starting…" for ever (web/boot.js)."""
    context = browser.new_context(service_workers="block")
    context.route("**/view.js", lambda route: route.fulfill(status=503, body="unavailable"))
    page = context.new_page()
    try:
        page.goto(server)
        page.wait_for_function("() => document.getElementById('status').dataset.state === 'error'", timeout=30_000)
        text = page.inner_text("#status-label")
        assert text.startswith("Could not load the page's code (app.js or a module it imports)")
        assert page.evaluate("typeof window.scratchnn") == "undefined"  # app.js never ran
    finally:
        context.close()
