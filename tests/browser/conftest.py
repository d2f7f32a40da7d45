"""Browser tests: Playwright driving Debian's Chromium, with axe-core for accessibility.

Chromium must be installed (`.ci/run` installs it): a missing browser fails the
run rather than skipping, so accessibility is never silently untested."""

import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps as django_apps
from playwright.sync_api import Browser, Page, sync_playwright

from partners.reference_data import seed_reference_data

# Playwright's sync API runs an event loop in this thread; the ORM calls made by
# the test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
# The phone the issues name: a 390 by 844 screen (a common mid-size phone).
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def reference_data(transactional_db):
    """Live-server tests flush the database, so put the vocabularies back each time."""
    seed_reference_data(django_apps.get_model)


def _open_page(browser: Browser, live_server, **context_options) -> Page:
    context = browser.new_context(base_url=live_server.url, **context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Every browser test is also a Content Security Policy test: the browser reports
    # each blocked inline script or style on the console.
    page.csp_violations = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and page.csp_violations.append(message.text),
    )
    return page


def _close_page(page: Page) -> None:
    violations = page.csp_violations
    page.context.close()
    assert not violations, "Content Security Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def page(browser: Browser, live_server, reference_data) -> Page:
    page = _open_page(browser, live_server, viewport=DESKTOP)
    yield page
    _close_page(page)


@pytest.fixture
def phone(browser: Browser, live_server, reference_data) -> Page:
    page = _open_page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    _close_page(page)


@pytest.fixture
def no_js_phone(browser: Browser, live_server, reference_data) -> Page:
    page = _open_page(browser, live_server, viewport=PHONE, is_mobile=True, java_script_enabled=False)
    yield page
    _close_page(page)


@pytest.fixture
def no_js_page(browser: Browser, live_server, reference_data) -> Page:
    page = _open_page(browser, live_server, viewport=DESKTOP, java_script_enabled=False)
    yield page
    _close_page(page)


_axe = Axe()


def assert_accessible(page: Page) -> None:
    """Run every axe-core rule (WCAG 2.x A/AA and best practices) on the page; fail on any violation."""
    results = _axe.run(page)
    assert results.violations_count == 0, results.generate_report()
