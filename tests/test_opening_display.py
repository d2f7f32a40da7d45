"""Opening hours as residents and GPs read them: service pages, results, map popups."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from partners.hours import parse_hours
from partners.opening import LRI, PDI, status
from tests.factories import make_location, make_organisation, make_service

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def plain(text: str) -> str:
    return text.replace(LRI, "").replace(PDI, "")


@pytest.mark.parametrize(
    ("hours", "moment", "expected"),
    [
        ("Mo-Fr 09:00-17:00", at(2026, 11, 30, 12, 0), "Open now, closes at 17:00"),
        ("Mo-Fr 09:00-17:00", at(2026, 11, 30, 16, 30), "Open now, closes in 30 minutes"),
        ("Mo-Fr 09:00-17:00", at(2026, 11, 30, 16, 59), "Open now, closes in 1 minute"),
        ("Mo-Fr 10:00-17:00", at(2026, 11, 30, 18, 0), "Closed now, opens at 10:00 tomorrow"),
        ("Mo-Fr 10:00-17:00", at(2026, 11, 30, 7, 0), "Closed now, opens at 10:00"),
        ("Mo-Fr 10:00-17:00", at(2026, 11, 30, 9, 45), "Closed now, opens in 15 minutes"),
        ("Mo 09:00-17:00", at(2026, 12, 1, 12, 0), "Closed now, opens Monday at 09:00"),
        ("Fr 22:00-02:00", at(2026, 12, 4, 23, 0), "Open now, closes at 02:00 tomorrow"),
        ("24/7", at(2026, 12, 4, 23, 0), "Open 24 hours, every day"),
        ('"by appointment"', at(2026, 12, 4, 23, 0), "By appointment"),
        ("Mo-Fr 09:00-17:00; 2026 Dec 25 off", at(2026, 12, 24, 18, 0), "Closed now, opens Monday at 09:00"),
    ],
)
def test_the_status_sentence(hours, moment, expected):
    assert plain(status(parse_hours(hours), moment)) == expected


def test_times_are_isolated_left_to_right():
    assert f"{LRI}17:00{PDI}" in status(parse_hours("Mo-Fr 09:00-17:00"), at(2026, 11, 30, 12, 0))


@pytest.fixture
def monday_noon(monkeypatch):
    """Monday 30 November 2026, 12:00 in Bradford."""
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 11, 30, 12, 0))


def test_the_service_page_shows_the_status_the_week_and_the_note(client, monday_noon):
    service = make_service(
        "Talking circle",
        hours="Mo-Fr 09:00-17:00; 2026 Dec 25 off",
        opening_hours="Drop-in on the first Tuesday.",
        languages=["ur"],
    )
    service.service_languages.update(hours="Tu 18:00-21:00")
    page = plain(client.get(service.get_absolute_url()).content.decode())
    assert "Open now, closes at 17:00" in page
    assert 'Monday <span class="hours-table__marker">(today)</span>' in page
    assert "Friday 25 December 2026: Closed" in page
    assert "Drop-in on the first Tuesday." in page
    assert "(available Tuesday 18:00\u201321:00)" in page


def test_results_show_whether_open(client, monday_noon):
    make_service("Talking circle", hours="Mo-Fr 10:00-12:30")
    page = plain(client.get("/search/").content.decode())
    assert "Open now, closes in 30 minutes" in page


def test_the_map_popup_says_whether_open(client, monday_noon):
    organisation = make_organisation()
    place = make_location(organisation, latitude=53.79, longitude=-1.75)
    make_service("Talking circle", organisation=organisation, locations=[place], hours="Tu 10:00-12:00")
    feature = client.get("/search/geojson/").json()["features"][0]
    popup = client.get(f"/search/geojson/{feature['id']}/").json()  # fetched as the popup opens
    assert plain(popup["hours"]) == "Closed now, opens at 10:00 tomorrow"


def test_a_kept_map_answer_still_says_whether_open_at_this_moment(client, monkeypatch):
    organisation = make_organisation()
    place = make_location(organisation, latitude=53.79, longitude=-1.75)
    make_service("Talking circle", organisation=organisation, locations=[place], hours="Tu 10:00-12:00")
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 11, 30, 12, 0))  # Monday noon
    first = client.get("/search/geojson/").json()["features"][0]
    first_popup = client.get(f"/search/geojson/{first['id']}/").json()
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 12, 1, 11, 0))  # Tuesday 11:00, same listings
    kept = client.get("/search/geojson/").json()["features"][0]
    assert kept == first
    kept_popup = client.get(f"/search/geojson/{kept['id']}/").json()
    assert plain(first_popup["hours"]) == "Closed now, opens at 10:00 tomorrow"
    assert plain(kept_popup["hours"]).startswith("Open now")


def test_the_one_tap_page_shows_the_weekly_hours_to_confirm(client):
    from tests.test_one_tap_confirm import confirm_url

    service = make_service("Talking circle", hours="Mo-Fr 09:00-17:00")
    page = plain(client.get(confirm_url(service)).content.decode())
    assert "Weekly hours" in page
    assert "Monday 09:00\u201317:00" in page
