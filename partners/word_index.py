"""Full-text ranks and text matches from the words kept in memory, for the keyword index
(issue 12).

A keyword search ranks every service whose text holds one of its words by `ts_rank`. In
SQL at 100,000 services that read and ranked every such vector for each new search: up to
45,000 vectors and 60-120 ms of database time for a word with its synonyms ("carers",
"depression"), again for every pair of words (docs/performance.md). Here the words of
every service's search vector (and every translation's) are kept once per directory
version, as an inverted index:

- every lexeme, in byte order (PostgreSQL's order of a vector's lexemes, and of a
  query's), so that a prefix word ("carer:*") is the run of lexemes starting with it;
- per lexeme, its postings grouped by the weights of their positions (a lexeme twice in
  a name and once in a description: "AAC"), each group the ids holding it that way;
- per group, what that lexeme adds to ts_rank's sum (`contribution`): in ts_rank's
  default form (calc_rank_or of tsrank.c) a vector's rank is

      res = 0 (4-byte); for each distinct word of the query, in byte order:
          for each lexeme of the vector it matches, in byte order:
              res = (float) (res + contribution of the lexeme's positions)   -- double
      rank = res / (the number of distinct words)                          -- 4-byte

  which depends on the vector only through the weights of its matching lexemes'
  positions. Worked out here step by step in the same 4-byte and 8-byte arithmetic (a
  double holds a 4-byte operation's exact result closely enough that rounding it to 4
  bytes gives the 4-byte result: 53 bits are at least 2 x 24 + 2), the ranks are the
  SQL's to the last bit; tests/test_word_index.py compares them with ts_rank.

What this does not reproduce is left to the SQL (`ranks` and `holding` answer None): a
query whose top operator is an AND or a phrase (ts_rank then uses calc_rank_and), one
with a negation or a weight. A query holding the same word both as a prefix and whole
("young" and "young people"), of which ts_rank keeps one by the order of its sort, is
settled by asking PostgreSQL the rank of a one-word vector (`_settle`).

Built in one statement per table (measured at 100,000 services: 2.2 million postings,
about 2 s in all, 1.3 s of it the statement), on a process's first keyword search of a
version or by the background build; about 24 MB kept at that size, 9 MB of it the ids.
"""

from __future__ import annotations

import re
import struct
from array import array
from bisect import bisect_left, bisect_right
from itertools import accumulate

import numpy
from django.db import connection

from .models import Service, ServiceTranslation


def _f32(value: float) -> float:
    """The value rounded to a 4-byte real (to nearest, as C converts a double)."""
    return struct.unpack("f", struct.pack("f", value))[0]


# ts_rank's default weight of a position of each weight letter (4-byte reals in tsrank.c).
_WEIGHTS = {"D": _f32(0.1), "C": _f32(0.2), "B": _f32(0.4), "A": 1.0}
# tsrank.c's divisor (pi squared over 6, the limit of the sum of 1/i^2), a double.
_SUM_OF_INVERSE_SQUARES = 1.64493406685


def contribution(weights: str | None) -> float:
    """What a lexeme of a vector whose positions have these weights (in position order;
    None: no positions, which ts_rank counts as one of weight D) adds to ts_rank's sum,
    as a double: calc_rank_or's inner loop, each 4-byte operation rounded to 4 bytes."""
    resj, wjm, jm = 0.0, -1.0, 0
    for j, letter in enumerate(weights or "D"):
        weight = _WEIGHTS[letter]
        resj = _f32(resj + _f32(weight / ((j + 1) * (j + 1))))
        if weight > wjm:
            wjm, jm = weight, j
    return _f32(_f32(wjm + resj) - _f32(wjm / ((jm + 1) * (jm + 1)))) / _SUM_OF_INVERSE_SQUARES


class _Postings:
    """The lexemes of one table's search vectors and, per lexeme and weights, the ids of
    the rows holding it so, in flat numpy arrays (no object per posting: the arithmetic
    over 50,000 postings of a word with its synonyms is a few vector operations, where a
    loop in Python cost 20-30 ms at 100,000 services)."""

    def __init__(self, rows):
        self.lexemes: list[str] = []
        first_group, contributions, sizes, chunks, known = [], [], [], [], {}
        for lexeme, weights, packed in rows:
            if not self.lexemes or lexeme != self.lexemes[-1]:
                self.lexemes.append(lexeme)
                first_group.append(len(contributions))
            if weights not in known:
                known[weights] = contribution(weights)
            contributions.append(known[weights])
            sizes.append(len(packed) // 4)
            chunks.append(packed)
        first_group.append(len(contributions))
        self._first_group = first_group  # per lexeme, then one past the last
        self._contribution = contributions  # per group
        self._first_id = [0, *accumulate(sizes)]  # per group, then one past the last
        # Big-endian, as int4send wrote them.
        self.ids = numpy.frombuffer(b"".join(chunks), dtype=">i4").astype(numpy.int32)
        self.largest = int(self.ids.max()) if len(self.ids) else 0

    def _groups(self, lexeme: str, prefix: bool) -> range:
        """The groups of the lexeme, or with prefix of every lexeme starting with it (as
        ts_rank and @@ match "lexeme:*"), in byte order."""
        first = last = bisect_left(self.lexemes, lexeme)
        lexemes = self.lexemes
        if prefix:
            while last < len(lexemes) and lexemes[last].startswith(lexeme):
                last += 1
        elif last < len(lexemes) and lexemes[last] == lexeme:
            last += 1
        return range(self._first_group[first], self._first_group[last])

    def longer(self, lexeme: str) -> str | None:
        """A lexeme of these vectors that starts with `lexeme` and is longer, if any."""
        after = bisect_right(self.lexemes, lexeme)
        if after < len(self.lexemes) and self.lexemes[after].startswith(lexeme):
            return self.lexemes[after]
        return None

    def _ids(self, group: int):
        return self.ids[self._first_id[group] : self._first_id[group + 1]]

    def holding(self, operands: list[tuple[str, bool]]):
        """The ids of the rows whose vector holds any of the operands (lexeme, prefix), as
        a numpy array (an id once per lexeme it holds)."""
        parts = [self._ids(group) for lexeme, prefix in operands for group in self._groups(lexeme, prefix)]
        return numpy.concatenate(parts) if parts else numpy.zeros(0, dtype=numpy.int32)

    def ranks(self, operands: list[tuple[str, bool]], length: int):
        """ts_rank of every row for a query of these distinct operands (in byte order), as
        a numpy array of 4-byte reals by id (at least `length` long)."""
        ranks = numpy.zeros(max(length, self.largest + 1), dtype=numpy.float32)
        touched = numpy.zeros(len(ranks), dtype=bool)
        for lexeme, prefix in operands:
            for group in self._groups(lexeme, prefix):
                ids = self._ids(group)
                # In doubles, then rounded to 4 bytes: tsrank.c's (float) (res + ...).
                ranks[ids] = (ranks[ids].astype(numpy.float64) + self._contribution[group]).astype(numpy.float32)
                touched[ids] = True
        if len(operands) > 1:
            ids = numpy.flatnonzero(touched)
            ranks[ids] = (ranks[ids].astype(numpy.float64) / len(operands)).astype(numpy.float32)
        return ranks


class WordIndex:
    """The words of the services' search vectors and of their translations'."""

    def __init__(self, services: _Postings, translations: _Postings, translated: list[tuple[int, int]]):
        self.services = services
        self.translations = translations
        # The service of each translation, by translation id (-1: none).
        self._translated = numpy.full(max((pk for pk, _s in translated), default=-1) + 1, -1, dtype=numpy.int64)
        for pk, service in translated:
            self._translated[pk] = service

    @classmethod
    def build(cls) -> WordIndex:
        """From the database: every lexeme of every vector with the weights of its
        positions (two statements), and which service each translation is of."""
        services = _Postings(_rows(Service._meta.db_table))
        translations = _Postings(_rows(ServiceTranslation._meta.db_table))
        translated = list(ServiceTranslation.objects.values_list("pk", "service_id"))
        return cls(services, translations, translated)

    def holding(self, query: str, translation: bool = False):
        """The ids of the services whose vector (or, with translation, one of whose
        translations') matches the tsquery of this text form, as a numpy array (an id may
        come more than once), when it is only ORs of words; else None (the SQL answers)."""
        operands = _operands(query)
        if operands is None or _OPERATOR.search(_OPERAND.sub("", query)):
            return None
        if not translation:
            return self.services.holding(operands)
        return self._translated[self.translations.holding(operands)]

    def ranks(self, english: str, simple: str, length: int, ts_rank=None) -> array | None:
        """The full-text part of `PostgresKeywords.rank()` for every service, by id, as
        4-byte reals (as keyword_index._ranks_of reads it from the SQL): ts_rank of its
        vector for the query whose text form is `english`, plus the largest of its
        translations' for `simple`; None when either query is one this module does not
        reproduce. ts_rank: a function giving PostgreSQL's ts_rank of one-word vectors
        (a list of (configuration, vector text)) for the queries, asked when a word is
        both a prefix and whole in a query (`_settle`)."""
        english_operands, simple_operands = _distinct(english), _distinct(simple)
        if english_operands is None or simple_operands is None:
            return None
        asked = [
            (config, operands, postings)
            for config, operands, postings in (
                ("english", english_operands, self.services),
                ("simple", simple_operands, self.translations),
            )
            if any(prefix is None for _lexeme, prefix in operands)
        ]
        if asked and not _settle(asked, ts_rank):
            return None
        ranks = self.services.ranks(english_operands, length)
        if simple_operands and len(self._translated):
            translated = self.translations.ranks(simple_operands, 0)
            held = numpy.flatnonzero(translated)
            services = self._translated[held]
            best = numpy.zeros(max(len(ranks), int(services.max(initial=0)) + 1), dtype=numpy.float32)
            numpy.maximum.at(best, services, translated[held])
            if len(best) > len(ranks):
                ranks = numpy.concatenate([ranks, numpy.zeros(len(best) - len(ranks), dtype=numpy.float32)])
            # A real plus a real in the SQL: in 4 bytes, as numpy adds two float32 arrays.
            ranks[: len(best)] += best
        return array("f", ranks.tobytes())


def _settle(asked: list[tuple[str, list, _Postings]], ts_rank) -> bool:
    """Decide, in place, each word that a query holds both as a prefix and whole (prefix
    None in its operands): ts_rank counts it once, as one or the other, by the order its
    sort leaves them in. Where no vector holds a longer word starting with it, both count
    alike (taken whole). Otherwise PostgreSQL's ts_rank of a vector holding only such a
    longer word tells: it counts the word as a prefix exactly when that rank is the one
    worked out with the prefix. False when that cannot tell (no function to ask, or
    another such word also starts the longer one)."""
    probes = []
    for config, operands, postings in asked:
        for n, (lexeme, prefix) in enumerate(operands):
            if prefix is not None:
                continue
            longer = postings.longer(lexeme)
            if longer is None:
                operands[n] = (lexeme, False)
                continue
            others = [other for other, p in operands if p is None and other != lexeme and longer.startswith(other)]
            if ts_rank is None or [other for other in others if other != longer]:
                return False
            probes.append((config, operands, n, longer))
    if not probes:
        return True
    found = ts_rank([(config, "'" + longer.replace("'", "''") + "':1A") for config, _o, _n, longer in probes])
    for (_config, operands, n, longer), rank in zip(probes, found, strict=True):
        lexeme = operands[n][0]
        if _one_word_rank(operands, longer, lexeme, True) == _f32(rank):
            operands[n] = (lexeme, True)
        elif _one_word_rank(operands, longer, lexeme, False) == _f32(rank):
            operands[n] = (lexeme, False)
        else:
            return False
    return True


def _one_word_rank(operands: list, word: str, settled: str, prefix: bool) -> float:
    """ts_rank of a vector holding only `word`, once, of weight A, for a query of these
    distinct operands, with `settled` taken as a prefix or not (other undecided words can
    only match `word` by being it)."""
    matches = 0
    for lexeme, is_prefix in operands:
        is_prefix = prefix if lexeme == settled else is_prefix
        matches += word == lexeme or bool(is_prefix and word.startswith(lexeme))
    rank = 0.0
    for _match in range(matches):
        rank = _f32(rank + contribution("A"))
    return _f32(rank / len(operands)) if len(operands) > 1 else rank


def _rows(table: str) -> list[tuple]:
    """(lexeme, weights of its positions, ids as 4-byte big-endian integers) of every
    lexeme of the table's search vectors, by lexeme in byte order (the "C" collation)."""
    quote = connection.ops.quote_name
    sql = (
        "SELECT u.lexeme, array_to_string(u.weights, ''), string_agg(int4send(CAST(t.id AS integer)), '') "  # noqa: S608
        f"FROM {quote(table)} t CROSS JOIN LATERAL unnest(t.search_vector) u "
        'GROUP BY 1, 2 ORDER BY u.lexeme COLLATE "C", 2'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [(lexeme, weights, bytes(packed)) for lexeme, weights, packed in cursor.fetchall()]


# A tsquery's text form: each operand quoted (a quote doubled inside), then ":" and its
# flags ("*" for a prefix; weight letters); operators | & ! <-> <N> and parentheses.
_OPERAND = re.compile(r"'((?:[^']|'')*)'(?::([*A-D]+))?")
_OPERATOR = re.compile(r"[&!<]")


def _operands(query: str) -> list[tuple[str, bool]] | None:
    """The operands (lexeme, prefix) of a tsquery's text form, in order; None when one is
    restricted to weights or the query negates (not reproduced here)."""
    if "!" in _OPERAND.sub("", query):
        return None
    operands = []
    for match in _OPERAND.finditer(query):
        flags = match.group(2) or ""
        if flags.strip("*"):
            return None
        operands.append((match.group(1).replace("''", "'"), "*" in flags))
    return operands


def _distinct(query: str) -> list[tuple[str, bool | None]] | None:
    """The query's distinct operands in byte order, as ts_rank counts them (prefix None:
    the word is there both as a prefix and whole, see `_settle`); None unless ts_rank
    would sum them (calc_rank_or: one operand, or an OR at the top)."""
    operands = _operands(query)
    if operands is None:
        return None
    if len(operands) > 1 and not _top_is_or(_OPERAND.sub("x", query)):
        return None
    prefix: dict[str, bool | None] = {}
    for lexeme, is_prefix in operands:
        if prefix.setdefault(lexeme, is_prefix) != is_prefix:
            prefix[lexeme] = None
    return sorted(prefix.items())


def _top_is_or(shape: str) -> bool:
    """Whether a query's text form (operands replaced) has an OR outside any parentheses:
    PostgreSQL writes the parentheses that its operators' precedence needs, and | binds
    least, so that is its top operator."""
    depth = 0
    for char in shape:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False
