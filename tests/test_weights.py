"""weights.py: exact round trips, atomic writes, and a clear error for every kind of broken file."""

from __future__ import annotations

import base64
import hashlib
import json
import os

import numpy as np
import pytest

from scratchnn import network, weights
from scratchnn.weights import WeightsError


@pytest.fixture()
def params():
    return network.init_params(12, seed=4)


@pytest.fixture()
def document(params) -> dict:
    return json.loads(weights.to_json(params, {"preset": "test"}))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_is_bit_exact(dtype, tmp_path):
    params = network.init_params(20, dtype=dtype, seed=1)
    params["b1"] += np.float32(1e-7)  # values that decimal text would round
    path = weights.save(tmp_path / "w.json", params, {"preset": "x", "test_accuracy": 0.5})
    loaded, metadata = weights.load(path)
    assert metadata == {"preset": "x", "test_accuracy": 0.5}
    for name, P in params.items():
        assert loaded[name].dtype == P.dtype
        assert loaded[name].tobytes() == P.tobytes(), name


def test_float16_storage_halves_the_size_and_reads_back_as_float32(params, tmp_path):
    full = weights.save(tmp_path / "full.json", params)
    half = weights.save(tmp_path / "half.json", params, dtype="float16")
    assert half.stat().st_size < 0.6 * full.stat().st_size
    loaded, _ = weights.load(half)
    for name, P in params.items():
        assert loaded[name].dtype == np.float32
        np.testing.assert_array_equal(loaded[name], P.astype(np.float16).astype(np.float32))


def test_the_document_says_what_it_is(document):
    assert document["format"] == "scratchnn-weights" and document["version"] == 1
    assert document["layers"] == {"sizes": [784, 12, 10], "activations": ["relu", "softmax"]}
    assert document["arrays"]["W1"]["shape"] == [12, 784]
    assert document["arrays"]["W1"]["dtype"] == "float32"


def test_save_creates_the_folder_and_leaves_no_temporary_file(params, tmp_path):
    path = weights.save(tmp_path / "deep" / "er" / "w.json", params)
    assert os.listdir(path.parent) == ["w.json"]


def test_a_crash_mid_write_leaves_the_old_file_untouched(params, tmp_path, monkeypatch):
    path = weights.save(tmp_path / "w.json", params, {"version": "old"})
    old_bytes = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        weights.save(path, network.init_params(12, seed=99), {"version": "new"})
    assert path.read_bytes() == old_bytes
    assert os.listdir(tmp_path) == ["w.json"]  # the temporary file was removed


def test_non_finite_parameters_are_never_written(params, tmp_path):
    path = weights.save(tmp_path / "w.json", params)
    old_bytes = path.read_bytes()
    params["W2"][3, 4] = np.nan
    with pytest.raises(WeightsError, match="W2 contains NaN"):
        weights.save(path, params)
    assert path.read_bytes() == old_bytes


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(WeightsError, match="cannot read"):
        weights.load(tmp_path / "nope.json")


def corrupt(document: dict, change) -> str:
    change(document)
    return json.dumps(document)


def set_array_data(name: str, raw: bytes):
    def change(d):
        d["arrays"][name]["data"] = base64.b64encode(raw).decode()

    return change


def resign(name: str):
    """Recompute an array's sha256 after a change, to reach the checks behind it."""

    def change(d):
        d["arrays"][name]["sha256"] = hashlib.sha256(base64.b64decode(d["arrays"][name]["data"])).hexdigest()

    return change


def both(*changes):
    def change(d):
        for c in changes:
            c(d)

    return change


NAN_B2 = np.full((10, 1), np.nan, dtype="<f4").tobytes()
CORRUPTIONS = {
    "wrong format": (lambda d: d.update(format="keras"), "format is 'keras'"),
    "newer version": (lambda d: d.update(version=2), "version 2 is not supported"),
    "version as text": (lambda d: d.update(version="1"), "version '1' is not supported"),
    "missing arrays": (lambda d: d.pop("arrays"), "missing key 'arrays'"),
    "missing metadata": (lambda d: d.pop("metadata"), "missing key 'metadata'"),
    "missing layers": (lambda d: d.pop("layers"), "missing key 'layers'"),
    "missing b2": (lambda d: d["arrays"].pop("b2"), "arrays must hold exactly"),
    "extra array": (lambda d: d["arrays"].update(W3=d["arrays"]["W2"]), "arrays must hold exactly"),
    "sizes wrong input": (lambda d: d["layers"].update(sizes=[783, 12, 10]), "must be \\[784, hidden >= 1, 10\\]"),
    "sizes not numbers": (lambda d: d["layers"].update(sizes=["784", 12, 10]), "three whole numbers"),
    "sizes disagree with W1": (lambda d: d["layers"].update(sizes=[784, 13, 10]), "W1: shape \\[12, 784\\]"),
    "activations": (lambda d: d["layers"].update(activations=["sigmoid", "softmax"]), "activations"),
    "shape": (lambda d: d["arrays"]["W2"].update(shape=[12, 10]), "arrays.W2: shape"),
    "dtype": (lambda d: d["arrays"]["W1"].update(dtype="int8"), "dtype 'int8' is not one of"),
    "missing data": (lambda d: d["arrays"]["b1"].pop("data"), "arrays.b1 has no 'data'"),
    "array not an object": (lambda d: d["arrays"].update(b1=[1, 2]), "arrays.b1 must be an object"),
    "bad base64": (lambda d: d["arrays"]["b1"].update(data="@@@@"), "not valid base64"),
    "truncated data": (set_array_data("W1", b"\0" * 400), "400 bytes of data.*truncated"),
    "bit flip": (lambda d: d["arrays"]["W1"].update(data="A" + d["arrays"]["W1"]["data"][1:]), "sha256"),
    "NaN values": (both(set_array_data("b2", NAN_B2), resign("b2")), "b2 contains NaN"),
    "mixed dtypes": (
        both(lambda d: d["arrays"]["b2"].update(dtype="float64"), set_array_data("b2", bytes(80)), resign("b2")),
        "mix dtypes",
    ),
    "metadata not an object": (lambda d: d.update(metadata=[]), "metadata must be a JSON object"),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_every_corruption_gets_a_clear_error(case, document):
    change, message = CORRUPTIONS[case]
    with pytest.raises(WeightsError, match=message):
        weights.from_json(corrupt(document, change), "model.json")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not valid JSON"),
        ("{not json", "not valid JSON"),
        ("[1, 2, 3]", "expected a JSON object, got list"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
    ],
)
def test_not_json_at_all(text, message):
    with pytest.raises(WeightsError, match=message):
        weights.from_json(text)


def test_a_truncated_file_is_refused_with_its_name(params, tmp_path):
    path = weights.save(tmp_path / "w.json", params)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(WeightsError, match=r"w\.json: not valid JSON"):
        weights.load(path)


def test_to_json_refuses_a_wrong_shape(params):
    params["b1"] = params["b1"][:5]
    with pytest.raises(WeightsError, match="b1 has shape"):
        weights.to_json(params)
