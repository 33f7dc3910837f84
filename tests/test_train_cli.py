"""scripts/train.py as a user runs it: a real training run, its file, and its refusals."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scratchnn import weights

TRAIN = Path(__file__).resolve().parent.parent / "scripts" / "train.py"


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TRAIN), *args], capture_output=True, text=True, timeout=300, **kwargs)


def test_help_lists_the_presets():
    result = run("--help")
    assert result.returncode == 0
    for word in ("--preset", "--hidden", "--epochs", "--lr", "--batch-size", "--seed", "--data-dir", "--out"):
        assert word in result.stdout
    assert "seed     hidden=10, init=uniform" in result.stdout


def test_a_short_run_writes_valid_weights_with_metadata(tmp_path):
    out = tmp_path / "small.json"
    result = run(
        "--hidden", "16", "--epochs", "2", "--batch-size", "256", "--augment", "none", "--out", str(out), "--no-plots"
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["preset"] == "custom" and summary["hidden"] == 16
    params, metadata = weights.load(out)
    assert params["W1"].shape == (16, 784)
    assert metadata["epochs"] == 2 and metadata["batch_size"] == 256 and metadata["hidden"] == 16
    assert metadata["test_accuracy"] == summary["test_accuracy"] > 0.85
    assert len(metadata["history"]["val_accuracy"]) == 2
    assert set(metadata["data_sha256"]) == {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    }  # fmt: skip
    assert "epoch 2/2" in result.stderr and "test accuracy" in result.stderr


def test_plots_are_saved_next_to_the_weights(tmp_path):
    """matplotlib is optional for users; the test command installs it (the `plot` extra), so this runs."""
    out = tmp_path / "p.json"
    assert run("--hidden", "8", "--epochs", "1", "--augment", "none", "--out", str(out)).returncode == 0
    for name in ("p-curves.png", "p-confusion.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lr", "nan"], "learning rate must be a positive finite number"),
        (["--lr", "-1"], "learning rate"),
        (["--batch-size", "-5"], "batch_size"),
        (["--epochs", "0"], "epochs"),
        (["--momentum", "1.5"], "momentum"),
    ],
)
def test_nonsense_arguments_are_refused_before_training(args, message, tmp_path):
    out = tmp_path / "w.json"
    result = run(*args, "--out", str(out))
    assert result.returncode == 2
    assert message in result.stderr
    assert not out.exists()


def test_missing_data_is_a_clear_error(tmp_path):
    result = run("--data-dir", str(tmp_path / "empty"), "--out", str(tmp_path / "w.json"),
                 env={"HOME": str(tmp_path), "http_proxy": "http://127.0.0.1:9",
                      "https_proxy": "http://127.0.0.1:9"})  # fmt: skip  # no way out, even where there is one
    assert result.returncode == 2
    assert "could not be downloaded" in result.stderr and "--data-dir" in result.stderr


def test_ctrl_c_leaves_the_existing_weights_untouched(tmp_path):
    out = tmp_path / "w.json"
    out.write_text("the old weights")
    # A shell ignores SIGINT in the commands it runs in the background, and children inherit
    # that; restore the default so the training process sees Ctrl-C however pytest was started.
    process = subprocess.Popen(
        [sys.executable, str(TRAIN), "--preset", "seed", "--out", str(out)],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    assert process.stderr.readline().startswith("preset seed")  # data loaded, training starts
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted: nothing was written" in stderr
    assert out.read_text() == "the old weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.json"]
