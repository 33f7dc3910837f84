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
  the GitHub Pages workflow gets it). Either way its SHA-256 must equal the one in
  ``pyodide-lock.json``, or the build stops;
- ``site.json``: the manifest the worker reads first (package file, models, versions).

Every URL in the site is relative, so the page makes no request to any other host and works
offline once served. The site is built in a temporary folder and renamed into place.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

from scratchnn import __version__, mnist, subset, weights  # noqa: E402

PYODIDE_VERSION = "0.27.7"
PYODIDE_CORE = (
    "pyodide.js",
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
PYODIDE_PACKAGES = ("numpy",)  # what the worker loads with loadPackage; numpy depends on nothing else
CDN = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
PAGE_FILES = ("index.html", "style.css", "favicon.svg", "worker.js")
MODELS = {  # the page's model picker, in order: name -> what it is (the size is read from the file)
    "default": "trained on warped digits, robust to how people draw",
    "tiny": "the original's size",
    "best": "the most accurate on MNIST's test set (1.7 MB, loaded when picked)",
}


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


def zip_package(source: Path, target: Path) -> str:
    """python/scratchnn/*.py -> a zip holding scratchnn/*.py; returns its SHA-256."""
    files = sorted(source.glob("*.py"))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"scratchnn/{path.name}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())  # fixed dates: the same source gives the same zip
    return sha256(target)


def copy_weights(source: Path, out: Path) -> list[dict]:
    """Validate and copy web/weights/<model>.json; return the models for the manifest."""
    (out / "weights").mkdir()
    models = []
    for name, label in MODELS.items():
        path = source / f"{name}.json"
        try:
            params, metadata = weights.load(path)
        except weights.WeightsError as error:
            raise BuildError(str(error)) from error
        shutil.copy2(path, out / "weights" / path.name)
        models.append(
            {
                "name": name,
                "label": f"{int(params['W1'].shape[0])} hidden units: {label}",
                "hidden": int(params["W1"].shape[0]),
                "test_accuracy": metadata.get("test_accuracy"),
            }
        )
    return models


def copy_pyodide_core(npm_package: Path, out: Path) -> dict:
    """Pyodide's core files from the npm package; returns its lock file (parsed)."""
    manifest = npm_package / "package.json"
    if not manifest.is_file():
        raise BuildError(f"{npm_package} not found: run `npm ci` in web/ (scripts/test.sh and demo.sh do)")
    version = json.loads(manifest.read_text())["version"]
    if version != PYODIDE_VERSION:
        raise BuildError(f"{npm_package} is Pyodide {version}, expected {PYODIDE_VERSION}: run `npm ci` in web/")
    for name in PYODIDE_CORE:
        shutil.copy2(npm_package / name, out / name)
    return json.loads((npm_package / "pyodide-lock.json").read_text())


def fetch_wheel(file_name: str, expected: str, wheels: Path, cdn: str | None, target: Path) -> str:
    """Put ``file_name`` at ``target`` from the local folder, else the CDN; check its SHA-256.
    Returns where it came from."""
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
    actual = sha256(target)
    if actual != expected:
        raise BuildError(f"{file_name} from {origin}: SHA-256 {actual}, but pyodide-lock.json says {expected}")
    return origin


# --- training in the page (issue 4): the MNIST subset the worker trains on ---
SUBSET_FILE = "data/mnist-subset.bin.gz"
SUBSET_TRAIN = 10_000  # plus MNIST's 1,000 held-out validation images (see scratchnn.subset)


def write_subset(out: Path, n_train: int = SUBSET_TRAIN) -> dict:
    """``data/mnist-subset.bin.gz`` from the real (verified) MNIST files; returns its manifest entry.

    The file is built once and kept in ``.cache/``, keyed by the code that makes it (MNIST itself
    is fixed: read_raw only accepts the published files)."""
    code = b"".join((ROOT / "python" / "scratchnn" / name).read_bytes() for name in ("subset.py", "mnist.py"))
    key = hashlib.sha256(code + str(n_train).encode()).hexdigest()[:16]
    cached = ROOT / ".cache" / f"mnist-subset-{key}.bin.gz"
    if cached.is_file():
        data = cached.read_bytes()
    else:
        try:
            data = subset.build(mnist.read_raw(), n_train=n_train)
        except (OSError, ValueError) as error:
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


def build(out: Path, wheels: Path, cdn: str | None, quiet: bool = False) -> Path:
    """Build the site into ``out`` (replacing it); returns ``out``."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        copy_page(ROOT / "web", staging)
        package_sha = zip_package(ROOT / "python" / "scratchnn", staging / "scratchnn.zip")
        models = copy_weights(ROOT / "web" / "weights", staging)
        (staging / "pyodide").mkdir()
        lock = copy_pyodide_core(ROOT / "web" / "node_modules" / "pyodide", staging / "pyodide")
        for name in PYODIDE_PACKAGES:
            entry = lock["packages"][name]
            origin = fetch_wheel(
                entry["file_name"], entry["sha256"], wheels, cdn, staging / "pyodide" / entry["file_name"]
            )
            if not quiet:
                print(f"build_site: {entry['file_name']} from {origin} (SHA-256 verified)")
        manifest = {
            "scratchnn": __version__,
            "commit": git_commit(),
            "pyodide": PYODIDE_VERSION,
            "package": {"file": "scratchnn.zip", "sha256": package_sha},
            "models": models,
            "training_data": write_subset(staging),  # training in the page (issue 4)
        }
        (staging / "site.json").write_text(json.dumps(manifest, indent=1) + "\n")
        os.chmod(staging, 0o755)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if not quiet:
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"build_site: {out} ({size / 1e6:.1f} MB)")
    return out


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
