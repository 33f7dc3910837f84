"""scripts/robustness.py: its transforms do what their names say, the command writes its tables, and
bad weights files or a bad --out get a clear line (the good files are still evaluated)."""

from __future__ import annotations

import importlib.util
import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from scratchnn import augment, network, weights

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "robustness.py"
spec = importlib.util.spec_from_file_location("robustness", SCRIPT)
robustness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(robustness)


def centre_of_mass(X: np.ndarray) -> np.ndarray:
    images = augment.as_images(X)
    ys, xs = np.mgrid[0:28, 0:28]
    mass = images.sum(axis=(1, 2))
    return np.stack([(images * xs).sum(axis=(1, 2)) / mass, (images * ys).sum(axis=(1, 2)) / mass], axis=1)


def test_shifts_are_whole_pixels_within_4(mnist_data):
    X = mnist_data.X_test[:, :500]
    moved = robustness.shift(X, np.random.default_rng(0))
    kept = np.abs(moved.sum(axis=0) - X.sum(axis=0)) < 1e-3  # digits whose ink stayed inside the frame
    delta = (centre_of_mass(moved) - centre_of_mass(X))[kept]
    assert kept.mean() > 0.75  # a 4 px shift cuts a sliver off some digits (MNIST centres mass, not box)
    assert np.allclose(delta, np.round(delta), atol=1e-3) and np.abs(delta).max() == pytest.approx(4, abs=1e-3)
    assert len(np.unique(np.round(delta), axis=0)) > 60  # most of the 81 (dx, dy) pairs occur
    assert set(np.unique(moved)) <= set(np.unique(X))  # pixels copied, not interpolated


def test_edge_shifts_move_every_digit_by_4_px(mnist_data):
    X = mnist_data.X_test[:, :300]
    moved = robustness.shift_edge(X, np.random.default_rng(0))
    kept = np.abs(moved.sum(axis=0) - X.sum(axis=0)) < 1e-3  # digits whose ink stayed inside the frame
    delta = (centre_of_mass(moved) - centre_of_mass(X))[kept]
    assert kept.mean() > 0.6
    assert np.allclose(np.abs(delta).max(axis=1), 4, atol=1e-3)  # 4 px along x, y or both
    assert np.all(np.isclose(delta, 0, atol=1e-3) | np.isclose(np.abs(delta), 4, atol=1e-3))


def test_rotation_and_scale_ranges(mnist_data):
    X = mnist_data.X_test[:, :200]
    rng = np.random.default_rng(0)
    assert robustness.rotate(X, rng).shape == X.shape
    big, small = robustness.fixed_scale(1.2)(X, rng), robustness.fixed_scale(0.8)(X, rng)
    assert big.sum() / X.sum() == pytest.approx(1.44, rel=0.03)  # ink area grows with the square
    assert small.sum() / X.sum() == pytest.approx(0.64, rel=0.03)


def test_render_on_canvas_is_the_digit_enlarged():
    image = np.zeros((28, 28), dtype=np.float32)
    image[10:18, 12:16] = 1
    drawing = robustness.render_on_canvas(image, zoom=5, top=30, left=60)
    assert drawing.shape == (280, 280)
    assert drawing.sum() == pytest.approx(25 * image.sum(), rel=0.02)
    rows, cols = np.nonzero(drawing > 0.5)
    assert rows.min() == pytest.approx(30 + 5 * 10, abs=3) and cols.min() == pytest.approx(60 + 5 * 12, abs=3)


def test_the_canvas_path_gives_back_an_mnist_like_digit(mnist_data):
    X = mnist_data.X_test[:, :50]
    back = robustness.canvas(X, np.random.default_rng(0))
    assert back.shape == X.shape and back.min() >= 0 and back.max() <= 1
    correlation = [np.corrcoef(back[:, k], X[:, k])[0, 1] for k in range(50)]
    assert np.median(correlation) > 0.8  # the same digit, about where and how big MNIST has it


def test_the_command_writes_markdown_and_json(tmp_path, mnist_data, monkeypatch):
    path = tmp_path / "small.json"
    weights.save(path, network.init_params(8, seed=0), {"preset": "custom", "augment": None})
    out = tmp_path / "robustness.md"
    assert robustness.main([str(path), "--limit", "100", "--out", str(out)]) == 0
    text = out.read_text()
    assert "| `small` | 8 |" in text and "shift ±4 px" in text and "scale 1.2" in text
    result = json.loads(out.with_suffix(".json").read_text())
    row = result["transforms"][0]
    assert result["test_digits"] == 100 and row["hidden"] == 8
    assert row["worst"] == min(v for k, v in row["accuracy"].items() if k != "clean")
    assert all(0 <= v <= 1 for v in row["accuracy"].values())


@pytest.fixture()
def bad_and_good(tmp_path) -> tuple[list[Path], list[Path]]:
    """One good weights file and four that cannot be read: corrupt, missing, a folder, a FIFO."""
    good = tmp_path / "good.json"
    weights.save(good, network.init_params(8, seed=0), {"preset": "custom"})
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text(good.read_text()[:5000])
    (tmp_path / "folder.json").mkdir()
    os.mkfifo(tmp_path / "pipe.json")
    return [good], [corrupt, tmp_path / "missing.json", tmp_path / "folder.json", tmp_path / "pipe.json"]


def test_bad_weights_files_are_named_and_the_good_ones_still_evaluated(bad_and_good, tmp_path, capsys):
    good, bad = bad_and_good
    out = tmp_path / "r.md"
    assert robustness.main([str(bad[0]), str(good[0]), *map(str, bad[1:]), "--limit", "50", "--out", str(out)]) == 1
    stderr = capsys.readouterr().err
    assert f"error: {bad[0]}: not valid JSON" in stderr
    assert f"error: {bad[1]}: cannot read (No such file or directory)" in stderr
    assert f"error: {bad[2]} is a folder, not a weights file" in stderr
    assert f"error: {bad[3]} is a FIFO (named pipe), not a weights file" in stderr
    assert "error: 4 of 5 weights files could not be read (named above)" in stderr
    assert "Traceback" not in stderr
    result = json.loads(out.with_suffix(".json").read_text())
    assert [row["network"] for row in result["transforms"]] == ["good"] and result["test_digits"] == 50
    assert "| `good` | 8 |" in out.read_text() and "corrupt" not in out.read_text()


def test_when_no_weights_file_can_be_read_nothing_is_evaluated(bad_and_good, tmp_path, capsys, monkeypatch):
    _, bad = bad_and_good
    monkeypatch.setattr(robustness.mnist, "load", lambda *a, **k: pytest.fail("the data was loaded"))
    assert robustness.main([*map(str, bad), "--out", str(tmp_path / "r.md")]) == 1
    assert "error: none of the weights files could be read" in capsys.readouterr().err
    assert not (tmp_path / "r.md").exists()


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("folder", "folder is a folder, not a file"),
        ("pipe", "pipe is a FIFO (named pipe)"),
        ("missing/r.md", "missing does not exist"),
        ("r.json", "the numbers go to the .json beside the tables"),
        ("taken.md", "taken.json is a folder"),  # where the numbers would go
    ],
)
def test_a_bad_out_is_refused_before_the_evaluation(bad_and_good, tmp_path, capsys, monkeypatch, out, message):
    good, _ = bad_and_good
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "taken.json").mkdir()
    monkeypatch.setattr(robustness.mnist, "load", lambda *a, **k: pytest.fail("the data was loaded"))
    assert robustness.main([str(good[0]), "--out", str(tmp_path / out)]) == 2
    stderr = capsys.readouterr().err
    assert f"error: --out {tmp_path}" in stderr and message in stderr
    assert stat.S_ISFIFO((tmp_path / "pipe").lstat().st_mode)


@pytest.mark.parametrize("args", [["--limit", "0"], ["--limit", "-3"], ["--seed", "-1"], ["--limit", "many"]])
def test_nonsense_numbers_are_argparse_errors(args, capsys):
    with pytest.raises(SystemExit) as stopped:
        robustness.main(args)
    assert stopped.value.code == 2 and f"error: argument {args[0]}" in capsys.readouterr().err
