"""scripts/build_site.py: the static site holds what the page needs, verified, and nothing remote.

Needs web/node_modules (scripts/test.sh runs `npm ci` in web/) and Pyodide's numpy wheel in
../shared/pyodide-0.27.7 or $SCRATCHNN_PYODIDE_WHEELS; CPython only (not run inside Pyodide).
"""

from __future__ import annotations

import _imp
import base64
import hashlib
import json
import os
import re
import stat
import subprocess
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
        for module in ("network.py", "preprocess.py", "browser/page.py", "weights.py"):
            assert archive.read(f"scratchnn/{module}") == (ROOT / "python" / "scratchnn" / module).read_bytes()
    package = ROOT / "python" / "scratchnn"
    every_module = {f"scratchnn/{p.relative_to(package).as_posix()}" for p in package.rglob("*.py")}
    assert names <= every_module
    # the page's modules, and no more: nothing the worker does not import
    assert {"scratchnn/browser/__init__.py", "scratchnn/browser/trainer.py", "scratchnn/fast.py"} <= names
    assert {"scratchnn/plots.py"} & names == set()


def test_page_files_name_no_other_host(site: Path):
    for path in [*site.glob("*.html"), *site.glob("*.js"), *site.glob("*.css")]:
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", path.read_text()), path.name


def test_a_wheel_with_the_wrong_checksum_stops_the_build(tmp_path: Path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    lock = json.loads((ROOT / "web" / "node_modules" / "pyodide" / "pyodide-lock.json").read_text())
    (wheels / lock["packages"]["numpy"]["file_name"]).write_bytes(b"not numpy")
    with pytest.raises(build_site.BuildError, match="SHA-256 .* but build_site.py pins"):
        build_site.build(tmp_path / "site", wheels, cdn=None, quiet=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wheels"]  # nothing half-built is left behind


def test_a_missing_wheel_without_cdn_says_where_it_looked(tmp_path: Path):
    with pytest.raises(build_site.BuildError, match="not in"):
        build_site.build(tmp_path / "site", tmp_path, cdn=None, quiet=True)


def test_site_has_the_training_subset_listed_with_its_checksum(site: Path):
    """Training in the page: the MNIST subset the worker fetches, as the manifest describes it."""
    from scratchnn.browser import subset

    entry = json.loads((site / "site.json").read_text())["training_data"]
    data = (site / entry["file"]).read_bytes()
    assert entry["file"] == "data/mnist-subset.bin.gz"
    assert (entry["bytes"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    X, Y, X_val, Y_val = subset.read(data)
    assert X.shape == (784, 10_000) and X_val.shape == (784, 1_000) and X.min() >= 0 and X.max() <= 1
    assert (Y.size, Y_val.size) == (entry["n_train"], entry["n_val"]) == (10_000, 1_000)
    assert len(data) < 2_500_000  # small enough to fetch on a phone


def test_site_json_lists_every_file_the_worker_loads_with_its_sha256(site: Path):
    """The worker checks each file it fetches against these: the package, every network, the data."""
    manifest = json.loads((site / "site.json").read_text())
    entries = [manifest["package"], *manifest["models"], manifest["training_data"]]
    assert [m["file"] for m in manifest["models"]] == ["weights/default.json", "weights/tiny.json", "weights/best.json"]
    for entry in entries:
        data = (site / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), entry["file"]
    for model in manifest["models"]:
        assert model["bytes"] == (site / model["file"]).stat().st_size
    from scratchnn import weights

    assert manifest["weights_limits"] == {"max_bytes": weights.MAX_FILE_BYTES, "max_hidden": weights.MAX_HIDDEN}


# --- Pyodide: every file the site ships has the SHA-256 pinned in build_site.py ---


def test_every_pyodide_file_the_site_ships_is_pinned_or_slimmed_and_listed(site: Path):
    """Pyodide's own files as pinned; the slimmed ones (made from pinned originals) as site.json says."""
    shipped = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in (site / "pyodide").iterdir()}
    slim = json.loads((site / "site.json").read_text())["pyodide_slim"]
    wheels = [n for n in shipped if n.endswith(".whl")]
    assert set(slim) == {"python_stdlib.zip", "pyodide-lock.json", "after-ready.zip", *wheels}
    assert shipped == {**build_site.PYODIDE_SHA256, **slim}
    for name in set(slim) - {"after-ready.zip"}:  # made from the stock files, it has no pin of its own
        assert slim[name] != build_site.PYODIDE_SHA256[name], f"{name} was not slimmed"
    assert set(build_site.PYODIDE_CORE) < set(shipped)


@pytest.mark.parametrize("name", build_site.PYODIDE_CORE)
def test_a_tampered_pyodide_core_file_stops_the_build_naming_it(tmp_path: Path, name: str):
    """A copy of web/node_modules/pyodide with one file changed by one byte (the rest linked)."""
    npm = ROOT / "web" / "node_modules" / "pyodide"
    tampered = tmp_path / "pyodide"
    tampered.mkdir()
    for path in npm.iterdir():
        (tampered / path.name).symlink_to(path)
    (tampered / name).unlink()
    data = bytearray((npm / name).read_bytes())
    data[len(data) // 2] ^= 1
    (tampered / name).write_bytes(bytes(data))
    (tmp_path / "out").mkdir()
    with pytest.raises(build_site.BuildError, match=rf"^{re.escape(name)} from .*: SHA-256 [0-9a-f]{{64}}, but"):
        build_site.copy_pyodide_core(tampered, tmp_path / "out")


def test_a_file_with_no_pin_is_refused(tmp_path: Path):
    path = tmp_path / "numpy-9.9.9-cp312-cp312-pyodide_2024_0_wasm32.whl"
    path.write_bytes(b"a wheel the pins do not know")
    with pytest.raises(build_site.BuildError, match="no SHA-256 pinned"):
        build_site.check_pinned(path, str(tmp_path))


# --- the output folder: replaced only when it is new, empty or a previous build ---


def build_quietly(out: Path) -> Path:
    return build_site.build(out, build_site.default_wheels(), cdn=None, quiet=True)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` (itself included) with its bytes (None for a folder)."""
    paths = [folder, *folder.rglob("*")]
    return {str(p.relative_to(folder.parent)): None if p.is_dir() else p.read_bytes() for p in paths}


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = build_site.main([*argv, "--no-cdn"])
    return code, capsys.readouterr().err


def test_a_folder_holding_a_users_file_is_left_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.txt").write_text("three years of work")
    before = snapshot(tmp_path)
    code, err = run_main(["--out", str(out)], capsys)
    assert code == 1
    assert err == (
        f"build_site: error: {out} holds files and is not a site built by build_site.py (it has no "
        ".scratchnn-site file): nothing was changed; give --out a new or empty folder, or remove this one yourself\n"
    )
    assert snapshot(tmp_path) == before  # nothing changed, and no staging folder left beside it


def test_out_dot_in_a_checkout_deletes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """The reported case: `build_site.py --out .` run in a checkout deleted the checkout."""
    checkout = tmp_path / "checkout"
    for name, text in {".git/HEAD": "ref: refs/heads/main\n", "README.md": "# x\n", "python/a.py": "x = 1\n"}.items():
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        (checkout / name).write_text(text)
    (checkout / "_site").mkdir()  # even holding an (unmarked) folder with the default name
    before = snapshot(tmp_path)
    monkeypatch.chdir(checkout)
    for out in (".", "..", str(checkout), "python"):
        code, err = run_main(["--out", out], capsys)
        assert code == 1 and err.startswith("build_site: error: ") and "nothing was changed" in err, out
        assert err.count("\n") == 1 and "Traceback" not in err
    assert snapshot(tmp_path) == before


def test_a_file_at_out_is_left_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "site"
    out.write_text("not a folder")
    code, err = run_main(["--out", str(out)], capsys)
    assert (code, err) == (
        1,
        f"build_site: error: {out} is a file, not a folder: nothing was changed; give --out a new or empty folder\n",
    )
    assert out.read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_fifo_at_out_is_refused(tmp_path: Path):
    out = tmp_path / "site"
    os.mkfifo(out)
    with pytest.raises(build_site.BuildError, match="is a file, not a folder"):
        build_quietly(out)
    assert stat.S_ISFIFO(out.lstat().st_mode)


def test_a_symlink_at_out_is_refused_even_to_a_previous_build(tmp_path: Path):
    built = build_quietly(tmp_path / "built")
    before = snapshot(built)
    link = tmp_path / "link"
    link.symlink_to(built, target_is_directory=True)
    with pytest.raises(build_site.BuildError, match="is a symbolic link: nothing was changed"):
        build_quietly(link)
    assert link.is_symlink() and snapshot(built) == before


def test_a_previous_build_is_replaced_whole(tmp_path: Path):
    out = build_quietly(tmp_path / "site")
    assert (out / build_site.MARKER).read_text() == build_site.MARKER_TEXT
    (out / "left-over.txt").write_text("from an older build")
    (out / "weights" / "retired.json").write_text("{}")
    assert build_quietly(out) == out
    assert not (out / "left-over.txt").exists() and not (out / "weights" / "retired.json").exists()
    assert (out / "site.json").is_file() and (out / build_site.MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no staging or moved-aside folder


def test_an_empty_folder_is_used(tmp_path: Path):
    out = tmp_path / "site"
    out.mkdir()
    assert build_quietly(out) == out
    assert (out / "index.html").is_file() and (out / build_site.MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_relative_out_is_built_where_it_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert build_quietly(Path("deep") / "site") == tmp_path / "deep" / "site"
    assert (tmp_path / "deep" / "site" / "site.json").is_file()


def dead_pid() -> int:
    """The id of a process that has ended (a child, started and waited for)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_killed_builds_staging_folders_are_removed_and_nothing_else(tmp_path: Path):
    dead = dead_pid()
    stale = [tmp_path / f".site.{dead}.abcd_123", tmp_path / f".site.{dead}.efgh_456-previous"]
    unmarked = tmp_path / f".site.{dead}.ijkl_789"  # not ours: no marker
    running = tmp_path / f".site.{os.getpid()}.mnop_012"  # a build still running (this process)
    other = tmp_path / f".site.v2.{dead}.qrst_345"  # the staging of another folder, ".site.v2"
    for folder in [*stale, unmarked, running, other]:
        folder.mkdir()
        (folder / "index.html").write_text("half a site")
    for folder in [*stale, running, other]:
        (folder / build_site.MARKER).write_text(build_site.MARKER_TEXT)
    build_quietly(tmp_path / "site")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (tmp_path / "site", unmarked, running, other)
    )


def test_a_failed_build_leaves_the_previous_build_and_no_staging(tmp_path: Path):
    out = build_quietly(tmp_path / "site")
    before = snapshot(out)
    with pytest.raises(build_site.BuildError, match="not in"):
        build_site.build(out, tmp_path / "no-wheels", cdn=None, quiet=True)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


# --- works offline (issue 15): site.json's "files" and "version", which web/sw.js reads ---


def test_site_json_lists_every_file_of_the_site_with_its_sha256_and_a_version(site: Path):
    manifest = json.loads((site / "site.json").read_text())
    on_disk = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert sorted(manifest["files"]) == [name for name in on_disk if name not in ("site.json", build_site.MARKER)]
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((site / name).read_bytes()).hexdigest() == digest, name
    assert {"sw.js", "offline.js", "index.html", "pyodide/pyodide.asm.wasm", "data/mnist-subset.bin.gz"} <= set(
        manifest["files"]
    )
    assert re.fullmatch(re.escape(manifest["scratchnn"]) + r"\+[0-9a-f]{12}", manifest["version"])
    assert manifest["version"] == build_site.site_version(manifest["files"])


def test_the_version_changes_exactly_when_a_file_of_the_site_does(site: Path, tmp_path: Path):
    files = json.loads((site / "site.json").read_text())["files"]
    version = build_site.site_version(files)
    assert build_site.site_version(dict(reversed(list(files.items())))) == version  # order does not matter
    assert build_site.site_version({**files, "style.css": "0" * 64}) != version  # one file's bytes
    renamed = {("style2.css" if k == "style.css" else k): v for k, v in files.items()}
    assert build_site.site_version(renamed) != version  # one file's name
    # write_manifest recomputes both from the folder: a changed file gives a new version.
    folder = tmp_path / "copy"
    folder.mkdir()
    (folder / "a.js").write_text("one")
    first = build_site.write_manifest(folder, {"scratchnn": "9.9"})
    (folder / "a.js").write_text("two")
    second = build_site.write_manifest(folder, {"scratchnn": "9.9"})
    assert first["files"].keys() == second["files"].keys() == {"a.js"}
    assert first["version"] != second["version"] == build_site.site_version(second["files"])
    assert json.loads((folder / "site.json").read_text()) == second


# --- ship less (issue 15): the slim standard library, NumPy wheel and lock file ---


def test_the_slim_files_are_the_same_bytes_every_build(site: Path, tmp_path: Path):
    again = tmp_path / "again"
    build_site.write_pyodide(again, build_site.default_wheels(), None)
    for name in ("python_stdlib.zip", "pyodide-lock.json", WHEEL, "after-ready.zip"):
        assert (again / name).read_bytes() == (site / "pyodide" / name).read_bytes(), name


WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"


def test_the_lock_holds_numpy_alone_with_the_slim_wheel_s_sha256(site: Path):
    lock = json.loads((site / "pyodide" / "pyodide-lock.json").read_text())
    assert list(lock["packages"]) == ["numpy"] and lock["info"]["version"] == "0.27.7"
    numpy = lock["packages"]["numpy"]
    assert numpy["file_name"] == WHEEL and numpy["depends"] == []
    assert numpy["sha256"] == hashlib.sha256((site / "pyodide" / WHEEL).read_bytes()).hexdigest()


def test_the_slim_wheel_keeps_every_recorded_numpy_module_and_drops_the_unused_parts(site: Path):
    import slim_pyodide

    with zipfile.ZipFile(site / "pyodide" / WHEEL) as wheel:
        names = wheel.namelist()
        record = wheel.read("numpy-2.0.2.dist-info/RECORD").decode().splitlines()
        contents = {name: wheel.read(name) for name in names}
    modules = {slim_pyodide.module_name(name) for name in names}
    recorded = {m for m in slim_pyodide.recorded_modules() if m == "numpy" or m.startswith("numpy.")}
    first = slim_pyodide.recorded_modules(slim_pyodide.FIRST_IMPORTS)
    assert recorded & first <= modules  # the others come after ready
    assert {"numpy.linalg._umath_linalg", "numpy._core._multiarray_umath"} <= modules
    assert not any(name.startswith(("numpy/random/", "numpy/testing/")) for name in names)  # in after-ready.zip
    for gone in ("numpy/f2py/", "numpy/fft/", "numpy/polynomial/", "numpy/ma/", "numpy/_core/include/", "/tests/"):
        assert not any(gone in "/" + name for name in names), gone
    assert not any(name.endswith((".pyi", ".pxd")) for name in names)
    assert {"numpy.linalg.lapack_lite", "numpy._core._rational_tests", "numpy.f2py"} & modules == set()
    # RECORD lists exactly the files left, each with its SHA-256 and size (the wheel format)
    listed = {line.split(",")[0]: line.split(",")[1:] for line in record}
    assert set(listed) == set(names)
    # NumPy's modules are .pyc compiled from the stock wheel's sources (scripts/pyc.py)
    with zipfile.ZipFile(build_site.default_wheels() / WHEEL) as stock:
        for name in [n for n in names if n.endswith(".py") or n.endswith(".pyc")]:
            assert name.endswith(".pyc") and compiled_from(contents[name], stock.read(name[:-1])), name
    for name, data in contents.items():
        if not name.endswith("RECORD"):
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert listed[name] == [f"sha256={digest}", str(len(data))], name


PYTHON_312_MAGIC = b"\xcb\r\r\n"  # the .pyc magic number of every Python 3.12 (Pyodide 0.27.7's: 3.12.7)


def compiled_from(pyc: bytes, source: bytes) -> bool:
    """Whether ``pyc`` is a Python 3.12 .pyc with an unchecked-hash header (scripts/pyc.py) made from
    ``source``: its hash is the one Python 3.12 gives that source (keyed by its magic number)."""
    key = int.from_bytes(PYTHON_312_MAGIC, "little")
    return pyc[:8] == PYTHON_312_MAGIC + (1).to_bytes(4, "little") and pyc[8:16] == _imp.source_hash(key, source)


def test_the_slim_stdlib_is_the_recorded_modules_compiled_from_the_stock_zip(site: Path, tmp_path: Path):
    """Every module is a .pyc compiled from the stock zip's source (no source shipped: the page never
    compiles the standard library); every other file is as Pyodide ships it."""
    import slim_pyodide

    stock = tmp_path / "stock"
    build_site.write_pyodide(stock, build_site.default_wheels(), None, slim=False)
    with zipfile.ZipFile(stock / "python_stdlib.zip") as z:
        everything = {name: z.read(name) for name in z.namelist() if not name.endswith("/")}
    with zipfile.ZipFile(site / "pyodide" / "python_stdlib.zip") as z:
        slim = {name: z.read(name) for name in z.namelist()}
        assert {info.date_time for info in z.infolist()} == {slim_pyodide.DATE}
    assert not any(name.endswith(".py") for name in slim)
    for name, data in slim.items():
        assert compiled_from(data, everything[name[:-1]]) if name.endswith(".pyc") else data == everything[name], name
    modules = {slim_pyodide.module_name(name) for name in slim}
    stdlib = {slim_pyodide.module_name(name) for name in everything}
    assert slim_pyodide.recorded_modules(slim_pyodide.FIRST_IMPORTS) & stdlib <= modules  # the rest after ready
    assert {"json", "asyncio", "zipfile", "inspect", "encodings.utf_8"} <= modules
    assert {"xmlrpc.client", "multiprocessing", "tkinter", "sqlite3"} & modules == set()
    assert len(slim) < len(everything) / 2


def test_slimming_something_that_is_not_pyodide_is_refused_with_a_message(tmp_path: Path):
    import slim_pyodide

    not_numpy = tmp_path / "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
    with zipfile.ZipFile(not_numpy, "w") as z:
        z.writestr("something/else.py", "")
    with pytest.raises(slim_pyodide.SlimError, match="is not NumPy's wheel"):
        slim_pyodide.slim_wheel(not_numpy, tmp_path / "out.whl", {"numpy"})
    with pytest.raises(slim_pyodide.SlimError, match="holds none of the recorded modules"):
        slim_pyodide.slim_stdlib(not_numpy, tmp_path / "out.zip", {"json"})


# --- after ready: what the page imports only later comes in an archive of its own ---


def after_ready(site: Path) -> tuple[dict, dict[str, bytes]]:
    entry = json.loads((site / "site.json").read_text())["after_ready"]
    with zipfile.ZipFile(site / entry["file"]) as archive:
        import slim_pyodide

        assert {info.date_time for info in archive.infolist()} == {slim_pyodide.DATE}
        return entry, {name: archive.read(name) for name in archive.namelist()}


def test_after_ready_is_an_archive_listed_with_its_sha256_and_the_modules_it_brings(site: Path):
    """site.json's after_ready names the archive, its SHA-256 and size (the worker checks them)
    and its modules; it holds numpy.random and numpy.testing as the stock wheel does, and the
    standard library's modules first imported after ready (the tests') as the stock zip does."""
    import slim_pyodide

    entry, files = after_ready(site)
    data = (site / entry["file"]).read_bytes()
    assert entry["file"] == "pyodide/after-ready.zip"
    assert (entry["sha256"], entry["bytes"]) == (hashlib.sha256(data).hexdigest(), len(data))
    stock = {}
    with zipfile.ZipFile(build_site.default_wheels() / WHEEL) as wheel:
        stock |= {name: wheel.read(name) for name in wheel.namelist()}
    with zipfile.ZipFile(ROOT / "web" / "node_modules" / "pyodide" / "python_stdlib.zip") as z:
        stock |= {name: z.read(name) for name in z.namelist()}
    assert all(stock[name] == files[name] for name in files)  # each file as Pyodide ships it
    assert {"numpy.random", "numpy.testing", "unittest", "argparse"} <= set(entry["modules"])
    assert entry["modules"] == slim_pyodide.roots(files, slim_pyodide.recorded_modules(slim_pyodide.FIRST_IMPORTS))
    modules = {slim_pyodide.module_name(name) for name in files}
    assert {"numpy.random._generator", "numpy.random._pcg64", "numpy.random.mtrand", "unittest.mock"} <= modules
    assert not any(name.endswith((".pyi", ".pxd")) or "/tests/" in name or "/_examples/" in name for name in files)


def test_every_recorded_module_ships_once_before_or_after_ready(site: Path):
    """The recorded modules imported before ready are in the standard library zip or the wheel,
    the others in after-ready.zip (a submodule of a package already imported stays with it), and
    no file is in two of them."""
    import slim_pyodide

    _, later = after_ready(site)
    with zipfile.ZipFile(site / "pyodide" / WHEEL) as wheel, zipfile.ZipFile(site / "pyodide/python_stdlib.zip") as z:
        before = set(wheel.namelist()) | set(z.namelist())
    assert before.isdisjoint(later)
    first = slim_pyodide.recorded_modules(slim_pyodide.FIRST_IMPORTS)
    shipped_before = {slim_pyodide.module_name(name) for name in before}
    shipped_later = {slim_pyodide.module_name(name) for name in later}
    assert first <= shipped_before
    for name in slim_pyodide.recorded_modules() - first:
        assert name in shipped_later or name.split(".")[0] in {m.split(".")[0] for m in first}, name
        assert name in shipped_later | shipped_before, name
    assert {"importlib.resources.readers", "encodings.unicode_escape"} <= shipped_before  # their packages: first


def test_the_first_answers_import_nothing_of_after_ready(site: Path):
    """What the worker answers before after-ready.zip is unpacked (a network, a drawing, an input:
    its FIRST_ANSWERS) imports none of its modules, in a fresh CPython (the Pyodide run checks it
    there, before it unpacks the archive)."""
    modules = json.loads((site / "site.json").read_text())["after_ready"]["modules"]
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "pyodide" / "first_answers.py"), str(ROOT), *modules],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "need none of after-ready.zip" in result.stdout


def test_the_worker_waits_for_after_ready_except_for_the_first_answers():
    """worker.js lets exactly model, predict and predict-input through before after-ready.zip is
    unpacked (first_answers.py checks those need none of it); the rest waits."""
    source = (ROOT / "web" / "worker.js").read_text()
    match = re.search(r"const FIRST_ANSWERS = new Set\((\[[^\]]*\])\);", source)
    assert match is not None
    assert json.loads(match[1]) == ["model", "predict", "predict-input"]
