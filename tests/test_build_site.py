"""scripts/build_site.py: the static site holds what the page needs, verified, and nothing remote.

Needs web/node_modules (scripts/test.sh runs `npm ci` in web/) and Pyodide's numpy wheel in
../shared/pyodide-0.27.7 or $SCRATCHNN_PYODIDE_WHEELS; CPython only (not run inside Pyodide).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import build_site  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site.build(tmp_path_factory.mktemp("b") / "site", build_site.default_wheels(), cdn=None, quiet=True)


def test_site_has_the_page_pyodide_and_the_weights(site: Path):
    for name in ("index.html", "app.js", "worker.js", "style.css", "favicon.svg", "site.json", "scratchnn.zip"):
        assert (site / name).is_file(), name
    for name in build_site.PYODIDE_CORE:
        assert (site / "pyodide" / name).is_file(), name
    manifest = json.loads((site / "site.json").read_text())
    assert manifest["pyodide"] == "0.27.7"
    assert [m["name"] for m in manifest["models"]] == ["default", "tiny", "best"]
    assert [m["hidden"] for m in manifest["models"]] == [
        json.loads((ROOT / "web" / "weights" / f"{name}.json").read_text())["layers"]["sizes"][1]
        for name in ("default", "tiny", "best")
    ]
    assert manifest["models"][1]["hidden"] == 10  # tiny: the original's architecture
    for model in manifest["models"]:
        assert (site / "weights" / f"{model['name']}.json").read_bytes() == (
            ROOT / "web" / "weights" / f"{model['name']}.json"
        ).read_bytes()


def test_numpy_wheel_matches_pyodide_lock(site: Path):
    lock = json.loads((site / "pyodide" / "pyodide-lock.json").read_text())
    numpy = lock["packages"]["numpy"]
    wheel = site / "pyodide" / numpy["file_name"]
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == numpy["sha256"]


def test_package_zip_is_this_checkout(site: Path):
    manifest = json.loads((site / "site.json").read_text())
    assert hashlib.sha256((site / "scratchnn.zip").read_bytes()).hexdigest() == manifest["package"]["sha256"]
    with zipfile.ZipFile(site / "scratchnn.zip") as archive:
        names = set(archive.namelist())
        for module in ("network.py", "preprocess.py", "page.py", "weights.py"):
            assert archive.read(f"scratchnn/{module}") == (ROOT / "python" / "scratchnn" / module).read_bytes()
    assert names == {f"scratchnn/{p.name}" for p in (ROOT / "python" / "scratchnn").glob("*.py")}


def test_page_files_name_no_other_host(site: Path):
    for path in [*site.glob("*.html"), *site.glob("*.js"), *site.glob("*.css")]:
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", path.read_text()), path.name


def test_a_wheel_with_the_wrong_checksum_stops_the_build(tmp_path: Path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    lock = json.loads((ROOT / "web" / "node_modules" / "pyodide" / "pyodide-lock.json").read_text())
    (wheels / lock["packages"]["numpy"]["file_name"]).write_bytes(b"not numpy")
    with pytest.raises(build_site.BuildError, match="SHA-256"):
        build_site.build(tmp_path / "site", wheels, cdn=None, quiet=True)
    assert not (tmp_path / "site").exists()  # nothing half-built is left behind


def test_a_missing_wheel_without_cdn_says_where_it_looked(tmp_path: Path):
    with pytest.raises(build_site.BuildError, match="not in"):
        build_site.build(tmp_path / "site", tmp_path, cdn=None, quiet=True)


def test_site_has_the_training_subset_listed_with_its_checksum(site: Path):
    """Training in the page: the MNIST subset the worker fetches, as the manifest describes it."""
    from scratchnn import subset

    entry = json.loads((site / "site.json").read_text())["training_data"]
    data = (site / entry["file"]).read_bytes()
    assert entry["file"] == "data/mnist-subset.bin.gz"
    assert (entry["bytes"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    X, Y, X_val, Y_val = subset.read(data)
    assert X.shape == (784, 10_000) and X_val.shape == (784, 1_000) and X.min() >= 0 and X.max() <= 1
    assert (Y.size, Y_val.size) == (entry["n_train"], entry["n_val"]) == (10_000, 1_000)
    assert len(data) < 2_500_000  # small enough to fetch on a phone
