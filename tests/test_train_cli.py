"""scripts/train.py as a user runs it: a real training run, its file, and its refusals."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scratchnn import weights

TRAIN = Path(__file__).resolve().parent.parent / "scripts" / "train.py"
spec = importlib.util.spec_from_file_location("train", TRAIN)
train = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train)
# Root may write anywhere: run as root without the capabilities that override file permissions.
NOT_ALL_POWERFUL = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"] if os.geteuid() == 0 else []


def run(*args: str, prefix: tuple[str, ...] = (), **kwargs) -> subprocess.CompletedProcess:
    command = [*prefix, sys.executable, str(TRAIN), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def refused_before_training(result: subprocess.CompletedProcess, message: str) -> None:
    """Exit status 2, an `error:` line containing ``message``, no traceback, and no training started."""
    assert result.returncode == 2, result.stderr
    assert "error: " in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not re.search(r"^preset \w+: ", result.stderr, re.MULTILINE)  # the line that starts the training


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
    assert set(metadata["data"]["files"]) == {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    }  # fmt: skip
    assert "epoch 2/2" in result.stderr and "test accuracy" in result.stderr


def test_plots_are_saved_next_to_the_weights(tmp_path):
    """matplotlib is optional for users; the test command installs it (the `plot` extra), so this runs.

    Through a symlink --out: the weights go to its target (the link stays a link), the plots beside
    the link, all written atomically; temporaries that a killed run left beside them are removed."""
    (tmp_path / "runs").mkdir()
    out = tmp_path / "p.json"
    out.symlink_to(tmp_path / "runs" / "p-1.json")
    stale = [
        tmp_path / "runs" / f".p-1.json.{dead_pid()}.0123abcd.tmp",
        tmp_path / f".p-curves.png.{dead_pid()}.89abcdef.tmp",
    ]
    for path in stale:
        path.write_bytes(b"\0" * 1000)  # what kill -9 in the middle of a write left
    result = run("--hidden", "8", "--epochs", "1", "--augment", "none", "--out", str(out))
    assert result.returncode == 0, result.stderr
    for name in ("p-curves.png", "p-confusion.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
    assert out.is_symlink() and weights.load(tmp_path / "runs" / "p-1.json")[0]["W1"].shape == (8, 784)
    assert sorted(os.listdir(tmp_path)) == ["p-confusion.png", "p-curves.png", "p.json", "runs"]
    assert os.listdir(tmp_path / "runs") == ["p-1.json"]


BAD_VALUES = [
    (["--hidden", "0"], "argument --hidden: hidden must be a whole number from 1 to 2,048, got 0"),
    (["--hidden", "-5"], "argument --hidden: hidden must be a whole number from 1 to 2,048, got -5"),
    (["--hidden", "2049"], "argument --hidden: hidden must be a whole number from 1 to 2,048"),
    (["--hidden", "10000000"], "argument --hidden: hidden must be a whole number from 1 to 2,048"),
    (["--hidden", "9" * 5000], "argument --hidden: expected a whole number"),  # over Python's int digits limit
    (["--hidden", "12.5"], "argument --hidden: expected a whole number, got '12.5'"),
    (["--epochs", "0"], "argument --epochs: epochs must be a whole number from 1 to 100,000"),
    (["--epochs", "100001"], "argument --epochs: epochs must be a whole number from 1 to 100,000"),
    (["--epochs", "1e9"], "argument --epochs: expected a whole number"),
    (["--lr", "nan"], "learning rate must be a positive finite number"),
    (["--lr", "inf"], "learning rate must be a positive finite number"),
    (["--lr", "-1"], "learning rate must be a positive finite number"),
    (["--lr", "0"], "learning rate must be a positive finite number"),
    (["--lr", "fast"], "argument --lr: expected a number"),
    (["--batch-size", "-5"], "argument --batch-size: must be a whole number at least 0"),
    (["--momentum", "1.5"], "argument --momentum: momentum must be in [0, 1), got 1.5"),
    (["--momentum", "1"], "momentum must be in [0, 1)"),
    (["--momentum", "-0.1"], "momentum must be in [0, 1)"),
    (["--momentum", "nan"], "momentum must be in [0, 1)"),
    (["--lr-decay", "0"], "argument --lr-decay: lr_decay must be in (0, 1]"),
    (["--lr-decay", "1.01"], "argument --lr-decay: lr_decay must be in (0, 1]"),
    (["--lr-decay=-inf"], "argument --lr-decay: lr_decay must be in (0, 1]"),
    (["--seed", "-1"], "argument --seed: must be a whole number at least 0"),
    (["--augment", "rotate=inf"], "augment rotate must be a finite number"),
]


@pytest.mark.parametrize(("args", "message"), BAD_VALUES)
def test_nonsense_arguments_are_refused_before_training(args, message, tmp_path):
    out = tmp_path / "w.json"
    refused_before_training(run(*args, "--out", str(out)), message)
    assert not out.exists()


def test_the_limits_themselves_are_accepted():
    args = train.parse_args(["--hidden", "2048", "--epochs", "100000", "--momentum", "0", "--lr-decay", "1"])
    assert (args.hidden, args.epochs, args.momentum, args.lr_decay) == (2048, 100000, 0.0, 1.0)
    assert train.parse_args(["--hidden", "1", "--batch-size", "0", "--seed", str(2**64)]).seed == 2**64


def test_a_data_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "mnist.gz").write_bytes(b"not a folder")
    for data_dir, message in [("mnist.gz", "mnist.gz is a file, not a folder"), ("mnist.gz/sub", "on its way")]:
        result = run("--data-dir", str(tmp_path / data_dir), "--out", str(tmp_path / "w.json"))
        refused_before_training(result, f"argument --data-dir: {tmp_path / 'mnist.gz'}")
        assert message in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["mnist.gz"]


def test_an_out_that_cannot_be_written_is_refused_before_training(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "keep.txt").write_text("precious")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link").symlink_to("pipe")
    (tmp_path / "file").write_text("a file")
    cases = {
        "folder": "folder is a folder, not a file: refusing to replace it",
        "pipe": "pipe is a FIFO (named pipe), not a file: refusing to replace it",
        "link": "link is a FIFO (named pipe), not a file",
        "missing/w.json": f"the folder {tmp_path / 'missing'} does not exist",
        "file/w.json": "a folder on its way is a file",
    }
    for out, message in cases.items():
        result = run("--out", str(tmp_path / out), "--epochs", "1")
        refused_before_training(result, f"error: --out {tmp_path / out}")
        assert message in result.stderr
    assert (tmp_path / "folder" / "keep.txt").read_text() == "precious"
    assert stat.S_ISFIFO((tmp_path / "pipe").lstat().st_mode) and (tmp_path / "link").is_symlink()
    assert sorted(os.listdir(tmp_path)) == ["file", "folder", "link", "pipe"]


def test_a_plot_path_that_is_a_folder_is_refused_before_training(tmp_path):
    (tmp_path / "w-curves.png").mkdir()
    result = run("--out", str(tmp_path / "w.json"))
    refused_before_training(result, "w-curves.png is a folder")
    assert sorted(os.listdir(tmp_path)) == ["w-curves.png"]


def test_an_out_in_a_read_only_folder_is_refused_before_training(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "w.json").write_text("old")
    os.chmod(folder, 0o555)
    try:
        result = run("--out", str(folder / "w.json"), prefix=tuple(NOT_ALL_POWERFUL))
    finally:
        os.chmod(folder, 0o755)
    refused_before_training(result, f"the folder {folder} is read-only")
    assert os.listdir(folder) == ["w.json"] and (folder / "w.json").read_text() == "old"


def test_missing_data_is_a_clear_error(tmp_path):
    result = run("--data-dir", str(tmp_path / "empty"), "--out", str(tmp_path / "w.json"),
                 env={"HOME": str(tmp_path), "http_proxy": "http://127.0.0.1:9",
                      "https_proxy": "http://127.0.0.1:9"})  # fmt: skip  # no way out, even where there is one
    assert result.returncode == 2
    assert "could not be downloaded" in result.stderr and "--data-dir" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(os.listdir(tmp_path)) == []  # the mistyped --data-dir was not created, nor anything else


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
