"""Organisation staff in a real browser: invitation to published change, with axe checks
on every page the editing and accounts apps add."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import ClaimState
from editing.models import Revision
from tests.browser.conftest import assert_accessible
from tests.factories import make_location, make_member, make_moderator, make_organisation, make_postcode, make_service

PASSWORD = "a long and memorable password"
# Buttons and links name their listing after an en dash, for screen readers ("Edit, dash, name").
DASH = "\N{EN DASH}"


@pytest.fixture
def listing(reference_data):
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise", description="We support families.")
    place = make_location(organisation, address="41 Lumb Lane", postcode="BD8 7JH")
    make_postcode("BD8 7JH", latitude=53.8, longitude=-1.76)
    return make_service(
        "Women's talking circle",
        slug="womens-talking-circle",
        organisation=organisation,
        description="We meet on Tuesdays.",
        support=["counselling"],
        communities=["pakistani-kashmiri"],
        languages=["ur"],
        referrals=["self"],
        locations=[place],
    )


def invite(settings, live_server, email: str) -> str:
    settings.SITE_URL = live_server.url
    out = io.StringIO()
    call_command("invite", "sunrise", email, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def log_in(page: Page, email: str, password: str = "correct horse battery staple") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_invited_editor_changes_a_service_and_it_goes_live_after_approval(page, listing, settings, live_server):
    url = invite(settings, live_server, "amina@sunrise.example")
    assert url.startswith(live_server.url + "/accounts/invitation/")

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Join Sunrise Wellbeing")
    assert_accessible(page)
    page.get_by_label("Your name").fill("Amina Khan")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    expect(page).to_have_url(f"{live_server.url}/manage/")
    expect(page.get_by_role("heading", level=2, name="Sunrise Wellbeing")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=f"Edit {DASH} Women's talking circle").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit a service")
    assert_accessible(page)

    # A mistake first: the error summary links to the field, and nothing is sent.
    page.get_by_label("Youngest age (optional)").fill("30")
    page.get_by_label("Oldest age (optional)").fill("18")
    page.get_by_role("button", name="Send for approval").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Oldest age (optional)")).to_be_focused()

    page.get_by_label("Oldest age (optional)").fill("65")
    page.get_by_label("What does the service offer?").fill("We meet on Thursdays now.")
    page.get_by_role("button", name="Send for approval").click()
    expect(page.get_by_text("Changes waiting for approval")).to_be_visible()

    page.goto("/services/womens-talking-circle/")
    expect(page.get_by_text("We meet on Tuesdays.").first).to_be_visible()
    expect(page.get_by_text("Thursdays")).to_have_count(0)

    # A moderator approves it in the admin.
    make_moderator()
    moderator = page.context.browser.new_context(base_url=live_server.url).new_page()
    log_in(moderator, "moderator@example.org")
    moderator.goto("/admin/editing/revision/")
    moderator.get_by_role("link", name="Women's talking circle").click()
    expect(moderator.locator(".revision-diff")).to_contain_text("We meet on Thursdays now.")
    moderator.get_by_role("button", name="Approve: publish this version").click()
    expect(moderator.locator(".messagelist")).to_contain_text("is live")
    moderator.context.close()

    page.goto("/services/womens-talking-circle/")
    expect(page.get_by_text("We meet on Thursdays now.").first).to_be_visible()
    assert any("are live" in message.subject for message in mail.outbox)


@pytest.fixture
def owner_page(page, listing):
    make_member(listing.organisation, email="owner@sunrise.example")
    log_in(page, "owner@sunrise.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your listings")
    return page


def test_login_page_is_accessible_with_and_without_errors(page, listing):
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Email address").fill("nobody@example.org")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    assert_accessible(page)


def test_password_reset_pages_are_accessible(page, listing):
    page.goto("/accounts/password-reset/")
    assert_accessible(page)
    page.get_by_label("Email").fill("owner@sunrise.example")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)


def test_organisation_form_is_accessible_with_errors(owner_page):
    owner_page.goto("/manage/organisations/sunrise/")
    assert_accessible(owner_page)
    owner_page.get_by_label("Organisation name").fill("")
    owner_page.get_by_label("Website").fill("not a website")
    owner_page.get_by_role("button", name="Send for approval").click()
    expect(owner_page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(owner_page)


def test_places_pages_are_accessible(owner_page):
    owner_page.goto("/manage/organisations/sunrise/places/")
    assert_accessible(owner_page)
    owner_page.get_by_role("link", name="Add a place").click()
    assert_accessible(owner_page)
    owner_page.get_by_label("Address").fill("1 Manor Row")
    owner_page.get_by_label("Postcode").fill("ZZ99 9ZZ")
    owner_page.get_by_role("button", name="Send for approval").click()
    expect(owner_page.get_by_role("alert")).to_contain_text("We cannot find the postcode ZZ99 9ZZ")
    assert_accessible(owner_page)
    owner_page.get_by_label("Postcode").fill("bd8 7jh")
    owner_page.get_by_role("button", name="Send for approval").click()
    expect(owner_page.get_by_text("waiting for a moderator")).to_be_visible()
    owner_page.goto("/manage/organisations/sunrise/places/")
    owner_page.get_by_role("link", name=f"Remove {DASH} 41 Lumb Lane").click()
    assert_accessible(owner_page)


def test_add_service_page_is_accessible(owner_page):
    owner_page.goto("/manage/organisations/sunrise/services/add/")
    assert_accessible(owner_page)
    owner_page.get_by_role("button", name="Send for approval").click()
    expect(owner_page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(owner_page)


def test_team_page_is_accessible_and_invites(owner_page):
    owner_page.goto("/manage/organisations/sunrise/team/")
    assert_accessible(owner_page)
    owner_page.get_by_role("button", name="Send invitation").click()
    expect(owner_page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(owner_page)
    owner_page.get_by_label("Their email address").fill("colleague@sunrise.example")
    owner_page.get_by_label("Editor (can change the listings)").check()
    owner_page.get_by_role("button", name="Send invitation").click()
    expect(owner_page.get_by_text("colleague@sunrise.example (link works until")).to_be_visible()


def test_still_correct_works_without_javascript(no_js_page, listing):
    make_member(listing.organisation, email="owner@sunrise.example")
    log_in(no_js_page, "owner@sunrise.example")
    no_js_page.get_by_role("button", name=f"Still correct {DASH} Women's talking circle").click()
    expect(no_js_page.get_by_text("is marked as checked today")).to_be_visible()


def test_dashboard_is_accessible_on_a_phone(phone, listing):
    make_member(listing.organisation, email="owner@sunrise.example")
    log_in(phone, "owner@sunrise.example")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your listings")
    assert_accessible(phone)


def test_claim_page_is_accessible_and_sends_a_claim(page, listing):
    page.goto("/accounts/claim/sunrise/")
    assert_accessible(page)
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page)
    page.get_by_label("Your name").fill("Amina")
    page.get_by_label("Your email address").fill("amina@sunrise.example")
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    assert_accessible(page)
    assert listing.organisation.claims.get().state == ClaimState.PENDING


def test_used_invitation_page_is_accessible(page, listing, settings, live_server):
    url = invite(settings, live_server, "amina@sunrise.example")
    page.goto(url)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("button", name="Log out").click()
    page.goto(url)
    expect(page.get_by_text("already been used")).to_be_visible()
    assert_accessible(page)
    assert not Revision.objects.exists()


def test_confirmation_pages_are_accessible(owner_page, listing):
    editor = make_member(listing.organisation, email="editor@sunrise.example", role="editor")
    for path in (
        "/manage/services/womens-talking-circle/remove/",
        f"/manage/organisations/sunrise/team/{editor.pk}/remove/",
    ):
        owner_page.goto(path)
        expect(owner_page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(owner_page)


def test_an_archived_organisation_says_so_accessibly(page, listing):
    make_member(listing.organisation, email="amina@sunrise.example", role="owner")
    listing.organisation.status = "archived"
    listing.organisation.save()
    log_in(page, "amina@sunrise.example")
    response = page.goto("/manage/organisations/sunrise/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do this here")
    expect(page.get_by_text("Sunrise Wellbeing is archived")).to_be_visible()
    assert_accessible(page)


def test_staff_translate_a_service_into_urdu_on_a_phone(phone, listing):
    """From the service form's Translations section to a pending change in a phone-sized
    window (plain links and a plain form: nothing needs JavaScript); axe passes and the
    Urdu box is right to left."""
    make_member(listing.organisation, email="owner@sunrise.example")
    log_in(phone, "owner@sunrise.example")
    phone.goto("/manage/services/womens-talking-circle/")
    phone.get_by_role("link", name="اردو (Urdu)").click()
    description = phone.get_by_label("What the service offers")
    assert description.get_attribute("dir") == "rtl" and description.get_attribute("lang") == "ur"
    assert_accessible(phone)
    description.fill("ہم ہر منگل کو ملتے ہیں")
    phone.get_by_role("button", name="Send for approval").click()
    expect(phone.get_by_text("waiting for a moderator")).to_be_visible()
    assert Revision.objects.pending().get().snapshot["translations"]["ur"]["description"] == "ہم ہر منگل کو ملتے ہیں"
