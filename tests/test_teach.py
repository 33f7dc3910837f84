"""Your digits (browser/digits.py) and teaching on them (browser/teach.py): the digits file reads
back exactly what was written and refuses every malformed file with a message naming the problem;
a teaching step is training's gradient step on your digits mixed with replayed ones; the network
it starts from is never changed.

Pure NumPy on small fake data: runs in CPython and again inside Pyodide (tests/pyodide/run_tests.mjs).
tests/test_teach_recipe.py checks the recipe itself on real mouse-drawn digits and real MNIST."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scratchnn import network, training, weights
from scratchnn.browser import digits as digits_file
from scratchnn.browser import teach
from scratchnn.browser.digits import DigitsError, MyDigits
from scratchnn.browser.page import Model
from scratchnn.browser.trainer import Dataset


def drawing(seed: int) -> np.ndarray:
    """784 pixels in [0, 1], about a third of them inked."""
    rng = np.random.default_rng(seed)
    return rng.random(784) * (rng.random(784) < 0.3)


@pytest.fixture()
def mine() -> MyDigits:
    digits = MyDigits()
    for k in range(6):
        digits.add(drawing(k), k % 3)
    return digits


@pytest.fixture()
def model() -> Model:
    return Model("test", network.init_params(16, init="he", dtype="float32", seed=3), {"preset": "test"})


@pytest.fixture()
def dataset() -> Dataset:
    rng = np.random.default_rng(7)
    X = (rng.random((784, 200)) * (rng.random((784, 200)) < 0.3)).astype(np.float32)
    X_val = (rng.random((784, 100)) * (rng.random((784, 100)) < 0.3)).astype(np.float32)
    return Dataset(X, rng.integers(0, 10, 200), X_val, rng.integers(0, 10, 100), sha256="0" * 64)


# --- the digits file ---------------------------------------------------------------------------------


def test_a_digit_is_kept_as_the_input_quantised_to_255_levels(mine):
    assert mine.n == 6 and mine.X.shape == (784, 6) and mine.X.dtype == np.float32
    assert np.abs(mine.X[:, 0] - drawing(0)).max() <= 0.5 / 255 + 1e-7
    assert np.allclose(mine.X * 255, np.rint(mine.X * 255), atol=1e-4)
    assert mine.Y.tolist() == [0, 1, 2, 0, 1, 2]


def test_the_file_reads_back_exactly(mine):
    back = digits_file.from_json(mine.to_json())
    assert np.array_equal(back.X, mine.X) and np.array_equal(back.Y, mine.Y)
    document = json.loads(mine.to_json())
    assert document["format"] == "scratchnn-digits" and document["version"] == 1 and document["side"] == 28
    assert len(document["digits"][0]["rows"]) == 28 and len(document["digits"][0]["rows"][0]) == 56
    assert digits_file.from_json(mine.to_json().encode()).n == 6  # bytes, as the worker sends a file
    assert digits_file.from_json(memoryview(mine.to_json().encode())).n == 6


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-32-be"])
def test_the_file_reads_back_in_any_encoding_json_reads(mine, encoding):
    """A digits file saved again by an editor or a Windows shell (UTF-16) still loads, as in json.loads."""
    back = digits_file.from_json(mine.to_json().encode(encoding))
    assert np.array_equal(back.X, mine.X) and np.array_equal(back.Y, mine.Y)


def test_remove_clear_and_extend(mine):
    third = mine.X[:, 2].copy()
    mine.remove(1)
    assert mine.n == 5 and np.array_equal(mine.X[:, 1], third) and mine.Y.tolist() == [0, 2, 0, 1, 2]
    assert mine.extend(digits_file.from_json(mine.to_json())) == 5 and mine.n == 10
    mine.clear()
    assert mine.n == 0 and mine.X.shape == (784, 0)
    assert digits_file.from_json(mine.to_json()).n == 0


@pytest.mark.parametrize("label", [10, -1, 2.5, "3", True, None, float("nan")])
def test_a_label_that_is_not_a_digit_is_refused(label):
    with pytest.raises(DigitsError, match="label must be a digit from 0 to 9"):
        MyDigits().add(drawing(0), label)


@pytest.mark.parametrize(
    ("pixels", "message"),
    [
        (np.zeros(784), "the drawing is empty"),
        (np.ones(783), "expected 784 pixels"),
        (np.full(784, 1.5), "from 0 to 1"),
        (np.full(784, np.nan), "from 0 to 1"),
        ("abc", "784 numbers from 0 to 1"),
    ],
)
def test_pixels_that_are_not_a_drawing_are_refused(pixels, message):
    with pytest.raises(DigitsError, match=message):
        MyDigits().add(pixels, 3)


def test_no_more_than_max_digits(monkeypatch, mine):
    monkeypatch.setattr(digits_file, "MAX_DIGITS", 6)
    with pytest.raises(DigitsError, match="you have 6 digits already"):
        mine.add(drawing(9), 1)
    with pytest.raises(DigitsError, match="more than the 6 the page keeps"):
        mine.extend(digits_file.from_json(mine.to_json()))
    assert mine.n == 6


def test_removing_a_digit_that_is_not_there_is_refused(mine):
    for index in (6, -1, "0", 1.0, True):
        with pytest.raises(DigitsError, match="there is no digit"):
            mine.remove(index)


def one_digit(**change) -> str:
    digit = {"label": 3, "rows": ["00" * 27 + "ff"] * 28} | change
    return json.dumps({"format": "scratchnn-digits", "version": 1, "side": 28, "digits": [digit]})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("[]", "not a ScratchNN digits file"),
        (json.dumps({"format": "scratchnn-weights"}), "not a ScratchNN digits file"),
        (json.dumps({"format": "scratchnn-digits", "version": 2, "digits": []}), "version 2 is not one"),
        (json.dumps({"format": "scratchnn-digits", "version": 1, "side": 32, "digits": []}), "must be 28 x 28"),
        (json.dumps({"format": "scratchnn-digits", "version": 1, "digits": {}}), "'digits' must be a list"),
        (one_digit(label=12), "digit 0: the label must be a digit"),
        (one_digit(rows=["00" * 28] * 27), "digit 0: 'rows' must be a list of 28 strings, got 27 rows"),
        (one_digit(rows=["00" * 27] * 28), "digit 0, row 0: expected 56 hex characters, got 54"),
        (one_digit(rows=["zz" * 28] * 28), "digit 0, row 0: not hex digits"),
        (one_digit(rows=["00" * 28] * 28), "digit 0: the drawing is empty"),
        (json.dumps({"format": "scratchnn-digits", "version": 1, "digits": [3]}), "digit 0: expected an object"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_problem(text, message):
    with pytest.raises(DigitsError, match=message) as caught:
        digits_file.from_json(text, "mine.json")
    assert str(caught.value).startswith("mine.json: ")


def test_a_file_too_large_or_not_text_is_refused_before_it_is_parsed(monkeypatch):
    with pytest.raises(DigitsError, match="not a text file"):
        digits_file.from_json(b"\xff\xfe\x00", "x.json")
    monkeypatch.setattr(digits_file, "MAX_FILE_BYTES", 100)
    with pytest.raises(DigitsError, match="may be at most 100"):
        digits_file.from_json(b" " * 101, "x.json")
    with pytest.raises(DigitsError, match="may be at most 100"):
        digits_file.from_json(" " * 101, "x.json")


def test_state_says_what_the_network_reads(mine, model):
    state = mine.state(model)
    A2 = network.forward(model.params, mine.X).A2
    assert state["predicted"].tolist() == np.argmax(A2, axis=0).tolist()
    assert np.allclose(state["confidence"], A2.max(axis=0))
    assert state["correct"] == int(np.sum(np.argmax(A2, axis=0) == mine.Y))
    assert state["images"].dtype == np.uint8 and state["images"].size == 6 * 784
    assert digits_file.from_json(state["text"]).n == 6
    assert mine.state(None)["predicted"].size == 0


# --- teaching ----------------------------------------------------------------------------------------


def test_a_batch_is_your_digits_then_replayed_ones(mine, model, dataset):
    teacher = teach.Teacher(model, mine, dataset, mine=4, replay_per_mine=3, style=None, seed=1)
    X, Y = teacher.batch()
    assert X.shape == (784, 16) and Y.shape == (16,)
    rng = np.random.default_rng(1)  # the same draws, in the same order
    chosen = rng.integers(mine.n, size=4)
    replayed = rng.integers(dataset.n_train, size=12)
    assert np.array_equal(X[:, :4], mine.X[:, chosen]) and np.array_equal(Y[:4], mine.Y[chosen])
    assert np.array_equal(X[:, 4:], dataset.X[:, replayed]) and np.array_equal(Y[4:], dataset.Y[replayed])


def test_the_style_varies_your_digits_only(mine, model, dataset):
    teacher = teach.Teacher(model, mine, dataset, mine=4, replay_per_mine=1, seed=1)
    X, _ = teacher.batch()
    rng = np.random.default_rng(1)
    chosen = rng.integers(mine.n, size=4)
    assert not np.array_equal(X[:, :4], mine.X[:, chosen])  # rotated, scaled, sheared, shifted
    assert X.min() >= 0 and X.max() <= 1


def test_a_step_is_trainings_gradient_step_on_the_batch(mine, model, dataset):
    teacher = teach.Teacher(model, mine, dataset, steps=1, style=None, seed=2)
    X, Y = teach.Teacher(model, mine, dataset, style=None, seed=2).batch()  # the batch it will draw
    params = {name: P.copy() for name, P in model.params.items()}
    velocity = {name: np.zeros_like(P) for name, P in params.items()}
    training.gradient_step(params, velocity, X, Y, teach.LR, teach.MOMENTUM)
    progress = teacher.step(10.0)
    assert progress["step"] == 1 and progress["done"]
    for name in params:
        assert np.array_equal(teacher.params[name], params[name]), name


def test_teaching_never_changes_the_network_it_started_from(mine, model, dataset):
    start = {name: P.copy() for name, P in model.params.items()}
    teacher = teach.Teacher(model, mine, dataset, steps=5)
    while not teacher.done:
        teacher.step(0.0)
    assert teacher.taken == 5
    for name, P in start.items():
        assert np.array_equal(model.params[name], P)
        assert not np.array_equal(teacher.params[name], P)


def test_it_learns_your_digits(mine, model, dataset):
    """Six random 'digits' with made-up labels: a handful of steps on them makes them read right."""
    teacher = teach.Teacher(model, mine, dataset, steps=200, lr=0.05, style=None)
    while not teacher.done:
        teacher.step(1.0)
    result = teacher.result()
    assert result["after"]["correct"] == 6
    assert result["after"]["p_true"].min() > result["before"]["p_true"].min()
    assert result["before"] == teacher.before and result["steps"] == 200 and not result["stopped"]


def test_stop_keeps_the_steps_taken(mine, model, dataset):
    teacher = teach.Teacher(model, mine, dataset, steps=50)
    teacher.step(0.0)
    teacher.stop()
    assert teacher.done and teacher.stopped and teacher.taken == 1
    assert teacher.step(1.0)["step"] == 1  # nothing more after a stop
    assert teacher.result()["stopped"]


def test_the_taught_network_says_what_it_was_taught_and_saves(mine, model, dataset):
    teacher = teach.Teacher(model, mine, dataset, steps=3)
    while not teacher.done:
        teacher.step(0.0)
    taught = teacher.taught_model()
    lesson = taught.metadata["taught"][-1]
    assert taught.name == "yours" and lesson["from"] == "test" and lesson["digits"] == 6 and lesson["steps"] == 3
    assert taught.metadata["test_accuracy"] is None and taught.metadata["preset"] == "test"
    assert taught.metadata["val_accuracy"] == teach.look(teacher.params, mine, dataset)["val_accuracy"]
    params, metadata = weights.from_json(weights.to_json(taught.params, taught.metadata))
    assert np.array_equal(params["W1"], teacher.params["W1"]) and metadata["taught"] == taught.metadata["taught"]
    twice = teach.Teacher(taught, mine, dataset, steps=1)
    twice.step(0.0)
    assert len(twice.taught_model().metadata["taught"]) == 2


@pytest.mark.parametrize("steps", [0, -1, 2.5, True, teach.MAX_STEPS + 1])
def test_a_bad_number_of_steps_is_refused(mine, model, dataset, steps):
    with pytest.raises(ValueError, match="number of steps must be a whole number"):
        teach.Teacher(model, mine, dataset, steps=steps)


def test_no_digits_no_teaching(model, dataset):
    with pytest.raises(ValueError, match="you have no digits yet"):
        teach.Teacher(model, MyDigits(), dataset)
