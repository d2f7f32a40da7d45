"""Crisis help and "Leave this site" in a real browser, on a 390 by 844 phone and a desktop:
visible on the first screen without pushing the search box off it, reachable first by
keyboard, working without JavaScript, and accessible. Screenshots go to
tests/browser/screenshots/ (not committed) for a person to look at."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from directory import languages
from signposting.crisis import national_lines
from signposting.models import CrisisLine
from tests.browser.conftest import PHONE, assert_accessible
from tests.factories import make_location, make_postcode, make_service

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


# The panel's lines of text: the distinct rows its visible text sits on (the title, left to
# screen readers on a phone, is a 1-pixel box and does not count).
PANEL_LINES = """() => {
    const panel = document.querySelector('[data-crisis-panel]');
    const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
    const rows = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const box of range.getClientRects()) {
            if (box.height < 4 || box.width < 2) continue;
            const middle = box.top + box.height / 2;
            if (!rows.some(row => Math.abs(row - middle) < box.height / 2)) rows.push(middle);
        }
    }
    const style = getComputedStyle(panel);
    return {
        rows: rows.length,
        height: panel.getBoundingClientRect().height,
        lineHeight: parseFloat(style.lineHeight),
        padding: parseFloat(style.paddingBlockStart) + parseFloat(style.paddingBlockEnd),
    };
}"""


def panel_lines(page: Page) -> dict:
    return page.evaluate(PANEL_LINES)


def visible_panel_links(page: Page) -> list[str]:
    links = page.locator("[data-crisis-panel] a")
    return [links.nth(i).get_attribute("href") for i in range(links.count()) if links.nth(i).is_visible()]


@pytest.mark.parametrize("code", [""] + [language.code for language in languages.TRANSLATED])
def test_on_a_phone_the_crisis_panel_takes_at_most_two_lines_in_every_language(phone, services, code):
    for path, name in [("/", "home"), ("/search/?q=counselling", "results")]:
        phone.goto(f"/{code}{path}" if code else path)
        screenshot(phone, f"phone-panel-{code or 'en'}-{name}")
        lines = panel_lines(phone)
        assert lines["rows"] <= 2, f"{code or 'en'} {path}: the crisis panel takes {lines['rows']} lines"
        assert lines["height"] <= 2 * lines["lineHeight"] + lines["padding"] + 1
        # The emergency number first, then the next lines in the moderators' order, and the
        # way to the rest; every one of them on the first screen, with no sideways scrolling.
        expected = ["tel:999", "tel:111", "tel:116123", f"/{code}/crisis/" if code else "/crisis/"]
        assert visible_panel_links(phone) == expected
        for href in expected:
            assert on_first_screen(phone, f"[data-crisis-panel] a[href='{href}']")
        assert on_first_screen(phone, "[data-exit-link]")
        assert on_first_screen(phone, "#id_q"), f"{code or 'en'} {path}: the search box is off the first screen"
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert_accessible(phone)

    phone.goto(f"/{code}/no-such-page/" if code else "/no-such-page/")  # an error page has the panel too
    screenshot(phone, f"phone-panel-{code or 'en'}-404")
    assert panel_lines(phone)["rows"] <= 2
    assert on_first_screen(phone, "#error-q")
    assert_accessible(phone)


def test_on_a_phone_the_lines_the_panel_has_no_room_for_are_one_tap_away(phone, services):
    phone.goto("/")
    shout = phone.locator("[data-crisis-panel] a[href^='sms:85258']")
    expect(shout).to_be_hidden()
    phone.locator("[data-crisis-panel]").get_by_role("link", name="More crisis help").click()
    expect(phone).to_have_url(re.compile(r"/crisis/$"))
    expect(phone.get_by_role("link", name="Shout: text SHOUT to 85258")).to_be_visible()


def test_on_a_desktop_the_panel_shows_every_line(page, services):
    page.goto("/")
    panel = page.locator("[data-crisis-panel]")
    expect(panel.get_by_text("Need help now?")).to_be_visible()
    for name in ["Emergency: call 999", "NHS: call 111, option 2", "Samaritans: call 116 123"]:
        expect(panel.get_by_role("link", name=name)).to_be_visible()
    shout = panel.get_by_role("link", name="Shout: text SHOUT to 85258")
    expect(shout).to_be_visible()
    expect(shout).to_have_attribute("href", "sms:85258?&body=SHOUT")


def test_on_a_phone_the_panel_follows_the_moderators_order(phone, services):
    # Live-server tests empty the tables, so seed the national lines as migration 0002 does.
    for line in national_lines():
        line.save()
    CrisisLine.objects.create(name="Bradford Safe Space", number="01632 960 111", order=15)
    phone.goto("/")
    assert visible_panel_links(phone) == ["tel:999", "tel:01632960111", "tel:111", "/crisis/"]
    expect(phone.get_by_role("link", name="Bradford Safe Space: call 01632 960 111")).to_be_visible()
    # (Two lines are a budget for short names: this one's long name and number take a third.)


def test_crisis_panel_links_are_tap_targets_of_at_least_24_pixels(phone, services):
    phone.goto("/")
    links = phone.locator("[data-crisis-panel] a")
    for i in range(links.count()):
        if links.nth(i).is_visible():
            box = links.nth(i).bounding_box()
            assert box["width"] >= 24 and box["height"] >= 24, links.nth(i).text_content()


def test_a_number_in_the_panel_reads_left_to_right_in_urdu(phone, services):
    phone.goto("/ur/")
    samaritans = phone.locator("[data-crisis-panel] a[href='tel:116123']")
    expect(samaritans).to_have_text("116 123")
    assert samaritans.evaluate("el => getComputedStyle(el).direction") == "ltr"


@pytest.mark.parametrize("code", ["", "pl", "ur"])
def test_the_crisis_panel_reflows_at_320_pixels_and_with_wider_text_spacing(phone, services, code):
    phone.set_viewport_size({"width": 320, "height": 700})
    phone.goto(f"/{code}/" if code else "/")
    # WCAG 1.4.12's spacing, from a constructed style sheet (the page's CSP allows no inline style).
    phone.evaluate(
        """() => {
            const sheet = new CSSStyleSheet();
            sheet.replaceSync('* { line-height: 1.5 !important; letter-spacing: 0.12em !important; '
                + 'word-spacing: 0.16em !important; } p { margin-block-end: 2em !important; }');
            document.adoptedStyleSheets = [sheet];
        }"""
    )
    screenshot(phone, f"phone-320-spacing-{code or 'en'}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 320
    panel = phone.locator("[data-crisis-panel]").bounding_box()
    for href in ["tel:999", "tel:111", "tel:116123"]:
        link = phone.locator(f"[data-crisis-panel] a[href='{href}']").bounding_box()
        assert panel["x"] <= link["x"] and link["x"] + link["width"] <= panel["x"] + panel["width"]


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


def test_a_crisis_page_with_more_crisis_services_than_it_lists_finds_those_near_a_postcode(phone, reference_data):
    make_postcode("BD21 3DN", 53.868739, -1.907502)
    for number in range(10):  # far away, first by name
        far = make_location(latitude=51.5072, longitude=-0.1276)
        make_service(f"A crisis team {number}", support=["crisis-support"], opening_hours="24/7", locations=[far])
    near = make_location(latitude=53.8680, longitude=-1.9060)
    make_service("Keighley crisis café", support=["crisis-support"], opening_hours="24/7", locations=[near])
    phone.goto("/crisis/")
    expect(phone.get_by_role("link", name="Keighley crisis café")).to_have_count(0)
    expect(phone.get_by_role("link", name="See all 11 crisis support services")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_label("Postcode").fill("bd21 3dn")
    phone.get_by_role("button", name="Search").click()
    expect(phone.locator("h1")).to_be_visible()
    expect(phone.get_by_role("link", name="Keighley crisis café", exact=True)).to_be_visible()
    expect(phone.get_by_role("link", name="A crisis team 0", exact=True)).to_have_count(0)  # in London
    assert "support=crisis-support" in phone.url
    screenshot(phone, "phone-crisis-near-a-postcode")
