"""Assemble the static demo site: the page, the scratchnn package, the weights and Pyodide.

    .venv/bin/python scripts/build_site.py                 # -> _site/
    .venv/bin/python scripts/build_site.py --out /tmp/site --wheels ../shared/pyodide-0.27.7

What goes in (and where from):

- ``index.html``, ``style.css``, the page's ES modules, ``worker.js``, ``favicon.svg``: web/, as is;
- ``scratchnn.zip``: the package's .py files from python/scratchnn/, zipped now, so the page
  always runs the Python in this checkout (the worker unpacks it into Pyodide's file system);
- ``weights/<name>.json``: web/weights/, each validated with ``weights.load`` first;
- ``pyodide/``: Pyodide's core from the npm package ``pyodide@0.27.7`` (web/node_modules/pyodide,
  installed by ``npm ci`` in web/) plus the numpy wheel. The wheel comes from the folder given
  by ``--wheels`` / ``$SCRATCHNN_PYODIDE_WHEELS`` (default ``../shared/pyodide-0.27.7`` beside
  the checkout) when it holds the file, otherwise from the Pyodide CDN (``--cdn``, which is how
  the GitHub Pages workflow gets it). Every Pyodide file is checked against the SHA-256 pinned
  below (``PYODIDE_SHA256``), or the build stops;
- ``site.json``: the manifest the worker reads first: the package, the models and the training
  data, each with its SHA-256 (the worker checks every file it fetches against it), the limits
  of a weights upload, versions, and (for the service worker, web/sw.js) every file of the site with its
  SHA-256 ("files") and the site's version ("version": the package version + a short hash of those);
- ``.scratchnn-site``: the marker that says "this folder is a site build" (see below).

Every URL in the site is relative, so the page makes no request to any other host and works
offline once served.

The output folder is replaced whole, so it must be new, empty, or a previous build (it holds the
marker file); anything else (a folder with other files in it, a file, a symbolic link) is refused
and left as it is. The site is built in a staging folder beside it (``.NAME.PID.*``, also marked)
and renamed into place; the staging folders of a build that was killed are removed by the next.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

import slim_pyodide  # noqa: E402  (beside this file)
from scratchnn import __version__, mnist, weights  # noqa: E402
from scratchnn.browser import subset  # noqa: E402

PYODIDE_VERSION = "0.27.7"
PYODIDE_CORE = (
    "pyodide.mjs",  # the ES module that the (module) worker imports loadPyodide from
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
PYODIDE_PACKAGES = ("numpy",)  # what the worker loads with loadPackage; numpy depends on nothing else
# The SHA-256 of every Pyodide file the site ships: the core as npm's pyodide@0.27.7 holds it
# (web/package-lock.json pins that package's tarball), numpy's wheel as the Pyodide CDN serves it
# (its SHA-256 is also the one in that pyodide-lock.json). A new Pyodide version needs new pins:
# `sha256sum` the files of the new npm package and the wheel, and check them against the release.
PYODIDE_SHA256 = {
    "pyodide.mjs": "04c052c815abb0bf2981fa38c2dfa58e3120ee5288c956df2b2a15e301782c5f",
    "pyodide.asm.js": "6b4c90de5b7172873f04f21884d0e9d2274e305fe32116558fe3e4fbe3618d51",
    "pyodide.asm.wasm": "a50dd1843f805a0b7c45b61037ee0d7b26dfe85efe0e18ef95a34ad24e401f5f",
    "python_stdlib.zip": "16611534726e5d8ac2bd8f926410b2dcb8d6f49aa24913463533b457a2115c16",
    "pyodide-lock.json": "9c45b916001a750f4102fc287494f3eab215909c7535c626a20db80fd6333e2c",
    "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl": (
        "ebb61241d962b98b21597d7ce43b67668a6d5bab3acec4fbe958657320d7cd08"
    ),
}
CDN = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
PAGE_FILES = ("index.html", "style.css", "favicon.svg", "worker.js")
MODELS = {  # the page's model picker, in order: name -> what it is (the size is read from the file)
    "default": "trained on warped digits, robust to how people draw",
    "tiny": "the original's size",
    "best": "the most accurate on MNIST's test set (1.7 MB, loaded when picked)",
}


MARKER = ".scratchnn-site"  # in every site build (and staging folder): the folder may be replaced whole
MARKER_TEXT = (
    "This folder is a site built by ScratchNN's scripts/build_site.py.\n"
    "The next build deletes and replaces the whole folder: keep nothing of yours in it.\n"
)


class BuildError(RuntimeError):
    """The site cannot be built; the message says why and what to do."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_page(web: Path, out: Path) -> None:
    """The page's own files: HTML, CSS, the worker and every ES module (*.js) in web/."""
    names = set(PAGE_FILES) | {p.name for p in web.glob("*.js")} | {p.name for p in web.glob("*.css")}
    for name in sorted(names):
        if not (web / name).is_file():
            raise BuildError(f"web/{name} is missing")
        shutil.copy2(web / name, out / name)


PAGE_PACKAGE = "scratchnn.browser"  # what the worker imports; the zip holds it and what it imports

# Run in a fresh interpreter: which files of the package do PAGE_PACKAGE and every name the worker
# calls from it load? (scratchnn.browser imports each module on first use: all of them here.)
WHAT_THE_PAGE_IMPORTS = """
import json, sys
sys.path.insert(0, sys.argv[1])
import scratchnn.browser
for name in scratchnn.browser.__all__:
    getattr(scratchnn.browser, name)
names = [name for name in sys.modules if name == "scratchnn" or name.startswith("scratchnn.")]
print(json.dumps(sorted(sys.modules[name].__file__ for name in names)))
"""


def page_modules(python_dir: Path) -> list[Path]:
    """The package's .py files that the page imports (scratchnn.browser and what it imports, no
    more: not the plots, the download code's callers or anything else CPython-only)."""
    try:
        return [Path(name) for name in slim_pyodide.import_probe(WHAT_THE_PAGE_IMPORTS, python_dir)]
    except slim_pyodide.SlimError as error:
        raise BuildError(str(error)) from None


def zip_package(source: Path, target: Path) -> str:
    """The modules the page imports (see page_modules) from python/scratchnn/ -> a zip holding them
    under scratchnn/ (folders kept); returns its SHA-256."""
    root = source.parent
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(page_modules(root)):
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())  # fixed dates: the same source gives the same zip
    return sha256(target)


def copy_weights(source: Path, out: Path) -> list[dict]:
    """Copy and validate web/weights/<model>.json; return the models for the manifest, each with
    its file's SHA-256 and size (the worker checks the file against them)."""
    (out / "weights").mkdir()
    models = []
    for name, label in MODELS.items():
        target = out / "weights" / f"{name}.json"
        if not (source / target.name).is_file():
            raise BuildError(f"web/weights/{target.name} is missing")
        shutil.copy2(source / target.name, target)
        try:
            params, metadata = weights.load(target)  # the copy: what the site ships is what was checked
        except weights.WeightsError as error:
            raise BuildError(f"web/weights/{target.name}: {error}") from error
        models.append(
            {
                "name": name,
                "label": f"{int(params['W1'].shape[0])} hidden units: {label}",
                "hidden": int(params["W1"].shape[0]),
                "test_accuracy": metadata.get("test_accuracy"),
                "file": f"weights/{target.name}",
                "sha256": sha256(target),
                "bytes": target.stat().st_size,
            }
        )
    return models


def check_pinned(path: Path, origin: str) -> None:
    """``path`` (a copied Pyodide file) must have the SHA-256 pinned for its name; ``origin`` is
    where it came from, for the message."""
    expected = PYODIDE_SHA256.get(path.name)
    if expected is None:
        raise BuildError(f"{path.name} (from {origin}) has no SHA-256 pinned in build_site.py's PYODIDE_SHA256")
    actual = sha256(path)
    if actual != expected:
        raise BuildError(
            f"{path.name} from {origin}: SHA-256 {actual}, but build_site.py pins {expected} "
            f"for Pyodide {PYODIDE_VERSION}; the file is damaged or not Pyodide's own"
        )


def copy_pyodide_core(npm_package: Path, out: Path) -> dict:
    """Pyodide's core files from the npm package; returns its lock file (parsed)."""
    manifest = npm_package / "package.json"
    if not manifest.is_file():
        raise BuildError(f"{npm_package} not found: run `npm ci` in web/ (scripts/test.sh and demo.sh do)")
    version = json.loads(manifest.read_text())["version"]
    if version != PYODIDE_VERSION:
        raise BuildError(f"{npm_package} is Pyodide {version}, expected {PYODIDE_VERSION}: run `npm ci` in web/")
    for name in PYODIDE_CORE:
        if not (npm_package / name).is_file():
            raise BuildError(f"{npm_package / name} is missing: run `npm ci` in web/")
        shutil.copy2(npm_package / name, out / name)
        check_pinned(out / name, str(npm_package))
    return json.loads((out / "pyodide-lock.json").read_text())


def fetch_wheel(file_name: str, wheels: Path, cdn: str | None, target: Path) -> str:
    """Put ``file_name`` at ``target`` from the local folder, else the CDN; check its pinned
    SHA-256. Returns where it came from."""
    local = wheels / file_name
    if local.is_file():
        shutil.copyfile(local, target)  # not copy2: the source folder may be read-only
        origin = str(local)
    elif cdn:
        try:
            with urllib.request.urlopen(cdn + file_name, timeout=60) as response, target.open("wb") as f:
                shutil.copyfileobj(response, f)
        except OSError as error:
            raise BuildError(
                f"{file_name}: not in {wheels} and the CDN is not reachable ({error}); "
                "give a folder that holds it with --wheels or $SCRATCHNN_PYODIDE_WHEELS"
            ) from error
        origin = cdn + file_name
    else:
        raise BuildError(f"{file_name}: not in {wheels}, and --no-cdn was given")
    check_pinned(target, origin)
    return origin


def write_pyodide(folder: Path, wheels: Path, cdn: str | None, slim: bool = True, quiet: bool = True) -> dict:
    """Pyodide as the site ships it, in the new folder ``folder``: the core and the wheels of
    PYODIDE_PACKAGES, each checked against its pinned SHA-256, then (``slim``) the standard
    library, the wheels and the lock file replaced by their slim versions (scripts/slim_pyodide.py:
    only what the page and the package's tests import). Returns the slim files' SHA-256s (by name;
    empty when not ``slim``). tests/pyodide/run_tests.mjs loads the same files (slim_pyodide index)."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = copy_pyodide_core(ROOT / "web" / "node_modules" / "pyodide", folder)
    for name in PYODIDE_PACKAGES:
        file_name = lock["packages"][name]["file_name"]
        origin = fetch_wheel(file_name, wheels, cdn, folder / file_name)
        if not quiet:
            print(f"build_site: {file_name} from {origin} (SHA-256 verified)")
    if not slim:
        return {}
    try:
        return slim_pyodide.slim_pyodide(folder, PYODIDE_PACKAGES)
    except (slim_pyodide.SlimError, zipfile.BadZipFile, KeyError, OSError) as error:
        raise BuildError(f"cannot slim Pyodide's files in {folder}: {error}") from error


def after_ready_entry(site: Path, slim: dict) -> dict | None:
    """site.json's "after_ready": the archive of the modules the page imports only after it is
    ready (slim_pyodide.py, after_ready), which the worker fetches then and unpacks into
    site-packages, with its SHA-256 and size (the worker checks it) and the modules it brings
    ("numpy.random", "unittest"...); None for a site with Pyodide's stock files."""
    name = slim_pyodide.AFTER_READY_ARCHIVE
    if name not in slim:
        return None
    folder = site / "pyodide"
    before = set()
    for shipped in [n for n in slim if n.endswith((".whl", "python_stdlib.zip"))]:
        with zipfile.ZipFile(folder / shipped) as archive:
            before |= {m for m in map(slim_pyodide.module_name, archive.namelist()) if m}
    with zipfile.ZipFile(folder / name) as archive:
        modules = slim_pyodide.roots(dict.fromkeys(archive.namelist(), b""), before)
    size = (folder / name).stat().st_size
    return {"file": f"pyodide/{name}", "sha256": slim[name], "bytes": size, "modules": modules}


# --- training in the page (issue 4): the MNIST subset the worker trains on ---
SUBSET_FILE = "data/mnist-subset.bin.gz"
SUBSET_TRAIN = 10_000  # plus MNIST's 1,000 held-out validation images (see scratchnn.browser.subset)


def write_subset(out: Path, n_train: int = SUBSET_TRAIN) -> dict:
    """``data/mnist-subset.bin.gz`` from the real (verified) MNIST files; returns its manifest entry.

    The file is built once and kept in ``.cache/``, keyed by the code that makes it (MNIST itself
    is fixed: read_raw only accepts the published files)."""
    code = b"".join((ROOT / "python" / "scratchnn" / name).read_bytes() for name in ("browser/subset.py", "mnist.py"))
    key = hashlib.sha256(code + str(n_train).encode()).hexdigest()[:16]
    cached = ROOT / ".cache" / f"mnist-subset-{key}.bin.gz"
    if cached.is_file():
        data = cached.read_bytes()
    else:
        try:
            data = subset.build(mnist.read_raw(), n_train=n_train)
        except (OSError, ValueError, mnist.MnistError) as error:
            raise BuildError(f"cannot build the MNIST subset for training in the page: {error}") from error
        cached.parent.mkdir(exist_ok=True)
        cached.write_bytes(data)
    target = out / SUBSET_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    subset.decode(data)  # the file the page gets reads back (header, counts, checksum)
    return {"file": SUBSET_FILE, "sha256": sha256(target), "bytes": len(data), "n_train": n_train, "n_val": 1000}


# --- end of training in the page ---


def git_commit() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return None
    return result.stdout.strip() or None


# --- the output folder: replaced only when it is new, empty or a previous build ---


def check_output_folder(out: Path) -> None:
    """Refuse (BuildError) an ``out`` the build must not replace: a symbolic link, anything that
    is not a folder, a folder that holds files and is not a previous build (no MARKER in it)."""
    keep = "nothing was changed; give --out a new or empty folder"
    if out.is_symlink():
        raise BuildError(f"{out} is a symbolic link: {keep} (or the folder it points to, if that is a site build)")
    if not out.exists():
        return
    if not out.is_dir():
        raise BuildError(f"{out} is a file, not a folder: {keep}")
    marker = out / MARKER
    if marker.is_file() and not marker.is_symlink():
        return  # a previous build
    try:
        holds_files = any(out.iterdir())
    except OSError as error:
        raise BuildError(f"cannot look into {out} ({error.strerror}): {keep}") from error
    if holds_files:
        raise BuildError(
            f"{out} holds files and is not a site built by build_site.py (it has no {MARKER} file): "
            f"{keep}, or remove this one yourself"
        )


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, but is someone else's
    return True


def remove_stale_staging(out: Path) -> None:
    """Remove the staging folders that a killed build left beside ``out``: named
    ``.NAME.PID.XXXXXXXX`` (mkdtemp's 8 characters, maybe ``-previous``), marked, and PID is gone."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(\d+)\.[a-z0-9_]{{8}}(-previous)?")
    for path in out.parent.iterdir():
        match = pattern.fullmatch(path.name)
        if match and not path.is_symlink() and (path / MARKER).is_file() and not process_alive(int(match[1])):
            shutil.rmtree(path, ignore_errors=True)


def put_in_place(staging: Path, out: Path) -> None:
    """Rename the finished ``staging`` folder to ``out``: a previous build there is moved aside
    (still marked, so a killed build's leftovers are found) and deleted, an empty folder removed."""
    check_output_folder(out)  # again: the folder may have changed while the site was built
    if out.is_dir() and any(out.iterdir()):
        previous = staging.with_name(staging.name + "-previous")
        out.rename(previous)
        try:
            staging.rename(out)
        except OSError:
            previous.rename(out)
            raise
        shutil.rmtree(previous)
        return
    if out.is_dir():
        out.rmdir()
    staging.rename(out)


def build(out: Path, wheels: Path, cdn: str | None, quiet: bool = False) -> Path:
    """Build the site into ``out``, replacing it if it is an empty folder or a previous build;
    returns ``out`` (absolute). Anything else at ``out`` is refused and left untouched."""
    out = Path(os.path.abspath(out))
    if not out.name:
        raise BuildError(f"{out} is the file system's root: give --out a new or empty folder")
    check_output_folder(out)
    out = out.parent.resolve() / out.name  # a symbolic link in the parents is fine
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.", dir=out.parent))
    except OSError as error:
        raise BuildError(f"cannot write beside {out}: {error}") from error
    try:
        (staging / MARKER).write_text(MARKER_TEXT)
        build_into(staging, wheels, cdn, quiet)
        os.chmod(staging, 0o755)
        put_in_place(staging, out)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildError(f"cannot build the site in {out}: {error}") from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if not quiet:
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"build_site: {out} ({size / 1e6:.1f} MB)")
    return out


def build_into(staging: Path, wheels: Path, cdn: str | None, quiet: bool) -> None:
    """Every file of the site, written into the (new, empty) folder ``staging``."""
    copy_page(ROOT / "web", staging)
    package_sha = zip_package(ROOT / "python" / "scratchnn", staging / "scratchnn.zip")
    models = copy_weights(ROOT / "web" / "weights", staging)
    slim = write_pyodide(staging / "pyodide", wheels, cdn, quiet=quiet)
    manifest = {
        "scratchnn": __version__,
        "commit": git_commit(),
        "pyodide": PYODIDE_VERSION,
        "package": {"file": "scratchnn.zip", "sha256": package_sha},
        "pyodide_slim": slim,  # the slimmed Pyodide files (scripts/slim_pyodide.py) and their SHA-256
        "after_ready": after_ready_entry(staging, slim),  # fetched once the page is ready (web/worker.js)
        "models": models,
        "weights_limits": {"max_bytes": weights.MAX_FILE_BYTES, "max_hidden": weights.MAX_HIDDEN},
        "training_data": write_subset(staging),  # training in the page (issue 4)
    }
    write_manifest(staging, manifest)


# --- works offline (issue 15): every file's SHA-256 and the site's version, for web/sw.js ---
MANIFEST = "site.json"
NOT_LISTED = (MANIFEST, MARKER)  # site.json cannot hold its own hash; the marker is not the site's


def site_files(folder: Path) -> dict[str, str]:
    """Every file of the site in ``folder`` (but site.json and the marker) -> its SHA-256, by the
    relative URL the page fetches it at ("pyodide/pyodide.asm.wasm"), sorted."""
    paths = (p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() not in NOT_LISTED)
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(paths)}


def site_version(files: dict[str, str]) -> str:
    """The package version + a short hash of every file's path and SHA-256 ("0.2.0+3f9c0a1b2c4d"):
    it changes exactly when a byte the site ships changes. The service worker names its cache by it."""
    listing = "".join(f"{path} {digest}\n" for path, digest in sorted(files.items()))
    return f"{__version__}+{hashlib.sha256(listing.encode()).hexdigest()[:12]}"


def write_manifest(folder: Path, manifest: dict) -> dict:
    """Write ``folder``/site.json: ``manifest`` plus "files" (site_files) and "version"
    (site_version), computed from what is in ``folder`` now; returns what was written."""
    files = site_files(folder)
    manifest = {**manifest, "version": site_version(files), "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


# --- end of works offline ---


def default_wheels() -> Path:
    return Path(os.environ.get("SCRATCHNN_PYODIDE_WHEELS") or ROOT.parent / "shared" / f"pyodide-{PYODIDE_VERSION}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_site", help="the site folder (default: _site/)")
    parser.add_argument(
        "--wheels",
        type=Path,
        default=default_wheels(),
        help="folder with Pyodide's numpy wheel (default: $SCRATCHNN_PYODIDE_WHEELS or ../shared/pyodide-0.27.7)",
    )
    parser.add_argument("--cdn", default=CDN, help="where to fetch the wheel when the folder lacks it")
    parser.add_argument("--no-cdn", action="store_true", help="never download; the folder must hold the wheel")
    args = parser.parse_args(argv)
    try:
        build(args.out, args.wheels, None if args.no_cdn else args.cdn)
    except BuildError as error:
        print(f"build_site: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
