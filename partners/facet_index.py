"""Option counts, totals and pages from a facet index kept in memory (issue 12).

Counting the services behind every filter option by joining the matching services with
the six link tables cost up to 600 ms of database CPU a results page at 100,000 services
(docs/performance.md). The index does that work once per directory version instead:

- Every public service gets a *position*: its place in `ORDER BY name, pk` (the database's
  own collation, so the order is the one the SQL gives).
- A set of services is a plain Python int used as a bitset (bit i = the service at
  position i): `a & b` and `int.bit_count()` run in microseconds at 100,000 services and
  need no library.
- For every option of every filter (support, language, community, referral, mode,
  attribute, cost, gender) the bitset of the services having it; the languages the staff
  speak; and per service its age bounds, last check and "not taking new people" answer
  (an age's bitset is worked out once and kept, the very-stale set once a day).

A search takes the *core* set (the conditions that are not filters of options: keywords,
place, map area, open now, taking new people, age) either from the index (no such
condition but age, a place or a map area: no SQL at all) or as the ids one SQL statement
finds (the words, on PostgreSQL, come as bitsets of their "arms" from
partners.keyword_index, which also works out their rank; a place and a map area from
partners.place_index), and:

    count for option o of filter F = |core & (every other filter in use) & o|

with the meanings of `facet_q` and `counting._read_counts`: a community also counts the
services for all racialised communities, women and men also count "anyone", and a
language offered two ways is one service (one bit). A place comes from the places kept
in memory (partners.place_index, loaded on the first place search): its set is ANDed with
the rest of the core, nearest first is worked out there, and any other order's page gets
each service's nearest distance from there too. Without words the page comes from the
matching set's bits in position order (split into groups first for a language search:
fresher listings, then staff who speak it); otherwise the core statement (which leaves
"the public sees it" to the index) also reads the rank, freshness and staff speakers come
from bitsets, and the page is the first rows of that order here, ties broken by the
position, as the SQL breaks them by name and id.

Kept per process, and only where a shared cache exists (settings.MAP_CACHE_SECONDS non
zero, as partners.map_cache): every listing change replaces the directory version and the
index is rebuilt (three queries; see `current` for when). Without a shared cache (a
development server on SQLite) `Search.counts` keeps its single SQL statement.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cached_property, partial
from itertools import chain, compress
from operator import itemgetter

import numpy
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Value
from django.db.models.expressions import RawSQL

from . import map_cache
from .bitsets import SET_FIRST, SET_LAST, flag_bytes, from_positions, positions_from
from .capacity import known_q
from .models import Capacity, LanguageProvision, ServiceLanguage
from .place_index import PlaceIndex
from .word_index import WordIndex

logger = logging.getLogger(__name__)

# Ages whose bitsets are kept (ages are validated from 0 to 130).
MAX_KEPT_AGES = 256


@contextmanager
def _no_collection() -> Iterator[None]:
    """The garbage collector paused: a keyword or place search reads tens of thousands of
    rows (tuples of numbers, which hold no cycles), and each 700 of them started a collection
    that also walked the index's own objects (measured at 100,000 services: a third of the
    Python time of a 20-mile search). Only re-enabled if it was on before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# From this many services, what an index builds is set apart from the garbage collector.
SET_APART_FROM = 10_000


def _set_apart(size: int) -> None:
    """Set everything alive now (chiefly an index, its places or its words, just built)
    apart from the garbage collector's full collections (gc.freeze), for an index of at
    least SET_APART_FROM services: each walked every object of the index, 55-110 ms of a
    request every few dozen requests at 100,000 services (measured: most of the p95 of
    the API's search; a few milliseconds for a region's directory). What an earlier call
    set apart is given back first and collected once, so an index replaced since is
    freed (objects that merely stop being used are freed by their reference counts
    anyway)."""
    if size < SET_APART_FROM:
        return
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class FacetIndex:
    """The public services' filter options as bitsets, for one directory version."""

    def __init__(self, version: str, rows: list[tuple], links: Iterable[tuple[str, int, object]]):
        """rows: (pk, min_age, max_age, last_verified, *the columns of the filters on the
        service, as `_on_service()`) of every public service in name order;
        links: (facet, service pk, option key) for every link row (any service); facet
        "speaks" holds the languages the staff speak (for the order of a language search)."""
        self.version = version
        self.ids = [row[0] for row in rows]
        self.position = {pk: i for i, pk in enumerate(self.ids)}
        self.size = len(self.ids)
        self.everything = (1 << self.size) - 1
        self._bounds = [(row[1], row[2]) for row in rows]
        self._ages: dict[int, int] = {}
        self._checked = [row[3] for row in rows]
        self._stale: tuple[object, int] | None = None  # (cutoff, bitset), for today's cutoff
        members: dict[str, dict[object, list[int]]] = defaultdict(lambda: defaultdict(list))
        on_service = _on_service()
        for i, row in enumerate(rows):
            for n, name in enumerate(on_service, start=4):
                members[name][row[n]].append(i)
        position = self.position
        for facet, service_id, key in links:
            i = position.get(service_id)
            if i is not None:  # not public: never counted
                members[facet][key].append(i)
        self.options: dict[str, dict[object, int]] = {
            facet: {key: from_positions(found, self.size) for key, found in by_key.items()}
            for facet, by_key in members.items()
        }
        # Bitsets of keyword arms by SQL and parameters (partners.keyword_index).
        self.keyword_arms: dict[tuple, int] = {}
        # And full-text ranks by query (partners.keyword_index._keep).
        self.keyword_ranks: dict[tuple, object] = {}
        # Connection for which the index holds changes not yet committed (see `current`).
        self.provisional_for = None
        # The places (partners.place_index), loaded when first needed: see `places`.
        self._places: PlaceIndex | None = None
        self._places_lock = threading.Lock()
        # The words of the search vectors (partners.word_index), loaded when first needed.
        self._words: WordIndex | bool | None = None
        self._words_lock = threading.Lock()

    @classmethod
    def build(cls, version: str) -> FacetIndex:
        """From the database, in three queries: the public services in name order (with the
        filters held on the service), one statement over the link tables of vocabularies
        (and the languages staff speak), one over the other link tables (values, not ids)."""
        from .search.registry import FILTERS
        from .search.services import public_services

        columns = [FILTERS[name].column for name in _on_service()]
        rows = list(
            public_services().order_by("name", "pk").values_list("pk", "min_age", "max_age", "last_verified", *columns)
        )

        def union(parts):
            joined = None
            for part in parts:
                joined = part if joined is None else joined.union(part, all=True)
            return joined

        def rows_of(name, queryset, column):
            return queryset.annotate(facet=Value(name)).values_list("facet", "service_id", column).order_by()

        linked = [(name, spec) for name, spec in FILTERS.items() if spec.through is not None]
        staff = ServiceLanguage.objects.filter(provision=LanguageProvision.STAFF)
        # Ids and values apart: PostgreSQL will not unite integer and text columns.
        terms = union(
            [rows_of(n, s.through.objects, s.column) for n, s in linked if s.model]
            + [rows_of("speaks", staff, "language_id")]
        )
        values = union([rows_of(n, s.through.objects, s.column) for n, s in linked if not s.model])
        # Streamed: about a million link rows at 100,000 services, never all in memory at once.
        parts = [part.iterator(chunk_size=20_000) for part in (terms, values) if part is not None]
        return cls(version, rows, chain(*parts))

    @cached_property
    def in_position_order(self) -> itemgetter:
        """Picks, from a sequence indexed by service id, the items of the public services
        in position order (partners.keyword_index)."""
        return itemgetter(*self.ids)

    @cached_property
    def digest(self) -> str:
        """A digest of the services in position order: two indexes with the same one
        number the same services alike (partners.keyword_index shares bitsets by it)."""
        return hashlib.sha256(array("q", self.ids).tobytes()).hexdigest()[:32]

    @cached_property
    def ids_max(self) -> int:
        return max(self.ids, default=0)

    @cached_property
    def id_array(self):
        """The service id at each position, as a numpy array."""
        return numpy.array(self.ids, dtype=numpy.int64)

    # --- Sets ---------------------------------------------------------------------

    def age(self, age: int) -> int:
        """The services whose age range includes age (a blank bound is no limit)."""
        if age not in self._ages:
            bitset = from_positions(
                (
                    i
                    for i, (low, high) in enumerate(self._bounds)
                    if (low is None or low <= age) and (high is None or high >= age)
                ),
                self.size,
            )
            if len(self._ages) < MAX_KEPT_AGES:
                self._ages[age] = bitset
            return bitset
        return self._ages[age]

    def very_stale(self) -> int:
        """The services not confirmed within VERY_STALE_AFTER_DAYS of today (or never), as
        `with_freshness`; worked out again when the day changes."""
        from datetime import timedelta

        from django.utils import timezone

        cutoff = timezone.localdate() - timedelta(days=settings.VERY_STALE_AFTER_DAYS)
        kept = self._stale
        if kept is None or kept[0] != cutoff:
            found = (i for i, checked in enumerate(self._checked) if checked is None or checked < cutoff)
            kept = self._stale = (cutoff, from_positions(found, self.size))
        return kept[1]

    def _groups(self, search, matched: int, until: str = "name") -> list[int] | None:
        """The matching services as consecutive groups of the page order, each group in
        name order (or, with until="-rank", in any order before the rank decides): possible
        when every key before `until` is a yes/no the index knows (no words, so every
        rank is 0; no place); else None."""
        groups = [matched]
        for name in search.ordering():
            if name in ("name", "pk", until):
                return groups
            if name == "-rank" and search.engine is None:
                continue  # Value(0.0) for every service
            if name == "very_stale":
                stale = self.very_stale()
                groups = [part for group in groups for part in (group & ~stale, group & stale)]
            elif name == "-speaks":
                speaks = 0
                for language_id in search.spoken_language_ids:
                    speaks |= self.of("speaks", language_id)
                groups = [part for group in groups for part in (group & speaks, group & ~speaks)]
            else:
                return None
        return groups

    def of(self, facet: str, key: object) -> int:
        return self.options.get(facet, {}).get(key, 0)

    def chosen(self, facet: str, values: Iterable[str], vocabulary) -> int:
        """The services passing one filter in use (any of its values, or its wildcard), as
        `facet_q`."""
        from .search.registry import FILTERS

        spec = FILTERS[facet]
        matched = spec.matched(values)
        bitset = 0
        for key in vocabulary.ids(facet, matched) if spec.model else matched:
            bitset |= self.of(facet, key)
        return bitset

    def option_counts(self, facet: str, base: int, vocabulary) -> dict[str, int]:
        """Each option's count among `base`, as `counting._read_counts` reads the SQL."""
        from .search.registry import FILTERS

        spec = FILTERS[facet]

        def key(option):
            return option.term.pk if spec.model else option.value

        if spec.wildcard:
            # A value counts the services holding it or the wildcard (a service for everyone).
            wildcard = vocabulary.wildcard_id(facet) if spec.model else spec.wildcard
            everyone = self.of(facet, wildcard) if wildcard is not None else 0
            return {
                option.value: (
                    base & (everyone if key(option) == wildcard else self.of(facet, key(option)) | everyone)
                ).bit_count()
                for option in vocabulary.options(facet)
            }
        if spec.model:
            return {
                option.value: (base & self.of(facet, key(option))).bit_count() for option in vocabulary.options(facet)
            }
        # The SQL groups the rows it finds: only the values some service has.
        found = {value: (base & bits).bit_count() for value, bits in self.options.get(facet, {}).items()}
        return {value: n for value, n in found.items() if n}

    def closed(self, matched: int) -> int:
        """How many of `matched` gave a "not taking new people" answer still recent enough
        to show (as feedback.needs.open_result_count: `known_q` and Capacity.CLOSED). One
        query for those services' ids, which are few (a partial index holds them): capacity
        answers are written without a signal (editing.capacity), so the index does not keep
        them."""
        from .search.services import public_services

        members = matched.to_bytes((self.size >> 3) + 1, "little")
        closed = public_services().filter(known_q(), capacity=Capacity.CLOSED).order_by().values_list("pk", flat=True)
        get = self.position.get
        return sum(1 for pk in closed if (i := get(pk)) is not None and members[i >> 3] >> (i & 7) & 1)

    def matched_without_sql(self, search) -> int | None:
        """The services matching a search, when that needs no SQL (no keywords, open now or
        taking new people: a place and a map area are in memory); else None."""
        from .search import FACETS

        params = search.params
        if params.q or params.open_now or params.taking_new:
            return None
        core, _rows = self._core(search, None)
        for facet in FACETS:
            if params.values(facet):
                core &= self.chosen(facet, params.values(facet), search.vocabulary)
        return core

    def id_rows(self, bitset: int) -> RawSQL:
        """The ids of the bitset's services as a subquery of one array parameter (not a
        parameter per id), for a statement that also needs other conditions."""
        from .search.services import IDS_SUBQUERY

        positions = compress(range(self.size), flag_bytes(bitset, self.size, SET_LAST))
        listed = repr(list(map(self.ids.__getitem__, positions)))  # "[1, 2, 3]": a loop in C
        parameter = "{" + listed[1:-1] + "}" if connection.vendor == "postgresql" else listed
        return RawSQL(IDS_SUBQUERY[connection.vendor], [parameter])  # noqa: S611 (a constant text)

    # --- Pages of the API (api.views.services) -------------------------------------

    def bits_of(self, pks: Iterable[int]) -> int:
        """The bitset of the given services; those the index does not number (not public)
        are left out, as the API's list leaves them out."""
        positions = list(map(self.position.get, pks))
        if None in positions:
            positions = [i for i in positions if i is not None]
        return from_positions(positions, self.size)

    def ids_from(self, matched: int, start: int, count: int, after: int = -1) -> list[int]:
        """The ids of the services of `matched` number start, start + 1, ... in name order
        (at most count of them), counting only those at positions after `after`."""
        if after >= 0:
            matched = (matched >> (after + 1)) << (after + 1)
        return [self.ids[i] for i in positions_from(matched, start, count)]

    # --- A search -----------------------------------------------------------------

    def counts(self, search, facets: Iterable[str], total: bool = True, page: int | None = None):
        """What `Search.counts` answers, from the index (and at most one SQL statement)."""
        with _no_collection():
            return self._counts(search, facets, total, page)

    def _counts(self, search, facets: Iterable[str], total: bool, page: int | None):
        from .search.counting import Counts, _page_of
        from .search.params import FACETS, PAGE_SIZE

        params = search.params
        core, rows = self._core(search, page)
        chosen = {facet: self.chosen(facet, params.values(facet), search.vocabulary) for facet in FACETS}
        chosen = {facet: bits for facet, bits in chosen.items() if params.values(facet)}

        def passing(left_out: str | None) -> int:
            bitset = core
            for facet, bits in chosen.items():
                if facet != left_out:
                    bitset &= bits
            return bitset

        matched = passing(None)
        options = {
            facet: self.option_counts(facet, passing(facet) if facet in chosen else matched, search.vocabulary)
            for facet in facets
        }
        counts = Counts(matched.bit_count() if total else 0, options)
        if page is not None:
            start = (page - 1) * PAGE_SIZE
            counts.page = _page_of(self._page(search, core, matched, rows, start, PAGE_SIZE), search.vocabulary)
        return counts

    def _core(self, search, page: int | None) -> tuple[int, dict | None]:
        """The services meeting every condition that is not a filter of options, and (when
        the order needs them) their rows: "position" (in the index), "bits" (the rows'
        own set; the page keeps only the rows of the matching set) and either "rank" (when
        a search with words is ordered by relevance and SQL ranked them) or "rank_of" (when
        the index matched the words: a function giving the ranks of some positions, called
        for the page's candidates only). When the words were the only SQL, the rows are the
        set bits of "bits" and "position" is left out. A place comes from the places in
        memory (`_near`), the words from their arms (`_keyword_core`), never from SQL."""
        from . import keyword_index
        from .search.params import RELEVANCE

        params = search.params
        near = self._near(search)
        if not (params.q or params.open_now or params.taking_new):
            core = self.everything if near is None else near
            if params.age is not None:
                core &= self.age(params.age)
            if page is None or params.place or self._groups(search, 0) is not None:
                return core, None
        want_rank = page is not None and params.effective_sort == RELEVANCE and search.engine is not None
        # The words, from the index (partners.keyword_index), or None: matched in the SQL.
        words = self._keyword_core(search, want_rank)
        if words is not None and not (params.open_now or params.taking_new):
            core, table = self._keyword_table(search, words, page)
            return (core if near is None else core & near), table
        # Not "the public sees it": the index numbers only public services, and drops the
        # others below (measured at 100,000 services: the join with the organisations
        # and the status checks were a third of a keyword search's statement).
        queryset = search.matching(facets=False, public=False, place=False, keywords=words is None)
        if words is not None:
            # The words' services as one array of ids, not the keyword condition, whose
            # arms are bitsets already (measured at 100,000 services, combined searches:
            # 170 ms of database CPU before, 148 after).
            queryset = queryset.filter(pk__in=self.id_rows(words))
        fields = []
        if want_rank and words is None:
            # Only the rank: freshness and the languages staff speak are in the index.
            queryset = queryset.annotate(rank=search.engine.rank())
            fields = ["rank"]
        # Read with a plain cursor: tens of thousands of rows need no per-row conversion.
        statement, statement_params = queryset.order_by().values_list("pk", *fields).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(statement, statement_params)
            found = cursor.fetchall()
        # Column by column, each worked out by `map` and `zip` (loops in C): at 100,000
        # services a search reads up to 80,000 rows, and a Python loop per row was most
        # of its Python time.
        columns = list(zip(*found, strict=True)) if found else [(), *([()] * len(fields))]
        positions = list(map(self.position.get, columns[0]))
        if None in positions:
            # Services the index does not number are not public (or were written without
            # a signal, and cannot be counted): dropped here.
            kept = [n for n, i in enumerate(positions) if i is not None]
            positions = [positions[n] for n in kept]
            columns = [[column[n] for n in kept] for column in columns]
        table = {"position": positions, "bits": from_positions(positions, self.size)}
        if want_rank and words is not None:
            table["rank_of"] = partial(keyword_index.ranks, self, search.engine, every=not search.relaxed)
        if fields:
            ranks = columns[1]
            table["rank"] = ranks if None not in ranks else [rank or 0 for rank in ranks]
        return table["bits"] if near is None else table["bits"] & near, table

    def _groups_of_page(self, search, matched: int, start: int, size: int) -> tuple[int, int]:
        """The services of the groups before the rank (`_groups`) that hold the page's rows
        start to start + size, and where the page starts among them."""
        wanted, skipped, seen = 0, 0, 0
        for group in self._groups(search, matched, until="-rank") or [matched]:
            n = group.bit_count()
            if seen + n <= start:
                skipped += n
            else:
                wanted |= group
            seen += n
            if seen >= start + size:
                break
        return wanted, start - skipped

    # --- Keywords (partners.keyword_index) -----------------------------------------

    def _keyword_core(self, search, rank: bool) -> int | None:
        """The services matching the search's words (all, or any when relaxed) as a bitset,
        when the engine can be read arm by arm; else None (the SQL matches them). rank:
        the page will be ordered by rank (partners.keyword_index.matches)."""
        from . import keyword_index

        if search.engine is None or not keyword_index.supported(search.engine):
            return None
        return keyword_index.matches(self, search.engine, every=not search.relaxed, rank=rank)

    def _keyword_table(self, search, words: int, page: int | None) -> tuple[int, dict | None]:
        """`_core` for a search whose only SQL condition was its words (and the age): the
        rows are the set bits of the core ("bits"), ranked by "rank_of"."""
        from . import keyword_index

        core = words if search.params.age is None else words & self.age(search.params.age)
        if page is None or self._groups(search, 0) is not None:
            return core, None
        # The rows are the set bits: `_page_positions` picks those it needs.
        rank_of = partial(keyword_index.ranks, self, search.engine, every=not search.relaxed)
        return core, {"bits": core, "rank_of": rank_of}

    def keyword_matches(self, keywords, engine=None, every: bool = True) -> int | None:
        """The public services matching the keywords (every term, or with every=False any
        term), as a bitset of index positions (which are in name order); None when the
        keyword engine cannot be read arm by arm (the portable fallback): ask the SQL."""
        from . import keyword_index
        from .search.keywords import keyword_backend

        engine = engine or keyword_backend(keywords)
        if not keyword_index.supported(engine):
            return None
        with _no_collection():
            return keyword_index.matches(self, engine, every=every)

    # --- The place part (partners.place_index) --------------------------------------

    def places(self, set_apart: bool = True) -> PlaceIndex:
        """The public services' places, loaded on the first place search of this version
        (one query) or by the background build (which sets them apart itself)."""
        if self._places is None:
            with self._places_lock:
                if self._places is None:
                    self._places = PlaceIndex.build(self.position, self.size)
                    if set_apart:
                        _set_apart(self.size)
        return self._places

    def words(self, set_apart: bool = True) -> WordIndex | None:
        """The words of the services' search vectors, loaded on the first keyword search of
        this version (two statements) or by the background build; None where there are no
        such vectors (SQLite) or they could not be loaded (the SQL then ranks)."""
        if self._words is None:
            with self._words_lock:
                if self._words is None:
                    self._words = False
                    if connection.vendor == "postgresql":
                        try:
                            self._words = WordIndex.build()
                            if set_apart:
                                _set_apart(self.size)
                        except Exception:
                            logger.exception("The words were not loaded: keyword ranks stay with SQL")
        return self._words or None

    def _near(self, search) -> int | None:
        """The place core: the services with a place within the radius or none at all (as
        `Search.matching`'s place condition) and, with a map area, a place in the box (as
        its map area condition); None without either."""
        params = search.params
        near = self.places().near(params.place, params.radius) if params.place else None
        if params.bbox:
            boxed = self.places().in_box(params.bbox)
            near = boxed if near is None else near & boxed
        return near

    def _page(self, search, core: int, matched: int, rows: dict | None, start: int, size: int) -> list:
        """(pk, distance) of the page's services, in the order of `Search.ordering`; rows:
        the columns from `_core`, or None when the order comes from the index alone. With a
        place, the distance is each service's nearest (None for a service with no place)."""
        from .search.params import DISTANCE

        params = search.params
        if params.place and params.effective_sort == DISTANCE:
            return [(self.ids[i], d) for i, d in self._nearest_first(search, matched, start, size)]
        positions = self._page_positions(search, matched, rows, start, size)
        if params.place:
            nearest = self.places().nearest(params.place, params.radius, positions)
            return [(self.ids[i], d) for i, d in zip(positions, nearest, strict=True)]
        return [(self.ids[i], None) for i in positions]

    def _nearest_first(self, search, matched: int, start: int, size: int) -> list[tuple[int, float | None]]:
        """(position, distance) of a page nearest first: `Search.ordering` ("remote",
        "very_stale", "distance", name) as four groups, the first two by distance."""
        params = search.params
        places = self.places()
        stale, remote = self.very_stale(), places.remote
        near = matched & ~remote
        found: list[tuple[int, float | None]] = []
        for group, by_distance in (
            (near & ~stale, True),
            (near & stale, True),
            (matched & remote & ~stale, False),
            (matched & remote & stale, False),
        ):
            n = group.bit_count()
            if start >= n:
                start -= n
                continue
            wanted = size - len(found)
            if by_distance:
                closest = places.closest(params.place, params.radius, group, start + wanted)[start:]
                found += [(i, d) for d, i in closest]
            else:
                found += [(i, None) for i in positions_from(group, start, wanted)]
            start = 0
            if len(found) >= size:
                break
        return found

    def _page_positions(self, search, matched: int, rows: dict | None, start: int, size: int) -> list[int]:
        """The positions of the page's services in an order with no distance in it."""
        if rows is None:
            found: list[int] = []
            for group in self._groups(search, matched):
                n = group.bit_count()
                if start >= n:
                    start -= n
                    continue
                found += positions_from(group, start, size - len(found))
                start = 0
                if len(found) == size:
                    break
            return found
        if "rank_of" in rows:
            # The rank is worked out for each service it orders (partners.keyword_index):
            # only for those in the groups of the keys before it (freshness, staff who speak
            # the language) that hold the page.
            matched, start = self._groups_of_page(search, matched, start, size)
        if "position" in rows:
            positions = numpy.asarray(rows["position"], dtype=numpy.int64)
            chosen = numpy.arange(len(positions))
            if matched != rows["bits"]:
                # Some filters (or a place) are in use: only the rows they keep.
                chosen = numpy.flatnonzero(self._flags(matched, SET_LAST)[positions])
            picked = positions[chosen]
        else:
            # The rows are the set bits (`_keyword_table`): only those of `matched`.
            picked = numpy.flatnonzero(self._flags(matched, SET_LAST))
        # The key of `Search.ordering` as one array per column, the position standing for
        # (name, pk), which the index numbered in the database's order; only the rows that
        # can be on the page sorted (`first_rows`; measured on 50,000 rows: a heap over
        # their tuples 4.7 ms, a partition 0.7).
        keys = []
        for name in search.ordering():
            if name in ("name", "pk"):
                break
            if name == "-rank":
                if "rank_of" in rows:
                    # Worked out only for the services passing the filters (partners.keyword_index).
                    keys.append(-rows["rank_of"](picked, matched))
                elif search.engine is not None:
                    keys.append(-numpy.asarray(rows["rank"], dtype=numpy.float64)[chosen])
            else:
                keys.append(self._order_flags(search, name)[picked])
        return picked[first_rows(keys, picked, start + size)][start:].tolist()

    def _flags(self, bitset: int, table: bytes):
        """One byte per position from the bitset's bit (`flag_bytes`), as a numpy array."""
        return numpy.frombuffer(flag_bytes(bitset, self.size, table), dtype=numpy.uint8)

    def _order_flags(self, search, name: str):
        """One byte per position for an order's flag: very stale last, staff who speak the
        search's language first."""
        if name == "very_stale":
            return self._flags(self.very_stale(), SET_LAST)
        if name == "-speaks":
            bitset = 0
            for language_id in search.spoken_language_ids:
                bitset |= self.of("speaks", language_id)
            return self._flags(bitset, SET_FIRST)
        raise ValueError(f"Unknown order {name!r}")


def first_rows(keys: list, tiebreak, count: int):
    """The indices of the `count` first rows in the order of `keys` (numpy arrays, the
    first deciding first), ties broken by `tiebreak`: the rows that can be among them are
    picked by partitions (linear time) while a key leaves them all equal, then only those
    are sorted."""
    chosen = numpy.arange(len(tiebreak))
    for key in keys:
        if len(chosen) <= 4 * count:
            break
        column = key[chosen]
        kth = numpy.partition(column, count - 1)[count - 1]
        within = column <= kth
        chosen = chosen[within]
        if (column[within] != kth).any():
            break  # this key still orders them: the next cannot pick among them alone
    order = numpy.lexsort((tiebreak[chosen], *(key[chosen] for key in reversed(keys))))
    return chosen[order[:count]]


# --- The index of this process -------------------------------------------------------


def _on_service() -> list[str]:
    """The filters whose value is a column of the service (partners.search.registry)."""
    from .search.registry import FILTERS

    return [name for name, spec in FILTERS.items() if spec.on_service]


def closed_count(search) -> int | None:
    """For feedback.needs: how many services matching `search` are known not to be taking
    new people: the index's matching set (when that needs no SQL) against their ids; else
    None (the caller asks the database)."""
    index = current()
    if index is None:
        return None
    matched = index.matched_without_sql(search)
    return None if matched is None else index.closed(matched)


def ready() -> FacetIndex | None:
    """The index for a reader with a SQL path of its own that need not wait for it (the
    API's list): as `current`, except that inside a transaction an index out of date is
    not rebuilt there and then (the SQL path answers), so a request that writes and then
    reads, or a test, runs the statements it always ran unless the index is already there."""
    if not settings.MAP_CACHE_SECONDS:
        return None
    here = connections[DEFAULT_DB_ALIAS]
    if here.in_atomic_block:
        index = _current
        try:
            version = map_cache.version()
        except Exception:
            logger.exception("The API's list from SQL: the cache did not answer")
            return None
        # The condition of `current` for an index it may use as it is.
        pending = map_cache.pending_changes()
        if (
            index is None
            or index.version != version
            or not (index.provisional_for is None or (index.provisional_for is here and pending))
        ):
            return None
        return index
    return current()


# Held while an index is being built (by the request's thread or a thread of its own).
_lock = threading.Lock()
_current: FacetIndex | None = None
_builder: threading.Thread | None = None


def current() -> FacetIndex | None:
    """The index for the directory's version; None when there is no shared cache, the cache
    fails, or the index is being built (the SQL path then answers).

    The first search of a process builds it at once (about a second of work at 100,000
    services). Later, when a listing change makes it out of date, a request outside a
    transaction starts the rebuild in a thread of its own and is answered by SQL meanwhile,
    so no visitor waits for it; inside a transaction (tests, or a view that writes and then
    searches) it is rebuilt at once, since another thread would not see what the
    transaction sees."""
    global _current, _builder
    if not settings.MAP_CACHE_SECONDS:
        return None
    try:
        version = map_cache.version()
    except Exception:
        logger.exception("Option counts from SQL: the cache did not answer")
        return None
    if version is None:
        return None
    pending = map_cache.pending_changes()
    here = connections[DEFAULT_DB_ALIAS]  # this thread's connection (`connection` is a proxy)
    index = _current
    # An index built inside a transaction with uncommitted listing changes serves only that
    # transaction's connection: rolled back, they never change the version again.
    if (
        index is not None
        and index.version == version
        and (index.provisional_for is None or (index.provisional_for is here and pending))
    ):
        return index
    if not _lock.acquire(blocking=False):
        return None  # being built
    if index is not None and not here.in_atomic_block:
        try:
            _builder = threading.Thread(target=_build_in_background, args=(version,), name="facet-index", daemon=True)
            _builder.start()
        except BaseException:
            _lock.release()
            raise
        return None
    try:
        index = FacetIndex.build(version)
        index.provisional_for = here if pending else None
        _current = index
        _set_apart(index.size)
        return index
    finally:
        _lock.release()


def _build_in_background(version: str) -> None:
    """Build the index in this thread (holding `_lock`), then close the thread's connection."""
    global _current
    try:
        index = FacetIndex.build(version)
        index.places(set_apart=False)  # here rather than in a visitor's place search
        index.words(set_apart=False)  # and in a keyword search
        _current = index
        _set_apart(index.size)  # once, for all three
    except Exception:
        logger.exception("The facet index was not built: option counts stay with SQL")
    finally:
        connections.close_all()
        _lock.release()
