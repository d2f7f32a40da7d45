"""`/api/services` in name order answered from the facet index (api.views.index_page) is
byte for byte the answer of the SQL path (no shared cache), on generated listings: every
page, cursor walks, filters, keyword searches and random combinations; and the documents'
faster helpers (api.hsds.related, display) say what Django's own accessors say."""

import json
import random

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from api import hsds
from api.filters import Cursor
from partners import facet_index
from partners.models import (
    Cost,
    Gender,
    LanguageProvision,
    ReferralKind,
    ReferralMethod,
    Service,
    ServiceLanguage,
    Status,
)
from partners.search import FACETS, Vocabulary
from tests.factories import make_organisation, make_service
from tests.test_facet_index import WORDS, directory  # noqa: F401 (the fixture)

QUERIES = [
    {},
    {"language": "ur"},
    {"language": ["ur", "pa"]},
    {"support": "counselling", "community": "indian"},
    {"community": "all-racialised-communities"},
    {"gender": "women", "age": "25"},
    {"age": "0"},
    {"cost": "free", "referral": "gp"},
    {"search": "counselling"},
    {"search": "support women"},
    {"search": "counselling", "language": "ur"},
    {"search": "zzzz nothing"},
    {"search": "help"},  # only a word everyone types: no keywords, the plain list
    {"search": "  "},
    {"language": ""},
]


def sql_answer(client, query: dict):
    with override_settings(MAP_CACHE_SECONDS=0):
        return client.get("/api/services", query)


def index_answer(client, query: dict):
    assert facet_index.ready() is not None
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/services", query)
    if "cursor" not in query:
        # Counted and paged in the index: no statement with an offset, a limit or a count.
        assert not any("LIMIT" in q["sql"] or "COUNT(" in q["sql"] for q in queries.captured_queries)
    return response


@pytest.fixture
def index(directory):  # noqa: F811 (the fixture imported above)
    built = facet_index.current()
    assert built is not None and built.size > 100
    return built


@pytest.mark.parametrize("query", QUERIES, ids=lambda query: json.dumps(query))
@pytest.mark.parametrize("shape", [{}, {"full": "true"}, {"minimal": "true"}, {"lang": "ur"}])
def test_every_page_from_the_index_is_the_sql_answer_byte_for_byte(client, index, query, shape):
    first = json.loads(sql_answer(client, {**query, **shape, "per_page": 9}).content)
    for page in range(1, first["total_pages"] + 2):  # and one past the end
        asked = {**query, **shape, "per_page": 9, "page": page}
        expected = sql_answer(client, asked)
        answer = index_answer(client, asked)
        assert answer.status_code == expected.status_code == 200
        assert answer.content == expected.content


def walk(client, query: dict, answer) -> list[bytes]:
    pages = [answer(client, {**query, "per_page": 8}).content]
    while cursor := json.loads(pages[-1])["next_cursor"]:
        assert len(pages) < 100, "a cursor walk must end"
        pages.append(answer(client, {**query, "per_page": 8, "cursor": cursor}).content)
    return pages


@pytest.mark.parametrize("query", QUERIES[:10], ids=lambda query: json.dumps(query))
def test_a_cursor_walk_from_the_index_is_the_sql_walk(client, index, query):
    expected = walk(client, query, sql_answer)
    assert walk(client, query, index_answer) == expected
    if not query:
        assert len(expected) > 10


def test_random_filters_words_pages_and_sizes_answer_as_the_sql(client, index):
    rng = random.Random(12)
    vocabulary = Vocabulary.load()
    for _ in range(60):
        query = {}
        for facet in FACETS:
            if rng.random() < 0.25:
                values = [option.value for option in vocabulary.options(facet)]
                query[facet] = rng.sample(values, rng.randint(1, min(2, len(values))))
        if rng.random() < 0.4:
            query["search"] = rng.choice(WORDS)
        if rng.random() < 0.2:
            query["age"] = str(rng.choice([0, 17, 18, 30, 70]))
        query.update(per_page=rng.choice([1, 5, 20, 100]), page=rng.randint(1, 6))
        expected = sql_answer(client, query)
        assert index_answer(client, query).content == expected.content, query


def test_a_cursor_whose_service_was_renamed_or_hidden_is_answered_by_sql_as_before(client, index):
    cursor = json.loads(sql_answer(client, {"per_page": 8}).content)["next_cursor"]
    decoded = Cursor.decode(cursor)
    query = {"per_page": 8, "cursor": cursor}
    # Renamed without a signal: the index is still current and holds the service, but not
    # where the cursor's name would put it.
    Service.objects.filter(pk=decoded.pk).update(name="Renamed " + decoded.name)
    assert facet_index.ready() is index
    assert client.get("/api/services", query).content == sql_answer(client, query).content
    # Hidden: a new version, and the SQL answers until the index is built again.
    service = Service.objects.get(pk=decoded.pk)
    service.status = Status.DRAFT
    service.save()
    assert facet_index.ready() is None
    assert decoded.pk not in facet_index.current().position
    assert client.get("/api/services", query).content == sql_answer(client, query).content


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"cursor": "not-ours"}, "cursor"),
        ({"cursor": Cursor(page=2, name="a", pk=1).encode(), "page": "2"}, "cursor"),
        ({"language": "xx"}, "language"),
        ({"support": "nothing-like-it"}, "support"),
        ({"gender": "other"}, "gender"),
        ({"age": "-1"}, "age"),
        ({"age": "old"}, "age"),
        ({"per_page": "0"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"search": "x" * 201}, "search"),
    ],
)
def test_bad_values_are_still_a_clear_400_with_the_index(client, index, query, parameter):
    answer = client.get("/api/services", query)
    assert answer.status_code == 400
    assert answer.json()["parameter"] == parameter
    assert answer.content == sql_answer(client, query).content


def test_filters_the_index_does_not_hold_and_places_are_answered_by_sql(client, index):
    organisation = Service.objects.public().order_by("pk").first().organisation
    for query in (
        {"organization_id": str(organisation.public_id)},
        {"modified_after": "2020-01-01"},
        {"postcode": "BD21 3DN"},
        {"format": "ndjson"},
    ):
        assert body(client.get("/api/services", query)) == body(sql_answer(client, query))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_inside_a_transaction_an_index_out_of_date_is_not_rebuilt_for_the_api(client, index, django_assert_num_queries):
    make_service("Brand new", organisation=make_organisation("New"))  # a new version
    assert facet_index.ready() is None
    # count, ids, services, seven related tables: the SQL path, with no index built; and
    # the vocabularies (2), read again inside a transaction with listing changes (in a
    # running site they are kept per directory version).
    with django_assert_num_queries(12):
        assert client.get("/api/services", {"per_page": 5}).json()["total_items"] == index.size + 1
    assert facet_index.current() is not None
    assert facet_index.ready() is facet_index.current()


# --- The documents' helpers --------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ur", "pl"])
def test_display_gives_the_label_django_gives_in_every_language(db, language):
    organisation = make_organisation("Labels")
    service = make_service("Labelled", organisation=organisation, languages=["ur"])
    route = service.referral_routes.model(service=service, kind=ReferralKind.GP, method=ReferralMethod.PHONE)
    spoken = ServiceLanguage.objects.filter(service=service).first()
    cases = [
        (service, "cost", [*Cost.values, "unknown"]),
        (service, "gender", Gender.values),
        (route, "kind", ReferralKind.values),
        (route, "method", [*ReferralMethod.values, ""]),
        (spoken, "provision", LanguageProvision.values),
    ]
    with translation.override(language):
        for instance, field, values in cases:
            for value in values:
                setattr(instance, field, value)
                assert hsds.display(instance, field) == getattr(instance, f"get_{field}_display")()


def test_related_reads_prefetched_lists_and_otherwise_the_database(directory):  # noqa: F811
    listed = hsds.published_services().order_by("pk")[:5]
    plain = Service.objects.public().order_by("pk")[:5]
    for prefetched, bare in zip(listed, plain, strict=True):
        for name in ("support_types", "communities", "attributes", "modes", "referral_routes", "locations"):
            assert list(hsds.related(prefetched, name)) == list(hsds.related(bare, name))
            assert list(hsds.related(bare, name)) == list(getattr(bare, name).all())
