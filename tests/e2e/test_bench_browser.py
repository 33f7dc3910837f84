"""scripts/bench_browser.py runs end to end: the page's epoch next to TF.js's and CPython's, one table, one JSON."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import bench_browser  # scripts/, on the path through tests/e2e/conftest.py

ROOT = Path(__file__).resolve().parents[2]


def positive_and_finite(value: float) -> bool:
    return isinstance(value, float) and math.isfinite(value) and value > 0


def test_tfjs_is_installed():
    """TF.js comes from benchmarks/tfjs/node_modules (scripts/setup_bench.sh); never a skip."""
    try:
        bench_browser.check_tfjs_installed()
    except SystemExit as error:
        pytest.fail(str(error), pytrace=False)


def test_without_tfjs_the_benchmark_says_to_run_the_setup_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(bench_browser, "TFJS", tmp_path / "tfjs")
    expected = r"^bench_browser: TensorFlow\.js is not installed .*run scripts/setup_bench\.sh"
    with pytest.raises(SystemExit, match=expected):
        bench_browser.check_tfjs_installed()


def test_bench_browser_measures_every_side_with_the_same_settings(site: Path, tmp_path: Path):
    out = tmp_path / "bench.json"
    command = [sys.executable, str(ROOT / "scripts" / "bench_browser.py"), "--site", str(site),
               "--runs", "16:256", "--epochs", "1", "--rounds", "2", "--json", str(out)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    print(result.stdout)
    assert "16:256 |" in result.stdout and "page/TF.js" in result.stdout and "page/1 thread" in result.stdout
    turns = [line.split()[-3] for line in result.stdout.splitlines() if line.startswith("  round ")]
    assert turns == ["page:", "tfjs:", "page:", "tfjs:"]  # the two sides take turns
    results = json.loads(out.read_text())
    page, tfjs = results["browser"]["runs"]["16:256"], results["tfjs"]["runs"]["16:256"]
    cpython, one = results["cpython"]["runs"]["16:256"], results["cpython_1_thread"]["runs"]["16:256"]
    for side in (page, tfjs):
        assert len(side["rounds"]) == 2 and side["examples_per_epoch"] == 10_000
        for run in side["rounds"]:
            assert len(run["epoch_seconds"]) == 1 and positive_and_finite(run["epoch_seconds"][0])
            assert run["examples_per_second"] == 10_000 / run["median_epoch_seconds"]
        assert side["examples_per_second"] == 10_000 / side["median_epoch_seconds"]
    for run in (cpython, one):
        assert len(run["epoch_seconds"]) == 1 and positive_and_finite(run["epoch_seconds"][0])
        assert run["examples_per_second"] == 10_000 / run["median_epoch_seconds"]
    # TF.js: 4.22 on WebAssembly with SIMD, the SIMD binary the one it loaded, no tensor left behind by a run
    backend = results["tfjs"]["backend"]
    assert backend["version"] == "4.22.0" and backend["backend"] == "wasm" and backend["simd"] is True
    assert "tfjs-backend-wasm-simd.wasm" in backend["wasm_files"]
    assert len({run["tensors_left"] for run in tfjs["rounds"]}) == 1
    versus = results["comparison"]["16:256"]
    assert versus["page_over_tfjs"] == page["examples_per_second"] / tfjs["examples_per_second"]
    by_round = versus["page_over_tfjs_by_round"]
    assert len(by_round) == 2 and all(map(positive_and_finite, by_round))
    # the same data, starting parameters, batches and seed on every side: the same network, up to float32 rounding
    assert abs(page["val_accuracy"] - cpython["val_accuracy"]) <= 0.002
    assert abs(page["val_accuracy"] - tfjs["val_accuracy"]) <= 0.01
    assert page["val_accuracy"] > 0.8
    assert "Pyodide 0.27.7" in results["browser"]["page"]
