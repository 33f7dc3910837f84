"""Real MNIST digits through the page's real path, and the browser's numbers against CPython's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from demo_page import App

from scratchnn import network, weights
from scratchnn.browser import page

WEIGHTS = Path(__file__).resolve().parents[2] / "web" / "weights"

# Draw a 28x28 image on the pad the way a user draws: large (scale x), somewhere on the pad,
# smoothly scaled by the canvas; then classify it: canvas -> preprocess -> forward, in Python.
DRAW_AND_PREDICT = """
async ({ images, scale, offsets }) => {
  const pad = window.scratchnn.pad;
  const small = new OffscreenCanvas(28, 28);
  const answers = [];
  for (let n = 0; n < images.length; n++) {
    const pixels = new ImageData(28, 28);
    for (let i = 0; i < 784; i++) pixels.data.set([images[n][i], images[n][i], images[n][i], 255], i * 4);
    small.getContext("2d").putImageData(pixels, 0, 0);
    pad.ctx.fillStyle = "#000";
    pad.ctx.fillRect(0, 0, pad.canvas.width, pad.canvas.height);
    pad.ctx.drawImage(small, offsets[n][0], offsets[n][1], 28 * scale, 28 * scale);
    const result = await window.scratchnn.predictCanvas();
    answers.push({ digit: result.digit, ms: result.round_trip_ms });
  }
  return answers;
}
"""


def test_100_mnist_digits_drawn_on_the_canvas(blank: App, mnist_data):
    n, scale = 100, 8  # 224 x 224 pixels on the 280 x 280 pad
    images = np.rint(mnist_data.X_test[:, :n].T * 255).astype(int).tolist()
    offsets = np.random.default_rng(0).integers(0, 280 - 28 * scale, size=(n, 2)).tolist()
    answers = blank.page.evaluate(DRAW_AND_PREDICT, {"images": images, "scale": scale, "offsets": offsets})
    predicted = np.array([answer["digit"] for answer in answers])
    correct = int((predicted == mnist_data.Y_test[:n]).sum())
    times = np.array([answer["ms"] for answer in answers])
    print(
        f"through the canvas: {correct}/{n} correct; round trip median {np.median(times):.1f} ms, "
        f"max {times.max():.1f} ms"
    )
    assert correct >= 97
    assert np.median(times) < 250  # live while drawing: an answer well within a quarter second
    blank.page.evaluate("window.scratchnn.pad.clear()")


def test_browser_forward_equals_cpython_forward(blank: App, mnist_data):
    params, _ = weights.load(WEIGHTS / "default.json")
    X = mnist_data.X_test[:, 100:120]  # 20 test images, float32
    A2 = network.forward(params, X).A2
    browser = blank.page.evaluate(
        "async (inputs) => { const out = []; for (const x of inputs) out.push(await window.scratchnn.predictInput(x));"
        " return out; }",
        X.T.tolist(),
    )
    probabilities = np.array([result["probabilities"] for result in browser]).T  # (10, 20)
    difference = np.abs(probabilities - A2).max()
    print(f"parity: max |browser - CPython| = {difference:.2e}")
    assert difference <= 1e-6
    assert np.array_equal(probabilities.argmax(axis=0), A2.argmax(axis=0))


def test_browser_preprocessing_equals_cpython(blank: App):
    """A mouse drawing: CPython, given the very canvas pixels, sees the same image and answer."""
    blank.stroke([(0.25, 0.3), (0.5, 0.15), (0.7, 0.3), (0.3, 0.8), (0.75, 0.8)])  # a 2
    result = blank.wait_for_prediction()
    rgba = bytes(blank.page.evaluate("Array.from(window.scratchnn.pad.pixels().data)"))
    model = page.load_model("default", (WEIGHTS / "default.json").read_text())
    expected = page.predict_drawing(model, rgba, 280, 280)
    assert np.abs(np.array(result["image"]) - expected["image"]).max() <= 1e-6
    assert np.abs(np.array(result["probabilities"]) - expected["probabilities"]).max() <= 1e-6
    assert result["digit"] == expected["digit"]
