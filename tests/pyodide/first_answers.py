"""The page's first answers need nothing of what the site ships after "ready".

The worker answers "model", "predict" and "predict-input" before it has unpacked after-ready.zip
(numpy.random, numpy.testing, unittest...; web/worker.js, FIRST_ANSWERS; scripts/slim_pyodide.py,
after_ready). ``check`` does what those requests do, the way the worker does it: in Pyodide
before the archive is unpacked (tests/pyodide/run_tests.mjs), where a missing module fails the
import itself; and in a fresh CPython (tests/test_build_site.py), where it fails if a module in
``absent`` (the archive's, from site.json) was imported meanwhile:

    python tests/pyodide/first_answers.py REPO [MODULE...]
"""

from __future__ import annotations

import sys
from pathlib import Path


def check(repo: Path, absent: tuple[str, ...] = ("numpy.random",)) -> str:
    """Import scratchnn.browser, load the committed tiny network, read a drawn stroke and a ready
    input; returns what was read, or raises AssertionError naming the modules of ``absent`` (and
    their submodules) that were imported."""
    before = set(sys.modules)
    sys.path.insert(0, str(repo / "python"))
    import numpy  # noqa: F401  (as the worker does: loadPackage, then the package)

    from scratchnn import browser

    model = browser.load_model("tiny", (repo / "web" / "weights" / "tiny.json").read_text())
    browser.describe(model)
    height, width = 280, 280
    rgba = bytearray(height * width * 4)
    for row in range(60, 220):  # a vertical stroke, white and opaque, 20 px wide: a 1
        for column in range(130, 150):
            rgba[(row * width + column) * 4 : (row * width + column) * 4 + 4] = b"\xff\xff\xff\xff"
    drawn = browser.predict_drawing(model, memoryview(bytes(rgba)), height, width)
    ready = browser.predict_input(model, [0.5 if 10 <= i % 28 <= 17 else 0.0 for i in range(784)])
    new = set(sys.modules) - before
    loaded = sorted(name for name in new if any(name == m or name.startswith(m + ".") for m in absent))
    assert not loaded, f"the first answers imported {loaded}"
    read = f"a drawn 1 read as {drawn['digit']}, an input as {ready['digit']}"
    return f"the first answers need none of after-ready.zip ({read})"


if __name__ == "__main__":
    print(check(Path(sys.argv[1]), tuple(sys.argv[2:]) or ("numpy.random",)))
