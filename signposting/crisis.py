"""The crisis lines every public page shows, read cheaply and safely.

The panel is on every page, so the lines are kept in Django's cache, with their
translations (two queries when the cache is cold, none after), and forgotten whenever a
moderator saves or deletes one or a translation of one. If the database cannot be read,
or on an error page (which must not touch the database), the built-in national lines are
shown instead: crisis help never depends on the database.
"""

import logging

from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.seeded import in_visitor_language
from partners import facet_index
from partners.hours import is_open
from partners.models import OpeningPeriod, Service
from partners.search import Search, SearchParams, Vocabulary
from partners.translations import active_language

from .models import CrisisLine, CrisisLineTranslation

logger = logging.getLogger(__name__)

CACHE_KEY = "signposting:crisis-lines"
# Several server processes each cache the lines (unless CACHES is shared): a moderator's
# change reaches the other processes within this many seconds.
CACHE_SECONDS = 300
CRISIS_SUPPORT = "crisis-support"
# The crisis page and the crisis box list this many of the directory's crisis services (a
# national directory has thousands: the page links to a search for the rest, near a postcode).
SHOWN = 10


def national_lines() -> list[CrisisLine]:
    """The UK-wide lines, as signposting migration 0002 seeds them (a test keeps the two equal)."""
    return [
        CrisisLine(
            name=_("Emergency"),
            number="999",
            description=_("If a life is at risk now, or you cannot keep yourself safe: call 999 or go to A&E."),
            languages=_("English; interpreters for other languages"),
            order=10,
        ),
        CrisisLine(
            name=_("NHS"),
            number="111",
            dial_note=_("option 2"),
            description=_(
                "Urgent mental health help for you or someone you care for: choose option 2 to talk to "
                "the local NHS mental health team."
            ),
            languages=_("English; interpreters for other languages"),
            order=20,
        ),
        CrisisLine(
            name=_("Samaritans"),
            number="116 123",
            description=_("Someone to talk to about anything you are going through. Free from any phone."),
            languages=_("English"),
            order=30,
        ),
        CrisisLine(
            name=_("Shout"),
            number="85258",
            kind=CrisisLine.Kind.TEXT,
            text_body="SHOUT",
            description=_("Free, confidential text conversation with a trained volunteer when you are struggling."),
            languages=_("English"),
            order=40,
        ),
    ]


def crisis_lines(read_database: bool = True) -> list[CrisisLine]:
    """The active crisis lines in order, in the visitor's language: a moderator's translation
    of a region's own line where there is one, the catalogues' for the words the directory
    wrote (see directory.seeded), else the line's words as typed."""
    language = active_language()
    return [_in_visitor_language(line, language) for line in _stored_lines(read_database)]


def _in_visitor_language(line: CrisisLine, language: str | None) -> CrisisLine:
    # Each call has its own objects (the cache hands out copies), so changing them is safe.
    own = None
    if language is not None and line.pk is not None:  # the built-in national lines have no rows
        own = next((t for t in line.translations.all() if t.language == language), None)
    for field in CrisisLineTranslation.FIELDS:
        typed = getattr(own, field, "") if own else ""
        setattr(line, field, typed or in_visitor_language(str(getattr(line, field))))
    return line


def _stored_lines(read_database: bool) -> list[CrisisLine]:
    """From the cache, else (if allowed) the database, else the national lines."""
    try:
        cached = cache.get(CACHE_KEY)
    except Exception:  # a shared cache that is down must not take crisis help with it
        logger.warning("Could not read the crisis lines from the cache", exc_info=True)
        cached = None
    if cached is not None:
        return cached
    if not read_database:
        return national_lines()
    try:
        lines = list(CrisisLine.objects.active().prefetch_related("translations"))
    except DatabaseError:
        logger.warning("Could not read the crisis lines; showing the national lines", exc_info=True)
        return national_lines()
    if not lines:  # a region that switched every line off still shows the national ones
        return national_lines()
    try:
        cache.set(CACHE_KEY, lines, CACHE_SECONDS)
    except Exception:
        logger.warning("Could not cache the crisis lines", exc_info=True)
    return lines


def forget_cached_lines(**kwargs) -> None:
    """Signal receiver: a moderator changed a line, so read them afresh next time."""
    cache.delete(CACHE_KEY)


def crisis_services(open_only: bool = False, limit: int = SHOWN, vocabulary: Vocabulary | None = None) -> list[Service]:
    """At most `limit` of the directory's own published crisis-support services, those open
    now first (by name); with open_only, only those. "Open now" reads the structured hours
    and, for crisis services listed before them, hours readable in the note; hours we
    cannot read count as not open.

    Two queries however many there are: a national directory has thousands, so the open
    ones are worked out by the database (the structured hours' open-now table, and the
    few distinct notes, each read here once), not one service at a time."""
    now = timezone.now()
    listed, _count = _crisis_support(vocabulary or Vocabulary.load())
    notes = listed.filter(hours="").exclude(opening_hours="").order_by().values_list("opening_hours", flat=True)
    open_notes = [note for note in notes.distinct() if is_open(note, now)]
    open_now = Exists(OpeningPeriod.objects.filter(OpeningPeriod.covering(now), service=OuterRef("pk"))) | Q(
        hours="", opening_hours__in=open_notes
    )
    found = listed.annotate(open_now=ExpressionWrapper(open_now, output_field=BooleanField()))
    if open_only:
        found = found.filter(open_now=True)
    return list(found.select_related("organisation").order_by("-open_now", "name", "pk")[:limit])


def crisis_services_count(vocabulary: Vocabulary | None = None) -> int:
    """How many published crisis-support services the directory has (no query when the
    search's facet index answers, else one)."""
    listed, count = _crisis_support(vocabulary or Vocabulary.load())
    return listed.count() if count is None else count


def _crisis_support(vocabulary: Vocabulary) -> tuple[QuerySet[Service], int | None]:
    """The public crisis-support services, as the search finds them (support=crisis-support),
    and how many when the facet index knows (its ids then stand for the joins with the
    organisations and the support types: measured at 100,000 services, 14,000 of them
    crisis support, the crisis page's statements took 270-330 ms with the joins, 160-215 ms
    without)."""
    search = Search(SearchParams(support=(CRISIS_SUPPORT,)), vocabulary)
    index = facet_index.current()
    matched = index.matched_without_sql(search) if index is not None else None
    if matched is None:
        return search.matching(), None
    return Service.objects.filter(pk__in=index.id_rows(matched)), matched.bit_count()
