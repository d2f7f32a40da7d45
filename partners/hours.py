"""Opening hours written as short text, and whether something is open at a moment.

One text form, a small subset of OpenStreetMap's `opening_hours` syntax (see
docs/searching.md, "Opening hours"), is what staff, the CSV and crisis lines write:

    Mo-Fr 09:00-17:00; Sa 10:00-12:00,14:00-16:00; Su off
    24/7
    "by appointment"
    Mo-Fr 09:00-17:00; 2026 Dec 25 off; 2026 Dec 24 10:00-14:00

Rules are read in order. A rule after ";" (or a new line) replaces the hours of the days
it names; a rule after "," adds to them ("Mon-Fri 09:00-17:00, Sat 10:00-14:00", the
form crisis lines have always used). Days are two or three letters or the full English
name; a period ending at or before it starts runs past midnight ("Fr 22:00-02:00" is open
into Saturday morning) and belongs to the day it starts on; "24:00" is the end of a day.
A dated rule (year, month, day) replaces that one day's weekly hours. Times are the
region's local time (settings.TIME_ZONE), so the clocks changing is taken care of.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

ALWAYS = "24/7"
BY_APPOINTMENT = "by appointment"
DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
MINUTES_A_DAY = 24 * 60
# How far ahead "opens Monday at 09:00" looks for the next opening.
LOOK_AHEAD_DAYS = 8

_TOKEN = re.compile(
    r"""(?P<space>[ \t\r]+)|(?P<newline>\n)|(?P<comment>"[^"\n]*")|(?P<always>24/7)
    |(?P<time>\d{1,2}:\d{2})|(?P<year>\d{4})|(?P<number>\d{1,2})|(?P<word>[a-z]+)
    |(?P<dash>[-\u2013\u2014])|(?P<comma>,)|(?P<semicolon>;)""",
    re.VERBOSE,
)


class HoursError(ValueError):
    """Hours text we cannot read; `position` is the character (counting from 1) where the trouble starts."""

    def __init__(self, message: str, position: int = 1):
        super().__init__(message)
        self.message, self.position = message, position

    def with_position(self) -> str:
        return _("At character %(position)s: %(message)s") % {"position": self.position, "message": self.message}


@dataclass(frozen=True, order=True)
class Span:
    """Open from `start` to `end`, minutes after midnight; an end at or before the start is the next day."""

    start: int
    end: int

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    @property
    def whole_day(self) -> bool:
        return self.start == 0 and self.end == MINUTES_A_DAY

    def text(self) -> str:
        return f"{clock(self.start)}-{clock(self.end)}"


Day = tuple[Span, ...]
CLOSED: Day = ()
WHOLE_DAY: Day = (Span(0, MINUTES_A_DAY),)


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class OpenState:
    """Whether open at a moment and when that changes (None: not within LOOK_AHEAD_DAYS)."""

    open: bool
    change: datetime | None
    by_appointment: bool = False
    always: bool = False


@dataclass(frozen=True)
class WeeklyHours:
    week: tuple[Day, ...] = (CLOSED,) * 7  # 0 is Monday, as datetime.weekday()
    dates: tuple[tuple[date, Day], ...] = ()  # sorted; CLOSED means closed that day
    by_appointment: bool = False
    _dates: dict = field(default=None, compare=False, repr=False, hash=False)

    def __post_init__(self):
        object.__setattr__(self, "_dates", dict(self.dates))

    @property
    def always(self) -> bool:
        return all(day == WHOLE_DAY for day in self.week) and not self.dates

    @property
    def has_times(self) -> bool:
        return any(self.week) or bool(self.dates)

    @property
    def is_empty(self) -> bool:
        return not self.has_times and not self.by_appointment

    def day(self, on: date) -> Day:
        """The spans of one date: its dated rule if there is one, else its weekday's."""
        return self._dates.get(on, self.week[on.weekday()])

    def is_open(self, at: datetime | None = None) -> bool:
        """Open at this moment (now by default), in the region's local time."""
        local = timezone.localtime(at or timezone.now())
        today, minute = local.date(), local.hour * 60 + local.minute
        if any(span.start <= minute < (MINUTES_A_DAY if span.overnight else span.end) for span in self.day(today)):
            return True
        yesterday = self.day(today - timedelta(days=1))
        return any(span.overnight and minute < span.end for span in yesterday)

    def intervals(self, first: date, days: int) -> list[tuple[datetime, datetime]]:
        """Open intervals (aware, in UTC) of the days from `first`, joined where they touch."""
        zone = ZoneInfo(settings.TIME_ZONE)
        found = []
        for n in range(days):
            on = first + timedelta(days=n)
            midnight = datetime.combine(on, time(), tzinfo=zone)
            for span in self.day(on):
                end_day = midnight + timedelta(days=1) if span.overnight or span.end == MINUTES_A_DAY else midnight
                start = _wall(midnight, span.start)
                end = _wall(end_day, 0 if span.end == MINUTES_A_DAY else span.end)
                found.append((start, end))
        joined: list[tuple[datetime, datetime]] = []
        for start, end in sorted(found):
            if joined and start <= joined[-1][1]:
                joined[-1] = (joined[-1][0], max(joined[-1][1], end))
            else:
                joined.append((start, end))
        return joined

    def next_change(self, at: datetime | None = None) -> OpenState:
        """Open or closed at `at` (now by default), and when that next changes."""
        now = (at or timezone.now()).astimezone(ZoneInfo("UTC"))
        if self.always:
            return OpenState(open=True, change=None, by_appointment=self.by_appointment, always=True)
        today = timezone.localtime(now).date()
        for start, end in self.intervals(today - timedelta(days=1), LOOK_AHEAD_DAYS + 1):
            if start <= now < end:
                return OpenState(True, end, self.by_appointment)
            if start > now:
                return OpenState(False, start, self.by_appointment)
        return OpenState(False, None, self.by_appointment)

    def text(self) -> str:
        """The hours in their one written form: parse_hours(hours.text()) == hours."""
        rules = []
        if self.always:
            rules.append(ALWAYS)
        else:
            groups: dict[Day, list[int]] = {}
            for weekday, spans in enumerate(self.week):
                if spans:
                    groups.setdefault(spans, []).append(weekday)
            for spans, weekdays in groups.items():
                rules.append(f"{_day_list(weekdays)} {_span_list(spans)}")
        if self.by_appointment:
            rules.append(f'"{BY_APPOINTMENT}"')
        for on, spans in self.dates:
            written = f"{on.year} {MONTHS[on.month - 1].title()} {on.day:02d}"
            rules.append(f"{written} {_span_list(spans) if spans else 'off'}")
        return "; ".join(rules)

    def upcoming_dates(self, today: date, days: int = 60) -> list[tuple[date, Day]]:
        return [(on, spans) for on, spans in self.dates if today <= on <= today + timedelta(days=days)]


def _wall(midnight: datetime, minutes: int) -> datetime:
    # Local wall-clock time `minutes` after midnight, as UTC; a time the clocks skip
    # (01:30 on the last Sunday of March in London) counts as the same time an hour later.
    # (fold=0 reads it with the offset before the change); a time that happens twice in
    # October counts as the first.
    naive = midnight.replace(tzinfo=None) + timedelta(minutes=minutes)
    return naive.replace(tzinfo=midnight.tzinfo).astimezone(ZoneInfo("UTC"))


def _day_list(weekdays: list[int]) -> str:
    runs: list[list[int]] = []
    for weekday in weekdays:
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    parts = []
    for run in runs:
        first, last = DAYS[run[0]].title(), DAYS[run[-1]].title()
        parts.append(first if len(run) == 1 else f"{first}-{last}")
    return ",".join(parts)


def _span_list(spans: Day) -> str:
    return ",".join(span.text() for span in spans)


def _normalise(spans: list[Span]) -> Day:
    """Sorted, duplicates dropped, overlapping same-day spans joined."""
    same_day = sorted({s for s in spans if not s.overnight})
    joined: list[Span] = []
    for span in same_day:
        if joined and span.start <= joined[-1].end:
            joined[-1] = Span(joined[-1].start, max(joined[-1].end, span.end))
        else:
            joined.append(span)
    return tuple(sorted({*joined, *(s for s in spans if s.overnight)}))


# --- Reading the text ---------------------------------------------------------------


@dataclass
class _Token:
    kind: str
    value: str
    position: int  # counting from 1


def _tokens(text: str) -> list[_Token]:
    tokens, index, lowered = [], 0, text.lower()
    while index < len(lowered):
        match = _TOKEN.match(lowered, index)
        if not match:
            raise HoursError(_("“%(character)s” is not understood here.") % {"character": text[index]}, index + 1)
        kind = match.lastgroup
        if kind == "newline":
            tokens.append(_Token("semicolon", ";", index + 1))
        elif kind != "space":
            tokens.append(_Token(kind, match.group(), index + 1))
        index = match.end()
    return tokens


def _weekday(token: _Token) -> int | None:
    word = token.value
    if token.kind != "word" or len(word) < 2:
        return None
    for n, name in enumerate(DAY_NAMES):
        if name.startswith(word) and (len(word) <= 3 or word == name):
            return n
    return None


def _month(token: _Token) -> int | None:
    if token.kind != "word":
        return None
    for n, (short, name) in enumerate(zip(MONTHS, MONTH_NAMES, strict=True)):
        if token.value in (short, name):
            return n + 1
    return None


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self, ahead: int = 0) -> _Token | None:
        n = self.index + ahead
        return self.tokens[n] if n < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise HoursError(_("The hours stop too soon: add the times, such as 09:00-17:00."), len(self.text) + 1)
        self.index += 1
        return token

    def fail(self, token: _Token | None, message: str):
        raise HoursError(message, token.position if token else len(self.text) + 1)

    def minutes(self, token: _Token, *, end: bool) -> int:
        hours, minutes = (int(part) for part in token.value.split(":"))
        value = hours * 60 + minutes
        if minutes > 59 or value > MINUTES_A_DAY or (value == MINUTES_A_DAY and not end):
            self.fail(
                token,
                _("“%(text)s” is not a time of day (use 24-hour times such as 09:00 or 17:30).")
                % {"text": token.value},
            )
        return value

    def span(self) -> Span:
        first = self.take()
        if first.kind != "time":
            self.fail(first, _("“%(text)s”: expected a time such as 09:00.") % {"text": first.value})
        start = self.minutes(first, end=False)
        dash = self.take()
        if dash.kind != "dash":
            self.fail(dash, _("Write a time range with a dash, such as 09:00-17:00."))
        last = self.take()
        if last.kind != "time":
            self.fail(last, _("“%(text)s”: expected a closing time such as 17:00.") % {"text": last.value})
        end = self.minutes(last, end=True)
        if start == end:
            self.fail(
                first, _("“%(text)s” opens and closes at the same time.") % {"text": f"{first.value}-{last.value}"}
            )
        return Span(start, end)

    def spans(self) -> Day | None:
        """Time ranges after a selector; CLOSED for "off"; None when none are given."""
        token = self.peek()
        if token is None or token.kind in {"semicolon", "comma"}:
            return None
        if token.kind == "word" and token.value in {"off", "closed"}:
            self.take()
            return CLOSED
        if token.kind == "always":
            self.take()
            return WHOLE_DAY
        spans = [self.span()]
        while self._comma_then("time"):
            self.take()
            spans.append(self.span())
        return _normalise(spans)

    def _comma_then(self, kind: str) -> bool:
        comma, after = self.peek(), self.peek(1)
        return comma is not None and comma.kind == "comma" and after is not None and after.kind == kind

    def weekdays(self) -> set[int]:
        days: set[int] = set()
        while True:
            token = self.take()
            first = _weekday(token)
            if first is None:
                self.fail(
                    token,
                    _("“%(text)s” is not a day of the week: write days and times such as Mon-Fri 09:00-17:00.")
                    % {"text": token.value},
                )
            last = first
            if self.peek() is not None and self.peek().kind == "dash":
                self.take()
                end = self.take()
                last = _weekday(end)
                if last is None:
                    self.fail(
                        end,
                        _("“%(text)s” is not a day of the week: write days and times such as Mon-Fri 09:00-17:00.")
                        % {"text": end.value},
                    )
            days.update((first + step) % 7 for step in range((last - first) % 7 + 1))
            after = self.peek(1)
            if not self._comma_then("word") or _weekday(after) is None:
                return days
            self.take()

    def dated(self) -> date:
        year, month_token, day = self.take(), self.take(), self.take()
        month = _month(month_token)
        if month is None:
            self.fail(month_token, _("“%(text)s” is not a month (use Jan, Feb, Mar…).") % {"text": month_token.value})
        if day.kind != "number":
            self.fail(day, _("Give the day of the month as a number, such as 2026 Dec 25."))
        try:
            return date(int(year.value), month, int(day.value))
        except ValueError:
            self.fail(year, _("There is no such date."))

    def read(self) -> WeeklyHours:
        week: list[Day] = [CLOSED] * 7
        dates: dict[date, Day] = {}
        by_appointment = False
        adding = False
        while self.peek() is not None:
            token = self.peek()
            if token.kind == "comment":
                self.take()
                if token.value.strip('"').strip() != BY_APPOINTMENT:
                    self.fail(
                        token,
                        _("The only note the hours can carry is “by appointment”; put other notes in the note."),
                    )
                by_appointment = True
            elif token.kind == "year":
                on = self.dated()
                spans = self.spans()
                if spans is None:
                    self.fail(self.peek(), _("Say “off” or give the times for this date."))
                dates[on] = _normalise([*dates.get(on, ()), *spans]) if adding and spans else spans
            else:
                if token.kind == "time" or token.kind == "always":
                    weekdays = set(range(7))
                elif _month(token) is not None and token.kind == "word" and _weekday(token) is None:
                    self.fail(token, _("Put the year first in a date, such as 2026 Dec 25."))
                else:
                    weekdays = self.weekdays()
                spans = self.spans()
                if spans is None:
                    self.fail(self.peek(), _("Give the times for these days, such as 09:00-17:00, or “off”."))
                for weekday in weekdays:
                    week[weekday] = _normalise([*week[weekday], *spans]) if adding and spans else spans
            token = self.peek()
            if token is None:
                break
            if token.kind not in {"semicolon", "comma"}:
                self.fail(token, _("“%(text)s” is not understood here.") % {"text": token.value})
            self.take()
            adding = token.kind == "comma"
        return WeeklyHours(week=tuple(week), dates=tuple(sorted(dates.items())), by_appointment=by_appointment)


def parse_hours(text: str) -> WeeklyHours:
    """The hours a text describes; HoursError (a ValueError) with a message a moderator can act on."""
    hours = _Reader(text.strip()).read()
    if hours.is_empty:
        raise HoursError(_("Write 24/7, or days and times such as Mo-Fr 09:00-17:00."))
    return hours


def normalise_hours(text: str) -> str:
    """The one written form of hours text; blank stays blank. HoursError if it cannot be read."""
    return parse_hours(text).text() if text.strip() else ""


def read_hours(text: str) -> WeeklyHours | None:
    """The hours, or None when the text is blank or not in the form parse_hours reads."""
    try:
        return parse_hours(text) if text.strip() else None
    except HoursError:
        return None


def is_open(hours: str, at: datetime | None = None) -> bool | None:
    """Whether hours written as text are open at a moment (now by default); None when
    the text is blank or not in the form parse_hours reads (we cannot tell)."""
    parsed = read_hours(hours)
    return None if parsed is None or not parsed.has_times else parsed.is_open(at)
