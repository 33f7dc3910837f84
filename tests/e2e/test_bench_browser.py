"""scripts/bench_browser.py runs end to end: the page's epoch next to CPython's, one table, one JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_browser_measures_both_sides_with_the_same_settings(site: Path, tmp_path: Path):
    out = tmp_path / "bench.json"
    command = [sys.executable, str(ROOT / "scripts" / "bench_browser.py"), "--site", str(site),
               "--runs", "16:256", "--epochs", "1", "--json", str(out)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    print(result.stdout)
    assert "16:256 |" in result.stdout and "browser/1 thread" in result.stdout
    results = json.loads(out.read_text())
    browser, cpython, one = (results[side]["runs"]["16:256"] for side in ("browser", "cpython", "cpython_1_thread"))
    for run in (browser, cpython, one):
        assert len(run["epoch_seconds"]) == 1 and run["epoch_seconds"][0] > 0
        assert run["examples_per_second"] == 10_000 / run["median_epoch_seconds"]
    # the same data, settings and seed on both sides: the same network, up to float32 rounding
    assert abs(browser["val_accuracy"] - cpython["val_accuracy"]) <= 0.002
    assert browser["val_accuracy"] > 0.8
    assert "Pyodide 0.27.7" in results["browser"]["page"]
