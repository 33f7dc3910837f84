#!/usr/bin/env bash
# The one test command: sets everything up (idempotent), then runs the linter and every test:
#   1. ruff (lint + format check);
#   2. pytest in CPython: the unit tests and the end-to-end tests of the web demo in Chromium;
#   3. the package's pure unit tests again, inside Pyodide under Node (the browser's runtime).
#
#   ./scripts/test.sh            all of it
#   ./scripts/test.sh -k weights extra arguments go to the CPython pytest run
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
scripts/setup_web.sh --browser

# pytest and its pure-Python dependencies as wheels for Pyodide (Python 3.12), fetched once into
# a git-ignored cache; the same pytest version as in .venv.
pytest_version=$(.venv/bin/python -c "import pytest; print(pytest.__version__)")
wheels=.cache/pyodide-wheels
if ! ls "$wheels"/pytest-"$pytest_version"-*.whl >/dev/null 2>&1; then
  echo "setup: downloading pytest $pytest_version wheels for Pyodide into $wheels"
  rm -rf "$wheels"
  .venv/bin/python -m pip download --quiet --disable-pip-version-check -d "$wheels" --only-binary=:all: \
    --python-version 3.12 --platform any --implementation py "pytest==$pytest_version" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  ls "$wheels"/pytest-"$pytest_version"-*.whl >/dev/null
fi

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

# Both test runs always run; the command fails if either failed.
status=0
echo "== pytest (CPython: unit tests and end-to-end tests in Chromium)"
.venv/bin/python -m pytest "$@" || status=$?

echo "== pytest inside Pyodide under Node (the package's pure unit tests)"
# MNIST (verified, or downloaded by the CPython run above) is mounted into Pyodide from here.
SCRATCHNN_DATA_DIR=$(.venv/bin/python -c "from scratchnn import mnist; print(mnist.resolve_data_dir())") \
  node tests/pyodide/run_tests.mjs --wheels "$wheels" || status=$?
exit "$status"
