"""`/api/services` pages by id first, then loads the page's services (api.views.page_of).

These tests compare every page with the plain ordered query the API ran before that
change, over generated data with repeated names, hidden services and places."""

import math
import random

import pytest
from django.http import QueryDict

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
    fetch = hsds.public_services().exclude(pk=ids[2])
    page = page_of(rows, 1, PER_PAGE, lambda service: service.pk, fetch=fetch)
    assert page["contents"] == ids[:2] + ids[3:]
    assert page["size"] == PER_PAGE - 1
