"""Unmet need: count the searches that found no or few services, by filter combination
and week, and read the counts back as a report for commissioners.

What is counted, and what is not:
- Counted: the week, the languages, communities and types of support chosen, the postcode
  district (the first half of a postcode, thousands of households), whether other choices
  narrowed the search, and whether it found none or few services.
- Never kept, not even for a moment in the database: the words typed (`q`), the full
  postcode, a location, the IP address, the browser, the session, the account, the time.
- A service that told us it is not taking new people (an answer recent enough to show,
  partners/capacity.py) does not meet the need: a search that found only such services
  counts as finding none (`open_result_count`).
- Only the first page of a search by a person is counted: not later pages of the same
  search, not the map's GeoJSON, not browsers prefetching a link, not robots that say so
  (or that send no User-Agent at all). We read the User-Agent to decide, and keep nothing
  of it. A search with none of the four dimensions (only words, say) is not counted:
  there would be nothing to say about it but "something", which is what we must not keep.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from partners import facet_index
from partners.capacity import known_q
from partners.models import Capacity
from partners.postcodes import DISTRICT_RE, FULL_RE
from partners.search import FACETS, FILTERS, NEED_DIMENSIONS, Search, SearchParams

from .models import NeedStat, ResultBucket, week_of

logger = logging.getLogger(__name__)

# A search finding this many services or fewer counts as finding "few".
FEW_RESULTS = 2
# Longest joined list of values we keep for one filter (a search naming dozens is no signal).
MAX_VALUES_LENGTH = 500
AUTOMATED_AGENT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|scrape|preview|monitor|checker|curl|wget|python-|httpx|go-http|java/|"
    r"libwww|headless|lighthouse|facebookexternalhit|okhttp",
    re.IGNORECASE,
)


def counts_as_search(request: HttpRequest, page_number: int) -> bool:
    """Is this a person's first look at a search (not a later page, a prefetch or a robot)?"""
    if request.method != "GET" or page_number != 1:
        return False
    purpose = request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", "")
    if "prefetch" in purpose.lower():
        return False
    agent = request.headers.get("User-Agent", "")
    return bool(agent.strip()) and not AUTOMATED_AGENT.search(agent)


def bucket_for(result_count: int) -> str | None:
    """The bucket of a search: none, few, or None when it found enough."""
    if result_count <= 0:
        return ResultBucket.NONE
    if result_count <= FEW_RESULTS:
        return ResultBucket.FEW
    return None


def district_of(params: SearchParams) -> str:
    """The postcode district of a search by postcode (BD21 3DN -> BD21); blank for anything else."""
    if params.place is None:
        return ""
    label = params.place.label
    if FULL_RE.match(label) or DISTRICT_RE.match(label):
        return label.split(" ")[0]
    return ""  # "your location": we do not turn a position into a place


def _joined(values: tuple[str, ...]) -> str:
    return ",".join(sorted(set(values)))


def open_result_count(search: Search, result_count: int) -> int:
    """The results less those known to be not taking new people (at most one query, and none
    when there were no results)."""
    if result_count <= 0:
        return 0
    # Without keywords, a place, a map area, open now or taking new people: the facet index's
    # matching set against the ids of the services not taking new people.
    closed = facet_index.closed_count(search)
    if closed is None:
        closed = search.matching().filter(known_q(), capacity=Capacity.CLOSED).count()
    return max(result_count - closed, 0)


def _dimensions(params: SearchParams) -> dict[str, str] | None:
    """The four dimensions a search is counted under; None when it has none (or absurd ones)."""
    key = {name: _joined(params.values(name)) for name in NEED_DIMENSIONS}
    key["district"] = district_of(params)
    if not any(key.values()) or any(len(value) > MAX_VALUES_LENGTH for value in key.values()):
        return None
    return key


def could_record(params: SearchParams) -> bool:
    """Whether `record_search` could count this search at all: if not, the view need not work
    out its open result count (a second run of its keywords)."""
    return _dimensions(params) is not None


def record_search(params: SearchParams, result_count: int, today: date | None = None) -> NeedStat | None:
    """Count one search that found no or few services; return the row it counted in, or None.

    Safe to call on every search: it returns at once when there is nothing to count, and a
    database problem here is logged, never passed on to the person searching."""
    bucket = bucket_for(result_count)
    if bucket is None:
        return None
    key = _dimensions(params)
    if key is None:
        return None
    key.update(
        week=week_of(today or timezone.localdate()),
        narrowed=bool(
            params.q
            or params.bbox
            or params.age is not None
            or any(params.values(name) for name in FACETS if name not in NEED_DIMENSIONS)
        ),
        bucket=bucket,
    )
    try:
        with transaction.atomic():
            return _increment(key)
    except DatabaseError:
        logger.exception("Could not count a search for the unmet need report.")
        return None


def _increment(key: dict) -> NeedStat:
    """Add one to the row for `key`, creating it if needed; safe when two searches race."""
    rows = NeedStat.objects.filter(**key)
    if rows.update(count=F("count") + 1):
        return rows.get()
    try:
        with transaction.atomic():
            return NeedStat.objects.create(**key, count=1)
    except IntegrityError:
        # Someone else created the row between our update and insert.
        rows.update(count=F("count") + 1)
        return rows.get()


# --- The report ---------------------------------------------------------------------------


@dataclass
class NeedRow:
    """One combination over a period, in words a commissioner reads."""

    language: str
    community: str
    support: str
    district: str
    none: int
    few: int
    narrowed: int
    codes: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.none + self.few


@dataclass
class NeedReport:
    start: date
    end: date
    rows: list[NeedRow]

    @property
    def searches_with_none(self) -> int:
        return sum(row.none for row in self.rows)

    @property
    def searches_with_few(self) -> int:
        return sum(row.few for row in self.rows)


def need_report(start: date, end: date, include_narrowed: bool = True, limit: int | None = None) -> NeedReport:
    """The combinations searched for in the weeks from `start` to `end` (inclusive) that found
    no or few services, most searches finding nothing first. A fixed number of queries."""
    stats: QuerySet = NeedStat.objects.filter(week__gte=week_of(start), week__lte=week_of(end))
    if not include_narrowed:
        stats = stats.filter(narrowed=False)
    grouped = (
        stats.values("language", "community", "support", "district")
        .annotate(
            none=Sum("count", filter=Q(bucket=ResultBucket.NONE), default=0),
            few=Sum("count", filter=Q(bucket=ResultBucket.FEW), default=0),
            narrowed_count=Sum("count", filter=Q(narrowed=True), default=0),
            total=Sum("count"),
        )
        .order_by("-none", "-total", "language", "community", "support", "district")
    )
    if limit is not None:
        grouped = grouped[:limit]
    names = _Names()
    rows = [
        NeedRow(
            language=names.languages(row["language"]),
            community=names.communities(row["community"]),
            support=names.support(row["support"]),
            district=row["district"],
            none=row["none"],
            few=row["few"],
            narrowed=row["narrowed_count"],
            codes={key: row[key] for key in ("language", "community", "support")},
        )
        for row in grouped
    ]
    return NeedReport(week_of(start), week_of(end), rows)


def need_weeks(start: date, end: date, include_narrowed: bool = True) -> list[tuple[date, int, int]]:
    """(Monday, searches finding none, searches finding few) for every week from `start` to
    `end`, weeks with no such search included as zeros: the report's chart. One query."""
    stats: QuerySet = NeedStat.objects.filter(week__gte=week_of(start), week__lte=week_of(end))
    if not include_narrowed:
        stats = stats.filter(narrowed=False)
    counted = {
        row["week"]: (row["none"], row["few"])
        for row in stats.values("week").annotate(
            none=Sum("count", filter=Q(bucket=ResultBucket.NONE), default=0),
            few=Sum("count", filter=Q(bucket=ResultBucket.FEW), default=0),
        )
    }
    weeks, monday = [], week_of(start)
    while monday <= week_of(end):
        weeks.append((monday, *counted.get(monday, (0, 0))))
        monday += timedelta(weeks=1)
    return weeks


class _Names:
    """Codes and slugs -> names, "Urdu or Punjabi" for several (three queries, once)."""

    def __init__(self):
        self._names = {
            name: dict(FILTERS[name].model.objects.values_list(FILTERS[name].code_field, "name"))
            for name in NEED_DIMENSIONS
        }

    @staticmethod
    def _say(joined: str, names: dict[str, str]) -> str:
        if not joined:
            return ""
        return get_text_list([names.get(value, value) for value in joined.split(",")], _("or"))

    def languages(self, joined: str) -> str:
        return self._say(joined, self._names["language"])

    def communities(self, joined: str) -> str:
        return self._say(joined, self._names["community"])

    def support(self, joined: str) -> str:
        return self._say(joined, self._names["support"])
