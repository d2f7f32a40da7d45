"""The capacity check email and its one-tap answer page: asked CAPACITY_CHECK_DAYS after
the last answer, never twice for one due date, three signed links per service per address,
and from the email to "saved" in two page loads without a log-in."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Action, AuditEntry
from editing.capacity import record_answer
from editing.links import make_token
from editing.models import AnsweredVia, CapacityAnswer, CapacityCheck
from partners.models import Capacity, Status
from tests.factories import make_member, make_organisation, make_service
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return make_organisation("Sunrise Wellbeing", slug="sunrise")


@pytest.fixture
def owner(organisation):
    return make_member(organisation, email="owner@sunrise.example").user


def run(today=None) -> str:
    out = io.StringIO()
    call_command("send_capacity_checks", *([f"--today={today.isoformat()}"] if today else []), stdout=out)
    return out.getvalue()


def links_in(body: str) -> list[str]:
    return re.findall(r"https?://\S+/manage/capacity/[^/\s]+/", body)


def in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


# --- The email ------------------------------------------------------------------------------


@override_settings(CAPACITY_CHECK_DAYS=30)
def test_a_service_is_asked_a_month_after_its_last_answer_and_not_before(organisation, owner):
    service = make_service("Talking circle", organisation=organisation)
    record_answer(service, Capacity.OPEN)
    run(in_days(29))
    assert mail.outbox == []
    run(in_days(30))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert "Talking circle" in mail.outbox[0].body


def test_running_twice_asks_once(organisation, owner):
    make_service("Talking circle", organisation=organisation)
    run(in_days(40))
    run(in_days(40))
    run(in_days(41))
    assert len(mail.outbox) == 1
    assert CapacityCheck.objects.count() == 1
    assert AuditEntry.objects.filter(action=Action.CAPACITY_CHECK_SENT).count() == 1


@override_settings(CAPACITY_CHECK_DAYS=30)
def test_an_unanswered_check_is_asked_again_a_month_later(organisation, owner):
    make_service("Talking circle", organisation=organisation)
    run(in_days(30))
    run(in_days(59))
    run(in_days(60))
    assert len(mail.outbox) == 2


def test_each_service_gets_three_links_for_each_address_and_each_link_is_that_addresss(organisation, owner):
    editor = make_member(organisation, email="second-owner@sunrise.example").user
    make_service("One", organisation=organisation)
    make_service("Two", organisation=organisation)
    make_service("Draft", organisation=organisation, status=Status.DRAFT)
    run(in_days(40))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, editor.email])
    for message in mail.outbox:
        links = links_in(message.body)
        assert len(links) == 6  # two published services, three answers each
        assert "Draft" not in message.body
        for link in links:
            token = link.rstrip("/").rsplit("/", 1)[1]
            payload = signing.loads(token, salt="editing.links.capacity")
            assert payload["e"] == message.to[0]
        assert len(links_in(message.alternatives[0][0].replace("&amp;", "&"))) == 6


def test_organisations_without_staff_are_reported_not_emailed(organisation):
    make_service("Talking circle", organisation=organisation)
    assert "Nobody to ask at Sunrise Wellbeing" in run(in_days(40))
    assert mail.outbox == []


# --- The one-tap page ----------------------------------------------------------------------------


@pytest.fixture
def service(organisation):
    return make_service("Talking circle", organisation=organisation)


def link(service, answer="open", email="owner@sunrise.example") -> str:
    return reverse("editing:capacity_answer", args=[make_token("capacity", service, email, answer=answer)])


def test_opening_the_link_shows_the_answer_and_changes_nothing(client, service):
    response = client.get(link(service, "waiting"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Talking circle" in page and "Waiting list" in page and 'name="weeks"' in page
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "strict-origin"
    assert "noindex" in response["X-Robots-Tag"] and '<meta name="robots" content="noindex' in page
    assert not CapacityAnswer.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="capacity.set").exists()


def test_two_page_loads_from_the_email_to_saved_and_audited_for_the_address(client, service):
    url = link(service, "waiting")
    client.get(url)
    response = client.post(url, {"weeks": "6"})
    assert response.status_code == 200
    assert "Waiting list, about 6 weeks" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    service.refresh_from_db()
    assert (service.capacity, service.capacity_weeks) == ("waiting", 6)
    answer = CapacityAnswer.objects.get()
    assert (answer.via, answer.email, answer.user) == (AnsweredVia.LINK, "owner@sunrise.example", None)
    entry = AuditEntry.objects.get(action=Action.CAPACITY_SET_BY_LINK)
    assert (entry.user, entry.user_email, entry.data["via"]) == (None, "owner@sunrise.example", "link")


def test_a_closed_answer_takes_an_optional_reopening_date(client, service):
    client.post(link(service, "closed"), {"reopens": in_days(20).isoformat()})
    service.refresh_from_db()
    assert (service.capacity, service.capacity_reopens) == ("closed", in_days(20))


def test_the_link_can_be_used_again(client, service):
    client.post(link(service, "open"))
    client.post(link(service, "open"))
    assert CapacityAnswer.objects.count() == 2


@pytest.mark.parametrize(
    ("answer", "data", "message"),
    [
        ("waiting", {"weeks": "-1"}, "at least 1 week"),
        ("waiting", {"weeks": "1000"}, "52 weeks or fewer"),
        ("waiting", {"weeks": "abc"}, "whole number of weeks"),
        ("waiting", {}, "how many weeks"),
        ("closed", {"reopens": "2001-01-01"}, "after today"),
        ("closed", {"reopens": "soon"}, "Enter a date like"),
    ],
)
def test_garbage_on_the_one_tap_page_is_a_clear_message_and_nothing_is_saved(client, service, answer, data, message):
    response = client.post(link(service, answer), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CapacityAnswer.objects.exists()


def test_a_link_for_another_purpose_is_refused(client, service):
    token = make_token("confirm", service, "owner@sunrise.example")
    response = client.post(reverse("editing:capacity_answer", args=[token]))
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert not CapacityAnswer.objects.exists()


@pytest.fixture(autouse=True)
def no_rate_limits():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("token", ["x", "a:b:c", "é" * 40, "." * 300])
def test_a_damaged_link_is_refused(client, service, token):
    response = client.get(reverse("editing:capacity_answer", args=[token]))
    assert response.status_code == 404
    assert response["Cache-Control"] == "private, no-store"


def test_a_link_with_an_unknown_answer_is_refused(client, service):
    token = make_token("capacity", service, "owner@sunrise.example", answer="maybe")
    assert client.post(reverse("editing:capacity_answer", args=[token])).status_code == 404
    assert not CapacityAnswer.objects.exists()


@override_settings(ONE_TAP_LINK_DAYS=60)
def test_an_expired_link_is_refused_and_says_so(client, service, monkeypatch):
    url = link(service, "open")
    later = (timezone.now() + timedelta(days=61)).timestamp()
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    response = client.post(url)
    assert response.status_code == 410
    assert "It has expired" in response.content.decode()
    assert not CapacityAnswer.objects.exists()


def test_a_link_to_a_service_since_archived_is_refused(client, service):
    url = link(service, "open")
    service.status = Status.ARCHIVED
    service.save()
    assert client.post(url).status_code == 410
    assert not CapacityAnswer.objects.exists()


def test_the_answer_form_is_csrf_protected(service):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    url = link(service, "open")
    assert browser.post(url).status_code == 403
    token = browser.get(url).cookies["csrftoken"].value
    assert browser.post(url, {"csrfmiddlewaretoken": token}).status_code == 200
    assert CapacityAnswer.objects.count() == 1


def test_a_link_to_a_service_not_public_is_refused(client, service):
    url = link(service, "open")
    service.status = Status.DRAFT
    service.save()
    assert client.post(url).status_code == 410
    assert not CapacityAnswer.objects.exists()
