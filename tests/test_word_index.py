"""The words kept in memory (partners.word_index) give PostgreSQL's own ts_rank to the last
bit and the same matches as its @@, on generated listings whose words repeat in names and
descriptions, share prefixes and come in translations; and a keyword search ranked from
them runs no ranking statement."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners import facet_index, keyword_index, map_cache
from partners.models import Service, ServiceTranslation, Status
from partners.search import FACETS, Search, SearchParams, Vocabulary
from partners.word_index import WordIndex, _distinct, _f32, contribution
from tests.factories import make_organisation, make_service

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="ts_rank is PostgreSQL's")

# Words that share prefixes (care, carer, carers, careful), stem alike (family, families)
# or are synonyms of each other, so that prefix words match several lexemes of a vector.
VOCABULARY = [
    "care",
    "carer",
    "carers",
    "caring",
    "careful",
    "family",
    "families",
    "parent",
    "parents",
    "parenting",
    "women",
    "woman",
    "ladies",
    "counselling",
    "counsellor",
    "therapy",
    "talking",
    "listening",
    "anxiety",
    "anxious",
    "worry",
    "stress",
    "lonely",
    "loneliness",
    "befriending",
    "walking",
    "exercise",
    "faith",
    "mosque",
    "church",
    "grief",
    "bereavement",
    "loss",
    "low",
    "mood",
    "depression",
    "youth",
    "young",
    "youngsters",
    "harmony",
    "harm",
    "people",
    "refugee",
    "asylum",
    "seekers",
    "housing",
    "money",
    "debt",
    "drink",
    "alcohol",
    "gambling",
    "art",
    "crafts",
]
POLISH = ["rodzina", "wsparcie", "opieka", "samotny", "grupa", "rozmowa", "lęk", "żałoba", "kobiety", "młodzież"]
QUERIES = [
    "carers",
    "care",
    "family",
    "counselling women",
    "anxious",
    "lonely walking",
    "low mood",
    "depression",
    "faith",
    "grief",
    "drink gambling",
    "crafts exercise",
    "parents",
    "rodzina",
    "wsparcie samotny",
    "money housing",
    "stress worry",
    "ladies",
    "the",
    "zzzz",
    # A word both a prefix and whole: "young" and "young people", "asylum" and "asylum
    # seekers" (and "self harm", with "harm" and "harmony" in the listings).
    "young",
    "asylum",
    "self harm",
    "talking therapy",
]


def _sentence(rng: random.Random, words: list[str], longest: int) -> str:
    return " ".join(rng.choice(words) for _n in range(rng.randint(1, longest)))


@pytest.fixture
def listings(db):
    """60 services (a few drafts) whose names and descriptions repeat words of VOCABULARY
    (one description holds a word 300 times: more positions than a vector keeps), with
    translations for every third, two for some."""
    rng = random.Random(7)
    organisation = make_organisation("Words Trust")
    services = []
    for n in range(60):
        services.append(
            make_service(
                f"{_sentence(rng, VOCABULARY, 4)} {n}",
                organisation=organisation,
                description=_sentence(rng, VOCABULARY, 40),
                status=Status.DRAFT if n % 17 == 0 else Status.PUBLISHED,
            )
        )
    Service.objects.filter(pk=services[5].pk).update(description=" ".join(["carers"] * 300))
    translations = []
    for n, service in enumerate(services[::3]):
        translations.append(
            ServiceTranslation(
                service=service,
                language="pl",
                name=_sentence(rng, POLISH, 3),
                description=_sentence(rng, POLISH + VOCABULARY[:10], 20),
            )
        )
        if n % 4 == 0:
            translations.append(
                ServiceTranslation(service=service, language="ur", name="مدد", description=_sentence(rng, POLISH, 8))
            )
    ServiceTranslation.objects.bulk_create(translations)
    map_cache.directory_changed()  # update() and bulk_create send no signal
    return services


def _sql_ranks(engine, length: int):
    sql, params = engine.rank_statement(None)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return keyword_index._ranks_of(cursor.fetchall(), length)


def _sql_holding(query_sql: str, params: list, translation: bool) -> set[int]:
    table, column = ("partners_servicetranslation", "service_id") if translation else ("partners_service", "id")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE search_vector @@ {query_sql}", params)  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def _searches():
    """(the words, their engine, its query texts) of each of QUERIES with meaningful words."""
    vocabulary = Vocabulary.load()
    for q in QUERIES:
        engine = Search(SearchParams(q=q), vocabulary).engine
        if engine is not None:
            yield q, engine, engine.query_texts()


@on_postgres
def test_the_ranks_worked_out_from_the_words_are_ts_ranks_to_the_last_bit(listings):
    words = WordIndex.build()
    length = max(service.pk for service in listings) + 1
    compared = 0
    for q, engine, texts in _searches():
        mine = words.ranks(texts.english, texts.simple, length, engine.ts_ranks)
        assert mine is not None, q
        sql = _sql_ranks(engine, length)
        assert list(mine[:length]) == list(sql[:length]), q
        if q not in ("the", "zzzz"):
            assert any(mine), q  # not a comparison of zeros
        compared += 1
    assert compared >= 15


@on_postgres
def test_the_services_holding_a_terms_words_are_those_its_query_matches(listings):
    words = WordIndex.build()
    compared = 0
    for q, engine, texts in _searches():
        for n, term in enumerate(engine.keywords.terms):
            for translation, config in ((False, "english"), (True, "simple")):
                text = texts.terms[n][translation]
                held = words.holding(text, translation)
                if "<" in text:
                    assert held is None, q  # a phrase: the SQL reads it
                    continue
                assert set(held.tolist()) == _sql_holding(*engine.tsquery(term, config), translation), (q, config)
                compared += bool(len(held))
    assert compared >= 15


@on_postgres
def test_each_weights_contribution_gives_ts_rank_of_a_one_word_vector(db):
    with connection.cursor() as cursor:
        for weights in ["A", "C", "AC", "CC", "AAC", "D", "B", "CA", "A" * 5 + "C" * 40]:
            vector = " ".join(f"carer:{n + 1}{letter}" for n, letter in enumerate(weights))
            cursor.execute("SELECT ts_rank(CAST(%s AS tsvector), CAST('carer' AS tsquery))", [vector])
            (rank,) = cursor.fetchone()
            assert _f32(contribution(weights)) == _f32(rank), weights


def test_queries_ts_rank_does_not_sum_are_left_to_the_sql():
    # An AND or a phrase at the top (calc_rank_and), a negation, a weight.
    assert _distinct("'low' <-> 'mood'") is None
    assert _distinct("'care':* & 'famili':*") is None
    assert _distinct("'care':* | !'famili'") is None
    assert _distinct("'care':*A | 'famili'") is None
    # An OR at the top, with a phrase below it: summed, each word once, in byte order; a
    # word both whole and as a prefix is settled by asking PostgreSQL (None until then).
    assert _distinct("'low' <-> 'mood' | 'depress':* | 'depress':*") == [
        ("depress", True),
        ("low", False),
        ("mood", False),
    ]
    assert _distinct("'young':* | 'young' <-> 'peopl'") == [("peopl", False), ("young", None)]
    assert _distinct("'carer':*") == [("carer", True)]
    assert _distinct("") == []


@on_postgres
def test_a_keyword_search_ranked_from_the_words_runs_no_ranking_statement(listings):
    vocabulary = Vocabulary.load()
    index = facet_index.current()
    assert index.words() is not None
    with CaptureQueriesContext(connection) as captured:
        found = Search(SearchParams(q="counselling women"), vocabulary).counts(FACETS, page=1)
    statements = [query["sql"] for query in captured.captured_queries]
    assert found.total > 1
    assert not [sql for sql in statements if "ts_rank" in sql]
    assert index.keyword_ranks  # kept for the next page


@on_postgres
def test_without_the_words_the_sql_ranks_alike(listings):
    # As when they could not be loaded: the ranks come from a statement, the page is the same.
    vocabulary = Vocabulary.load()
    index = facet_index.current()
    pages = {}
    for words in (True, False):
        index.keyword_ranks.clear()
        index._words = None if words else False
        with CaptureQueriesContext(connection) as captured:
            found = Search(SearchParams(q="young carers"), vocabulary).counts(FACETS, page=1)
        assert bool([q for q in captured.captured_queries if "ts_rank(search_vector" in q["sql"]]) != words
        pages[words] = [service.pk for service in found.page]
    assert pages[True] == pages[False]
    assert len(pages[True]) > 1
