"""Capacity ("are you taking new people?"): the answer's age and when it stops being shown,
staff answering on /manage/ without moderation but audited, and what the public sees."""

from datetime import datetime, time, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Action, AuditEntry
from editing.capacity import record_answer
from editing.models import AnsweredVia, CapacityAnswer, Revision
from partners import facet_index
from partners.capacity import capacity_now
from partners.models import Capacity, Service
from tests.factories import make_member, make_organisation, make_service, make_user
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


def answered_days_ago(service: Service, days: int, answer: str = Capacity.OPEN, **kwargs) -> Service:
    record_answer(service, answer, **kwargs)
    moment = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days), time(12)))
    CapacityAnswer.objects.filter(service=service).update(answered=moment)
    Service.objects.filter(pk=service.pk).update(capacity_answered=moment)
    service.refresh_from_db()
    return service


# --- The answer's age ----------------------------------------------------------------


def test_a_service_that_never_answered_has_no_capacity():
    assert capacity_now(make_service()) is None


@override_settings(CAPACITY_VALID_DAYS=45)
def test_an_answer_is_known_up_to_the_limit_and_not_a_day_after():
    at_limit = answered_days_ago(make_service(), 45)
    past_limit = answered_days_ago(make_service(), 46)
    assert capacity_now(at_limit).known and capacity_now(at_limit).age_days == 45
    assert not capacity_now(past_limit).known


def test_a_waiting_answer_keeps_its_weeks_and_a_closed_one_its_future_reopening_date():
    tomorrow = timezone.localdate() + timedelta(days=1)
    waiting = answered_days_ago(make_service(), 3, Capacity.WAITING, weeks=6)
    closed = answered_days_ago(make_service(), 0, Capacity.CLOSED, reopens=tomorrow)
    assert (capacity_now(waiting).weeks, capacity_now(waiting).age_days) == (6, 3)
    assert capacity_now(closed).reopens == tomorrow
    # A reopening date that has passed is not shown as a promise.
    assert capacity_now(closed, today=tomorrow + timedelta(days=1)).reopens is None


def test_recording_an_answer_keeps_history_and_copies_the_latest_onto_the_service_without_touching_updated():
    service = make_service()
    updated = service.updated
    record_answer(service, Capacity.WAITING, weeks=4)
    record_answer(service, Capacity.OPEN, weeks=9)
    service.refresh_from_db()
    assert [a.answer for a in service.capacity_answers.all()] == ["open", "waiting"]
    assert (service.capacity, service.capacity_weeks) == ("open", None)
    assert service.updated == updated


# --- /manage/ -------------------------------------------------------------------------


@pytest.fixture
def owner_and_service(client):
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise")
    service = make_service("Talking circle", slug="talking-circle", organisation=organisation)
    owner = make_member(organisation, email="owner@sunrise.example").user
    client.force_login(owner)
    return owner, service


def capacity_url(service) -> str:
    return reverse("editing:service_capacity", args=[service.slug])


def test_staff_answer_is_saved_at_once_without_moderation_and_audited(client, owner_and_service):
    owner, service = owner_and_service
    response = client.post(capacity_url(service), {"answer": "waiting", "weeks": "6"})
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.capacity, service.capacity_weeks) == ("waiting", 6)
    assert not Revision.objects.exists()
    entry = AuditEntry.objects.get(action=Action.CAPACITY_SET)
    assert entry.user == owner and entry.object_id == str(service.pk)
    assert entry.data["after"]["weeks"] == 6 and entry.data["via"] == AnsweredVia.MANAGE


def test_the_manage_page_shows_the_current_answer(client, owner_and_service):
    _, service = owner_and_service
    record_answer(service, Capacity.WAITING, weeks=6)
    response = client.get(capacity_url(service))
    assert response.status_code == 200
    assert "Waiting list, about 6 weeks" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"answer": "waiting", "weeks": "-1"}, "at least 1 week"),
        ({"answer": "waiting", "weeks": "1000"}, "52 weeks or fewer"),
        ({"answer": "waiting", "weeks": "abc"}, "whole number of weeks"),
        ({"answer": "waiting", "weeks": ""}, "how many weeks"),
        ({"answer": "closed", "reopens": "2001-01-01"}, "after today"),
        ({"answer": "closed", "reopens": "next tuesday"}, "Enter a date like"),
        ({"answer": "closed", "reopens": "2026-02-31"}, "Enter a date like"),
        ({"answer": "maybe"}, "Choose one of the answers shown"),
        ({}, "Choose one of the answers"),
    ],
)
def test_garbage_on_the_manage_form_is_a_clear_message_and_nothing_is_saved(client, owner_and_service, data, message):
    _, service = owner_and_service
    response = client.post(capacity_url(service), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CapacityAnswer.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.CAPACITY_SET).exists()


def test_a_future_reopening_date_is_kept_for_a_closed_service(client, owner_and_service):
    _, service = owner_and_service
    reopens = timezone.localdate() + timedelta(days=30)
    client.post(capacity_url(service), {"answer": "closed", "reopens": reopens.isoformat(), "weeks": "7"})
    service.refresh_from_db()
    assert (service.capacity, service.capacity_reopens, service.capacity_weeks) == ("closed", reopens, None)


def test_strangers_cannot_answer_for_a_service(client):
    service = make_service()
    client.force_login(make_user())
    assert client.post(capacity_url(service), {"answer": "open"}).status_code == 404
    assert not CapacityAnswer.objects.exists()


# --- What the public sees ------------------------------------------------------------------


def test_the_service_page_shows_the_answer_with_its_age():
    service = answered_days_ago(make_service(), 3, Capacity.WAITING, weeks=6)
    from django.test import Client

    page = Client().get(service.get_absolute_url()).content.decode()
    assert "Waiting list, about 6 weeks" in page and "confirmed 3 days ago" in page


@override_settings(CAPACITY_VALID_DAYS=45)
def test_a_stale_answer_shows_as_not_known_not_as_a_promise(client):
    service = answered_days_ago(make_service(), 46, Capacity.OPEN)
    page = client.get(service.get_absolute_url()).content.decode()
    assert "Not known" in page
    assert "Taking new people" not in page.replace("Not taking new", "")


def test_result_rows_show_capacity_first_among_the_referral_facts(client):
    service = answered_days_ago(make_service("Talking circle", referrals=["gp"]), 0, Capacity.OPEN)
    service.typical_wait = "Two weeks"
    service.save()
    service.referral_routes.update(method="phone", contact="01632 960100")
    page = client.get(reverse("partners:search"), {"q": "Talking circle"}).content.decode()
    row = page[page.index('id="result-' + service.slug) :]
    capacity, gp = (row.index(f"<dt>{label}</dt>") for label in ("Space for new people", "GP referral"))
    assert capacity < gp
    assert "confirmed today" in row
    # The answer replaces the listing's own typical wait.
    assert "<dt>Typical wait</dt>" not in row


# --- The "taking new people" search filter ------------------------------------------


@pytest.fixture
def three_services():
    taking = answered_days_ago(make_service("Open circle"), 2, Capacity.OPEN)
    answered_days_ago(make_service("Waiting circle"), 2, Capacity.WAITING, weeks=3)
    answered_days_ago(make_service("Old circle"), 400, Capacity.OPEN)
    make_service("Silent circle")
    return taking


def test_the_filter_keeps_only_services_recently_taking_new_people(client, three_services):
    response = client.get(reverse("partners:search"), {"taking_new": "1"})
    assert [s.name for s in response.context["page"].object_list] == ["Open circle"]
    assert response.context["results"].count == 1
    assert response.context["filters_chosen"] == 1
    assert 'name="taking_new" value="1" id="id_taking_new" checked' in response.content.decode()


@pytest.mark.parametrize("off", ["0", "", "no", "false"])
def test_an_off_value_shows_every_service(client, three_services, off):
    response = client.get(reverse("partners:search"), {"taking_new": off})
    assert response.status_code == 200
    assert response.context["results"].count == 4
    assert not response.context["errors"]


@pytest.mark.parametrize("garbage", ["abc", "<script>", "1" * 50, "é"])
def test_a_garbage_filter_value_is_left_off_with_a_message(client, three_services, garbage):
    # As every other filter: the search still runs without it, and the page says why.
    response = client.get(reverse("partners:search"), {"taking_new": garbage})
    assert response.status_code == 200
    assert response.context["results"].count == 4
    assert "for taking new people, so we showed services whatever their answer" in response.content.decode()


def test_the_filter_adds_no_query(client, three_services, django_assert_num_queries):
    facet_index.current()  # built once per directory version (tests/test_facet_index.py pins that)
    # vocabularies 2, the matching ids 1 (option counts from the facet index), page 1 + 4 prefetches,
    # example banner 1
    with django_assert_num_queries(9):
        client.get(reverse("partners:search"), {"taking_new": "1"})
    # Without the filter the facet index alone gives the counts and the page's order.
    with django_assert_num_queries(8):
        client.get(reverse("partners:search"))


# --- The answer replaces the listing's own "taking new referrals" ---------------------------


def test_until_a_service_answers_its_listing_says_whether_it_takes_new_referrals(client):
    service = make_service("Quiet listing", accepting_referrals=False, typical_wait="About two weeks")
    page = client.get(service.get_absolute_url()).content.decode()
    assert "Not taking new referrals at the moment" in page
    assert "Typical wait: About two weeks" in page
    assert "Space for new people" not in page


@pytest.mark.parametrize("days", [2, 400])
def test_once_a_service_answers_the_dated_answer_replaces_the_listings_claim(client, days):
    service = make_service("Answered", accepting_referrals=True, typical_wait="About two weeks")
    answered_days_ago(service, days, Capacity.CLOSED)
    service_page = client.get(service.get_absolute_url()).content.decode()
    results = client.get(reverse("partners:search"), {"q": "Answered"}).content.decode()
    for page in (service_page, results):
        assert "Taking new referrals" not in page
        assert "About two weeks" not in page
    # A recent answer is shown; an old one is "Not known", never the listing's older promise.
    assert ("Not taking new people for now" in service_page) is (days == 2)
    assert ("Not known" in service_page) is (days == 400)
