#!/usr/bin/env bash
# The main command: sets everything up (idempotent), then trains the default network on MNIST
# and writes web/weights/default.json. Extra arguments go to scripts/train.py.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
.venv/bin/python scripts/train.py "$@"
