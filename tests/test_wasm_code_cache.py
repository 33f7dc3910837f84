"""benchmarks/wasm_code_cache.py: it reads Chrome's histogram text right, and refuses what is not a
built site before starting a browser."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "wasm_code_cache.py"
spec = importlib.util.spec_from_file_location("wasm_code_cache", SCRIPT)
assert spec and spec.loader
wasm_code_cache = importlib.util.module_from_spec(spec)
spec.loader.exec_module(wasm_code_cache)

# chrome://histograms/V8.WasmCodeCaching as Chromium 156 shows it (inner text), three samples
PAGE = """Histograms
Stats accumulated from browser startup to previous page load; reload to get stats as of this page load.
- Histogram: V8.WasmCodeCaching recorded 3 samples, mean = 0.3 (flags = 0x1) [#]
0  --O                                                                       (2 = 66.7%)
1  -O                                                                        (1 = 33.3%) {66.7%}
2  ...
"""


def test_outcomes_are_read_from_the_bucket_lines():
    assert wasm_code_cache.outcome_counts(PAGE) == {"miss": 2, "hit": 1}
    assert wasm_code_cache.outcome_counts("Histograms\n") == {}  # no compile yet
    no_handler = "3  -O    (1 = 100.0%) {0.0%}\n4  O    (0 = 0.0%) {100.0%}"
    assert wasm_code_cache.outcome_counts(no_handler) == {"no cache handler": 1}


def test_what_a_visit_added():
    assert wasm_code_cache.added({"miss": 2}, {"miss": 2, "hit": 1}) == "hit"
    assert wasm_code_cache.added({}, {"miss": 2}) == "miss x2"
    assert wasm_code_cache.added({"miss": 1}, {"miss": 1}) == "nothing"


def test_a_folder_without_site_json_is_refused_by_name(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "empty")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{tmp_path / 'empty'} is not a built site (no site.json" in result.stderr
