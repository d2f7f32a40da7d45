"""A validated search (`SearchParams`) and what it may ask for: sorts, radius, page."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.utils.translation import gettext_lazy as _

from ..postcodes import Place
from .registry import FILTERS

RADIUS_DEFAULT = 3.0
RADIUS_MIN = 0.1
RADIUS_MAX = 50.0
RADIUS_CHOICES = (1, 3, 5, 10, 25, 50)
# Ten results a page, as NHS service search: short pages on a phone; the map shows them all.
PAGE_SIZE = 10

RELEVANCE, DISTANCE, NAME = "relevance", "distance", "name"
SORTS = {RELEVANCE: _("Best match"), DISTANCE: _("Nearest first"), NAME: _("Name (A to Z)")}

# The filters that are lists of options (shown with counts), in the order the page shows
# them: the registry's (registry.py). Each is also a field of SearchParams below.
FACETS = tuple(FILTERS)


# --- Parameters -------------------------------------------------------------------


@dataclass(frozen=True)
class SearchParams:
    """A validated search. Filters are tuples of slugs (ISO codes for languages)."""

    q: str = ""
    place: Place | None = None
    radius: float = RADIUS_DEFAULT
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    language: tuple[str, ...] = ()
    community: tuple[str, ...] = ()
    support: tuple[str, ...] = ()
    referral: tuple[str, ...] = ()
    mode: tuple[str, ...] = ()
    attribute: tuple[str, ...] = ()
    cost: tuple[str, ...] = ()
    gender: tuple[str, ...] = ()
    age: int | None = None
    open_now: bool = False
    # Only services that said "taking new people" within CAPACITY_VALID_DAYS.
    taking_new: bool = False
    sort: str = ""

    @property
    def ranked(self) -> bool:
        """Whether "Best match" means something: words to match, or a language to speak
        (services whose staff speak it come first)."""
        return bool(self.q or self.language)

    @property
    def effective_sort(self) -> str:
        """The order actually used: an impossible choice falls back to the natural one."""
        if self.sort == DISTANCE and self.place:
            return DISTANCE
        if self.sort == RELEVANCE and self.ranked:
            return RELEVANCE
        if self.sort == NAME:
            return NAME
        if self.place:
            return DISTANCE
        if self.ranked:
            return RELEVANCE
        return NAME

    @property
    def available_sorts(self) -> list[str]:
        return [s for s in SORTS if (s != RELEVANCE or self.ranked) and (s != DISTANCE or self.place)]

    def values(self, facet: str) -> tuple[str, ...]:
        return getattr(self, facet)


# --- Vocabularies -----------------------------------------------------------------


def page_number(value: str | int | None) -> int:
    """A page number from a query string: InvalidPage unless a whole number from 1 (and
    not absurdly large: no search has a million pages, and the offset must fit SQL)."""
    try:
        number = int(str(value or 1))
    except ValueError:
        raise PageNotAnInteger(_("That page number is not a whole number.")) from None
    if not 1 <= number <= 1_000_000:
        raise EmptyPage(_("There is no such page of results."))
    return number
