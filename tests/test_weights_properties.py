"""weights.from_json on any text at all (Hypothesis): it loads, or it raises WeightsError; nothing else.

And no large array is allocated before an array's declared size is checked against its data.
These run in CPython and inside Pyodide (tests/pyodide/run_tests.mjs), where deep JSON once
killed the runtime. The example counts are small and the examples derandomized (the same cases
every run, no example database), so the file takes seconds and never fails by chance.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import math
import re
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scratchnn import network, weights
from scratchnn.weights import DTYPES, MAX_HIDDEN, MAX_WEIGHT, NAMES, WeightsError


def examples(n: int) -> settings:
    return settings(
        max_examples=n, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
    )


METADATA = {
    "preset": "p",
    "epochs": 2,
    "hidden": 2,
    "test_accuracy": 0.5,
    "train_seconds": 1.5,
    "history": {"loss": [0.9, 0.5], "val_accuracy": [0.25, 0.5]},
    "augment": {"rotate": 15},
}
VALID = weights.to_json(network.init_params(2, seed=0), METADATA)
DOCUMENT = json.loads(VALID)
DATA_SPANS = [match.span(1) for match in re.finditer(r'"data": "([^"]*)"', VALID)]

# Any JSON value: json.dumps also writes NaN and Infinity, which json.loads reads back.
leaves = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def loads_or_refuses(text: str | bytes) -> bool:
    """True if ``text`` loads, False if it is refused with a one-line WeightsError; anything else
    fails the test. What loads must be usable, and must write back (to_json) and load again."""
    try:
        params, metadata = weights.from_json(text, "w.json")
    except WeightsError as error:
        message = str(error)
        assert message.startswith("w.json: ") and "\n" not in message and len(message) < 400, message
        if currently_in_test_context():
            event("refused")  # --hypothesis-show-statistics shows how many were refused and how many loaded
        return False
    if currently_in_test_context():
        event("loads")
    hidden = params["W1"].shape[0]
    assert 1 <= hidden <= MAX_HIDDEN and isinstance(metadata, dict)
    for name, shape in weights.expected_shapes(hidden).items():
        assert params[name].shape == shape and params[name].dtype in (np.float32, np.float64)
        assert np.all(np.isfinite(params[name])) and np.max(np.abs(params[name])) <= MAX_WEIGHT
    again, metadata_again = weights.from_json(weights.to_json(params, metadata))
    assert metadata_again == metadata
    for name in NAMES:
        assert again[name].tobytes() == params[name].tobytes()
    return True


def test_the_valid_document_loads():
    assert loads_or_refuses(VALID) and loads_or_refuses(VALID.encode())


@examples(300)
@given(json_values)
def test_any_json_value_loads_or_is_refused(value):
    loads_or_refuses(json.dumps(value))


@examples(150)
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_any_text_or_bytes_loads_or_is_refused(text):
    loads_or_refuses(text)


def all_paths(value, path=()):
    """Every place in a JSON value, as the keys and indices that lead to it (the whole is ())."""
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from all_paths(item, (*path, key))


PATHS = list(all_paths(DOCUMENT))


def other_types(value) -> st.SearchStrategy:
    """``value`` as another JSON type: a text, a number, a list, an object, null, a boolean."""
    changed = [None, True, False, str(value), [value], {"value": value}, 0, -1, 1.5, "", [], {}]
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        changed += [float(value), int(value), -value, value * 1e300, str(value)]
    return st.sampled_from(changed)


@st.composite
def mutated_documents(draw) -> str:
    """The valid document with one place deleted, renamed, given another type, or replaced by any JSON."""
    path = draw(st.sampled_from(PATHS))
    document = copy.deepcopy(DOCUMENT)
    if not path:
        return json.dumps(draw(json_values))
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    key, old = path[-1], parent[path[-1]]
    action = draw(st.sampled_from(["delete", "rename", "retype", "replace"]))
    if action == "delete":
        del parent[key]
    elif action == "rename" and isinstance(parent, dict):
        parent[draw(st.text(max_size=12))] = parent.pop(key)
    elif action == "retype":
        parent[key] = draw(other_types(old))
    else:
        parent[key] = draw(json_values)
    return json.dumps(document)


@examples(400)
@given(mutated_documents())
def test_any_change_to_a_valid_document_loads_or_is_refused(text):
    loads_or_refuses(text)


@examples(150)
@given(st.integers(0, len(VALID)))
def test_a_document_cut_anywhere_is_refused(end):
    assert loads_or_refuses(VALID[:end]) == (VALID[:end].rstrip() == VALID.rstrip())


# The places outside the arrays' base64 data, where most of a document's structure is.
STRUCTURE = [at for at in range(len(VALID)) if not any(start <= at < end for start, end in DATA_SPANS)]


@examples(200)
@given(
    st.sampled_from(STRUCTURE) | st.integers(0, len(VALID) - 1),
    st.characters() | st.sampled_from('"\\[]{},:0e-'),
    st.booleans(),
)
def test_a_character_changed_or_inserted_anywhere_loads_or_is_refused(at, character, insert):
    text = VALID[:at] + character + VALID[at + (not insert) :]
    loads_or_refuses(text)
    loads_or_refuses(text.encode("utf-8", "surrogatepass"))


# How each level opens and closes: arrays, objects, both, and strings holding brackets and escaped quotes.
LEVELS = [("[", "]"), ('{"a": ', "}"), ('[{"k": ', "}]"), ('["[{", ', "]"), ('{"\\"[": ["\\\\", ', "]}")]


@examples(100)
@given(st.integers(0, 20_000), st.sampled_from(LEVELS), json_values)
def test_nesting_of_any_depth_loads_or_is_refused(levels, level, inner):
    """Deep text never reaches json.loads (up to 20,000 levels), alone or as a metadata value."""
    opening, closing = level
    nested = opening * levels + json.dumps(inner) + closing * levels
    loads_or_refuses(nested)
    document = copy.deepcopy(DOCUMENT)
    document["metadata"]["x"] = "PLACEHOLDER"
    assert loads_or_refuses(json.dumps(document).replace('"PLACEHOLDER"', nested)) == (levels <= 32 - 2)


def weights_of(dtype: str) -> st.SearchStrategy:
    """Any value of ``dtype``: NaN, infinities, huge and tiny ones included."""
    return st.floats(width={"float16": 16, "float32": 32, "float64": 64}[dtype])


@st.composite
def parameters(draw) -> tuple[dict[str, np.ndarray], str]:
    hidden = draw(st.integers(1, 4))
    dtype = draw(st.sampled_from(DTYPES))
    params = {
        name: draw(hnp.arrays(dtype, shape, elements=weights_of(dtype)))
        for name, shape in weights.expected_shapes(hidden).items()
    }
    return params, dtype


@examples(150)
@given(parameters())
def test_values_load_exactly_when_they_are_finite_and_within_the_weight_limit(stored):
    """Each array's values as stored: the document loads if and only if every one is usable."""
    params, dtype = stored
    document = copy.deepcopy(DOCUMENT)
    document["layers"]["sizes"][1] = params["W1"].shape[0]
    document["arrays"] = {name: weights.encode_array(P) for name, P in params.items()}
    usable = all(np.all(np.isfinite(P)) and float(np.max(np.abs(P))) <= MAX_WEIGHT for P in params.values())
    assert loads_or_refuses(json.dumps(document)) == usable, dtype


# -- No large array before its declared size is checked against its data ---------------------------------


def declaring(hidden: int, dtype: str, n_bytes: int) -> str:
    """A document that declares ``hidden`` units of ``dtype``, each array holding ``n_bytes`` of data."""
    document = copy.deepcopy(DOCUMENT)
    document["layers"]["sizes"][1] = hidden
    raw = bytes(range(256)) * (n_bytes // 256) + bytes(n_bytes % 256)
    for name, shape in weights.expected_shapes(hidden).items():
        document["arrays"][name] = {
            "shape": list(shape),
            "dtype": dtype,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "data": base64.b64encode(raw).decode(),
        }
    return json.dumps(document)


def base64_length(n_bytes: int) -> int:
    return 4 * math.ceil(n_bytes / 3)


@examples(150)
@given(st.integers(1, MAX_HIDDEN), st.sampled_from(DTYPES), st.integers(0, 40_000))
def test_data_is_decoded_only_when_its_length_matches_the_declared_shape(hidden, dtype, n_bytes):
    """Whatever the declared shape and the data's real size, base64 is decoded only for data of
    exactly the length that the declared shape and dtype need."""
    decoded: list[int] = []
    real = base64.b64decode

    def recording(data, *args, **kwargs):
        decoded.append(len(data))
        return real(data, *args, **kwargs)

    text = declaring(hidden, dtype, n_bytes)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(base64, "b64decode", recording)
        loads_or_refuses(text)
    itemsize = np.dtype(dtype).itemsize
    needed = {base64_length(itemsize * math.prod(shape)) for shape in weights.expected_shapes(hidden).values()}
    assert set(decoded) <= needed
    if base64_length(n_bytes) != base64_length(itemsize * hidden * 784):
        assert decoded == []  # W1 comes first: nothing at all is decoded


def peak_bytes_while_loading(text: str) -> int:
    """The most memory that Python and NumPy held at once during from_json, beyond what they held before."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        with contextlib.suppress(WeightsError):
            weights.from_json(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def test_declaring_2048_hidden_units_with_tiny_data_allocates_almost_nothing():
    """A 2,048-unit float64 W1 would take 12.8 MB; its declaration costs less than 1 MB to refuse."""
    declared = declaring(MAX_HIDDEN, "float64", 3)
    assert len(declared) < 5_000
    assert peak_bytes_while_loading(declared) < 1_000_000
    # the measure sees arrays: a document that really holds 512 units (1.6 MB of W1) peaks above that
    real = weights.to_json(network.init_params(512, seed=0))
    assert peak_bytes_while_loading(real) > 512 * 784 * 4


@examples(30)
@given(st.integers(1, MAX_HIDDEN), st.sampled_from(DTYPES))
def test_no_declaration_allocates_more_than_its_text_holds(hidden, dtype):
    """With 48 bytes of data per array, loading never holds more than 1 MB, whatever the declaration."""
    assert peak_bytes_while_loading(declaring(hidden, dtype, 48)) < 1_000_000
