"""Keyword searches on the facet index (issue 12): which public services match the words,
and their rank, from bitsets instead of one statement probing every service.

The keyword condition (partners.search.keywords) is, for each term, an OR of "arms": the
services whose text, translation, support type, organisation, language or community, or
(for an unknown word) a similar word, match it; the terms are ANDed (ORed for a relaxed
search). One statement reads every arm's ids (each an index lookup: measured at 100,000
services, a few milliseconds each, where probing them row by row for every service cost
130 ms), and here each becomes a bitset of index positions (services not public have none
and drop out), so that the condition is a few `|` and `&`.

The rank (`PostgresKeywords.rank`) is worked out the same way, to the same bits of the
same floating-point numbers, so the order is the SQL's:

    rank = (ts_rank(service) + best translation's ts_rank)   -- real: 4-byte arithmetic
           + bonus of term 1's support arm + ... of its organisation, named, typo arms
           + ... of term 2 ...                               -- double precision

ts_rank is worked out from the words kept in memory (partners.word_index), to the same
bits; where that cannot reproduce it, it is read (as 4-byte reals, exact) for every
service whose vector holds a word of the query, or, when the services to order are few
against those, for them alone; it is zero elsewhere. The bonuses come from the arms'
bitsets, added in the SQL's order (in numpy, which adds doubles as the SQL does).

What is read is kept: the arms per index (a common word is read once per directory
version) and per search (the relaxed retry, "any word" when no service has every word,
reads nothing again), and every service's ranks per index for the last few queries; both
also in the shared cache, for every other process of the same index (`_shared_get`):
each worker otherwise read each word once itself.
"""

from __future__ import annotations

import hashlib
import logging
import struct
from array import array
from collections import deque
from dataclasses import dataclass
from functools import reduce
from itertools import repeat
from operator import add, and_, or_

import numpy
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from .bitsets import SET_LAST, flag_bytes, from_positions
from .facet_index import FacetIndex
from .search.keywords import RANK_BONUS, PostgresKeywords


def supported(engine) -> bool:
    """Whether the keyword engine's condition can be read arm by arm (PostgreSQL's)."""
    return isinstance(engine, PostgresKeywords)


logger = logging.getLogger(__name__)

# Bumped whenever what the cache holds for an arm changes shape.
FORMAT = 1

# Arms kept per index (by their SQL and parameters), at most this many: a word searched
# again (most searches are for a few common words) reads nothing. Each is one bitset
# (12.5 kB at 100,000 services). The index is replaced at every listing change.
MAX_KEPT_ARMS = 256
# Full-text ranks kept per index, each every service's rank for one query (400 kB at
# 100,000 services): a search repeated (most are for a few common words) reads none.
MAX_KEPT_RANKS = 16


@dataclass
class _Read:
    """What one search read for one index: per term, its arms' bitsets; and when read
    with them or kept, the full-text part of the rank of every service (`_ranks_of`)."""

    arms: list[dict[str, int]]
    base: array | None = None


def _read(index: FacetIndex, engine: PostgresKeywords, ranked: bool = False) -> _Read:
    """The search's arms: those the index keeps, the others read in one statement; kept
    on the engine too, so the relaxed retry reads nothing again. ranked: a page will be
    ordered by rank, so when arms must be read, the same statement reads every service's
    rank (`rank_statement()`), and the search needs one statement in all."""
    read = engine.index_reads.get(index)
    if read is not None:
        return read
    kept = index.keyword_arms
    arms = engine.all_arms()
    keys = [(sql, tuple(params)) for _i, _n, sql, params in arms]
    # Read once: another thread may empty `kept` meanwhile.
    have = {key: kept.get(key) for key in keys}
    missing = [n for n, key in enumerate(keys) if have[key] is None]
    if missing:
        # Read by another process of the same index: kept here too.
        for n, bitset in _shared_get(index, "kwarm", [keys[n] for n in missing]).items():
            kept[keys[missing[n]]] = have[keys[missing[n]]] = int.from_bytes(bitset, "little")
        missing = [n for n, key in enumerate(keys) if have[key] is None]
    base = None
    if len(kept) + len(missing) > MAX_KEPT_ARMS:
        kept.clear()
    # A named language or community: the services the index's filter of it holds (the
    # same link rows), read from no statement.
    for n in [n for n in missing if arms[n][1] == "named"]:
        term = engine.keywords.terms[arms[n][0]]
        named = [index.of("language", pk) for pk in term.language_ids]
        named += [index.of("community", pk) for pk in term.community_ids]
        kept[keys[n]] = have[keys[n]] = reduce(or_, named, 0)
    missing = [n for n in missing if have[keys[n]] is None]
    # A term's text or translation arm: the services holding its words, from the words
    # kept in memory (partners.word_index), unless its query has a phrase.
    words = index.words() if missing else None
    if words is not None:
        texts = engine.query_texts()
        for n in [n for n in missing if arms[n][1] in ("text", "translation")]:
            translation = arms[n][1] == "translation"
            ids = words.holding(texts.terms[arms[n][0]][translation], translation)
            if ids is not None:
                kept[keys[n]] = have[keys[n]] = _bitset_of(index, ids)
        missing = [n for n in missing if have[keys[n]] is None]
    if missing:
        if ranked:
            base = _known_ranks(index, engine)
            ranked = base is None
        # Of the support types a word names, only their ids are read: the services of
        # each are the index's filter of it (measured at 100,000 services: the arm read
        # 14,000 links in 10-14 ms of each new word's statement).
        asked = [
            (arms[n][0], "support types", *engine.support_types(arms[n][0])) if arms[n][1] == "support" else arms[n]
            for n in missing
        ]
        sql, params = engine.arms_statement(asked, ranked)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for n, ids, _ranks in rows:
            if n >= 0 and asked[n][1] == "support types":
                bitset = reduce(or_, (index.of("support", pk) for pk in _ids(ids)), 0)
            elif n >= 0:
                bitset = _bitset_of(index, numpy.frombuffer(ids or b"", dtype=">i8").astype(numpy.int64))
            else:
                continue
            kept[keys[missing[n]]] = have[keys[missing[n]]] = bitset
        size = (index.size >> 3) + 1
        _share(index, "kwarm", {keys[n]: have[keys[n]].to_bytes(size, "little") for n in missing})
        if ranked:
            rank_rows = [row for row in rows if row[0] < 0]
            base = _ranks_of(rank_rows, index.ids_max + 1)
            _keep(index, engine, base, rank_rows)
    found = [{} for _term in engine.keywords.terms]
    for (term, name, _sql, _params), key in zip(arms, keys, strict=True):
        found[term][name] = have[key]
    read = _Read(found, base)
    engine.index_reads.clear()
    engine.index_reads[index] = read
    return read


def _rank_key(engine: PostgresKeywords) -> tuple:
    """What every service's full-text rank depends on: the query, English and simple."""
    english, english_params = engine.all_tsquery()
    simple, simple_params = engine.all_tsquery("simple")
    return (english, tuple(english_params), simple, tuple(simple_params))


def _known_ranks(index: FacetIndex, engine: PostgresKeywords) -> array | None:
    """Every service's full-text rank for the search's words, by service id, without a
    statement of its own: as this process keeps it, or worked out from the words kept in
    memory (partners.word_index; kept, not shared: that costs less than reading them), or
    as another process of the same index read it (through the cache); else None."""
    key = _rank_key(engine)
    base = index.keyword_ranks.get(key)
    if base is not None:
        return base
    words = index.words()
    if words is not None:
        texts = engine.query_texts()
        base = words.ranks(texts.english, texts.simple, index.ids_max + 1, engine.ts_ranks)
    if base is None:
        shared = _shared_get(index, "kwrank", [key])
        base = _ranks_of(shared[0], index.ids_max + 1) if shared else None
    if base is not None:
        _keep(index, engine, base)
    return base


def _keep(index: FacetIndex, engine: PostgresKeywords, base: array, rows: list | None = None) -> None:
    """Keep every service's full-text rank (by service id, as 4-byte reals: exact, they
    are reals in the SQL) for the index, so that the same words read or work out nothing
    again; with the `rank_statement()` rows read for it, share those with the index's
    other processes."""
    kept = index.keyword_ranks
    if len(kept) >= MAX_KEPT_RANKS:
        kept.clear()
    key = _rank_key(engine)
    kept[key] = base
    if rows is not None:
        # (The bytes of each row: the database driver reads them as memoryviews.)
        shared = [tuple(bytes(part) if isinstance(part, memoryview) else part for part in row) for row in rows]
        _share(index, "kwrank", {key: shared})


def _cache_keys(index: FacetIndex, kind: str, keys: list[tuple]) -> list[str]:
    """The shared cache's key of each arm or rank (by its SQL and parameters) for this
    index: its directory version and the digest of its positions (two processes that built
    the index of one version from the same services number them alike)."""
    prefix = f"{kind}:{FORMAT}:{index.version}:{index.digest}:"
    return [prefix + hashlib.sha256(repr(key).encode()).hexdigest() for key in keys]


def _shared(index: FacetIndex) -> bool:
    """Whether arms and ranks may go through the shared cache: only with one (as the facet
    index), and never from an index holding changes not yet committed."""
    return bool(settings.MAP_CACHE_SECONDS) and index.provisional_for is None


def _shared_get(index: FacetIndex, kind: str, keys: list[tuple]) -> dict[int, object]:
    """What another process of this index has read and shared (by number in `keys`)."""
    if not _shared(index):
        return {}
    names = _cache_keys(index, kind, keys)
    try:
        found = cache.get_many(names)
    except Exception:
        logger.exception("Keyword %s read here: the cache did not answer", kind)
        return {}
    return {n: found[name] for n, name in enumerate(names) if name in found}


def _share(index: FacetIndex, kind: str, values: dict[tuple, object]) -> None:
    """Keep what was just read in the shared cache for the other processes (an arm: 12.5 kB
    at 100,000 services; a word's ranks: 12 bytes a service holding it), as long as the
    map's answers."""
    if not values or not _shared(index):
        return
    names = _cache_keys(index, kind, list(values))
    try:
        cache.set_many(dict(zip(names, values.values(), strict=True)), settings.MAP_CACHE_SECONDS)
    except Exception:
        logger.exception("Keyword %s not shared: the cache did not answer", kind)


def _bitset_of(index: FacetIndex, ids) -> int:
    """The bitset of the public services among `ids` (a numpy array; the others have no
    position): one "0"/"1" flag per service id, then the public services' flags picked in
    position order by one itemgetter (C loops only; measured: half the time of looking up
    each id's position, whose dictionary reads are scattered in memory)."""
    if index.size < 2 or not len(ids):  # an itemgetter of one item gives no tuple
        get = index.position.get
        return from_positions(map(get, ids.tolist(), repeat(index.size)), index.size + 1) & index.everything
    by_id = numpy.full(max(int(ids.max()), index.ids_max) + 1, 0x30, dtype=numpy.uint8)
    by_id[ids] = 0x31
    flags = bytes(index.in_position_order(by_id.tobytes()))
    return int(flags[::-1], 2)  # position 0 is the lowest bit


def _ids(packed) -> tuple[int, ...]:
    return struct.unpack(f">{len(packed) // 8}q", packed) if packed else ()


def _ranks_of(rows, length: int) -> array:
    """The full-text part of the rank by service id (0.0 where not read: zero), from the
    rows -1 (the services' ts_rank) and -2 (their best translation's) of
    `PostgresKeywords._rank_rows`, at least `length` long: an array of 4-byte reals, as
    the SQL's, indexed by id (not a dictionary: set and read by `map`, with no hashing;
    measured: a third of the time)."""
    read = [(n, _ids(ids), struct.unpack(f">{len(ranks) // 4}f", ranks)) for n, ids, ranks in rows if n < 0 and ids]
    base = array("f", bytes(4 * max(length, max((max(ids) for _n, ids, _r in read), default=0) + 1)))
    for kind in (-1, -2):
        for n, ids, ranks in read:
            if n == kind == -1:
                deque(map(base.__setitem__, ids, ranks), maxlen=0)
            elif n == kind:
                # ts_rank + COALESCE(best translation, 0.0) is a sum of two reals in the
                # SQL, rounded to 4 bytes: as storing the sum in the array rounds it.
                deque(map(base.__setitem__, ids, map(add, map(base.__getitem__, ids), ranks)), maxlen=0)
    return base


def matches(index: FacetIndex, engine: PostgresKeywords, every: bool = True, rank: bool = False) -> int:
    """The public services matching every term (every=False: any term), as a bitset of
    index positions; rank: their page will be ordered by rank (see `_read`)."""
    # Ranks read with the arms only for one term, or any term, where the services to order
    # are about those whose text holds a word; for every one of several terms, `ranks`
    # reads them for the services the page's order needs alone, by primary key (measured
    # at 100,000 services, "youth carers": 107 ms for the statement ranking every match,
    # against 66 + 8 ms for the two).
    ranked = rank and (not every or len(engine.keywords.terms) == 1)
    terms = [reduce(or_, term.values(), 0) for term in _read(index, engine, ranked).arms]
    return reduce(and_ if every else or_, terms) if terms else 0


def ranks(index: FacetIndex, engine: PostgresKeywords, positions, members: int, every: bool = True):
    """The rank of the services at `positions` (a list or numpy array; their bitset is
    `members`, all matching the words: every term, or any with every=False), as
    `PostgresKeywords.rank()` gives it, as a numpy array of doubles: the full-text part
    (every service's, read with the arms, kept or worked out from the words; else read
    now), then each term's bonuses in the order of its arms, each added where the service
    is in the arm (adding 0.0 elsewhere changes nothing; numpy adds doubles as Python
    does)."""
    positions = numpy.asarray(positions, dtype=numpy.int64)
    if not len(positions):
        return numpy.zeros(0)
    read = _read(index, engine)
    ids = index.id_array[positions]
    if read.base is None:
        read.base = _known_ranks(index, engine)
    base = read.base
    if base is None:
        # Every service's ranks (then kept for the words) when the services to order are
        # at least two thirds as many as those whose text holds a word: by primary key
        # each costs about 2.4 us, through the word index 1.6 us (measured at 100,000).
        holding = reduce(or_, (term.get("text", 0) for term in read.arms), 0).bit_count()
        whole = 3 * len(ids) >= 2 * holding
        sql, params = engine.rank_statement(None if whole else ids.tolist())
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rank_rows = cursor.fetchall()
        if whole:
            base = read.base = _ranks_of(rank_rows, index.ids_max + 1)
            _keep(index, engine, base, rank_rows)
        else:
            base = _ranks_of(rank_rows, index.ids_max + 1)
    found = numpy.frombuffer(base, dtype=numpy.float32)[ids].astype(numpy.float64)
    for term in read.arms:
        for name, arm in term.items():
            weight = RANK_BONUS.get(name)
            if weight is None or not (arm & members):
                continue
            inside = numpy.frombuffer(flag_bytes(arm, index.size, SET_LAST), dtype=numpy.uint8)[positions]
            found[inside.astype(bool)] += weight
    return found
