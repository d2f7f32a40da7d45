"""The one keyword engine of the site, the map and the API: words, synonyms, stems, typos,
translations; PostgreSQL full-text search, or a portable substring fallback (SQLite)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.postgres.search import SearchVectorField
from django.db import connection
from django.db.models import Case, Expression, FloatField, Func, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from .. import search_words
from ..models import (
    Organisation,
    Service,
    ServiceCommunity,
    ServiceLanguage,
    ServiceSupport,
    ServiceTranslation,
    SupportType,
)

if TYPE_CHECKING:
    from .vocabulary import Vocabulary

# Longest keyword text we read, in words; longer queries are trimmed.
MAX_TERMS = 8
# pg_trgm word similarity a misspelt word needs to count as a match.
TYPO_SIMILARITY = 0.7
TYPO_MIN_LENGTH = 5
# What rank() adds for a term matched through each of these arms (PostgresKeywords._arms).
RANK_BONUS = {"support": 0.4, "organisation": 0.1, "named": 0.3, "typo": 0.2}
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


@dataclass(frozen=True)
class QueryTexts:
    """`PostgresKeywords.query_texts`: (English, simple) per term, and the whole query's."""

    terms: list[tuple[str, str]]
    english: str
    simple: str


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
    running it. Every value the visitor typed is a parameter.

    listed: every word is known to be in the listings (a "Did you mean" correction is made
    of listing words), so no query asks which are, and no word is matched by typo guesses."""

    def __init__(self, keywords: Keywords, listed: bool = False):
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
        self._texts: QueryTexts | None = None  # query_texts
        self.known = [True] * len(keywords.terms) if listed else self._known_terms()
        # What partners.keyword_index read for this search, by facet index.
        self.index_reads: dict = {}

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
        support, support_params = self.support_types(index)
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
                f"SELECT service_id FROM {t['service_support']} WHERE supporttype_id IN ({support})",  # noqa: S608
                support_params,
            ),
            # The organisations as one array, not a join: the planner, which expects
            # thousands of them for a word with synonyms, ran this part in parallel
            # workers, whose start cost 8-18 ms for no organisation at all (measured at
            # 100,000 services); by the array it reads the services by key.
            "organisation": (
                f"SELECT id FROM {t['service']} WHERE organisation_id = ANY(ARRAY("  # noqa: S608
                f"SELECT id FROM {t['organisation']} WHERE {organisation}))",
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

    def support_types(self, index: int, typo: bool | None = None) -> tuple[str, list]:
        """The ids of the support types that term `index` names (in their name or
        description; with typo, by default for an unknown word, a similar name), as a
        subquery."""
        term = self.keywords.terms[index]
        tsquery, params = self.tsquery(term)
        document = "to_tsvector('english', COALESCE(name, '') || ' ' || COALESCE(description, ''))"
        condition = f"{document} @@ {tsquery}"
        if self._typo(index) if typo is None else typo:
            condition += " OR word_similarity(%s, name) >= %s"
            params += [term.word, TYPO_SIMILARITY]
        return f"SELECT id FROM {self.tables['support_type']} WHERE {condition}", params  # noqa: S608

    def _known_terms(self) -> list[bool]:
        """Which terms the listings contain, in one query: only unknown words (most likely
        misspelt) are looked up by trigram similarity, which is slower and fuzzier."""
        t = self.tables
        checks, params = [], []
        for index, term in enumerate(self.keywords.terms):
            if term.language_ids or term.community_ids:
                checks.append("TRUE")
                continue
            tsquery, tsquery_params = self.tsquery(term)
            simple, simple_params = self.tsquery(term, "simple")
            support, support_params = self.support_types(index, typo=False)
            checks.append(
                f"(EXISTS(SELECT 1 FROM {t['service']} WHERE search_vector @@ {tsquery})"  # noqa: S608
                f" OR EXISTS(SELECT 1 FROM {t['organisation']} WHERE search_vector @@ {tsquery})"
                f" OR EXISTS({support})"
                f" OR EXISTS(SELECT 1 FROM {t['translation']} WHERE search_vector @@ {simple}))"
            )
            params += tsquery_params * 2 + support_params + simple_params
        if not checks:
            return []
        # The query texts in the same statement: a keyword search on the facet index asks
        # for them next (partners.word_index).
        texts, texts_params = self._texts_columns()
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(checks + texts), params + texts_params)
            row = cursor.fetchone()
        self._texts = self._texts_of(row[len(checks) :])
        return list(row[: len(checks)])

    def condition(self, term: Term, index: int) -> Q:
        # OR of separate IN conditions: PostgreSQL hashes each subquery once and probes the
        # hashes (one IN of a UNION becomes a join that it plans worse).
        condition = Q()
        for sql, params in self._arms(term, index).values():
            condition |= Q(pk__in=RawSQL(sql, params))  # noqa: S611
        return condition

    def all_tsquery(self, config: str = "english") -> tuple[str, list]:
        """Every term as one tsquery (OR): what the rank weighs."""
        queries = [self.tsquery(term, config) for term in self.keywords.terms]
        return " || ".join(sql for sql, _p in queries), [p for _s, ps in queries for p in ps]

    def rank(self) -> Expression:
        # ts_rank's default weights: A 1.0 (name), C 0.2 (description). Support types sit
        # between (B 0.4), the organisation's name below (D 0.1).
        score = Func(_vector(), RawSQL(*self.all_tsquery()), function="ts_rank", output_field=FloatField())  # noqa: S611
        # The best-matching translation ranks with the same weights as the English text, so
        # a service described in Urdu or Polish is not pushed below English ones.
        simple_tsquery = RawSQL(*self.all_tsquery("simple"))  # noqa: S611
        translated = (
            ServiceTranslation.objects.filter(service=OuterRef("pk"))
            .annotate(rank=Func(_vector(), simple_tsquery, function="ts_rank", output_field=FloatField()))
            .order_by("-rank")
            .values("rank")[:1]
        )
        score = score + Coalesce(Subquery(translated, output_field=FloatField()), Value(0.0))
        # partners.keyword_index adds the same bonuses in the same order (floating point).
        for index, term in enumerate(self.keywords.terms):
            for name, (sql, params) in self._arms(term, index).items():
                if name in RANK_BONUS:
                    score = score + _bonus(Q(pk__in=RawSQL(sql, params)), RANK_BONUS[name])  # noqa: S611
        return score

    # --- For the facet index (partners.keyword_index) ------------------------------

    def query_texts(self) -> QueryTexts:
        """The text forms of the tsqueries, as PostgreSQL writes them (stemmed, each word
        quoted), for partners.word_index: read with the words the listings hold, or by a
        statement of their own; then kept."""
        if self._texts is None:
            texts, params = self._texts_columns()
            with connection.cursor() as cursor:
                cursor.execute("SELECT " + ", ".join(texts), params)
                self._texts = self._texts_of(cursor.fetchone())
        return self._texts

    def _texts_columns(self) -> tuple[list[str], list]:
        queries = [self.tsquery(term, config) for term in self.keywords.terms for config in ("english", "simple")]
        queries += [self.all_tsquery(), self.all_tsquery("simple")]
        return [f"CAST({sql} AS text)" for sql, _p in queries], [p for _s, ps in queries for p in ps]

    def ts_ranks(self, vectors: list[tuple[str, str]]) -> list[float]:
        """PostgreSQL's ts_rank of each (configuration, vector in text form) for the whole
        query in that configuration, in one statement (partners.word_index asks it when a
        word is in the query both as a prefix and whole)."""
        parts, params = [], []
        for config, vector in vectors:
            query, query_params = self.all_tsquery(config)
            parts.append(f"ts_rank(CAST(%s AS tsvector), {query})")
            params += [vector, *query_params]
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            return list(cursor.fetchone())

    @staticmethod
    def _texts_of(row) -> QueryTexts:
        return QueryTexts(list(zip(row[:-2:2], row[1:-2:2], strict=True)), row[-2], row[-1])

    def all_arms(self) -> list[tuple[int, str, str, list]]:
        """(term number, arm name, SQL, parameters) of every arm of every term."""
        return [
            (index, name, sql, params)
            for index, term in enumerate(self.keywords.terms)
            for name, (sql, params) in self._arms(term, index).items()
        ]

    def arms_statement(self, arms: list[tuple[int, str, str, list]], ranked: bool = False) -> tuple[str, list]:
        """One statement reading the given arms (from `all_arms`), one row each: (its number
        in `arms`, the ids of its services as big-endian 8-byte integers, NULL). Bytes, not
        a row per id: tens of thousands of ids are read with one `struct.unpack` (a row per
        id cost more Python time than the rest of the search).

        ranked: also the rows of `rank_statement()` (every service's rank), with the text
        arms among `arms` picked out of the same rows rather than read by a second scan of
        the same services (measured at 100,000 services: 13 % of the statements of the
        benchmark's words): one statement for a search whose words are all new."""
        ctes, parts, params = [], [], []
        texts: dict[int, int] = {}
        for n, (index, name, sql, arm_params) in enumerate(arms):
            if ranked and name == "text":
                texts[n] = index
                continue
            ctes.append(f"search_arm_{n} (id) AS MATERIALIZED ({sql})")
            params += arm_params
            parts.append(
                f"SELECT {n}, string_agg(int8send(CAST(id AS bigint)), ''), CAST(NULL AS bytea) "  # noqa: S608
                f"FROM search_arm_{n}"
            )
        if ranked:
            rank, rank_params = self._rank_rows("TRUE", [], texts)
            parts.append(rank)
            params += rank_params
        statement = " UNION ALL ".join(parts)
        return (f"WITH {', '.join(ctes)} {statement}" if ctes else statement), params

    def rank_statement(self, ids: list[int] | None = None) -> tuple[str, list]:
        """One statement reading the full-text part of `rank()` for the services `ids`
        wherever it is not zero, in rows of the shape of `arms_statement`: -1 for the
        services' ts_rank, -2 for each service's best translation's, with the ids and their
        ranks as big-endian 4-byte reals (exact), in the same order. The ids are one array
        (written by `repr`, a loop in C), so that the planner may read them by primary key
        when they are few against the services holding a word (measured at 100,000: 8,400
        ids by key 20 ms, against 58 ms through the words' 36,000). None: every service's,
        straight through the word index (measured at 100,000, "women", 29,000 services:
        42 ms, against 93 ms through its matches, which the planner, blind to a CTE's
        size, read one by one by primary key)."""
        if ids is None:
            return self._rank_rows("TRUE", [])
        return self._rank_rows("{id} = ANY(CAST(%s AS bigint[]))", ["{" + repr(list(ids))[1:-1] + "}"])

    def _rank_rows(self, among: str, among_params: list, texts: dict[int, int] | None = None) -> tuple[str, list]:
        """`rank_statement` for the services meeting `among`, SQL about the id "{id}";
        texts ({row number: term number}): also those rows, the ids of the services whose
        text holds that term (its text arm), picked out of the same rows.

        ts_rank is zero unless the vector holds a word of the query, so only the vectors
        matching `_loose` are ranked (every vector holding a term is among them).
        Hand-written as the arms; measured at 100,000 services, ranking every vector
        holding a word (not only the services to order) cost up to 110 ms where the 18,000
        matching services cost 40."""
        t = self.tables
        english, english_params = self.all_tsquery()
        simple, simple_params = self.all_tsquery("simple")
        holds, rows, holds_params = "", "", []
        for n, term in (texts or {}).items():
            tsquery, tsquery_params = self.tsquery(self.keywords.terms[term])
            holds += f", string_agg(int8send(id), '') FILTER (WHERE search_vector @@ {tsquery}) AS holds_{n}"
            rows += f", ({n}, a.holds_{n}, CAST(NULL AS bytea))"
            holds_params += tsquery_params
        # Two aggregates over the same rows see them in the same order.
        text = (
            "SELECT v.* FROM (SELECT string_agg(int8send(id), '') AS ids, "  # noqa: S608
            f"string_agg(float4send(ts_rank(search_vector, {english})), '') AS ranks{holds} "
            f"FROM {t['service']} WHERE {among.format(id='id')} AND search_vector @@ {_loose(english)}) a "
            f"CROSS JOIN LATERAL (VALUES (-1, a.ids, a.ranks){rows}) v"
        )
        translation = (
            "SELECT -2, string_agg(int8send(service_id), ''), string_agg(float4send(rank), '') "  # noqa: S608
            f"FROM (SELECT CAST(service_id AS bigint) AS service_id, MAX(ts_rank(search_vector, {simple})) AS rank "
            f"FROM {t['translation']} WHERE {among.format(id='service_id')} "
            f"AND search_vector @@ {_loose(simple)} GROUP BY service_id) r"
        )
        params = [*english_params, *holds_params, *among_params, *english_params]
        params += [*simple_params, *among_params, *simple_params]
        return f"{text} UNION ALL {translation}", params


def _loose(tsquery: str) -> str:
    """The tsquery with every AND and phrase operator made an OR: it matches every vector
    holding any of its words. ts_rank weighs each word of a phrase on its own, so a vector
    with only one word of "low mood" ranks above zero without matching the phrase. The
    text form of a tsquery quotes each lexeme, and ours hold only letters and digits."""
    return f"CAST(regexp_replace(CAST({tsquery} AS text), '<[0-9-]+>|&', '|', 'g') AS tsquery)"


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


def keyword_backend(keywords: Keywords, backend: str | None = None, *, listed: bool = False):
    """PostgreSQL full-text search where we have it, the portable fallback elsewhere
    (listed: see PostgresKeywords; the fallback never guesses at typos)."""
    backend = backend or ("postgres" if connection.vendor == "postgresql" else "basic")
    return PostgresKeywords(keywords, listed) if backend == "postgres" else BasicKeywords(keywords)


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
