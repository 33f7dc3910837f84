"""A phone-sized screen: the pad and the answer both fit, touch draws."""

from __future__ import annotations

from demo_page import open_app

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def fully_visible(app, selector: str) -> bool:
    box = app.page.locator(selector).bounding_box()
    viewport = app.page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )


def test_phone_layout_shows_pad_and_prediction_without_scrolling(browser, server):
    app = open_app(browser, server, **PHONE)
    try:
        page = app.page
        assert page.evaluate("window.scrollY") == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        for selector in ("#pad", "#digit", "#confidence", "#seen"):
            assert fully_visible(app, selector), selector
        assert page.locator("#pad").bounding_box()["width"] >= 300  # big enough to draw with a finger
        assert page.evaluate("getComputedStyle(document.getElementById('pad')).touchAction") == "none"
        app.stroke([(0.3, 0.22), (0.72, 0.22), (0.48, 0.82)])
        assert app.wait_for_prediction()["digit"] == 7
        assert page.evaluate("window.scrollY") == 0  # drawing did not scroll the page
        assert page.locator("#digit").inner_text() == "7"
        app.screenshot("phone")
        page.screenshot(path=str(app.screenshot("phone").with_name("phone-full.png")), full_page=True)
    finally:
        app.page.context.close()


def test_a_finger_draws_and_does_not_scroll(browser, server):
    """Real touch input (Chromium's touch events through the DevTools protocol): pointer events
    draw the stroke, and touch-action: none keeps the page from scrolling under the finger."""
    app = open_app(browser, server, **PHONE)
    try:
        page = app.page
        box = page.locator("#pad").bounding_box()
        x = box["x"] + box["width"] * 0.5
        top, bottom = box["y"] + box["height"] * 0.12, box["y"] + box["height"] * 0.88
        cdp = page.context.new_cdp_session(page)
        # A finger moving up the pad (a "1" drawn upwards): on a scrollable page, exactly the
        # gesture that scrolls it down, unless the pad says touch-action: none.
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": bottom}]})
        for i in range(1, 21):
            y = bottom - (bottom - top) * i / 20
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        result = app.wait_for_prediction()
        assert not result["empty"]
        assert result["digit"] == 1
        assert page.evaluate("window.scrollY") == 0
        assert page.evaluate("window.scratchnn.pad.strokes.length") == 1
    finally:
        app.page.context.close()
