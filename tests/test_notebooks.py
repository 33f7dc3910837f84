"""notebooks/: the walkthrough runs from top to bottom in a fresh kernel and prints what it has saved;
the exercises' checks pass with the answers filled in and fail with the blanks or with wrong answers.

The cells are written in notebooks/build.py, which also executes and saves the walkthrough
(``python notebooks/build.py``): these tests execute exactly as it does (``build.execute``), so a
mismatch means the saved notebook is stale, or the code it shows changed what it prints. No timing
is asserted: the printed timings are masked (``build.text_outputs``).
"""

from __future__ import annotations

import base64
import difflib
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
MAX_BYTES = 1_500_000  # what GitHub renders comfortably
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def load_build():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = load_build()
REBUILD = "run `python notebooks/build.py` (with SCRATCHNN_DATA_DIR set) and commit both notebooks"


def saved(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def code_cells(nb: nbformat.NotebookNode, tag: str | None = None) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and (tag is None or tag in c.metadata.get("tags", []))]


def pngs(cell) -> list[bytes]:
    return [base64.b64decode(o.data["image/png"]) for o in cell.outputs if "image/png" in o.get("data", {})]


def errors(nb: nbformat.NotebookNode) -> dict[str, str]:
    """cell id -> the name of the exception that cell raised, for the cells that raised one."""
    return {c.id: o.ename for c in code_cells(nb) for o in c.outputs if o.output_type == "error"}


def printed(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


# -- what is saved: no kernel needed ------------------------------------------------------------


@pytest.mark.parametrize(("name", "make"), [("walkthrough.ipynb", "walkthrough"), ("exercises.ipynb", "exercises")])
def test_saved_notebooks_are_what_build_py_writes(name, make):
    """The cells reviewed in build.py are the ones saved: same order, kinds, ids, tags and sources."""
    expected, actual = getattr(build, make)(), saved(name)

    def cells(nb):
        return [(c.id, c.cell_type, c.metadata.get("tags", []), c.source) for c in nb.cells]

    assert cells(actual) == cells(expected), f"{name} differs from notebooks/build.py: {REBUILD}"


def test_saved_walkthrough_renders_with_its_outputs_and_figures():
    nb = saved("walkthrough.ipynb")
    nbformat.validate(nb)
    assert (NOTEBOOKS / "walkthrough.ipynb").stat().st_size < MAX_BYTES
    cells = code_cells(nb)
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1)), "not run top to bottom in one kernel"
    assert not errors(nb)
    stderr = [c.id for c in cells for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"warnings saved in cells {stderr}"
    figures = [png for c in cells for png in pngs(c)]
    assert len(figures) >= 7
    assert all(png.startswith(PNG_SIGNATURE) for png in figures)
    text = "".join(text for _, text in build.text_outputs(nb))
    assert not re.search(r"\b0x[0-9a-f]{6,}", text), "a memory address in an output: it changes every run"
    assert all("execution" not in c.metadata for c in cells), "cell timings saved"


def test_saved_exercises_have_one_blank_each_then_a_check_and_no_outputs():
    nb = saved("exercises.ipynb")
    nbformat.validate(nb)
    assert all(not c.outputs and c.execution_count is None for c in code_cells(nb))
    exercises = code_cells(nb, "exercise")
    assert len(exercises) == 4
    assert sorted(build.ANSWERS) == sorted(t for c in exercises for t in c.metadata.tags if t != "exercise")
    for answers in build.WRONG_ANSWERS:
        assert sorted(answers) == sorted(build.ANSWERS)
    for cell in exercises:
        assert sum(build.BLANK in line for line in cell.source.split("\n")) == 1
        after = nb.cells[nb.cells.index(cell) + 1]
        assert "check" in after.metadata.get("tags", []), f"{cell.id} is not followed by its check"


def test_fill_puts_each_answer_in_place_of_its_blank():
    filled = build.fill(saved("exercises.ipynb"), build.ANSWERS)
    for cell in code_cells(filled, "exercise"):
        assert build.BLANK not in cell.source
    softmax = code_cells(filled, "exercise-softmax")[0].source
    assert "    E = np.exp(Z - Z.max(axis=0, keepdims=True))\n    return E / E.sum(axis=0, keepdims=True)" in softmax


# -- executed in a fresh kernel ----------------------------------------------------------------


@pytest.fixture(scope="module")
def executed_walkthrough(tmp_path_factory) -> nbformat.NotebookNode:
    """The saved walkthrough, outputs cleared, run from the top in a fresh kernel (a failing cell
    fails every test that uses this, with nbclient's message naming the cell and its traceback)."""
    tmp = tmp_path_factory.mktemp("walkthrough")  # the notebook's tempfile.mkdtemp() lands here
    return build.execute(saved("walkthrough.ipynb"), env={"TMPDIR": str(tmp)})


@pytest.mark.slow
def test_walkthrough_runs_top_to_bottom_in_a_fresh_kernel(executed_walkthrough):
    cells = code_cells(executed_walkthrough)
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
    assert not errors(executed_walkthrough)
    stderr = {c.id: o.text for c in cells for o in c.outputs if o.output_type == "stream" and o.name == "stderr"}
    assert not stderr, f"the walkthrough printed warnings: {stderr}"


@pytest.mark.slow
def test_walkthrough_prints_what_is_saved(executed_walkthrough):
    """The staleness check: every cell's text output (timings masked) and its number of figures."""
    fresh = dict(build.text_outputs(executed_walkthrough))
    for cell_id, text in build.text_outputs(saved("walkthrough.ipynb")):
        if fresh[cell_id] != text:
            lines = difflib.unified_diff(text.splitlines(), fresh[cell_id].splitlines(), "saved", "now", lineterm="")
            diff = "\n".join(lines)
            pytest.fail(f"cell {cell_id} prints something else than the saved notebook ({REBUILD}):\n{diff}")


@pytest.mark.slow
def test_walkthrough_draws_its_figures_as_pngs(executed_walkthrough):
    fresh = {c.id: pngs(c) for c in code_cells(executed_walkthrough)}
    for cell in code_cells(saved("walkthrough.ipynb")):
        assert len(fresh[cell.id]) == len(pngs(cell)), cell.id
        assert all(png.startswith(PNG_SIGNATURE) for png in fresh[cell.id])


@pytest.mark.slow
def test_exercise_checks_pass_with_the_answers_filled_in():
    nb = build.execute(build.fill(saved("exercises.ipynb"), build.ANSWERS))
    checks = code_cells(nb, "check")
    assert len(checks) == 4
    for cell in checks:
        assert printed(cell).endswith(": correct\n"), cell.id


@pytest.mark.slow
def test_exercise_checks_fail_with_the_blanks_left():
    nb = build.execute(saved("exercises.ipynb"), allow_errors=True)
    assert errors(nb) == {c.id: "NotImplementedError" for c in code_cells(nb, "check")}


@pytest.mark.slow
@pytest.mark.parametrize("which", range(len(build.WRONG_ANSWERS)))
def test_exercise_checks_catch_wrong_answers(which):
    """Plausible mistakes (no max in softmax, ReLU'(0) = 1, forgetting ReLU' in dZ1, no momentum, ...):
    every check cell must stop with an AssertionError, so a check that passes means something."""
    nb = build.execute(build.fill(saved("exercises.ipynb"), build.WRONG_ANSWERS[which]), allow_errors=True)
    assert errors(nb) == {c.id: "AssertionError" for c in code_cells(nb, "check")}
