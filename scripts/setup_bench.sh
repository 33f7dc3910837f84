#!/usr/bin/env bash
# Idempotent set-up of the benchmarks' own npm packages: TensorFlow.js 4.22 and its WebAssembly
# backend, pinned in benchmarks/tfjs/package.json + package-lock.json, for the TF.js column of
# scripts/bench_browser.py (and its test). They are never copied into the site.
# `npm ci` runs again only when the lock file changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v npm >/dev/null 2>&1; then
  echo "setup_bench: error: Node.js >= 18 and npm are needed (scripts/setup_web.sh installs them as root)" >&2
  exit 1
fi

stamp=benchmarks/tfjs/node_modules/.scratchnn-installed
if [ ! -f "$stamp" ] || [ benchmarks/tfjs/package-lock.json -nt "$stamp" ]; then
  echo "setup_bench: npm ci in benchmarks/tfjs/ (TensorFlow.js $(grep -o '"@tensorflow/tfjs": "[^"]*"' benchmarks/tfjs/package.json | cut -d'"' -f4))"
  (cd benchmarks/tfjs && npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi
