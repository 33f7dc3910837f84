#!/usr/bin/env bash
# The one test command: sets everything up (idempotent), then runs the linter and every test.
#   ./scripts/test.sh            all tests
#   ./scripts/test.sh -k weights extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh --test

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== pytest"
.venv/bin/python -m pytest "$@"
