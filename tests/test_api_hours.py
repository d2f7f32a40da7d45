"""Weekly hours in the HSDS API: `schedule` objects valid against the strict schemas."""

import pytest

from tests.factories import make_rich_service
from tests.test_api import assert_valid, get

pytestmark = pytest.mark.django_db
HOURS = (
    'Mo-Fr 09:00-17:00; Sa 10:00-12:00,14:00-16:00; Su 22:00-02:00; "by appointment"; '
    "2026 Dec 25 off; 2026 Dec 24 10:00-14:00"
)


@pytest.fixture
def service():
    service = make_rich_service(hours=HOURS)
    service.save_opening_periods()
    service.service_languages.filter(language__code="ur", provision="staff").update(hours="Tu 18:00-21:00")
    return service


def schedules_of(document: dict) -> dict[str, dict]:
    return {s["id"]: s for s in document["schedules"]}


def test_weekly_hours_are_schedules_by_day_and_time(client, service):
    document = get(client, f"/api/services/{service.public_id}")
    assert_valid(document, "service")
    weekly = [s for s in document["schedules"] if s.get("freq") == "WEEKLY" and "valid_from" not in s]
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in weekly] == [
        ("MO,TU,WE,TH,FR", "09:00", "17:00"),
        ("SA", "10:00", "12:00"),
        ("SA", "14:00", "16:00"),
        ("SU", "22:00", "02:00"),
    ]
    assert all(s["wkst"] == "MO" and s["service_id"] == str(service.public_id) for s in weekly)


def test_dated_changes_and_by_appointment_are_schedules_too(client, service):
    document = get(client, f"/api/services/{service.public_id}")
    dated = {s["valid_from"]: s for s in document["schedules"] if "valid_from" in s}
    assert dated["2026-12-25"]["description"] == "Closed on this date"
    assert "opens_at" not in dated["2026-12-25"]
    changed = dated["2026-12-24"]
    assert (changed["dtstart"], changed["count"], changed["byday"]) == ("2026-12-24", 1, "TH")
    assert (changed["opens_at"], changed["closes_at"]) == ("10:00", "14:00")
    assert any(s.get("description") == "By appointment" for s in document["schedules"])


def test_the_note_stays_the_first_schedules_description(client, service):
    document = get(client, f"/api/services/{service.public_id}")
    assert document["schedules"][0]["description"] == "Tuesdays 10am to 12:30pm"


def test_schedule_ids_are_stable_and_unique(client, service):
    first = get(client, f"/api/services/{service.public_id}")
    again = get(client, f"/api/services/{service.public_id}")
    ids = [s["id"] for s in first["schedules"]]
    assert len(ids) == len(set(ids))
    assert ids == [s["id"] for s in again["schedules"]]


def test_24_7_closes_at_the_last_minute_of_the_day(client):
    service = make_rich_service(hours="24/7")
    weekly = [s for s in get(client, f"/api/services/{service.public_id}")["schedules"] if s.get("freq")]
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in weekly] == [("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59")]


def test_a_languages_hours_are_in_its_note(client, service):
    document = get(client, f"/api/services/{service.public_id}")
    urdu = next(language for language in document["languages"] if language["code"] == "ur")
    assert "(Tu 18:00-21:00)" in urdu["note"]


def test_hours_add_no_queries_to_the_list(client, service, django_assert_num_queries):
    make_rich_service(name="Another", hours="Mo 09:00-10:00")
    # count, ids, services by id, seven related tables, the vocabularies (tests/test_api.py)
    with django_assert_num_queries(12):
        page = get(client, "/api/services", {"per_page": 5})
    for document in page["contents"]:
        assert_valid(document, "service")
