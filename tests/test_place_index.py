"""Place searches answered from the places kept in memory (partners.place_index) are exactly
those of the SQL (Search.counts without a shared cache): the same services, order, counts
and distances, to the last bit, including points exactly on the radius, services with
several places, with none, or with a place that has no coordinates."""

import math
import random
from array import array

import numpy
import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from partners import facet_index, map_cache, place_index, synthetic
from partners.models import Location, Service, ServiceLocation, Status
from partners.postcodes import Place
from partners.search import FACETS, PAGE_SIZE, Search, SearchParams, Vocabulary
from partners.search import map as search_map
from partners.search import place as search_place
from partners.search.place import (
    NUMPY_MARGIN_MILES,
    distance_box,
    haversine_numpy,
    haversine_twin,
    in_box,
    near_locations,
    prepared_point,
)
from tests.factories import days_ago, make_location, make_organisation, make_postcode, make_service

CENTRES = [Place("BD21 3DN", 53.8687, -1.9075, False), Place("LS6 3HN", 53.8190, -1.5750, False)]
WORDS = ["", "", "", "counselling", "support women"]


@pytest.fixture
def places(db):
    """Generated services (many on the same three points, so distances tie), plus services
    scattered over 80 places: with one, several or no place, a place with no coordinates,
    very stale ones, and a draft near everything."""
    make_postcode("BD21 3DN", 53.8687, -1.9075)
    make_postcode("BD7 1DP", 53.7857, -1.7709)
    make_postcode("LS6 3HN", 53.8190, -1.5750)
    synthetic.generate(60, seed=4)
    rng = random.Random(8)
    organisation = make_organisation("Scattered")
    points = [
        make_location(organisation, latitude=53.85 + rng.uniform(-0.4, 0.4), longitude=-1.75 + rng.uniform(-0.6, 0.6))
        for _ in range(80)
    ]
    owners = [organisation, make_organisation("Scattered too"), make_organisation("Scattered three")]
    nowhere = make_location(organisation, latitude=None, longitude=None)
    for n in range(100):
        chosen = rng.sample(points, rng.choice([0, 1, 1, 1, 2, 3]))
        if n % 17 == 0:
            chosen.append(nowhere)
        make_service(
            f"Scattered {n % 40:02d}",
            organisation=owners[n % 3],  # a name is unique within its organisation
            locations=chosen,
            support=["counselling"] if n % 3 else [],
            last_verified=days_ago(900) if n % 5 == 0 else days_ago(1),
        )
    make_service("Draft nearby", organisation=organisation, status=Status.DRAFT, locations=points)
    map_cache.directory_changed()


def answer(counts) -> tuple:
    return counts.total, counts.options, [(s.pk, s.distance) for s in counts.page]


def both_ways(params: SearchParams, vocabulary: Vocabulary, page: int = 1) -> tuple[tuple, tuple]:
    with override_settings(MAP_CACHE_SECONDS=0):
        expected = answer(Search(params, vocabulary).counts(FACETS, page=page))
    assert facet_index.current() is not None
    return answer(Search(params, vocabulary).counts(FACETS, page=page)), expected


@pytest.fixture(params=["as built", "small cells, walking"])
def grid(request, monkeypatch):
    """The grid as built, and with cells a few hundred metres wide and nearest first always
    walking the cells (the fixture's few services would otherwise be measured one by one)."""
    if request.param != "as built":
        monkeypatch.setattr(place_index, "FINE_LATITUDE", 0.002)
        monkeypatch.setattr(place_index, "FINE_LONGITUDE", 0.003)
        monkeypatch.setattr(place_index, "COARSE", 3)
        monkeypatch.setattr(place_index, "FEW_SERVICES", 0)
    facet_index._current = None  # a grid with these sizes


def test_the_python_distance_is_the_sqls_to_the_last_bit(places):
    located = Location.objects.exclude(latitude=None)
    for centre in [*CENTRES, Place("x", 53.9, -1.3, False)]:
        distance = haversine_twin(centre.latitude, centre.longitude)
        found = near_locations(centre, 200.0).values_list("location__latitude", "location__longitude", "distance")
        assert len(found) >= located.count()
        for latitude, longitude, expected in found:
            assert distance(*prepared_point(latitude, longitude)) == expected


def test_numpys_distances_are_within_the_margin_of_the_sqls(places):
    located = list(Location.objects.exclude(latitude=None).values_list("latitude", "longitude"))
    columns = [numpy.array(column) for column in zip(*(prepared_point(*point) for point in located), strict=True)]
    for centre in [*CENTRES, Place("x", 53.9, -1.3, False), Place("far", -33.9, 151.2, False)]:
        distance = haversine_twin(centre.latitude, centre.longitude)
        exact = numpy.array([distance(*prepared_point(*point)) for point in located])
        measured = haversine_numpy(centre.latitude, centre.longitude, *columns)
        assert numpy.abs(measured - exact).max() < NUMPY_MARGIN_MILES / 1000


def test_numpys_errors_within_the_margin_never_change_which_places_are_near(places, monkeypatch):
    """The points numpy puts within the margin of the radius are decided by the SQL's twin:
    distances off by almost the margin, either way, give the same services."""
    vocabulary = Vocabulary.load()
    centre = CENTRES[1]
    distance = haversine_twin(centre.latitude, centre.longitude)
    radii = [
        distance(*prepared_point(latitude, longitude))
        for latitude, longitude in Location.objects.exclude(latitude=None).values_list("latitude", "longitude")[:10]
    ]
    for error in (0.9 * NUMPY_MARGIN_MILES, -0.9 * NUMPY_MARGIN_MILES):
        off = lambda *args, error=error: search_place.haversine_numpy(*args) + error  # noqa: E731
        monkeypatch.setattr(place_index, "haversine_numpy", off)
        facet_index._current = None
        for radius in radii:
            for shown in (radius, math.nextafter(radius, 0.0)):
                found, expected = both_ways(SearchParams(place=centre, radius=shown), vocabulary)
                assert found == expected, (error, shown)


def test_random_place_searches_from_memory_answer_exactly_as_the_sql(places, grid):
    vocabulary = Vocabulary.load()
    rng = random.Random(12)
    points = list(Location.objects.exclude(latitude=None).values_list("latitude", "longitude"))
    for _ in range(80):
        # A postcode, or exactly on a place.
        centre = rng.choice(CENTRES) if rng.random() < 0.5 else Place("x", *rng.choice(points), False)
        params = SearchParams(
            q=rng.choice(WORDS),
            place=centre,
            radius=rng.choice([1.0, 3.0, 10.0, 50.0, 7.3]),
            sort=rng.choice(["", "name", "relevance", "distance", "distance"]),
            support=("counselling",) if rng.random() < 0.3 else (),
            age=30 if rng.random() < 0.1 else None,
            open_now=rng.random() < 0.1,
        )
        found, expected = both_ways(params, vocabulary, page=rng.choice([1, 1, 2, 3]))
        assert found == expected, params


def test_every_page_nearest_first_is_the_sqls_and_ends_with_the_services_with_no_place(places, grid):
    vocabulary = Vocabulary.load()
    params = SearchParams(place=CENTRES[0], radius=15.0, sort="distance")
    total = Search(params, vocabulary).counts(FACETS).total
    listed = []
    for page in range(1, total // PAGE_SIZE + 2):
        found, expected = both_ways(params, vocabulary, page=page)
        assert found == expected, page
        listed += found[2]
    assert len(listed) == total == len({pk for pk, _d in listed})
    remote = set(Service.objects.public().filter(locations=None).values_list("pk", flat=True))
    assert remote and {pk for pk, d in listed if d is None} == remote
    assert [pk for pk, _d in listed[-len(remote) :]] and all(d is None for _pk, d in listed[-len(remote) :])


def test_a_place_exactly_on_the_radius_is_in_and_a_hair_inside_it_is_out_as_in_the_sql(places, grid):
    vocabulary = Vocabulary.load()
    centre = CENTRES[1]
    distance = haversine_twin(centre.latitude, centre.longitude)
    for location in Location.objects.exclude(latitude=None).exclude(services=None)[:12]:
        exact = distance(*prepared_point(location.latitude, location.longitude))
        for radius, inside in [(exact, True), (math.nextafter(exact, 0.0), False)]:
            params = SearchParams(place=centre, radius=radius, sort="distance")
            found, expected = both_ways(params, vocabulary, page=1)
            assert found == expected, radius
            with override_settings(MAP_CACHE_SECONDS=0):
                near = set(near_locations(centre, radius).values_list("location_id", flat=True))
            assert (location.pk in near) is inside


def test_a_directory_with_no_places_lists_every_service_in_a_place_search(db):
    make_service("By phone")
    make_service("By video")
    vocabulary = Vocabulary.load()
    for sort in ["distance", "name"]:
        found, expected = both_ways(SearchParams(place=CENTRES[0], radius=3.0, sort=sort), vocabulary)
        assert found == expected
        assert found[0] == 2 and [d for _pk, d in found[2]] == [None, None]


def test_the_places_are_loaded_in_one_query_on_the_first_place_search(places, django_assert_num_queries):
    index = facet_index.current()
    with django_assert_num_queries(1):
        places = index.places()
    assert places is index.places()
    links = ServiceLocation.objects.filter(service__in=Service.objects.public(), location__latitude__isnull=False)
    assert len(places.positions) == links.count() > 100


@pytest.mark.parametrize("cells", [(0.01, 0.015, 8), (0.002, 0.003, 3)])
def test_nearest_first_and_the_services_near_are_those_of_measuring_every_place(monkeypatch, cells):
    """Thousands of places at distinct distances (where stopping the walk over the cells
    too early would show): the grid's answers are those of measuring every place by the
    rule (the box, then the distance), which the tests above hold to the SQL's."""
    monkeypatch.setattr(place_index, "FINE_LATITUDE", cells[0])
    monkeypatch.setattr(place_index, "FINE_LONGITUDE", cells[1])
    monkeypatch.setattr(place_index, "COARSE", cells[2])
    monkeypatch.setattr(place_index, "FEW_SERVICES", 0)
    rng = random.Random(21)
    size = 3000
    links = [
        (pk, 53.8 + rng.uniform(-0.2, 0.2), -1.7 + rng.uniform(-0.3, 0.3))
        for pk in range(size)
        for _ in range(rng.choice([0, 1, 1, 2]))
    ]
    links += [(pk, None, None) for pk in range(0, size, 50)]
    rows = [(pk, latitude, longitude, n, n) for n, (pk, latitude, longitude) in enumerate(links)]
    grid = place_index.PlaceIndex({pk: pk for pk in range(size)}, size, rows)
    for _ in range(30):
        centre = Place("x", 53.8 + rng.uniform(-0.25, 0.25), -1.7 + rng.uniform(-0.35, 0.35), False)
        radius = rng.choice([0.5, 2.0, 5.0, 20.0])
        west, south, east, north = distance_box(centre.latitude, centre.longitude, radius)
        distance = haversine_twin(centre.latitude, centre.longitude)
        nearest = {}
        for pk, latitude, longitude in links:
            if latitude is not None and south <= latitude <= north and west <= longitude <= east:
                d = distance(*prepared_point(latitude, longitude))
                if d <= radius:
                    nearest[pk] = min(d, nearest.get(pk, math.inf))
        remote = set(range(size)) - {pk for pk, _lat, _lon in links}
        near = grid.near(centre, radius)
        assert {i for i in range(size) if near >> i & 1} == set(nearest) | remote
        members = sum(1 << pk for pk in nearest if rng.random() < 0.7)
        count = rng.choice([1, 10, 60, 5000])
        expected = sorted((d, pk) for pk, d in nearest.items() if members >> pk & 1)[:count]
        assert grid.closest(centre, radius, members, count) == expected
        page = [pk for _d, pk in expected[:10]]
        assert grid.nearest(centre, radius, page) == [nearest[pk] for pk in page]


def test_a_place_moved_away_leaves_the_next_place_search(places):
    vocabulary = Vocabulary.load()
    centre = CENTRES[0]
    params = SearchParams(place=centre, radius=1.0, sort="distance")
    here = make_location(latitude=centre.latitude + 0.001, longitude=centre.longitude)
    make_service("Moving", locations=[here])
    before = Search(params, vocabulary).counts(FACETS, page=1)
    here.latitude += 1.0
    here.save()
    found, expected = both_ways(params, vocabulary)
    assert found == expected
    assert found[0] == before.total - 1


def random_box(
    rng: random.Random,
    points: list[tuple[float, float]],
    widest: float = 0.3,
    tallest: float = 0.2,
    least: float = 0.01,
) -> tuple[float, float, float, float]:
    """A map area: random (its half sides from `least` to `widest` and `tallest`
    degrees), or with its edges exactly on places (edges are inside)."""
    if rng.random() < 0.5:
        (south, west), (north, east) = sorted(rng.sample(points, 2))
        return min(west, east), south, max(west, east), north
    latitude, longitude = rng.choice(points)
    half_width, half_height = rng.uniform(least, widest), rng.uniform(least, tallest)
    return longitude - half_width, latitude - half_height, longitude + half_width, latitude + half_height


def test_the_services_in_a_map_area_are_those_of_the_sqls_box_to_the_edge(places, grid):
    rng = random.Random(5)
    points = list(Location.objects.exclude(latitude=None).values_list("latitude", "longitude"))
    index = facet_index.current()
    for _ in range(60):
        box = random_box(rng, points)
        expected = set(ServiceLocation.objects.filter(in_box(box)).values_list("service_id", flat=True))
        found = index.places().in_box(box)
        assert {index.ids[i] for i in range(index.size) if found >> i & 1} == expected & set(index.ids), box


def test_random_map_area_searches_and_their_maps_from_memory_answer_exactly_as_the_sql(places, grid):
    vocabulary = Vocabulary.load()
    rng = random.Random(21)
    points = list(Location.objects.exclude(latitude=None).values_list("latitude", "longitude"))
    for _ in range(60):
        params = SearchParams(
            q=rng.choice(WORDS),
            place=rng.choice(CENTRES) if rng.random() < 0.3 else None,
            radius=rng.choice([3.0, 10.0, 50.0]),
            bbox=random_box(rng, points),
            sort=rng.choice(["", "name", "distance"]),
            support=("counselling",) if rng.random() < 0.3 else (),
            age=30 if rng.random() < 0.1 else None,
        )
        found, expected = both_ways(params, vocabulary, page=rng.choice([1, 1, 2]))
        assert found == expected, params
        # The map's own statement (not its cache) reads the index's services when it can.
        with override_settings(MAP_CACHE_SECONDS=0):
            expected_map = search_map._map_features(Search(params, vocabulary))
        assert search_map._map_features(Search(params, vocabulary)) == expected_map, params


def test_a_map_area_reads_its_services_from_the_index_in_one_statement(places):
    vocabulary = Vocabulary.load()
    params = SearchParams(bbox=(-2.2, 53.5, -1.3, 54.2), support=("counselling",))
    facet_index.current().places()  # loaded
    with CaptureQueriesContext(connection) as statements:
        geojson = search_map._map_features(Search(params, vocabulary))
    # Which services match comes from the index: no organisation is read to find them.
    assert len(statements) == 1 and "partners_organisation" not in statements[0]["sql"]
    with override_settings(MAP_CACHE_SECONDS=0), CaptureQueriesContext(connection) as statements:
        assert search_map._map_features(Search(params, vocabulary)) == geojson
    assert "partners_organisation" in statements[0]["sql"]
    assert geojson["properties"]["count"] > 10


@pytest.mark.parametrize("cells", [(0.01, 0.015, 8), (0.002, 0.003, 3)])
def test_a_map_areas_services_and_points_are_those_of_comparing_every_place_with_the_box(monkeypatch, cells):
    """Thousands of places, some exactly on the boxes' edges: the services in a box and the
    points of some of them (their links') are those of comparing every place by the box
    rule, whether or not the same box's services were just asked for (which lets the map
    skip checking its points' services), and with every service or some."""
    monkeypatch.setattr(place_index, "FINE_LATITUDE", cells[0])
    monkeypatch.setattr(place_index, "FINE_LONGITUDE", cells[1])
    monkeypatch.setattr(place_index, "COARSE", cells[2])
    rng = random.Random(8)
    size = 3000
    links = [
        (pk, round(53.8 + rng.uniform(-0.2, 0.2), rng.choice([2, 3, 6])), -1.7 + rng.uniform(-0.3, 0.3))
        for pk in range(size)
        for _ in range(rng.choice([0, 1, 1, 2]))
    ]
    rows = [(pk, latitude, longitude, n, n) for n, (pk, latitude, longitude) in enumerate(links)]
    grid = place_index.PlaceIndex({pk: pk for pk in range(size)}, size, rows)
    everyone = (1 << size) - 1
    for _ in range(40):
        _pk, latitude, longitude = rng.choice(links)
        south = latitude if rng.random() < 0.5 else round(latitude - rng.uniform(0, 0.1), 2)
        west = longitude - rng.uniform(0, 0.2)
        box = (west, south, longitude + rng.uniform(0, 0.2), latitude + rng.choice([0, 0.05, 0.1]))
        inside = [n for n, (_pk, lat, lon) in enumerate(links) if box[1] <= lat <= box[3] and box[0] <= lon <= box[2]]
        owners = {links[n][0] for n in inside}
        for asked_first, members in [(True, everyone), (False, everyone), (True, 0), (True, None), (False, None)]:
            if members is None:  # some of the box's services and some others
                members = sum(1 << pk for pk in range(size) if rng.random() < 0.5)
            grid._last_in_box = (None, 0)
            if asked_first:
                assert grid.in_box(box) == sum(1 << pk for pk in owners)
            found = [grid.link_ids[n] for n in grid.map_points(members, box)]
            assert sorted(found) == [n for n in inside if members >> links[n][0] & 1]


def test_picking_the_values_of_no_one_or_many_points_gives_a_tuple_of_them():
    values = array("d", [0.5, 1.5, 2.5, 3.5])
    assert place_index.picker([])(values) == ()
    assert place_index.picker([2])(values) == (2.5,)
    assert place_index.picker(range(1, 3))(values) == (1.5, 2.5)
    assert place_index.picker([3, 0, 3])(values) == (3.5, 0.5, 3.5)
