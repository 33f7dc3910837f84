"""The demo page in a browser, for the end-to-end tests: open it, draw on it, wait for answers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
LOAD_TIMEOUT_MS = 90_000  # generous: the machines running these are small and shared

# Records every long task (main thread busy > 50 ms) from the first moment of the page.
LONG_TASK_OBSERVER = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
}).observe({ type: "longtask", buffered: true });
"""


@dataclass
class App:
    """An open demo page, with every request it (and its worker) made."""

    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    load_seconds: float = 0.0

    def wait_for_prediction(self) -> dict:
        """Wait until the answer to the latest drawing is shown; return it."""
        self.page.wait_for_function(
            "() => { const s = window.scratchnn.state; return s.ready && s.result && !s.inFlight && !s.dirty; }",
            timeout=20_000,
        )
        return self.page.evaluate("window.scratchnn.state.result")

    def stroke(self, points: list[tuple[float, float]], steps: int = 8) -> None:
        """Drag the mouse through ``points`` given as fractions of the pad (0..1, 0..1)."""
        drag(self.page, points, steps)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


def drag(page: Any, points: list[tuple[float, float]], steps: int = 8) -> None:
    """One mouse stroke on ``page``'s pad through ``points``, fractions of the pad (0..1, 0..1)."""
    box = page.locator("#pad").bounding_box()
    x = [box["x"] + box["width"] * px for px, _ in points]
    y = [box["y"] + box["height"] * py for _, py in points]
    page.mouse.move(x[0], y[0])
    page.mouse.down()
    for xi, yi in zip(x[1:], y[1:], strict=True):
        page.mouse.move(xi, yi, steps=steps)
    page.mouse.up()


def open_app(browser: Any, url: str, **context_options: Any) -> App:
    """A new browser context on the demo; returns once the page says it is ready.

    Service workers are blocked unless ``service_workers="allow"`` is given: what web/sw.js
    fetches never reaches ``context.route``, so with it the recorded requests would not be all
    the page's (tests/e2e/test_offline.py tests the service worker)."""
    context = browser.new_context(**{"service_workers": "block", **context_options})
    page = context.new_page()
    app = App(page, url)
    origin = urlsplit(url).netloc

    def route(route: Any) -> None:
        request_url = route.request.url
        app.requests.append(request_url)
        if urlsplit(request_url).scheme in ("http", "https") and urlsplit(request_url).netloc != origin:
            app.blocked.append(request_url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", route)
    page.on("console", lambda message: message.type == "error" and app.console_errors.append(message.text))
    page.on("pageerror", lambda error: app.console_errors.append(str(error)))
    page.add_init_script(LONG_TASK_OBSERVER)
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function("() => window.scratchnn && window.scratchnn.state.ready", timeout=LOAD_TIMEOUT_MS)
    app.load_seconds = time.perf_counter() - started
    return app
