"""scripts/measure_demo.py's Browsers: a visitor's browser with a profile of its own on disk (as a
visitor's Chrome, which keeps compiled code with its HTTP cache), or off-the-record contexts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import chromium
import measure_demo


def test_each_visitor_gets_a_new_profile_on_disk_deleted_at_close(playwright: Any):
    browsers = measure_demo.Browsers(playwright, chromium.executable(playwright))
    root = Path(browsers.profiles.name)
    try:
        first, page = browsers.new_context()
        second, _ = browsers.new_context()
        page.goto("about:blank")
        profiles = sorted(root.iterdir())
        assert [p.name for p in profiles] == ["profile-1", "profile-2"]
        assert all((p / "Default").is_dir() for p in profiles)  # Chrome's own profile, on disk
        assert first.browser is not second.browser  # each its own browser
        first.close()
        second.close()
    finally:
        browsers.close()
    assert not root.exists()


def test_incognito_contexts_share_one_browser_and_keep_nothing_on_disk(playwright: Any):
    browsers = measure_demo.Browsers(playwright, chromium.executable(playwright), incognito=True)
    try:
        first, _ = browsers.new_context()
        second, _ = browsers.new_context()
        assert first.browser is second.browser is browsers.shared
        assert list(Path(browsers.profiles.name).iterdir()) == []
    finally:
        browsers.close()
