"""Training in the page (issue 4): real epochs of training.py in Pyodide, in the page's worker.

Each test drives the panel as a visitor does (fields, buttons, a file chooser) in a real Chromium
and checks what the page shows against what Python reports, and, for the downloaded weights,
against CPython.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from demo_page import ARTIFACTS, App, open_app

from scratchnn import page, subset, weights

TRAIN_TIMEOUT_MS = 240_000  # an epoch takes seconds; the machines running this are small and shared


@pytest.fixture(scope="module")
def trainer(browser: Any, server: str) -> Iterator[App]:
    """A page of its own (the drawing tests share another), desktop-sized."""
    opened = open_app(browser, server, viewport={"width": 1280, "height": 900})
    yield opened
    opened.page.context.close()


@pytest.fixture(scope="module")
def digits(site: Path) -> tuple[np.ndarray, np.ndarray]:
    """Validation images from the very file the page trains on: 784 values in [0, 1] each."""
    _, _, X_val, Y_val = subset.read((site / "data" / "mnist-subset.bin.gz").read_bytes())
    return X_val, Y_val


@pytest.fixture()
def fresh(trainer: App) -> App:
    """The page back on the pretrained network, nothing training, no error shown."""
    trainer.page.evaluate("window.scratchnn.training.reset()")
    trainer.page.wait_for_function("() => !window.scratchnn.training.running && window.scratchnn.state.ready")
    trainer.page.evaluate("window.scrollTo(0, 0)")  # the pad in view, for the tests that draw
    assert trainer.page.locator("#train-error").is_hidden()
    return trainer


def fill(app: App, hidden: Any = 32, lr: Any = "0.05", batch: Any = 32, epochs: Any = 1) -> None:
    for field, value in (("hidden", hidden), ("lr", lr), ("batch", batch), ("epochs", epochs)):
        app.page.fill(f"#train-{field}", str(value))


def ends(app: App) -> int:
    return app.page.evaluate("window.scratchnn.training.events.filter((e) => e.phase === 'end').length")


def start(app: App, button: str = "#train-scratch") -> int:
    """Click a train button; wait until the run is under way; returns the number of ends before it."""
    before = ends(app)
    app.page.click(button)
    app.page.wait_for_function("() => window.scratchnn.training.running", timeout=60_000)
    app.page.evaluate("window.scrollTo(0, 0)")  # clicking scrolled down to the panel: the pad back in view
    return before


def wait_end(app: App, before: int) -> dict:
    app.page.wait_for_function(
        f"() => window.scratchnn.training.events.filter((e) => e.phase === 'end').length > {before}",
        timeout=TRAIN_TIMEOUT_MS,
    )
    return app.page.evaluate("window.scratchnn.training.last")


def probabilities(app: App, pixels: np.ndarray) -> list[float]:
    return app.page.evaluate("(p) => window.scratchnn.predictInput(p).then((r) => r.probabilities)", pixels.tolist())


def test_one_epoch_from_scratch_with_32_hidden_reaches_90_percent(fresh: App):
    fill(fresh, hidden=32, epochs=1)
    last = wait_end(fresh, start(fresh))
    assert last["done"] and not last["stopped"]
    (epoch,) = last["history"]
    print(f"in the browser: 1 epoch, 32 hidden: validation accuracy {epoch['val_accuracy']:.3f}, "
          f"{epoch['seconds']:.2f} s, {last['examples_per_second']:.0f} examples/s")  # fmt: skip
    assert epoch["val_accuracy"] >= 0.90
    assert last["examples_seen"] == 10_000
    status = fresh.page.inner_text("#train-status")
    assert "Done: 1 epoch" in status and f"{epoch['val_accuracy'] * 100:.1f}%" in status
    assert "examples/s" in fresh.page.inner_text("#train-speed")
    assert fresh.page.locator("#yours-choice input").is_checked()
    assert fresh.page.evaluate("document.body.dataset.model") == "yours"
    assert fresh.page.locator("#units canvas").count() == 32
    assert fresh.console_errors == []
    fresh.page.locator("#train").scroll_into_view_if_needed()
    fresh.screenshot("desktop-training-after")


def test_progress_chart_and_filters_update_during_training(fresh: App):
    fill(fresh, hidden=32, epochs=2)
    before = start(fresh)
    seen = []
    while ends(fresh) == before:
        seen.append(
            fresh.page.evaluate(
                """() => ({
                  bar: parseFloat(document.getElementById("train-bar").style.width) || 0,
                  points: window.scratchnn.training.chart.points,
                  status: document.getElementById("train-status").textContent,
                  filter: document.querySelector("#units canvas").toDataURL(),
                  ended: window.scratchnn.training.events.some((e, i) => e.phase === "end"),
                })"""
            )
        )
        fresh.page.wait_for_timeout(150)
    during = [s for s in seen if "Epoch" in s["status"]]
    assert len(during) >= 4, seen
    bars = [s["bar"] for s in during]
    assert fresh.page.get_attribute("#train .progress", "aria-valuenow") not in (None, "0")
    assert bars == sorted(bars) and bars[0] < bars[-1] and 0 < bars[-1] <= 100
    points = [s["points"] for s in during]
    assert points == sorted(points) and points[-1] > points[0]
    assert len({s["status"] for s in during}) >= 3  # "Epoch 1 of 2 · batch 57 of 313" moves on
    # The first-layer images change as it learns (redrawn every 400 ms: on a quiet machine two
    # epochs of 10,000 images take little more than a second, so expect at least two versions).
    assert len({s["filter"] for s in during}) >= 2
    assert any("Epoch 2 of 2" in s["status"] for s in during)
    fresh.screenshot("desktop-training-during")
    assert any("validation accuracy" in s["status"] for s in during)  # after the first epoch
    wait_end(fresh, before)
    assert fresh.page.evaluate("window.scratchnn.training.chart.data.valAccuracy.length") == 2


def draw_seven(app: App) -> dict:
    app.page.evaluate("window.scrollTo(0, 0); window.scratchnn.pad.clear()")
    app.stroke([(0.3, 0.22), (0.72, 0.22), (0.48, 0.82)])
    return app.wait_for_prediction()


def test_main_thread_never_blocks_over_100ms_while_training_and_drawing(fresh: App):
    """The issue's bound: no long task over 100 ms on the page's main thread while training.

    On a loaded machine the main thread can be kept waiting by the OS whatever the page does (a
    compositor commit that waits for a CPU). So the same drawing is first measured without
    training: when the test fails, its message shows whether the page or the machine blocked."""
    fill(fresh, hidden=64, epochs=4, batch=64)
    fresh.page.evaluate("window.__longTasks = []")
    for _ in range(3):
        draw_seven(fresh)
    baseline = [round(t) for t in fresh.page.evaluate("window.__longTasks")]
    fresh.page.evaluate("window.__longTasks = []")
    before = start(fresh)
    results = []
    while ends(fresh) == before:  # draw a 7 again and again; every drawing is read by the network in training
        results.append(draw_seven(fresh))
    long_tasks = [round(t) for t in fresh.page.evaluate("window.__longTasks")]
    print(f"long tasks (ms) while training: {long_tasks}; {len(results)} drawings read; drawing alone: {baseline}")
    assert max(long_tasks, default=0) <= 100, f"while training: {long_tasks}; the same drawing alone: {baseline}"
    assert len(results) >= 3
    assert all(r["model"] == "yours" for r in results)
    # predictions use the latest weights: the network's answer to the same 7 changes as it learns
    assert len({tuple(np.round(r["probabilities"], 6)) for r in results}) >= 2


@pytest.mark.parametrize(("hidden", "batch"), [(128, 32), (256, 256)], ids=["128-hidden", "largest-step"])
def test_stop_ends_training_within_one_second_and_the_page_stays_usable(fresh: App, digits, hidden, batch):
    """The second case is the slowest single step the panel allows (Stop is seen between steps)."""
    fill(fresh, hidden=hidden, epochs=50, batch=batch)
    before = start(fresh)
    fresh.page.wait_for_function("() => (window.scratchnn.training.last?.batch ?? 0) > 3", timeout=60_000)
    fresh.page.wait_for_timeout(500)
    fresh.page.click("#train-stop")
    last = wait_end(fresh, before)
    timing = fresh.page.evaluate(
        """() => { const t = window.scratchnn.training;
                   const end = t.events.filter((e) => e.phase === "end").at(-1);
                   const after = t.events.filter((e) => e.at > end.at && e.phase === "progress").length;
                   return {latency: end.at - t.stopClicked, reason: end.reason, after}; }"""
    )
    print(f"stop latency ({hidden} hidden, batch {batch}): {timing['latency']:.0f} ms")
    assert timing["reason"] == "stopped" and last["stopped"]
    assert timing["latency"] <= 1000
    assert len(last["history"]) < 50
    assert timing["after"] == 0
    fresh.page.wait_for_timeout(500)
    phases = fresh.page.evaluate("window.scratchnn.training.events.map((e) => e.phase)")
    assert phases[phases.index("end", len(phases) - 3) :] == ["end", "model"]  # no progress came after the end
    assert "Stopped" in fresh.page.inner_text("#train-status")
    # the page stays usable: the stopped network reads drawings, the buttons work again
    assert fresh.page.locator("#train-scratch").is_enabled()
    assert fresh.page.locator("#train-stop").is_disabled()
    result = draw_seven(fresh)
    assert result["model"] == "yours" and result["digit"] is not None
    X_val, _ = digits
    assert sum(probabilities(fresh, X_val[:, 0])) == pytest.approx(1, abs=1e-5)


def test_reset_restores_the_pretrained_predictions(fresh: App, digits):
    X_val, _ = digits
    pretrained = [probabilities(fresh, X_val[:, i]) for i in range(3)]
    tiles = fresh.page.locator("#units canvas").count()
    fill(fresh, hidden=16, epochs=1, batch=100, lr="0.1")
    wait_end(fresh, start(fresh))
    trained = [probabilities(fresh, X_val[:, i]) for i in range(3)]
    assert not np.allclose(trained, pretrained, atol=1e-3)
    fresh.page.click("#train-reset")
    fresh.page.wait_for_function("() => window.scratchnn.state.ready && document.body.dataset.model === 'default'")
    assert [probabilities(fresh, X_val[:, i]) for i in range(3)] == pretrained  # exactly
    assert fresh.page.locator("#yours-choice").count() == 0
    assert fresh.page.locator("#models input[value=default]").is_checked()
    assert fresh.page.locator("#units canvas").count() == tiles != 16
    assert fresh.page.evaluate("window.scratchnn.training.chart.points") == 0


def test_reset_while_training_stops_it_and_brings_the_pretrained_network_back(fresh: App, digits):
    X_val, _ = digits
    pretrained = probabilities(fresh, X_val[:, 2])
    fill(fresh, hidden=64, epochs=20, batch=32)
    before = start(fresh)
    fresh.page.wait_for_function("() => (window.scratchnn.training.last?.batch ?? 0) > 3", timeout=60_000)
    fresh.page.click("#train-reset")
    wait_end(fresh, before)
    assert fresh.page.evaluate("window.scratchnn.training.events.filter((e) => e.phase === 'end').at(-1).reason") == (
        "stopped"
    )
    fresh.page.wait_for_function("() => window.scratchnn.state.ready && document.body.dataset.model === 'default'")
    assert not fresh.page.evaluate("window.scratchnn.training.running")
    assert probabilities(fresh, X_val[:, 2]) == pretrained
    assert fresh.page.locator("#yours-choice").count() == 0
    assert fresh.page.locator("#train-scratch").is_enabled()


def test_continue_training_goes_on_from_the_current_weights(fresh: App):
    fill(fresh, hidden=20, epochs=1, batch=50, lr="0.1")
    first = wait_end(fresh, start(fresh))
    fill(fresh, hidden=99, epochs=1, batch=50, lr="0.1")  # hidden is the network's own when continuing
    second = wait_end(fresh, start(fresh, "#train-continue"))
    assert [h["epoch"] for h in second["history"]] == [1, 2]
    earlier, now = first["history"][0], second["history"][0]  # the first epoch, as the weights file kept it
    assert now["val_accuracy"] == earlier["val_accuracy"]
    assert now["loss"] == pytest.approx(earlier["loss"], abs=1e-6)
    assert second["history"][1]["loss"] < first["history"][0]["loss"]
    assert fresh.page.input_value("#train-hidden") == "20"
    assert fresh.page.evaluate("window.scratchnn.training.chart.data.valAccuracy.length") == 2


def test_looking_at_another_network_while_training(fresh: App, digits):
    X_val, _ = digits
    pretrained = probabilities(fresh, X_val[:, 1])
    fill(fresh, hidden=24, epochs=3, batch=32)
    before = start(fresh)
    fresh.page.locator("label.model", has_text="default").click()
    fresh.page.wait_for_function("() => document.body.dataset.model === 'default' && window.scratchnn.state.ready")
    assert fresh.page.evaluate("window.scratchnn.training.running")  # training goes on in the background
    assert probabilities(fresh, X_val[:, 1]) == pretrained  # and the page reads with the network chosen
    last = wait_end(fresh, before)
    assert last["done"] and len(last["history"]) == 3
    assert fresh.page.evaluate("document.body.dataset.model") == "default"  # the end did not switch it back
    assert fresh.page.locator("#models input[value=default]").is_checked()
    assert "24 hidden" in fresh.page.inner_text("#yours-choice")
    fresh.page.locator("#yours-choice").click()
    fresh.page.wait_for_function("() => document.body.dataset.model === 'yours' && window.scratchnn.state.ready")
    assert fresh.page.locator("#units canvas").count() == 24
    assert probabilities(fresh, X_val[:, 1]) != pretrained


def test_invalid_settings_are_refused_with_a_clear_message(fresh: App):
    cases = [
        (dict(lr="abc"), "Learning rate: 'abc' is not a number"),
        (dict(lr="nan"), "Learning rate must be a number above 0"),
        (dict(lr="-1"), "Learning rate must be a number above 0"),
        (dict(batch=0), "Batch size must be a whole number from 1 to 256"),
        (dict(batch=1000), "Batch size must be a whole number from 1 to 256, not 1000"),
        (dict(hidden=5), "Hidden units must be a whole number from 10 to 256"),
        (dict(hidden=""), "Hidden units: enter a whole number from 10 to 256"),
        (dict(epochs=2.5), "Epochs must be a whole number from 1 to 100"),
    ]
    for change, message in cases:
        fill(fresh, **{"hidden": 32, "lr": "0.05", "batch": 32, "epochs": 1, **change})
        fresh.page.click("#train-scratch")
        error = fresh.page.locator("#train-error")
        error.wait_for(state="visible")
        assert message in error.inner_text()
        assert "Traceback" not in error.inner_text()
        assert not fresh.page.evaluate("window.scratchnn.training.running")
        assert fresh.page.locator("#train-scratch").is_enabled()
    assert fresh.page.evaluate("document.body.dataset.model") == "default"  # the network did not change


def download(app: App, tmp_path: Path) -> Path:
    with app.page.expect_download() as info:
        app.page.click("#weights-download")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_downloaded_weights_load_in_cpython_and_predict_the_same(fresh: App, digits, tmp_path: Path):
    X_val, _ = digits
    fill(fresh, hidden=32, epochs=1, batch=32, lr="0.05")
    last = wait_end(fresh, start(fresh))
    path = download(fresh, tmp_path)
    assert path.name.startswith("scratchnn-yours-32h-") and path.suffix == ".json"
    params, metadata = weights.load(path)  # validated by CPython's weights.py
    assert params["W1"].shape == (32, 784) and params["W1"].dtype == np.float32
    assert metadata["trained_with"] == "the web page (Pyodide)"
    assert (metadata["hidden"], metadata["lr"], metadata["batch_size"], metadata["epochs"]) == (32, 0.05, 32, 1)
    assert metadata["momentum"] == 0.9 and metadata["stopped_early"] is False
    assert metadata["val_accuracy"] == last["history"][-1]["val_accuracy"]
    assert metadata["history"]["val_accuracy"] == [last["history"][-1]["val_accuracy"]]
    assert metadata["data"]["n_train"] == 10_000
    model = page.Model("yours", params, metadata)
    for i in range(5):
        in_page = probabilities(fresh, X_val[:, i])
        in_cpython = page.predict_input(model, X_val[:, i].tolist())["probabilities"]
        np.testing.assert_allclose(in_page, in_cpython, rtol=0, atol=1e-6)


def test_a_corrupt_weights_file_shows_an_error_and_the_network_keeps_working(fresh: App, digits, tmp_path: Path):
    X_val, _ = digits
    good = download(fresh, tmp_path)  # the pretrained network, as a file
    document = json.loads(good.read_text())
    data = document["arrays"]["W2"]["data"]
    document["arrays"]["W2"]["data"] = ("A" if data[0] != "A" else "B") + data[1:]
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text(json.dumps(document))
    not_json = tmp_path / "notes.json"
    not_json.write_text("these are not weights")
    before = probabilities(fresh, X_val[:, 0])
    for path, reason in ((corrupt, "arrays.W2: data does not match its sha256"), (not_json, "not valid JSON")):
        fresh.page.set_input_files("#weights-file", str(path))
        error = fresh.page.locator("#train-error")
        error.wait_for(state="visible")
        text = error.inner_text()
        assert f"Could not load {path.name}" in text and reason in text and "unchanged" in text
        assert fresh.page.evaluate("document.body.dataset.model") == "default"
        assert probabilities(fresh, X_val[:, 0]) == before
    # and a good file loads: it becomes "yours" and predicts exactly as the network it came from
    fresh.page.set_input_files("#weights-file", str(good))
    fresh.page.wait_for_function("() => document.body.dataset.model === 'yours'")
    assert fresh.page.locator("#train-error").is_hidden()
    assert probabilities(fresh, X_val[:, 0]) == before
    assert f"Loaded {good.name}" in fresh.page.inner_text("#train-status")


def test_training_on_a_phone(browser: Any, server: str, digits):
    phone = open_app(browser, server, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                     has_touch=True)  # fmt: skip
    try:
        panel = phone.page.locator("#train")
        panel.scroll_into_view_if_needed()
        fill(phone, hidden=32, epochs=1)
        before = start(phone)
        phone.page.wait_for_function("() => window.scratchnn.training.chart.points > 4", timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        panel.screenshot(path=str(ARTIFACTS / "phone-training-during.png"))
        wait_end(phone, before)
        panel.screenshot(path=str(ARTIFACTS / "phone-training-after.png"))
        assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways
        for selector in ("#train-scratch", "#train-stop", "#train-reset", "#weights-download", "#train-chart"):
            box = phone.page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
        assert phone.page.locator("#train-chart").bounding_box()["width"] >= 300
    finally:
        phone.page.context.close()
