#!/usr/bin/env bash
# The one test command: sets everything up (idempotent), then runs the linters and every test:
#   1. the checkers: ruff (lint + format), mypy (the package's types), prettier (the page's
#      JavaScript, HTML and CSS, pinned in web/package.json), zizmor (the workflows, offline);
#   2. pytest in CPython: the unit tests and the end-to-end tests of the web demo in Chromium;
#   3. the package's pure unit tests again, inside Pyodide under Node (the browser's runtime).
#
#   ./scripts/test.sh            all of it
#   ./scripts/test.sh -k weights extra arguments go to the CPython pytest run
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
scripts/setup_web.sh --browser
scripts/setup_bench.sh

# pytest and hypothesis, with their pure-Python dependencies, as wheels for Pyodide (Python 3.12),
# fetched into a git-ignored cache: the versions in .venv. (pyproject.toml pins hypothesis 6.155.7,
# the last pure-Python release: from 6.156 on it has a compiled part that PyPI has no build of for
# Pyodide 0.27.) A cache that lacks the wheel of either version (a first run, or a version changed)
# is fetched again, into a folder beside it that replaces it only once every wheel is there.
pytest_version=$(.venv/bin/python -c "import pytest; print(pytest.__version__)")
hypothesis_version=$(.venv/bin/python -c "import hypothesis; print(hypothesis.__version__)")
wheels=.cache/pyodide-wheels
has_wheels() { # has_wheels FOLDER: true when FOLDER holds the pytest and the hypothesis wheel wanted
  ls "$1"/pytest-"$pytest_version"-*.whl "$1"/hypothesis-"$hypothesis_version"-*.whl >/dev/null 2>&1
}
if ! has_wheels "$wheels"; then
  echo "setup: downloading pytest $pytest_version and hypothesis $hypothesis_version wheels for Pyodide into $wheels"
  rm -rf "$wheels.part"
  .venv/bin/python -m pip download --quiet --disable-pip-version-check -d "$wheels.part" --only-binary=:all: \
    --python-version 3.12 --platform any --implementation py \
    "pytest==$pytest_version" "hypothesis==$hypothesis_version" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  if ! has_wheels "$wheels.part"; then
    rm -rf "$wheels.part"
    echo "setup: could not download the wheels for Pyodide (see pip's message above)" >&2
    exit 1
  fi
  rm -rf "$wheels"
  mv "$wheels.part" "$wheels"
fi

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== mypy (python/scratchnn)"
.venv/bin/mypy

echo "== prettier (web/)"
(cd web && node_modules/.bin/prettier --check . --log-level warn)

echo "== zizmor (.github/workflows, offline: no GitHub API)"
.venv/bin/zizmor --offline --quiet .github/workflows

# Both test runs always run; the command fails if either failed.
status=0
echo "== pytest (CPython: unit tests and end-to-end tests in Chromium)"
.venv/bin/python -m pytest "$@" || status=$?

echo "== pytest inside Pyodide under Node (the package's pure unit tests)"
# MNIST (verified, or downloaded by the CPython run above) is mounted into Pyodide from here.
SCRATCHNN_DATA_DIR=$(.venv/bin/python -c "from scratchnn import mnist; print(mnist.resolve_data_dir())") \
  node tests/pyodide/run_tests.mjs --wheels "$wheels" || status=$?
exit "$status"
