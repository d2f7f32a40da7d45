"""The shortlist: services a visitor has picked to hand on, kept in their session
(slugs only, no account) or carried in a share link (`?service=<slug>&service=…`).

A printed sheet's link and QR code also carry the day it was printed (`&printed=2026-11-30`),
so the page they open can say what has changed on the directory since the paper was made.

Nothing here knows who the visitor is or stores anything about them: the session
holds a list of public service slugs and nothing else of ours."""

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from partners.models import Service, Status
from partners.search import public_services, with_listing_details

SESSION_KEY = "shortlist"
MAX_SERVICES = 20
# A service slug as partners.models.Service.slug allows it; anything else in a link is junk.
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,220}")
# The print date in a sheet's link: an ISO date and nothing else.
PRINTED_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ShortlistFull(Exception):
    """The shortlist already has MAX_SERVICES services."""


class Shortlist:
    """The slugs in one visitor's session, in the order they were added."""

    def __init__(self, session: SessionBase):
        self.session = session

    @property
    def slugs(self) -> list[str]:
        value = self.session.get(SESSION_KEY)
        if not isinstance(value, list):
            return []
        return [slug for slug in value if isinstance(slug, str)][:MAX_SERVICES]

    def __len__(self) -> int:
        return len(self.slugs)

    def __contains__(self, slug: str) -> bool:
        return slug in self.slugs

    def _save(self, slugs: list[str]) -> None:
        if slugs:
            self.session[SESSION_KEY] = slugs
        else:
            self.session.pop(SESSION_KEY, None)

    def add(self, slug: str) -> bool:
        """Add a service; False if it was already there. ShortlistFull when there is no room."""
        slugs = self.slugs
        if slug in slugs:
            return False
        if len(slugs) >= MAX_SERVICES:
            raise ShortlistFull
        self._save([*slugs, slug])
        return True

    def add_many(self, slugs: Iterable[str]) -> tuple[int, int]:
        """Add each service that fits: (how many were added, how many did not fit)."""
        current = self.slugs
        new = [slug for slug in dict.fromkeys(slugs) if slug not in current]
        room = max(MAX_SERVICES - len(current), 0)
        self._save([*current, *new[:room]])
        return len(new[:room]), len(new[room:])

    def remove(self, slug: str) -> bool:
        slugs = self.slugs
        if slug not in slugs:
            return False
        self._save([s for s in slugs if s != slug])
        return True

    def keep_only(self, slugs: Iterable[str]) -> None:
        """Forget the slugs that are not in `slugs` (services taken off the directory)."""
        keep = set(slugs)
        current = self.slugs
        if any(slug not in keep for slug in current):
            self._save([slug for slug in current if slug in keep])

    def clear(self) -> None:
        self._save([])


def clean_slugs(values: Iterable[str]) -> tuple[list[str], int, int]:
    """The usable slugs of a share link, in order and without repeats, at most MAX_SERVICES;
    then how many different values were not slugs, and how many slugs were past the limit."""
    distinct = list(dict.fromkeys(value.strip() for value in values))
    slugs = [value for value in distinct if SLUG_RE.fullmatch(value)]
    junk = sum(1 for value in distinct if value and not SLUG_RE.fullmatch(value))
    return slugs[:MAX_SERVICES], junk, len(slugs[MAX_SERVICES:])


def shortlisted_services(slugs: list[str]) -> tuple[list[Service], list[str]]:
    """The published services among `slugs`, in that order, with what a listing shows;
    and the slugs that are not (or no longer) in the directory. A fixed number of queries."""
    if not slugs:
        return [], []
    found = {service.slug: service for service in _services().filter(slug__in=slugs)}
    return [found[slug] for slug in slugs if slug in found], [slug for slug in slugs if slug not in found]


def _services() -> QuerySet[Service]:
    return with_listing_details(public_services())


def share_path(slugs: Iterable[str], printed: date | None = None) -> str:
    """/shortlist/?service=a&service=b: the list, with no state on the server
    (and &printed=2026-11-30 for the link on a sheet printed that day)."""
    query = query_for(slugs, printed)
    return reverse("signposting:shortlist") + (f"?{query}" if query else "")


def query_for(slugs: Iterable[str], printed: date | None = None) -> str:
    """The share link's query string alone, for the print view and QR code links."""
    pairs = [("service", slug) for slug in slugs]
    if pairs and printed is not None:
        pairs.append(("printed", printed.isoformat()))
    return urlencode(pairs)


def parse_printed(value: str | None) -> date | None:
    """The print date of a sheet's link, or None when it is missing, not a real date
    (2026-02-30) or in the future: such a value is ignored, never an error."""
    if not value or not PRINTED_RE.fullmatch(value.strip()):
        return None
    try:
        printed = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return printed if printed <= timezone.localdate() else None


def changed_since(services: Iterable[Service], printed: date) -> list[Service]:
    """The services whose listing was saved with new details after the day the sheet was printed.

    "Changed" is what the rows record: `updated` moves when an approved change, an admin edit
    or an import writes the service, or its organisation (whose places, name and phone the
    sheet shows). Confirming a listing unchanged does not move it, so a re-check is not a change.
    The sheet carries a day, not a time: a change made later on the day it was printed is not
    flagged. Uses the rows already loaded, so no queries."""
    start = timezone.make_aware(datetime.combine(printed + timedelta(days=1), time.min))
    return [service for service in services if service.updated >= start or service.organisation.updated >= start]


def withdrawn_names(slugs: list[str]) -> list[str]:
    """The names of services among `slugs` that were taken off the directory (withdrawn or
    archived, or their organisation was): a sheet printed earlier still names them. Services
    deleted since, and drafts, are not named: nobody outside their organisation saw those. One query."""
    if not slugs:
        return []
    rows = (
        Service.objects.filter(slug__in=slugs)
        .filter(Q(status=Status.ARCHIVED) | Q(organisation__status=Status.ARCHIVED))
        .exclude(Q(status=Status.DRAFT) | Q(organisation__status=Status.DRAFT))
        .values_list("slug", "name")
    )
    names = dict(rows)
    return [names[slug] for slug in slugs if slug in names]
