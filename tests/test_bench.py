"""benchmarks/numpy_vs_pytorch.py and scripts/bench.py: a smoke test at tiny sizes. Shapes and signs only: speed
targets live in the benchmark itself, never in tests (the machines are shared and noisy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scratchnn import network

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import numpy_vs_pytorch as bench  # noqa: E402


@pytest.fixture()
def tiny_data(rng):
    X = np.asfortranarray(rng.random((784, 300), dtype=np.float32))
    return {"float32": X, "float64": X.astype("float64", order="F")}, rng.integers(0, 10, 300)


def test_train_flops_counts_the_five_matrix_products():
    H, m = 7, 11
    products = [(H, 784, m), (10, H, m), (10, m, H), (H, 10, m), (H, m, 784)]  # (rows, inner, cols)
    assert bench.train_flops(H, m) == sum(2 * a * b * c for a, b, c in products)
    assert bench.inference_flops(H, m) == 2 * (H * 784 * m + 10 * H * m)


def test_numpy_training_rows(tiny_data):
    X, Y = tiny_data
    rows = bench.bench_training(
        X, Y, hidden_sizes=[4], batch_sizes=[64, None], dtypes=["float32", "float64"], repeats=2,
        use_torch=False, peak_n=64,
    )  # fmt: skip
    assert [(r.hidden, r.batch_size, r.dtype) for r in rows] == [
        (4, 64, "float32"), (4, 64, "float64"), (4, None, "float32"), (4, None, "float64"),
    ]  # fmt: skip
    for row in rows:
        assert row.examples == 300 and row.repeats == 2 and len(row.numpy_times) == 2
        assert row.numpy_seconds > 0 and row.gflops > 0 and row.peak_fraction > 0 and row.peak_gflops > 0
        assert row.torch_seconds is None and row.ratio is None
        assert "-" in bench.format_train_row(row)  # no PyTorch column
    assert json.loads(json.dumps(bench.to_json(rows)))[0]["ratio"] is None


def test_baseline_code_is_timed_beside(tiny_data):
    X, Y = tiny_data
    baseline = bench.load_baseline(ROOT / "python" / "scratchnn")
    assert baseline.network.forward is not network.forward  # a separate copy of the modules
    (row,) = bench.bench_training(
        X, Y, hidden_sizes=[3], batch_sizes=[100], dtypes=["float32"], repeats=1, use_torch=False,
        baseline=baseline, peak_n=32,
    )  # fmt: skip
    assert row.baseline_seconds > 0
    assert "before" in bench.train_header(baseline=True)


def test_inference_rows(tiny_data):
    X, _Y = tiny_data
    rows = bench.bench_inference(X, hidden_sizes=[5], repeats=1, single_repeats=3, use_torch=False)
    assert [(r.hidden, r.dtype) for r in rows] == [(5, "float32"), (5, "float64")]
    assert all(r.numpy_batch_seconds > 0 and r.numpy_single_seconds > 0 and r.gflops > 0 for r in rows)


def test_against_pytorch_when_installed(tiny_data):
    pytest.importorskip("torch")
    X, Y = tiny_data
    (row,) = bench.bench_training(X, Y, hidden_sizes=[4], batch_sizes=[128], dtypes=["float64"], repeats=1, peak_n=32)
    assert row.torch_seconds > 0 and row.ratio > 0
    (inference,) = bench.bench_inference(
        {"float32": X["float32"]}, hidden_sizes=[4], dtypes=["float32"], repeats=1, single_repeats=2
    )
    assert inference.torch_batch_seconds > 0 and inference.torch_single_seconds > 0


def test_blas_info_names_the_library():
    assert any(lib.get("user_api") == "blas" for lib in bench.blas_info())
    assert bench.numpy_blas_threads() >= 1


def test_the_command_writes_its_table_and_json(tmp_path, mnist_data):
    out = tmp_path / "bench.json"
    command = [sys.executable, str(ROOT / "scripts" / "bench.py"), "--quick", "--examples", "256", "--hidden", "4",
               "--no-torch", "--repeats", "1", "--json", str(out)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "seconds per epoch over 256 images" in result.stdout
    assert "PyTorch: not used" in result.stdout
    results = json.loads(out.read_text())
    run = results["as_is"]
    assert [(r["hidden"], r["batch_size"], r["dtype"]) for r in run["training"]] == [
        (4, 128, "float32"), (4, 128, "float64"), (4, None, "float32"), (4, None, "float64"),
    ]  # fmt: skip
    assert all(r["numpy_seconds"] > 0 and r["gflops"] > 0 for r in run["training"])
    assert len(run["inference"]) == 2 and run["time_to_accuracy"] == []
    assert set(run["matmul_peak_gflops"]) == {"float32", "float64"}
    assert run["environment"]["blas"] and run["threads"] >= 1


def test_the_child_command_line_drops_the_parents_json():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_cli", ROOT / "scripts" / "bench.py")
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    assert cli.without_json(["--quick", "--json", "a.json", "--hidden", "4"]) == ["--quick", "--hidden", "4"]
    assert cli.without_json(["--json=a.json", "--no-torch"]) == ["--no-torch"]
