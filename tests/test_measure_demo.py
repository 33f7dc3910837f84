"""scripts/measure_demo.py's settings and its floor page (the measurements themselves run in a
browser and belong to the script, not to the tests: no timing is asserted anywhere)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import measure_demo  # noqa: E402


def test_network_conditions_are_read_as_cdp_wants_them():
    conditions = measure_demo.network_conditions("20mbit,40ms")
    assert conditions["downloadThroughput"] == conditions["uploadThroughput"] == 2_500_000  # bytes per second
    assert conditions["latency"] == 40 and conditions["offline"] is False
    assert measure_demo.network_conditions(" 1.5Mbit , 150ms ")["downloadThroughput"] == 187_500


@pytest.mark.parametrize("text", ["20", "20mbit", "40ms,20mbit", "0mbit,40ms", "fast", "20kbit,40ms"])
def test_a_network_that_is_not_bandwidth_and_round_trip_is_refused(text: str):
    with pytest.raises(argparse.ArgumentTypeError, match="like 20mbit,40ms"):
        measure_demo.network_conditions(text)
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "measure_demo.py"), "--network", text],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "argument --network" in result.stderr and "Traceback" not in result.stderr


def test_the_server_sends_the_floor_beside_the_site_and_the_site_gzipped(tmp_path: Path):
    (tmp_path / "app.js").write_text("export const answer = 42;\n" * 100)
    with measure_demo.serve(tmp_path) as url:
        request = urllib.request.Request(url + "app.js", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["Content-Encoding"] == "gzip"
        for name, (kind, text) in measure_demo.FLOOR_FILES.items():
            with urllib.request.urlopen(url + measure_demo.FLOOR_PATH + name, timeout=10) as response:
                assert response.headers["Content-Type"] == kind and response.read().decode() == text
    worker = measure_demo.FLOOR_FILES["worker.js"][1]
    # the floor loads Pyodide from the folder its URL names, then NumPy, and nothing of the page
    assert '"pyodide.mjs"' in worker and 'loadPackage("numpy"' in worker and "import numpy" in worker
    assert "scratchnn" not in worker and "site.json" not in worker
    assert measure_demo.FLOORS == {"stock": "?pyodide=../__stock-pyodide/", "site": "?pyodide=../pyodide/"}


def test_the_stock_floor_s_files_are_served_from_their_own_folder_and_nothing_beside_it(tmp_path: Path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "secret.txt").write_text("the site's")
    (tmp_path / "stock").mkdir()
    (tmp_path / "stock" / "pyodide.mjs").write_text("export const stock = true;\n")
    measure_demo.Handler.stock = tmp_path / "stock"
    try:
        with measure_demo.serve(tmp_path / "site") as url:
            with urllib.request.urlopen(url + measure_demo.STOCK_PATH + "pyodide.mjs", timeout=10) as response:
                assert response.read() == b"export const stock = true;\n"
            for path in ("../secret.txt", "%2e%2e/secret.txt", "sub/pyodide.mjs", ""):
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(url + measure_demo.STOCK_PATH + path, timeout=10)
                assert refused.value.code == 404, path
    finally:
        measure_demo.Handler.stock = None
