"""'Still correct' from the reminder email in a real phone-sized browser: the link, the
page, the button, the thank-you page, with axe on each page and no log-in anywhere."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from editing.freshness import send_freshness_reminders
from partners.models import Service
from tests.browser.conftest import assert_accessible
from tests.factories import days_ago, make_location, make_member, make_organisation, make_service


@pytest.fixture
def reminded(reference_data, settings, live_server):
    settings.SITE_URL = live_server.url
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise", description="We support families.")
    make_member(organisation, email="owner@sunrise.example")
    place = make_location(organisation, address="41 Lumb Lane", postcode="BD8 7JH")
    service = make_service(
        "Women's talking circle",
        slug="womens-talking-circle",
        organisation=organisation,
        description="We meet on Tuesdays. Tea, a chat, and someone who listens.",
        phone="01274 000000",
        support=["counselling"],
        communities=["pakistani-kashmiri"],
        languages=["ur"],
        referrals=["self", "gp"],
        locations=[place],
        last_verified=days_ago(200),
    )
    send_freshness_reminders()
    [link] = re.findall(r"https?://\S+/manage/confirm/\S+/", mail.outbox[0].body)
    return service, link


def test_a_volunteer_confirms_a_listing_from_the_email_on_a_phone(phone: Page, reminded):
    service, link = reminded
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Is Women's talking circle still correct?")
    expect(phone.get_by_text("We meet on Tuesdays.")).to_be_visible()
    expect(phone.get_by_role("link", name="Something has changed")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("button", name="Yes, this is all still correct").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you")
    today = timezone.localdate()
    done = f"Women's talking circle is marked as checked on {today.day} {today:%B %Y}."
    expect(phone.locator(".lead")).to_have_text(done)
    assert_accessible(phone)
    assert Service.objects.get(pk=service.pk).last_verified == timezone.localdate()


def test_an_expired_or_broken_link_says_how_to_log_in_on_a_phone(phone: Page, reminded):
    _service, link = reminded
    phone.goto(link[:-10] + "broken/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("This link does not work")
    expect(phone.get_by_role("link", name="Log in to your listings")).to_be_visible()
    assert_accessible(phone)
