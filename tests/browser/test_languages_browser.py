"""The public pages in Urdu (right to left) and Polish: accessible on a phone and a desktop,
laid out in the right direction, and usable with the keyboard only or without JavaScript."""

import pytest
from playwright.sync_api import expect

from directory import languages
from partners.models import Organisation
from tests.browser.conftest import DESKTOP, PHONE, assert_accessible
from tests.browser.test_search_browser import directory, offline_tiles, tab_to  # noqa: F401 (fixture)

# Every test here uses the search tests' listings (the `directory` fixture).
pytestmark = pytest.mark.usefixtures("directory")

PAGES = [
    "/",
    "/search/?q=urdu&postcode=BD21+3DN",
    "/services/urdu-counselling/",
    "/organisations/sunrise/",
    "/shortlist/?service=urdu-counselling&service=polish-peer-group",
    "/shortlist/print/?service=urdu-counselling",
    "/services/urdu-counselling/report/",
    "/for-professionals/",
    "/about/data/",
]


@pytest.mark.parametrize("code", ["ur", "pl"])
@pytest.mark.parametrize("path", PAGES)
def test_translated_pages_have_no_accessibility_violations_on_a_desktop(page, code, path):
    offline_tiles(page).goto(f"/{code}{path}")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == code
    assert_accessible(page)
    assert page.script_errors == []


@pytest.mark.parametrize("code", ["ur", "pl"])
@pytest.mark.parametrize("path", PAGES)
def test_translated_pages_have_no_accessibility_violations_on_a_phone(phone, code, path):
    offline_tiles(phone).goto(f"/{code}{path}")
    phone.wait_for_load_state("networkidle")
    assert_accessible(phone)
    assert phone.script_errors == []


# Urdu and Polish go through every public page above; the other languages through the pages
# a resident's journey needs, on a phone.
OTHER_LANGUAGES = [language.code for language in languages.TRANSLATED if language.code not in ("ur", "pl")]


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
@pytest.mark.parametrize("path", PAGES[:3])
def test_every_other_language_has_no_accessibility_violations_on_a_phone(phone, code, path):
    offline_tiles(phone).goto(f"/{code}{path}")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("html").get_attribute("lang") == code
    assert_accessible(phone)
    assert phone.script_errors == []


@pytest.mark.parametrize("code", [language.code for language in languages.TRANSLATED] + [""])
def test_the_search_box_stays_on_the_first_screen_of_a_phone(phone, code):
    offline_tiles(phone).goto(f"/{code}/" if code else "/")
    box = phone.locator("#id_q").bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]


def test_the_urdu_layout_runs_from_the_right(page):
    offline_tiles(page).goto("/ur/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    name = page.locator(".site-name").bounding_box()
    assert name["x"] + name["width"] > DESKTOP["width"] - 200  # at the right edge
    switcher = page.locator(".language-switcher summary").bounding_box()
    assert switcher["x"] < DESKTOP["width"] / 2  # the switcher at the other end of the header

    page.goto("/")
    assert page.locator(".site-name").bounding_box()["x"] < 200  # English starts at the left


def test_the_map_controls_sit_on_the_right_in_urdu(page):
    offline_tiles(page).goto("/ur/search/?postcode=BD21+3DN")
    zoom = page.locator(".leaflet-control-zoom")
    expect(zoom).to_be_visible()
    map_box = page.locator(".leaflet-container").bounding_box()
    assert zoom.bounding_box()["x"] > map_box["x"] + map_box["width"] / 2
    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "بڑا کریں")


def test_phone_numbers_read_left_to_right_in_urdu(page):
    Organisation.objects.filter(slug="sunrise").update(phone="01632 960100")
    offline_tiles(page).goto("/ur/organisations/sunrise/")
    phone_link = page.locator("a[href='tel:01632960100']").first
    expect(phone_link).to_have_text("01632 960100")
    assert phone_link.evaluate("el => getComputedStyle(el).direction") == "ltr"


def test_switch_to_urdu_search_and_open_a_service_with_the_keyboard_only(page):
    offline_tiles(page).goto("/")
    tab_to(page, "el.tagName === 'SUMMARY' && el.closest('.language-switcher')")
    page.keyboard.press("Enter")
    tab_to(page, "el.getAttribute('lang') === 'ur' && el.tagName === 'A'")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.url.endswith("/ur/")

    tab_to(page, "el.id === 'id_q'")
    page.keyboard.type("counselling")
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_have_text("1 سروس ملی")
    assert "/ur/search/?" in page.url

    tab_to(page, "el.getAttribute('href') === '/ur/services/urdu-counselling/'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Urdu counselling")
    expect(page.locator(".draft-notice")).to_contain_text("یہ ترجمہ نیا ہے")


def test_without_javascript_switch_to_urdu_search_and_open_a_service(no_js_page):
    page = no_js_page
    page.goto("/search/?q=counselling")
    page.locator(".language-switcher summary").click()
    page.get_by_role("link", name="اردو").click()
    assert page.url.endswith("/ur/search/?q=counselling")  # the same search, in Urdu
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    page.locator("#id_q").fill("urdu")
    page.locator("#id_q").press("Enter")
    page.locator("a[href='/ur/services/urdu-counselling/']").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Urdu counselling")
    # The language is in the address, never in a cookie.
    assert "django_language" not in [cookie["name"] for cookie in page.context.cookies()]
