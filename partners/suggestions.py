"""“Did you mean …?”: a correction of a keyword search, made from the words the public
listings contain, the same on PostgreSQL and SQLite.

When: a search finds too little when one of its words is in no listing. Such a word
finds nothing itself; the search then finds nothing, or only services with its other
words (relaxed), or (PostgreSQL) only what stemming and trigram similarity guess. The
rule is about words, not counts, so it is the same on both databases although
PostgreSQL finds services for "depresion" and SQLite none. A word is never changed if
a listing contains it, or a word starting with it (both databases find "bereav" in
"bereavement"), or it without a plural or -ing ending, or if the search knows it some
other way: the synonyms, the stop words, the interface languages' word lists
(partners/search_words.py), the crisis words (signposting/crisis_words.py: a crisis
word is never turned into something else, and the crisis panel still reads what was
typed), a language or a community it names. Words shorter than four letters and words
with digits (postcodes) are left alone. A search whose words are all known this way
without the listings (most searches) costs nothing more.

The closest listing word: same first letter (after folding case and Latin accents),
at most one edit away for words of four to six letters and two for longer ones
(inserting, deleting or changing a letter, or swapping two neighbours), the fewest
edits first, then the word the listings use most, then the nearest length, then
alphabetical: so the answer depends only on the listings, not on the database.

The suggestion is offered only if the corrected search, with every other filter kept,
finds at least one service with all its words (from the facet index where there is one,
else one query, `EXISTS`): its link never leads to nothing.

The listing words: every word of the published services' names and descriptions,
their organisations' names, their translations (every interface language), and the
names of support types (and their descriptions), languages (and their own names) and
communities: what the keyword search reads; and, used by no listing, the words of the
synonyms' keys and the interface languages' word lists, which residents type. Read in
one query and kept in this process
under the directory's version (partners.map_cache: any listing change replaces it), so
they are read again after a change, at the first search that needs them; and at most
LEXICON_SECONDS old, since without a shared cache a process does not hear of another's
changes (until then it may miss a suggestion, or offer one for a word only a newer
listing has; the corrected search is always run, so the link still finds services).

Reading them costs seconds at 100,000 services (2.2 s measured; 23 MB of text), so where
the cache is shared (settings.MAP_CACHE_SECONDS, as for the map's answers) one process
reads them for all: it keeps them in the cache under the version (0.5 MB compressed at
100,000 services; 0.2 s to load), and a process that already has older words answers
with those while one process, chosen by a lock in the cache, reads the new ones in a
thread of its own: after a change no visitor waits for the reading, and no server reads
them more than once. Inside a transaction (tests, a view that writes then searches) they
are read at once, as another thread would not see what the transaction sees.
No search reads every description: a suggestion costs a dictionary look-up and an
edit distance over the few listing words of the same first letter and about the same
length.
"""

from __future__ import annotations

import bisect
import logging
import pickle
import threading
import time
import unicodedata
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from functools import cache

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.db import connections, transaction
from django.db.models import CharField, IntegerField, Value

from signposting.crisis_words import CRISIS_TERMS

from . import facet_index, map_cache, search_words
from .filters import MAX_KEYWORDS_LENGTH
from .models import Community, Language, Organisation, ServiceTranslation, SupportType
from .search import (
    Search,
    SearchParams,
    SearchResults,
    Vocabulary,
    parse_keywords,
    public_services,
)
from .search.keywords import STOP_WORDS, SYNONYMS, words_of

logger = logging.getLogger(__name__)

# The shortest word we correct (and the shortest listing word we suggest).
MIN_LENGTH = 4
# Words this long or longer may be two edits away from their correction; shorter, one.
TWO_EDITS_FROM = 7
# A process reads the listing words again at least this often (see the module's notes).
LEXICON_SECONDS = 600
# Texts split at once while the listing words are read.
BATCH = 5000
# Endings the keyword search looks past (as its crude stemmer on SQLite).
ENDINGS = ("ing", "ness", "ies", "ed", "es", "s")

# ASCII letters (lower-cased) and digits kept, every other byte a space: split() then gives
# what words_of gives for ASCII text.
_ASCII_WORDS = bytes(
    code + 32 if 65 <= code <= 90 else code if 48 <= code <= 57 or 97 <= code <= 122 else 32 for code in range(256)
)


@dataclass(frozen=True)
class Suggestion:
    q: str  # the search box's text with the corrections made
    corrections: tuple[tuple[str, str], ...]  # (word as typed, listing word)


# --- The listing words ----------------------------------------------------------------


def _fold(word: str) -> str:
    return word if word.isascii() else search_words.fold(word)


def _letters(word: str) -> int:
    """A bit for each letter the word has (by code point, modulo 64): two words an edit
    apart differ in at most two bits."""
    bits = 0
    for char in set(word):
        bits |= 1 << (ord(char) & 63)
    return bits


def _pairs(word: str) -> int:
    """A bit for each pair of neighbouring letters (hashed, modulo 64): an edit changes at
    most three pairs of each word (a swap), so words an edit apart differ in at most six
    bits. With _letters, most candidates are set aside without the edit distance (bits
    that collide only make two words look closer, never further apart)."""
    bits = 0
    for i in range(len(word) - 1):
        bits |= 1 << (hash(word[i : i + 2]) & 63)
    return bits


class Lexicon:
    """The words of the public listings, folded, with how often the listings use each."""

    def __init__(self, counts: dict[str, int], shown: dict[str, str], listed: frozenset[str] = frozenset()):
        self.counts = counts
        self.shown = shown  # folded -> as the listings write it, where that differs
        self.listed = listed  # plain (ASCII) words of the public listings themselves
        self.ordered = sorted(word for word, count in counts.items() if count)  # the listings' own
        buckets: dict[tuple[str, int], list[tuple[str, int, int, int]]] = defaultdict(list)
        for word, count in counts.items():
            if len(word) >= MIN_LENGTH and word not in STOP_WORDS and not any(char.isdigit() for char in word):
                buckets[(word[0], len(word))].append((word, _letters(word), _pairs(word), count))
        self.buckets = dict(buckets)

    def __len__(self) -> int:
        return len(self.counts)

    def has_start(self, word: str) -> bool:
        """Whether a word a listing uses is the word or starts with it."""
        i = bisect.bisect_left(self.ordered, word)
        return i < len(self.ordered) and self.ordered[i].startswith(word)

    def closest(self, word: str) -> str | None:
        """The listing word to suggest for a folded word no listing has (see the module's
        notes), as the listings write it; None if none is close enough."""
        limit = 2 if len(word) >= TWO_EDITS_FROM else 1
        letters, pairs = _letters(word), _pairs(word)
        best: tuple | None = None
        for length in range(len(word) - limit, len(word) + limit + 1):
            for candidate, candidate_letters, candidate_pairs, count in self.buckets.get((word[0], length), ()):
                if (letters ^ candidate_letters).bit_count() > 2 * limit or (
                    (pairs ^ candidate_pairs).bit_count() > 6 * limit
                ):
                    continue
                edits = edit_distance(word, candidate, limit)
                if edits <= limit:
                    key = (edits, -count, abs(length - len(word)), candidate)
                    if best is None or key < best:
                        best = key
        return None if best is None else self.shown.get(best[3], best[3])


def edit_distance(a: str, b: str, limit: int) -> int:
    """Edits (insert, delete or change a letter, swap two neighbouring letters) from a
    to b, or limit + 1 once it is sure to be more than limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def _texts():
    """Every text the keyword search reads, two columns a row and whether it is a public
    listing's (1) or a vocabulary's (0), in one query."""
    services = public_services()
    blank = Value("", output_field=CharField())
    listing, vocabulary = Value(1, output_field=IntegerField()), Value(0, output_field=IntegerField())
    parts = [
        services.annotate(listing=listing).values_list("name", "description", "listing"),
        Organisation.objects.filter(pk__in=services.values("organisation_id"))
        .annotate(nothing=blank, listing=listing)
        .values_list("name", "nothing", "listing"),
        ServiceTranslation.objects.filter(service__in=services.values("pk"))
        .annotate(listing=listing)
        .values_list("name", "description", "listing"),
        SupportType.objects.annotate(listing=vocabulary).values_list("name", "description", "listing"),
        Language.objects.annotate(listing=vocabulary).values_list("name", "autonym", "listing"),
        Community.objects.annotate(nothing=blank, listing=vocabulary).values_list("name", "nothing", "listing"),
    ]
    first, *rest = (part.order_by() for part in parts)
    return first.union(*rest, all=True)


def build_lexicon() -> Lexicon:
    """The listing words, counted (how often the listings use each). Text in plain ASCII,
    most of it, is split all at once (bytes.translate and split, in C: a third of the time
    of a regular expression over 23 MB of text at 100,000 services); the rest by words_of."""
    found: Counter[bytes] = Counter()
    plain: list[str] = []
    other: list[str] = []
    for first, second, listing in _texts():
        for text in (first, second):
            if text:
                (plain if text.isascii() and listing else other).append(text)
        if len(plain) >= BATCH:  # a batch at a time: the words of all of them at once would be 100s of MB
            found.update("\n".join(plain).encode("ascii").translate(_ASCII_WORDS).split())
            plain = []
    found.update("\n".join(plain).encode("ascii").translate(_ASCII_WORDS).split())
    counts: Counter[str] = Counter({word.decode("ascii"): n for word, n in found.items()})
    # Plain words a public listing itself has (not only a vocabulary's name).
    listed = frozenset(counts)
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for text in other:
        for word in words_of(text):
            folded = _fold(word)
            counts[folded] += 1
            if folded != word:
                written[folded][word] += 1
    # The words residents type that the search understands, as used by no listing: "anxios"
    # can become "anxious", "pareshni" "pareshani" (the corrected search must still find).
    for word in resident_words():
        folded = _fold(word)
        if folded not in counts:
            counts[folded] = 0
            if folded != word:
                written[folded][word] += 1
    shown = {folded: forms.most_common(1)[0][0] for folded, forms in written.items()}
    return Lexicon(dict(counts), shown, listed)


_kept: tuple[str | None, float, Lexicon] | None = None
# Held while this process reads the listing words in a thread of its own.
_reading = threading.Lock()
_reader: threading.Thread | None = None
# Bumped whenever what the cache holds for the lexicon changes shape.
FORMAT = 1
# Seconds one process may take to read the listing words before another may try.
READING_SECONDS = 120


def _cache_key(version: str, what: str = "words") -> str:
    return f"lexicon:{FORMAT}:{what}:{version}"


def current_lexicon() -> Lexicon:
    """The listing words, read again after any listing change (or LEXICON_SECONDS): from
    the shared cache when another process has read them, else read here (see the module's
    notes for when a process answers with its older words meanwhile)."""
    global _kept
    try:
        version = map_cache.version()
    except Exception:
        # Without the cache, only the age says when to read them again.
        logger.exception("Listing words kept without the directory's version: the cache did not answer")
        version = None
    now = time.monotonic()
    kept = _kept
    if kept is not None and kept[0] == version and now - kept[1] < LEXICON_SECONDS:
        return kept[2]
    shared = bool(settings.MAP_CACHE_SECONDS) and version is not None
    if shared and (lexicon := _shared(version)) is not None:
        _kept = (version, now, lexicon)
        return lexicon
    if shared and kept is not None and not transaction.get_connection().in_atomic_block:
        _read_elsewhere(version)
        return kept[2]  # a moment out of date (see the module's notes)
    lexicon = build_lexicon()
    _kept = (version, now, lexicon)
    if shared and not map_cache.pending_changes():  # others never see words a rollback may take back
        _share(version, lexicon)
    return lexicon


def _shared(version: str) -> Lexicon | None:
    """The listing words another process read for this version, if the cache has them."""
    try:
        packed = shared_cache.get(_cache_key(version))
    except Exception:
        logger.exception("Listing words read here: the cache did not answer")
        return None
    if packed is None:
        return None
    # Our own pickle, from our own cache (as Django's cache does for every value).
    counts, shown, listed = pickle.loads(zlib.decompress(packed))  # noqa: S301
    return Lexicon(counts, shown, listed)


def _share(version: str, lexicon: Lexicon) -> None:
    """Keep the listing words in the cache for the other processes (compressed: a third)."""
    packed = zlib.compress(pickle.dumps((lexicon.counts, lexicon.shown, lexicon.listed), pickle.HIGHEST_PROTOCOL), 1)
    try:
        shared_cache.set(_cache_key(version), packed, LEXICON_SECONDS)
    except Exception:
        logger.exception("Listing words not shared: the cache did not answer")


def _read_elsewhere(version: str) -> None:
    """Start reading the listing words in a thread, unless this process already is or
    another process has the cache's lock for this version."""
    global _reader
    if not _reading.acquire(blocking=False):
        return
    try:
        if not shared_cache.add(_cache_key(version, "reading"), 1, READING_SECONDS):
            _reading.release()
            return
        _reader = threading.Thread(target=_read_in_background, args=(version,), name="lexicon", daemon=True)
        _reader.start()
    except Exception:
        _reading.release()
        logger.exception("Listing words not read again: the cache did not answer")


def _read_in_background(version: str) -> None:
    """Read the listing words in this thread (holding `_reading`), share and keep them."""
    global _kept
    try:
        lexicon = build_lexicon()
        _share(version, lexicon)
        _kept = (version, time.monotonic(), lexicon)
    except Exception:
        logger.exception("The listing words were not read again: suggestions use the older ones")
    finally:
        connections.close_all()
        _reading.release()


# --- Words the search knows without the listings ------------------------------------


@cache
def known_words() -> frozenset[str]:
    """Folded words of the synonyms, the stop words, the interface languages' word lists
    and the crisis words: never corrected."""
    texts: list[str] = [*STOP_WORDS]
    for key, values in SYNONYMS.items():
        texts += [key, *values]
    for meanings in search_words.WORDS.values():
        for words in meanings.values():
            texts += words
    for words in search_words.MEANINGS.values():
        texts += words
    for terms in CRISIS_TERMS.values():
        texts += terms
    return frozenset(_fold(word) for text in texts for word in words_of(text))


@cache
def resident_words() -> tuple[str, ...]:
    """Words of the synonyms' keys and of the interface languages' word lists (not stop words)."""
    texts = [*SYNONYMS]
    for meanings in search_words.WORDS.values():
        for words in meanings.values():
            texts += words
    words = (word for text in texts for word in words_of(text))
    return tuple(dict.fromkeys(word for word in words if word not in STOP_WORDS))


def _is_known(word: str, lexicon: Lexicon) -> bool:
    """Whether the keyword search finds a folded word in the listings as it is."""
    if word in lexicon.counts or lexicon.has_start(word):
        return True
    return any(
        word.endswith(ending) and len(word) - len(ending) >= MIN_LENGTH and lexicon.has_start(word[: -len(ending)])
        for ending in ENDINGS
    )


# --- The suggestion -------------------------------------------------------------------


def _to_check(word: str, term) -> bool:
    """Whether a word of the search could need correcting, before asking the listings."""
    if " " in word or term.language_ids or term.community_ids:
        return False
    folded = _fold(word)
    return len(folded) >= MIN_LENGTH and not any(char.isdigit() for char in folded) and folded not in known_words()


def suggest(results: SearchResults) -> Suggestion | None:
    """“Did you mean …?” for a search's results, or None (see the module's notes)."""
    search = results.search
    words = [term.word for term in search.keywords.terms if _to_check(term.word, term)]
    if not words:
        return None  # no listing words needed: no query
    lexicon = current_lexicon()
    corrections: dict[str, str] = {}
    for word in words:
        folded = _fold(word)
        if not _is_known(folded, lexicon) and (better := lexicon.closest(folded)):
            corrections[word] = better
    if not corrections:
        return None
    text = rewrite(search.params.q, corrections)
    if len(text) > MAX_KEYWORDS_LENGTH:
        return None
    corrected = replace(search.params, q=text)
    if not (surely_finds(corrected, search.vocabulary, lexicon) or finds_services(corrected, search.vocabulary)):
        return None
    return Suggestion(text, tuple(corrections.items()))


def surely_finds(params: SearchParams, vocabulary: Vocabulary, lexicon: Lexicon) -> bool:
    """Whether a search surely finds a service without asking: it is one plain word that a
    public listing has (its name, description, organisation's name or a translation), and
    nothing else. Both databases find a listing's own word there (SQLite as a substring,
    PostgreSQL by its stem, no stop word being a listing word we suggest); the common
    case of a single misspelt word then costs no query at all."""
    if replace(params, q="", sort="") != SearchParams():
        return False
    terms = parse_keywords(params.q, vocabulary).terms
    return len(terms) == 1 and terms[0].word.isascii() and terms[0].word in lexicon.listed


def rewrite(text: str, corrections: dict[str, str]) -> str:
    """The text with each word to correct replaced, everything else as typed."""
    text = unicodedata.normalize("NFKC", text)
    out, start = [], None
    for i, char in enumerate(f"{text} "):
        if unicodedata.category(char)[0] in "LMN" and i < len(text):
            if start is None:
                start = i
            continue
        if start is not None:
            word = text[start:i]
            out.append(corrections.get(word.casefold(), word))
            start = None
        if i < len(text):
            out.append(char)
    return "".join(out)


def finds_services(params: SearchParams, vocabulary: Vocabulary) -> bool:
    """Whether a search (every word, every filter) finds a service: from the facet index
    where there is one (the same answers, mostly without SQL: measured at 100,000 services,
    the `EXISTS` query cost the keyword searches 3.5 ms a request on average), else in one
    query. Its words are listing words, so the keyword engine neither asks which are nor
    guesses at typos: what this finds, the corrected search finds too."""
    search = Search(params, vocabulary, words_listed=True)
    if (index := facet_index.current()) is not None:
        return index.counts(search, (), total=True).total > 0
    return search.matching().exists()
