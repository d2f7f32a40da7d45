"""The "open now" SQL condition (OpeningPeriod, a cache of Service.hours) agrees with the hours text."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from partners.models import OpeningPeriod, Service
from tests.factories import make_service

LONDON = ZoneInfo("Europe/London")
HOURS = [
    "Mo-Fr 09:00-17:00",
    "Fr 22:00-02:00",
    "Mo-Fr 09:00-17:00; 2026 Dec 25 off; 2026 Dec 24 10:00-14:00",
    "Th 22:00-02:00; 2026 Dec 25 off",
    "2026 Dec 24 23:00-01:00",
    "24/7",
    '"by appointment"',
    "Sa 22:00-03:00",
]
MOMENTS = [
    datetime(2026, 11, 30, 9, 0, tzinfo=LONDON),
    datetime(2026, 11, 30, 17, 0, tzinfo=LONDON),
    datetime(2026, 12, 4, 23, 30, tzinfo=LONDON),
    datetime(2026, 12, 5, 1, 30, tzinfo=LONDON),
    datetime(2026, 12, 24, 12, 0, tzinfo=LONDON),
    datetime(2026, 12, 24, 16, 0, tzinfo=LONDON),
    datetime(2026, 12, 25, 0, 30, tzinfo=LONDON),
    datetime(2026, 12, 25, 12, 0, tzinfo=LONDON),
    datetime(2026, 3, 29, 0, 30, tzinfo=LONDON),
    datetime(2026, 3, 29, 2, 30, tzinfo=LONDON),
    datetime(2026, 10, 25, 1, 30, tzinfo=LONDON) + timedelta(hours=1),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_the_sql_condition_agrees_with_the_text(db, moment):
    services = [make_service(hours=text) for text in HOURS]
    expected = {s.pk for s in services if s.weekly_hours.is_open(moment)}
    assert set(Service.objects.open_at(moment).values_list("pk", flat=True)) == expected


def test_an_overnight_period_is_split_at_midnight(db):
    service = make_service(hours="Fr 22:00-02:00")
    rows = set(service.opening_periods.values_list("weekday", "start_minute", "end_minute", "after_midnight"))
    assert rows == {(4, 1320, 1440, False), (5, 0, 120, True)}


def test_a_dated_closure_is_one_row_that_covers_no_minute(db):
    service = make_service(hours="2026 Dec 25 off")
    assert list(service.opening_periods.values_list("start_minute", "end_minute")) == [(0, 0)]


def test_rebuilding_replaces_the_rows(db):
    service = make_service(hours="Mo 09:00-17:00")
    service.hours = ""
    service.save()
    service.save_opening_periods()
    assert not OpeningPeriod.objects.filter(service=service).exists()


def test_open_at_is_one_query(db, django_assert_num_queries):
    make_service(hours="24/7")
    with django_assert_num_queries(1):
        assert Service.objects.open_at().count() == 1
