"""Where it fails, in a real Chromium: the panel's accuracy and confusion matrix are CPython's
evaluation of the same 1,000 held-out digits (the site's subset file) with the committed default
weights, exactly; a mistake clicked goes on the pad with its true label in the explorer; "Show me
a test digit" puts a held-out digit on the pad; on a phone nothing is wider than the screen."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from demo_page import ARTIFACTS, App, open_app

from scratchnn import network, weights
from scratchnn.browser import subset

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def held_out(site: Path) -> tuple[np.ndarray, np.ndarray]:
    """The 1,000 held-out images and labels, read from the built site's own subset file."""
    _, _, X_val, Y_val = subset.read((site / "data" / "mnist-subset.bin.gz").read_bytes(), dtype="float32")
    return X_val, Y_val


def cpython_evaluation(X_val: np.ndarray, Y_val: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The default network (its float32 weights, as the page loads them) on X_val: the digit read
    and the 10 x 10 confusion counts."""
    params, _ = weights.load(ROOT / "web" / "weights" / "default.json")
    read = network.predict(params, X_val)
    counts = np.zeros((10, 10), dtype=int)
    np.add.at(counts, (Y_val, read), 1)
    return read, counts


def run_panel(app: App) -> None:
    """Press "Run the network on them" and wait for the answer."""
    count = app.page.evaluate("window.scratchnn.failures.events.length")
    app.page.locator("#failures-run").click()
    app.page.wait_for_function(f"() => window.scratchnn.failures.events.length > {count}", timeout=60_000)


def shown_matrix(app: App) -> np.ndarray:
    """The confusion matrix as the table shows it (every cell's data-count)."""
    counts = app.page.evaluate(
        "[...document.querySelectorAll('#confusion tbody tr')].map((row) => [...row.querySelectorAll('td')]"
        ".map((cell) => +cell.dataset.count))"
    )
    return np.array(counts)


def wait_for_explorer(app: App, count: int) -> None:
    app.wait_for_prediction()
    app.page.wait_for_function(
        f"() => window.scratchnn.explorer.events.length > {count} && !window.scratchnn.explorer.inFlight"
    )


def test_the_panel_equals_cpython_on_the_held_out_digits_and_a_mistake_goes_to_the_explorer(blank: App, held_out):
    X_val, Y_val = held_out
    read, counts = cpython_evaluation(X_val, Y_val)
    page = blank.page
    page.locator("#failures").scroll_into_view_if_needed()
    run_panel(blank)
    correct = int(np.sum(read == Y_val))
    assert page.evaluate("window.scratchnn.failures.result.correct") == correct
    assert page.locator("#failures-accuracy").inner_text() == f"default: {correct} of 1000 right, {correct / 10:.1f}%"
    np.testing.assert_array_equal(shown_matrix(blank), counts)
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#failures").screenshot(path=str(ARTIFACTS / "failures-desktop.png"))

    # the gallery: every mistake (the first 48), most confident first, each one of CPython's mistakes
    wrong = set(np.flatnonzero(read != Y_val).tolist())
    indices = [int(i) for i in page.locator("#mistakes .mistake").evaluate_all("(b) => b.map((x) => x.dataset.index)")]
    assert len(indices) == min(48, len(wrong)) and set(indices) <= wrong
    confidence = page.evaluate("Array.from(window.scratchnn.failures.result.confidence)")
    assert confidence == sorted(confidence, reverse=True)

    # a cell of the matrix: its accessible name, and the gallery shows just those digits
    truth, seen = np.unravel_index(np.argmax(counts - np.diag(np.diag(counts))), counts.shape)
    n = int(counts[truth, seen])
    cell = page.get_by_role("button", name=f"true {truth}, read {seen}: {n} digit{'s' if n > 1 else ''}", exact=True)
    cell.click()
    assert cell.get_attribute("aria-pressed") == "true"
    filtered = [int(i) for i in page.locator("#mistakes .mistake").evaluate_all("(b) => b.map((x) => x.dataset.index)")]
    assert sorted(filtered) == sorted(i for i in wrong if Y_val[i] == truth and read[i] == seen)[:48]
    blank.screenshot("failures-desktop-cell")

    # a mistake clicked: on the pad as it is, the network reads it as CPython did, the explorer has its true label
    first = filtered[0]
    count = page.evaluate("window.scratchnn.explorer.events.length")
    page.locator(f"#mistakes .mistake[data-index='{first}']").click()
    wait_for_explorer(blank, count)
    result = page.evaluate("window.scratchnn.state.result")
    assert result["digit"] == read[first] == seen
    np.testing.assert_array_equal(np.array(result["image"], dtype=np.float32), X_val[:, first])
    assert page.evaluate("window.scratchnn.explorer.view.label") == Y_val[first] == truth
    assert page.evaluate("window.scratchnn.explorer.view.digit") == seen
    assert page.locator("#test-digit-note").inner_text().startswith(f"a held-out {truth} ")
    page.locator("#label-note").scroll_into_view_if_needed()
    page.locator("#explore-learn").screenshot(path=str(ARTIFACTS / "failures-desktop-explorer.png"))

    # another network: the numbers are stale until run again
    page.locator("label.model", has_text="tiny").click()
    page.wait_for_function("() => window.scratchnn.failures.stale")
    assert "stale, run again" in page.locator("#failures-status").inner_text()
    assert blank.console_errors == []


def test_show_me_a_test_digit(blank: App, held_out):
    X_val, Y_val = held_out
    page = blank.page
    page.evaluate("window.scrollTo(0, 0)")
    count = page.evaluate("window.scratchnn.explorer.events.length")
    page.locator("#test-digit").click()
    page.wait_for_function("() => document.querySelector('#test-digit-note').dataset.label !== undefined")
    wait_for_explorer(blank, count)
    result = page.evaluate("window.scratchnn.state.result")
    assert not result["empty"] and result["digit"] in range(10)
    note = page.locator("#test-digit-note").inner_text()
    label = int(page.locator("#test-digit-note").get_attribute("data-label"))
    index = int(note.split("digit ")[1].split(" ")[0])
    assert note.startswith(f"a held-out {label} ") and label == Y_val[index]
    np.testing.assert_array_equal(np.array(result["image"], dtype=np.float32), X_val[:, index])
    assert page.evaluate("window.scratchnn.explorer.view.label") == label
    blank.screenshot("failures-desktop-test-digit")
    page.locator("#clear").click()  # a drawing of one's own: the note goes
    assert page.locator("#test-digit-note").is_hidden()
    assert blank.console_errors == []


def test_on_a_phone_from_the_keyboard(browser, server, held_out):
    _, Y_val = held_out
    app = open_app(browser, server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                   device_scale_factor=2)  # fmt: skip
    try:
        page = app.page
        page.locator("#failures-run").focus()
        page.keyboard.press("Enter")
        page.wait_for_function("() => window.scratchnn.failures.events.length > 0", timeout=60_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        page.locator("#mistakes .mistake").first.focus()
        index = int(page.locator("#mistakes .mistake").first.get_attribute("data-index"))
        count = page.evaluate("window.scratchnn.explorer.events.length")
        page.keyboard.press("Enter")
        wait_for_explorer(app, count)
        assert page.evaluate("window.scratchnn.explorer.view.label") == Y_val[index]
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#failures").screenshot(path=str(ARTIFACTS / "failures-phone.png"))
        page.evaluate("window.scrollTo(0, 0)")
        app.screenshot("failures-phone-pad")
        assert app.console_errors == []
    finally:
        page.context.close()
