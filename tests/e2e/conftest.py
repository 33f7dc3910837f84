"""End-to-end fixtures: build the site once, serve it on 127.0.0.1, open it in a real Chromium.

Kept here (not in tests/conftest.py) because the unit tests also run inside Pyodide, where
Playwright does not exist. The browser is Playwright's own Chromium where it is installed,
else the system's (``/usr/bin/chromium``, which scripts/test.sh installs with apt); no browser
at all is a failure, never a skip.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the tests import demo_page by its plain name

from demo_page import App, open_app  # noqa: E402
from local_server import serve_folder  # noqa: E402

import build_site  # noqa: E402
import chromium  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, playwright: Any) -> dict:
    executable = chromium.executable(playwright)
    if not executable:
        pytest.fail(chromium.MISSING, pytrace=False)
    return {**browser_type_launch_args, "executable_path": executable, "args": chromium.ARGS}


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once per test session by scripts/build_site.py (never the CDN)."""
    return build_site.build(tmp_path_factory.mktemp("site") / "_site", build_site.default_wheels(), cdn=None)


@pytest.fixture()
def folder(site: Path, tmp_path: Path) -> Path:
    """A copy of the built site, for one test to serve, stop and change (test_offline, test_snapshot)."""
    return Path(shutil.copytree(site, tmp_path / "site"))


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[str]:
    """A server on a free 127.0.0.1 port, serving the site (no headers of its own); yields its URL."""
    with serve_folder(site) as url:
        yield url


@pytest.fixture(scope="session")
def base_url(server: str) -> str:
    return server


@pytest.fixture(scope="session")
def app(browser: Any, server: str) -> Iterator[App]:
    """The demo, opened once on a desktop-sized window and shared by the tests that draw."""
    opened = open_app(browser, server, viewport={"width": 1280, "height": 900})
    yield opened
    opened.page.context.close()


@pytest.fixture()
def blank(app: App) -> App:
    """The shared page with an empty pad and the default network."""
    app.page.locator("label.model", has_text="default").click()  # a no-op when it is already chosen
    app.page.evaluate("window.scratchnn.pad.clear()")
    app.wait_for_prediction()
    return app
