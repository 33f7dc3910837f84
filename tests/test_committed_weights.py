"""The weights the page ships (web/weights/*.json) reach the accuracy they state, on the real test set."""

from __future__ import annotations

from pathlib import Path

import pytest

from scratchnn import mnist, training, weights

WEIGHTS = sorted((Path(__file__).resolve().parent.parent / "web" / "weights").glob("*.json"))
PROMISED = {"seed": 0.80, "tiny": 0.925, "default": 0.98, "best": 0.99}  # the README's floors


def test_the_page_has_its_two_networks():
    assert {"default.json", "tiny.json"} <= {path.name for path in WEIGHTS}


@pytest.mark.parametrize("path", WEIGHTS, ids=[path.stem for path in WEIGHTS])
def test_committed_weights_reach_their_stated_accuracy(path, mnist_data):
    params, metadata = weights.load(path)
    _, test_accuracy = training.evaluate(params, mnist_data.X_test, mnist_data.Y_test)
    assert test_accuracy == pytest.approx(metadata["test_accuracy"], abs=1e-4)  # measured, not claimed
    assert test_accuracy >= PROMISED[metadata["preset"]]
    assert metadata["data"]["files"] == {name: sha for name, (_, sha) in mnist.FILES.items()}
    assert metadata["trained_with"] == "scripts/train.py"
    assert params["W1"].shape[0] == metadata["hidden"]


def test_the_default_network_is_small_enough_for_a_web_page():
    default = next(path for path in WEIGHTS if path.name == "default.json")
    assert default.stat().st_size < 1.5e6
