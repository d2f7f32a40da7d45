"""The shortlist: services a visitor has picked to hand on, kept in their session
(slugs only, no account) or carried in a share link (`?service=<slug>&service=…`).

Nothing here knows who the visitor is or stores anything about them: the session
holds a list of public service slugs and nothing else of ours."""

import re
from collections.abc import Iterable
from urllib.parse import urlencode

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import QuerySet
from django.urls import reverse

from partners.models import Service
from partners.search import public_services, with_listing_details

SESSION_KEY = "shortlist"
MAX_SERVICES = 20
# A service slug as partners.models.Service.slug allows it; anything else in a link is junk.
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,220}")


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


def share_path(slugs: Iterable[str]) -> str:
    """/shortlist/?service=a&service=b: the list, with no state on the server."""
    query = urlencode([("service", slug) for slug in slugs])
    return reverse("signposting:shortlist") + (f"?{query}" if query else "")


def query_for(slugs: Iterable[str]) -> str:
    """The share link's query string alone, for the print view and QR code links."""
    return urlencode([("service", slug) for slug in slugs])
