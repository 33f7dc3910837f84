"""scripts/pyc.py: the bytecode the site ships for Pyodide keeps every line number and runs the same.

Here in CPython (3.11+ has the same location table); the site's own .pyc files, compiled by
Pyodide's Python, are checked in test_build_site.py and run by the Pyodide test run and the
end-to-end tests.
"""

from __future__ import annotations

import importlib.util
import inspect
import json.decoder
import marshal
import sys
import traceback
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import pyc  # noqa: E402  (scripts/, beside build_site)

SAMPLES = [Path(json.decoder.__file__), Path(inspect.__file__), ROOT / "python" / "scratchnn" / "network.py"]


def line_of_each_instruction(code: types.CodeType) -> dict[tuple[str, int], int | None]:
    """(function, instruction offset) -> its line, for ``code`` and every function inside it."""
    lines = {
        (code.co_qualname, offset): line for start, end, line in code.co_lines() for offset in range(start, end, 2)
    }
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            lines |= line_of_each_instruction(const)
    return lines


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_lines_only_keeps_the_line_of_every_instruction_and_drops_the_columns(path: Path):
    code = compile(path.read_bytes(), str(path), "exec", optimize=2)
    slim = pyc.lines_only(code)
    assert line_of_each_instruction(slim) == line_of_each_instruction(code)
    assert slim.co_code == code.co_code and len(slim.co_linetable) < len(code.co_linetable)
    assert all(column is None for _, _, column, _ in slim.co_positions())


SOURCE = b'''
def outer(text):
    """A docstring."""
    assert isinstance(text, str)
    return inner(text)


def inner(text):
    import json
    return json.loads(text)


def frames():
    import inspect
    return [frame.lineno for frame in inspect.stack()[:1]]
'''


def load(pyc_bytes: bytes) -> dict:
    """Run a .pyc's code (this interpreter's) in a fresh namespace."""
    assert pyc_bytes[:4] == importlib.util.MAGIC_NUMBER
    namespace: dict = {}
    exec(marshal.loads(pyc_bytes[16:]), namespace)
    return namespace


def test_a_traceback_through_compiled_code_names_each_line():
    module = load(pyc.compile_module(SOURCE, "/lib/example.py"))
    with pytest.raises(ValueError) as raised:
        module["outer"]("{not json")
    text = "".join(traceback.format_exception(raised.value))
    assert 'File "/lib/example.py", line 5, in outer' in text
    assert 'File "/lib/example.py", line 10, in inner' in text
    assert module["frames"]() == [15]  # inspect.stack, which needs line numbers, works


def test_optimize_2_leaves_out_docstrings_and_asserts_and_0_keeps_them():
    stripped, kept = load(pyc.compile_module(SOURCE, "x.py")), load(pyc.compile_module(SOURCE, "x.py", optimize=0))
    assert stripped["outer"].__doc__ is None and kept["outer"].__doc__ == "A docstring."
    with pytest.raises(AssertionError):
        kept["outer"](None)
    with pytest.raises(TypeError, match="JSON object must be"):  # no assert: json.loads refuses None itself
        stripped["outer"](None)


def test_the_header_says_unchecked_hash_of_the_source():
    data = pyc.compile_module(SOURCE, "x.py")
    assert int.from_bytes(data[4:8], "little") == 0b01  # PEP 552: hash-based, never checked
    assert data[8:16] == importlib.util.source_hash(SOURCE)


def test_compile_tree_writes_a_pyc_for_each_module_and_keeps_docstrings_where_told(tmp_path: Path):
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "__init__.py").write_bytes(SOURCE)
    (tmp_path / "src" / "pkg" / "keep.py").write_bytes(SOURCE)
    (tmp_path / "src" / "pkg" / "data.txt").write_text("not a module")
    assert pyc.compile_tree(tmp_path / "src", tmp_path / "out", "/site/", {"pkg/keep.py"}) == 2
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*"))
    assert written == ["pkg", "pkg/__init__.pyc", "pkg/keep.pyc"]
    assert load((tmp_path / "out" / "pkg" / "__init__.pyc").read_bytes())["outer"].__doc__ is None
    kept = load((tmp_path / "out" / "pkg" / "keep.pyc").read_bytes())["outer"]
    assert kept.__doc__ == "A docstring." and kept.__code__.co_filename == "/site/pkg/keep.py"
