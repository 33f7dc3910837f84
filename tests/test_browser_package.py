"""scratchnn.browser imports its modules on first use: the page is ready once page.py is imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

import scratchnn.browser as browser


def test_every_name_the_worker_calls_is_found_where_it_is_defined():
    for name, (module, attribute) in browser.WHERE.items():
        value = getattr(browser, name)
        assert value is getattr(sys.modules[f"scratchnn.browser.{module}"], attribute)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        browser.nope  # noqa: B018


def test_importing_the_package_and_page_py_imports_none_of_the_rest():
    """What the worker imports before "ready" (web/worker.js): training, the explorer, urllib, difflib wait."""
    code = (
        "import sys, scratchnn.browser, scratchnn.browser.page; "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(('scratchnn', 'urllib', 'difflib')))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "scratchnn.browser.page" in loaded
    for later in ("scratchnn.browser.trainer", "scratchnn.browser.explorer", "scratchnn.training", "scratchnn.mnist"):
        assert later not in loaded
    assert "urllib.request" not in loaded and "difflib" not in loaded
