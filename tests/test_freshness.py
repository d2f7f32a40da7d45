"""Freshness: reminders to owners of listings not confirmed for a while, never twice for
the same due date; a public notice on listings not confirmed for a year."""

import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.template.loader import render_to_string
from django.utils import timezone

from editing.freshness import send_freshness_reminders
from editing.models import Reminder
from partners.models import Service
from tests.factories import days_ago, make_member, make_organisation, make_service
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
    args = [f"--today={today.isoformat()}"] if today else []
    call_command("send_freshness_reminders", *args, stdout=out)
    return out.getvalue()


def test_owners_of_a_listing_not_confirmed_for_six_months_are_emailed(organisation, owner):
    make_service("Talking circle", organisation=organisation, last_verified=days_ago(200))
    run()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert "Talking circle" in mail.outbox[0].body
    assert "Talking circle" in mail.outbox[0].alternatives[0][0]


def test_running_twice_sends_one_email(organisation, owner):
    make_service("Talking circle", organisation=organisation, last_verified=days_ago(200))
    run()
    run()
    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 1


def test_one_email_per_organisation_however_many_listings_are_due(organisation, owner):
    organisation.last_verified = days_ago(300)
    organisation.save()
    make_service("One", organisation=organisation, last_verified=days_ago(200))
    make_service("Two", organisation=organisation, last_verified=days_ago(190))
    run()
    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 3


def test_fresh_listings_are_not_reminded(organisation, owner):
    make_service("Talking circle", organisation=organisation, last_verified=days_ago(30))
    run()
    assert mail.outbox == []


def test_drafts_are_not_reminded(organisation, owner):
    make_service("Talking circle", organisation=organisation, last_verified=days_ago(300), status="draft")
    run()
    assert mail.outbox == []


def test_owners_are_reminded_again_after_the_interval(organisation, owner, settings):
    make_service("Talking circle", organisation=organisation, last_verified=days_ago(200))
    today = timezone.localdate()
    run(today)
    run(today + timedelta(days=settings.REMINDER_INTERVAL_DAYS - 1))
    assert len(mail.outbox) == 1
    run(today + timedelta(days=settings.REMINDER_INTERVAL_DAYS))
    run(today + timedelta(days=settings.REMINDER_INTERVAL_DAYS))
    assert len(mail.outbox) == 2


def test_confirming_stops_the_reminders(client, organisation, owner, settings):
    service = make_service("Talking circle", slug="circle", organisation=organisation, last_verified=days_ago(200))
    run()
    client.force_login(owner)
    client.post("/manage/services/circle/confirm/")
    run(timezone.localdate() + timedelta(days=settings.REMINDER_INTERVAL_DAYS))
    assert len(mail.outbox) == 1
    service.refresh_from_db()
    assert not service.is_stale()


def test_a_new_due_date_after_confirming_gets_its_own_reminder(organisation, owner, settings):
    service = make_service("Talking circle", organisation=organisation, last_verified=days_ago(200))
    run()
    Service.objects.filter(pk=service.pk).update(last_verified=days_ago(settings.STALE_AFTER_DAYS + 1))
    run()
    assert len(mail.outbox) == 2


def test_editors_are_reminded_when_there_is_no_owner(organisation):
    editor = make_member(organisation, email="editor@sunrise.example", role="editor").user
    make_service("Talking circle", organisation=organisation, last_verified=days_ago(200))
    run()
    assert mail.outbox[0].to == [editor.email]


def test_organisations_with_nobody_to_remind_are_reported(organisation):
    make_service("Talking circle", organisation=organisation, last_verified=days_ago(200))
    output = run()
    assert "Nobody to remind at Sunrise Wellbeing" in output
    assert not Reminder.objects.exists()


def test_a_failed_email_is_retried_next_time(organisation, owner, monkeypatch):
    make_service("Talking circle", organisation=organisation, last_verified=days_ago(200))

    def broken(*args, **kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr("editing.emails.send_templated", broken)
    report = send_freshness_reminders()
    assert report.failed
    assert not Reminder.objects.exists()
    monkeypatch.undo()
    send_freshness_reminders()
    assert len(mail.outbox) == 1


def test_command_output_says_what_it_did(organisation, owner):
    make_service("Talking circle", organisation=organisation, last_verified=days_ago(200))
    assert "Sent 1 reminder email(s) about 1 listing(s)." in run()


# --- Very stale listings ------------------------------------------------------------


def test_a_listing_unchecked_for_a_year_is_very_stale(organisation):
    assert make_service(organisation=organisation, last_verified=days_ago(366)).is_very_stale()
    assert not make_service(organisation=organisation, last_verified=days_ago(300)).is_very_stale()


def test_the_notice_partial_warns_about_very_stale_listings(organisation):
    service = make_service(organisation=organisation, last_verified=days_ago(400))
    html = render_to_string("partners/_freshness_notice.html", {"listing": service})
    assert "This information may be out of date." in html


def test_the_notice_partial_is_silent_for_fresh_listings(organisation):
    service = make_service(organisation=organisation, last_verified=days_ago(10))
    assert render_to_string("partners/_freshness_notice.html", {"listing": service}).strip() == ""


def test_the_freshness_annotation_ranks_very_stale_listings_last(organisation):
    old = make_service("Aardvark club", organisation=organisation, last_verified=days_ago(400))
    fresh = make_service("Zebra club", organisation=organisation, last_verified=days_ago(10))
    ranked = list(Service.objects.with_freshness().order_by("very_stale", "name"))
    assert ranked == [fresh, old]
    assert [s.very_stale for s in ranked] == [False, True]


# The notice names the month and year inside a sentence: each language's translation is
# written around the month's plain form, in lower case where the language writes it so.
MONTH_IN_A_SENTENCE = [
    ("en-gb", "/services/old/", "It was last checked in November 2024."),
    ("pl", "/pl/services/old/", "Ostatnie sprawdzenie: listopad 2024."),
    ("ro", "/ro/services/old/", "Au fost verificate ultima dată în noiembrie 2024."),
    ("sk", "/sk/services/old/", "Naposledy skontrolované: november 2024."),
    ("ur", "/ur/services/old/", "آخری بار نومبر 2024 میں جانچ ہوئی"),
]


@pytest.mark.parametrize(("language", "path", "sentence"), MONTH_IN_A_SENTENCE)
def test_the_old_listing_notice_reads_grammatically_in_each_language(client, organisation, language, path, sentence):
    make_service(organisation=organisation, slug="old", last_verified=date(2024, 11, 5))
    content = client.get(path).content.decode()
    assert sentence in content
    # Django's stand-alone month names start with a capital in Polish and Romanian.
    assert "Listopad" not in content and "Noiembrie" not in content


@pytest.mark.parametrize("month", range(1, 13))
def test_no_polish_or_romanian_month_in_the_notice_starts_with_a_capital(organisation, month):
    from django.utils import translation

    from partners.templatetags.directory import month_and_year

    for code in ("pl", "ro", "sk"):
        with translation.override(code):
            text = month_and_year(date(2024, month, 1))
        assert text[0].islower(), (code, text)
        assert text.endswith(" 2024")
    with translation.override("en-gb"):
        assert month_and_year(date(2024, month, 1))[0].isupper()
