"""Compile Python modules to bytecode ahead of time, for Pyodide's Python: the page then imports
NumPy and the standard library without compiling them first (about 2 s of every load).

Run inside Pyodide (scripts/precompile.mjs, called by scripts/slim_pyodide.py), so that the
bytecode comes from the very interpreter that runs it: Pyodide 0.27.7's Python 3.12.

    SOURCE/<path>.py  ->  TARGET/<path>.pyc     (python pyc.py SOURCE TARGET PREFIX KEEP...)

Each .pyc is what ``import`` would have made, with three things left out:
- docstrings and asserts (``optimize=2``, as ``python -OO`` compiles), but in the modules named
  in KEEP (NumPy's ``_core/multiarray.py`` gives its functions the docstrings of other functions,
  and its C code refuses a missing one);
- the columns of each instruction's location, which tracebacks use for their ``^^^^`` marks: the
  line numbers stay (``lines_only``), so a traceback still names the line;
- the source: a sourceless ``.pyc`` with PEP 552's "unchecked hash" header, which the import
  system loads as it is, never comparing it with a source file.
"""

from __future__ import annotations

import importlib.util
import marshal
import sys
import types
from pathlib import Path

UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, never checked against the source


def _varint(value: int) -> bytes:
    """CPython's location-table varint: 6 bits a byte, low bits first, 0x40 = more follow."""
    out = bytearray()
    while value >= 64:
        out.append(0x40 | (value & 63))
        value >>= 6
    out.append(value)
    return bytes(out)


def _svarint(value: int) -> bytes:
    """A signed varint: the sign in the lowest bit."""
    return _varint((-value << 1) | 1 if value < 0 else value << 1)


def lines_only(code: types.CodeType) -> types.CodeType:
    """``code`` (and every function inside it) with a location table that keeps each instruction's
    line and drops its columns (CPython 3.11+'s table: "no column" entries, code 13, each covering
    up to 8 code units and giving the line as a change from the previous entry's; code 15: no line)."""
    table = bytearray()
    line = code.co_firstlineno
    for start, end, lineno in code.co_lines():
        units = (end - start) // 2
        while units > 0:
            n = min(8, units)
            units -= n
            if lineno is None:
                table.append(0x80 | (15 << 3) | (n - 1))
            else:
                table.append(0x80 | (13 << 3) | (n - 1))
                table += _svarint(lineno - line)
                line = lineno
    consts = tuple(lines_only(c) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.replace(co_linetable=bytes(table), co_consts=consts)


def compile_module(source: bytes, filename: str, optimize: int = 2) -> bytes:
    """The .pyc of ``source``: its code object named ``filename`` (the path a traceback shows)."""
    code = lines_only(compile(source, filename, "exec", dont_inherit=True, optimize=optimize))
    header = importlib.util.MAGIC_NUMBER + UNCHECKED_HASH.to_bytes(4, "little")
    return header + importlib.util.source_hash(source) + marshal.dumps(code)


def compile_tree(source: Path, target: Path, prefix: str, keep_docstrings: set[str]) -> int:
    """Every ``source/**/*.py`` -> ``target/**/*.pyc``, each named ``prefix + its path`` in
    tracebacks; the paths in ``keep_docstrings`` keep their docstrings. Returns how many."""
    count = 0
    for path in sorted(source.rglob("*.py")):
        name = path.relative_to(source).as_posix()
        out = target / (name + "c")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(compile_module(path.read_bytes(), prefix + name, 0 if name in keep_docstrings else 2))
        count += 1
    return count


if __name__ == "__main__":
    source_dir, target_dir, name_prefix, *keep = sys.argv[1:]
    print(compile_tree(Path(source_dir), Path(target_dir), name_prefix, set(keep)))
