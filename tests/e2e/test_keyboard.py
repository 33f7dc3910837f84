"""Without a mouse: from load to a prediction and into the explorer with the keyboard alone
(page.keyboard only; evaluate only reads the page's state), the keyboard's grid on the pad, and
every control reachable with Tab and visibly focused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from demo_page import ARTIFACTS, App, open_app

SIDE = 28
START = (13, 13)  # the cursor's first cell (row, column), 0-based

# What the focused element shows as its focus ring: its own outline, or (a radio card's hidden
# input, the file input's label) the outline of what stands for it.
FOCUS_RING = """() => {
  const el = document.activeElement;
  const shown = el.matches('.model input') ? el.nextElementSibling
    : el.id === 'weights-file' ? document.querySelector('label[for="weights-file"]') : el;
  const style = getComputedStyle(shown);
  const box = shown.getBoundingClientRect();
  window.__ringed ??= new Set();
  const again = window.__ringed.has(el);
  window.__ringed.add(el);
  return {
    again, id: el.id, tag: el.tagName, text: (el.textContent || el.value || '').trim().slice(0, 30),
    focusVisible: el.matches(':focus-visible'),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 ? style.outlineColor : null,
    size: box.width * box.height,
  };
}"""


@pytest.fixture(scope="module")
def keys_page(browser: Any, server: str) -> Iterator[App]:
    """The demo in its own window, on the desktop size, touched by nothing but the keyboard."""
    app = open_app(browser, server, viewport={"width": 1280, "height": 900})
    yield app
    app.page.context.close()


def percent(p: float) -> str:
    """A probability as the page writes it (view.js percent)."""
    return f"{p * 100:.{0 if p >= 0.995 or p < 0.1 else 1}f}%"


def contrast(rgb: str, background: str = "#161a23") -> float:
    """WCAG contrast ratio of a CSS rgb() colour against a #rrggbb background."""

    def luminance(channels: list[float]) -> float:
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    fg = [int(part) / 255 for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    bg = [int(background[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def cursor(app: App) -> tuple[int, int]:
    """The keyboard cursor's cell (row, column), 0-based, as the page places it."""
    row, column = app.page.evaluate(
        "['--row', '--column'].map((name) => document.getElementById('pad-cursor').style.getPropertyValue(name))"
    )
    return int(row), int(column)


def neighbourhood(row: int, column: int) -> set[int]:
    return {(row + dr) * SIDE + column + dc for dr, dc in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))}


def active(app: App) -> str:
    return app.page.evaluate("document.activeElement.id || document.activeElement.tagName")


def tab_to(app: App, predicate: str, limit: int = 400) -> int:
    """Press Tab until ``predicate`` (a JS expression on ``el``, the focused element) holds."""
    for presses in range(1, limit + 1):
        app.page.keyboard.press("Tab")
        if app.page.evaluate(f"(() => {{ const el = document.activeElement; return Boolean({predicate}); }})()"):
            return presses
    raise AssertionError(f"Tab never reached {predicate} in {limit} presses (last: {active(app)})")


def press(app: App, key: str, times: int) -> None:
    for _ in range(times):
        app.page.keyboard.press(key)


def announcements(app: App) -> list[str]:
    return app.page.evaluate("window.__said")


def listen_to_announce(app: App) -> None:
    """Record every text #announce (the role=status live region) is given, from now on: once the
    page's own answer to the pad as it is (the empty pad's, asked for at ready) has been shown, so
    that on a busy machine a late one is not heard as the test's."""
    app.wait_for_prediction()
    app.page.evaluate(
        """() => {
          if (window.__said) return void (window.__said = []); // listening already
          window.__said = [];
          new MutationObserver(() => window.__said.push(document.getElementById('announce').textContent))
            .observe(document.getElementById('announce'), { childList: true, characterData: true, subtree: true });
        }"""
    )


def pad_input(app: App) -> np.ndarray:
    return np.array(app.page.evaluate("Array.from(window.scratchnn.pad.image ?? [])"), dtype=np.float32)


def test_from_load_to_a_prediction_and_into_the_explorer_with_the_keyboard_alone(keys_page: App):
    app, page = keys_page, keys_page.page
    tab_to(app, "el.id === 'pad'")
    ring = page.evaluate(FOCUS_RING)
    assert ring["focusVisible"] and ring["outline"], ring
    assert page.locator("#pad-cursor").is_visible() is False  # no cursor before a key is used on the pad
    listen_to_announce(app)
    # a 1: up 7 rows from the centre, then Shift held (the pen down) for 15 rows down
    press(app, "ArrowUp", 7)
    assert page.locator("#pad-cursor").is_visible()
    assert page.locator("#pad-cursor-text").inner_text() == f"Row {START[0] - 7 + 1}, column {START[1] + 1}: no ink."
    page.keyboard.down("Shift")
    press(app, "ArrowDown", 15)
    assert page.evaluate("window.scratchnn.pad.active?.keys") is True  # the edit is still under way
    page.keyboard.up("Shift")  # the pen lifted: the edit is finished
    result = app.wait_for_prediction()
    page.wait_for_function("() => window.__said.length > 0")
    # the network read exactly the cells painted: full ink down column 13, half ink beside it
    image = np.array(result["image"], dtype=np.float32).reshape(SIDE, SIDE)
    np.testing.assert_array_equal(image, pad_input(app).reshape(SIDE, SIDE))
    assert (image[6:22, 13] == 1).all() and (image[6:22, 12] == 0.5).all() and (image[6:22, 14] == 0.5).all()
    assert image.sum() == pytest.approx(16 + 0.5 * (2 * 16 + 2))
    assert result["digit"] == 1
    said = announcements(app)
    assert said == [f"It reads 1, {percent(result['probabilities'][1])} sure."], said  # once, after the edit
    assert page.locator("#pad-cursor-text").inner_text() == f"Row {START[0] + 8 + 1}, column {START[1] + 1}: ink 100%."
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".draw").screenshot(path=str(ARTIFACTS / "keyboard-pad-desktop.png"))

    # into the explorer: the label button for 1, then One step
    tab_to(app, "el.closest('#label-buttons') && el.textContent.trim() === '1'")
    assert page.evaluate(FOCUS_RING)["outline"]
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.scratchnn.explorer.view.label === 1 && !window.scratchnn.explorer.inFlight")
    tab_to(app, "el.id === 'step-button'")
    assert page.evaluate(FOCUS_RING)["outline"]
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.scratchnn.explorer.stepResult && !window.scratchnn.explorer.inFlight")
    assert page.evaluate("window.scratchnn.explorer.view.steps") == 1
    page.locator("#step-button").screenshot(path=str(ARTIFACTS / "keyboard-focused-step.png"))
    assert app.console_errors == []


def test_keyboard_edits_undo_clear_and_a_tap_finishes_after_a_pause(keys_page: App):
    app, page = keys_page, keys_page.page
    page.keyboard.press("Escape")  # clears the pad
    app.wait_for_prediction()
    tab_to(app, "el.id === 'pad'")
    here = cursor(app)
    listen_to_announce(app)
    page.keyboard.press("Space")  # one dab: finished by the pause after it, not by a key release
    page.wait_for_function("() => !window.scratchnn.pad.active")
    app.wait_for_prediction()
    assert len(announcements(app)) == 1, announcements(app)
    image = pad_input(app).reshape(SIDE, SIDE)
    assert image[here] == 1 and image.sum() == pytest.approx(1 + 4 * 0.5)
    page.keyboard.press("Delete")  # erase the cursor's cell
    page.wait_for_function("() => !window.scratchnn.pad.active")
    assert pad_input(app).reshape(SIDE, SIDE)[here] == 0
    page.keyboard.press("Control+z")  # Undo takes the erasing back
    app.wait_for_prediction()
    assert pad_input(app).reshape(SIDE, SIDE)[here] == 1
    page.keyboard.press("Control+z")  # ... and then the dab: an empty pad
    assert app.wait_for_prediction()["empty"]
    assert page.locator("#undo").is_disabled()
    assert app.console_errors == []


def test_show_me_a_test_digit_from_the_keyboard_then_edit_it(keys_page: App):
    app, page = keys_page, keys_page.page
    tab_to(app, "el.id === 'test-digit'")
    assert page.evaluate(FOCUS_RING)["outline"]
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#test-digit-note').dataset.label !== undefined")
    result = app.wait_for_prediction()
    digit = pad_input(app)
    np.testing.assert_array_equal(np.array(result["image"], dtype=np.float32), digit)
    assert "held-out" in page.locator("#test-digit-note").inner_text()
    tab_to(app, "el.id === 'pad'")
    # to row 1, column 1: blank in every MNIST digit (the test digit is a random one, and a dab
    # where it already has full ink would change nothing)
    press(app, "ArrowUp", SIDE)
    press(app, "ArrowLeft", SIDE)
    press(app, "ArrowDown", 1)
    press(app, "ArrowRight", 1)
    assert cursor(app) == (1, 1)
    assert digit[sorted(neighbourhood(1, 1))].max() == 0
    page.keyboard.press("Space")  # paints over the test digit's cells, which stay as they were elsewhere
    page.wait_for_function("() => !window.scratchnn.pad.active")
    edited = pad_input(app)
    changed = set(np.flatnonzero(edited != digit).tolist())
    assert changed and changed <= neighbourhood(*cursor(app))
    page.keyboard.press("Control+z")
    app.wait_for_prediction()
    np.testing.assert_array_equal(pad_input(app), digit)  # Undo: the test digit exactly as it was
    assert app.console_errors == []


def test_every_control_is_reachable_with_tab_and_visibly_focused(keys_page: App):
    app, page = keys_page, keys_page.page
    page.keyboard.press("Escape")
    tab_to(app, "el.id === 'failures-run'")
    page.keyboard.press("Enter")  # the confusion cells and the mistakes exist from here on
    page.wait_for_function("() => window.scratchnn.failures.events.length > 0", timeout=60_000)
    page.evaluate("document.activeElement.blur()")
    page.evaluate("window.__ringed = new Set()")
    seen: list[dict] = []
    for _ in range(600):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring["again"]:
            break  # round the page once
        seen.append(ring)
    else:
        raise AssertionError("Tab did not come round the page in 600 presses")
    unringed = [r for r in seen if r["tag"] != "BODY" and not (r["focusVisible"] and r["outline"] and r["size"] > 0)]
    assert not unringed, unringed
    faint = {r["outline"] for r in seen if r["outline"] and contrast(r["outline"]) < 3}
    assert not faint, faint  # a focus ring stands out 3:1 or more from the cards (WCAG 1.4.11)
    ids = {r["id"] for r in seen}
    for control in ("pad", "test-digit", "step-button", "check-run", "failures-run", "train-scratch", "weights-file"):
        assert control in ids, control
    texts = [(r["tag"], r["text"]) for r in seen]
    assert any(tag == "INPUT" for tag, _ in texts)  # the network picker's radio
    tags = page.evaluate("[...document.querySelectorAll('#confusion td button, #mistakes .mistake')].length")
    assert tags > 0 and sum(1 for r in seen if r["tag"] == "BUTTON" and not r["id"]) >= 10
    print(f"Tab reaches {len(seen)} controls, each with a focus ring")


def test_a_key_on_a_drawing_turns_it_into_its_cells_and_undo_brings_the_strokes_back(keys_page: App):
    app, page = keys_page, keys_page.page
    page.keyboard.press("Escape")
    page.evaluate("window.scrollTo(0, 0)")
    app.stroke([(0.3, 0.22), (0.72, 0.22), (0.48, 0.82)])  # a 7 with the mouse
    app.wait_for_prediction()
    drawn = page.evaluate("Array.from(window.scratchnn.pad.pixels().data.filter((_, i) => i % 4 === 0))")
    canvas = np.array(drawn, dtype=np.float32).reshape(280, 280) / 255
    tab_to(app, "el.id === 'pad'")
    here = cursor(app)
    page.keyboard.press("Delete")  # one key: the strokes become the 28x28 cells, then the cell is erased
    page.wait_for_function("() => !window.scratchnn.pad.active")
    result = app.wait_for_prediction()
    cells = canvas.reshape(28, 10, 28, 10).mean(axis=(1, 3))  # each cell: the mean of its 10x10 pixels
    cells[here] = 0
    np.testing.assert_allclose(pad_input(app).reshape(SIDE, SIDE), cells, atol=1e-6)
    np.testing.assert_allclose(np.array(result["image"]).reshape(SIDE, SIDE), cells, atol=1e-6)  # read as they are
    assert page.evaluate("window.scratchnn.pad.strokes.length") == 0
    page.keyboard.press("Control+z")
    app.wait_for_prediction()
    assert page.evaluate("window.scratchnn.pad.strokes.length") == 1
    again = page.evaluate("Array.from(window.scratchnn.pad.pixels().data.filter((_, i) => i % 4 === 0))")
    assert again == drawn  # the stroke back, pixel for pixel
    assert app.console_errors == []
