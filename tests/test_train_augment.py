"""scripts/train.py with augmentation and float16 storage: the file states what its stored weights do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scratchnn import augment, training, weights
from scratchnn.config import PRESETS

TRAIN = Path(__file__).resolve().parent.parent / "scripts" / "train.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TRAIN), *args], capture_output=True, text=True, timeout=300)


def test_an_augmented_float16_run_states_the_accuracy_of_what_it_stored(tmp_path, mnist_data):
    out = tmp_path / "aug.json"
    result = run(
        "--hidden", "16", "--epochs", "2", "--batch-size", "256", "--augment", "rotate=10,shift=2,alpha=8",
        "--store-dtype", "float16", "--out", str(out), "--no-plots",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text())
    assert {entry["dtype"] for entry in document["arrays"].values()} == {"float16"}
    params, metadata = weights.load(out)
    assert augment.Augment.from_dict(metadata["augment"]) == augment.Augment(rotate=10, shift=2, alpha=8)
    assert metadata["store_dtype"] == "float16" and metadata["preset"] == "custom"
    _, test_accuracy = training.evaluate(params, mnist_data.X_test, mnist_data.Y_test)
    assert metadata["test_accuracy"] == test_accuracy > 0.8  # measured from the float16 weights, exactly
    _, val_accuracy = training.evaluate(params, mnist_data.X_val, mnist_data.Y_val)
    assert metadata["val_accuracy"] == val_accuracy


def test_a_plain_run_records_no_augmentation(tmp_path):
    out = tmp_path / "plain.json"
    result = run(
        "--hidden", "8", "--epochs", "1", "--augment", "none", "--store-dtype", "float32", "--out", str(out),
        "--no-plots",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text())
    assert {entry["dtype"] for entry in document["arrays"].values()} == {"float32"}
    _, metadata = weights.load(out)
    assert metadata["augment"] is None and metadata["store_dtype"] == "float32"


def test_overrides_keep_the_presets_augmentation_unless_told(tmp_path):
    out = tmp_path / "inherited.json"
    result = run("--preset", "default", "--hidden", "8", "--epochs", "1", "--out", str(out), "--no-plots")
    assert result.returncode == 0, result.stderr
    _, metadata = weights.load(out)
    assert augment.Augment.from_dict(metadata["augment"]) == PRESETS["default"].augment
    assert metadata["preset"] == "custom"


@pytest.mark.parametrize(
    ("spec", "message"),
    [("rotate", "key=number"), ("rotate=x", "key=number"), ("spin=3", "unknown augment"), ("scale=2", "scale")],
)
def test_a_bad_augment_spec_is_refused_by_name(spec, message, tmp_path):
    result = run("--hidden", "8", "--epochs", "1", "--augment", spec, "--out", str(tmp_path / "x.json"))
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "x.json").exists()


def test_help_documents_augment_and_store_dtype():
    result = run("--help")
    assert "--augment" in result.stdout and "--store-dtype" in result.stdout
    assert "best" in result.stdout
