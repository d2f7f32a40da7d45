"""Whether a service's "are you taking new people?" answer may still be shown, and how old
it is. An answer is a promise about today: once it is older than CAPACITY_VALID_DAYS the
public is told it is not known, and search stops counting it. One rule, used by the
service page, result rows, the "taking new people" filter, the API and the report."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import Capacity


def valid_since(today: date | None = None) -> datetime:
    """The earliest moment an answer may have been given and still count: the start of the
    day CAPACITY_VALID_DAYS before today, in the site's time zone. An answer given exactly
    CAPACITY_VALID_DAYS days ago still counts; one a day older does not."""
    first_day = (today or timezone.localdate()) - timedelta(days=settings.CAPACITY_VALID_DAYS)
    return timezone.make_aware(datetime.combine(first_day, time.min))


def known_q(today: date | None = None, prefix: str = "") -> Q:
    """Services whose answer is recent enough to show."""
    return ~Q(**{f"{prefix}capacity": ""}) & Q(**{f"{prefix}capacity_answered__gte": valid_since(today)})


def taking_new_people_q(today: date | None = None, prefix: str = "") -> Q:
    """Services that said "taking new people" recently enough to be believed."""
    return known_q(today, prefix) & Q(**{f"{prefix}capacity": Capacity.OPEN})


@dataclass(frozen=True)
class CapacityNow:
    """What the public is told. `known` is False for an answer too old to show."""

    answer: str
    weeks: int | None
    reopens: date | None
    age_days: int
    known: bool

    @property
    def is_open(self) -> bool:
        return self.answer == Capacity.OPEN

    @property
    def is_waiting(self) -> bool:
        return self.answer == Capacity.WAITING

    @property
    def is_closed(self) -> bool:
        return self.answer == Capacity.CLOSED


def capacity_now(service, today: date | None = None) -> CapacityNow | None:
    """The service's answer with its age in days, or None if it has never answered."""
    if not service.capacity or service.capacity_answered is None:
        return None
    today = today or timezone.localdate()
    age = (today - timezone.localtime(service.capacity_answered).date()).days
    reopens = service.capacity_reopens if service.capacity == Capacity.CLOSED else None
    return CapacityNow(
        answer=service.capacity,
        weeks=service.capacity_weeks if service.capacity == Capacity.WAITING else None,
        reopens=reopens if reopens and reopens >= today else None,
        age_days=max(age, 0),
        known=service.capacity_answered >= valid_since(today),
    )
