"""weights.py: exact round trips, atomic writes, and a clear error for every kind of broken file."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from scratchnn import files, network, weights
from scratchnn.browser import trainer as page_training
from scratchnn.config import TrainConfig
from scratchnn.weights import MAX_DEPTH, MAX_FILE_BYTES, MAX_HIDDEN, MAX_WEIGHT, WeightsError

COMMITTED = sorted((Path(__file__).resolve().parent.parent / "web" / "weights").glob("*.json"))


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


def test_save_leaves_no_temporary_file_and_needs_an_existing_folder(params, tmp_path):
    path = weights.save(tmp_path / "w.json", params)
    assert os.listdir(tmp_path) == ["w.json"]
    with pytest.raises(files.OutputError, match="does not exist"):
        weights.save(tmp_path / "missing" / "w.json", params)
    assert os.listdir(tmp_path) == ["w.json"] and path.is_file()


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


def set_array(name: str, **fields):
    return lambda d: d["arrays"][name].update(fields)


def set_layers(**fields):
    return lambda d: d["layers"].update(fields)


def declare_hidden(hidden: int):
    """Layer sizes and every shape declaring ``hidden`` units, the data left as it is."""

    def change(d):
        d["layers"]["sizes"] = [784, hidden, 10]
        for name, shape in weights.expected_shapes(hidden).items():
            d["arrays"][name]["shape"] = list(shape)

    return change


NAN_B2 = np.full((10, 1), np.nan, dtype="<f4").tobytes()
CORRUPTIONS = {
    "wrong format": (lambda d: d.update(format="keras"), "format is 'keras'"),
    "format not text": (lambda d: d.update(format=["scratchnn-weights"]), "format is \\['scratchnn-weights'\\]"),
    "newer version": (lambda d: d.update(version=2), "version 2 is not supported"),
    "version as text": (lambda d: d.update(version="1"), "version '1' is not supported"),
    "version as true": (lambda d: d.update(version=True), "version True is not supported"),
    "version as 1.0": (lambda d: d.update(version=1.0), "version 1.0 is not supported"),
    "missing arrays": (lambda d: d.pop("arrays"), "missing key 'arrays'"),
    "missing metadata": (lambda d: d.pop("metadata"), "missing key 'metadata'"),
    "missing layers": (lambda d: d.pop("layers"), "missing key 'layers'"),
    "layers a list": (lambda d: d.update(layers=[784, 12, 10]), "layers.sizes must be three whole numbers"),
    "missing b2": (lambda d: d["arrays"].pop("b2"), "arrays must hold exactly"),
    "extra array": (lambda d: d["arrays"].update(W3=d["arrays"]["W2"]), "arrays must hold exactly"),
    "arrays a list": (lambda d: d.update(arrays=[]), "arrays must hold exactly .* found list"),
    "sizes wrong input": (set_layers(sizes=[783, 12, 10]), "must be \\[784, hidden >= 1, 10\\]"),
    "sizes not numbers": (set_layers(sizes=["784", 12, 10]), "three whole numbers"),
    "sizes as floats": (set_layers(sizes=[784.0, 12.0, 10.0]), "three whole numbers, got \\[784.0, 12.0, 10.0\\]"),
    "sizes as booleans": (set_layers(sizes=[784, True, 10]), "three whole numbers, got \\[784, True, 10\\]"),
    "sizes as text": (set_layers(sizes="784,12,10"), "three whole numbers, got '784,12,10'"),
    "zero hidden units": (set_layers(sizes=[784, 0, 10]), "hidden >= 1"),
    "sizes disagree with W1": (set_layers(sizes=[784, 13, 10]), "W1: shape \\[12, 784\\]"),
    "too many hidden units": (declare_hidden(MAX_HIDDEN + 1), "declares 2,049 hidden units, more than the 2,048"),
    "10**30 hidden units": (declare_hidden(10**30), "declares 1,000,000,000,000,000,000,000,000,000,000 hidden"),
    "activations": (set_layers(activations=["sigmoid", "softmax"]), "activations"),
    "activations as text": (set_layers(activations="relu"), "activations 'relu'"),
    "shape": (set_array("W2", shape=[12, 10]), "arrays.W2: shape"),
    "shape not a list": (set_array("W1", shape="12x784"), "arrays.W1: shape must be a list of whole numbers"),
    "shape of floats": (
        set_array("W1", shape=[12.0, 784]),
        "shape must be a list of whole numbers, got \\[12.0, 784\\]",
    ),
    "shape of null": (set_array("W1", shape=None), "arrays.W1: shape must be a list of whole numbers, got None"),
    "shape of booleans": (
        both(declare_hidden(1), set_array("W1", shape=[True, 784])),
        "arrays.W1: shape must be a list of whole numbers, got \\[True, 784\\]",
    ),
    "dtype": (set_array("W1", dtype="int8"), "dtype 'int8' is not one of"),
    "dtype not text": (set_array("W1", dtype=32), "arrays.W1: dtype 32 is not one of"),
    "dtype a list": (set_array("W1", dtype=["float32"]), "arrays.W1: dtype \\['float32'\\] is not one of"),
    "missing data": (lambda d: d["arrays"]["b1"].pop("data"), "arrays.b1 has no 'data'"),
    "data a number": (set_array("b1", data=123), "arrays.b1: data must be base64 text, got int"),
    "data null": (set_array("b1", data=None), "arrays.b1: data must be base64 text, got NoneType"),
    "data a list": (set_array("b1", data=["AAAA"]), "arrays.b1: data must be base64 text, got list"),
    "sha256 a number": (set_array("b1", sha256=123), "arrays.b1: sha256 must be 64 lowercase hexadecimal digits"),
    "sha256 too short": (set_array("b1", sha256="abc"), "sha256 must be 64 lowercase hexadecimal digits, got 'abc'"),
    "sha256 not hex": (set_array("b1", sha256="g" * 64), "sha256 must be 64 lowercase hexadecimal digits"),
    "sha256 in capitals": (set_array("b1", sha256="A" * 64), "sha256 must be 64 lowercase hexadecimal digits"),
    "array not an object": (lambda d: d["arrays"].update(b1=[1, 2]), "arrays.b1 must be an object"),
    "bad base64": (lambda d: d["arrays"]["b1"].update(data="@@@@" + d["arrays"]["b1"]["data"][4:]), "not valid base64"),
    "not ASCII base64": (
        lambda d: d["arrays"]["b1"].update(data="é" + d["arrays"]["b1"]["data"][1:]),
        "not valid base64",
    ),
    "truncated data": (
        set_array_data("W1", b"\0" * 400),
        "arrays.W1: 536 characters of base64 data, but shape \\[12, 784\\] of float32 needs 37,632 bytes, "
        "which are 50,176 characters \\(truncated\\?\\)",
    ),
    "padding that drops a byte": (
        lambda d: d["arrays"]["b2"].update(data=d["arrays"]["b2"]["data"][:-4] + "AAA="),
        "arrays.b2: 41 bytes of data, but shape \\[10, 1\\] of float32 needs 40",
    ),
    "bit flip": (lambda d: d["arrays"]["W1"].update(data="A" + d["arrays"]["W1"]["data"][1:]), "sha256"),
    "NaN values": (both(set_array_data("b2", NAN_B2), resign("b2")), "b2 contains NaN"),
    "mixed dtypes": (
        both(set_array("b2", dtype="float64"), set_array_data("b2", bytes(80)), resign("b2")),
        "mix dtypes",
    ),
    "metadata not an object": (lambda d: d.update(metadata=[]), "metadata must be a JSON object"),
    "metadata null": (lambda d: d.update(metadata=None), "metadata must be a JSON object"),
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
        ('{"format": ' + "9" * 5000 + "}", "not valid JSON"),  # json.loads refuses over 4,300 digits
        (None, "expected JSON text, got NoneType"),
    ],
)
def test_not_json_at_all(text, message):
    with pytest.raises(WeightsError, match=message):
        weights.from_json(text)


ENCODINGS_JSON_READS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]


@pytest.mark.parametrize("encoding", ENCODINGS_JSON_READS)
def test_a_document_in_any_encoding_json_reads_loads_the_same(encoding, params, document):
    """json.loads reads bytes in UTF-8, -16 or -32 (with or without a byte order mark); so does
    from_json, in CPython and in the page (whose slim standard library must ship those codecs).
    A Windows shell's ``>`` writes UTF-16."""
    document["metadata"]["note"] = "\u00e9\U0001f600"
    loaded, metadata = weights.from_json(json.dumps(document, ensure_ascii=False).encode(encoding))
    assert metadata["note"] == "\u00e9\U0001f600"
    for name, P in params.items():
        assert loaded[name].tobytes() == P.tobytes(), name


@pytest.mark.parametrize(
    "data", [b"\x00\x89PNG\r\n\x1a\n", b"\x89\x00PNG", b"\x00\x00\x00\x89PNG\r\n", b"\xfe\xff\xd8\x00"]
)
def test_binary_bytes_that_look_like_utf_16_or_32_are_refused_as_not_json(data):
    """json.detect_encoding guesses UTF-16 or -32 from where the zero bytes are; a binary file
    (an image) gets the same "not valid JSON" refusal whatever it guesses."""
    with pytest.raises(WeightsError, match="not valid JSON"):
        weights.from_json(data)


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b'{"a": "\xff"}', "byte 7 is not UTF-8"),
        (b"\x00{\xdc\x00\x00}", "bytes 2-3 are not UTF-16-BE"),  # a lone low surrogate
    ],
)
def test_bytes_that_are_not_text_are_named_with_the_encoding_tried(data, where):
    with pytest.raises(WeightsError, match=f"not valid JSON \\(not text: {where}\\)"):
        weights.from_json(data)


def test_a_truncated_file_is_refused_with_its_name(params, tmp_path):
    path = weights.save(tmp_path / "w.json", params)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(WeightsError, match=r"w\.json: not valid JSON"):
        weights.load(path)


def test_to_json_refuses_a_wrong_shape(params):
    params["b1"] = params["b1"][:5]
    with pytest.raises(WeightsError, match="b1 has shape"):
        weights.to_json(params)


# -- 1. Nesting: refused before json.loads, which recurses once per level ---------------------------


def nested_arrays(levels: int) -> str:
    return "[" * levels + "]" * levels


def nested_objects(levels: int) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


@pytest.fixture()
def no_json_parsing(monkeypatch):
    """json.loads must not even be called: deep enough, it raises RecursionError or kills Pyodide."""

    def refuse(*args, **kwargs):
        raise AssertionError("json.loads was called")

    monkeypatch.setattr(json, "loads", refuse)


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 1_500, 10_000, 100_000])
@pytest.mark.parametrize("nest", [nested_arrays, nested_objects])
def test_deep_nesting_is_refused_before_it_is_parsed(nest, levels, no_json_parsing):
    for text in (nest(levels), nest(levels).encode()):
        with pytest.raises(
            WeightsError, match=f"^upload.json: not a weights document: .* nested {levels:,} levels deep"
        ):
            weights.from_json(text, "upload.json")


@pytest.mark.parametrize("text", ["[" * 100_000, '{"a":' * 100_000, "[{" * 50_000 + "x"])
def test_unclosed_deep_nesting_is_refused_too(text, no_json_parsing):
    with pytest.raises(WeightsError, match="nested 100,000 levels deep"):
        weights.from_json(text)


def metadata_nested(document: dict, levels: int) -> str:
    """The document with a metadata value of ``levels`` nested lists: the whole is levels + 2 deep."""
    document["metadata"]["deep"] = json.loads(nested_arrays(levels))
    return json.dumps(document)


def test_nesting_up_to_the_limit_loads_and_one_more_level_is_refused(document):
    _, metadata = weights.from_json(metadata_nested(document, MAX_DEPTH - 2))
    assert metadata["deep"] == json.loads(nested_arrays(MAX_DEPTH - 2))
    with pytest.raises(WeightsError, match=f"nested {MAX_DEPTH + 1} levels deep"):
        weights.from_json(metadata_nested(document, MAX_DEPTH - 1))


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,  # brackets inside a string are text, not nesting
        '\\"' + "[" * 100_000,  # an escaped quote does not end the string
        "{" * 50_000 + '"' + "\\\\" * 1000,  # nor do escaped backslashes; a quote in the text
        "\u00e9\U0001f600" + "[{" * 50_000,  # any character
    ],
)
def test_brackets_inside_strings_are_not_nesting(document, text):
    document["metadata"]["note"] = text
    _, metadata = weights.from_json(json.dumps(document))
    assert metadata["note"] == text
    _, metadata = weights.from_json(json.dumps(document, ensure_ascii=False).encode())
    assert metadata["note"] == text


def test_the_end_of_a_string_is_found_after_escaped_backslashes(document):
    """Were ``"C:\\\\"`` (one backslash) read as an unterminated string, the nesting after it would be missed."""
    document["metadata"]["path"] = "C:\\"
    document["metadata"]["deep"] = json.loads(nested_arrays(MAX_DEPTH))
    text = json.dumps(document)
    assert '"C:\\\\"' in text
    with pytest.raises(WeightsError, match=f"nested {MAX_DEPTH + 2} levels deep"):
        weights.from_json(text)


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("", 0),
        ("1", 0),
        ("[]", 1),
        ("[[], [[]], {}]", 3),
        ('{"a": "[[[{{{", "b": [1]}', 2),
        ('["\\"[[[", [[]]]', 3),
        ('["\\\\", [[]]]', 3),
        ('"unterminated [[[[', 0),
        ('"ends in a backslash \\', 0),
        ("]]][[", 0),  # json.loads stops at the first "]": the scan never counts less than it reaches
        ('"\\u005b" [', 1),
    ],
)
def test_nesting_depth(text, depth):
    assert weights.nesting_depth(text) == depth


# -- 2. Sizes: the text, the hidden units, each array's data against its declared shape ------------------


@pytest.mark.parametrize("kind", [str, bytes])
def test_a_text_over_the_size_limit_is_refused_before_anything_else(kind, no_json_parsing):
    text = " " * (MAX_FILE_BYTES + 1)
    with pytest.raises(WeightsError, match="24,000,001 .*, over the 24,000,000 a weights file may have"):
        weights.from_json(text if kind is str else text.encode())


@pytest.fixture()
def decoded_sizes(monkeypatch) -> list[int]:
    """The length of every text that base64.b64decode is asked to decode."""
    sizes: list[int] = []
    real = base64.b64decode

    def recording(data, *args, **kwargs):
        sizes.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(base64, "b64decode", recording)
    return sizes


@pytest.mark.parametrize("hidden", [13, 800, MAX_HIDDEN])
def test_a_large_declared_shape_with_little_data_is_refused_before_decoding(document, hidden, decoded_sizes):
    text = corrupt(document, declare_hidden(hidden))
    with pytest.raises(
        WeightsError, match=f"arrays.W1: 50,176 characters of base64 data, but shape \\[{hidden}, 784\\]"
    ):
        weights.from_json(text)
    assert decoded_sizes == []


def test_large_data_for_a_small_shape_is_refused_before_decoding(document, decoded_sizes):
    text = corrupt(document, set_array_data("W1", bytes(12_000_000)))
    with pytest.raises(WeightsError, match="arrays.W1: 16,000,000 characters of base64 data, but shape \\[12, 784\\]"):
        weights.from_json(text)
    assert decoded_sizes == []


def test_only_data_of_the_declared_length_is_decoded(document, decoded_sizes):
    weights.from_json(json.dumps(document))
    assert decoded_sizes == [4 * math.ceil(4 * n / 3) for n in (12 * 784, 12, 10 * 12, 10)]


# -- 3. Values: finite is not enough ------------------------------------------------------------------------


def with_value(params, name: str, value: float, dtype: str) -> dict:
    """A document whose array ``name`` holds ``value`` (in ``dtype``), correctly signed."""
    document = json.loads(weights.to_json({n: P.astype(dtype) for n, P in params.items()}))
    array = params[name].astype(dtype)
    array.flat[3] = value
    document["arrays"][name] = weights.encode_array(array)
    return document


@pytest.mark.parametrize(
    ("name", "value", "dtype", "shown"),
    [
        ("W1", 1e300, "float64", "1e\\+300"),
        ("b2", -1e300, "float64", "1e\\+300"),
        ("W2", 3e38, "float32", "3e\\+38"),
        ("b1", -3e38, "float32", "3e\\+38"),
        ("W1", 1.0000001e15, "float64", "1e\\+15"),
    ],
)
def test_weights_too_large_to_predict_with_are_refused(params, name, value, dtype, shown):
    message = f"{name} holds a value of magnitude {shown}, over the 1e\\+15 a weight may have: .*NaN"
    with pytest.raises(WeightsError, match=f"arrays.{message}"):
        weights.from_json(json.dumps(with_value(params, name, value, dtype)))
    params = {n: P.astype(dtype) for n, P in params.items()}
    params[name].flat[3] = value
    with pytest.raises(WeightsError, match=f"^{message}"):
        weights.to_json(params)


def test_at_the_weight_limit_every_prediction_is_still_a_probability(rng):
    """The worst case of MAX_WEIGHT's bound: 2,048 hidden units all at +MAX_WEIGHT, outputs of opposite signs."""
    B = np.float32(MAX_WEIGHT)
    params = {
        "W1": np.full((MAX_HIDDEN, 784), B),
        "b1": np.full((MAX_HIDDEN, 1), B),
        "W2": np.where(np.arange(10)[:, None] % 2 == 0, B, -B) * np.ones((1, MAX_HIDDEN), np.float32),
        "b2": np.full((10, 1), B),
    }
    loaded, _ = weights.from_json(weights.to_json(params))
    X = np.hstack([np.zeros((784, 1)), np.ones((784, 1)), rng.random((784, 3))]).astype(np.float32)
    with np.errstate(over="raise", invalid="raise"):
        A2 = network.forward(loaded, X).A2
    assert np.all(np.isfinite(A2)) and np.allclose(A2.sum(axis=0), 1)


def test_float16_storage_refuses_weights_it_cannot_hold(params):
    params["W1"][0, 0] = 70_000.0
    with pytest.raises(WeightsError, match="W1 holds values beyond 65504, the largest float16 number"):
        weights.to_json(params, dtype="float16")
    assert weights.from_json(weights.to_json(params, dtype="float32"))[0]["W1"][0, 0] == 70_000.0


# -- 4. Metadata: what the page and the scripts read --------------------------------------------------------


def long_history(n: int) -> dict:
    return {"loss": [0.5] * n}


BAD_METADATA = {
    "history a list": ({"history": ["x"]}, "metadata.history must be an object of lists .*, got \\['x'\\]"),
    "history a number": ({"history": 3}, "metadata.history must be an object of lists"),
    "history entry text": ({"history": {"loss": "x"}}, "metadata.history.loss must be a list of numbers"),
    "history entry an object": ({"history": {"loss": {}}}, "metadata.history.loss must be a list of numbers"),
    "history of text": ({"history": {"loss": [0.3, "x"]}}, "metadata.history.loss\\[1\\] must be a number, got 'x'"),
    "history of null": ({"history": {"loss": [None]}}, "metadata.history.loss\\[0\\] must be a number, got None"),
    "history of booleans": ({"history": {"loss": [True]}}, "metadata.history.loss\\[0\\] must be a number"),
    "history of lists": ({"history": {"loss": [[1]]}}, "metadata.history.loss\\[0\\] must be a number"),
    "history accuracy over 1": (
        {"history": {"val_accuracy": [0.5, 1.5]}},
        "metadata.history.val_accuracy\\[1\\] must be an accuracy from 0 to 1, got 1.5",
    ),
    "history accuracy negative": (
        {"history": {"train_accuracy": [-0.1]}},
        "metadata.history.train_accuracy\\[0\\] must be an accuracy",
    ),
    "history too long": (
        {"history": long_history(10_001)},
        "metadata.history.loss has 10,001 entries, more than the 10,000",
    ),
    "history of 1e308 * 10": ({"history": {"loss": [1e309]}}, "metadata.history.loss\\[0\\] is inf, not a finite"),
    "test accuracy 1e30": ({"test_accuracy": 1e30}, "metadata.test_accuracy must be null or an accuracy from 0 to 1"),
    "test accuracy negative": ({"test_accuracy": -0.01}, "metadata.test_accuracy must be null or an accuracy"),
    "test accuracy as text": ({"test_accuracy": "0.98"}, "metadata.test_accuracy must be .*, got '0.98'"),
    "test accuracy as true": ({"test_accuracy": True}, "metadata.test_accuracy must be .*, got True"),
    "test accuracy NaN": ({"test_accuracy": math.nan}, "metadata.test_accuracy is nan, not a finite number"),
    "val accuracy 2": ({"val_accuracy": 2}, "metadata.val_accuracy must be null or an accuracy from 0 to 1, got 2"),
    "val accuracy a list": ({"val_accuracy": [0.9]}, "metadata.val_accuracy must be null or an accuracy"),
    "epochs negative": ({"epochs": -1}, "metadata.epochs must be null or a whole number >= 0, got -1"),
    "epochs 1.5": ({"epochs": 1.5}, "metadata.epochs must be null or a whole number >= 0, got 1.5"),
    "epochs as text": ({"epochs": "40"}, "metadata.epochs must be .*, got '40'"),
    "epochs as true": ({"epochs": True}, "metadata.epochs must be .*, got True"),
    "epochs beyond JavaScript": ({"epochs": 2**53}, "metadata.epochs must be null or a whole number"),
    "hidden negative": ({"hidden": -5}, "metadata.hidden must be null or a whole number >= 0, got -5"),
    "hidden 12.0": ({"hidden": 12.0}, "metadata.hidden must be null or a whole number >= 0, got 12.0"),
    "train seconds negative": ({"train_seconds": -1}, "metadata.train_seconds must be null or a number >= 0"),
    "train seconds as text": ({"train_seconds": "5"}, "metadata.train_seconds must be .*, got '5'"),
    "train seconds infinite": ({"train_seconds": math.inf}, "metadata.train_seconds is inf, not a finite number"),
    "preset a number": ({"preset": 5}, "metadata.preset must be null or a text of at most 1,000 characters, got 5"),
    "preset a list": ({"preset": ["default"]}, "metadata.preset must be null or a text"),
    "preset too long": ({"preset": "x" * 1001}, "metadata.preset must be null or a text of at most 1,000 char"),
    "created a number": ({"created": 20261125}, "metadata.created must be null or a text"),
    "trained_with an object": ({"trained_with": {}}, "metadata.trained_with must be null or a text"),
    "continued_from a number": ({"continued_from": 1}, "metadata.continued_from must be null or a text"),
    "loaded_from a list": ({"loaded_from": ["a.json"]}, "metadata.loaded_from must be null or a text"),
    "store_dtype a number": ({"store_dtype": 16}, "metadata.store_dtype must be null or a text"),
    "Infinity deep in a free key": ({"extra": {"a": [1, -math.inf]}}, "metadata.extra.a\\[1\\] is -inf, not a finite"),
    "NaN under an odd key": ({"a b": math.nan}, "metadata\\['a b'\\] is nan, not a finite number"),
}


@pytest.mark.parametrize("case", sorted(BAD_METADATA))
def test_every_bad_metadata_value_is_refused_when_loaded_and_when_written(case, document, params):
    metadata, message = BAD_METADATA[case]
    document["metadata"].update(metadata)
    with pytest.raises(WeightsError, match=f"^upload.json: {message}"):
        weights.from_json(json.dumps(document), "upload.json")
    with pytest.raises(WeightsError, match=f"^{message}"):
        weights.to_json(params, metadata)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_that_json_loads_reads_are_refused(document, literal):
    text = json.dumps(document).replace('"preset": "test"', f'"preset": "test", "lr": {literal}')
    with pytest.raises(WeightsError, match="metadata.lr is .*inf|metadata.lr is nan"):
        weights.from_json(text)


def test_free_form_metadata_and_nulls_still_load(params):
    metadata = {
        "preset": None, "epochs": None, "hidden": 0, "test_accuracy": None, "val_accuracy": 0, "train_seconds": 0,
        "history": None, "created": "", "notes": "x" * 100_000, "augment": {"rotate": 15, "list": [1, "a", None, True]},
        "extra": [[[{"deep": [1.5e300, -2, "text"]}]]], "history_like": ["x"], "": {"": None},
    }  # fmt: skip
    _, loaded = weights.from_json(weights.to_json(params, metadata))
    assert loaded == metadata
    _, loaded = weights.from_json(weights.to_json(params, {"history": {"loss": [], "lr": [0.1, 1e9]}}))
    assert loaded == {"history": {"loss": [], "lr": [0.1, 1e9]}}


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"lr": np.float32(0.1)}, "metadata is not JSON \\(Object of type float32 is not JSON serializable\\)"),
        ({"when": object()}, "metadata is not JSON"),
        ("not a dict", "metadata must be a JSON object"),
    ],
)
def test_to_json_refuses_metadata_that_is_not_json(params, metadata, message):
    with pytest.raises(WeightsError, match=message):
        weights.to_json(params, metadata)


def test_to_json_refuses_circular_and_deep_metadata(params):
    circular: dict = {}
    circular["self"] = circular
    with pytest.raises(WeightsError, match="metadata is not JSON \\(Circular reference detected\\)"):
        weights.to_json(params, circular)
    deep: list = []
    for _ in range(MAX_DEPTH):
        deep = [deep]
    with pytest.raises(WeightsError, match="metadata is nested more than the 32 levels"):
        weights.to_json(params, {"deep": deep})
    tuples: tuple = ()
    for _ in range(MAX_DEPTH - 2):
        tuples = (tuples,)
    with pytest.raises(WeightsError, match="metadata is nested more than the 32 levels"):
        weights.to_json(params, {"deep": tuples})  # 2 + 31 levels
    assert weights.from_json(weights.to_json(params, {"deep": tuples[0]}))[1]["deep"] == json.loads(
        nested_arrays(MAX_DEPTH - 2)
    )  # 2 + 30 levels: what from_json reads
    for _ in range(100_000):  # json.dumps would raise RecursionError, or in Pyodide crash the runtime
        deep = [deep]
    with pytest.raises(WeightsError, match="metadata is nested more than the 32 levels"):
        weights.to_json(params, {"deep": deep})
    shared = [[1.0]]
    _, metadata = weights.from_json(weights.to_json(params, {"a": shared, "b": shared}))  # one list twice is fine
    assert metadata == {"a": [[1.0]], "b": [[1.0]]}


def test_to_json_refuses_too_many_hidden_units():
    params = network.init_params(MAX_HIDDEN + 1)
    with pytest.raises(WeightsError, match="W1 has shape \\(2049, 784\\): it needs 1 to 2,048 rows"):
        weights.to_json(params)


@pytest.mark.parametrize("path", COMMITTED, ids=[path.stem for path in COMMITTED])
def test_the_committed_files_load_and_write_back_identically(path):
    """What scripts/train.py wrote: web/weights/*.json, float16 and float32, with their full metadata."""
    params, metadata = weights.load(path)
    assert metadata["trained_with"] == "scripts/train.py" and len(metadata["history"]["loss"]) == metadata["epochs"]
    store = metadata["store_dtype"]
    assert weights.to_json(params, metadata, dtype=store) == path.read_text().rstrip("\n")


def test_what_the_page_trains_downloads_and_continues_loads_back(rng):
    """browser/trainer.py's metadata, after training, stopping, uploading, and training on: every file loads."""
    X = rng.random((784, 200), dtype=np.float32)
    Y = rng.integers(0, 10, 200)
    dataset = page_training.Dataset(X[:, :150], Y[:150], X[:, 150:], Y[150:], "0" * 64)
    trainer = page_training.Trainer(dataset, TrainConfig(hidden=10, lr=0.1, batch_size=50, epochs=2))
    while not trainer.step(seconds=0.0)["done"]:
        pass
    first = page_training.download(trainer.model)
    uploaded = page_training.upload(first["text"].encode(), first["filename"])
    trainer = page_training.Trainer(dataset, TrainConfig(hidden=10, lr=0.1, batch_size=50, epochs=3), uploaded)
    trainer.step(seconds=0.0)
    trainer.stop()
    trainer.finish()
    second = page_training.download(trainer.model)
    _, metadata = weights.from_json(second["text"])
    assert metadata["continued_from"] is None and metadata["stopped_early"] is True  # the first origin: scratch
    assert len(metadata["history"]["val_accuracy"]) == 2 and metadata["epochs"] == 2
    _, metadata = weights.from_json(page_training.download(page_training.upload(second["text"], "a.json"))["text"])
    assert metadata["loaded_from"] == "a.json"
    tiny = next(path for path in COMMITTED if path.name == "tiny.json")  # written by scripts/train.py
    trainer = page_training.Trainer(
        dataset, TrainConfig(hidden=10, lr=0.1, batch_size=50, epochs=1),
        page_training.upload(tiny.read_bytes(), "tiny.json"),
    )  # fmt: skip
    while not trainer.step(seconds=0.0)["done"]:
        pass
    _, metadata = weights.from_json(page_training.download(trainer.model)["text"])
    assert metadata["continued_from"] == "tiny.json" and metadata["epochs"] == 1
