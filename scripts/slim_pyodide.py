"""Ship less of Pyodide: NumPy's wheel and Python's standard library, holding only what is used.

The page downloads Pyodide's runtime, its standard library (python_stdlib.zip, 2.4 MB) and
NumPy's wheel (3.1 MB) before it can answer. Most of the library and much of NumPy is never
imported by the page: no e-mail, no XML, no multiprocessing; no f2py, no FFT, no masked arrays,
no typing stubs. This module writes the slim copies the site ships (scripts/build_site.py) and
the Pyodide test run uses (tests/pyodide/run_tests.mjs, through ``index``), so that the test run
proves nothing the package needs is gone:

- ``slim_stdlib``: the modules listed in scripts/pyodide-imports.txt (what Pyodide's bootstrap,
  loadPackage, NumPy, the scratchnn package, the page and the package's tests imported, recorded
  by scripts/record_pyodide_imports.py) and those ``import scratchnn.browser`` loads in CPython
  now (``page_imports``), each file as the stock zip holds it (.py source: it holds no .pyc);
- ``slim_wheel``: NumPy's wheel with the same modules kept (.py and extension modules): none of
  f2py, fft, polynomial, ma, lapack_lite, the C test modules...; no typing stubs (.pyi), Cython
  or C headers (.pxd, include/), static library (lib/); its RECORD rewritten to list what is left;
- ``after_ready``: what the page imports only after it is ready comes in an archive of its own
  (after-ready.zip), which the worker fetches and unpacks into site-packages right after it
  posted "ready": every recorded module but those the page had imported once it was ready and had
  read a drawing (scripts/pyodide-first-imports.txt, recorded too). From NumPy: numpy.random
  (``import numpy`` loads it only when first used, through numpy's ``__getattr__``) and
  numpy.testing; from the standard library: the packages and modules first imported later (by
  the tests, mostly: unittest, argparse, pdb...). A submodule of a standard-library package the
  page has already imported stays in the zip: its folder there is the package's only one.
  Training, a new network, teaching and "Show me a test digit" wait for it (web/worker.js);
- ``slim_lock``: pyodide-lock.json with the one package the page loads, NumPy, and the slim
  wheel's SHA-256 (Pyodide checks the wheel against it).

Every zip is deterministic: the same input gives the same bytes (sorted entries, fixed dates and
permissions), so a site build is reproducible and a browser cache stays valid between builds.

    .venv/bin/python scripts/slim_pyodide.py index .cache/pyodide-slim   # the folder the tests load
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NPM_PYODIDE = HERE.parent / "web" / "node_modules" / "pyodide"  # the stock Pyodide that compiles (npm ci in web/)
CACHE = HERE.parent / ".cache"  # compiled modules kept between builds, named by what made them
# Where the page's Python finds each archive's modules: the name a precompiled module gives in tracebacks.
STDLIB_PREFIX = "/lib/python312.zip/"
SITE_PACKAGES_PREFIX = "/lib/python3.12/site-packages/"
KEEP_DOCSTRINGS = {"numpy/_core/multiarray.py"}  # see scripts/pyc.py
IMPORTS = HERE / "pyodide-imports.txt"  # the recorded module names, one a line (# comments)
FIRST_IMPORTS = HERE / "pyodide-first-imports.txt"  # those the page had imported once ready (same format)
DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: every entry gets it

# NumPy's parts that are never modules anyone imports, dropped wherever they are.
WHEEL_NEVER = (".pyi", ".pxd", "/py.typed")
WHEEL_NEVER_FOLDERS = ("/tests/", "/_examples/", "numpy/_core/include/", "numpy/_core/lib/")
AFTER_READY_ARCHIVE = "after-ready.zip"  # beside the wheel; the worker unpacks it into site-packages


class SlimError(RuntimeError):
    """The slim files cannot be made; the message says why."""


def recorded_modules(path: Path = IMPORTS) -> set[str]:
    """The module names in ``path`` (one a line; blank lines and # comments ignored)."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return {line for line in lines if line}


# Run in a fresh CPython: the modules that importing the page's package loads beyond NumPy's own.
WHAT_THE_PAGE_IMPORTS = """
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy
before = set(sys.modules)
import scratchnn.browser
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def page_imports(python_dir: Path) -> set[str]:
    """The modules (but NumPy's) that ``import scratchnn.browser`` loads in CPython, from
    ``python_dir``: kept too, so that a module the package starts to import reaches the page even
    before scripts/pyodide-imports.txt is recorded again (the tests' own imports need the recording)."""
    names = import_probe(WHAT_THE_PAGE_IMPORTS, python_dir)
    return {name for name in names if name.split(".")[0] not in ("numpy", "scratchnn")}


def import_probe(script: str, python_dir: Path) -> Any:
    """Run ``script`` (it imports scratchnn.browser from ``python_dir``, given as its argument, and
    prints JSON) in a fresh CPython; its JSON, or SlimError saying why not. build_site uses it too."""
    try:
        command = [sys.executable, "-c", script, str(python_dir)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SlimError(f"cannot list the modules the page imports: {error}") from error
    if result.returncode != 0:
        raise SlimError(f"importing scratchnn.browser failed:\n{result.stderr.strip()}")
    return json.loads(result.stdout)


def write_zip(target: Path, files: dict[str, bytes]) -> str:
    """``files`` (archive name -> bytes) -> a zip deflated at level 9 at ``target``, sorted by name, every
    entry dated DATE with mode 0644: the same files give the same bytes. Returns its SHA-256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files, key=lambda n: (".dist-info/" in n, n)):  # a wheel's metadata last
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name], compresslevel=9)
    target.write_bytes(buffer.getvalue())
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def module_name(path: str) -> str | None:
    """A zip entry's module name ("json/decoder.py" or its compiled "json/decoder.pyc" ->
    "json.decoder", "json/__init__.py" -> "json", "numpy/_core/_umath.cpython-312-wasm32-emscripten.so"
    -> "numpy._core._umath"), or None for a file that is not a module."""
    folder, _, file = path.rpartition("/")
    if file.endswith((".py", ".pyc")):
        stem = file.rsplit(".", 1)[0]
    elif file.endswith(".so"):
        stem = file.split(".", 1)[0]  # an extension module: NAME.cpython-312-wasm32-emscripten.so
    else:
        return None
    parts = [*folder.split("/"), stem] if folder else [stem]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def precompile(files: dict[str, bytes], prefix: str) -> dict[str, bytes]:
    """``files`` (archive name -> bytes) with every .py replaced by its .pyc, compiled by Pyodide's
    own Python (scripts/precompile.mjs runs scripts/pyc.py in the stock Pyodide of web/node_modules,
    under Node; ``prefix`` + the name is the path tracebacks give). The result is kept in .cache/,
    named by the SHA-256 of the sources and of the code that compiles them."""
    sources = {name: data for name, data in files.items() if name.endswith(".py")}
    digest = hashlib.sha256(prefix.encode() + repr(sorted(KEEP_DOCSTRINGS)).encode())
    for part in (HERE / "pyc.py", HERE / "precompile.mjs", NPM_PYODIDE / "package.json"):
        digest.update(part.read_bytes() if part.is_file() else b"")
    for name, data in sorted(sources.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    cached = CACHE / f"pyc-{digest.hexdigest()[:20]}.zip"
    if not cached.is_file():
        compile_with_pyodide(sources, prefix, cached)
    with zipfile.ZipFile(cached) as archive:
        compiled = {name: archive.read(name) for name in archive.namelist()}
    if set(compiled) != {name + "c" for name in sources}:
        raise SlimError(f"{cached} does not hold the compiled modules it should: delete it and build again")
    return {**{n: d for n, d in files.items() if n not in sources}, **compiled}


def compile_with_pyodide(sources: dict[str, bytes], prefix: str, cached: Path) -> None:
    """Compile ``sources`` in Pyodide under Node and write their .pyc files to the zip ``cached``."""
    node = shutil.which("node")
    if node is None or not (NPM_PYODIDE / "pyodide.mjs").is_file():
        raise SlimError("precompiling Python for Pyodide needs Node and web/node_modules: run scripts/setup_web.sh")
    with tempfile.TemporaryDirectory() as work:
        for name, data in sources.items():
            (Path(work) / "source" / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(work) / "source" / name).write_bytes(data)
        command = [node, str(HERE / "precompile.mjs"), str(NPM_PYODIDE), work, prefix, *sorted(KEEP_DOCSTRINGS)]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SlimError(f"cannot precompile Python for Pyodide: {error}") from error
        if result.returncode != 0:
            raise SlimError(f"precompiling Python for Pyodide failed:\n{result.stderr.strip()[-2000:]}")
        target = Path(work) / "target"
        compiled = {p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*.pyc")}
    CACHE.mkdir(exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.partial")
    write_zip(partial, compiled)
    partial.replace(cached)  # whole or not at all: another build may be reading the cache


def slim_stdlib(
    source: Path,
    target: Path,
    modules: set[str],
    first: set[str] | None = None,
    later: dict | None = None,
    compiled: bool = False,
) -> str:
    """The stock standard library zip ``source`` -> ``target`` holding the modules in ``modules``
    (and the packages above them); returns its SHA-256. With ``first`` (the modules imported before
    ready), a module whose top-level package is not among them goes to ``later`` (name -> bytes).
    ``compiled``: the modules in ``target`` are .pyc (``precompile``; ``later``'s stay .py)."""
    kept: dict[str, bytes] = {}
    with zipfile.ZipFile(source) as stock:
        for info in stock.infolist():
            name = module_name(info.filename)
            if name is not None and (name in modules or any(m.startswith(name + ".") for m in modules)):
                kept[info.filename] = stock.read(info)
    if not kept:
        raise SlimError(f"{source} holds none of the recorded modules: is it Pyodide's python_stdlib.zip?")
    if first is not None and later is not None:
        tops = {m.split(".")[0] for m in first}
        for path in [p for p in kept if (module_name(p) or "").split(".")[0] not in tops]:
            later[path] = kept.pop(path)
    return write_zip(target, precompile(kept, STDLIB_PREFIX) if compiled else kept)


def wheel_keeps(path: str, modules: set[str]) -> bool:
    """Whether NumPy's wheel keeps ``path``: its metadata, every module in ``modules`` (as for the
    standard library), and the other files (data, licences) of a package folder that holds one;
    never stubs, Cython or C headers, the static library or test folders."""
    if ".dist-info/" in path:
        return True
    name = module_name(path)
    if name is not None:
        return name in modules  # a module (.py or an extension .so) ships if it was imported
    if path.endswith(WHEEL_NEVER) or any(folder in "/" + path for folder in WHEEL_NEVER_FOLDERS):
        return False
    package = path.rsplit("/", 1)[0].replace("/", ".")
    return package in modules


def wheel_later(path: str, first: set[str]) -> bool:
    """Whether a file NumPy's wheel keeps comes after ready: a module not in ``first``, or another
    file (data, a licence) of a package folder not in ``first``. The metadata never does."""
    if ".dist-info/" in path:
        return False
    name = module_name(path) or path.rsplit("/", 1)[0].replace("/", ".")
    return name not in first


def slim_wheel(
    source: Path,
    target: Path,
    modules: set[str],
    first: set[str] | None = None,
    later: dict | None = None,
    compiled: bool = False,
) -> str:
    """NumPy's wheel ``source`` -> ``target`` without what ``wheel_keeps`` drops, its RECORD
    listing what is left (each file's SHA-256 and size, as the wheel format says); returns the
    new wheel's SHA-256. With ``first`` (the modules imported before ready), the files that come
    after (``wheel_later``) go to ``later`` (name -> bytes) instead. ``compiled``: the modules in
    ``target`` are .pyc (``precompile``; ``later``'s stay .py)."""
    kept: dict[str, bytes] = {}
    record = None
    with zipfile.ZipFile(source) as stock:
        for info in stock.infolist():
            if info.is_dir() or not wheel_keeps(info.filename, modules):
                continue
            if info.filename.endswith(".dist-info/RECORD"):
                record = info.filename
            elif first is not None and later is not None and wheel_later(info.filename, first):
                later[info.filename] = stock.read(info)
            else:
                kept[info.filename] = stock.read(info)
    if record is None or "numpy/__init__.py" not in kept:
        raise SlimError(f"{source} is not NumPy's wheel (no numpy/__init__.py or no RECORD)")
    if compiled:
        kept = precompile(kept, SITE_PACKAGES_PREFIX)
    lines = []
    for name, data in sorted(kept.items()):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{name},sha256={digest},{len(data)}")
    kept[record] = ("\n".join([*lines, f"{record},,"]) + "\n").encode()
    return write_zip(target, kept)


def roots(later: dict[str, bytes], first: set[str]) -> list[str]:
    """The modules ``later`` brings, each named once at its top: the shortest prefix of its name
    that is not in ``first`` ("numpy.random", "unittest"), sorted."""
    found = set()
    for path in later:
        parts = (module_name(path) or path.rsplit("/", 1)[0].replace("/", ".")).split(".")
        found.add(next(".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) not in first))
    return sorted(found)


def slim_lock(lock: dict, packages: dict[str, str]) -> dict:
    """Pyodide's lock file holding only ``packages`` (name -> the SHA-256 of the wheel shipped)."""
    return {
        "info": lock["info"],
        "packages": {name: {**lock["packages"][name], "sha256": digest} for name, digest in packages.items()},
    }


def slim_pyodide(
    folder: Path, packages: tuple[str, ...], modules: set[str] | None = None, first: set[str] | None = None
) -> dict[str, str]:
    """Replace, in ``folder`` (a copy of Pyodide's core and the stock wheels of ``packages``, each
    already checked against its pinned SHA-256), python_stdlib.zip, the wheels and
    pyodide-lock.json by their slim versions, holding the modules imported before ready
    (``first``); the others go to AFTER_READY_ARCHIVE. Returns file name -> SHA-256 of the slim
    files (that archive too)."""
    page = page_imports(HERE.parent / "python") if modules is None or first is None else set()
    if modules is None:
        modules = recorded_modules() | page
    if first is None:
        first = recorded_modules(FIRST_IMPORTS) | page
    later: dict[str, bytes] = {}
    lock = json.loads((folder / "pyodide-lock.json").read_text())
    stdlib = folder / "python_stdlib.zip"
    shipped = {"python_stdlib.zip": slim_stdlib(stdlib, stdlib, modules, first, later, compiled=True)}
    wheels = {}
    for name in packages:
        file_name = lock["packages"][name]["file_name"]
        if name != "numpy":
            raise SlimError(f"slim_pyodide knows how to slim numpy's wheel, not {name}'s")
        slim = slim_wheel(folder / file_name, folder / file_name, modules, first, later, compiled=True)
        wheels[name] = shipped[file_name] = slim
    if later:
        shipped[AFTER_READY_ARCHIVE] = write_zip(folder / AFTER_READY_ARCHIVE, later)
    (folder / "pyodide-lock.json").write_text(json.dumps(slim_lock(lock, wheels), indent=1, sort_keys=True) + "\n")
    shipped["pyodide-lock.json"] = hashlib.sha256((folder / "pyodide-lock.json").read_bytes()).hexdigest()
    return shipped


def main(argv: list[str] | None = None) -> int:
    """``index FOLDER [--stock]``: Pyodide's core and NumPy's wheel, verified and slimmed as the
    site ships them (--stock: as Pyodide ships them), in FOLDER, for tests/pyodide/run_tests.mjs."""
    import argparse

    import build_site  # here, not at the top: build_site imports this module

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("command", choices=["index"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--stock", action="store_true", help="Pyodide's own files, not slimmed (to record imports)")
    args = parser.parse_args(argv)
    try:
        build_site.write_pyodide(args.folder, build_site.default_wheels(), None, slim=not args.stock)
    except (build_site.BuildError, SlimError, OSError) as error:
        print(f"slim_pyodide: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
