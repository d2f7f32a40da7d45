"""Weekly hours in a real browser: staff set them without JavaScript; the public page
shows them, today marked, with no axe violations at phone width."""

import pytest
from playwright.sync_api import expect

from editing.models import Revision
from tests.browser.conftest import assert_accessible
from tests.browser.test_manage_journey import listing, log_in  # noqa: F401 (fixture)
from tests.factories import make_member

pytestmark = pytest.mark.browser


def test_staff_set_saturday_hours_on_a_phone_without_javascript(no_js_phone, listing):  # noqa: F811
    make_member(listing.organisation, email="owner@sunrise.example")
    log_in(no_js_phone, "owner@sunrise.example")
    no_js_phone.goto("/manage/services/womens-talking-circle/")
    saturday = no_js_phone.get_by_role("group", name="Saturday")
    saturday.get_by_label("Open", exact=True).check()
    saturday.get_by_label("Opens", exact=True).fill("10:00")
    saturday.get_by_label("Closes").first.fill("12:00")
    no_js_phone.get_by_label("Closures and changed hours on particular dates (optional)").fill("2026 Dec 25 off")
    no_js_phone.get_by_role("button", name="Send for approval").click()
    expect(no_js_phone.get_by_text("waiting for a moderator")).to_be_visible()
    assert Revision.objects.pending().get().snapshot["hours"] == "Sa 10:00-12:00; 2026 Dec 25 off"


def test_the_hours_form_with_errors_is_accessible_on_a_phone(phone, listing):  # noqa: F811
    make_member(listing.organisation, email="owner@sunrise.example")
    log_in(phone, "owner@sunrise.example")
    phone.goto("/manage/services/womens-talking-circle/")
    phone.get_by_role("group", name="Monday").get_by_label("Open", exact=True).check()
    phone.get_by_role("button", name="Send for approval").click()
    expect(phone.get_by_role("alert")).to_contain_text("Give the opening and closing times")
    assert_accessible(phone)


def test_the_service_page_with_hours_is_accessible_on_a_phone(phone, listing):  # noqa: F811
    listing.hours = 'Mo-Fr 09:00-17:00; Sa 10:00-12:00; "by appointment"'
    listing.save()
    listing.save_opening_periods()
    listing.service_languages.update(hours="Tu 18:00-21:00")
    phone.goto("/services/womens-talking-circle/")
    expect(phone.get_by_text("(today)")).to_be_visible()
    expect(phone.get_by_text("available Tuesday")).to_be_visible()
    assert_accessible(phone)
