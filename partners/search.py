"""Finding services: keywords, filters, place, ordering, option counts and map points.

`Search(params, vocabulary)` answers one search. `results()` gives the results page
its ordered services, how many there are and the count next to every filter option
(all counts in one statement); `geojson()` gives the map its points. Both start from
`matching()`, so the list, the counts and the map always agree. `SearchParams` are
read and checked by `partners.filters.ServiceFilter`; `search()` is the shortcut.

Every filter is `pk IN (subquery)` over the join tables: no duplicate rows, no
DISTINCT, and PostgreSQL evaluates each subquery once through its index.

Keywords: on PostgreSQL, full-text search over a tsvector column the database keeps
itself (migration 0004: service name weight A, description C; organisation name D),
support-type names (B), languages and communities, with resident-friendly synonyms and
pg_trgm typo tolerance; and translations in the interface languages (migration 0006:
a 'simple' vector, name A and description C, ranked like the English text), with the
word lists of partners/search_words.py for words typed in those languages. Elsewhere
(SQLite) a plain case-insensitive substring search over the same fields with the same
synonyms and the same interface.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.postgres.search import (
    SearchVectorField,
)
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Expression,
    F,
    FloatField,
    Func,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import ASin, Coalesce, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import map_cache, opening, search_words
from .capacity import taking_new_people_q
from .hours import read_hours
from .models import (
    Attribute,
    Community,
    Cost,
    DeliveryMode,
    Gender,
    Language,
    Location,
    Organisation,
    ReferralKind,
    ReferralRoute,
    Service,
    ServiceLanguage,
    ServiceTranslation,
    SupportType,
)
from .postcodes import Place
from .translations import active_language, service_texts, with_translations

RADIUS_DEFAULT = 3.0
RADIUS_MIN = 0.1
RADIUS_MAX = 50.0
RADIUS_CHOICES = (1, 3, 5, 10, 25, 50)
# Ten results a page, as NHS service search: short pages on a phone; the map shows them all.
PAGE_SIZE = 10
# The map never receives more than this many features; beyond it, grid clusters.
MAP_MAX_POINTS = 1000
MAP_CLUSTER_GRID = 24
# Mean Earth radius (IUGG), in miles: haversine on it is within 0.5% of the geodesic.
EARTH_RADIUS_METRES = 6_371_008.8
EARTH_RADIUS_MILES = EARTH_RADIUS_METRES / 1609.344
MILES_PER_DEGREE_LATITUDE = 69.0
# Longest keyword text we read, in words; longer queries are trimmed.
MAX_TERMS = 8
# pg_trgm word similarity a misspelt word needs to count as a match.
TYPO_SIMILARITY = 0.7
TYPO_MIN_LENGTH = 5

RELEVANCE, DISTANCE, NAME = "relevance", "distance", "name"
SORTS = {RELEVANCE: _("Best match"), DISTANCE: _("Nearest first"), NAME: _("Name (A to Z)")}

# The filters that are lists of options (shown with counts), in the order the page shows them.
FACETS = ("support", "language", "community", "referral", "mode", "attribute", "cost", "gender")

ServiceSupport = Service.support_types.through
ServiceCommunity = Service.communities.through
ServiceAttribute = Service.attributes.through
ServiceMode = Service.modes.through
ServiceLocation = Service.locations.through


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
    def effective_sort(self) -> str:
        """The order actually used: an impossible choice falls back to the natural one."""
        if self.sort == DISTANCE and self.place:
            return DISTANCE
        if self.sort == RELEVANCE and self.q:
            return RELEVANCE
        if self.sort == NAME:
            return NAME
        if self.place:
            return DISTANCE
        if self.q:
            return RELEVANCE
        return NAME

    @property
    def available_sorts(self) -> list[str]:
        return [s for s in SORTS if (s != RELEVANCE or self.q) and (s != DISTANCE or self.place)]

    def values(self, facet: str) -> tuple[str, ...]:
        return getattr(self, facet)


# --- Vocabularies -----------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One choice of a filter: its slug, label and (for terms) the term itself."""

    value: str
    label: str
    term: object = None


class Vocabulary:
    """The filter vocabularies, loaded once per request (five small queries)."""

    GENERIC_WORDS = frozenset(
        {"and", "all", "any", "people", "community", "communities", "language", "languages", "british", "other"}
    )

    def __init__(
        self,
        languages: list[Language],
        communities: list[Community],
        support_types: list[SupportType],
        attributes: list[Attribute],
        modes: list[DeliveryMode],
    ):
        self.languages = languages
        self.communities = communities
        self.support_types = support_types
        self.attributes = attributes
        self.modes = modes

    @classmethod
    def load(cls) -> Vocabulary:
        """Languages in one query, the four other vocabularies (same columns) in another."""
        models = {"community": Community, "support": SupportType, "attribute": Attribute, "mode": DeliveryMode}
        fields = ("id", "slug", "name", "description", "order")
        union = None
        for kind, model in models.items():
            rows = model.objects.annotate(kind=Value(kind)).values_list("kind", *fields).order_by()
            union = rows if union is None else union.union(rows, all=True)
        terms: dict[str, list] = defaultdict(list)
        for kind, *values in union:
            terms[kind].append(models[kind](**dict(zip(fields, values, strict=True))))
        for items in terms.values():
            items.sort(key=lambda term: (term.order, term.name))
        return cls(
            list(Language.objects.all()),
            terms["community"],
            terms["support"],
            terms["attribute"],
            terms["mode"],
        )

    @cached_property
    def _options(self) -> dict[str, list[Option]]:
        # In the visitor's language (made once per request, after the language is chosen).
        def terms(items) -> list[Option]:
            return [Option(t.slug, t.display_name, t) for t in items]

        def choices(text_choices) -> list[Option]:
            return [Option(value, str(label)) for value, label in text_choices.choices]

        return {
            "support": terms(self.support_types),
            "language": [Option(lang.code, lang.name, lang) for lang in self.languages],
            "community": terms(self.communities),
            "referral": choices(ReferralKind),
            "mode": terms(self.modes),
            "attribute": terms(self.attributes),
            "cost": choices(Cost),
            "gender": choices(Gender),
        }

    def options(self, facet: str) -> list[Option]:
        return self._options[facet]

    def option(self, facet: str, value: str) -> Option | None:
        return next((o for o in self._options[facet] if o.value == value), None)

    def ids(self, facet: str, values: Iterable[str]) -> list[int]:
        wanted = set(values)
        return [o.term.pk for o in self._options[facet] if o.value in wanted and o.term is not None]

    @cached_property
    def community_all_id(self) -> int | None:
        return next((c.pk for c in self.communities if c.slug == Community.ALL), None)

    @cached_property
    def _name_index(self) -> dict[str, dict[str, set[int]]]:
        """Words of language names and autonyms, and of community names -> ids."""
        index: dict[str, dict[str, set[int]]] = {"language": defaultdict(set), "community": defaultdict(set)}
        for language in self.languages:
            for text in (language.name, language.autonym):
                for word in words_of(text):
                    if len(word) > 1 and word not in self.GENERIC_WORDS:
                        index["language"][_singular(word)].add(language.pk)
                if text and " " in text.strip():
                    index["language"][text.strip().casefold()].add(language.pk)
        for community in self.communities:
            for word in words_of(community.name):
                if len(word) > 2 and word not in self.GENERIC_WORDS and word not in STOP_WORDS:
                    index["community"][_singular(word)].add(community.pk)
        return index

    def named(self, kind: str, word: str) -> frozenset[int]:
        """Ids of the languages or communities a query word names, forgiving small typos."""
        index = self._name_index[kind]
        word = _singular(word)
        if word in index:
            return frozenset(index[word])
        if len(word) >= TYPO_MIN_LENGTH:
            close = difflib.get_close_matches(word, list(index), n=2, cutoff=0.84)
            return frozenset(pk for match in close for pk in index[match])
        return frozenset()


# --- Keywords ---------------------------------------------------------------------

# Words that carry no meaning in a search for support (English function words and
# the things everyone searching here wants anyway).
_STOP_WORDS_TEXT = """
    a about above after again against am an and any are as at be because been before being below between both
    but by can could did do does doing down during each few for from further had has have having he her here hers
    herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on
    once only or other our ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves
    help helps need needs want wants looking look find finding get getting someone somebody something anyone please
    near nearby around local area service services support supporting mental health speak speaks speaking spoken
    language languages"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

# What residents type -> what listings say. Each key also matches itself; US spellings
# are included. Multi-word keys are matched as phrases before single words.
SYNONYMS: dict[str, tuple[str, ...]] = {
    # Talking therapies
    "therapy": ("counselling", "therapist", "psychotherapy"),
    "therapist": ("counselling", "therapy"),
    "therapies": ("counselling", "therapy"),
    "psychotherapy": ("counselling", "therapy"),
    "talk": ("talking", "counselling", "listening"),
    "talking": ("talk", "counselling", "listening"),
    "talking therapy": ("counselling", "therapy"),
    "talking therapies": ("counselling", "therapy"),
    "counseling": ("counselling",),
    "counselor": ("counsellor", "counselling"),
    "counsellor": ("counselling",),
    "counsellors": ("counselling",),
    "listen": ("listening", "counselling"),
    "cbt": ("counselling", "therapy"),
    # Feelings
    "stress": ("stressed", "anxiety", "worry"),
    "stressed": ("stress", "anxiety", "worry"),
    "anxious": ("anxiety", "worry", "stress"),
    "anxiety": ("anxious", "worry"),
    "worry": ("worried", "anxiety", "stress"),
    "worried": ("worry", "anxiety", "stress"),
    "worries": ("worry", "anxiety"),
    "panic": ("anxiety",),
    "nervous": ("anxiety", "worry"),
    "overwhelmed": ("stress", "anxiety"),
    "depression": ("depressed", "low mood"),
    "depressed": ("depression", "low mood", "sadness"),
    "low mood": ("depression", "depressed", "sadness"),
    "low": ("low mood", "depression"),
    "sad": ("sadness", "low mood", "depression"),
    "sadness": ("low mood", "depression"),
    "unhappy": ("low mood", "depression", "sadness"),
    "hopeless": ("depression", "low mood"),
    "lonely": ("loneliness", "isolation", "isolated", "befriending"),
    "loneliness": ("lonely", "isolation", "befriending"),
    "alone": ("lonely", "loneliness", "isolation", "befriending"),
    "isolated": ("isolation", "lonely", "befriending"),
    "isolation": ("isolated", "lonely", "befriending"),
    "friend": ("befriending", "friendship"),
    "friends": ("befriending", "friendship"),
    "grief": ("bereavement", "grieving", "loss"),
    "grieving": ("grief", "bereavement", "loss"),
    "bereaved": ("bereavement", "grief"),
    "loss": ("bereavement", "grief"),
    "died": ("bereavement", "death"),
    "death": ("bereavement", "grief"),
    "trauma": ("traumatic", "ptsd"),
    "ptsd": ("trauma",),
    "anger": ("angry", "temper"),
    "angry": ("anger",),
    "sleep": ("sleeping", "insomnia"),
    # Risk and crisis
    "suicide": ("suicidal", "crisis"),
    "suicidal": ("suicide", "crisis"),
    "self harm": ("crisis", "harm"),
    "emergency": ("crisis", "urgent"),
    "urgent": ("crisis",),
    # Alcohol, drugs and gambling
    "drink": ("drinking", "alcohol"),
    "drinking": ("drink", "alcohol"),
    "alcohol": ("drink", "drinking"),
    "drugs": ("drug", "substance"),
    "drug": ("drugs", "substance"),
    "addiction": ("addicted", "alcohol", "drugs", "gambling", "substance"),
    "addicted": ("addiction", "alcohol", "drugs", "gambling"),
    "gambling": ("gamble", "addiction"),
    # Abuse
    "abuse": ("abusive", "violence"),
    "violence": ("abuse", "violent"),
    "domestic violence": ("domestic abuse", "abuse"),
    "controlling": ("abuse", "coercive"),
    # Faith
    "faith": ("religious", "religion", "spiritual", "pastoral"),
    "religious": ("faith", "religion"),
    "religion": ("faith", "religious"),
    "spiritual": ("faith", "pastoral"),
    "mosque": ("faith", "muslim", "islamic"),
    "church": ("faith", "christian"),
    "temple": ("faith", "mandir"),
    "gurdwara": ("faith", "sikh"),
    "imam": ("faith", "mosque", "pastoral"),
    "muslim": ("islamic", "mosque", "faith"),
    "islamic": ("muslim", "faith"),
    # People
    "women": ("woman", "ladies", "female"),
    "woman": ("women", "ladies", "female"),
    "ladies": ("women", "woman"),
    "female": ("women", "woman"),
    "mothers": ("mums", "mother", "women"),
    "mums": ("mothers", "mother", "women"),
    "mum": ("mother", "mothers", "women"),
    "mom": ("mum", "mother", "mothers"),
    "men": ("man", "male"),
    "man": ("men", "male"),
    "male": ("men", "man"),
    "young": ("youth", "young people", "teenagers"),
    "youth": ("young", "teenagers"),
    "teenager": ("young", "youth", "teenagers"),
    "teenagers": ("young", "youth"),
    "children": ("child", "family", "young"),
    "kids": ("children", "family", "young"),
    "older": ("elderly", "elders"),
    "elderly": ("older", "elders"),
    "carer": ("carers", "caring", "family"),
    "carers": ("carer", "caring", "family"),
    "parents": ("parent", "parenting", "family"),
    "parenting": ("parents", "family"),
    "refugee": ("refugees", "asylum"),
    "asylum": ("refugees", "refugee", "asylum seekers"),
    "migrant": ("migrants", "refugees", "asylum"),
    "migrants": ("migrant", "refugees", "asylum"),
    # Practical help
    "money": ("debt", "benefits", "practical"),
    "debt": ("money", "benefits"),
    "benefits": ("money", "debt"),
    "housing": ("homeless", "accommodation"),
    "homeless": ("housing", "homelessness"),
    "immigration": ("asylum", "visa"),
    # Activities and ways of getting support
    "exercise": ("walking", "activities", "sport"),
    "walking": ("walk", "exercise"),
    "art": ("arts", "creative", "crafts"),
    "crafts": ("craft", "creative"),
    "phone": ("telephone", "helpline", "call"),
    "helpline": ("phone", "telephone"),
    "online": ("video", "internet"),
    "whatsapp": ("text", "chat"),
    "interpreter": ("interpreters", "interpreting"),
    "translator": ("interpreter", "interpreters"),
    # US spellings
    "behavior": ("behaviour",),
    "center": ("centre",),
    "program": ("programme",),
    "neighbor": ("neighbour",),
    "neighborhood": ("neighbourhood",),
    "organization": ("organisation",),
    "color": ("colour",),
}
PHRASES = sorted((key for key in SYNONYMS if " " in key), key=lambda key: -len(key.split()))


@dataclass(frozen=True)
class Term:
    """One meaningful word (or phrase) of a keyword search and everything it may match."""

    word: str
    expansions: tuple[str, ...]
    language_ids: frozenset[int] = frozenset()
    community_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Keywords:
    text: str
    terms: tuple[Term, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)


def words_of(text: str) -> list[str]:
    """Lower-case runs of letters, marks and digits, in any script ("Women's" -> women, s)."""
    words, current = [], []
    for char in unicodedata.normalize("NFKC", text or "").casefold():
        if unicodedata.category(char)[0] in "LMN":
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def parse_keywords(text: str, vocabulary: Vocabulary) -> Keywords:
    """Split a keyword search into terms, expanded with synonyms, languages and communities."""
    words = [w for w in words_of(text) if len(w) > 1 or not w.isascii()]
    folded = [search_words.fold(w) for w in words]
    terms: list[Term] = []
    seen: set[str] = set()
    i = 0
    while i < len(words) and len(terms) < MAX_TERMS:
        phrase = next((p for p in PHRASES if words[i : i + len(p.split())] == p.split()), None)
        if phrase is None and (other := _listed_phrase(folded, i)):
            phrase = " ".join(words[i : i + len(other.split())])
        if phrase:
            word = phrase
            i += len(phrase.split())
        else:
            word = words[i]
            i += 1
            if word in STOP_WORDS and word not in SYNONYMS:
                continue
        meanings = search_words.meanings_of(word)
        if meanings and meanings <= search_words.IGNORED:
            continue  # "pomoc", "madad": help, which everyone searching here wants
        if word in seen:
            continue
        seen.add(word)
        expansions = [word, *SYNONYMS.get(word, SYNONYMS.get(_singular(word), ()))]
        # Words in the other interface languages: the same meaning in that language, and in English.
        expansions += [" ".join(words_of(related)) for related in search_words.related_words(word)]
        for meaning in sorted(meanings):
            for english in search_words.MEANINGS.get(meaning, ()):
                expansions += [english, *SYNONYMS.get(english, ())]
        terms.append(
            Term(
                word=word,
                expansions=tuple(dict.fromkeys(expansions)),
                language_ids=vocabulary.named("language", word),
                community_ids=vocabulary.named("community", word) | frozenset(vocabulary.ids("community", meanings)),
            )
        )
    return Keywords(text=text, terms=tuple(terms))


def _listed_phrase(folded: list[str], i: int) -> str | None:
    """A phrase of the interface languages' word lists starting at word i (compared folded)."""
    return next((p for p in search_words.phrases() if folded[i : i + len(p.split())] == p.split()), None)


class DatabaseColumn(Expression):
    """A column the database maintains with no model field behind it (the generated
    search vectors of migration 0004), on the query's own table, whatever its alias."""

    def __init__(self, column: str, output_field):
        super().__init__(output_field=output_field)
        self.column = column
        self.alias = None

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        # Resolved once, on its own query: a subquery's annotations are resolved again against
        # the outer query (for OuterRef), and must keep naming the subquery's table.
        if clone.alias is None:
            clone.alias = query.resolve_ref("pk").alias
        return clone

    def relabeled_clone(self, change_map):
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def get_group_by_cols(self):
        return [self]

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name_unless_alias(self.alias)}.{connection.ops.quote_name(self.column)}", []


def _vector(column: str = "search_vector") -> DatabaseColumn:
    return DatabaseColumn(column, SearchVectorField())


class PostgresKeywords:
    """Full-text search with weights, stemming, synonyms and pg_trgm typo tolerance.

    Each condition is one subquery of service ids written as SQL with parameters: the
    tables are fixed, and building the same thing through the ORM cost more time than
    running it. Every value the visitor typed is a parameter."""

    def __init__(self, keywords: Keywords):
        self.keywords = keywords
        quote = connection.ops.quote_name
        self.tables = {
            name: quote(model._meta.db_table)
            for name, model in (
                ("service", Service),
                ("organisation", Organisation),
                ("support_type", SupportType),
                ("service_support", ServiceSupport),
                ("service_language", ServiceLanguage),
                ("service_community", ServiceCommunity),
                ("translation", ServiceTranslation),
            )
        }
        self.known = self._known_terms()

    @staticmethod
    def tsquery(term: Term, config: str = "english") -> tuple[str, list]:
        """The term and its synonyms as one tsquery (OR), in SQL with parameters. Translations
        use the 'simple' configuration (no English stemming or stop words) like their vectors."""
        parts, params = [], []
        for expansion in term.expansions:
            if " " in expansion:
                parts.append(f"phraseto_tsquery('{config}', %s)")
                params.append(expansion)
            else:
                # Expansions are letters, marks and digits only (words_of), so safe as raw
                # tsquery text; ':*' also finds longer words ("bereave" -> bereavement).
                parts.append(f"to_tsquery('{config}', %s)")
                params.append(f"{expansion}:*" if len(expansion) >= 4 else expansion)
        return f"({' || '.join(parts)})", params

    def _typo(self, index: int) -> bool:
        term = self.keywords.terms[index]
        return not self.known[index] and len(term.word) >= TYPO_MIN_LENGTH and " " not in term.word

    def _similar(self, column: str, word: str) -> tuple[str, list]:
        # `column %> word` lets the trigram index find candidates; the threshold is ours.
        return f"({column} %%> %s AND word_similarity(%s, {column}) >= %s)", [word, word, TYPO_SIMILARITY]

    def _arms(self, term: Term, index: int) -> dict[str, tuple[str, list]]:
        """Subqueries of the ids of services the term matches, by where it matched."""
        t = self.tables
        tsquery, tsquery_params = self.tsquery(term)
        typo = self._typo(index)
        support = f"to_tsvector('english', COALESCE(name, '') || ' ' || COALESCE(description, '')) @@ {tsquery}"
        support_params = list(tsquery_params)
        if typo:
            support += " OR word_similarity(%s, name) >= %s"
            support_params += [term.word, TYPO_SIMILARITY]
        organisation, organisation_params = f"search_vector @@ {tsquery}", list(tsquery_params)
        if typo:
            similar, similar_params = self._similar("name", term.word)
            organisation += f" OR {similar}"
            organisation_params += similar_params
        simple, simple_params = self.tsquery(term, "simple")
        arms = {
            "text": (f"SELECT id FROM {t['service']} WHERE search_vector @@ {tsquery}", tsquery_params),  # noqa: S608
            # Translations in every interface language, whichever the visitor reads: people
            # type in the language they think in.
            "translation": (
                f"SELECT service_id FROM {t['translation']} WHERE search_vector @@ {simple}",  # noqa: S608
                simple_params,
            ),
            "support": (
                f"SELECT service_id FROM {t['service_support']} WHERE supporttype_id IN "  # noqa: S608
                f"(SELECT id FROM {t['support_type']} WHERE {support})",
                support_params,
            ),
            "organisation": (
                f"SELECT id FROM {t['service']} WHERE organisation_id IN "  # noqa: S608
                f"(SELECT id FROM {t['organisation']} WHERE {organisation})",
                organisation_params,
            ),
        }
        named = []
        for table, column, ids in (
            ("service_language", "language_id", term.language_ids),
            ("service_community", "community_id", term.community_ids),
        ):
            if ids:
                placeholders = ", ".join(["%s"] * len(ids))
                named.append((f"SELECT service_id FROM {t[table]} WHERE {column} IN ({placeholders})", sorted(ids)))  # noqa: S608
        if named:
            arms["named"] = (" UNION ALL ".join(sql for sql, _p in named), [p for _s, ps in named for p in ps])
        if typo:
            name, name_params = self._similar("name", term.word)
            description, description_params = self._similar("description", term.word)
            arms["typo"] = (
                f"SELECT id FROM {t['service']} WHERE {name} OR {description}",  # noqa: S608
                name_params + description_params,
            )
        return arms

    def _known_terms(self) -> list[bool]:
        """Which terms the listings contain, in one query: only unknown words (most likely
        misspelt) are looked up by trigram similarity, which is slower and fuzzier."""
        t = self.tables
        checks, params = [], []
        for term in self.keywords.terms:
            if term.language_ids or term.community_ids:
                checks.append("TRUE")
                continue
            tsquery, tsquery_params = self.tsquery(term)
            simple, simple_params = self.tsquery(term, "simple")
            support = f"to_tsvector('english', COALESCE(name, '') || ' ' || COALESCE(description, '')) @@ {tsquery}"
            checks.append(
                f"(EXISTS(SELECT 1 FROM {t['service']} WHERE search_vector @@ {tsquery})"  # noqa: S608
                f" OR EXISTS(SELECT 1 FROM {t['organisation']} WHERE search_vector @@ {tsquery})"
                f" OR EXISTS(SELECT 1 FROM {t['support_type']} WHERE {support})"
                f" OR EXISTS(SELECT 1 FROM {t['translation']} WHERE search_vector @@ {simple}))"
            )
            params += tsquery_params * 3 + simple_params
        if not checks:
            return []
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(checks), params)
            return list(cursor.fetchone())

    def condition(self, term: Term, index: int) -> Q:
        # OR of separate IN conditions: PostgreSQL hashes each subquery once and probes the
        # hashes (one IN of a UNION becomes a join that it plans worse).
        condition = Q()
        for sql, params in self._arms(term, index).values():
            condition |= Q(pk__in=RawSQL(sql, params))  # noqa: S611
        return condition

    def rank(self) -> Expression:
        # ts_rank's default weights: A 1.0 (name), C 0.2 (description). Support types sit
        # between (B 0.4), the organisation's name below (D 0.1).
        queries = [self.tsquery(term) for term in self.keywords.terms]
        tsquery = RawSQL(" || ".join(sql for sql, _p in queries), [p for _s, ps in queries for p in ps])  # noqa: S611
        score = Func(_vector(), tsquery, function="ts_rank", output_field=FloatField())
        # The best-matching translation ranks with the same weights as the English text, so
        # a service described in Urdu or Polish is not pushed below English ones.
        simple = [self.tsquery(term, "simple") for term in self.keywords.terms]
        simple_tsquery = RawSQL(" || ".join(sql for sql, _p in simple), [p for _s, ps in simple for p in ps])  # noqa: S611
        translated = (
            ServiceTranslation.objects.filter(service=OuterRef("pk"))
            .annotate(rank=Func(_vector(), simple_tsquery, function="ts_rank", output_field=FloatField()))
            .order_by("-rank")
            .values("rank")[:1]
        )
        score = score + Coalesce(Subquery(translated, output_field=FloatField()), Value(0.0))
        weights = {"support": 0.4, "organisation": 0.1, "named": 0.3, "typo": 0.2}
        for index, term in enumerate(self.keywords.terms):
            for name, (sql, params) in self._arms(term, index).items():
                if name in weights:
                    score = score + _bonus(Q(pk__in=RawSQL(sql, params)), weights[name])  # noqa: S611
        return score


class BasicKeywords:
    """The portable fallback: substrings, case-insensitive, with the same synonyms."""

    def __init__(self, keywords: Keywords):
        self.keywords = keywords

    @staticmethod
    def _needles(term: Term) -> list[str]:
        needles = []
        for expansion in term.expansions:
            needles.append(expansion)
            stem = _crude_stem(expansion)
            if stem != expansion:
                needles.append(stem)
        return list(dict.fromkeys(needles))

    def _field_q(self, term: Term, field_name: str) -> Q:
        q = Q()
        for needle in self._needles(term):
            q |= Q(**{f"{field_name}__icontains": needle})
        return q

    def _support_q(self, term: Term) -> Q:
        types = SupportType.objects.filter(self._field_q(term, "name") | self._field_q(term, "description"))
        return Q(pk__in=ServiceSupport.objects.filter(supporttype_id__in=types.values("pk")).values("service_id"))

    def _translation_q(self, term: Term, field_name: str = "") -> Q:
        """Services with a translation whose text (or one field of it) has the term."""
        fields = [field_name] if field_name else ["name", "description"]
        q = Q()
        for name in fields:
            q |= self._field_q(term, name)
        return Q(pk__in=ServiceTranslation.objects.filter(q).values("service_id"))

    def condition(self, term: Term, index: int) -> Q:
        return (
            self._field_q(term, "name")
            | self._field_q(term, "description")
            | self._field_q(term, "organisation__name")
            | self._support_q(term)
            | _named_q(term)
            | self._translation_q(term)
        )

    def rank(self) -> Expression:
        score = Value(0.0)
        for term in self.keywords.terms:
            score = score + _bonus(self._field_q(term, "name"), 1.0)
            score = score + _bonus(self._support_q(term), 0.4)
            score = score + _bonus(self._field_q(term, "description"), 0.2)
            score = score + _bonus(self._field_q(term, "organisation__name"), 0.1)
            # Translated text weighs the same as the English it translates.
            score = score + _bonus(self._translation_q(term, "name"), 1.0)
            score = score + _bonus(self._translation_q(term, "description"), 0.2)
            if term.language_ids or term.community_ids:
                score = score + _bonus(_named_q(term), 0.3)
        return score


def _crude_stem(word: str) -> str:
    if " " in word:
        return word
    for suffix in ("ing", "ness", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _bonus(condition: Q, weight: float) -> Expression:
    return Case(When(condition, then=Value(weight)), default=Value(0.0), output_field=FloatField())


def _named_q(term: Term) -> Q:
    q = Q(pk__in=[])
    if term.language_ids:
        q |= Q(pk__in=ServiceLanguage.objects.filter(language_id__in=term.language_ids).values("service_id"))
    if term.community_ids:
        q |= Q(pk__in=ServiceCommunity.objects.filter(community_id__in=term.community_ids).values("service_id"))
    return q


def keyword_backend(keywords: Keywords, backend: str | None = None):
    """PostgreSQL full-text search where we have it, the portable fallback elsewhere."""
    backend = backend or ("postgres" if connection.vendor == "postgresql" else "basic")
    return PostgresKeywords(keywords) if backend == "postgres" else BasicKeywords(keywords)


def keywords_q(keywords: Keywords, engine=None, *, every: bool = True) -> Q:
    """The services that match the keywords: every term (or, with every=False, any term),
    each through its stems, synonyms, typos and translations. The one keyword rule of the
    site, the map and the API."""
    engine = engine or keyword_backend(keywords)
    conditions = [engine.condition(term, i) for i, term in enumerate(keywords.terms)]
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = (combined & condition) if every else (combined | condition)
    return combined


# --- Place ------------------------------------------------------------------------


def haversine(
    latitude: float, longitude: float, lat_field: str, lon_field: str, earth_radius: float = EARTH_RADIUS_MILES
) -> Expression:
    """Great-circle distance from a point to the point in two fields, in SQL, in the unit of
    earth_radius (miles by default; the API passes EARTH_RADIUS_METRES). The one distance
    rule of the site, the map and the API."""
    lat1 = math.radians(latitude)
    half_dlat = (Radians(F(lat_field)) - Value(lat1)) / Value(2.0)
    half_dlon = (Radians(F(lon_field)) - Value(math.radians(longitude))) / Value(2.0)
    a = Power(Sin(half_dlat), 2) + Value(math.cos(lat1)) * Cos(Radians(F(lat_field))) * Power(Sin(half_dlon), 2)
    # Least(): rounding must never push asin() out of its domain.
    return Value(2 * earth_radius) * ASin(Sqrt(Least(a, Value(1.0))), output_field=FloatField())


def distance_box(latitude: float, longitude: float, radius: float) -> tuple[float, float, float, float]:
    """A latitude/longitude box (west, south, east, north) holding every point within radius:
    an index-friendly prefilter before the exact distance."""
    dlat = radius / 68.0
    dlon = radius / (69.2 * max(math.cos(math.radians(latitude)), 0.01))
    return longitude - dlon, latitude - dlat, longitude + dlon, latitude + dlat


LOCATION_FIELDS = ("location__latitude", "location__longitude")


def in_box(box: tuple[float, float, float, float], prefix: str = "location__") -> Q:
    west, south, east, north = box
    return Q(**{f"{prefix}latitude__range": (south, north), f"{prefix}longitude__range": (west, east)})


def near_locations(place: Place, radius: float) -> QuerySet:
    """Service-location links within radius miles of a place, annotated with `distance`."""
    box = distance_box(place.latitude, place.longitude, radius)
    return (
        ServiceLocation.objects.filter(in_box(box))
        .annotate(distance=haversine(place.latitude, place.longitude, "location__latitude", "location__longitude"))
        .filter(distance__lte=radius)
    )


def remote_q() -> Q:
    """Services with no location at all: delivered only by phone, video or text."""
    return ~Q(pk__in=ServiceLocation.objects.values("service_id"))


# --- Filters ----------------------------------------------------------------------


def public_services() -> QuerySet[Service]:
    """Published services of published organisations: the only ones the public ever sees."""
    return Service.objects.public()


def with_result_details(queryset: QuerySet[Service]) -> QuerySet[Service]:
    """What a result row shows (templates/partners/_result.html), in a fixed number of queries
    (one more in a language other than English: the translations into it)."""
    queryset = queryset.select_related("organisation").prefetch_related(
        "communities",
        "locations",
        "referral_routes",
        Prefetch("service_languages", queryset=ServiceLanguage.objects.select_related("language")),
    )
    return with_translations(queryset)


def with_listing_details(queryset: QuerySet[Service]) -> QuerySet[Service]:
    """Everything a service page shows, in a fixed number of queries (two more in a language
    other than English: the service's and the organisation's translations into it)."""
    queryset = queryset.select_related("organisation").prefetch_related(
        "support_types",
        "communities",
        "attributes",
        "modes",
        "locations",
        "referral_routes",
        Prefetch("service_languages", queryset=ServiceLanguage.objects.select_related("language")),
    )
    return with_translations(queryset, organisation=True)


# The join table and column behind each filter of terms.
FACET_TABLES = {
    "language": (ServiceLanguage, "language_id"),
    "community": (ServiceCommunity, "community_id"),
    "support": (ServiceSupport, "supporttype_id"),
    "mode": (ServiceMode, "deliverymode_id"),
    "attribute": (ServiceAttribute, "attribute_id"),
}


def facet_q(facet: str, values: Iterable[str], vocabulary: Vocabulary) -> Q:
    """One filter: any of its values (OR), with the eligibility meanings of PRODUCT.md."""
    values = list(values)
    if not values:
        return Q()
    if facet == "cost":
        return Q(cost__in=values)
    if facet == "gender":
        # Open to women means services for women and services for anyone; likewise men.
        return Q(gender__in={*values, Gender.ANY} if set(values) - {Gender.ANY} else values)
    if facet == "referral":
        return Q(pk__in=ReferralRoute.objects.filter(kind__in=values).values("service_id"))
    ids = vocabulary.ids(facet, values)
    if facet == "community" and vocabulary.community_all_id:
        # A service for all racialised communities serves every community.
        ids.append(vocabulary.community_all_id)
    through, column = FACET_TABLES[facet]
    return Q(pk__in=through.objects.filter(**{f"{column}__in": ids}).values("service_id"))


def age_q(age: int) -> Q:
    """Services whose age range includes age; a blank bound is no limit."""
    return (Q(min_age__isnull=True) | Q(min_age__lte=age)) & (Q(max_age__isnull=True) | Q(max_age__gte=age))


# --- The search -------------------------------------------------------------------


class Search:
    """One search: the matching services, their order, option counts and map points."""

    def __init__(self, params: SearchParams, vocabulary: Vocabulary, backend: str | None = None):
        self.params = params
        self.vocabulary = vocabulary
        self.keywords = parse_keywords(params.q, vocabulary)
        self.engine = keyword_backend(self.keywords, backend) if self.keywords else None
        # When no service has every word, we show those with any and say so.
        self.relaxed = False
        self._keyword_conditions: dict[str, Q] = {}
        # One moment for the whole search, so the results and their counts agree on "now".
        self.now = timezone.now()

    def matching(
        self, except_facet: str | None = None, facets: bool = True, near: Expression | None = None
    ) -> QuerySet[Service]:
        """The services matching every condition (but one filter, or no filters at all);
        near: the ids of the services with a place within the radius, if already known."""
        params = self.params
        queryset = public_services()
        if facets:
            for facet in FACETS:
                if facet != except_facet and params.values(facet):
                    queryset = queryset.filter(facet_q(facet, params.values(facet), self.vocabulary))
        if params.age is not None:
            queryset = queryset.filter(age_q(params.age))
        if params.open_now:
            queryset = queryset.open_at(self.now)
        if params.taking_new:
            queryset = queryset.filter(taking_new_people_q())
        if params.place:
            if near is None:
                near = near_locations(params.place, params.radius).values("service_id")
            queryset = queryset.filter(Q(pk__in=near) | remote_q())
        if params.bbox:
            queryset = queryset.filter(pk__in=ServiceLocation.objects.filter(in_box(params.bbox)).values("service_id"))
        if self.engine:
            queryset = queryset.filter(self._keywords_q())
        return queryset

    def _keywords_q(self) -> Q:
        # Built once per search (and once more if relaxed): it is the costliest part to build.
        key = "any" if self.relaxed else "all"
        if key not in self._keyword_conditions:
            self._keyword_conditions[key] = keywords_q(self.keywords, self.engine, every=not self.relaxed)
        return self._keyword_conditions[key]

    def ordered(self) -> QuerySet[Service]:
        """The matching services in the chosen order, with `distance` (miles) and `rank`."""
        queryset, ordering = self._in_order(self.matching())
        return queryset.order_by(*ordering)

    def _in_order(self, queryset: QuerySet[Service]) -> tuple[QuerySet[Service], list[str]]:
        """The annotations the chosen order needs, and the order (ending in pk, so stable)."""
        params = self.params
        if params.place:
            # The nearest of each service's places: a grouped join, not a subquery per row.
            box = distance_box(params.place.latitude, params.place.longitude, params.radius)
            distance = haversine(
                params.place.latitude, params.place.longitude, "locations__latitude", "locations__longitude"
            )
            queryset = queryset.annotate(distance=Min(distance, filter=in_box(box, prefix="locations__")))
        sort = params.effective_sort
        if sort == RELEVANCE:
            queryset = queryset.with_freshness().annotate(rank=self.engine.rank() if self.engine else Value(0.0))
        elif sort == DISTANCE:
            queryset = queryset.with_freshness().annotate(
                remote=Case(When(distance__isnull=True, then=Value(1)), default=Value(0))
            )
        return queryset, self._ordering()

    def _ordering(self) -> list[str]:
        """The chosen order, by the names `_in_order` annotates (ending in pk, so stable)."""
        sort = self.params.effective_sort
        # Listings nobody has confirmed for a long time rank below fresher ones (the
        # public is told they may be out of date); alphabetical order stays alphabetical.
        if sort == RELEVANCE:
            return ["very_stale", "-rank", "name", "pk"]
        if sort == DISTANCE:
            # Services with a place come first, nearest first; then those by phone, video or text.
            return ["remote", "very_stale", "distance", "name", "pk"]
        return ["name", "pk"]

    def results(self, page: str | int | None = 1) -> SearchResults:
        """How many services match, the option counts, and one page of the services in
        order: InvalidPage for a page number that is not a whole number from 1 to the last."""
        number = page_number(page)
        counts = self.counts(FACETS, page=number)
        if counts.total == 0 and len(self.keywords.terms) > 1:
            self.relaxed = True
            relaxed = self.counts(FACETS, page=number)
            if relaxed.total:
                counts = relaxed
            else:
                self.relaxed = False
        paginator = Paginator(range(counts.total), PAGE_SIZE)
        paginator.validate_number(number)
        return SearchResults(self, counts.total, counts.options, Page(counts.page, number, paginator))

    def option_counts(self, facet: str) -> dict[str, int]:
        """How many services each option of one filter would give, the others kept."""
        return self.counts([facet], total=False).options[facet]

    def counts(self, facets: Iterable[str], total: bool = True, page: int | None = None) -> Counts:
        """How many services match, and for each option of each filter how many there
        would be with it chosen (the other filters kept, this one's other choices set
        aside), in one statement.

        The costly part (keywords, place, map area, age) is worked out once, in a common
        table expression that also records, as the bits of `mask`, which of the filters
        in use each service passes. The count for filter F's options reads the services
        that pass every filter but F; the total reads those that pass them all; and one
        page of those, in order, is read there too (their ids and distances)."""
        quote = connection.ops.quote_name
        active = [facet for facet in FACETS if self.params.values(facet)]
        bits = {facet: 1 << i for i, facet in enumerate(active)}
        everything = (1 << len(active)) - 1
        core_queryset, ordering = self.matching(facets=False), []
        fields: list[str] = []
        keys: dict[str, str] = {}
        near, near_params = "", []
        if page is not None and self.params.place:
            # Each service's nearest place within the radius, worked out once: it says which
            # services are near, and how near. A matching service with a place has one within
            # the radius, so this is its nearest place in the box (as `_in_order`).
            nearest = (
                near_locations(self.params.place, self.params.radius)
                .values("service_id")
                .annotate(nearest=Min("distance"))
                .order_by()
            )
            near_sql, near_params = nearest.query.sql_with_params()
            near = f"search_near (service_id, nearest) AS ({near_sql}), "
            core_queryset = self.matching(facets=False, near=RawSQL("SELECT service_id FROM search_near", []))
            keys["remote"] = "CASE WHEN n.nearest IS NULL THEN 1 ELSE 0 END"
            keys["distance"] = "n.nearest"
        if page is not None:
            # The page's order is worked out here too, once per service, so that the page
            # is the first rows of search_base in that order (as `_in_order`, but a place's
            # nearest location comes from the locations within the radius, not a join of all).
            ordering = self._ordering()
            sort = self.params.effective_sort
            if sort in (RELEVANCE, DISTANCE):
                core_queryset = core_queryset.with_freshness()
            if sort == RELEVANCE:
                core_queryset = core_queryset.annotate(rank=self.engine.rank() if self.engine else Value(0.0))
            fields = [name.lstrip("-") for name in ordering if name not in ("pk", "remote", "distance")]
            keys = {name: f"c.{quote(name)}" for name in fields} | keys
        core, core_params = core_queryset.order_by().values("pk", "cost", "gender", *fields).query.sql_with_params()
        mask, mask_params = ["0"], []
        for facet in active:
            condition, condition_params = self._facet_sql(facet, f"c.{quote('pk')}", "c")
            mask.append(f"CASE WHEN {condition} THEN {bits[facet]} ELSE 0 END")
            mask_params.extend(condition_params)
        join = f" LEFT JOIN search_near n ON n.service_id = c.{quote('pk')}" if near else ""
        # Only table and column names from the models, and numbers, go into the text;
        # every value is a parameter.
        sql = (
            f"WITH {near}search_base (id, cost, gender, mask{''.join(f', {quote(k)}' for k in keys)}) AS "  # noqa: S608
            f"(SELECT c.{quote('pk')}, c.cost, c.gender, {' + '.join(mask)}"
            f"{''.join(f', {expression}' for expression in keys.values())} FROM ({core}) c{join})"
        )
        params = [*near_params, *mask_params, *core_params]
        parts: list[str] = []

        def passes(facet: str | None) -> str:
            """The services that pass every filter in use but `facet`."""
            if bits.get(facet, 0) == everything:
                # Always true: say nothing, or the planner guesses few rows and picks slow plans.
                return "1 = 1"
            return f"(b.mask | {bits.get(facet, 0)}) = {everything}"

        if total:
            parts.append(f"SELECT %s, '', COUNT(*), 0, CAST(NULL AS FLOAT) FROM search_base b WHERE {passes(None)}")  # noqa: S608
            params.append("")
        for facet in facets:
            if facet in ("cost", "gender"):
                select = f"SELECT %s, b.{facet}, COUNT(*), 0, CAST(NULL AS FLOAT) FROM search_base b"  # noqa: S608
                parts.append(f"{select} WHERE {passes(facet)} GROUP BY b.{facet}")
                params.append(facet)
                continue
            if facet == "referral":
                table, column = quote(ReferralRoute._meta.db_table), "kind"
            else:
                through, column = FACET_TABLES[facet]
                table, column = quote(through._meta.db_table), quote(column)
            # A language offered two ways (staff and written) is still one service.
            count = "COUNT(DISTINCT t.service_id)" if facet == "language" else "COUNT(*)"
            extra = "0"
            params.append(facet)
            if facet == "community":
                # Services for all racialised communities count towards every community:
                # count each community's services without them too.
                for_all = f"SELECT service_id FROM {table} WHERE community_id = %s"  # noqa: S608
                extra = f"SUM(CASE WHEN t.service_id IN ({for_all}) THEN 0 ELSE 1 END)"
                params.append(self.vocabulary.community_all_id or 0)
            parts.append(
                f"SELECT %s, CAST(t.{column} AS TEXT), {count}, {extra}, CAST(NULL AS FLOAT) FROM {table} t "  # noqa: S608
                f"INNER JOIN search_base b ON b.id = t.service_id WHERE {passes(facet)} GROUP BY t.{column}"
            )
        if page is not None:
            # The page's services in the chosen order (ending in the id, so stable), from the
            # same matching services; only the page's rows are numbered.
            columns = {name: "id" if name == "pk" else quote(name.lstrip("-")) for name in ordering}
            order = ", ".join(f"{columns[n]} {'DESC' if n.startswith('-') else 'ASC'}" for n in ordering)
            distance = f"p.{quote('distance')}" if self.params.place else "CAST(NULL AS FLOAT)"
            start = (page - 1) * PAGE_SIZE
            listed = f"SELECT * FROM search_base b WHERE {passes(None)} ORDER BY {order} LIMIT %s OFFSET %s"  # noqa: S608
            number = f"%s + ROW_NUMBER() OVER (ORDER BY {order})"
            parts.append(f"SELECT %s, CAST(p.id AS TEXT), {number}, 0, {distance} FROM ({listed}) p")  # noqa: S608
            params.extend(["page", start, PAGE_SIZE, start])
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} {' UNION ALL '.join(parts)}", params)
            rows = cursor.fetchall()
        counts = self._read_counts([row for row in rows if row[0] != "page"], facets)
        listed = sorted((position, int(pk), distance) for key, pk, position, _x, distance in rows if key == "page")
        counts.page = self._page_of([(pk, distance if self.params.place else None) for _p, pk, distance in listed])
        return counts

    @staticmethod
    def _page_of(rows: list[tuple[int, float | None]]) -> list[Service]:
        """The services of a page, in order, with what a result row shows and `distance`."""
        found = with_result_details(Service.objects.filter(pk__in=[pk for pk, _d in rows])) if rows else []
        by_id = {service.pk: service for service in found}
        services = []
        for pk, distance in rows:
            service = by_id[pk]
            service.distance = distance
            services.append(service)
        return services

    def _facet_sql(self, facet: str, id_column: str, alias: str) -> tuple[str, list]:
        """One filter as SQL on a row of services: id_column, alias.cost, alias.gender."""
        values = list(self.params.values(facet))
        if facet in ("cost", "gender"):
            if facet == "gender" and set(values) - {Gender.ANY}:
                values = [*values, Gender.ANY]
            placeholders = ", ".join(["%s"] * len(values))
            return f"{alias}.{facet} IN ({placeholders})", values
        # facet_q is pk__in=<a query of service ids>: reuse that query.
        ((_lookup, subquery),) = facet_q(facet, values, self.vocabulary).children
        sql, sub_params = subquery.query.sql_with_params()
        return f"{id_column} IN ({sql})", list(sub_params)

    def _read_counts(self, rows: list[tuple], facets: Iterable[str]) -> Counts:
        found: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
        total = 0
        for facet, value, n, extra, _distance in rows:
            if facet == "":
                total = n
            else:
                found[facet][value] = (n, extra or 0)
        options: dict[str, dict[str, int]] = {}
        for facet in facets:
            rows_for = found.get(facet, {})
            if facet in ("cost", "referral"):
                options[facet] = {value: n for value, (n, _e) in rows_for.items()}
            elif facet == "gender":
                anyone = rows_for.get(Gender.ANY, (0, 0))[0]
                options[facet] = {
                    value: rows_for.get(value, (0, 0))[0] + (anyone if value != Gender.ANY else 0)
                    for value in Gender.values
                }
            elif facet == "community":
                all_id = self.vocabulary.community_all_id
                everyone = rows_for.get(str(all_id), (0, 0))[0]
                options[facet] = {
                    c.slug: everyone if c.pk == all_id else rows_for.get(str(c.pk), (0, 0))[1] + everyone
                    for c in self.vocabulary.communities
                }
            else:
                options[facet] = {
                    option.value: rows_for.get(str(option.term.pk), (0, 0))[0]
                    for option in self.vocabulary.options(facet)
                }
        return Counts(total, options)

    # --- Map ------------------------------------------------------------------------

    def map_points(self) -> QuerySet:
        """One row per location of each matching service (within the radius and the box)."""
        params = self.params
        services = self.matching().order_by().values("pk")
        if params.place:
            points = near_locations(params.place, params.radius).filter(service_id__in=services)
        else:
            points = ServiceLocation.objects.filter(
                service_id__in=services, location__latitude__isnull=False, location__longitude__isnull=False
            )
        if params.bbox:
            points = points.filter(in_box(params.bbox))
        return points

    def geojson(self, url_for_slug) -> dict:
        """A GeoJSON FeatureCollection for the map, in one statement: every point up to
        MAP_MAX_POINTS, past that a grid of at most MAP_CLUSTER_GRID² cells over the
        searched area (a cell holding one point stays that service's point). Kept in the
        cache until a listing changes (partners.map_cache); whether each place is open now
        is worked out afresh on every request."""
        params = self.params
        collection, hours = map_cache.answer(
            params,
            lambda: self._map_features(url_for_slug),
            cacheable=not (params.open_now or params.taking_new or params.bbox),
        )
        for index, written in hours:
            if hours_now := opening.status(read_hours(written)):
                collection["features"][index]["properties"]["hours"] = hours_now
        return collection

    def _map_features(self, url_for_slug) -> tuple[dict, list[tuple[int, object]]]:
        """The collection without opening hours, and (feature index, hours as written) of
        the points that have some."""
        if len(self.keywords.terms) > 1 and not self.matching().exists():
            self.relaxed = True
        params = self.params
        points = (
            self.map_points()
            .order_by()
            .annotate(
                point_latitude=F("location__latitude"),
                point_longitude=F("location__longitude"),
                point_distance=F("distance") if params.place else Value(None, output_field=FloatField()),
            )
            .values_list("service_id", "location_id", "point_latitude", "point_longitude", "point_distance")
        )
        inner, inner_params = points.query.sql_with_params()
        if params.bbox:
            west, south, east, north = params.bbox
            grid = ["%s", "%s", "%s", "%s"]
            grid_params = [south, max((north - south) / MAP_CLUSTER_GRID, 1e-6)]
            grid_params += [west, max((east - west) / MAP_CLUSTER_GRID, 1e-6)]
        else:
            cells = MAP_CLUSTER_GRID
            grid = [
                "e.south",
                f"CASE WHEN e.north > e.south THEN (e.north - e.south) / {cells} ELSE 0.000001 END",
                "e.west",
                f"CASE WHEN e.east > e.west THEN (e.east - e.west) / {cells} ELSE 0.000001 END",
            ]
            grid_params = []
        quote = connection.ops.quote_name
        service, organisation, location = (quote(model._meta.db_table) for model in (Service, Organisation, Location))
        # Only table names from the models and numbers go into the text; values are parameters.
        sql = f"""
            WITH map_points AS ({inner}),
            map_extent AS (
                SELECT COUNT(*) AS n, MIN(point_latitude) AS south, MAX(point_latitude) AS north,
                       MIN(point_longitude) AS west, MAX(point_longitude) AS east
                FROM map_points
            )
            SELECT r.n, r.latitude, r.longitude, r.south, r.north, r.west, r.east, r.distance, r.total,
                   s.name, s.slug, o.name, SUBSTR(s.description, 1, 400), l.address, l.town, l.postcode,
                   CASE WHEN s.phone <> '' THEN s.phone ELSE o.phone END, s.hours
            FROM (
                SELECT 1 AS n, p.point_latitude AS latitude, p.point_longitude AS longitude,
                       NULL AS south, NULL AS north, NULL AS west, NULL AS east,
                       p.service_id, p.location_id, p.point_distance AS distance, e.n AS total
                FROM map_points p CROSS JOIN map_extent e
                WHERE e.n <= %s
                UNION ALL
                SELECT COUNT(*), AVG(p.point_latitude), AVG(p.point_longitude),
                       MIN(p.point_latitude), MAX(p.point_latitude), MIN(p.point_longitude), MAX(p.point_longitude),
                       MIN(p.service_id), MIN(p.location_id), NULL, MAX(e.n)
                FROM map_points p CROSS JOIN map_extent e
                WHERE e.n > %s
                GROUP BY FLOOR((p.point_latitude - {grid[0]}) / {grid[1]}),
                         FLOOR((p.point_longitude - {grid[2]}) / {grid[3]})
            ) r
            LEFT JOIN {service} s ON r.n = 1 AND s.id = r.service_id
            LEFT JOIN {organisation} o ON o.id = s.organisation_id
            LEFT JOIN {location} l ON r.n = 1 AND l.id = r.location_id
            ORDER BY r.n, s.name, r.service_id, r.location_id, r.latitude, r.longitude
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [*inner_params, MAP_MAX_POINTS, MAP_MAX_POINTS, *grid_params])
            rows = cursor.fetchall()
        # The visitor's language where the listing has it (one query); English otherwise,
        # marked so the map can give it lang="en" (`inEnglish`).
        language = active_language()
        texts = service_texts(row[10] for row in rows if row[0] == 1)
        features, hours_of, total = [], [], 0
        for (
            n,
            lat,
            lon,
            s_,
            n_,
            w_,
            e_,
            distance,
            row_total,
            name,
            slug,
            org,
            description,
            address,
            town,
            postcode,
            phone,
            hours,
        ) in rows:
            total = row_total
            if n == 1:
                own = texts.get(slug, {})
                # Only what the popup (static/js/map.js) shows: every byte is sent ~1,000 times.
                properties = {
                    "name": own.get("name") or name,
                    "url": url_for_slug(slug),
                    "organisation": org,
                    "summary": summary_of(own.get("description") or description),
                    "address": ", ".join(part for part in (address, town, postcode) if part),
                }
                if language is not None:
                    properties["inEnglish"] = [
                        shown for shown, written in (("name", "name"), ("summary", "description")) if written not in own
                    ]
                if phone:  # the service's number, else its organisation's, as Service.phone_to_call
                    properties["phone"] = phone
                if hours:
                    hours_of.append((len(features), hours))
                if distance is not None:
                    properties["distance"] = round(distance, 2)
            else:
                properties = {"cluster": True, "count": n, "bounds": [w_, s_, e_, n_]}
            features.append(_point(lat, lon, properties))
        collection = {
            "type": "FeatureCollection",
            "features": features,
            "properties": {"count": total, "clustered": total > MAP_MAX_POINTS},
        }
        return collection, hours_of


@dataclass
class Counts:
    total: int
    options: dict[str, dict[str, int]]
    page: list[Service] = field(default_factory=list)


@dataclass
class SearchResults:
    search: Search
    count: int
    option_counts: dict[str, dict[str, int]]
    page: Page  # this page's services, in order, with `distance` when the search had a place

    @property
    def relaxed(self) -> bool:
        return self.search.relaxed

    @property
    def sort(self) -> str:
        return self.search.params.effective_sort

    @cached_property
    def queryset(self) -> QuerySet[Service]:
        """Every matching service, in order (for callers that want them all)."""
        return self.search.ordered()


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


def _point(latitude: float, longitude: float, properties: dict) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(longitude, 5), round(latitude, 5)]},  # about a metre
        "properties": properties,
    }


def summary_of(description: str, limit: int = 200) -> str:
    """The first sentence, as Service.summary, cut at a word if it is very long."""
    text = " ".join((description or "").split())
    end = text.find(". ")
    text = text if end == -1 else text[: end + 1]
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return text


def search(
    params: SearchParams, vocabulary: Vocabulary, backend: str | None = None, page: str | int | None = 1
) -> SearchResults:
    """The services matching a search: how many, the option counts and one page, in order."""
    return Search(params, vocabulary, backend).results(page)
