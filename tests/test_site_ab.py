"""benchmarks/site_ab.py refuses what is not a built site and a bad --runs before starting a browser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "site_ab.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "site.json").write_text("{}")
    return tmp_path / "site"


def test_a_folder_without_site_json_is_refused_by_name(tmp_path: Path, site: Path):
    result = run(str(tmp_path / "empty"), str(site))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{tmp_path / 'empty'} is not a built site (no site.json" in result.stderr


@pytest.mark.parametrize("runs", ["0", "101", "-3", "x", "2.5"])
def test_runs_must_be_a_whole_number_from_1_to_100(site: Path, runs: str):
    result = run(str(site), str(site), "--runs", runs)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "must be a whole number from 1 to 100" in result.stderr
