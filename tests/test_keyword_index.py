"""Keyword searches matched and ranked from the facet index (partners.keyword_index) give
exactly the services, counts and order of the SQL (Search.counts without a shared cache),
on generated listings with translations, typos, phrases, named languages and communities,
relaxed retries, filters and places; and a word searched again reads no arms."""

import random
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners import facet_index, keyword_index, map_cache
from partners.models import Service, ServiceTranslation
from partners.search import FACETS, Search, SearchParams, Vocabulary, keywords_q, parse_keywords, search
from partners.search.keywords import keyword_backend
from tests.factories import make_service
from tests.test_facet_index import KEIGHLEY, LEEDS, answer, directory  # noqa: F401

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the index reads PostgreSQL's arms")

WORDS = [
    "counselling",
    "counseling",
    "bereavment",
    "lonley",
    "low mood",
    "peer support",
    "support women",
    "family anxious",
    "talking therapy",
    "urdu",
    "indian women",
    "wsparcie rodzina",
    "group zzzz",
    "zzzz qqqq",
    "the",
]


@pytest.fixture
def translated(directory):  # noqa: F811
    """Every fourth public service with a translation (some in two languages): some match
    English words too, so that a service's rank adds its text's and its translation's."""
    services = list(Service.objects.public().order_by("pk"))
    rows = []
    for n, service in enumerate(services[::4]):
        rows.append(
            ServiceTranslation(
                service=service,
                language="pl",
                name=f"Wsparcie {service.name}" if n % 2 else "Grupa rodzina",
                description="rodzina wsparcie counselling peer group" if n % 3 else "samotny lonely",
            )
        )
        if n % 5 == 0:
            urdu = ServiceTranslation(service=service, language="ur", name="مدد", description="family counselling")
            rows.append(urdu)
    ServiceTranslation.objects.bulk_create(rows)
    map_cache.directory_changed()  # bulk_create sends no signal
    return directory


def random_params(rng: random.Random, vocabulary: Vocabulary) -> SearchParams:
    chosen = {}
    for facet in FACETS:
        if rng.random() < 0.2:
            values = [o.value for o in vocabulary.options(facet)]
            chosen[facet] = tuple(rng.sample(values, 1))
    return SearchParams(
        q=rng.choice(WORDS),
        place=rng.choice([KEIGHLEY, LEEDS]) if rng.random() < 0.25 else None,
        radius=rng.choice([1.0, 3.0, 10.0, 50.0]),
        bbox=(-2.0, 53.8, -1.7, 53.9) if rng.random() < 0.1 else None,
        age=rng.choice([0, 17, 30]) if rng.random() < 0.2 else None,
        open_now=rng.random() < 0.1,
        taking_new=rng.random() < 0.1,
        sort=rng.choice(["", "", "", "name", "relevance", "distance"]),
        **chosen,
    )


def test_keyword_searches_from_the_index_answer_exactly_as_the_sql(translated):
    vocabulary = Vocabulary.load()
    rng = random.Random(21)
    for _ in range(120):
        params = random_params(rng, vocabulary)
        page = rng.choice([1, 1, 2])
        facets = rng.choice([FACETS, ("support",)])
        with override_settings(MAP_CACHE_SECONDS=0):
            expected = answer(Search(params, vocabulary).counts(facets, page=page))
        assert facet_index.current() is not None
        assert answer(Search(params, vocabulary).counts(facets, page=page)) == expected, params


def very_stale(service: Service) -> bool:
    cutoff = timezone.localdate() - timedelta(days=settings.VERY_STALE_AFTER_DAYS)
    return service.last_verified is None or service.last_verified < cutoff


def test_every_keyword_results_page_and_its_relaxed_retry_are_the_sqls(translated):
    vocabulary = Vocabulary.load()
    relaxed = stale = 0
    for q in WORDS:
        params = SearchParams(q=q)
        with override_settings(MAP_CACHE_SECONDS=0):
            expected = search(params, vocabulary)
        pages = max(1, -(-expected.count // 10))
        for page in range(1, pages + 1):
            with override_settings(MAP_CACHE_SECONDS=0):
                expected = search(params, vocabulary, page=page)
            found = search(params, vocabulary, page=page)
            assert (found.count, found.option_counts, found.relaxed) == (
                expected.count,
                expected.option_counts,
                expected.relaxed,
            ), q
            assert [s.pk for s in found.page.object_list] == [s.pk for s in expected.page.object_list], (q, page)
            stale += page > 1 and any(very_stale(s) for s in found.page.object_list)
        relaxed += found.relaxed
    assert relaxed  # "group zzzz" has no service with both words
    assert stale  # pages past the fresher listings, ranked again among the stale ones


@on_postgres
def test_the_ranks_worked_out_from_the_arms_are_the_sqls_to_the_last_bit(translated):
    vocabulary = Vocabulary.load()
    index = facet_index.current()
    for q in WORDS:
        item = Search(SearchParams(q=q), vocabulary)
        if not item.keywords:
            continue
        for every in (True, False):
            matched = keyword_index.matches(index, item.engine, every=every)
            positions = [i for i in range(index.size) if matched >> i & 1]
            found = dict(
                zip(
                    [index.ids[i] for i in positions],
                    keyword_index.ranks(index, item.engine, positions, matched, every=every),
                    strict=True,
                )
            )
            expected = dict(
                Service.objects.filter(pk__in=found).annotate(rank=item.engine.rank()).values_list("pk", "rank")
            )
            assert found == expected, q
            assert any(found.values()) or not found


@on_postgres
def test_the_index_matches_the_keyword_condition_for_the_api(translated):
    vocabulary = Vocabulary.load()
    index = facet_index.current()
    for q in WORDS:
        keywords = parse_keywords(q, vocabulary)
        if not keywords:
            continue
        for every in (True, False):
            bitset = index.keyword_matches(keywords, every=every)
            expected = set(
                Service.objects.public().filter(keywords_q(keywords, every=every)).values_list("pk", flat=True)
            )
            assert {index.ids[i] for i in range(index.size) if bitset >> i & 1} == expected, (q, every)


@on_postgres
def test_words_searched_again_in_another_order_read_no_arms_and_no_ranks(translated, django_assert_num_queries):
    vocabulary = Vocabulary.load()
    facet_index.current()
    Search(SearchParams(q="counselling family"), vocabulary).counts(FACETS, page=1)
    # Which words the listings hold (1), the page's services and details (5); the ranks
    # of the new query are worked out from the words kept in memory (partners.word_index).
    with django_assert_num_queries(6):
        Search(SearchParams(q="family counselling"), vocabulary).counts(FACETS, page=1)
    # Ordered by name: no rank either.
    with django_assert_num_queries(6):
        Search(SearchParams(q="counselling", sort="name"), vocabulary).counts(FACETS, page=1)


@on_postgres
def test_the_text_arms_read_with_the_ranks_are_those_read_alone(translated):
    vocabulary = Vocabulary.load()
    holding = 0
    for q in WORDS:
        engine = Search(SearchParams(q=q), vocabulary).engine
        if engine is None:
            continue
        arms = engine.all_arms()
        found = {}
        for ranked in (False, True):
            sql, params = engine.arms_statement(arms, ranked)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                found[ranked] = {n: ids for n, ids, _ranks in cursor.fetchall() if n >= 0}
        assert found[True] == found[False], q
        holding += any(arm[1] == "text" and found[True][n] for n, arm in enumerate(arms))
    assert holding >= 8  # most words are in some listing's text


@on_postgres
def test_ranks_by_key_and_through_the_words_are_the_same(translated):
    vocabulary = Vocabulary.load()
    index = facet_index.current()
    for q in WORDS:
        engine = Search(SearchParams(q=q), vocabulary).engine
        if engine is None:
            continue
        ids = list(index.ids)
        read = {}
        for whole in (False, True):
            sql, params = engine.rank_statement(None if whole else ids)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                base = keyword_index._ranks_of(cursor.fetchall(), index.ids_max + 1)
            read[whole] = [base[pk] for pk in ids]
        assert read[True] == read[False], q


@on_postgres
def test_a_word_searched_again_reads_no_ranks(translated, django_assert_num_queries):
    vocabulary = Vocabulary.load()
    index = facet_index.current()
    expected = answer(Search(SearchParams(q="counselling"), vocabulary).counts(FACETS, page=1))
    assert index.keyword_ranks
    # Which words the listings hold (1), the page's services and details (5).
    with django_assert_num_queries(6):
        found = answer(Search(SearchParams(q="counselling"), vocabulary).counts(FACETS, page=2))
    assert found[0] == expected[0] and found[0] > 10
    # Relevance, then the second page of the same search: still nothing read but the page.
    with django_assert_num_queries(6):
        Search(SearchParams(q="counselling", sort="relevance"), vocabulary).counts(FACETS, page=1)


def test_the_portable_keyword_engine_is_left_to_the_sql(translated):
    index = facet_index.current()
    keywords = parse_keywords("counselling", Vocabulary.load())
    assert keyword_index.supported(keyword_backend(keywords, "basic")) is False
    assert index.keyword_matches(keywords, keyword_backend(keywords, "basic")) is None


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_another_process_of_the_same_index_reads_no_arms_for_a_word_one_has_read():
    # Committed listings (a transactional test), so the index shares its arms; a
    # transactional test may find the vocabularies flushed by an earlier one.
    make_service("Family counselling", description="Counselling for families.")
    make_service("Walks", description="Gentle walks, counselling on the way.")
    make_service("Choir", description="Singing together.")
    vocabulary = Vocabulary.load()
    params = SearchParams(q="counselling")
    facet_index._current = None
    first = facet_index.current()
    expected = answer(Search(params, vocabulary).counts(FACETS, page=1))
    facet_index._current = None  # another process: its own index of the same version
    second = facet_index.current()
    assert second is not first and second.digest == first.digest and not second.keyword_arms
    with CaptureQueriesContext(connection) as statements:
        found = answer(Search(params, vocabulary).counts(FACETS, page=1))
    assert found == expected and found[0] == 2
    assert statements and not any("search_arm_" in statement["sql"] for statement in statements)
    assert not any("ts_rank" in statement["sql"] for statement in statements)
    assert second.keyword_arms and second.keyword_ranks  # kept in this process too


@on_postgres
def test_an_index_holding_uncommitted_changes_shares_no_arms(translated):
    index = facet_index.current()
    assert index.provisional_for is not None  # the fixture's listings are not committed
    Search(SearchParams(q="counselling"), Vocabulary.load()).counts(FACETS, page=1)
    assert index.keyword_arms and index.keyword_ranks
    # (Other tests' indexes may have shared theirs: only this index's version counts.)
    assert not [key for key in cache._cache if f"{index.version}:{index.digest}" in key]
