"""Browser tests of the emulator page: Playwright driving Debian's Chromium (Playwright's own
browser download does not work here). Skipped, with the reason in pytest's summary, when
``/usr/bin/chromium`` or the ``playwright`` package is missing (``.ci/run`` installs both).

Each test gets the bot with its emulator on real HTTP (as ``make run`` serves it), a fresh
page, and ``shot(name)`` that saves a screenshot into ``var/test-output/browser/<test>/``.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, BotServer, free_port

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OUTPUT = ROOT / "var" / "test-output" / "browser"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None

MISSING = ("no Chromium at " + str(CHROMIUM) + " (apt-get install chromium fonts-noto-cjk)" if not CHROMIUM.exists()
           else "the playwright package is not installed (pip install -e '.[dev]')" if sync_playwright is None
           else "")


def pytest_collection_modifyitems(items):
    if MISSING:
        skip = pytest.mark.skip(reason=f"browser tests skipped: {MISSING}")
        for item in items:
            if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(make_settings):
    """The bot serving its emulator (API and page) on one port, as in demo mode."""
    port = free_port()
    settings = make_settings(emulator_enabled=True,
                             wecom={"api_base_url": f"http://127.0.0.1:{port}/emulator/cgi-bin/"})
    bot = BotServer(settings, None, port=port)
    yield bot
    bot.stop()


@pytest.fixture
def page(browser, site, request):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(20_000)
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def shot(page, request):
    """``shot("01-help")`` saves a full-page screenshot into this test's output folder."""
    folder = OUTPUT / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()

    def take(name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path))
        return path
    return take
