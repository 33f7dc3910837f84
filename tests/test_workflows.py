"""The GitHub Actions workflows: zizmor finds nothing in them, and would find a regression.

scripts/test.sh runs `zizmor --offline .github/workflows` and fails on any finding. These tests
check that the gate has teeth (each kind of defect it was brought in for, put back into a copy of
the workflows, is reported), that every action is pinned to a commit that names its release, and
that CI runs the README's test command. CPython only (zizmor is a program in .venv/bin).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
ZIZMOR = Path(sys.executable).parent / "zizmor"
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", re.MULTILINE)
PINNED = re.compile(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}")
RELEASE = re.compile(r"\s+# v\d+\.\d+\.\d+$")


def zizmor(folder: Path) -> subprocess.CompletedProcess[str]:
    """zizmor --offline on folder, as scripts/test.sh runs it (no network, no GitHub token)."""
    return subprocess.run(
        [str(ZIZMOR), "--offline", "--quiet", str(folder)], capture_output=True, text=True, timeout=120, check=False
    )


def copy_of_workflows(tmp_path: Path) -> Path:
    """A copy of .github (the workflows and any zizmor.yml) to break on purpose."""
    shutil.copytree(ROOT / ".github", tmp_path / ".github")
    return tmp_path / ".github" / "workflows"


def unpin_checkout(workflow: str) -> str:
    return re.sub(r"actions/checkout@[0-9a-f]{40} # v(\d+)\S*", r"actions/checkout@v\1", workflow)


def persist_credentials(workflow: str) -> str:
    return workflow.replace("        with:\n          persist-credentials: false\n", "", 1)


def default_permissions(workflow: str) -> str:
    workflow = workflow.replace("permissions: {}\n", "", 1)
    return re.sub(r"    permissions:\n      contents: read.*\n", "", workflow, count=1)


def pages_write_for_every_job(workflow: str) -> str:
    workflow = workflow.replace(
        "permissions: {}\n", "permissions:\n  contents: read\n  pages: write\n  id-token: write\n"
    )
    return re.sub(r"    permissions:\n      contents: read.*\n", "", workflow, count=1)


@pytest.mark.parametrize(
    ("name", "break_it", "finding"),
    [
        ("ci.yml", unpin_checkout, "unpinned-uses"),
        ("ci.yml", persist_credentials, "artipacked"),
        ("ci.yml", default_permissions, "excessive-permissions"),
        ("pages.yml", unpin_checkout, "unpinned-uses"),
        ("pages.yml", persist_credentials, "artipacked"),
        ("pages.yml", pages_write_for_every_job, "excessive-permissions"),
    ],
)
def test_zizmor_reports_each_kind_of_defect_put_back(
    tmp_path: Path, name: str, break_it: Callable[[str], str], finding: str
):
    workflow = copy_of_workflows(tmp_path) / name
    broken = break_it(workflow.read_text())
    assert broken != workflow.read_text(), f"{break_it.__name__} found nothing to change in {name}"
    workflow.write_text(broken)
    result = zizmor(workflow.parent)
    assert result.returncode != 0
    assert f"[{finding}]" in result.stdout
    assert name in result.stdout


def test_zizmor_finds_nothing_in_the_workflows(tmp_path: Path):
    result = zizmor(copy_of_workflows(tmp_path))
    assert result.returncode == 0, result.stdout
    assert "No findings" in result.stdout


def test_every_action_is_pinned_to_a_commit_that_names_its_release():
    uses = [(path.name, *match) for path in sorted(WORKFLOWS.glob("*.yml")) for match in USES.findall(path.read_text())]
    assert len(uses) == 8, uses  # 3 in ci.yml, 5 in pages.yml
    for name, action, comment in uses:
        assert PINNED.fullmatch(action), f"{name}: {action} is not pinned to a 40-hex commit"
        assert RELEASE.fullmatch(comment), f"{name}: {action} has no '# vX.Y.Z' comment naming its release"


def test_ci_runs_the_readme_test_command_and_it_runs_zizmor():
    assert "`./scripts/test.sh`" in (ROOT / "README.md").read_text()
    assert "run: ./scripts/test.sh\n" in (WORKFLOWS / "ci.yml").read_text()
    assert (ROOT / ".ci" / "run").read_text().rstrip().endswith("exec ./scripts/test.sh")
    test_sh = (ROOT / "scripts" / "test.sh").read_text()
    ruff, zizmor_step = test_sh.index(".venv/bin/ruff format --check ."), test_sh.index(".venv/bin/zizmor --offline")
    assert ruff < zizmor_step < test_sh.index(".venv/bin/python -m pytest")
