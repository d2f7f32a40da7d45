"""The public search in a real browser: accessibility, keyboard only, no JavaScript, the map."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, assert_accessible
from tests.factories import make_location, make_organisation, make_postcode, make_service

KEIGHLEY = (53.868739, -1.907502)


def offline_tiles(page: Page) -> Page:
    """No network here: answer map tile requests with nothing, quickly. Also keep any
    script error (page.script_errors) so tests can say there were none."""
    page.route(re.compile(r"https?://[^/]*tile\.openstreetmap\.org/.*"), lambda route: route.fulfill(status=204))
    page.script_errors = []
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    return page


@pytest.fixture
def directory(reference_data):
    make_postcode("BD21 3DN", *KEIGHLEY)
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise")
    near = make_location(organisation, latitude=53.8700, longitude=-1.9000, postcode="BD21 3DN")
    make_service(
        "Urdu counselling",
        slug="urdu-counselling",
        organisation=organisation,
        description="One-to-one counselling in Urdu. Women counsellors.",
        support=["counselling"],
        communities=["pakistani-kashmiri"],
        languages=["ur", ("pa", "interpreter")],
        referrals=["gp", "self"],
        locations=[near],
    )
    make_service(
        "Polish peer group",
        slug="polish-peer-group",
        support=["peer-support"],
        languages=["pl"],
        referrals=["self"],
        locations=[make_location(latitude=53.8650, longitude=-1.9100)],
    )
    make_service("Urdu phone line", slug="urdu-phone-line", support=["helpline"], languages=["ur"], referrals=["self"])
    make_service(
        "Bradford drop-in",
        slug="bradford-drop-in",
        support=["peer-support"],
        languages=["en"],
        referrals=["drop-in"],
        locations=[make_location(latitude=53.7935, longitude=-1.7499)],
    )


# --- Accessibility --------------------------------------------------------------------------

PAGES = [
    "/",
    "/search/?postcode=BD21+3DN&language=ur&support=counselling",
    "/search/?postcode=ZZ9+9ZZ&language=zz",
    "/search/?q=nothing+like+this+exists",
    "/search/?q=urdu",
    "/services/urdu-counselling/",
    "/services/urdu-phone-line/",
    "/organisations/sunrise/",
]


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_have_no_accessibility_violations_on_a_desktop(page, directory, path):
    offline_tiles(page).goto(path)
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    assert page.script_errors == []


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_have_no_accessibility_violations_on_a_phone(phone, directory, path):
    offline_tiles(phone).goto(path)
    phone.wait_for_load_state("networkidle")
    assert_accessible(phone)
    assert phone.script_errors == []


def test_the_map_shows_the_same_search_as_the_list_when_a_parameter_was_bad(page, directory):
    offline_tiles(page).goto("/search/?language=ur&language=zz&radius=abc")
    expect(page.get_by_role("heading", name="2 services found")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)  # the Urdu service with a place
    assert page.script_errors == []


def test_a_postcode_error_is_summarised_linked_and_focused(page, directory):
    offline_tiles(page).goto("/search/?postcode=ZZ9+9ZZ")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("We could not find the postcode ZZ9 9ZZ")).click()
    expect(page.locator("#id_postcode")).to_be_focused()
    expect(page.get_by_role("heading", name="4 services found")).to_be_visible()


# --- Keyboard only --------------------------------------------------------------------------


def tab_to(page: Page, matches, limit: int = 150) -> None:
    """Press Tab until the focused element satisfies `matches` (a JS predicate on el)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {matches})(document.activeElement)"):
            return
    raise AssertionError(f"Never reached an element where {matches}")


def test_search_by_postcode_filter_by_language_and_open_a_result_with_the_keyboard_only(page, directory):
    offline_tiles(page).goto("/")
    tab_to(page, "el.id === 'id_postcode'")
    page.keyboard.type("bd21 3dn")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("services found"))).to_be_visible()
    assert "postcode=bd21+3dn" in page.url
    assert "language=" not in page.url  # empty choices are left out of the address

    # Open the language filter, tick Urdu, apply.
    tab_to(page, "el.tagName === 'SUMMARY' && el.textContent.trim().startsWith('Language')")
    page.keyboard.press("Enter")
    expect(page.locator("#filter-language")).to_have_attribute("open", "")
    tab_to(page, "el.id === 'f-language-ur'")
    page.keyboard.press("Space")
    tab_to(page, "el.textContent.trim() === 'Show results'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="2 services found")).to_be_visible()
    assert "language=ur" in page.url

    tab_to(page, "el.getAttribute('href') === '/services/urdu-counselling/'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Urdu counselling")


def test_a_map_marker_opens_its_popup_from_the_keyboard(page, directory):
    offline_tiles(page).goto("/search/?postcode=BD21+3DN")
    expect(page.locator(".leaflet-marker-icon")).to_have_count(2)
    tab_to(page, "el.classList.contains('leaflet-marker-icon')")
    page.keyboard.press("Enter")
    link = page.locator(".leaflet-popup a[data-field='url']")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "/services/" in page.url


def test_a_popup_whose_details_cannot_load_still_names_the_service_and_says_so(page, directory):
    # The points carry only their names; the popup fetches the rest (/search/geojson/<id>/).
    offline_tiles(page).route(re.compile(r".*/search/geojson/\d+/$"), lambda route: route.fulfill(status=500))
    page.goto("/search/?postcode=BD21+3DN")
    expect(page.locator(".leaflet-marker-icon")).to_have_count(2)
    page.locator(".leaflet-marker-icon").first.click()
    popup = page.locator(".leaflet-popup")
    expect(popup.locator(".error-message")).to_have_text(re.compile("could not be loaded"))
    expect(popup.locator(".popup__title")).not_to_be_empty()
    expect(popup.locator("[data-field='organisation']")).to_have_count(0)


# --- Without JavaScript ---------------------------------------------------------------------


def test_without_javascript_a_search_completes_and_a_result_opens(no_js_page, directory):
    page = no_js_page
    page.goto("/")
    expect(page.get_by_role("button", name="Use my location")).to_be_hidden()
    page.get_by_label("What are you looking for?").fill("counselling")
    page.get_by_label("Postcode").fill("BD21 3DN")
    page.get_by_label("Language").select_option("ur")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name="1 service found")).to_be_visible()
    expect(page.locator("[data-map-section]")).to_be_hidden()  # no empty map box
    page.get_by_role("link", name="Urdu counselling").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Urdu counselling")
    expect(page.get_by_text("Referral by a GP or health professional")).to_be_visible()


def test_without_javascript_filters_and_removing_a_filter_work(no_js_page, directory):
    page = no_js_page
    page.goto("/search/?postcode=BD21+3DN")
    page.locator("#filter-language summary").click()
    page.get_by_label(re.compile("^Polish")).check()
    page.get_by_role("button", name="Show results").click()
    expect(page.get_by_role("heading", name="1 service found")).to_be_visible()
    page.get_by_role("link", name=re.compile("Remove: Language: Polish")).click()
    expect(page.get_by_role("heading", name="3 services found")).to_be_visible()


# --- The map --------------------------------------------------------------------------------


def test_the_map_shows_markers_and_offers_to_search_the_area_after_panning(page, directory):
    offline_tiles(page).goto("/search/?support=peer-support&support=counselling")
    expect(page.locator(".leaflet-marker-icon")).to_have_count(3)
    button = page.get_by_role("button", name="Search this area")
    expect(button).to_be_hidden()
    page.locator("[data-map]").focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    expect(button).to_be_visible()
    button.click()
    page.wait_for_url(re.compile(r"bbox="))
    assert "support=counselling" in page.url
    expect(page.get_by_role("link", name=re.compile("Remove: In the map area"))).to_be_visible()


def test_a_search_of_the_map_area_lists_only_what_is_inside_it(page, directory):
    # Around Keighley: the Bradford drop-in and the phone line are outside (or nowhere).
    offline_tiles(page).goto("/search/?bbox=-1.95,53.85,-1.85,53.89")
    expect(page.get_by_role("heading", name="2 services found")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(2)
    expect(page.get_by_role("button", name="Search this area")).to_be_hidden()


def test_the_service_page_shows_a_small_map_of_its_place(page, directory):
    offline_tiles(page).goto("/services/urdu-counselling/")
    expect(page.locator(".service-map .leaflet-marker-icon")).to_have_count(1)


def test_use_my_location_asks_only_when_pressed_and_searches_nearby(browser, live_server, directory):
    context = browser.new_context(
        viewport=DESKTOP,
        base_url=live_server.url,
        geolocation={"latitude": KEIGHLEY[0], "longitude": KEIGHLEY[1]},
        permissions=["geolocation"],
    )
    page = offline_tiles(context.new_page())
    page.set_default_timeout(10_000)
    try:
        page.goto("/")
        page.get_by_role("button", name="Use my location").click()
        page.wait_for_url(re.compile(r"/search/\?.*lat=53\.869.*lon=-1\.908"))
        expect(page.get_by_role("heading", name="3 services found")).to_be_visible()
        expect(page.get_by_role("link", name=re.compile("Within 3 miles of your location"))).to_be_visible()
    finally:
        context.close()
