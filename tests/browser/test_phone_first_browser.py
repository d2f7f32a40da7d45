"""Issue 10 in a real browser: phone first (contact buttons, a number on every row, popup and
shared list), skip to results, filters that show they open, a focus ring that can be seen,
staff forms at 320 px, and the journeys counted in page loads."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from partners.models import Service
from tests.browser.conftest import PHONE, _close_page, _open_page, assert_accessible
from tests.factories import (
    make_location,
    make_member,
    make_organisation,
    make_postcode,
    make_rich_service,
    make_service,
)

SCREENSHOTS = "/tmp/i10-phone-screens"


@pytest.fixture
def directory(reference_data):
    make_postcode("BD8 7JH", latitude=53.7935, longitude=-1.7499)
    service = make_rich_service(slug="mornings")
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise", is_example=True)
    for name in ("Amber circle", "Birch group", "Cedar talks"):
        make_service(
            name,
            slug=name.lower().replace(" ", "-"),
            organisation=organisation,
            referrals=["gp"],
            phone="01632 960200",
            locations=[make_location(organisation, latitude=53.80, longitude=-1.76)],
        )
    return service


def offline(page: Page) -> Page:
    """No network here: map tiles answer with nothing."""
    page.route(re.compile(r"https?://[^/]*tile\.openstreetmap\.org/.*"), lambda route: route.fulfill(status=204))
    return page


def count_page_loads(page: Page) -> list[str]:
    """Every document the browser asked for, a redirect's hop not counted twice."""
    loads: list = []
    page.on("request", lambda request: request.resource_type == "document" and loads.append(request))
    return loads


def loaded(loads: list) -> int:
    return sum(1 for request in loads if request.redirected_to is None)


# --- Phone first -------------------------------------------------------------------------------


def test_the_service_page_puts_big_contact_buttons_on_a_phones_first_screen(phone, directory):
    offline(phone).goto("/services/mornings/")
    actions = phone.locator(".contact-actions a")
    expect(actions).to_have_count(4)  # call, email, website, directions (no text: a landline)
    call = phone.get_by_role("link", name="Call 01632 960102")
    expect(call).to_have_attribute("href", "tel:01632960102")
    for box in (actions.nth(i).bounding_box() for i in range(4)):
        assert box["height"] >= 44 and box["width"] >= 44
    assert call.bounding_box()["y"] + 44 <= PHONE["height"]
    directions = phone.get_by_role("link", name=re.compile("^Directions"))
    expect(directions.first).to_have_attribute("href", re.compile(r"^https://www\.openstreetmap\.org/directions\?to="))
    phone.screenshot(path=f"{SCREENSHOTS}/service-phone.png")
    assert_accessible(phone)


def test_on_a_wide_screen_the_service_page_keeps_two_columns(page, directory):
    offline(page).goto("/services/mornings/")
    main = page.locator(".service-main").bounding_box()
    side = page.locator(".service-side").bounding_box()
    assert side["x"] > main["x"] + main["width"] - 1
    assert_accessible(page)


@pytest.mark.parametrize("width", ["page", "phone"])
def test_a_result_row_shows_a_number_to_tap(request, width, directory):
    page = offline(request.getfixturevalue(width))
    page.goto("/search/?q=mornings")
    link = page.locator(".result .phone-link").first
    expect(link).to_have_text("01632 960102")
    expect(link).to_have_attribute("href", "tel:01632960102")
    expect(link).to_have_attribute("dir", "ltr")
    if width == "phone":
        page.screenshot(path=f"{SCREENSHOTS}/results-phone.png", full_page=True)
    assert_accessible(page)


def test_a_map_popup_shows_a_number_to_tap(page, directory):
    offline(page).goto("/search/?q=mornings")
    page.locator(".leaflet-marker-icon").first.click()
    link = page.locator(".leaflet-popup .phone-link")
    expect(link).to_have_text("01632 960102")
    expect(link).to_have_attribute("href", "tel:01632960102")
    # The popup fades in: measure contrast once it is fully shown, not half-transparent.
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    assert_accessible(page)


@pytest.mark.parametrize("width", ["page", "phone"])
def test_the_shared_list_shows_a_number_to_tap(request, width, directory):
    page = request.getfixturevalue(width)
    page.goto("/shortlist/?service=mornings&service=amber-circle")
    expect(page.locator(".phone-link")).to_have_count(2)
    expect(page.locator(".phone-link").first).to_have_attribute("href", "tel:01632960102")
    assert_accessible(page)


# --- Finding one's way -------------------------------------------------------------------------


def test_skip_to_results_moves_focus_to_the_results(phone, directory):
    offline(phone).goto("/search/")
    phone.get_by_role("link", name="Skip to results").click()
    assert phone.evaluate("document.activeElement.id") == "results-heading"


def test_a_filter_shows_whether_it_is_open(page, directory):
    offline(page).goto("/search/")
    summary = page.locator("#filter-language > summary")
    chevron = "el => getComputedStyle(el, '::before').transform"
    closed = summary.evaluate(chevron)
    summary.click()
    expect(page.locator("#filter-language")).to_have_attribute("open", "")
    assert summary.evaluate(chevron) != closed
    assert summary.evaluate("el => getComputedStyle(el, '::before').borderBottomWidth") == "3px"


def luminance(rgb: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(n) for n in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


BACKGROUND_BEHIND = """el => {
    for (let node = el.parentElement; node; node = node.parentElement) {
        const colour = getComputedStyle(node).backgroundColor;
        if (colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") return colour;
    }
    return "rgb(255, 255, 255)";
}"""


@pytest.mark.parametrize("selector", ["#search-form .button--search", ".site-nav a", ".result .phone-link"])
def test_a_focused_control_has_a_thick_ring_that_stands_out(page, directory, selector):
    offline(page).goto("/search/")
    target = page.locator(selector).first
    # Keyboard focus (Tab from the element before), so :focus-visible applies as for a keyboard user.
    target.evaluate(
        """el => {
            // Only what can take focus: the language switcher's links are hidden while it is closed.
            const all = [...document.querySelectorAll('a[href], button, input, select, summary')]
                .filter(node => node.checkVisibility());
            all[all.indexOf(el) - 1].focus();
        }"""
    )
    page.keyboard.press("Tab")
    expect(target).to_be_focused()
    style = target.evaluate(
        "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
    )
    assert style[0] == "solid" and float(style[1].removesuffix("px")) >= 2
    # The ring sits 2 px off the control, on what is behind it: it must stand out from that.
    background = target.evaluate(BACKGROUND_BEHIND)
    assert contrast(style[2], background) >= 3, (style, background)


# --- Staff forms and the sample-data banner ------------------------------------------------------


@pytest.fixture
def staff_at_320(browser: Browser, live_server, directory) -> Page:
    """An organisation owner, logged in, on a 320 px wide screen (WCAG 1.4.10 reflow)."""
    make_member(Service.objects.get(slug="amber-circle").organisation, email="owner@sunrise.example")
    page = _open_page(browser, live_server, viewport={"width": 320, "height": 700})
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("owner@sunrise.example")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your listings")
    yield page
    _close_page(page)


@pytest.mark.parametrize(
    "path",
    [
        "/manage/",
        "/manage/organisations/sunrise/",
        "/manage/organisations/sunrise/places/",
        "/manage/organisations/sunrise/places/add/",
        "/manage/organisations/sunrise/services/add/",
        "/manage/services/amber-circle/",
        "/manage/organisations/sunrise/team/",
    ],
)
def test_staff_forms_fit_a_320_pixel_screen(staff_at_320, path):
    page = staff_at_320
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > 320.5)
            .map(el => el.tagName + "." + el.className + "#" + el.id).slice(-5)"""
    )
    assert width <= 320, (path, too_wide)


def test_the_sample_data_banner_is_inside_a_landmark(phone, directory):
    phone.goto("/")
    banner = phone.locator(".example-banner")
    expect(banner).to_be_visible()
    expect(phone.get_by_role("region", name="These listings are examples.")).to_be_visible()
    assert_accessible(phone)


# --- Journeys, counted in page loads -------------------------------------------------------------


def test_a_resident_sees_a_services_number_within_three_page_loads(phone, directory):
    loads = count_page_loads(offline(phone))
    phone.goto("/")
    phone.get_by_label(re.compile("^Postcode")).fill("bd8 7jh")
    phone.get_by_role("button", name="Search", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Find support")
    expect(phone.locator(".result .phone-link").first).to_be_visible()
    phone.locator(".result__title a").first.click()
    expect(phone.get_by_role("link", name=re.compile("^Call "))).to_be_visible()
    assert loaded(loads) == 3


def build_a_sheet_of_three(page: Page, javascript: bool) -> None:
    page.goto("/")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find support")
    names = ("Amber circle", "Birch group", "Cedar talks")
    if javascript:
        expect(page.locator("[data-shortlist-pick]").first).to_be_hidden()
        for name in names:
            page.get_by_role("button", name=f"Add to shortlist ({name})").click()
            expect(page.get_by_role("button", name=f"Remove from shortlist ({name})")).to_be_visible()
        page.get_by_role("link", name=re.compile("^Shortlist")).click()
    else:
        for name in names:
            page.get_by_role("checkbox", name=f"Select {name}").check()
        page.get_by_role("button", name="Add selected to shortlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your shortlist")
    page.get_by_role("link", name="Printable sheet").click()
    for name in names:
        expect(page.get_by_role("heading", name=name)).to_be_visible()


def test_a_gp_prints_three_services_within_six_page_loads_with_javascript(page, directory):
    loads = count_page_loads(offline(page))
    build_a_sheet_of_three(page, javascript=True)
    assert loaded(loads) <= 6, [request.url for request in loads]


def test_a_gp_prints_three_services_within_six_page_loads_without_javascript(no_js_page, directory):
    loads = count_page_loads(no_js_page)
    build_a_sheet_of_three(no_js_page, javascript=False)
    assert loaded(loads) <= 6, [request.url for request in loads]


def test_without_javascript_the_results_offer_a_checkbox_per_row_on_a_phone(no_js_phone, directory):
    no_js_phone.goto("/search/")
    expect(no_js_phone.get_by_role("checkbox", name="Select Amber circle")).to_be_visible()
    no_js_phone.screenshot(path=f"{SCREENSHOTS}/results-no-js-phone.png", full_page=True)


def test_the_checkboxes_for_picking_several_are_accessible(phone, directory):
    # axe needs JavaScript, which hides these controls: show them again to check them.
    offline(phone).goto("/search/")
    phone.evaluate("document.querySelectorAll('[data-shortlist-pick]').forEach(el => { el.hidden = false; })")
    expect(phone.get_by_role("checkbox", name="Select Amber circle")).to_be_visible()
    assert_accessible(phone)
