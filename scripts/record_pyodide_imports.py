"""Record which modules the page and the package's tests import inside Pyodide, for
scripts/slim_pyodide.py: writes scripts/pyodide-imports.txt.

    .venv/bin/python scripts/record_pyodide_imports.py      # after ./scripts/test.sh set things up

Both runs use Pyodide's stock files (the whole standard library, the whole NumPy wheel):

1. the Pyodide test run (tests/pyodide/run_tests.mjs --record-imports): Pyodide's bootstrap,
   loadPackage, NumPy, pytest, and every function of the package the page calls, refusals included;
2. the page itself in headless Chromium (a site built with the stock files): loading, drawing a 7,
   each network, a short training run, the explorer and the failures panel; the worker's
   sys.modules read at the end.

The file lists every module of the standard library or NumPy seen in either run; run this again
when the package imports something new (the Pyodide test run and the end-to-end tests fail with
ModuleNotFoundError until then).

It also writes scripts/pyodide-first-imports.txt: the modules the page had imported once it was
ready with its first network and had read a drawing (the worker's sys.modules then). The site
ships those before ready; the other recorded modules come in an archive the worker fetches after
ready (slim_pyodide.py, after_ready). ``--first-only`` records just that file (the page run up to
its first drawing; no test run, no training).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import build_site
import chromium
import slim_pyodide

ROOT = build_site.ROOT
READY = "() => window.scratchnn && window.scratchnn.state.ready"
RESULT = "() => { const s = window.scratchnn.state; return s.result && !s.result.empty && !s.inFlight && !s.dirty; }"
SEVEN = [(0.3, 0.22), (0.72, 0.22), (0.48, 0.82)]
TRAINING = {"train-hidden": "16", "train-lr": "0.05", "train-batch": "64", "train-epochs": "1"}
SYS_MODULES = "() => JSON.parse(self.scratchnn.pyodide.runPython('import json, sys; json.dumps(sorted(sys.modules))'))"


def tests_run(stock: Path, wheels: Path) -> set[str]:
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "modules.json"
        command = ["node", "tests/pyodide/run_tests.mjs", "--wheels", str(wheels), "--index", str(stock)]
        run = subprocess.run([*command, "--record-imports", str(record)], cwd=ROOT)
        if not record.is_file():
            raise SystemExit("record_pyodide_imports: the Pyodide test run recorded nothing (see above)")
        if run.returncode != 0:
            print("record_pyodide_imports: some tests failed (above); their imports are recorded all the same")
        return set(json.loads(record.read_text()))


def draw(page) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    box = page.locator("#pad").bounding_box()
    page.evaluate("window.scratchnn.pad.clear()")
    page.mouse.move(box["x"] + box["width"] * SEVEN[0][0], box["y"] + box["height"] * SEVEN[0][1])
    page.mouse.down()
    for x, y in SEVEN[1:]:
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y, steps=6)
    page.mouse.up()
    page.wait_for_function(RESULT, timeout=60_000)


def page_run(stock: Path, first_only: bool = False) -> tuple[set[str], set[str]]:
    """The worker's modules once the page is ready and has read a drawing, and at the end of
    the whole run (every network, a training run; skipped with ``first_only``)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = build_site.build(Path(tmp) / "site", build_site.default_wheels(), None, quiet=True)
        shutil.rmtree(site / "pyodide")
        shutil.copytree(stock, site / "pyodide")
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(site), "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = server.stdout.readline()  # "Serving HTTP on 127.0.0.1 port N (http://127.0.0.1:N/) ..."
        url = line.split("(")[1].split(")")[0]
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium.executable(p), args=chromium.ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(url)
                page.wait_for_function(READY, timeout=120_000)
                draw(page)
                (worker,) = page.workers
                first = set(worker.evaluate(SYS_MODULES))
                if first_only:
                    browser.close()
                    return first, first
                for name in ("tiny", "best", "default"):
                    page.locator("label.model", has_text=name).click()
                    page.wait_for_function(f"() => document.body.dataset.model === '{name}'")
                    draw(page)
                for field, value in TRAINING.items():
                    page.fill(f"#{field}", value)
                page.click("#train-scratch")
                page.wait_for_function("() => window.scratchnn.training.running", timeout=120_000)
                page.wait_for_function("() => !window.scratchnn.training.running", timeout=600_000)
                draw(page)
                modules = set(worker.evaluate(SYS_MODULES))
                browser.close()
        finally:
            server.terminate()
    return first, modules


def stock_modules(stock: Path) -> set[str]:
    """Every module that has a file in the stock standard library or NumPy's wheel."""
    lock = json.loads((stock / "pyodide-lock.json").read_text())
    names = set()
    for archive in (stock / "python_stdlib.zip", stock / lock["packages"]["numpy"]["file_name"]):
        with zipfile.ZipFile(archive) as z:
            names |= {n for n in map(slim_pyodide.module_name, z.namelist()) if n}
    return names


def write_first(first: set[str]) -> None:
    """scripts/pyodide-first-imports.txt: the recorded modules the page imported before it was ready."""
    header = [
        "# The modules of Pyodide's standard library and of NumPy that the page had imported once it was",
        "# ready with its first network and had read a drawing: the site ships them before ready, the other",
        "# modules of pyodide-imports.txt after (scripts/slim_pyodide.py, after_ready). Written by",
        "# scripts/record_pyodide_imports.py (--first-only: this file alone); do not edit by hand.",
    ]
    slim_pyodide.FIRST_IMPORTS.write_text("\n".join([*header, *sorted(first)]) + "\n")
    print(f"record_pyodide_imports: {len(first)} modules -> {slim_pyodide.FIRST_IMPORTS.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--first-only", action="store_true", help="record pyodide-first-imports.txt alone")
    args = parser.parse_args(argv)
    wheels = ROOT / ".cache" / "pyodide-wheels"
    with tempfile.TemporaryDirectory() as tmp:
        stock = Path(tmp) / "pyodide"
        build_site.write_pyodide(stock, build_site.default_wheels(), None, slim=False)
        known = stock_modules(stock)
        if not slim_pyodide.IMPORTS.exists():  # a first recording: the site build below slims nothing
            slim_pyodide.IMPORTS.write_text("\n".join(sorted(known)) + "\n")
        if not slim_pyodide.FIRST_IMPORTS.exists():  # the same: everything before ready, for now
            slim_pyodide.FIRST_IMPORTS.write_text("\n".join(sorted(known)) + "\n")
        if args.first_only:
            first, _ = page_run(stock, first_only=True)
            write_first(first & known)
            return 0
        from_tests = tests_run(stock, wheels)
        first, from_page = page_run(stock)
    modules = sorted((from_tests | from_page) & known)
    header = [
        "# The modules of Pyodide's standard library and of NumPy that the site ships (scripts/slim_pyodide.py):",
        "# those the Pyodide test run and the page in Chromium imported. Written by",
        "# scripts/record_pyodide_imports.py; do not edit by hand, run it again.",
        f"# {len(from_tests & known)} seen in the test run, {len(from_page & known)} in the page, "
        f"{len(from_page & known - from_tests)} only in the page: {sorted(from_page & known - from_tests)}",
    ]
    slim_pyodide.IMPORTS.write_text("\n".join([*header, *modules]) + "\n")
    print(f"record_pyodide_imports: {len(modules)} modules -> {slim_pyodide.IMPORTS.relative_to(ROOT)}")
    write_first(first & known)
    return 0


if __name__ == "__main__":
    sys.exit(main())
