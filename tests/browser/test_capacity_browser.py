"""Capacity in a real browser at phone width: the one-tap answer page from the email (two
page loads to done, no log-in) and the service page and results showing the answer with
its age, each with no axe violation and no blocked inline script or style."""

import pytest
from playwright.sync_api import Page, expect

from editing.capacity import record_answer
from editing.links import make_token
from partners.models import Capacity, Service
from tests.browser.conftest import assert_accessible
from tests.browser.test_manage_journey import log_in
from tests.factories import make_member, make_organisation, make_service


@pytest.fixture
def service(reference_data) -> Service:
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise")
    make_member(organisation, email="owner@sunrise.example")
    return make_service("Talking circle", slug="talking-circle", organisation=organisation, referrals=["gp"])


def test_the_one_tap_page_takes_a_waiting_list_answer_in_two_page_loads(phone: Page, service):
    token = make_token("capacity", service, "owner@sunrise.example", answer=Capacity.WAITING)
    loads = []
    phone.on("load", lambda _page: loads.append(1))
    phone.goto(f"/manage/capacity/{token}/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Is Talking circle taking new people?")
    expect(phone.locator(".one-tap__answer")).to_have_text("Waiting list")
    assert_accessible(phone)
    phone.get_by_label("About how many weeks is the wait?").fill("6")
    phone.get_by_role("button", name="Confirm this answer").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you: your answer is saved")
    expect(phone.locator("main")).to_contain_text("Waiting list, about 6 weeks")
    assert_accessible(phone)
    assert len(loads) == 2
    service.refresh_from_db()
    assert (service.capacity, service.capacity_weeks) == ("waiting", 6)


def test_a_mistyped_wait_is_explained_on_the_page(phone: Page, service):
    token = make_token("capacity", service, "owner@sunrise.example", answer=Capacity.WAITING)
    phone.goto(f"/manage/capacity/{token}/")
    phone.get_by_label("About how many weeks is the wait?").fill("1000")
    phone.get_by_role("button", name="Confirm this answer").click()
    expect(phone.locator(".error-summary")).to_contain_text("52 weeks or fewer")
    assert_accessible(phone)


def test_the_service_page_and_results_show_the_answer_with_its_age(phone: Page, service):
    record_answer(service, Capacity.OPEN)
    phone.goto("/services/talking-circle/")
    expect(phone.locator(".key-facts .capacity")).to_contain_text("Taking new people (confirmed today)")
    assert_accessible(phone)
    phone.goto("/search/?taking_new=1")
    expect(phone.locator("#result-talking-circle .result__capacity")).to_contain_text("confirmed today")
    assert_accessible(phone)


def test_staff_answer_on_the_manage_page_at_phone_width(phone: Page, service):
    log_in(phone, "owner@sunrise.example")
    phone.goto("/manage/services/talking-circle/capacity/")
    assert_accessible(phone)
    phone.get_by_label("Not taking new people for now").check()
    phone.get_by_role("button", name="Save the answer").click()
    expect(phone.locator("main")).to_contain_text("Not taking new people for now (confirmed today)")
    assert_accessible(phone)
