"""The public search: filters, eligibility, place, map area, order, pages, visibility, query counts."""

import pytest
from django.db import connection
from geopy.distance import geodesic

from partners import facet_index
from partners.models import Status
from partners.search import PAGE_SIZE, SearchParams, Vocabulary, search
from tests.factories import days_ago, make_location, make_organisation, make_postcode, make_service

pytestmark = pytest.mark.django_db

# Keighley (BD21 3DN) and places at known distances from it.
KEIGHLEY = (53.868739, -1.907502)
BINGLEY = (53.8490, -1.8380)  # about 3 miles south-east
BRADFORD = (53.7935, -1.7499)  # about 8 miles south-east
SKIPTON = (53.9610, -2.0170)  # about 8 miles north-west


def found(client, **params) -> list[str]:
    response = client.get("/search/", params)
    assert response.status_code == 200
    return [service.name for service in response.context["page"].object_list]


def at(latitude: float, longitude: float, **kwargs):
    return make_location(make_organisation(), latitude=latitude, longitude=longitude, **kwargs)


@pytest.fixture
def services(db):
    """Three services that differ in every filter."""
    return [
        make_service(
            "Amber",
            support=["counselling"],
            communities=["pakistani-kashmiri"],
            languages=["ur", ("pa", "interpreter")],
            referrals=["gp", "self"],
            modes=["in-person"],
            attributes=["faith-sensitive"],
            cost="free",
            gender="women",
            min_age=18,
        ),
        make_service(
            "Birch",
            support=["befriending"],
            communities=["indian"],
            languages=[("pa", "written")],
            referrals=["self"],
            modes=["phone"],
            attributes=["community-led"],
            cost="low-cost",
            gender="men",
            max_age=25,
        ),
        make_service(
            "Cedar",
            support=["peer-support", "counselling"],
            communities=["all-racialised-communities"],
            languages=["en"],
            referrals=["drop-in"],
            modes=["in-person", "video"],
            attributes=["interpreters"],
            cost="paid",
            gender="any",
            min_age=16,
            max_age=65,
        ),
    ]


# --- Each filter alone ---------------------------------------------------------------


def test_no_parameters_lists_every_published_service_by_name(client, services):
    assert found(client) == ["Amber", "Birch", "Cedar"]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("language", "ur", ["Amber"]),
        ("language", "pa", ["Amber", "Birch"]),
        ("support", "counselling", ["Amber", "Cedar"]),
        ("support", "befriending", ["Birch"]),
        ("referral", "self", ["Amber", "Birch"]),
        ("referral", "drop-in", ["Cedar"]),
        ("mode", "in-person", ["Amber", "Cedar"]),
        ("mode", "phone", ["Birch"]),
        ("attribute", "community-led", ["Birch"]),
        ("cost", "free", ["Amber"]),
        ("cost", "paid", ["Cedar"]),
    ],
)
def test_each_filter_alone_keeps_services_with_that_value(client, services, name, value, expected):
    assert found(client, **{name: value}) == expected


def test_values_of_one_filter_are_alternatives(client, services):
    assert found(client, support=["befriending", "peer-support"]) == ["Birch", "Cedar"]
    assert found(client, language=["ur", "en"]) == ["Amber", "Cedar"]


def test_different_filters_must_all_hold(client, services):
    assert found(client, support="counselling", mode="in-person") == ["Amber", "Cedar"]
    assert found(client, support="counselling", mode="in-person", language="ur") == ["Amber"]
    assert found(client, support="counselling", mode="phone") == []


def test_several_values_of_several_filters_combine(client, services):
    result = found(client, support=["counselling", "befriending"], referral=["drop-in", "self"], cost=["free", "paid"])
    assert result == ["Amber", "Cedar"]


# --- Eligibility ------------------------------------------------------------------------


def test_a_community_also_finds_services_for_all_racialised_communities(client, services):
    assert found(client, community="pakistani-kashmiri") == ["Amber", "Cedar"]
    assert found(client, community="bangladeshi") == ["Cedar"]


def test_all_racialised_communities_finds_only_services_for_everyone(client, services):
    assert found(client, community="all-racialised-communities") == ["Cedar"]


def test_women_finds_services_for_women_and_for_anyone(client, services):
    assert found(client, gender="women") == ["Amber", "Cedar"]
    assert found(client, gender="men") == ["Birch", "Cedar"]
    assert found(client, gender="any") == ["Cedar"]


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        ("10", ["Birch"]),
        ("17", ["Birch", "Cedar"]),
        ("18", ["Amber", "Birch", "Cedar"]),
        ("25", ["Amber", "Birch", "Cedar"]),
        ("26", ["Amber", "Cedar"]),
        ("80", ["Amber"]),
    ],
)
def test_age_matches_the_range_with_blank_bounds_open(client, services, age, expected):
    assert found(client, age=age) == expected


def test_a_service_with_no_age_limits_suits_every_age(client):
    make_service("Anyone")
    assert found(client, age="0") == ["Anyone"]
    assert found(client, age="130") == ["Anyone"]


# --- Place ------------------------------------------------------------------------------


@pytest.fixture
def keighley(db):
    return make_postcode("BD21 3DN", *KEIGHLEY)


@pytest.fixture
def spread(keighley):
    return {
        "near": make_service("Near", locations=[at(*BINGLEY)]),
        "far": make_service("Far", locations=[at(*BRADFORD)]),
        "phone": make_service("Phone line"),
        "here": make_service("Here", locations=[at(*KEIGHLEY)]),
    }


def test_a_place_search_finds_services_within_the_radius_and_remote_ones(client, spread):
    assert found(client, postcode="BD21 3DN", radius="5") == ["Here", "Near", "Phone line"]


def test_a_located_service_outside_the_radius_is_not_shown(client, spread):
    assert "Far" not in found(client, postcode="BD21 3DN", radius="5")
    assert "Far" in found(client, postcode="BD21 3DN", radius="10")


def test_the_radius_defaults_to_three_miles(client, spread):
    miles = geodesic(KEIGHLEY, BINGLEY).miles
    assert 3 < miles < 4  # so the default leaves Bingley out, and 4 miles takes it in
    assert found(client, postcode="BD21 3DN") == ["Here", "Phone line"]
    assert found(client, postcode="BD21 3DN", radius="4") == ["Here", "Near", "Phone line"]


def test_a_place_search_lists_nearest_first_and_remote_services_last(client, spread):
    make_service("Aardvark phone")
    assert found(client, postcode="bd213dn", radius="10") == ["Here", "Near", "Far", "Aardvark phone", "Phone line"]


def test_remote_services_are_labelled_in_place_searches(client, spread):
    response = client.get("/search/", {"postcode": "BD21 3DN"})
    assert "By phone, video or text" in response.content.decode()


def test_distances_agree_with_geodesic_within_one_percent(client, keighley):
    points = [BINGLEY, BRADFORD, SKIPTON, (53.87, -1.90), (53.70, -1.60)]
    for i, point in enumerate(points):
        make_service(f"Place {i}", locations=[at(*point)])
    response = client.get("/search/", {"postcode": "BD21 3DN", "radius": "50"})
    distances = {s.name: s.distance for s in response.context["page"].object_list}
    assert len(distances) == len(points)
    for i, point in enumerate(points):
        expected = geodesic(KEIGHLEY, point).miles
        assert distances[f"Place {i}"] == pytest.approx(expected, rel=0.01)


def test_the_distance_shown_is_to_the_nearest_of_a_services_places(client, keighley):
    make_service("Two places", locations=[at(*BRADFORD), at(*BINGLEY)])
    response = client.get("/search/", {"postcode": "BD21 3DN", "radius": "20"})
    [service] = response.context["page"].object_list
    assert service.distance == pytest.approx(geodesic(KEIGHLEY, BINGLEY).miles, rel=0.01)
    assert f"{round(service.distance, 1):g} miles" in response.content.decode()


def test_an_outward_code_searches_from_its_centre(client, spread):
    assert found(client, postcode="bd21", radius="1") == ["Here", "Phone line"]


def test_latitude_and_longitude_search_like_a_postcode(client, spread):
    lat, lon = KEIGHLEY
    assert found(client, lat=str(lat), lon=str(lon), radius="5") == ["Here", "Near", "Phone line"]


def test_a_typed_postcode_wins_over_an_earlier_location(client, spread):
    make_postcode("BD1 1AF", *BRADFORD)
    result = found(client, postcode="BD1 1AF", lat=str(KEIGHLEY[0]), lon=str(KEIGHLEY[1]), radius="1")
    assert result == ["Far", "Phone line"]


def test_services_whose_places_have_no_coordinates_are_left_out_of_place_searches(client, keighley):
    make_service("Unplaced", locations=[at(None, None)])
    assert found(client, postcode="BD21 3DN", radius="50") == []


def test_sorting_by_name_in_a_place_search(client, spread):
    assert found(client, postcode="BD21 3DN", radius="5", sort="name") == ["Here", "Near", "Phone line"]


# --- Map area ---------------------------------------------------------------------------


def test_bbox_keeps_services_with_a_place_inside_it(client, spread):
    # Around Keighley and Bingley, not Bradford; a remote service has no place in it.
    assert found(client, bbox="-1.95,53.83,-1.80,53.90") == ["Here", "Near"]


def test_bbox_and_radius_both_apply(client, spread):
    assert found(client, bbox="-1.95,53.83,-1.80,53.90", postcode="BD21 3DN", radius="1") == ["Here"]


# --- Pages ------------------------------------------------------------------------------


def test_pages_are_stable_and_cover_every_result_once(client):
    total = 2 * PAGE_SIZE + 5
    for i in range(total):
        make_service("Same name", organisation=make_organisation(f"Org {i}"))
    seen = []
    for page in ("1", "2", "3"):
        seen += [s.pk for s in client.get("/search/", {"page": page}).context["page"].object_list]
    assert len(seen) == total == len(set(seen))
    again = [s.pk for s in client.get("/search/", {"page": "2"}).context["page"].object_list]
    assert again == seen[PAGE_SIZE : 2 * PAGE_SIZE]


def test_distance_order_holds_across_pages(client, keighley):
    total = PAGE_SIZE + 5
    for i in range(total):
        make_service(f"Service {i:02d}", locations=[at(KEIGHLEY[0] + i * 0.01, KEIGHLEY[1])])
    first = client.get("/search/", {"postcode": "BD21 3DN", "radius": "50"}).context["page"].object_list
    second = client.get("/search/", {"postcode": "BD21 3DN", "radius": "50", "page": "2"}).context["page"].object_list
    distances = [s.distance for s in [*first, *second]]
    assert len(distances) == total
    assert distances == sorted(distances)


def test_relevance_order_holds_across_pages(client):
    for i in range(PAGE_SIZE + 3):
        make_service(f"Walks {i:02d}", description="Befriending walks.")
    make_service("Out and about", description="Not this one.")
    make_service("Befriending first")
    names = []
    for page in ("1", "2"):
        response = client.get("/search/", {"q": "befriending", "page": page})
        names += [s.name for s in response.context["page"].object_list]
    assert names[0] == "Befriending first"  # a name match ranks above descriptions
    assert len(names) == len(set(names)) == PAGE_SIZE + 4


def test_the_result_count_and_page_links_are_shown(client):
    for i in range(PAGE_SIZE + 1):
        make_service(f"Service {i:02d}")
    content = client.get("/search/").content.decode()
    assert f"{PAGE_SIZE + 1} services found" in content
    assert "Page 1 of 2" in content
    assert 'rel="next" href="/search/?page=2"' in content


# --- What the public never sees ---------------------------------------------------------


@pytest.fixture
def hidden(keighley):
    """One visible service and four the public must never see, alike in everything else."""
    make_service("Visible", locations=[at(*KEIGHLEY)], support=["counselling"], languages=["ur"])
    like = {"locations": [at(*KEIGHLEY)], "support": ["counselling"], "languages": ["ur"]}
    return [
        make_service("Draft", status=Status.DRAFT, **like),
        make_service("Archived", status=Status.ARCHIVED, **like),
        make_service("Of a draft organisation", organisation=make_organisation(status=Status.DRAFT), **like),
        make_service("Of an archived organisation", organisation=make_organisation(status=Status.ARCHIVED), **like),
    ]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "Draft"},
        {"q": "organisation"},
        {"support": "counselling"},
        {"language": "ur"},
        {"postcode": "BD21 3DN"},
        {"bbox": "-2,53,-1,54"},
    ],
)
def test_drafts_archived_and_services_of_unpublished_organisations_never_appear(client, hidden, params):
    assert found(client, **params) in (["Visible"], [])
    content = client.get("/search/", params).content.decode()
    for service in hidden:
        assert service.get_absolute_url() not in content


def test_option_counts_leave_out_what_the_public_cannot_see(client, hidden):
    response = client.get("/search/")
    counts = {g.name: {c.option.value: c.count for c in g.choices} for g in response.context["filter_groups"]}
    assert counts["support"]["counselling"] == 1
    assert counts["language"]["ur"] == 1


def test_the_map_never_shows_hidden_services(client, hidden):
    data = client.get("/search/geojson/").json()
    assert [f["properties"]["name"] for f in data["features"]] == ["Visible"]


# --- Option counts ----------------------------------------------------------------------


def counts_of(response) -> dict[str, dict[str, int]]:
    groups = response.context["filter_groups"]
    return {g.name: {c.option.value: c.count for c in g.choices + g.more} for g in groups}


def test_each_option_shows_how_many_services_it_would_give(client, services):
    counts = counts_of(client.get("/search/"))
    assert counts["support"]["counselling"] == 2
    assert counts["language"]["pa"] == 2
    assert counts["referral"]["self"] == 2
    assert counts["cost"]["paid"] == 1


def test_community_counts_include_services_for_everyone(client, services):
    counts = counts_of(client.get("/search/"))["community"]
    assert counts["pakistani-kashmiri"] == 2
    assert counts["bangladeshi"] == 1
    assert counts["all-racialised-communities"] == 1


def test_gender_counts_include_services_for_anyone(client, services):
    counts = counts_of(client.get("/search/"))["gender"]
    assert counts == {"any": 1, "women": 2, "men": 2}


def test_counts_apply_the_other_filters_but_not_their_own(client, services):
    counts = counts_of(client.get("/search/", {"support": "counselling", "language": "ur"}))
    # Other languages are counted among counselling services; other support types among Urdu ones.
    assert counts["language"]["en"] == 1
    assert counts["language"]["ur"] == 1
    assert counts["support"]["befriending"] == 0
    assert counts["support"]["counselling"] == 1
    assert counts["mode"]["in-person"] == 1


def test_option_counts_are_shown_next_to_each_option(client, services):
    content = client.get("/search/").content.decode()
    assert 'Urdu <span lang="ur" dir="rtl">اردو</span>' in content
    assert '(1<span class="visually-hidden"> service</span>)' in content


# --- Active filters and the empty state -------------------------------------------------


def test_active_filters_each_link_to_the_search_without_them(client, services):
    response = client.get("/search/", {"language": ["ur", "pa"], "support": "counselling"})
    links = {a.label: a.remove_url for a in response.context["active_filters"]}
    # A language by its English name and its own, as in the filter.
    assert links["Language: Urdu (اردو)"] == "/search/?language=pa&support=counselling"
    assert links["Type of support: Counselling and talking therapy"] == "/search/?language=ur&language=pa"


def test_an_empty_search_suggests_a_wider_area_and_dropping_filters(client, spread):
    response = client.get("/search/", {"postcode": "BD21 3DN", "radius": "3", "support": "advocacy"})
    content = response.content.decode()
    assert "0 services found" in content
    assert 'href="/search/?postcode=BD21+3DN&amp;radius=5&amp;support=advocacy"' in content
    assert 'href="/search/?support=advocacy"' in content  # all of the region
    assert 'href="/search/?postcode=BD21+3DN&amp;radius=3"' in content  # without the filter


def test_every_result_shows_what_a_resident_and_a_gp_need(client, services):
    content = client.get("/search/", {"language": "ur"}).content.decode()
    assert "Amber" in content
    assert "We offer support." in content  # the one-line summary
    assert "Punjabi" in content and "(through an interpreter)" in content
    assert "Pakistani and Kashmiri" in content
    assert "<strong>GP or other health professional</strong>" in content
    assert "Last checked" in content
    assert '<div class="result__actions">' in content  # where the shortlist button goes


def test_a_very_stale_service_is_marked_as_possibly_out_of_date(client):
    make_service("Old", last_verified=days_ago(800))
    assert "This information may be out of date." in client.get("/search/").content.decode()


# --- Query counts -----------------------------------------------------------------------


def make_many(count: int) -> None:
    organisation = make_organisation()
    for i in range(count):
        make_service(
            f"Service {i}",
            organisation=organisation,
            support=["counselling"],
            communities=["indian"],
            languages=["ur", ("pa", "interpreter")],
            referrals=["gp"],
            modes=["in-person"],
            attributes=["faith-sensitive"],
            locations=[make_location(organisation, latitude=KEIGHLEY[0] + i * 0.001, longitude=KEIGHLEY[1])],
        )


# vocabularies 2, postcode 1, the matching ids (option counts from the facet index) 1,
# page 1 + 4 prefetches, example banner 1
PLACE_SEARCH_QUERIES = 10


@pytest.mark.parametrize("count", [3, 30])
def test_the_results_page_query_count_does_not_depend_on_the_number_of_results(
    client, keighley, django_assert_num_queries, count
):
    make_many(count)
    params = {"postcode": "BD21 3DN", "radius": "10", "language": "ur", "support": "counselling", "page": "1"}
    facet_index.current()  # built once per directory version (tests/test_facet_index.py pins that)
    with django_assert_num_queries(PLACE_SEARCH_QUERIES):
        response = client.get("/search/", params)
    assert len(response.context["page"].object_list) == min(count, PAGE_SIZE)


@pytest.mark.parametrize("count", [3, 30])
def test_a_keyword_search_query_count_does_not_depend_on_the_number_of_results(
    client, django_assert_num_queries, count
):
    make_many(count)
    # PostgreSQL asks once which words the listings contain (for typo tolerance).
    expected = 9 + (connection.vendor == "postgresql")
    # The index and its words, built once per directory version (before the first search
    # in a process, or in the background after a change).
    facet_index.current().words()
    with django_assert_num_queries(expected):
        response = client.get("/search/", {"q": "counselling", "community": "indian"})
    assert response.context["results"].count == count


# --- The search function ----------------------------------------------------------------


def test_search_can_be_called_without_a_request(services):
    results = search(SearchParams(support=("counselling",)), Vocabulary.load())
    assert results.count == 2
    assert [s.name for s in results.page.object_list] == ["Amber", "Cedar"]


def test_the_filterset_gives_the_same_services_as_a_queryset(services):
    from partners.filters import ServiceFilter
    from partners.search import public_services

    filterset = ServiceFilter({"language": ["pa"], "gender": ["men"]}, queryset=public_services())
    assert sorted(s.name for s in filterset.qs) == ["Birch"]
