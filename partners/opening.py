"""Opening hours in words for residents and GPs: "Open now, closes at 17:00", "Closed now,
opens at 10:00 tomorrow", a weekly table, and when a language is available.

The hours themselves are read by partners/hours.py; this module only phrases them. Times are
24-hour and wrapped in Unicode left-to-right isolates, so "09:00-17:00 (with an en dash)" reads the same in
right-to-left pages and in map popups (which take text, not HTML)."""

import math
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .hours import WHOLE_DAY, Day, Span, WeeklyHours, clock

# LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE: <bdi dir="ltr"> for plain text.
LRI, PDI = "\u2066", "\u2069"
SOON_MINUTES = 60


def isolate(text: str) -> str:
    return f"{LRI}{text}{PDI}"


def span_text(span: Span) -> str:
    return isolate(f"{clock(span.start)}\u2013{clock(span.end)}")


def day_text(spans: Day) -> str:
    if not spans:
        return _("Closed")
    if spans == WHOLE_DAY:
        return _("Open 24 hours")
    return ", ".join(span_text(span) for span in spans)


def status(hours: WeeklyHours | None, at: datetime | None = None) -> str:
    """Open or closed at `at` (now by default) and when that changes, in a sentence; "" without hours."""
    if hours is None:
        return ""
    state = hours.next_change(at)
    if state.always:
        return _("Open 24 hours, every day")
    if not hours.has_times:
        return _("By appointment")
    if state.change is None:
        return _("Open now") if state.open else _("Closed now")
    now, change = timezone.localtime(at or timezone.now()), timezone.localtime(state.change)
    minutes = math.ceil((state.change - now).total_seconds() / 60)
    values = {"count": minutes, "time": isolate(f"{change:%H:%M}"), "day": WEEKDAYS[change.weekday()]}
    days_ahead = (change.date() - now.date()).days
    if state.open:
        if minutes <= SOON_MINUTES:
            text = ngettext("Open now, closes in %(count)s minute", "Open now, closes in %(count)s minutes", minutes)
        elif days_ahead == 0:
            text = _("Open now, closes at %(time)s")
        elif days_ahead == 1:
            text = _("Open now, closes at %(time)s tomorrow")
        else:
            text = _("Open now, closes %(day)s at %(time)s")
    elif minutes <= SOON_MINUTES:
        text = ngettext("Closed now, opens in %(count)s minute", "Closed now, opens in %(count)s minutes", minutes)
    elif days_ahead == 0:
        text = _("Closed now, opens at %(time)s")
    elif days_ahead == 1:
        text = _("Closed now, opens at %(time)s tomorrow")
    else:
        text = _("Closed now, opens %(day)s at %(time)s")
    return text % values


@dataclass
class Row:
    label: str
    text: str
    today: bool = False


def week_rows(hours: WeeklyHours, today: date | None = None) -> list[Row]:
    """Monday to Sunday, today's row marked (the template says so in words, not colour alone)."""
    today = today or timezone.localdate()
    return [
        Row(str(WEEKDAYS[n]), day_text(hours.week[n]), today=n == today.weekday() and today not in dict(hours.dates))
        for n in range(7)
    ]


def date_rows(hours: WeeklyHours, today: date | None = None, days: int = 60) -> list[Row]:
    """Closures and changed hours in the coming weeks."""
    today = today or timezone.localdate()
    return [
        Row(date_format(on, "l j E Y"), day_text(spans), today=on == today)
        for on, spans in hours.upcoming_dates(today, days)
    ]


def summary(hours: WeeklyHours | None) -> str:
    """Short weekly hours on one line, for a language: "Tuesday 18:00 to 21:00"."""
    if hours is None:
        return ""
    if hours.always:
        return _("Open 24 hours, every day")
    parts = [f"{WEEKDAYS[n]} {day_text(spans)}" for n, spans in enumerate(hours.week) if spans]
    if hours.by_appointment:
        parts.append(_("By appointment"))
    return "; ".join(parts)
