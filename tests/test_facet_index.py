"""Option counts, totals and pages from the facet index (partners.facet_index) are exactly
those of the single SQL statement (Search.counts without a shared cache), on generated
listings and many random searches; and the index follows every listing change."""

import gc
import random
import weakref
from datetime import timedelta

import numpy
import pytest
from django.db.models import Q
from django.test import override_settings
from django.utils import timezone

from feedback.needs import open_result_count
from partners import facet_index, map_cache, synthetic
from partners.models import Capacity, Community, Gender, Organisation, ReferralKind, Service, Status
from partners.postcodes import Place
from partners.search import FACETS, PAGE_SIZE, Search, SearchParams, Vocabulary, search
from tests.factories import days_ago, make_location, make_organisation, make_postcode, make_service

KEIGHLEY = Place("BD21 3DN", 53.8687, -1.9075, False)
LEEDS = Place("LS6 3HN", 53.8190, -1.5750, False)
WORDS = ["counselling", "support women", "peer group", "lonely", "family", "zzzz nothing", "the", "anxious help"]


@pytest.fixture
def directory(db):
    """About 120 generated services, plus the awkward cases: names that differ only in case
    or accents, or are the same; a service for all racialised communities; one unpublished,
    one of an unpublished organisation; open hours; "taking new people"; very stale ones."""
    for code, lat, lon in [
        ("BD21 3DN", 53.8687, -1.9075),
        ("BD7 1DP", 53.7857, -1.7709),
        ("LS6 3HN", 53.8190, -1.5750),
    ]:
        make_postcode(code, lat, lon)
    synthetic.generate(120, seed=11)
    organisation = make_organisation("Edge cases")
    other = make_organisation("More edge cases")
    place = make_location(organisation, latitude=53.87, longitude=-1.90)
    for i, name in enumerate(["apple", "Apple", "Äpple", "zebra", "Zebra", "Éclair", "eclair", "Apple"]):
        make_service(
            name,
            organisation=other if i == 7 else organisation,
            support=["counselling"],
            communities=["indian", Community.ALL] if name == "zebra" else ["indian"],
            languages=["ur", ("ur", "interpreter")],
            referrals=["gp", "self"],
            locations=[place] if name != "eclair" else [],
            gender=Gender.WOMEN if name.startswith("A") else Gender.ANY,
            min_age=18 if name == "zebra" else None,
            hours="Mo-Su 00:00-23:59" if name.startswith(("a", "z")) else "",
            last_verified=days_ago(900) if name in ("Zebra", "apple") else timezone.localdate(),
        )
    make_service("Hidden", organisation=organisation, status=Status.DRAFT, support=["counselling"])
    closed = make_organisation("Closed organisation", status=Status.DRAFT)
    make_service("Behind a draft organisation", organisation=closed, support=["counselling"])
    Service.objects.filter(name__in=["apple", "Zebra", "Éclair"]).update(
        capacity=Capacity.OPEN, capacity_answered=timezone.now() - timedelta(days=1)
    )
    rng = random.Random(3)
    for service in Service.objects.public().order_by("pk")[::7]:
        days = rng.choice([1, 10, 44, 46, 400])
        Service.objects.filter(pk=service.pk).update(
            capacity=Capacity.CLOSED, capacity_answered=timezone.now() - timedelta(days=days)
        )
    map_cache.directory_changed()  # the updates send no signal


def random_params(rng: random.Random, vocabulary: Vocabulary) -> SearchParams:
    chosen = {}
    for facet in FACETS:
        if rng.random() < 0.3:
            values = [o.value for o in vocabulary.options(facet)]
            chosen[facet] = tuple(rng.sample(values, rng.randint(1, min(2, len(values)))))
    return SearchParams(
        q=rng.choice(WORDS) if rng.random() < 0.3 else "",
        place=rng.choice([KEIGHLEY, LEEDS]) if rng.random() < 0.3 else None,
        radius=rng.choice([1.0, 3.0, 10.0, 50.0]),
        bbox=(-2.0, 53.8, -1.7, 53.9) if rng.random() < 0.1 else None,
        age=rng.choice([0, 17, 18, 30, 70]) if rng.random() < 0.25 else None,
        open_now=rng.random() < 0.1,
        taking_new=rng.random() < 0.1,
        sort=rng.choice(["", "", "name", "relevance", "distance"]),
        **chosen,
    )


def answer(counts) -> tuple:
    return counts.total, counts.options, [(s.pk, s.distance) for s in counts.page]


def test_the_index_answers_exactly_as_the_sql_for_many_random_searches(directory):
    vocabulary = Vocabulary.load()
    rng = random.Random(12)
    used_index = 0
    for _ in range(150):
        params = random_params(rng, vocabulary)
        page = rng.choice([1, 1, 2, 3])
        facets = rng.choice([FACETS, FACETS, ("support",)])
        with override_settings(MAP_CACHE_SECONDS=0):
            expected = answer(Search(params, vocabulary).counts(facets, page=page))
        assert facet_index.current() is not None
        used_index += 1
        assert answer(Search(params, vocabulary).counts(facets, page=page)) == expected, params
    assert used_index == 150


def test_the_results_and_the_relaxed_keyword_retry_agree_with_the_sql(directory):
    vocabulary = Vocabulary.load()
    rng = random.Random(5)
    for q in ["lonely zzzz", "counselling family", "women peer"]:
        params = SearchParams(q=q, support=(rng.choice(vocabulary.options("support")).value,))
        with override_settings(MAP_CACHE_SECONDS=0):
            expected = search(params, vocabulary)
        found = search(params, vocabulary)
        assert (found.count, found.option_counts, found.relaxed) == (
            expected.count,
            expected.option_counts,
            expected.relaxed,
        )
        assert [s.pk for s in found.page.object_list] == [s.pk for s in expected.page.object_list]


def test_browsing_every_page_by_name_lists_every_public_service_once_in_the_databases_order(directory):
    vocabulary = Vocabulary.load()
    expected = list(Service.objects.public().order_by("name", "pk").values_list("pk", flat=True))
    listed = []
    for page in range(1, len(expected) // PAGE_SIZE + 2):
        listed += [s.pk for s in Search(SearchParams(), vocabulary).counts(FACETS, page=page).page]
    assert listed == expected


def test_the_edge_cases_count_as_the_product_says(directory):
    """A community counts the services for all racialised communities; women counts "any";
    a language offered two ways is one service; drafts are never counted."""
    vocabulary = Vocabulary.load()
    edge = SearchParams(q="", support=("counselling",))
    counts = Search(edge, vocabulary).counts(FACETS)
    public = Service.objects.public()
    for_all = public.filter(communities__slug=Community.ALL)
    counselling = public.filter(support_types__slug="counselling")
    indian_or_all = Q(pk__in=public.filter(communities__slug="indian").values("pk")) | Q(pk__in=for_all.values("pk"))
    assert counts.options["community"]["indian"] == counselling.filter(indian_or_all).count()
    assert (
        counts.options["gender"]["women"]
        == public.filter(support_types__slug="counselling", gender__in=[Gender.WOMEN, Gender.ANY]).count()
    )
    assert (
        counts.options["language"]["ur"]
        == public.filter(support_types__slug="counselling", service_languages__language__code="ur").distinct().count()
    )
    assert counts.total == public.filter(support_types__slug="counselling").count()
    hidden = Service.objects.filter(name__in=["Hidden", "Behind a draft organisation"]).values_list("pk", flat=True)
    assert len(hidden) == 2
    assert not set(hidden) & set(facet_index.current().position)


def test_an_unpublished_service_leaves_the_counts_on_the_next_search(directory):
    vocabulary = Vocabulary.load()
    before = Search(SearchParams(support=("counselling",)), vocabulary).counts(FACETS)
    service = Service.objects.public().filter(name="zebra").get()
    service.status = Status.DRAFT
    service.save()
    after = Search(SearchParams(support=("counselling",)), vocabulary).counts(FACETS, page=1)
    assert after.total == before.total - 1
    assert after.options["community"][Community.ALL] == before.options["community"][Community.ALL] - 1
    Organisation.objects.get(name="Edge cases").services.update(status=Status.DRAFT)
    map_cache.directory_changed()
    # zebra (already a draft) and the six other published services of that organisation.
    assert Search(SearchParams(support=("counselling",)), vocabulary).counts(FACETS).total == before.total - 7


def test_a_new_referral_route_counts_at_once(directory):
    vocabulary = Vocabulary.load()
    service = Service.objects.public().get(name="zebra")
    before = Search(SearchParams(), vocabulary).counts(["referral"], total=False).options["referral"]
    service.referral_routes.create(kind=ReferralKind.DROP_IN)
    after = Search(SearchParams(), vocabulary).counts(["referral"], total=False).options["referral"]
    assert after[ReferralKind.DROP_IN] == before.get(ReferralKind.DROP_IN, 0) + 1


def test_the_index_is_built_in_three_queries_whatever_the_number_of_services(directory, django_assert_num_queries):
    map_cache.forget_answers()
    with django_assert_num_queries(3):
        index = facet_index.current()
    assert index.size == Service.objects.public().count()


def test_browsing_everything_needs_no_sql_but_the_pages_services(directory, django_assert_num_queries):
    facet_index.current()
    vocabulary = Vocabulary.load()
    # The page's services (1) and their communities, places, ways in and languages (4).
    with django_assert_num_queries(5):
        counts = Search(SearchParams(support=("counselling",), age=30), vocabulary).counts(FACETS, page=1)
    assert len(counts.page) == PAGE_SIZE


def test_without_a_shared_cache_the_sql_answers_and_no_index_is_kept(directory):
    with override_settings(MAP_CACHE_SECONDS=0):
        assert facet_index.current() is None


def test_a_page_past_the_last_is_empty_and_garbage_parameters_get_a_message(directory, client):
    vocabulary = Vocabulary.load()
    assert Search(SearchParams(), vocabulary).counts(FACETS, page=10_000).page == []
    response = client.get("/search/", {"support": "banana", "age": "old", "page": "1"})
    assert response.status_code == 200
    assert "Enter an age in whole years" in response.content.decode()
    late = client.get("/search/", {"page": "999"})
    assert late.status_code == 404
    assert "There is no page 999" in late.content.decode()


def test_the_searches_not_meeting_a_need_are_counted_from_the_index_as_from_the_sql(
    directory, django_assert_num_queries
):
    vocabulary = Vocabulary.load()
    rng = random.Random(8)
    from_index = 0
    for _ in range(60):
        params = random_params(rng, vocabulary)
        with override_settings(MAP_CACHE_SECONDS=0):
            expected = open_result_count(Search(params, vocabulary), 1_000)
        if facet_index.closed_count(Search(params, vocabulary)) is not None:
            from_index += 1
            with django_assert_num_queries(1):  # the few services not taking new people
                assert open_result_count(Search(params, vocabulary), 1_000) == expected, params
        else:
            assert open_result_count(Search(params, vocabulary), 1_000) == expected, params
    assert from_index > 10
    assert open_result_count(Search(SearchParams(), vocabulary), 1_000) < 1_000  # some said "not taking"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_index_is_rebuilt_in_the_background_and_the_sql_answers_meanwhile():
    # A transactional test may find the vocabularies flushed by an earlier one: count totals.
    make_service("Counselling group")
    vocabulary = Vocabulary.load()
    facet_index._current = None  # a new process: its first search builds the index at once
    index = facet_index.current()
    assert index is not None and index.size == 1
    assert Search(SearchParams(), vocabulary).counts(FACETS).total == 1
    make_service("Another group")  # a new version: rebuilt in the background
    assert facet_index.current() is None
    facet_index._builder.join(timeout=30)
    assert Search(SearchParams(), vocabulary).counts(FACETS).total == 2
    assert facet_index.current().size == 2


def test_a_language_search_pages_staff_speakers_first_from_the_index_as_the_sql_does(
    directory, django_assert_num_queries
):
    vocabulary = Vocabulary.load()
    for language in ("ur", "pl", "pa"):
        params = SearchParams(language=(language,))
        assert params.effective_sort == "relevance"
        facet_index.current()
        pages = -(-Search(params, vocabulary).counts(FACETS).total // PAGE_SIZE)
        for page in range(1, pages + 1):
            with override_settings(MAP_CACHE_SECONDS=0):
                expected = answer(Search(params, vocabulary).counts(FACETS, page=page))
            with django_assert_num_queries(5):  # only the page's services and their details
                assert answer(Search(params, vocabulary).counts(FACETS, page=page)) == expected


def test_the_first_rows_picked_by_partitions_are_those_of_a_full_sort():
    # Flags and ranks with many ties, the flag first, last or alone, pages small and large.
    rng = numpy.random.default_rng(5)
    for n, count in [(0, 20), (5, 20), (1000, 1), (1000, 20), (5000, 60)]:
        flags = (rng.random(n) < 0.2).astype(numpy.uint8)
        ranks = -numpy.round(rng.random(n) * 4) / 4
        tiebreak = rng.permutation(n)
        for keys in ([flags, ranks], [ranks], [numpy.zeros(n, dtype=numpy.uint8), ranks], [ranks, flags], []):
            expected = sorted(range(n), key=lambda i, keys=keys: (*(key[i] for key in keys), tiebreak[i]))[:count]
            assert facet_index.first_rows(keys, tiebreak, count).tolist() == expected


def test_a_large_index_is_set_apart_from_the_garbage_collectors_full_collections(directory, monkeypatch):
    monkeypatch.setattr(facet_index, "SET_APART_FROM", 1)  # as for 10,000 services and more
    try:
        index = facet_index.current()
        assert gc.get_freeze_count() > 0
        # A full collection walks only what is not set apart: the index is not among them.
        assert not any(obj is index for obj in gc.get_objects())
        earlier = weakref.ref(index)
        del index
        map_cache.directory_changed()
        replaced = facet_index.current()
        assert not any(obj is replaced for obj in gc.get_objects())
        # The earlier index is freed once replaced, not kept set apart for ever.
        assert earlier() is None
    finally:
        gc.unfreeze()


def test_a_regions_index_is_left_to_the_garbage_collector(directory):
    gc.unfreeze()
    index = facet_index.current()
    assert index.size < facet_index.SET_APART_FROM
    assert gc.get_freeze_count() == 0
