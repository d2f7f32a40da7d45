"""The capacity report for commissioners: week by week, how many published services were
taking new people, had a waiting list, were not taking anyone, or had no answer recent
enough to count, overall and by type of support, language and community.

A service's state in a week is its latest answer given by the end of that week (Sunday),
counted only if given within CAPACITY_VALID_DAYS of that day: the same rule the public
pages use (partners/capacity.py). Services counted are those published now. A fixed
number of queries, however many services and weeks."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models import week_of
from partners.models import Capacity, Service, ServiceLanguage

from .models import CapacityAnswer

UNKNOWN = "unknown"
STATES = [Capacity.OPEN, Capacity.WAITING, Capacity.CLOSED, UNKNOWN]
STATE_LABELS = {
    Capacity.OPEN: _("Taking new people"),
    Capacity.WAITING: _("Waiting list"),
    Capacity.CLOSED: _("Not taking new people"),
    UNKNOWN: _("Not known"),
}
DIMENSIONS = {
    "support": _("Type of support"),
    "language": _("Language"),
    "community": _("Community"),
}
WEEKS = 12


@dataclass
class Week:
    monday: date
    counts: dict[str, int]

    def count(self, state: str) -> int:
        return self.counts.get(state, 0)

    @property
    def in_order(self) -> list[int]:
        return [self.counts.get(state, 0) for state in STATES]


@dataclass
class Group:
    """One support type, language or community: its weeks."""

    name: str
    code: str
    weeks: list[Week]


@dataclass
class CapacityReport:
    weeks: list[Week]
    groups: dict[str, list[Group]] = field(default_factory=dict)

    @property
    def mondays(self) -> list[date]:
        return [week.monday for week in self.weeks]


def _end_of(monday: date) -> datetime:
    """The last moment of the week starting `monday`, in the site's time zone."""
    return timezone.make_aware(datetime.combine(monday + timedelta(days=7), time.min)) - timedelta(microseconds=1)


def capacity_report(end: date | None = None, weeks: int = WEEKS) -> CapacityReport:
    """The `weeks` weeks up to and including the week of `end` (today by default)."""
    last = week_of(end or timezone.localdate())
    mondays = [last - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    valid = timedelta(days=settings.CAPACITY_VALID_DAYS)
    earliest = timezone.make_aware(datetime.combine(mondays[0] - valid, time.min))
    services = list(Service.objects.public().values_list("pk", flat=True))
    answers: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for service_id, answered, answer in (
        CapacityAnswer.objects.filter(service_id__in=services, answered__gte=earliest, answered__lte=_end_of(last))
        .order_by("answered", "pk")
        .values_list("service_id", "answered", "answer")
    ):
        answers[service_id].append((answered, answer))

    # state[service][i]: the service's state in week i.
    state: dict[int, list[str]] = {}
    for service_id in services:
        history = answers.get(service_id, [])
        row = []
        for monday in mondays:
            end_of_week = _end_of(monday)
            valid_from = timezone.make_aware(datetime.combine(monday + timedelta(days=6), time.min)) - valid
            latest = None
            for answered, answer in history:
                if answered > end_of_week:
                    break
                latest = (answered, answer)
            row.append(latest[1] if latest and latest[0] >= valid_from else UNKNOWN)
        state[service_id] = row

    def weeks_for(ids) -> list[Week]:
        result = []
        for i, monday in enumerate(mondays):
            counts: dict[str, int] = defaultdict(int)
            for service_id in ids:
                counts[state[service_id][i]] += 1
            result.append(Week(monday, dict(counts)))
        return result

    report = CapacityReport(weeks=weeks_for(services))
    memberships = {
        "support": Service.support_types.through.objects.filter(service_id__in=services).values_list(
            "service_id", "supporttype__slug", "supporttype__name"
        ),
        "community": Service.communities.through.objects.filter(service_id__in=services).values_list(
            "service_id", "community__slug", "community__name"
        ),
        "language": ServiceLanguage.objects.filter(service_id__in=services).values_list(
            "service_id", "language__code", "language__name"
        ),
    }
    for dimension, rows in memberships.items():
        members: dict[tuple[str, str], set[int]] = defaultdict(set)
        for service_id, code, name in rows:
            members[(name, code)].add(service_id)
        report.groups[dimension] = [
            Group(name=name, code=code, weeks=weeks_for(sorted(ids))) for (name, code), ids in sorted(members.items())
        ]
    return report
