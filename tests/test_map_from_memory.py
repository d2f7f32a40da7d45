"""The map's points for a map area or a place search, from the places kept in memory
(partners.place_index, partners.search.map), are exactly the SQL statement's: the same
GeoJSON as the view writes it, separate points and clusters alike, for boxes with places
on their edges or on the cluster grid's lines, services with several places or a place
without coordinates, names that tie, filters, and searches the index cannot answer (which
stay with SQL)."""

import json
import math
import random

import pytest
from django.db import connection
from django.db.models import F
from django.db.models.functions import Floor
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from partners import facet_index, map_cache, place_index, synthetic
from partners.models import Location, Service
from partners.postcodes import Place
from partners.search import Search, SearchParams, Vocabulary
from partners.search import map as search_map
from partners.search.place import haversine_twin, prepared_point
from tests.factories import make_location, make_organisation, make_postcode, make_service
from tests.test_place_index import random_box

CENTRES = [Place("BD21 3DN", 53.8687, -1.9075, False), Place("LS6 3HN", 53.8190, -1.5750, False)]
# The same name in several organisations (ordered by id), and names a collation may order
# differently (upper and lower case, accents): the database orders them, not Python.
NAMES = ["Talking circle", "talking circle", "Émile's group", "Zebra crossing", "ångström", "Abc", "abc", "Talk"]


@pytest.fixture
def mapped(db):
    """Generated services round two postcodes, plus services at 80 scattered places (with
    one, several or no place, or a place without coordinates, some sharing a place), and
    places exactly on the place index's cell edges."""
    make_postcode("BD21 3DN", 53.8687, -1.9075)
    make_postcode("LS6 3HN", 53.8190, -1.5750)
    synthetic.generate(40, seed=6)
    rng = random.Random(31)
    owners = [make_organisation(f"Owner {n}") for n in range(6)]
    points = [
        make_location(owners[0], latitude=53.85 + rng.uniform(-0.3, 0.3), longitude=-1.75 + rng.uniform(-0.5, 0.5))
        for _ in range(80)
    ]
    # On the edges of the place index's fine cells (0.01 by 0.015 degrees).
    points += [make_location(owners[0], latitude=53.8 + i * 0.01, longitude=-1.5 - i * 0.015) for i in range(6)]
    points += [make_location(owners[0], latitude=53.81, longitude=-1.515) for _ in range(2)]
    nowhere = make_location(owners[0], latitude=None, longitude=None)
    for n in range(90):
        chosen = rng.sample(points, rng.choice([0, 1, 1, 1, 2, 3]))
        if n % 13 == 0:
            chosen.append(nowhere)
        make_service(
            f"{NAMES[n % len(NAMES)]} {n // len(NAMES) % 2}",
            organisation=owners[n // (2 * len(NAMES))],
            locations=chosen,
            support=["counselling"] if n % 3 else [],
        )
    map_cache.directory_changed()


@pytest.fixture(params=["as built", "small cells"])
def grid(request, monkeypatch):
    """The place index's grid as built, and with cells a few hundred metres wide (so that
    boxes and circles cross many cells and wholly hold others)."""
    if request.param != "as built":
        monkeypatch.setattr(place_index, "FINE_LATITUDE", 0.002)
        monkeypatch.setattr(place_index, "FINE_LONGITUDE", 0.003)
        monkeypatch.setattr(place_index, "COARSE", 3)
    facet_index._current = None  # a grid with these sizes


def as_written(answer: dict) -> str:
    """The answer as the view writes it (partners.views.search_geojson)."""
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":"))


def both_maps(params: SearchParams, vocabulary: Vocabulary) -> tuple[dict, dict, list[str]]:
    """The map from memory (where the index answers) and from the statement, and the SQL
    the first ran."""
    with override_settings(MAP_CACHE_SECONDS=0):
        expected = search_map._map_features(Search(params, vocabulary))
    index = facet_index.current()
    assert index is not None
    index.places()
    with CaptureQueriesContext(connection) as statements:
        found = search_map._map_features(Search(params, vocabulary))
    return found, expected, [statement["sql"] for statement in statements]


def assert_same_map(params: SearchParams, vocabulary: Vocabulary) -> dict:
    found, expected, statements = both_maps(params, vocabulary)
    assert as_written(found) == as_written(expected), params
    assert found == expected
    # From memory unless there are keywords: no statement reads the places.
    reads_places = any("partners_location" in sql for sql in statements)
    assert reads_places == bool(params.q), (params, statements)
    return found


@pytest.mark.parametrize("most", [800, 25, 3])
def test_random_map_areas_and_place_searches_from_memory_are_the_statements_to_the_byte(
    mapped, grid, monkeypatch, most
):
    monkeypatch.setattr(search_map, "MAP_MAX_POINTS", most)
    vocabulary = Vocabulary.load()
    rng = random.Random(most)
    points = list(Location.objects.exclude(latitude=None).values_list("latitude", "longitude"))
    clustered = separate = 0
    for _ in range(50):
        place = None
        if rng.random() < 0.4:
            place = rng.choice(CENTRES) if rng.random() < 0.5 else Place("x", *rng.choice(points), False)
        params = SearchParams(
            q=rng.choice(["", "", "", "", "counselling"]),
            place=place,
            radius=rng.choice([1.0, 3.0, 10.0, 50.0, 7.3]),
            bbox=random_box(rng, points, widest=0.4, tallest=0.3, least=0.005)
            if place is None or rng.random() < 0.5
            else None,
            support=("counselling",) if rng.random() < 0.3 else (),
            age=30 if rng.random() < 0.1 else None,
        )
        found = assert_same_map(params, vocabulary)
        clustered += found["properties"]["clustered"]
        separate += not found["properties"]["clustered"] and len(found["features"]) > 1
    assert separate > 5 if most >= 25 else clustered > 5
    assert clustered > 5 if most <= 25 else clustered == 0


def test_places_on_the_boxes_edges_and_on_the_cluster_grids_lines_are_where_the_statement_puts_them(
    mapped, grid, monkeypatch
):
    """A box, and places exactly on its edges, corners and the lines between its grid's
    cells (worked out by the statement's arithmetic), a hair inside and outside them."""
    monkeypatch.setattr(search_map, "MAP_MAX_POINTS", 10)
    vocabulary = Vocabulary.load()
    west, south, east, north = -1.62, 53.71, -1.38, 53.89
    height = (north - south) / search_map.MAP_CLUSTER_GRID
    width = (east - west) / search_map.MAP_CLUSTER_GRID
    organisation = make_organisation("On the lines")
    for k in range(0, search_map.MAP_CLUSTER_GRID + 1, 3):
        for n, (latitude, longitude) in enumerate(
            [
                (south + k * height, west + k * width),
                (south + k * height, east),
                (north, west + k * width),
                (south, west),
                (north, east),
                (south - 1e-12, west + k * width),
                (south + k * height, east + 1e-12),
            ]
        ):
            make_service(
                f"Line {k} {n}",
                organisation=organisation,
                locations=[make_location(organisation, latitude=latitude, longitude=longitude)],
            )
    map_cache.directory_changed()
    for box in [(west, south, east, north), (west, south, west + width, south + height), (east, north, east, north)]:
        for params in [SearchParams(bbox=box), SearchParams(bbox=box, place=CENTRES[1], radius=10.0)]:
            assert_same_map(params, vocabulary)
    assert_same_map(SearchParams(place=Place("x", south, west, False), radius=3.0), vocabulary)
    monkeypatch.setattr(search_map, "MAP_MAX_POINTS", 800)
    assert_same_map(SearchParams(bbox=(west, south, east, north)), vocabulary)


def test_a_place_exactly_on_the_radius_is_on_the_map_and_a_hair_beyond_it_is_not(mapped, monkeypatch):
    vocabulary = Vocabulary.load()
    centre = CENTRES[1]
    far = make_location(latitude=centre.latitude + 0.05, longitude=centre.longitude + 0.05)
    service = make_service("On the radius", locations=[far])
    map_cache.directory_changed()
    exact = haversine_twin(centre.latitude, centre.longitude)(*prepared_point(far.latitude, far.longitude))
    for radius, inside in [(exact, True), (math.nextafter(exact, 0.0), False)]:
        found = assert_same_map(SearchParams(place=centre, radius=radius), vocabulary)
        names = [feature["properties"].get("name") for feature in found["features"]]
        assert (service.name in names) is inside


def test_an_empty_map_area_is_the_statements(mapped):
    assert_same_map(SearchParams(bbox=(10.0, 10.0, 10.5, 10.5)), Vocabulary.load())
    assert_same_map(SearchParams(bbox=(-1.6, 53.8, -1.5, 53.9), age=200), Vocabulary.load())


@pytest.fixture
def shared_places(db):
    """Twelve places, each of two services (so that every grid cell holding one holds two
    points: a cluster)."""
    organisation = make_organisation("Shared")
    places = [make_location(organisation, latitude=53.7 + i * 0.01, longitude=-1.8 + i * 0.01) for i in range(12)]
    make_service("First", organisation=organisation, locations=places)
    make_service("Second", organisation=organisation, locations=places)
    map_cache.directory_changed()


BOX = {"bbox": "-1.9,53.6,-1.6,53.9"}


def test_a_clustered_map_area_takes_one_query_fewer_and_reads_no_place(
    client, shared_places, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(search_map, "MAP_MAX_POINTS", 5)
    with override_settings(MAP_CACHE_SECONDS=0), django_assert_num_queries(3):  # vocabularies 2, the statement 1
        expected = client.get("/search/geojson/", BOX).json()
    facet_index.current().places()
    with django_assert_num_queries(2) as statements:  # the vocabularies: no point, no name
        found = client.get("/search/geojson/", BOX).json()
    assert found == expected and found["properties"] == {"count": 24, "clustered": True}
    assert all(feature["properties"]["cluster"] for feature in found["features"])
    assert not any("partners_location" in query["sql"] for query in statements.captured_queries)


def test_a_map_area_of_separate_points_reads_only_their_services_names(
    client, shared_places, django_assert_num_queries
):
    with override_settings(MAP_CACHE_SECONDS=0):
        expected = client.get("/search/geojson/", BOX).json()
    facet_index.current().places()
    with django_assert_num_queries(3) as statements:  # the vocabularies 2, the names 1
        found = client.get("/search/geojson/", BOX).json()
    assert found == expected and found["properties"] == {"count": 24, "clustered": False}
    names = statements.captured_queries[-1]["sql"]
    assert "partners_service" in names and "partners_location" not in names


def test_cluster_centres_of_places_with_six_decimals_are_the_statements(db, monkeypatch):
    """Coordinates with 6 decimals, as postcodes have: a small cluster's mean is often
    exactly halfway between two 5-decimal values, so it must not depend on the order in
    which the points are added (CENTRE_SCALE)."""
    monkeypatch.setattr(search_map, "MAP_MAX_POINTS", 20)
    rng = random.Random(6)
    organisation = make_organisation("Everywhere")
    locations = Location.objects.bulk_create(
        Location(
            organisation=organisation,
            latitude=round(53.7 + rng.uniform(0, 0.2), 6),
            longitude=round(-1.9 + rng.uniform(0, 0.3), 6),
        )
        for _ in range(3000)
    )
    for n in range(2):
        service = make_service(f"Everywhere {n}", organisation=organisation)
        Service.locations.through.objects.bulk_create(
            Service.locations.through(service=service, location=location) for location in locations[n::2]
        )
    map_cache.directory_changed()
    vocabulary = Vocabulary.load()
    for _ in range(10):
        west, south = -1.9 + rng.uniform(0, 0.15), 53.7 + rng.uniform(0, 0.1)
        box = (round(west, 5), round(south, 5), round(west + rng.uniform(0.02, 0.15), 5), round(south + 0.1, 5))
        assert assert_same_map(SearchParams(bbox=box), vocabulary)["properties"]["clustered"]
    assert assert_same_map(SearchParams(place=CENTRES[1], radius=10.0), vocabulary)["properties"]["clustered"]


def test_each_points_whole_microdegrees_and_service_kept_in_memory_are_the_databases(mapped):
    """The places in memory round every point once, as the statement rounds it for a
    cluster's centre (FLOOR(value * CENTRE_SCALE + 0.5), in the database), and keep its
    service's pk: halfway values and negative ones included."""
    organisation = make_organisation("Halfway")
    halfway = [(53.8000005, -1.5000005), (53.7123455, -1.2345675), (-0.0000005, 0.0000005), (53.9, -1.0)]
    make_service(
        "Halfway",
        organisation=organisation,
        locations=[make_location(organisation, latitude=lat, longitude=lon) for lat, lon in halfway],
    )
    map_cache.directory_changed()
    index = facet_index.current()
    places = index.places()
    scale = search_map.CENTRE_SCALE
    rounded = {
        pk: (int(latitude), int(longitude))
        for pk, latitude, longitude in Location.objects.exclude(latitude=None).values_list(
            "pk", Floor(F("latitude") * scale + 0.5), Floor(F("longitude") * scale + 0.5)
        )
    }
    kept = zip(places.place_ids, places.whole_latitudes, places.whole_longitudes, strict=True)
    assert {pk: (latitude, longitude) for pk, latitude, longitude in kept} == {
        pk: rounded[pk] for pk in places.place_ids
    }
    assert len(places.place_ids) > 100
    assert list(places.service_ids) == [index.ids[i] for i in places.positions]
