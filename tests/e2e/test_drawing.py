"""Drawing with the mouse: live prediction, bars, Undo, Clear and the model picker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from demo_page import ARTIFACTS, App

WEIGHTS = Path(__file__).resolve().parents[2] / "web" / "weights"

SEVEN = [(0.3, 0.22), (0.72, 0.22), (0.48, 0.82)]
ONE = [(0.5, 0.15), (0.5, 0.85)]


def bar_values(app: App) -> list[float]:
    """The ten bars' widths, as fractions of their tracks, read from the page."""
    return app.page.evaluate(
        """() => [...document.querySelectorAll('#bars .bar')].map((bar) =>
             bar.querySelector('.bar-fill').getBoundingClientRect().width /
             bar.querySelector('.bar-track').getBoundingClientRect().width)"""
    )


def test_mouse_strokes_give_a_prediction_and_bars_that_sum_to_1(blank: App):
    blank.stroke(SEVEN)
    result = blank.wait_for_prediction()
    assert not result["empty"]
    assert result["digit"] == 7
    assert sum(result["probabilities"]) == pytest.approx(1, abs=1e-5)
    blank.page.wait_for_timeout(300)  # the bars' width transition
    assert sum(bar_values(blank)) == pytest.approx(1, abs=0.02)
    assert blank.page.locator("#digit").inner_text() == "7"
    assert blank.page.locator("#bars .bar.top").get_attribute("data-digit") == "7"
    assert any(value > 0.5 for value in result["image"])  # the 28x28 preview holds the digit
    assert max(result["hidden_level"]) == pytest.approx(1)


def test_prediction_updates_while_drawing(blank: App):
    page = blank.page
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.85, steps=10)
    # the button is still down: the answer must come anyway
    page.wait_for_function("() => window.scratchnn.state.result && !window.scratchnn.state.result.empty")
    page.mouse.up()
    assert blank.wait_for_prediction()["digit"] == 1


def test_undo_removes_the_last_stroke(blank: App):
    blank.stroke(ONE)
    one = blank.wait_for_prediction()
    blank.stroke([(0.2, 0.5), (0.8, 0.5)])  # a cross bar: no longer a 1
    assert blank.wait_for_prediction()["image"] != one["image"]
    blank.page.click("#undo")
    assert blank.wait_for_prediction()["image"] == one["image"]
    blank.page.keyboard.press("Control+z")
    assert blank.wait_for_prediction()["empty"]
    assert blank.page.locator("#undo").is_disabled()


def test_clear_resets_everything(blank: App):
    blank.stroke(SEVEN)
    blank.wait_for_prediction()
    blank.page.click("#clear")
    result = blank.wait_for_prediction()
    assert result["empty"] and result["digit"] is None
    assert blank.page.locator("#digit").inner_text() == "?"
    assert blank.page.locator("#bars .bar.top").count() == 0
    assert set(blank.page.locator("#bars .bar-value").all_inner_texts()) == {"–"}
    blank.page.wait_for_timeout(300)
    assert max(bar_values(blank)) == 0
    ink = blank.page.evaluate(
        """() => {
          const seen = document.getElementById('seen').getContext('2d').getImageData(0, 0, 28, 28).data;
          const pad = window.scratchnn.pad.pixels().data;
          return [Math.max(...seen.filter((_, i) => i % 4 === 0)), Math.max(...pad.filter((_, i) => i % 4 === 0))];
        }"""
    )
    assert ink == [0, 0]  # preview and pad are black again
    assert blank.page.locator("#clear").is_disabled() and blank.page.locator("#undo").is_disabled()
    assert blank.page.locator("#pad-hint").is_visible()


def test_escape_clears(blank: App):
    blank.stroke(ONE)
    blank.wait_for_prediction()
    blank.page.keyboard.press("Escape")
    assert blank.wait_for_prediction()["empty"]


def hidden_units(name: str) -> int:
    return json.loads((WEIGHTS / f"{name}.json").read_text())["layers"]["sizes"][1]


def test_switching_models_changes_the_network_shown_and_used(blank: App):
    page = blank.page
    hidden = hidden_units("default")
    assert hidden != 10
    assert page.locator("#units .unit").count() == hidden
    blank.stroke(SEVEN)
    default = blank.wait_for_prediction()
    assert default["model"] == "default" and len(default["hidden"]) == hidden

    page.locator("label.model", has_text="tiny").click()
    page.wait_for_function("() => document.body.dataset.model === 'tiny'")
    tiny = blank.wait_for_prediction()
    assert tiny["model"] == "tiny" and len(tiny["hidden"]) == 10
    assert page.locator("#units .unit").count() == 10
    assert "10 hidden units" in page.locator("#inside-summary").inner_text()
    assert tiny["image"] == default["image"]  # the same drawing ...
    assert tiny["probabilities"] != default["probabilities"]  # ... read by another network

    page.locator("label.model", has_text="best").click()
    page.wait_for_function("() => document.body.dataset.model === 'best'")
    best = blank.wait_for_prediction()
    assert best["model"] == "best" and len(best["hidden"]) == hidden_units("best") == 800
    assert best["digit"] == default["digit"] == 7

    page.locator("label.model", has_text="tiny").click()
    page.wait_for_function("() => document.body.dataset.model === 'tiny'")
    page.keyboard.press("ArrowLeft")  # the radio group works with the keyboard: back to default
    page.wait_for_function("() => document.body.dataset.model === 'default'")
    assert blank.wait_for_prediction()["probabilities"] == pytest.approx(default["probabilities"], abs=1e-12)
    assert page.locator("#units .unit").count() == hidden


def test_inside_shows_the_most_active_units_first_and_all_on_request(blank: App):
    page = blank.page
    hidden = hidden_units("default")
    blank.stroke(SEVEN)
    result = blank.wait_for_prediction()
    visible = page.locator("#units .unit:visible")
    assert visible.count() == min(48, hidden)
    # the tile laid out first is the unit with the largest activation
    top = result["order"][0]
    assert result["hidden"][top] == max(result["hidden"])
    tiles = "[...document.querySelectorAll('#units .unit')]"
    places = page.evaluate(f"() => {tiles}.map((t) => [t.getBoundingClientRect().top, t.getBoundingClientRect().left])")
    assert places[top] == min(places[k] for k in result["order"][:48])
    if hidden > 48:
        page.click("#units-toggle")
        assert visible.count() == hidden
        assert page.locator("#units-toggle").get_attribute("aria-expanded") == "true"
        page.click("#units-toggle")
        assert visible.count() == 48


# When a network cannot be loaded (issue 9): an error and Retry, never a page left "Loading…".


def corrupt(context, path: str) -> dict:
    """Serve ``path`` with one character of its W2 data changed (every time: the worker asks again,
    past the cache, before it gives up) until ``served["broken"]`` is set to False."""
    served = {"broken": True, "corrupted": 0}

    def handle(route):
        if not served["broken"]:
            route.continue_()
            return
        served["corrupted"] += 1
        text = route.fetch().text().replace('"data": "', '"data": "A', 1)
        route.fulfill(status=200, content_type="application/json", body=text)

    context.route(f"**/{path}", handle)
    return served


def test_when_the_first_network_fails_to_load_the_page_says_so_and_retry_recovers(browser, server):
    """The site's default weights do not match their checksum: the page names the problem and offers
    Retry (it used to stay on "Loading the network's weights…" for ever)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    served = corrupt(context, "weights/default.json")
    page = context.new_page()
    try:
        page.goto(server)
        page.wait_for_function("() => document.getElementById('status').dataset.state === 'error'", timeout=90_000)
        status = page.inner_text("#status")
        assert status.startswith("Could not load the default network: weights/default.json")
        assert "does not match" in status and "Loading" not in status
        assert page.locator("#retry").is_visible()
        assert page.inner_text("#confidence") == "no network loaded"
        assert page.evaluate("window.scratchnn.state.ready") is False
        assert page.locator("#train-scratch").is_disabled()  # nothing to train on yet
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "desktop-network-failed.png"))
        served["broken"] = False
        page.click("#retry")
        page.wait_for_function("() => window.scratchnn.state.ready", timeout=90_000)
        assert page.locator("#status").get_attribute("data-state") == "ready"
        assert not page.locator("#retry").is_visible()
        assert page.evaluate("document.body.dataset.model") == "default"
        assert page.locator("#units .unit").count() == hidden_units("default")
        assert page.locator("#train-scratch").is_enabled()
        assert served["corrupted"] >= 1
    finally:
        context.close()


def test_switching_to_a_network_that_fails_to_load_keeps_the_one_on_show(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    served = corrupt(context, "weights/best.json")
    page = context.new_page()
    try:
        page.goto(server)
        page.wait_for_function("() => window.scratchnn && window.scratchnn.state.ready", timeout=90_000)
        app = App(page, server)
        app.stroke(SEVEN)
        default = app.wait_for_prediction()
        page.locator("label.model", has_text="best").click()
        page.wait_for_function("() => document.getElementById('status').dataset.state === 'error'", timeout=30_000)
        status = page.inner_text("#status")
        assert status.startswith("Could not load the best network: weights/best.json") and "does not match" in status
        assert "The page still reads your drawing with the default network." in status
        assert page.locator("#retry").is_visible()
        assert page.locator("#models input[value=default]").is_checked()  # the picker shows what reads
        assert page.evaluate("document.body.dataset.model") == "default"
        app.stroke(ONE)
        one = app.wait_for_prediction()
        assert one["model"] == "default" and one["image"] != default["image"]
        served["broken"] = False
        page.click("#retry")  # the file is served intact this time
        page.wait_for_function("() => document.body.dataset.model === 'best' && window.scratchnn.state.ready")
        assert app.wait_for_prediction()["model"] == "best"
        assert page.locator("#status").get_attribute("data-state") == "ready"
        assert not page.locator("#retry").is_visible()
        assert page.locator("#models input[value=best]").is_checked()
        assert served["corrupted"] >= 1
    finally:
        context.close()


def test_the_answer_is_announced_once_per_finished_stroke_not_while_drawing(blank: App):
    page = blank.page
    assert page.locator("#announce").get_attribute("role") == "status"
    page.evaluate(
        """() => { window.__said = []; const spoken = document.querySelector('#announce');
           new MutationObserver(() => window.__said.push(spoken.textContent))
             .observe(spoken, { childList: true, characterData: true, subtree: true }); }"""
    )
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for fraction in (0.4, 0.6, 0.85):
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * fraction, steps=6)
        page.wait_for_function("() => window.scratchnn.state.result && !window.scratchnn.state.result.empty")
    assert page.evaluate("window.__said") == []  # live answers while the pen moves: not read out
    page.mouse.up()
    result = blank.wait_for_prediction()
    page.wait_for_timeout(200)
    said = page.evaluate("window.__said")
    assert said == [f"It reads {result['digit']}, {page.locator('#confidence').inner_text()}."]
