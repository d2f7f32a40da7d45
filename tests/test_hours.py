"""Opening hours as text: reading, writing back, and open or closed at a moment (partners/hours.py)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partners.hours import HoursError, Span, clock, parse_hours

LONDON = ZoneInfo("Europe/London")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_weekly_ranges_and_several_ranges_a_day_are_read():
    hours = parse_hours("Mo-Fr 09:00-17:00; Sa 10:00-12:00,14:00-16:00")
    assert hours.week[0] == (Span(540, 1020),)
    assert hours.week[5] == (Span(600, 720), Span(840, 960))
    assert hours.week[6] == ()


def test_the_crisis_lines_form_is_still_read():
    hours = parse_hours("Mon-Fri 09:00-17:00, Sat 10:00-14:00")
    assert hours.text() == "Mo-Fr 09:00-17:00; Sa 10:00-14:00"
    assert parse_hours("24/7").always
    assert parse_hours("Mon 00:00-00:01").week[0] == (Span(0, 1),)


def test_a_later_rule_after_a_semicolon_replaces_the_days_it_names():
    assert parse_hours("Mo-Fr 09:00-17:00; We 10:00-12:00").week[2] == (Span(600, 720),)
    assert parse_hours("Mo-Fr 09:00-17:00; We off").week[2] == ()


def test_a_rule_after_a_comma_adds_to_the_day():
    assert parse_hours("Mo 09:00-12:00, Mo 13:00-17:00").week[0] == (Span(540, 720), Span(780, 1020))


def test_the_written_form_groups_days_and_is_stable():
    text = "monday 09:00-17:00; tue 09:00-17:00; Wed 09:00-17:00; Fr 09:00-17:00; Su 10:00-12:00"
    assert parse_hours(text).text() == "Mo-We,Fr 09:00-17:00; Su 10:00-12:00"


def test_by_appointment_and_dated_exceptions_are_read_and_written():
    text = 'Mo-Fr 09:00-17:00; "by appointment"; 2026 Dec 25 off; 2026 Dec 24 10:00-14:00'
    hours = parse_hours(text)
    assert hours.by_appointment
    assert hours.day(date(2026, 12, 25)) == ()
    assert hours.day(date(2026, 12, 24)) == (Span(600, 840),)
    assert hours.day(date(2026, 12, 23)) == (Span(540, 1020),)
    assert hours.text() == 'Mo-Fr 09:00-17:00; "by appointment"; 2026 Dec 24 10:00-14:00; 2026 Dec 25 off'


def test_by_appointment_alone_has_no_times():
    hours = parse_hours('"by appointment"')
    assert hours.by_appointment and not hours.has_times
    assert hours.next_change(at(2026, 11, 30, 12, 0)).change is None


def test_every_day_with_whole_days_is_written_as_24_7():
    assert parse_hours("Mo-Su 00:00-24:00").text() == "24/7"


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("Mo-Fr 09:00-25:00", 13),
        ("Mo-Fr 09:60-17:00", 7),
        ("Xy 09:00-17:00", 1),
        ("Mo-Fr 09:00 17:00", 13),
        ("Mo-Fr", 6),
        ("Mo-Fr 09:00-17:00; Dec 25 off", 20),
        ("2026 Feb 30 off", 1),
        ("Mo 09:00-09:00", 4),
        ('Mo 09:00-17:00; "ring first"', 17),
        ("Mo 09:00-17:00 $", 16),
        ("weekdays 9 to 5", 1),
        ("", 1),
    ],
)
def test_garbage_gives_a_message_and_where_it_starts(text, position):
    with pytest.raises(HoursError) as error:
        parse_hours(text)
    assert error.value.position == position
    assert error.value.message
    assert str(position) in error.value.with_position()


def test_open_is_read_in_local_time():
    hours = parse_hours("Mo-Fr 09:00-17:00")
    assert hours.is_open(at(2026, 11, 30, 9, 0))  # a Monday
    assert not hours.is_open(at(2026, 11, 30, 17, 0))
    assert not hours.is_open(at(2026, 11, 29, 12, 0))  # Sunday


def test_an_overnight_range_is_open_into_the_next_morning():
    hours = parse_hours("Fr 22:00-02:00")
    assert hours.is_open(at(2026, 12, 4, 23, 0))
    assert hours.is_open(at(2026, 12, 5, 1, 59))
    assert not hours.is_open(at(2026, 12, 5, 2, 0))
    assert not hours.is_open(at(2026, 12, 4, 1, 0))


def test_a_dated_closure_replaces_the_weekly_hours_that_day():
    hours = parse_hours("Mo-Fr 09:00-17:00; 2026 Dec 25 off")
    assert not hours.is_open(at(2026, 12, 25, 12, 0))
    assert hours.is_open(at(2026, 12, 24, 12, 0))


def test_summer_time_is_open_by_the_local_clock():
    # 10:30 in London on 1 July is 09:30 UTC.
    hours = parse_hours("Mo-Su 10:00-11:00")
    assert hours.is_open(datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("UTC")))
    assert not hours.is_open(datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("UTC")))


def test_closes_in_counts_real_minutes_across_the_clocks_going_forward():
    # Clocks go forward at 01:00 on Sunday 29 March 2026: 00:30 to 03:00 is 90 real minutes.
    hours = parse_hours("Sa 22:00-03:00")
    now = at(2026, 3, 29, 0, 30)
    state = hours.next_change(now)
    assert state.open
    assert (state.change - now).total_seconds() == 90 * 60


def test_closes_in_counts_real_minutes_across_the_clocks_going_back():
    # Clocks go back at 02:00 on Sunday 25 October 2026: 00:30 to 03:00 is 210 real minutes.
    hours = parse_hours("Sa 22:00-03:00")
    now = at(2026, 10, 25, 0, 30)
    state = hours.next_change(now)
    assert (state.change - now).total_seconds() == 210 * 60


def test_next_opening_is_found_days_ahead():
    hours = parse_hours("Mo 09:00-17:00")
    state = hours.next_change(at(2026, 12, 1, 12, 0))  # Tuesday
    assert not state.open
    assert state.change == at(2026, 12, 7, 9, 0)


def test_ranges_meeting_at_midnight_close_once():
    hours = parse_hours("Mo 20:00-24:00; Tu 00:00-02:00")
    state = hours.next_change(at(2026, 11, 30, 21, 0))
    assert state.change == at(2026, 12, 1, 2, 0)


def test_24_7_never_changes():
    state = parse_hours("24/7").next_change(at(2026, 11, 30, 3, 0))
    assert state.open and state.always and state.change is None


# --- Property: any text we read is written back in one stable form --------------

DAY = st.sampled_from(["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su", "mon", "Sunday"])
TIME = st.integers(0, 24 * 60 - 1).map(clock)
END = st.integers(1, 24 * 60).map(clock)
RANGE = st.tuples(TIME, END).filter(lambda r: r[0] != r[1]).map("-".join)
DAYS = st.one_of(DAY, st.tuples(DAY, DAY).map("-".join))
WEEKLY = st.tuples(st.lists(DAYS, min_size=1, max_size=3).map(",".join), st.lists(RANGE, min_size=1, max_size=3))
WEEKLY_RULE = st.one_of(WEEKLY.map(lambda r: f"{r[0]} {','.join(r[1])}"), DAYS.map(lambda d: f"{d} off"))
DATED_RULE = st.tuples(
    st.dates(date(2025, 1, 1), date(2030, 12, 31)), st.one_of(st.just("off"), st.lists(RANGE, min_size=1).map(",".join))
).map(lambda r: f"{r[0].year} {r[0].strftime('%b')} {r[0].day} {r[1]}")
RULE = st.one_of(WEEKLY_RULE, DATED_RULE, st.just('"by appointment"'), st.just("24/7"))
TEXT = st.tuples(st.lists(RULE, min_size=1, max_size=6), st.lists(st.sampled_from(["; ", ", ", "\n"]), min_size=6)).map(
    lambda r: "".join(rule + sep for rule, sep in zip(r[0], r[1], strict=False)).rstrip(";, \n")
)


@given(TEXT)
def test_reading_the_written_form_gives_the_same_hours(text):
    try:
        hours = parse_hours(text)
    except HoursError:
        return  # only "Mo off" and the like: nothing open, nothing to write
    written = hours.text()
    assert parse_hours(written) == hours
    assert parse_hours(written).text() == written
