#!/usr/bin/env bash
# The main command: sets everything up (idempotent), builds the web demo into _site/ and serves
# it on http://127.0.0.1:8000/ (the URL is printed; Ctrl-C stops). Extra arguments go to
# scripts/serve.py, e.g. --port 0 for any free port. Training: .venv/bin/python scripts/train.py
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
scripts/setup_web.sh
exec .venv/bin/python scripts/serve.py "$@"
