"""`/api/services` pages by id first, then loads the page's services (api.views.page_of);
a `cursor` carries on after a page without OFFSET; the count may be kept in the cache.

These tests compare every page with the plain ordered query the API ran before those
changes, over generated data with repeated names, hidden services and places."""

import base64
import json
import math
import random

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from api import hsds
from api.filters import PlaceForm, ServiceFilter, check, services_near
from api.views import page_of
from partners.models import Service, Status
from tests.factories import make_location, make_organisation, make_postcode, make_service

PER_PAGE = 7

NAMES = ["Talking space", "Helpline", "drop-in", "Ärzte café", "Women's circle", "Zest", "A walk and talk"]
LANGUAGES = ["ur", "pa", "pl", "ar", "bn"]
COMMUNITIES = ["south-asian", "pakistani-kashmiri", "all-racialised-communities"]
SUPPORT = ["peer-support", "wellbeing-activities", "counselling"]


@pytest.fixture
def generated(db):
    """About 50 services: names repeat across organisations (so the id breaks ties), some
    are drafts or belong to a draft organisation, most have 0-2 places around Bradford."""
    rng = random.Random(12)
    make_postcode("BD8 7JH", 53.7990, -1.7700)
    for n in range(50):
        status = rng.choice([Status.PUBLISHED] * 8 + [Status.DRAFT])
        organisation = make_organisation(status=Status.PUBLISHED if n % 11 else Status.DRAFT)
        places = [
            make_location(organisation, latitude=53.70 + rng.random() * 0.3, longitude=-1.95 + rng.random() * 0.4)
            for _ in range(rng.choice([0, 1, 1, 2]))
        ]
        make_service(
            rng.choice(NAMES),
            organisation=organisation,
            status=status,
            languages=rng.sample(LANGUAGES, rng.randint(1, 2)),
            communities=rng.sample(COMMUNITIES, rng.randint(0, 2)),
            support=rng.sample(SUPPORT, rng.randint(1, 2)),
            locations=places,
        )


def expected_ids(query: dict) -> list[str]:
    """The answer as the API computed it before paging by id: one ordered query."""
    data = QueryDict(mutable=True)
    for key, value in query.items():
        data[key] = value
    rows = ServiceFilter(data, queryset=hsds.published_services()).qs
    place = check(PlaceForm(data))
    if place["postcode"]:
        rows = services_near(rows, place["postcode"], place["proximity"])
    else:
        rows = rows.order_by("name", "pk")
    return [str(public_id) for public_id in rows.values_list("public_id", flat=True)]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"language": "ur"},
        {"community": "south-asian", "support": "peer-support"},
        {"postcode": "BD8 7JH"},
        {"postcode": "BD8 7JH", "proximity": 8000},
        {"postcode": "BD8 7JH", "language": "pa"},
        {"search": "talking"},
    ],
)
@pytest.mark.parametrize("mode", [{}, {"full": "true"}, {"minimal": "true"}])
def test_every_page_holds_the_same_services_in_the_same_order_as_one_ordered_query(client, generated, query, mode):
    expected = expected_ids(query)
    assert len(expected) > PER_PAGE or query  # the unfiltered list spans several pages
    total_pages = math.ceil(len(expected) / PER_PAGE)
    seen = []
    for page in range(1, total_pages + 2):  # and one past the end
        answer = client.get("/api/services", {**query, **mode, "per_page": PER_PAGE, "page": page}).json()
        ids = [document["id"] for document in answer["contents"]]
        assert ids == expected[(page - 1) * PER_PAGE : page * PER_PAGE]
        assert answer["total_items"] == len(expected)
        assert answer["total_pages"] == total_pages
        assert answer["page_number"] == page
        assert answer["size"] == len(ids)
        assert answer["first_page"] is (page == 1)
        assert answer["last_page"] is (page >= total_pages)
        assert answer["empty"] is (not ids)
        seen += ids
    assert seen == expected


def test_the_generated_data_has_hidden_services_repeated_names_and_several_pages(generated):
    public = Service.objects.public()
    assert public.count() < Service.objects.count()
    assert public.values("name").distinct().count() < public.count()
    assert math.ceil(public.count() / PER_PAGE) >= 4


def test_a_service_hidden_between_the_two_queries_is_left_out_not_an_error(generated):
    # The page's ids and its documents are two queries; a service unpublished in between
    # is missing from `fetch`, and the page shows the others in order.
    rows = hsds.public_services().order_by("name", "pk")
    ids = list(rows.values_list("pk", flat=True)[:PER_PAGE])
    fetch = hsds.public_services().exclude(pk=ids[2]).in_bulk
    page = page_of(rows, 1, PER_PAGE, lambda service: service.pk, fetch=fetch)
    assert page["contents"] == ids[:2] + ids[3:]
    assert page["size"] == PER_PAGE - 1


# --- Keyset paging: `cursor` ------------------------------------------------------------


def walk_by_cursor(client, query: dict) -> list[dict]:
    """Every page of /api/services from the first, each asked for by the last one's next_cursor."""
    pages = [client.get("/api/services", {**query, "per_page": PER_PAGE}).json()]
    while pages[-1]["next_cursor"]:
        assert len(pages) < 100, "a cursor walk must end"
        answer = client.get("/api/services", {**query, "per_page": PER_PAGE, "cursor": pages[-1]["next_cursor"]})
        assert answer.status_code == 200, answer.content
        pages.append(answer.json())
    return pages


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"language": "ur"},
        {"community": "south-asian", "support": "peer-support"},
        {"search": "talking"},
        {"language": "pa", "minimal": "true"},
        {"full": "true"},
    ],
)
def test_walking_by_cursor_gives_the_same_pages_as_walking_by_page_number(client, generated, query):
    by_cursor = walk_by_cursor(client, query)
    expected = expected_ids(query)
    total_pages = math.ceil(len(expected) / PER_PAGE)
    assert len(by_cursor) == max(total_pages, 1)
    for number, page in enumerate(by_cursor, start=1):
        by_number = client.get("/api/services", {**query, "per_page": PER_PAGE, "page": number}).json()
        assert page == by_number  # ids, order, totals, page_number, first/last page and next_cursor
    walked = [document["id"] for page in by_cursor for document in page["contents"]]
    assert walked == expected
    assert by_cursor[-1]["last_page"] is True
    assert by_cursor[-1]["next_cursor"] is None


def test_the_last_page_by_number_has_no_next_cursor_and_the_others_do(client, generated):
    total_pages = client.get("/api/services", {"per_page": PER_PAGE}).json()["total_pages"]
    for page in range(1, total_pages + 2):
        answer = client.get("/api/services", {"per_page": PER_PAGE, "page": page}).json()
        assert (answer["next_cursor"] is None) is (page >= total_pages)


def test_a_cursor_names_its_page_and_walks_on_with_ndjson(client, generated):
    first = client.get("/api/services", {"per_page": PER_PAGE}).json()
    second = client.get("/api/services", {"per_page": PER_PAGE, "cursor": first["next_cursor"]}).json()
    assert (second["page_number"], second["first_page"]) == (2, False)
    # format=ndjson after a cursor: every service after it, in the same order.
    rest = client.get("/api/services", {"format": "ndjson", "cursor": first["next_cursor"]})
    ids = [json.loads(line)["id"] for line in b"".join(rest.streaming_content).decode().splitlines()]
    assert ids == expected_ids({})[PER_PAGE:]


def test_a_cursor_is_opaque_text_that_survives_names_in_any_script(client, db):
    for name in ["Ärzte café", "روشنی", "Zest", "Zest", "zest"]:
        make_service(name)
    by_number = [client.get("/api/services", {"per_page": 1, "page": n}).json() for n in range(1, 6)]
    cursors = [page["next_cursor"] for page in by_number]
    assert all(cursor.isascii() and "=" not in cursor and "Zest" not in cursor for cursor in cursors[:-1])
    assert cursors[-1] is None
    later = [client.get("/api/services", {"per_page": 1, "cursor": c}).json() for c in cursors[:-1]]
    by_cursor = [by_number[0], *later]
    assert by_cursor == by_number  # the two "Zest"s told apart by their ids
    assert len({page["contents"][0]["id"] for page in by_cursor}) == 5


def _encoded(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "not a cursor",
        "%%%%",
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
        _encoded({"page": 2}),
        _encoded([2, "Zest"]),
        _encoded([1, "Zest", 5]),  # page 1 has no cursor
        _encoded([2, "Zest", 0]),
        _encoded([2, "Zest", 2**63]),
        _encoded([2, "Ze\ud800st", 5]),
        _encoded([2, "Zest", True]),
        _encoded([2, 5, 5]),
        _encoded(["2", "Zest", 5]),
        _encoded([2, "Zest", 5.5]),
        _encoded([2, "Ze\x00st", 5]),
        _encoded([2, "Z" * 5000, 5]),
        _encoded([10**30, "Zest", 5]) + "A" * 20_000,
    ],
    ids=lambda cursor: cursor[:12],
)
def test_a_cursor_we_did_not_make_is_a_clear_400(client, generated, cursor):
    response = client.get("/api/services", {"cursor": cursor})
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"
    error = response.json()
    assert error["parameter"] == "cursor"
    assert "next_cursor" in error["error"]


@pytest.mark.parametrize("other", [{"page": 2}, {"postcode": "BD8 7JH"}])
def test_a_cursor_with_a_page_number_or_a_postcode_is_a_clear_400(client, generated, other):
    cursor = client.get("/api/services", {"per_page": PER_PAGE}).json()["next_cursor"]
    response = client.get("/api/services", {"cursor": cursor, **other})
    assert response.status_code == 400
    assert response.json()["parameter"] == "cursor"


def test_nearest_first_pages_have_no_cursor(client, generated):
    page = client.get("/api/services", {"postcode": "BD8 7JH", "per_page": PER_PAGE}).json()
    assert "next_cursor" not in page
    assert page["size"] == PER_PAGE


def test_a_cursor_page_reads_no_earlier_row(client, generated):
    # The page's ids are asked for after the cursor's name and id, with no OFFSET.
    cursor = client.get("/api/services", {"per_page": PER_PAGE, "minimal": "true"}).json()["next_cursor"]
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/services", {"per_page": PER_PAGE, "minimal": "true", "cursor": cursor})
    page_query = next(q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"])
    assert "OFFSET" not in page_query
    assert len(queries) == 2  # the count is kept (the cache is on, as in production): the ids, the services


# --- The count ---------------------------------------------------------------------------


def test_the_kept_count_changes_at_once_when_a_service_is_published_or_hidden(client, generated):
    def total(query=None) -> int:
        return client.get("/api/services", {**(query or {}), "per_page": PER_PAGE}).json()["total_items"]

    before, before_ur = total(), total({"language": "ur"})
    assert (before, before_ur) == (len(expected_ids({})), len(expected_ids({"language": "ur"})))
    assert total() == before  # now read from the cache

    draft = Service.objects.filter(status=Status.DRAFT, organisation__status=Status.PUBLISHED).first()
    draft.status = Status.PUBLISHED
    draft.save()
    assert total() == before + 1 == len(expected_ids({}))

    organisation = Service.objects.public().filter(service_languages__language__code="ur").first().organisation
    hidden = Service.objects.public().filter(organisation=organisation).count()
    organisation.status = Status.DRAFT
    organisation.save()
    assert total() == before + 1 - hidden == len(expected_ids({}))
    assert total({"language": "ur"}) == len(expected_ids({"language": "ur"})) < before_ur


def test_without_a_shared_cache_the_count_is_exact_every_time(client, generated, django_assert_num_queries):
    with override_settings(MAP_CACHE_SECONDS=0):
        total = client.get("/api/services", {"minimal": "true"}).json()["total_items"]
        with django_assert_num_queries(3):  # the count, the ids, the services
            assert client.get("/api/services", {"minimal": "true"}).json()["total_items"] == total
        Service.objects.filter(pk=Service.objects.public().first().pk).update(status=Status.DRAFT)  # no signal
        assert client.get("/api/services", {"minimal": "true"}).json()["total_items"] == total - 1


@pytest.mark.parametrize("kept", [0, 900], ids=["exact", "kept"])
@pytest.mark.parametrize(
    "query",
    [
        {"search": "talking"},
        {"search": "talking", "language": "ur"},
        {"search": "talking", "postcode": "BD8 7JH"},
        {"search": "help"},
    ],
)
def test_a_search_reads_its_matches_once_and_pages_them_as_before(client, generated, kept, query):
    # One statement finds every match in order (count and page at once: api.views.page_of,
    # read_all) instead of a count and a page that each run the keyword conditions again.
    # "help" is only a word everyone types: no keywords, the plain list.
    expected = expected_ids(query)
    total_pages = math.ceil(len(expected) / PER_PAGE)
    with override_settings(MAP_CACHE_SECONDS=kept):
        for page in range(1, total_pages + 2):
            answer = client.get("/api/services", {**query, "per_page": PER_PAGE, "page": page}).json()
            ids = [document["id"] for document in answer["contents"]]
            assert ids == expected[(page - 1) * PER_PAGE : page * PER_PAGE]
            assert (answer["total_items"], answer["total_pages"]) == (len(expected), total_pages)
            if "postcode" in query:
                assert "next_cursor" not in answer  # nearest first: no cursor
            else:
                assert (answer["next_cursor"] is None) is (page >= total_pages)


def test_a_search_page_is_one_statement_fewer_than_a_count_and_a_page(client, generated):
    with override_settings(MAP_CACHE_SECONDS=0), CaptureQueriesContext(connection) as queries:
        client.get("/api/services", {"search": "talking", "minimal": "true", "per_page": PER_PAGE, "page": 2})
    statements = [q["sql"] for q in queries.captured_queries]
    assert not any("COUNT(" in sql for sql in statements)
    # The vocabulary (2), on PostgreSQL which words the listings hold (1), every match's id
    # in order (1), the page's services (1).
    assert len(statements) == (5 if connection.vendor == "postgresql" else 4)
