"""The explorer's Python (browser/explorer.py, listings.py, gradcheck.py): every value it returns is
network.py's forward and backward on the input, one step is training.gradient_step, Undo is exact.

Runs in CPython and again inside Pyodide (tests/pyodide/run_tests.mjs)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from scratchnn import gradcheck, network, training
from scratchnn.browser import explorer as ex
from scratchnn.browser import listings
from scratchnn.browser.page import Model


@pytest.fixture()
def model() -> Model:
    params = network.init_params(24, init="he", dtype="float32", seed=3)
    rng = np.random.default_rng(3)
    params["b1"] += rng.normal(0, 0.2, params["b1"].shape).astype(np.float32)
    params["b2"] += rng.normal(0, 0.2, params["b2"].shape).astype(np.float32)
    return Model("test", params)


@pytest.fixture()
def pixels() -> np.ndarray:
    rng = np.random.default_rng(7)
    image = np.zeros((28, 28))
    image[6:22, 10:18] = rng.random((16, 8))  # a blob of ink: some units on, some off
    return image.ravel()


def float64(model: Model) -> network.Params:
    return {name: P.astype(np.float64) for name, P in model.params.items()}


def test_explain_returns_forward_and_backward_of_the_input(model, pixels):
    explorer = ex.Explorer()
    got = ex.explain(explorer, model, pixels, label=None)
    params, X = float64(model), pixels.reshape(784, 1)
    cache = network.forward(params, X)
    digit = int(np.argmax(cache.A2))
    grads = network.backward(params, X, np.array([digit]), cache)
    assert got["digit"] == got["label"] == digit  # no label given: the network's answer
    np.testing.assert_array_equal(got["X"], pixels)
    np.testing.assert_array_equal(got["Z1"], cache.Z1[:, 0])
    np.testing.assert_array_equal(got["W1X"] + got["b1"], got["Z1"])  # the unit's sum adds up, exactly
    np.testing.assert_array_equal(got["A1"], np.maximum(cache.Z1[:, 0], 0))
    assert got["off"] == int(np.sum(cache.Z1 <= 0)) and 0 < got["off"] < 24
    assert list(got["Z1"][got["order"]]) == sorted(got["Z1"], reverse=True)
    np.testing.assert_array_equal(got["W1_top"].reshape(-1, 784), params["W1"][got["order"][: ex.TOP_UNITS]])
    np.testing.assert_allclose(got["W2A1"] + got["b2"], got["Z2"], rtol=1e-12)
    np.testing.assert_array_equal(got["Z2"], cache.Z2[:, 0])
    np.testing.assert_allclose(got["E"] / got["E_sum"], got["A2"], rtol=1e-12)
    np.testing.assert_array_equal(np.exp(got["Z2_shifted"]), got["E"])
    assert got["E"].max() == 1.0 and got["Z2_max"] == cache.Z2.max()
    np.testing.assert_array_equal(got["A2"], cache.A2[:, 0])
    assert got["loss"] == pytest.approx(-np.log(cache.A2[digit, 0]), rel=1e-12)
    np.testing.assert_allclose(got["dZ2"], cache.A2[:, 0] - np.eye(10)[digit], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(got["dW2"].reshape(10, 24), grads["W2"])
    np.testing.assert_array_equal(got["dZ1"][cache.Z1[:, 0] <= 0], 0)  # zero wherever the unit was off
    top = got["gradient_order"][: ex.TOP_UNITS]
    assert list(np.abs(got["dZ1"])[got["gradient_order"]]) == sorted(np.abs(got["dZ1"]), reverse=True)
    # for one example, row k of dW1 is the input scaled by dZ1[k]
    np.testing.assert_allclose(got["dW1_top"].reshape(-1, 784), got["dZ1"][top, None] * pixels, rtol=1e-12)
    row, column = got["largest"]["W1"]
    assert abs(grads["W1"][row, column]) == np.abs(grads["W1"]).max()
    assert got["steps"] == 0 and got["can_undo"] is False and got["model"] == "test"


def test_the_arrays_are_one_dimensional_numpy_arrays_that_reach_javascript_as_typed_arrays(model, pixels):
    got = ex.explain(ex.Explorer(), model, pixels)
    for name in ("X", "W1X", "b1", "Z1", "A1", "W1_top", "W2A1", "b2", "Z2", "E", "A2", "dZ2", "dW2", "dZ1", "dW1_top"):
        assert isinstance(got[name], np.ndarray) and got[name].ndim == 1 and got[name].dtype == np.float64, name
    assert got["order"].dtype == got["gradient_order"].dtype == np.int32


def test_a_label_other_than_the_answer_changes_the_gradients_not_the_forward_pass(model, pixels):
    explorer = ex.Explorer()
    answer = ex.explain(explorer, model, pixels)
    other = (answer["digit"] + 1) % 10
    told = ex.explain(explorer, model, pixels, label=other)
    assert told["label"] == other and told["digit"] == answer["digit"]
    np.testing.assert_array_equal(told["A2"], answer["A2"])
    assert told["dZ2"][other] < 0 < answer["dZ2"][other]  # dZ2 = A2 - Y: negative only at the label
    assert told["loss"] > answer["loss"]


def test_one_step_is_gradient_descent_on_the_example_and_undo_is_exact(model, pixels):
    explorer = ex.Explorer()
    label = (ex.explain(explorer, model, pixels)["digit"] + 3) % 10
    result = ex.step(explorer, model, pixels, label, lr=0.5)
    params, X, Y = float64(model), pixels.reshape(784, 1), np.array([label])
    grads = network.backward(params, X, Y, network.forward(params, X))
    by_hand = {name: P - 0.5 * grads[name] for name, P in params.items()}  # W := W - lr dW
    np.testing.assert_allclose(result["after"], network.forward(by_hand, X).A2[:, 0], rtol=1e-12)
    np.testing.assert_array_equal(result["before"], network.forward(params, X).A2[:, 0])
    assert result["after"][label] > result["before"][label] and result["loss_after"] < result["loss_before"]
    units = result["units"]
    np.testing.assert_allclose(result["W1_after"].reshape(-1, 784), by_hand["W1"][units], rtol=1e-12)
    np.testing.assert_array_equal(result["W1_before"].reshape(-1, 784), params["W1"][units])
    after = result["explanation"]
    assert after["steps"] == 1 and after["can_undo"] and after["label"] == label
    np.testing.assert_array_equal(after["A2"], result["after"])
    second = ex.step(explorer, model, pixels, label, lr=0.5)
    np.testing.assert_array_equal(second["before"], result["after"])
    assert explorer.undo(model) == {"model": "test", "steps": 1, "can_undo": True}
    np.testing.assert_array_equal(ex.explain(explorer, model, pixels)["A2"], result["after"])  # exactly
    assert explorer.undo(model)["steps"] == 0
    np.testing.assert_array_equal(ex.explain(explorer, model, pixels)["A2"], result["before"])
    assert explorer.undo(model) == {"model": "test", "steps": 0, "can_undo": False}  # nothing left: no-op
    np.testing.assert_array_equal(model.params["W1"], network.init_params(24, seed=3)["W1"])  # untouched


def test_undo_remembers_at_most_max_undo_steps_and_reset_forgets_them(model, pixels):
    explorer = ex.Explorer()
    for _ in range(ex.MAX_UNDO + 3):
        ex.step(explorer, model, pixels, 4, lr=0.01)
    assert explorer.steps == ex.MAX_UNDO + 3 and len(explorer.previous) == ex.MAX_UNDO
    while explorer.state()["can_undo"]:
        explorer.undo(model)
    assert explorer.steps == 3 and explorer.stepped is not None  # the three oldest steps stay
    assert explorer.reset(model) == {"model": "test", "steps": 0, "can_undo": False}
    np.testing.assert_array_equal(ex.explain(explorer, model, pixels)["W1_top"].size, ex.TOP_UNITS * 784)


def test_another_page_network_starts_the_explorer_afresh(model, pixels):
    explorer = ex.Explorer()
    ex.step(explorer, model, pixels, 2, lr=0.1)
    other = Model("other", {name: P.copy() for name, P in model.params.items()})
    got = ex.explain(explorer, other, pixels)
    assert (got["model"], got["steps"], got["can_undo"]) == ("other", 0, False)


def test_until_a_step_the_copy_follows_the_page_network_as_it_trains(model, pixels):
    explorer = ex.Explorer()
    before = ex.explain(explorer, model, pixels)["A2"]
    model.params["b2"][3] += 2.0  # what a training slice does to the page's network, in place
    after = ex.explain(explorer, model, pixels)["A2"]
    assert after[3] > before[3]


def test_the_gradient_check_agrees_in_float64_and_is_coarser_in_float32(model, pixels):
    explorer = ex.Explorer()
    largest = ex.explain(explorer, model, pixels)["largest"]
    for parameter, (row, column) in largest.items():
        check = ex.gradient_check(explorer, model, pixels, 5, parameter, row, column, 1e-5)
        float64_row, float32_row = check["results"]
        assert (float64_row["dtype"], float32_row["dtype"]) == ("float64", "float32")
        assert float64_row["relative"] < 1e-6, (parameter, float64_row)
        assert float64_row["slope"] == pytest.approx(float64_row["backprop"], rel=1e-5)
        assert float32_row["relative"] > float64_row["relative"]
        nudge = float32_row["w_plus"] - float32_row["w_minus"]
        assert nudge != pytest.approx(2e-5, rel=1e-9)  # float32 rounds the nudge
        assert not check["crosses_kink"]


def test_the_gradient_check_says_when_the_nudge_crosses_relu_s_kink(model, pixels):
    explorer = ex.Explorer()
    Z1 = ex.explain(explorer, model, pixels)["Z1"]
    k = int(np.argmin(np.abs(Z1)))
    assert ex.gradient_check(explorer, model, pixels, 1, "b1", k, 0, abs(Z1[k]) * 2)["crosses_kink"]
    assert not ex.gradient_check(explorer, model, pixels, 1, "b1", k, 0, abs(Z1[k]) / 2)["crosses_kink"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"parameter": "W3"}, "choose a parameter among W1, b1, W2, b2"),
        ({"row": 24}, "W1 has 24 rows (0 to 23)"),
        ({"column": -1}, "W1 has 784 columns"),
        ({"row": True}, "got row True"),
        ({"h": 0.0}, "the nudge h must be a number from 1e-12 to 1"),
        ({"h": float("nan")}, "the nudge h"),
        ({"label": 10}, "the digit must be one of 0-9, got 10"),
        ({"label": "3"}, "the digit must be one of 0-9"),
        ({"pixels": np.zeros(783)}, "the input must have 784 pixels"),
        ({"pixels": np.full(784, 2.0)}, "pixels must be numbers from 0 to 1"),
        ({"pixels": np.full(784, np.nan)}, "pixels must be numbers from 0 to 1"),
    ],
)
def test_bad_gradient_check_requests_are_refused_with_a_clear_message(model, pixels, change, message):
    request = {"pixels": pixels, "label": 1, "parameter": "W1", "row": 0, "column": 300, "h": 1e-5, **change}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ex.gradient_check(ex.Explorer(), model, **request)


@pytest.mark.parametrize("lr", [0, -1, float("inf"), float("nan"), 1000, True, "0.1"])
def test_a_bad_step_learning_rate_is_refused_and_changes_nothing(model, pixels, lr):
    explorer = ex.Explorer()
    with pytest.raises(ValueError, match="the learning rate must be a number above 0 and at most 100"):
        ex.step(explorer, model, pixels, 1, lr)
    assert explorer.steps == 0 and explorer.stepped is None


def test_numeric_slope_restores_the_weight_and_relative_difference_is_symmetric():
    params = network.init_params(5, dtype="float64", seed=1)
    X, Y = np.random.default_rng(1).random((784, 2)), np.array([1, 7])
    saved = params["W2"].copy()
    slope = gradcheck.numeric_slope(params, X, Y, "W2", (7, 3), 1e-6)
    np.testing.assert_array_equal(params["W2"], saved)
    grads = network.backward(params, X, Y, network.forward(params, X))
    assert gradcheck.relative_difference(slope.slope, grads["W2"][7, 3]) < 1e-7
    assert gradcheck.relative_difference(0.0, 0.0) == 0.0
    assert gradcheck.relative_difference(1.0, -1.0) == 1.0
    assert gradcheck.relative_difference(2.0, 1.0) == gradcheck.relative_difference(1.0, 2.0) == pytest.approx(1 / 3)


def test_each_listing_is_the_running_source_and_each_highlight_is_the_step_s_line():
    shown = listings.code()
    for name, function in listings.FUNCTIONS.items():
        lines, first = inspect.getsourcelines(function)
        listing = shown["listings"][name]
        assert listing["lines"] == [line.rstrip("\n") for line in lines] and listing["first_line"] == first
        assert listing["file"] == function.__module__.replace(".", "/") + ".py"
    forward_lines = shown["listings"]["network.forward"]["lines"]
    (z1,) = shown["steps"]["Z1"]
    assert forward_lines[z1["highlight"][0]].strip() == "Z1 = W1 @ X + b1"
    (step,) = shown["steps"]["step"]
    assert step["listing"] == "training.gradient_step" and len(step["highlight"]) == 4
    assert set(shown["steps"]) == {"X", "Z1", "A1", "Z2", "A2", "loss", "dZ2", "dW2", "dZ1", "dW1", "step", "check"}


def test_a_highlight_that_is_no_longer_in_the_code_is_an_error():
    with pytest.raises(LookupError, match="network.forward has no line 'Z1 = W1 X'"):
        listings.highlighted(["    Z1 = W1 @ X + b1"], ["Z1 = W1 X"], "network.forward")


def test_the_step_is_the_training_code_not_a_copy_of_it():
    assert "training.gradient_step(" in inspect.getsource(ex.step)
    assert training.gradient_step is listings.FUNCTIONS["training.gradient_step"]
