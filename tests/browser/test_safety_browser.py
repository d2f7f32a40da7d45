"""Crisis help and "Leave this site" in a real browser, on a 390 by 844 phone and a desktop:
visible on the first screen without pushing the search box off it, reachable first by
keyboard, working without JavaScript, and accessible. Screenshots go to
tests/browser/screenshots/ (not committed) for a person to look at."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.factories import make_service

EXIT_URL = "https://www.bbc.co.uk/weather"
SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture
def services(reference_data):
    for number in range(12):
        make_service(f"Counselling group {number:02}", support=["counselling"])
    make_service("Night crisis line", support=["crisis-support"], opening_hours="24/7", phone="01632 960 999")


def neutral_page(page: Page) -> Page:
    """No network here: the neutral page answers from the test."""
    page.route(
        re.compile(r"https://www\.bbc\.co\.uk/weather.*"), lambda route: route.fulfill(body="<title>Weather</title>")
    )
    return page


def on_first_screen(page: Page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")


@pytest.mark.parametrize(("path", "name"), [("/", "home"), ("/search/?q=counselling", "results")])
def test_on_a_phone_crisis_help_and_the_search_box_share_the_first_screen(phone, services, path, name):
    phone.goto(path)
    screenshot(phone, f"phone-{name}")
    assert on_first_screen(phone, "[data-crisis-panel]")
    assert on_first_screen(phone, "[data-exit-link]")
    assert on_first_screen(phone, "#id_q")
    assert on_first_screen(phone, "[data-crisis-panel] a[href='tel:116123']")
    assert_accessible(phone)


@pytest.mark.parametrize("path", ["/", "/search/?q=counselling", "/crisis/", "/privacy/", "/about/", "/accessibility/"])
def test_safety_pages_and_panel_have_no_accessibility_violations_on_a_desktop(page, services, path):
    page.goto(path)
    screenshot(page, "desktop-" + (path.strip("/").split("/")[0] or "home"))
    assert on_first_screen(page, "[data-crisis-panel]")
    assert_accessible(page)


def test_a_search_for_suicide_opens_with_crisis_help_on_a_phone(phone, services):
    phone.goto("/search/?q=suicide")
    screenshot(phone, "phone-suicide-search")
    box = phone.locator("[data-crisis-box]")
    expect(box).to_be_visible()
    expect(box.get_by_role("link", name="Samaritans: call 116 123")).to_have_attribute("href", "tel:116123")
    expect(box.get_by_role("link", name="Night crisis line", exact=True)).to_be_visible()
    assert on_first_screen(phone, "[data-crisis-box] h2")
    assert_accessible(phone)


@pytest.mark.parametrize("path", ["/no-such-page/", "/crisis/"])
def test_error_and_crisis_pages_on_a_phone(phone, services, path):
    phone.goto(path)
    screenshot(phone, "phone-" + path.strip("/"))
    assert on_first_screen(phone, "[data-crisis-panel]")
    assert_accessible(phone)


def test_leave_this_site_is_the_second_tab_stop(page, services):
    page.goto("/")
    page.keyboard.press("Tab")
    assert "Skip to main content" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.hasAttribute('data-exit-link')")


def test_leave_this_site_works_without_javascript(no_js_page, services):
    neutral_page(no_js_page).goto("/crisis/")
    no_js_page.get_by_role("link", name="Leave this site").click()
    expect(no_js_page).to_have_url(EXIT_URL)


def test_leave_this_site_replaces_the_page_in_the_history(page, services):
    neutral_page(page).goto("/")
    page.goto("/crisis/")
    page.get_by_role("link", name=re.compile("Leave this site")).click()
    expect(page).to_have_url(EXIT_URL)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/$"))  # the crisis page is gone from the history


def test_pressing_shift_three_times_leaves(page, services):
    neutral_page(page).goto("/")
    for _ in range(3):
        page.keyboard.press("Shift")
    expect(page).to_have_url(EXIT_URL)


def test_typing_capital_letters_does_not_leave(page, services):
    neutral_page(page).goto("/")
    page.locator("#id_q").click()
    page.keyboard.type("ABC")
    assert page.url.endswith("/")
    expect(page.locator("#id_q")).to_have_value("ABC")
