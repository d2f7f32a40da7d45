"""Staff edit structured hours on /manage/ without JavaScript; changes go through moderation
and approving them rebuilds the open-now table."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from editing import services
from editing.diff import diff
from editing.models import Revision
from partners.models import OpeningPeriod, Service
from tests.factories import make_member, make_organisation, make_service
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)
from tests.test_manage_forms import form_data

pytestmark = pytest.mark.django_db
URL = "/manage/services/talking-circle/"


@pytest.fixture
def service():
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise")
    return make_service(
        "Talking circle", slug="talking-circle", organisation=organisation, languages=["ur"], hours="Mo-Fr 09:00-17:00"
    )


@pytest.fixture
def owner_client(client, service):
    client.force_login(make_member(service.organisation, email="owner@sunrise.example").user)
    return client


def test_the_grid_starts_from_the_current_hours(owner_client, service):
    form = owner_client.get(URL).context["form"]
    assert form["hours_0"].value() == "open"
    assert form["hours_0_open_1"].value().strftime("%H:%M") == "09:00"
    assert form["hours_6"].value() == "closed"


def test_the_grid_becomes_the_hours_text_in_a_pending_change(owner_client, service):
    data = form_data(owner_client.get(URL))
    data.update(
        {
            "hours_5": "open",
            "hours_5_open_1": "10:00",
            "hours_5_close_1": "12:00",
            "hours_5_open_2": "14:00",
            "hours_5_close_2": "16:00",
            "hours_6": "all-day",
            "hours_appointment": "on",
            "hours_dates": "2026 Dec 25 off\n2026 Dec 24 10:00-14:00",
            "languages-0-hours": "tue 18:00-21:00",
        }
    )
    assert owner_client.post(URL, data).status_code == 302
    snapshot = Revision.objects.pending().get().snapshot
    assert snapshot["hours"] == (
        'Mo-Fr 09:00-17:00; Sa 10:00-12:00,14:00-16:00; Su 00:00-24:00; "by appointment"; '
        "2026 Dec 24 10:00-14:00; 2026 Dec 25 off"
    )
    assert snapshot["language_hours"] == {"ur:staff": "Tu 18:00-21:00"}
    service.refresh_from_db()
    assert service.hours == "Mo-Fr 09:00-17:00"  # not live until approved


def test_closing_at_midnight_is_the_end_of_the_day(owner_client, service):
    data = {**form_data(owner_client.get(URL)), "hours_4_open_1": "18:00", "hours_4_close_1": "00:00"}
    owner_client.post(URL, data)
    assert "Fr 18:00-24:00" in Revision.objects.pending().get().snapshot["hours"]


def test_unchanged_hours_send_nothing(owner_client, service):
    response = owner_client.post(URL, form_data(owner_client.get(URL)), follow=True)
    assert "did not change anything" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "anchor", "message"),
    [
        ({"hours_0_open_1": "9am"}, "id_hours_0_open_1", "Enter a 24-hour time"),
        ({"hours_0_close_1": ""}, "id_hours_0_close_1", "Give both the opening and the closing time."),
        ({"hours_0_close_1": "09:00"}, "id_hours_0_close_1", "The closing time must differ"),
        ({"hours_2": "open", "hours_2_open_1": "", "hours_2_close_1": ""}, "id_hours_2_open_1", "or choose Closed"),
        ({"hours_3": "sometimes"}, "id_hours_3_0", "Choose closed, open or open 24 hours."),
        ({"hours_dates": "2026 Dec 25 off\nDec 26 off"}, "id_hours_dates", "Line 2:"),
        ({"hours_dates": "Mo 09:00-10:00"}, "id_hours_dates", "Only dates go here"),
        ({"hours_dates": "x" * 1001}, "id_hours_dates", "at most 1000 characters"),
        ({"languages-0-hours": "Tuesday evenings"}, "id_languages-0-hours", "At character 9:"),
    ],
)
def test_bad_hours_are_refused_clearly_and_nothing_is_saved(owner_client, service, changes, anchor, message):
    data = {**form_data(owner_client.get(URL)), **changes}
    response = owner_client.post(URL, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'href="#{anchor}"' in page
    assert message in page
    assert not Revision.objects.pending().exists()


def test_approving_the_change_publishes_the_hours_and_rebuilds_the_open_now_table(owner_client, service, moderator):
    data = {
        **form_data(owner_client.get(URL)),
        "hours_6": "open",
        "hours_6_open_1": "10:00",
        "hours_6_close_1": "12:00",
    }
    owner_client.post(URL, data)
    revision = Revision.objects.pending().get()
    sunday_11 = datetime(2026, 11, 29, 11, 0, tzinfo=ZoneInfo("Europe/London"))
    assert not Service.objects.open_at(sunday_11).exists()
    services.approve_revision(revision, moderator)
    service.refresh_from_db()
    assert service.hours == "Mo-Fr 09:00-17:00; Su 10:00-12:00"
    assert Service.objects.open_at(sunday_11).get() == service
    assert OpeningPeriod.objects.filter(service=service, weekday=6).exists()


def test_the_moderator_sees_the_hours_change(owner_client, service):
    data = {**form_data(owner_client.get(URL)), "hours_0": "closed", "languages-0-hours": "Tu 18:00-21:00"}
    owner_client.post(URL, data)
    revision = Revision.objects.pending().get()
    changes = {change.label: change for change in diff(services.snapshot(service), revision.snapshot)}
    assert changes["Weekly hours"].before == "Mo-Fr 09:00-17:00"
    assert changes["Weekly hours"].after == "Tu-Fr 09:00-17:00"
    assert "Tu 18:00-21:00" in changes["When languages are available"].after


def test_removing_all_hours_is_shown_and_applied(owner_client, service, moderator):
    data = form_data(owner_client.get(URL))
    data.update({f"hours_{n}": "closed" for n in range(7)})
    owner_client.post(URL, data)
    revision = Revision.objects.pending().get()
    assert "hours" not in revision.snapshot
    assert [c.label for c in diff(services.snapshot(service), revision.snapshot)] == ["Weekly hours"]
    services.approve_revision(revision, moderator)
    service.refresh_from_db()
    assert service.hours == ""
    assert not service.opening_periods.exists()


def test_a_snapshot_without_hours_still_matches_a_service_without_them(service):
    service.hours = ""
    service.save()
    assert "hours" not in services.snapshot(service)


def test_a_day_with_more_ranges_than_the_grid_shows_keeps_them(owner_client, service):
    service.hours = "Mo 09:00-10:00,11:00-12:00,13:00-14:00"
    service.save()
    data = {**form_data(owner_client.get(URL)), "hours_1": "all-day"}
    owner_client.post(URL, data)
    assert (
        Revision.objects.pending().get().snapshot["hours"] == "Mo 09:00-10:00,11:00-12:00,13:00-14:00; Tu 00:00-24:00"
    )
