#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: a virtual environment in .venv with the package
# (editable) and its tools, and $SCRATCHNN_DATA_DIR pointed at a local MNIST when there is one.
# The web side (npm ci, a Chromium for the tests) is scripts/setup_web.sh.
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
# Reinstall only when pyproject.toml changed since the last successful install.
stamp=.venv/.scratchnn-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing scratchnn and its tools into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  touch "$stamp"
fi

# Point the data loader at a local copy of MNIST when there is one (these build machines have
# one beside the checkout); elsewhere the loader downloads and verifies the files itself.
if [ -z "${SCRATCHNN_DATA_DIR:-}" ] && [ -d ../shared/data/mnist ]; then
  export SCRATCHNN_DATA_DIR="$(cd ../shared/data/mnist && pwd)"
fi
