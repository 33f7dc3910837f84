#!/usr/bin/env bash
# Idempotent set-up of the web demo's tools, after scripts/setup.sh (source it, or run it):
#   - Pyodide 0.27.7 from the npm package pinned in web/package.json + package-lock.json (`npm ci`,
#     again only when the lock file changed), with the dev tools pinned there: prettier, and
#     axe-core for tests/e2e/test_accessibility.py (neither is ever copied into the site);
#   - with --browser: a Chromium for the end-to-end tests. Playwright's own Chromium when it is
#     installed, else the system's; none found and running as root: `apt-get install chromium`.
#     No browser in the end is an error: the end-to-end tests are never skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Node.js and npm (apt)"
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "setup: error: Node.js >= 18 and npm are needed for the web demo (https://nodejs.org)" >&2
    exit 1
  fi
fi

stamp=web/node_modules/.scratchnn-installed
if [ ! -f "$stamp" ] || [ web/package-lock.json -nt "$stamp" ]; then
  echo "setup: npm ci in web/ (Pyodide $(grep -o '"pyodide": "[^"]*"' web/package.json | cut -d'"' -f4))"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi

if [ "${1:-}" = "--browser" ]; then
  own=$(.venv/bin/python - <<'PY' 2>/dev/null || true
from playwright.sync_api import sync_playwright

with sync_playwright() as p:
    print(p.chromium.executable_path)
PY
)
  if [ -n "$own" ] && [ -x "$own" ]; then
    echo "setup: browser: Playwright's Chromium ($own)"
  elif [ -x /usr/bin/chromium ]; then
    echo "setup: browser: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
  elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Chromium (apt-get install chromium) for the end-to-end tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    [ -x /usr/bin/chromium ] || { echo "setup: error: apt did not install /usr/bin/chromium" >&2; exit 1; }
  else
    echo "setup: error: no Chromium for the end-to-end tests; install one (apt-get install chromium," >&2
    echo "       or .venv/bin/playwright install chromium) and run again" >&2
    exit 1
  fi
fi
