"""What the page imports only after it is ready (numpy.random...: site.json's after_ready,
web/worker.js) arrives after ready: the page draws and reads without it; a request that needs it
and cannot get it says so, and the same request works once the file can be fetched again."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from demo_page import LOAD_TIMEOUT_MS, App

ONE = [(0.5, 0.2), (0.5, 0.8)]


def test_without_after_ready_the_page_reads_drawings_a_test_digit_and_training_say_why_then_work(browser, server, site):
    later = json.loads((site / "site.json").read_text())["after_ready"]["file"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    failures: list[str] = []
    connection = {"down": True}

    def fail_while_down(route):
        if connection["down"]:
            failures.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    context.route(f"**/{later}", fail_while_down)
    page = context.new_page()
    app = App(page, server)
    page.on("console", lambda message: message.type == "error" and app.console_errors.append(message.text))
    try:
        page.goto(server)
        page.wait_for_function("() => window.scratchnn && window.scratchnn.state.ready", timeout=LOAD_TIMEOUT_MS)
        assert page.locator("#status").get_attribute("data-state") == "ready"
        app.stroke(ONE)
        result = app.wait_for_prediction()  # the first answers need nothing of after_ready
        assert not result["empty"] and result["digit"] in range(10)
        for _ in range(300):  # the worker's background fetch, right after ready (a guard, not a timing)
            if failures:
                break
            page.wait_for_timeout(100)
        assert {urlsplit(url).path for url in failures} == {f"/{later}"}  # tried in the background

        tried = len(failures)
        page.locator("#test-digit").click()  # needs numpy.random: tries again, and says why it cannot
        note = page.locator("#test-digit-note")
        page.wait_for_function("() => document.querySelector('#test-digit-note').textContent.startsWith('Could')")
        assert note.inner_text().startswith("Could not fetch a test digit: Could not load the rest of Python (")
        assert later in note.inner_text() and len(failures) > tried
        assert note.get_attribute("data-label") is None

        page.locator("#train-scratch").click()  # training too
        page.wait_for_function("() => !document.getElementById('train-error').hidden")
        assert "Could not load the rest of Python (" in page.locator("#train-error").inner_text()
        page.locator("#train-error").scroll_into_view_if_needed()
        app.screenshot("after-ready-down-training")

        connection["down"] = False
        page.locator("#test-digit").click()  # the same button again: it gets it now
        page.wait_for_function("() => document.querySelector('#test-digit-note').dataset.label !== undefined")
        label = int(note.get_attribute("data-label"))
        assert note.inner_text().startswith(f"a held-out {label} ")
        app.wait_for_prediction()
        assert page.evaluate("window.scratchnn.state.result")["digit"] in range(10)
        page.locator("#train-scratch").click()  # and training: its first progress comes
        page.wait_for_function("() => (window.scratchnn.training.last?.batch ?? 0) > 1", timeout=120_000)
        assert page.locator("#train-error").is_hidden()
        page.locator("#train-stop").click()
    finally:
        context.close()
