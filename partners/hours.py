"""Weekly opening hours written as short text, and whether something is open at a moment.

The text is "24/7", or weekly day ranges with times, separated by commas or semicolons:
"Mon-Fri 09:00-17:00; Sat 10:00-14:00". A period ending at or before it starts runs past
midnight ("Fri-Sat 22:00-02:00" is open into Saturday and Sunday mornings); "24:00" is the
end of a day. Times are the region's local time (settings.TIME_ZONE), so the clocks
changing is taken care of. Crisis lines use this today; service opening hours can later.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

ALWAYS = "24/7"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_A_DAY = 24 * 60
_PERIOD = re.compile(
    r"^(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}):(?P<start_m>\d{2})\s*-\s*(?P<end>\d{1,2}):(?P<end_m>\d{2})$"
)


@dataclass(frozen=True)
class Period:
    days: frozenset[int]  # 0 is Monday, as datetime.weekday()
    start: int  # minutes after midnight
    end: int  # minutes after midnight, up to 1440; at or before start: runs past midnight

    def covers(self, weekday: int, minute: int) -> bool:
        if self.start < self.end:
            return weekday in self.days and self.start <= minute < self.end
        return (weekday in self.days and minute >= self.start) or ((weekday - 1) % 7 in self.days and minute < self.end)


@dataclass(frozen=True)
class WeeklyHours:
    always: bool
    periods: tuple[Period, ...] = ()

    def is_open(self, at: datetime | None = None) -> bool:
        """Open at this moment (now by default), in the region's local time."""
        local = timezone.localtime(at or timezone.now())
        minute = local.hour * 60 + local.minute
        return self.always or any(period.covers(local.weekday(), minute) for period in self.periods)


def _minutes(hours: str, minutes: str, text: str) -> int:
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_A_DAY:
        message = _("“%(text)s” is not a time of day (use 24-hour times such as 09:00 or 17:30).")
        raise ValueError(message % {"text": text})
    return value


def parse_hours(text: str) -> WeeklyHours:
    """The hours a text describes; ValueError with a message a moderator can act on."""
    cleaned = text.strip().lower()
    if cleaned == ALWAYS:
        return WeeklyHours(always=True)
    periods = []
    for part in filter(None, (p.strip() for p in re.split(r"[;,\n]", cleaned))):
        match = _PERIOD.match(part)
        if not match or match["first"] not in DAYS or (match["last"] or match["first"]) not in DAYS:
            raise ValueError(
                _("“%(part)s” is not understood. Write 24/7, or days and times such as Mon-Fri 09:00-17:00.")
                % {"part": part}
            )
        first, last = DAYS.index(match["first"]), DAYS.index(match["last"] or match["first"])
        days = frozenset((first + step) % 7 for step in range((last - first) % 7 + 1))
        start = _minutes(match["start"], match["start_m"], part)
        end = _minutes(match["end"], match["end_m"], part)
        if start == MINUTES_A_DAY:
            raise ValueError(_("“%(text)s”: a period cannot start at 24:00.") % {"text": part})
        periods.append(Period(days, start, end))
    if not periods:
        raise ValueError(_("Write 24/7, or days and times such as Mon-Fri 09:00-17:00."))
    return WeeklyHours(always=False, periods=tuple(periods))


def is_open(hours: str, at: datetime | None = None) -> bool | None:
    """Whether hours written as text are open at a moment (now by default); None when
    the text is blank or not in the form parse_hours reads (we cannot tell)."""
    try:
        return parse_hours(hours).is_open(at) if hours.strip() else None
    except ValueError:
        return None
