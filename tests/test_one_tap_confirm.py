"""'Still correct' from the reminder email, without logging in: the link in each email,
the page it opens, the button, the thank-you page, what it refuses, and the admin action
that sends the same link to a listing's contact."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.models import Action, AuditEntry, User
from editing.freshness import send_freshness_reminders
from editing.links import make_token
from editing.models import Reminder
from partners.models import Organisation, Service, Status
from signposting.crisis import CACHE_KEY, national_lines
from tests.factories import days_ago, make_member, make_organisation, make_service
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s\"<>]+/manage/confirm/[^\s\"<>/]+/")


@pytest.fixture(autouse=True)
def uncounted():
    """Each test starts with no one-tap presses counted against the test client's address
    (and the crisis lines cached again, as conftest has them)."""
    cache.clear()
    cache.set(CACHE_KEY, national_lines())


@pytest.fixture
def organisation():
    return make_organisation("Sunrise Wellbeing", slug="sunrise", last_verified=days_ago(10))


@pytest.fixture
def owner(organisation):
    return make_member(organisation, email="owner@sunrise.example").user


@pytest.fixture
def service(organisation):
    return make_service(
        "Talking circle",
        slug="circle",
        organisation=organisation,
        description="We meet on Tuesdays. Tea and a chat.",
        last_verified=days_ago(200),
        languages=["ur"],
        referrals=["self"],
    )


def confirm_url(listing, email="owner@sunrise.example") -> str:
    return f"/manage/confirm/{make_token('confirm', listing, email)}/"


def links_in(message) -> list[str]:
    return LINK.findall(message.body)


def path_of(link: str) -> str:
    return "/manage/" + link.split("/manage/", 1)[1]


def last_verified(listing):
    return type(listing).objects.get(pk=listing.pk).last_verified


# --- The reminder email -----------------------------------------------------------------


def test_each_reminder_carries_one_link_per_listing(organisation, owner, service):
    Organisation.objects.filter(pk=organisation.pk).update(last_verified=days_ago(300))
    send_freshness_reminders()
    [message] = mail.outbox
    links = links_in(message)
    assert len(links) == 2
    html = message.alternatives[0][0]
    assert all(link in html for link in links)


def test_each_recipient_gets_their_own_email_with_links_made_for_them(organisation, owner, service):
    make_member(organisation, email="second@sunrise.example")
    report = send_freshness_reminders()
    assert report.emails_sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["owner@sunrise.example", "second@sunrise.example"]
    assert all(len(m.to) == 1 for m in mail.outbox)
    for message in mail.outbox:
        [link] = links_in(message)
        response = Client().post(path_of(link))
        assert response.status_code == 302
    entries = AuditEntry.objects.filter(action=Action.CONFIRMED_BY_LINK)
    assert sorted(entries.values_list("user_email", flat=True)) == ["owner@sunrise.example", "second@sunrise.example"]
    assert Reminder.objects.count() == 1  # one row per listing and round, however many recipients


def test_a_link_still_works_after_the_reminder_is_sent_again(client, organisation, owner, service, settings):
    send_freshness_reminders()
    [first_link] = links_in(mail.outbox[0])
    send_freshness_reminders(timezone.localdate() + timedelta(days=settings.REMINDER_INTERVAL_DAYS))
    assert len(mail.outbox) == 2
    assert client.get(path_of(first_link)).status_code == 200
    client.post(path_of(first_link))
    assert last_verified(service) == timezone.localdate()


# --- The journey: two page loads -----------------------------------------------------------


def test_from_the_email_to_confirmed_in_two_page_loads(client, owner, service, django_assert_num_queries):
    send_freshness_reminders()
    [link] = links_in(mail.outbox[0])
    with django_assert_num_queries(11):
        page = client.get(path_of(link))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Yes, this is all still correct" in content
    assert "We meet on Tuesdays." in content
    assert 'href="/manage/services/circle/"' in content  # "Something has changed": the edit page, through log-in

    done = client.post(path_of(link), follow=True)
    assert done.status_code == 200
    assert done.redirect_chain[0][0].endswith("/done/")
    today = timezone.localdate()
    assert last_verified(service) == today
    assert f"{today:%-d} " in done.content.decode() and "Thank you" in done.content.decode()


def test_an_organisation_link_confirms_the_organisation(client, organisation, service):
    Organisation.objects.filter(pk=organisation.pk).update(last_verified=days_ago(300))
    page = client.get(confirm_url(organisation))
    assert page.status_code == 200
    assert "Talking circle" in page.content.decode()  # its public services, by name
    client.post(confirm_url(organisation))
    assert last_verified(organisation) == timezone.localdate()
    assert last_verified(service) == days_ago(200)


def test_opening_the_page_never_confirms(client, service):
    client.get(confirm_url(service))
    client.head(confirm_url(service))
    assert last_verified(service) == days_ago(200)
    assert not AuditEntry.objects.filter(action=Action.CONFIRMED_BY_LINK).exists()


def test_the_page_is_private_uncached_and_its_address_never_sent_as_a_referrer(client, service):
    for response in (client.get(confirm_url(service)), client.get("/manage/confirm/nonsense/")):
        assert response["Cache-Control"] == "private, no-store"
        assert response["Referrer-Policy"] == "strict-origin"  # the origin at most, never the token
        assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in client.get(confirm_url(service)).content.decode()


def test_the_link_logs_nobody_in(client, owner, service):
    client.post(confirm_url(service))
    assert "_auth_user_id" not in client.session
    assert client.get("/manage/services/circle/").status_code == 302  # still sent to log in


def test_the_page_shows_nothing_beyond_the_public_listing(client, service):
    content = client.get(confirm_url(service, "secret-person@example.org")).content.decode()
    assert "secret-person@example.org" not in content


def test_the_button_needs_the_forms_csrf_token(service):
    response = Client(enforce_csrf_checks=True).post(confirm_url(service))
    assert response.status_code == 403
    assert last_verified(service) == days_ago(200)


def test_the_done_page_without_a_confirmation_goes_back_to_the_question(client, service):
    url = confirm_url(service)
    response = client.get(url + "done/")
    assert response.status_code == 302
    assert response["Location"] == url


# --- The audit log ---------------------------------------------------------------------------


def test_the_confirmation_is_audited_for_the_address_the_link_was_sent_to(client, service):
    client.post(confirm_url(service, "volunteer@sunrise.example"))
    entry = AuditEntry.objects.get(action=Action.CONFIRMED_BY_LINK)
    assert entry.user is None
    assert entry.user_email == "volunteer@sunrise.example"
    assert entry.data == {"last_verified": timezone.localdate().isoformat(), "email": "volunteer@sunrise.example"}
    assert (entry.object_type, entry.object_id, entry.organisation) == (
        "service",
        str(service.pk),
        service.organisation,
    )
    assert entry.get_action_display() == "Confirmed still correct through an emailed link"


def test_confirming_after_logging_in_is_still_audited_as_before(client, owner, service):
    client.force_login(owner)
    client.post("/manage/services/circle/confirm/")
    entry = AuditEntry.objects.get(action=Action.CONFIRMED)
    assert entry.user == owner


# --- What the link refuses -------------------------------------------------------------------


def assert_refused(response, status: int, words: str, service) -> None:
    assert response.status_code == status
    content = response.content.decode()
    assert words in content
    assert "Yes, this is all still correct" not in content
    assert last_verified(service) == days_ago(200)
    assert not AuditEntry.objects.filter(action=Action.CONFIRMED_BY_LINK).exists()


def test_an_expired_link_is_refused_with_a_way_to_log_in(client, service, settings, monkeypatch):
    settings.ONE_TAP_LINK_DAYS = 60
    url = confirm_url(service)
    later = (timezone.now() + timedelta(days=61)).timestamp()
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    for response in (client.get(url), client.post(url)):
        assert_refused(response, 410, "It has expired", service)
        assert "Log in to your listings" in response.content.decode()


@pytest.mark.parametrize(
    "token",
    ["nonsense", "a:b:c", ".eJyrVkrOz0vOLs1VslIqKUpN1UFRUA", "%00", "..", "x" * 2000, "%D8%A7%D8%B1%D8%AF%D9%88"],
)
def test_an_invalid_link_is_refused(client, service, token):
    for response in (client.get(f"/manage/confirm/{token}/"), client.post(f"/manage/confirm/{token}/")):
        assert_refused(response, 404, "This link does not work", service)


def test_a_damaged_link_changes_nothing(client, service):
    token = make_token("confirm", service, "owner@sunrise.example")
    damaged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert_refused(client.post(f"/manage/confirm/{damaged}/"), 404, "This link does not work", service)


def test_a_link_made_for_another_purpose_is_refused(client, service):
    token = make_token("capacity", service, "owner@sunrise.example", answer="open")
    assert_refused(client.post(f"/manage/confirm/{token}/"), 404, "This link does not work", service)


def test_a_link_for_one_listing_confirms_only_that_listing(client, organisation, service):
    other = make_service("Other", organisation=organisation, last_verified=days_ago(200))
    client.post(confirm_url(other))
    assert last_verified(service) == days_ago(200)
    assert last_verified(other) == timezone.localdate()


def test_a_listing_taken_off_the_directory_is_refused(client, service):
    Service.objects.filter(pk=service.pk).update(status=Status.ARCHIVED)
    for response in (client.get(confirm_url(service)), client.post(confirm_url(service))):
        assert_refused(response, 410, "This listing is not public any more", service)


def test_a_service_of_an_archived_organisation_is_refused(client, organisation, service):
    Organisation.objects.filter(pk=organisation.pk).update(status=Status.ARCHIVED)
    assert_refused(client.post(confirm_url(service)), 410, "has been taken off the directory", service)


def test_an_unpublished_listing_says_to_log_in_to_manage_it(client, service):
    Service.objects.filter(pk=service.pk).update(status=Status.DRAFT)
    response = client.get(confirm_url(service))
    assert_refused(response, 410, "Log in to manage it.", service)
    assert 'href="/manage/services/circle/"' in response.content.decode()


def test_a_deleted_listing_is_an_invalid_link(client, service):
    url = confirm_url(service)
    Service.objects.filter(pk=service.pk).delete()
    response = client.get(url)
    assert response.status_code == 404


def test_too_many_presses_from_one_place_are_refused(client, service, monkeypatch):
    monkeypatch.setattr("editing.one_tap.POSTS_PER_HOUR", 2)
    client.post(confirm_url(service))
    client.post(confirm_url(service))
    Service.objects.filter(pk=service.pk).update(last_verified=days_ago(200))
    response = client.post(confirm_url(service))
    assert response.status_code == 429
    assert "Please try again later" in response.content.decode()
    assert last_verified(service) == days_ago(200)


def test_the_page_renders_under_a_language_cookie_in_english(client, service, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ur"
    response = client.get(confirm_url(service), HTTP_ACCEPT_LANGUAGE="ur")
    assert response.status_code == 200
    assert 'lang="en' in response.content.decode()[:200]
    assert "Yes, this is all still correct" in response.content.decode()


def test_the_services_of_an_organisation_shown_are_only_public_ones(client, organisation, service):
    make_service("Secret draft", organisation=organisation, status="draft")
    assert "Secret draft" not in client.get(confirm_url(organisation)).content.decode()


# --- From the admin ---------------------------------------------------------------------------


def test_a_moderator_emails_a_link_to_a_contact_with_no_account(moderator_client, moderator, service):
    Service.objects.filter(pk=service.pk).update(email="hello@circle.example")
    assert not User.objects.filter(email__iexact="hello@circle.example").exists()
    changelist = "/admin/partners/service/"
    ask = moderator_client.post(changelist, {"action": "email_one_tap_link", "_selected_action": [service.pk]})
    assert ask.status_code == 200
    assert 'value="hello@circle.example"' in ask.content.decode()
    sent = moderator_client.post(
        changelist,
        {
            "action": "email_one_tap_link",
            "_selected_action": [service.pk],
            "send": "1",
            f"email-{service.pk}": "hello@circle.example",
        },
    )
    assert sent.status_code == 302
    [message] = mail.outbox
    assert message.to == ["hello@circle.example"]
    [link] = links_in(message)
    entry = AuditEntry.objects.get(action=Action.ONE_TAP_LINK_SENT)
    assert (entry.user, entry.data["to"], entry.object_id) == (moderator, "hello@circle.example", str(service.pk))

    Client().post(path_of(link))
    confirmed = AuditEntry.objects.get(action=Action.CONFIRMED_BY_LINK)
    assert confirmed.user_email == "hello@circle.example"
    assert last_verified(service) == timezone.localdate()


def test_the_admin_action_uses_the_organisation_email_for_an_organisation(moderator_client, organisation):
    Organisation.objects.filter(pk=organisation.pk).update(email="office@sunrise.example")
    ask = moderator_client.post(
        "/admin/partners/organisation/", {"action": "email_one_tap_link", "_selected_action": [organisation.pk]}
    )
    assert 'value="office@sunrise.example"' in ask.content.decode()


def test_the_admin_action_refuses_a_bad_address_and_sends_nothing(moderator_client, service):
    response = moderator_client.post(
        "/admin/partners/service/",
        {
            "action": "email_one_tap_link",
            "_selected_action": [service.pk],
            "send": "1",
            f"email-{service.pk}": "not an email",
        },
    )
    assert response.status_code == 200
    assert "Enter an email address" in response.content.decode()
    assert mail.outbox == []
    assert not AuditEntry.objects.filter(action=Action.ONE_TAP_LINK_SENT).exists()


def test_the_admin_action_skips_listings_that_are_not_public(moderator_client, service):
    Service.objects.filter(pk=service.pk).update(status=Status.DRAFT)
    response = moderator_client.post(
        "/admin/partners/service/",
        {
            "action": "email_one_tap_link",
            "_selected_action": [service.pk],
            "send": "1",
            f"email-{service.pk}": "a@b.example",
        },
    )
    assert response.status_code == 302
    assert mail.outbox == []
    assert "None of the selected listings is public" in " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_confirming_needs_exactly_one_of_a_user_or_an_emailed_address(owner, service):
    from editing.services import confirm_listing

    with pytest.raises(ValueError):
        confirm_listing(service)
    with pytest.raises(ValueError):
        confirm_listing(service, owner, via_link_email="owner@sunrise.example")
    assert last_verified(service) == days_ago(200)
