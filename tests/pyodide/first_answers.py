"""The page's first answers need no numpy.random: the site ships it apart, after "ready".

The worker answers "model", "predict" and "predict-input" before NumPy's numpy/random is unpacked
(web/worker.js, FIRST_ANSWERS; scripts/slim_pyodide.py, after_ready). ``check`` does what those
requests do, the way the worker does it, and fails if numpy.random was imported meanwhile (or, in
Pyodide before the archive is unpacked, the import itself fails). Run by tests/pyodide/run_tests.mjs
in Pyodide before it unpacks the archive, and by tests/test_build_site.py in a fresh CPython:

    python tests/pyodide/first_answers.py REPO
"""

from __future__ import annotations

import sys
from pathlib import Path


def check(repo: Path) -> str:
    """Import scratchnn.browser, load the committed tiny network, read a drawn stroke and a ready
    input; returns what was read, or raises AssertionError naming the numpy.random modules loaded."""
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
    loaded = sorted(name for name in sys.modules if name == "numpy.random" or name.startswith("numpy.random."))
    assert not loaded, f"the first answers imported {loaded}"
    return f"the first answers need no numpy.random (a drawn 1 read as {drawn['digit']}, an input as {ready['digit']})"


if __name__ == "__main__":
    print(check(Path(sys.argv[1])))
