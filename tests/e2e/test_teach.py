"""Teach it your handwriting, in a real Chromium with real mouse strokes: digits in styles the
default network misreads are kept with their right labels, "Learn from my digits" makes them read
right when drawn again, the validation accuracy stays within 0.5 points, and the taught network is
"yours" (its weights download saying what it was taught). Your digits survive a reload, export and
import as a digits file, and a bad file, a corrupted stored copy or Clear lose nothing unasked."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from demo_page import App, open_app

import measure_teaching
from scratchnn.browser import digits as digits_file

COUNT = "(window.scratchnn.teach.digits?.n ?? -1)"  # how many digits the page holds
N_DIGITS = f"() => {COUNT}"


@pytest.fixture()
def page(browser, server) -> App:
    """A fresh page of its own (its own storage), with the default network."""
    app = open_app(browser, server, viewport={"width": 1280, "height": 900})
    app.page.wait_for_function("() => window.scratchnn.teach.ready && window.scratchnn.teach.digits !== null")
    yield app
    app.page.context.close()


def keep(app: App, strokes, label: int) -> dict:
    """Draw with the mouse, then press "This drawing is a <label>"; the page's answer before."""
    answer = measure_teaching.draw(app, strokes)
    count = app.page.evaluate(N_DIGITS)
    app.page.locator(f"#teach-labels button[data-label='{label}']").click()
    app.page.wait_for_function(f"() => window.scratchnn.teach.digits.n === {count + 1}")
    return answer


def learn(app: App) -> dict:
    app.page.locator("#teach-run").click()
    app.page.wait_for_function(
        "() => { const t = window.scratchnn.teach; return t.events.some((e) => e.phase === 'end') && !t.running; }",
        timeout=600_000,
    )
    return app.page.evaluate(
        "(() => { const r = window.scratchnn.teach.result; return {before: {correct: r.before.correct, "
        "val: r.before.val_accuracy}, after: {correct: r.after.correct, val: r.after.val_accuracy, "
        "predicted: Array.from(r.after.predicted)}, steps: r.steps}; })()"
    )


def test_teaching_makes_your_misread_digits_read_right_and_keeps_mnist(page: App, tmp_path: Path):
    styles = {name: measure_teaching.STYLES[name] for name in ("flat three", "long-flag one")}
    rng = random.Random(5)
    drawn = []
    for label, strokes in styles.values():
        for _ in range(3):
            variant = measure_teaching.variant(strokes, rng)
            drawn.append((label, variant, keep(page, variant, label)["digit"]))
    assert sum(read != label for label, _, read in drawn) >= 2, "the styles should fool the default network"
    assert "reads" in page.page.inner_text("#my-digits")
    result = learn(page)
    assert result["after"]["correct"] == len(drawn) and result["after"]["predicted"] == [d[0] for d in drawn]
    assert abs(result["after"]["val"] - result["before"]["val"]) <= 0.005
    assert page.page.evaluate("window.scratchnn.state.model.name") == "yours"
    summary = page.page.inner_text("#teach-summary")
    assert f"{result['before']['correct']} read right before, {len(drawn)} after" in summary
    assert "held-out digits" in summary and "points" in summary
    # the same drawings, drawn again with the mouse, now read right
    for label, variant, _ in drawn:
        assert measure_teaching.draw(page, variant)["digit"] == label
    # the taught network downloads like any other, saying what it was taught
    with page.page.expect_download() as info:
        page.page.click("#weights-download")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    lesson = json.loads(path.read_text())["metadata"]["taught"][-1]
    assert lesson["digits"] == len(drawn) and lesson["from"] == "default" and lesson["steps"] == result["steps"]
    assert page.console_errors == []


def test_your_digits_survive_a_reload_and_export_and_import(page: App, tmp_path: Path):
    rng = random.Random(9)
    label, strokes = measure_teaching.STYLES["wide four"]
    for _ in range(2):
        keep(page, measure_teaching.variant(strokes, rng), label)
    text = page.page.evaluate("window.scratchnn.teach.digits.text")
    page.page.reload()
    page.page.wait_for_function(f"() => {COUNT} === 2", timeout=90_000)
    assert page.page.locator("#my-digits .my-digit").count() == 2
    # export: the file is the digits file the page stores
    with page.page.expect_download() as info:
        page.page.click("#digits-export")
    exported = tmp_path / info.value.suggested_filename
    info.value.save_as(exported)
    assert exported.read_text() == text and digits_file.from_json(exported.read_text()).n == 2
    # import adds after yours
    page.page.set_input_files("#digits-import", str(exported))
    page.page.wait_for_function(f"() => {COUNT} === 4")
    # a bad file: its name and what is wrong, nothing changed
    bad = tmp_path / "not-digits.json"
    bad.write_text(json.dumps({"format": "scratchnn-weights"}))
    page.page.set_input_files("#digits-import", str(bad))
    error = page.page.locator("#teach-error")
    error.wait_for(state="visible")
    assert error.inner_text().startswith("Could not import not-digits.json: not a ScratchNN digits file")
    assert error.inner_text().endswith("Your digits are unchanged.")
    assert page.page.evaluate(N_DIGITS) == 4
    # Clear asks once more, then forgets them, in the storage too
    page.page.click("#digits-clear")
    assert "Press again" in page.page.inner_text("#digits-clear") and page.page.evaluate(N_DIGITS) == 4
    page.page.click("#digits-clear")
    page.page.wait_for_function(f"() => {COUNT} === 0")
    assert page.page.evaluate("localStorage.getItem('scratchnn.my-digits')") is None


def test_a_corrupted_stored_copy_is_kept_said_and_exportable(browser, server, tmp_path: Path):
    app = open_app(browser, server)
    app.page.wait_for_function("() => window.scratchnn.teach.digits !== null")  # its first look at the storage is over
    app.page.evaluate("localStorage.setItem('scratchnn.my-digits', '{\"format\": \"scratchnn-digits\", ')")
    app.page.reload()
    error = app.page.locator("#teach-error")
    error.wait_for(state="visible", timeout=90_000)
    assert "Could not read the digits stored in this browser" in error.inner_text()
    assert "not valid JSON" in error.inner_text()
    stored = app.page.evaluate("localStorage.getItem('scratchnn.my-digits')")
    assert stored == '{"format": "scratchnn-digits", '  # kept as it was: nothing lost unasked
    with app.page.expect_download() as info:
        app.page.click("#digits-export")
    path = tmp_path / "stored.json"
    info.value.save_as(path)
    assert path.read_text() == stored
    # a digit kept meanwhile is not stored over the copy that could not be read
    app.page.evaluate("window.scratchnn.showInput(new Float32Array(784).fill(0.5))")
    app.wait_for_prediction()
    app.page.locator("#teach-labels button[data-label='5']").click()
    app.page.wait_for_function("() => window.scratchnn.teach.digits?.n === 1")
    assert app.page.evaluate("localStorage.getItem('scratchnn.my-digits')") == stored
    app.page.click("#digits-clear")
    app.page.click("#digits-clear")
    app.page.wait_for_function("() => localStorage.getItem('scratchnn.my-digits') === null")
    app.page.context.close()


def tab_to(app: App, found: str, most: int = 80) -> None:
    """Press Tab until ``found`` (a JavaScript condition on document.activeElement, ``e``) holds."""
    for _ in range(most):
        app.page.keyboard.press("Tab")
        if app.page.evaluate(f"(() => {{ const e = document.activeElement; return {found}; }})()"):
            return
    raise AssertionError(f"Tab never reached {found}")


def test_teaching_with_the_keyboard_alone(page: App):
    """Paint a digit on the pad with the keys, keep it as a 7 and learn from it, keys only; the
    keyboard's place is kept while Learn is disabled during the run."""
    keys = page.page.keyboard
    tab_to(page, "e.id === 'pad'")
    for _ in range(14):
        keys.press("ArrowUp")
    keys.down("Shift")
    for _ in range(18):
        keys.press("ArrowDown")  # a vertical stroke: it reads as a 1
    keys.up("Shift")
    answer = page.wait_for_prediction()
    assert answer["digit"] != 7
    tab_to(page, "e.dataset.label === '7' && e.closest('#teach-labels') !== null")
    keys.press("Enter")
    page.page.wait_for_function("() => window.scratchnn.teach.digits.n === 1")
    assert page.page.inner_text("#teach-add-note") == f"Kept as a 7 (it read {answer['digit']})."
    tab_to(page, "e.id === 'teach-run'")
    keys.press("Enter")
    page.page.wait_for_function("() => window.scratchnn.teach.running")
    assert page.page.evaluate("document.activeElement.id") == "teach-stop"
    page.page.wait_for_function("() => !window.scratchnn.teach.running", timeout=300_000)
    assert page.page.evaluate("document.activeElement.id") == "teach-run"
    assert "0 read right before, 1 after" in page.page.inner_text("#teach-summary")


def test_stop_ends_the_run_between_two_steps_and_keeps_what_it_learnt(page: App):
    label, strokes = measure_teaching.STYLES["flat three"]
    keep(page, measure_teaching.variant(strokes, random.Random(2)), label)
    page.page.click("#teach-run")
    page.page.wait_for_function(
        "() => window.scratchnn.teach.events.some((e) => e.phase === 'progress')", timeout=120_000
    )
    page.page.click("#teach-stop")
    page.page.wait_for_function("() => !window.scratchnn.teach.running", timeout=120_000)
    result = page.page.evaluate(
        "({steps: window.scratchnn.teach.result.steps, stopped: window.scratchnn.teach.result.stopped})"
    )
    assert result["stopped"] and 1 <= result["steps"] < 100
    assert page.page.inner_text("#teach-status").startswith(f"Stopped after {result['steps']} steps.")
    assert page.page.evaluate("window.scratchnn.state.model.name") == "yours"
    # nothing runs on: no progress after the end
    events = page.page.evaluate("window.scratchnn.teach.events.length")
    page.wait_for_prediction()
    assert page.page.evaluate("window.scratchnn.teach.events.length") == events
