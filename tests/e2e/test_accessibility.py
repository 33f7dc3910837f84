"""axe-core (web/package.json, pinned; never shipped) over the page in four states: loaded, drawn,
training and in the explorer. No violation of impact serious or critical may remain.

axe is injected under the page's own Content-Security-Policy: an inline script tag
(``add_script_tag(path=...)``) is refused by ``script-src 'self'``, so the test serves axe.min.js
at a same-origin address through a route and adds a script tag with that URL, which the policy
allows. The site itself never contains axe (checked below).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_page import App, open_app

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__test-only__/axe.min.js"  # served by the test's route, not by the site
BLOCKING = ("serious", "critical")
THREE = [
    [(0.32, 0.2), (0.5, 0.13), (0.66, 0.22), (0.62, 0.38), (0.46, 0.47)],
    [(0.46, 0.47), (0.66, 0.56), (0.7, 0.72), (0.54, 0.86), (0.32, 0.8)],
]


def axe_violations(app: App) -> list[dict]:
    """Run axe over the whole page as it is now; every violation with its impact and targets."""
    page = app.page
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(url=app.url.rstrip("/") + AXE_PATH)
    return page.evaluate(
        """async () => {
             const results = await window.axe.run(document, { resultTypes: ["violations"] });
             return results.violations.map((v) => ({
               id: v.id, impact: v.impact, help: v.help,
               targets: v.nodes.map((node) => node.target.join(" ")),
               summary: v.nodes[0]?.failureSummary ?? "",
             }));
           }"""
    )


def assert_no_serious_violation(app: App, state: str) -> list[dict]:
    violations = axe_violations(app)
    for v in violations:  # every one, blocking or not, in the test's output
        print(f"axe [{state}] {v['impact']}: {v['id']} ({len(v['targets'])}) {v['targets'][:5]}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    report = "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n  on {len(v['targets'])}: {', '.join(v['targets'][:8])}\n"
        f"  {v['summary'][:400]}"
        for v in blocking
    )
    assert not blocking, f"axe found serious or critical violations in the {state} state:\n{report}"
    return violations


@pytest.fixture(scope="module")
def page_under_axe(browser: Any, server: str) -> Iterator[App]:
    """The demo in its own window (training changes its network), with axe served same-origin."""
    assert AXE.is_file(), "axe-core is missing: scripts/setup_web.sh runs npm ci in web/"
    app = open_app(browser, server, viewport={"width": 1280, "height": 900})
    app.page.route(
        "**" + AXE_PATH,
        lambda route: route.fulfill(body=AXE.read_bytes(), content_type="text/javascript"),
    )
    yield app
    app.page.context.close()


def wait_for_explorer(app: App) -> None:
    app.page.wait_for_function(
        "() => document.querySelector('#explore-forward .num') && !window.scratchnn.explorer.inFlight",
        timeout=30_000,
    )


def draw_three(app: App) -> None:
    app.page.evaluate("window.scrollTo(0, 0)")
    for stroke in THREE:
        app.stroke(stroke)
    app.wait_for_prediction()
    wait_for_explorer(app)


def test_the_site_does_not_ship_axe(site: Path):
    assert not [p for p in site.rglob("*") if "axe" in p.name.lower()]


def test_loaded(page_under_axe: App):
    assert_no_serious_violation(page_under_axe, "loaded")
    assert page_under_axe.console_errors == []  # axe's script tag was not refused by the policy


def test_drawn(page_under_axe: App):
    page_under_axe.page.evaluate("window.scratchnn.pad.clear()")
    draw_three(page_under_axe)
    assert page_under_axe.page.locator("#announce").inner_text() != ""
    assert_no_serious_violation(page_under_axe, "drawn")


def test_explorer(page_under_axe: App):
    page = page_under_axe.page
    if not page.locator("#explore-forward .num").count():
        draw_three(page_under_axe)
    page.locator("#label-buttons button", has_text="3").first.click()
    page.wait_for_function("() => window.scratchnn.explorer.view.label === 3 && !window.scratchnn.explorer.inFlight")
    page.click("#step-button")
    page.wait_for_function("() => window.scratchnn.explorer.stepResult && !window.scratchnn.explorer.inFlight")
    page.click("#check-run")
    page.wait_for_function("() => window.scratchnn.explorer.check && !window.scratchnn.explorer.inFlight")
    page.click("#failures-run")
    page.wait_for_function("() => window.scratchnn.failures.events.length > 0", timeout=60_000)
    assert_no_serious_violation(page_under_axe, "explorer")


def test_training(page_under_axe: App):
    page = page_under_axe.page
    page.fill("#train-epochs", "20")  # long enough to be still running while axe looks
    page.click("#train-scratch")
    page.wait_for_function(
        "() => window.scratchnn.training.running && window.scratchnn.training.events.length > 1", timeout=60_000
    )
    try:
        assert page.locator("#train").get_attribute("data-state") == "running"
        assert_no_serious_violation(page_under_axe, "training")
        assert page.evaluate("window.scratchnn.training.running")  # axe looked at a run under way
    finally:
        page.click("#train-stop")
        page.wait_for_function("() => !window.scratchnn.training.running", timeout=60_000)


def test_teaching(page_under_axe: App):
    """Your digits kept, and a teaching run under way (its progress, Stop), then its result."""
    page = page_under_axe.page
    page.evaluate("window.scratchnn.pad.clear()")
    draw_three(page_under_axe)
    for label in ("3", "8"):
        count = page.evaluate("window.scratchnn.teach.digits.n")
        page.locator(f"#teach-labels button[data-label='{label}']").click()
        page.wait_for_function(f"() => window.scratchnn.teach.digits.n === {count + 1}")
    page.click("#teach-run")
    page.wait_for_function("() => window.scratchnn.teach.running && window.scratchnn.teach.events.length > 0")
    assert_no_serious_violation(page_under_axe, "teaching")
    page.wait_for_function("() => !window.scratchnn.teach.running", timeout=300_000)
    assert page.locator("#teach-summary").inner_text() != ""
    assert_no_serious_violation(page_under_axe, "taught")
