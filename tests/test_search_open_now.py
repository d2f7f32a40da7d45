"""The "open now" search filter: an SQL condition, so counts and pages are right."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from partners import facet_index
from partners.search import PAGE_SIZE
from tests.factories import make_organisation, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def monday_noon(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 30, 12, 0, tzinfo=ZoneInfo("Europe/London")))


def names(response) -> list[str]:
    return [s.name for s in response.context["page"].object_list]


def test_open_now_keeps_only_services_open_at_this_moment(client, monday_noon):
    make_service("Weekday service", hours="Mo-Fr 09:00-17:00", support=["counselling"])
    make_service("Evening service", hours="Mo 18:00-21:00", support=["counselling"])
    make_service("No hours given", support=["counselling"])
    make_service("By appointment", hours='"by appointment"', support=["counselling"])
    response = client.get("/search/", {"open_now": "1"})
    assert names(response) == ["Weekday service"]
    assert response.context["results"].count == 1
    assert "Open now" in response.content.decode()
    assert names(client.get("/search/")) == ["By appointment", "Evening service", "No hours given", "Weekday service"]


def test_the_filter_counts_follow_open_now(client, monday_noon):
    make_service("Open", hours="24/7", support=["counselling"])
    make_service("Closed", hours="Tu 09:00-10:00", support=["befriending"])
    response = client.get("/search/", {"open_now": "on"})
    groups = {group.name: group for group in response.context["filter_groups"]}
    counts = {choice.option.value: choice.count for choice in groups["support"].choices}
    assert counts.get("counselling") == 1
    assert counts.get("befriending", 0) == 0


def test_paging_counts_only_open_services(client, monday_noon):
    organisation = make_organisation()
    for n in range(PAGE_SIZE + 2):
        make_service(f"Open {n:02d}", organisation=organisation, hours="Mo 11:00-13:00")
        make_service(f"Closed {n:02d}", organisation=organisation, hours="Mo 13:00-14:00")
    response = client.get("/search/", {"open_now": "1", "page": "2"})
    assert response.context["results"].count == PAGE_SIZE + 2
    assert names(response) == [f"Open {n:02d}" for n in (PAGE_SIZE, PAGE_SIZE + 1)]


def test_the_map_takes_open_now_too(client, monday_noon):
    from tests.factories import make_location

    organisation = make_organisation()
    place = make_location(organisation, latitude=53.79, longitude=-1.75)
    make_service("Open", organisation=organisation, locations=[place], hours="24/7")
    make_service("Closed", organisation=organisation, locations=[place], hours="Tu 09:00-10:00")
    features = client.get("/search/geojson/", {"open_now": "1"}).json()["features"]
    assert [f["properties"]["name"] for f in features] == ["Open"]


@pytest.mark.parametrize("count", [3, 30])
def test_open_now_adds_no_query_per_result(client, monday_noon, django_assert_num_queries, count):
    organisation = make_organisation()
    for n in range(count):
        make_service(f"Service {n}", organisation=organisation, hours="Mo-Fr 09:00-17:00", support=["counselling"])
    facet_index.current()  # built once per directory version (tests/test_facet_index.py pins that)
    with django_assert_num_queries(9):
        response = client.get("/search/", {"open_now": "1", "support": "counselling"})
    assert response.context["results"].count == count


@pytest.mark.parametrize("value", ["banana", "2", "<script>", "x" * 500])
def test_a_garbage_open_now_gets_a_message_and_no_filter(client, monday_noon, value):
    make_service("Closed", hours="Tu 09:00-10:00")
    response = client.get("/search/", {"open_now": value})
    page = response.content.decode()
    assert response.status_code == 200
    assert "for open now, so we showed services whatever their hours" in page
    assert 'href="#id_open_now"' in page
    assert names(response) == ["Closed"]


def test_open_now_can_be_removed_from_the_active_filters(client, monday_noon):
    response = client.get("/search/", {"open_now": "1", "q": ""})
    assert any(item.label == "Open now" for item in response.context["active_filters"])
