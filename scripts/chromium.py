"""Which Chromium the tests and the measuring scripts launch, and with which flags.

Playwright's own Chromium where it is installed (on a developer's machine), else the system's
(`apt-get install chromium` on the build machines, where Playwright cannot download its own).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

ARGS = [
    "--headless",
    "--no-sandbox",  # the tests run as root on the build machines
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no calls home: the machines have no internet
    "--disable-component-update",
    "--disable-sync",
]
SYSTEM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
MISSING = (
    "no Chromium found: neither Playwright's own nor /usr/bin/chromium. "
    "scripts/test.sh installs one (apt-get install chromium, as root)"
)


def executable(playwright: Any) -> str | None:
    """Playwright's Chromium if installed, else a system one, else None."""
    own = playwright.chromium.executable_path
    if own and Path(own).is_file():
        return own
    return next((path for path in SYSTEM if Path(path).is_file()), None) or shutil.which("chromium")
