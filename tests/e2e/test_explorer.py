"""The explorer in a real Chromium: every number it shows is CPython's forward and backward on the
same input and weights (1e-6), the code it shows is the package's source, one step is CPython's
gradient step, Undo is exact, the gradient check agrees; on a phone and from the keyboard too."""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import numpy as np
import pytest
from demo_page import ARTIFACTS, App, open_app

from scratchnn import gradcheck, network, training, weights
from scratchnn.browser import listings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
TEST_DIGIT = 18  # MNIST test image 18: a 3
# a 3 in two mouse strokes, as fractions of the pad
THREE = [
    [(0.32, 0.2), (0.5, 0.13), (0.66, 0.22), (0.62, 0.38), (0.46, 0.47)],
    [(0.46, 0.47), (0.66, 0.56), (0.7, 0.72), (0.54, 0.86), (0.32, 0.8)],
]


def tolerance_ok(shown: float, expected: float) -> bool:
    return abs(shown - expected) <= 1e-6 * max(1.0, abs(expected))


def shown_numbers(page, within: str) -> dict[str, tuple[float, str]]:
    """Every number on show in ``within``: its name (data-q) -> (full value, the text shown)."""
    return {
        key: (float(value), text)
        for key, value, text in page.evaluate(
            """(selector) => [...document.querySelectorAll(selector + ' [data-q]')]
                   .map((el) => [el.dataset.q, el.dataset.value, el.textContent])""",
            within,
        )
    }


def default_params() -> network.Params:
    params, _ = weights.load(ROOT / "web" / "weights" / "default.json")
    return {name: P.astype(np.float64) for name, P in params.items()}


@pytest.fixture()
def explorer(blank: App) -> App:
    """The shared page with an empty pad, its explorer back on the default network."""
    blank.page.evaluate("window.scratchnn.python.request('explorer-reset')")
    # the fields as a test before may have left them (set without scrolling: the tests draw on the pad)
    blank.page.evaluate(
        "document.querySelector('#step-lr').value = '0.003'; document.querySelector('#check-h').value = '1e-5';"
        " window.scrollTo(0, 0)"
    )
    return blank


def show_input(app: App, pixels: np.ndarray) -> int:
    """Put a ready 28x28 input on the pad and wait until the explorer shows it."""
    count = app.page.evaluate("window.scratchnn.explorer.events.length")
    app.page.evaluate("(p) => window.scratchnn.showInput(p)", pixels.tolist())
    app.wait_for_prediction()
    app.page.wait_for_function(
        f"() => window.scratchnn.explorer.events.length > {count} && !window.scratchnn.explorer.inFlight"
    )
    return app.page.evaluate("window.scratchnn.explorer.view.label")


def test_every_number_the_explorer_shows_equals_cpython_forward_and_backward(explorer: App, mnist_data):
    X = mnist_data.X_test[:, TEST_DIGIT : TEST_DIGIT + 1].astype(np.float32).astype(np.float64)
    show_input(explorer, X[:, 0])
    page = explorer.page
    params = default_params()
    cache = network.forward(params, X)
    Z1, A1, Z2, A2 = (values[:, 0] for values in cache)
    y = int(np.argmax(A2))
    assert y == mnist_data.Y_test[TEST_DIGIT] == 3
    grads = network.backward(params, X, np.array([y]), cache)
    W1X = (params["W1"] @ X)[:, 0]
    expected: dict[str, float] = {
        "off": float(np.sum(Z1 <= 0)),
        "inked": float(np.sum(X > 0)),
        "Z2_max": float(Z2.max()),
        "E_sum": float(np.exp(Z2 - Z2.max()).sum()),
        "loss": network.cross_entropy(cache.A2, np.array([y])),
        "loss.p": float(A2[y]),
        "dZ1.zero": float(np.sum(grads["b1"] == 0)),
        "dW2.max": float(grads["W2"].flat[np.argmax(np.abs(grads["W2"]))]),
    }
    for i in range(10):
        expected |= {
            f"W2A1:{i}": (params["W2"] @ A1)[i],
            f"b2:{i}": params["b2"][i, 0],
            f"Z2:{i}": Z2[i],
            f"Z2_shifted:{i}": Z2[i] - Z2.max(),
            f"E:{i}": math.exp(Z2[i] - Z2.max()),
            f"A2:{i}": A2[i],
            f"dZ2:{i}": grads["b2"][i, 0],
        }
    for k in range(Z1.size):
        expected |= {f"Z1:{k}": Z1[k], f"W1X:{k}": W1X[k], f"b1:{k}": params["b1"][k, 0], f"dZ1:{k}": grads["b1"][k, 0]}
    top = [int(k) for k in np.argsort(-Z1, kind="stable")[:12]]
    expected |= {"sel:Z1": Z1[top[0]], "sel:W1X": W1X[top[0]], "sel:b1": params["b1"][top[0], 0]}

    shown = shown_numbers(page, "#explore-forward") | shown_numbers(page, "#explore-learn")
    assert {f"Z1:{k}" for k in top} <= set(shown)  # the twelve largest Z1, by name
    top_gradients = [int(k) for k in np.argsort(-np.abs(grads["b1"][:, 0]), kind="stable")[:12]]
    assert {f"dZ1:{k}" for k in top_gradients} <= set(shown)
    assert {f"A2:{i}" for i in range(10)} | {f"Z2:{i}" for i in range(10)} | {f"dZ2:{i}" for i in range(10)} <= set(
        shown
    )
    for key, (value, text) in shown.items():
        assert key in expected, f"the page shows {key}, which this test does not check"
        assert tolerance_ok(value, expected[key]), (key, value, expected[key])
        # the text says the same number to its 4 digits (a bias after "+" or "−" is shown without its sign)
        assert float(text) in (pytest.approx(value, rel=2e-3), pytest.approx(abs(value), rel=2e-3)), (key, text)
    assert page.locator("#body-A1 strong").inner_text() == f"{int(np.sum(Z1 <= 0))} of 512 units are off"
    # large arrays arrive as typed arrays
    kinds = page.evaluate(
        "(() => { const v = window.scratchnn.explorer.view; return [v.Z1.constructor.name, v.dW2.constructor.name,"
        " v.order.constructor.name]; })()"
    )
    assert kinds == ["Float64Array", "Float64Array", "Int32Array"]


def test_the_code_shown_is_the_package_s_source_with_the_step_s_lines_highlighted(explorer: App, mnist_data):
    show_input(explorer, mnist_data.X_test[:, TEST_DIGIT])
    panes = explorer.page.evaluate(
        """() => [...document.querySelectorAll('[data-code]')].map((pane) => [pane.dataset.code,
             [...pane.querySelectorAll('figure.listing')].map((figure) => ({
               caption: figure.querySelector('figcaption').textContent,
               lines: [...figure.querySelectorAll('.line')].map((line) => line.lastChild.textContent),
               highlighted: [...figure.querySelectorAll('.line.hl')].map((line) => line.lastChild.textContent.trim()),
             }))])"""
    )
    assert {step for step, _ in panes} == set(listings.STEPS)
    for step, figures in panes:
        assert len(figures) == len(listings.STEPS[step])
        for figure, (name, texts) in zip(figures, listings.STEPS[step], strict=True):
            source = inspect.getsource(listings.FUNCTIONS[name]).rstrip("\n").split("\n")
            assert [line if line.strip() else "" for line in figure["lines"]] == [line.rstrip() for line in source]
            assert [line.split("  # ")[0] for line in figure["highlighted"]] == texts
            assert (
                f"{name.split('.')[1]}(), line {inspect.getsourcelines(listings.FUNCTIONS[name])[1]}"
                in figure["caption"]
            )
    z1 = dict(panes)["Z1"][0]
    assert z1["highlighted"] == ["Z1 = W1 @ X + b1"]


def test_one_step_equals_cpython_s_gradient_step_and_undo_restores_the_exact_probabilities(explorer: App, mnist_data):
    X = mnist_data.X_test[:, TEST_DIGIT : TEST_DIGIT + 1].astype(np.float32).astype(np.float64)
    show_input(explorer, X[:, 0])
    page = explorer.page
    page.get_by_role("button", name="8", exact=True).click()  # "it's an 8": a wrong label, large gradients
    page.wait_for_function("() => window.scratchnn.explorer.view.label === 8 && !window.scratchnn.explorer.inFlight")
    before = shown_numbers(page, "#body-A2")
    page.fill("#step-lr", "0.5")
    page.click("#step-button")
    page.wait_for_function("() => window.scratchnn.explorer.stepResult")
    params = default_params()
    training.gradient_step(params, {n: np.zeros_like(P) for n, P in params.items()}, X, np.array([8]), 0.5)
    after = network.forward(params, X).A2[:, 0]
    shown = shown_numbers(page, "#step-result")
    for i in range(10):
        assert tolerance_ok(shown[f"step.after:{i}"][0], after[i]), i
        assert shown[f"step.before:{i}"][0] == before[f"A2:{i}"][0]
    assert shown["step.after:8"][0] > shown["step.before:8"][0]
    assert page.locator("#step-count").inner_text() == "1 step taken on the copy."
    assert "after 1 step" in page.locator("#explore-note").inner_text()
    # the page's own network is not the explorer's copy: the answer at the top is unchanged
    page_network = {n: P.astype(np.float32) for n, P in default_params().items()}
    np.testing.assert_allclose(
        page.evaluate("window.scratchnn.state.result.probabilities"),
        network.forward(page_network, X.astype(np.float32)).A2[:, 0],
        rtol=1e-5,
        atol=1e-7,
    )
    page.click("#step-undo")
    page.wait_for_function("() => !window.scratchnn.explorer.inFlight && window.scratchnn.explorer.view.steps === 0")
    restored = shown_numbers(page, "#body-A2")
    probabilities = [f"A2:{i}" for i in range(10)]
    assert [restored[key] for key in probabilities] == [before[key] for key in probabilities]  # the same digits
    assert page.locator("#step-undo").is_disabled() and page.locator("#step-reset").is_disabled()


def test_the_live_gradient_check_agrees_in_float64_and_says_why_float32_is_coarser(explorer: App, mnist_data):
    X = mnist_data.X_test[:, TEST_DIGIT : TEST_DIGIT + 1].astype(np.float32).astype(np.float64)
    show_input(explorer, X[:, 0])
    page = explorer.page
    page.get_by_role("button", name="5", exact=True).click()
    page.wait_for_function("() => window.scratchnn.explorer.view.label === 5 && !window.scratchnn.explorer.inFlight")
    page.select_option("#check-parameter", "W1")
    page.click("#check-largest")
    row, column = int(page.input_value("#check-row")), int(page.input_value("#check-column"))
    params = default_params()
    grads = network.backward(params, X, np.array([5]), network.forward(params, X))
    assert abs(grads["W1"][row, column]) == np.abs(grads["W1"]).max()  # "Largest gradient" picked it
    page.click("#check-run")
    page.wait_for_function("() => window.scratchnn.explorer.check")
    shown = shown_numbers(page, "#check-result")
    assert shown["check.float64.relative"][0] < 1e-4
    slope = gradcheck.numeric_slope(params, X, np.array([5]), "W1", (row, column), 1e-5)
    assert tolerance_ok(shown["check.float64.slope"][0], slope.slope)
    assert tolerance_ok(shown["check.float64.backprop"][0], grads["W1"][row, column])
    assert shown["check.float32.relative"][0] > shown["check.float64.relative"][0]
    text = page.locator("#check-result").inner_text()
    assert "backpropagation's slope is right" in text and "about 7 significant digits" in text
    # a weight beyond the matrix and a nudge of 0 are refused, with the reason
    page.fill("#check-row", "512")
    page.click("#check-run")
    page.wait_for_selector("#check-error:not([hidden])")
    assert page.locator("#check-error").inner_text() == "W1 has 512 rows (0 to 511); got row 512"
    page.fill("#check-row", "0")
    page.fill("#check-h", "0")
    page.click("#check-run")
    page.wait_for_function("() => document.querySelector('#check-error').textContent.startsWith('the nudge h')")


def test_a_bad_learning_rate_is_refused_and_takes_no_step(explorer: App, mnist_data):
    show_input(explorer, mnist_data.X_test[:, TEST_DIGIT])
    page = explorer.page
    for typed in ("abc", "", "-1", "1e400"):
        page.fill("#step-lr", typed)
        page.click("#step-button")
        page.wait_for_selector("#step-error:not([hidden])")
        assert page.locator("#step-error").inner_text().startswith("the learning rate must be a number above 0")
        page.evaluate("document.querySelector('#step-error').hidden = true")
    assert page.evaluate("window.scratchnn.explorer.view.steps") == 0
    page.fill("#step-lr", "0.003")


def test_the_explorer_follows_finished_strokes_and_never_asks_mid_stroke(explorer: App):
    page = explorer.page
    events = page.evaluate("window.scratchnn.explorer.events.length")
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.85, steps=12)
    page.wait_for_function("() => window.scratchnn.state.result && !window.scratchnn.state.result.empty")
    assert page.evaluate("window.scratchnn.explorer.events.length") == events  # the live prediction alone
    page.mouse.up()
    explorer.wait_for_prediction()
    page.wait_for_function(f"() => window.scratchnn.explorer.events.length > {events}")
    page.wait_for_function("() => !window.scratchnn.explorer.inFlight")
    assert page.evaluate("window.scratchnn.explorer.view.digit") == 1


def test_a_drawn_3_through_both_panels_on_desktop(explorer: App):
    for stroke in THREE:
        explorer.stroke(stroke)
    explorer.wait_for_prediction()
    page = explorer.page
    page.wait_for_function("() => window.scratchnn.explorer.view && !window.scratchnn.explorer.inFlight")
    assert page.evaluate("window.scratchnn.explorer.view.digit") == 3
    page.get_by_role("button", name="8", exact=True).click()
    page.wait_for_function("() => window.scratchnn.explorer.view.label === 8 && !window.scratchnn.explorer.inFlight")
    page.click("#step-button")
    page.wait_for_function("() => window.scratchnn.explorer.stepResult")
    page.click("#check-run")
    page.wait_for_function("() => window.scratchnn.explorer.check")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#explore-forward").screenshot(path=str(ARTIFACTS / "explorer-forward-desktop.png"))
    page.locator("#explore-learn").screenshot(path=str(ARTIFACTS / "explorer-learn-desktop.png"))
    # wide screens: the math left, its code right
    math_box = page.locator("#step-Z1 .step-math").bounding_box()
    code_box = page.locator("#step-Z1 .step-code").bounding_box()
    assert code_box["x"] >= math_box["x"] + math_box["width"] - 1
    assert explorer.console_errors == []


def test_on_a_phone_the_panels_stack_and_a_tap_picks_a_unit(browser, server, mnist_data):
    app = open_app(browser, server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                   device_scale_factor=2)  # fmt: skip
    try:
        show_input(app, mnist_data.X_test[:, TEST_DIGIT])
        page = app.page
        math_box = page.locator("#step-Z1 .step-math").bounding_box()
        code_box = page.locator("#step-Z1 .step-code").bounding_box()
        assert code_box["y"] >= math_box["y"] + math_box["height"] - 1  # the code below the math
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        strip = page.locator("#z1-strip")
        strip.scroll_into_view_if_needed()
        box = strip.bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
        rank = int(strip.get_attribute("aria-valuenow"))
        assert rank > 1 and abs(rank - 0.75 * 512) < 20
        unit = page.evaluate(f"window.scratchnn.explorer.view.order[{rank - 1}]")
        assert page.locator("#z1-detail").inner_text().startswith(f"Unit {unit} (number {rank} of 512)")
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#explore-forward").screenshot(path=str(ARTIFACTS / "explorer-forward-phone.png"))
        page.locator("#explore-learn").screenshot(path=str(ARTIFACTS / "explorer-learn-phone.png"))
        assert app.console_errors == []
    finally:
        app.page.context.close()


def test_from_the_keyboard_alone(explorer: App, mnist_data):
    show_input(explorer, mnist_data.X_test[:, TEST_DIGIT])
    page = explorer.page
    page.focus("#z1-strip")
    for key in ("ArrowRight", "ArrowRight", "PageUp"):
        page.keyboard.press(key)
    assert page.locator("#z1-strip").get_attribute("aria-valuenow") == "13"
    page.keyboard.press("End")
    assert page.locator("#z1-strip").get_attribute("aria-valuenow") == "512"
    assert page.locator("#z1-strip").get_attribute("aria-valuetext").startswith("Unit ")
    page.focus("#label-buttons button:nth-child(6)")  # the digit 5
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.scratchnn.explorer.view.label === 5 && !window.scratchnn.explorer.inFlight")
    page.focus("#step-button")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.scratchnn.explorer.stepResult")
    page.focus("#step-undo")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.scratchnn.explorer.view.steps === 0 && !window.scratchnn.explorer.inFlight")
    page.focus("#check-h")
    page.keyboard.press("Enter")  # submits the check
    page.wait_for_function("() => window.scratchnn.explorer.check")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
