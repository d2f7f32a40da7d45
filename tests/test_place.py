"""Place searches: the box that lets the coordinates index prefilter never changes an
answer. The site, the map and the API give exactly what the distance rule (`haversine`)
gives when it is worked out for every place, with no box at all."""

import math
import random

import pytest

from api.hsds import location_uuid
from partners.models import Service, ServiceLocation
from partners.postcodes import Place
from partners.search import (
    EARTH_RADIUS_METRES,
    METRES_PER_MILE,
    PAGE_SIZE,
    Search,
    SearchParams,
    Vocabulary,
    distance_box,
    haversine,
)
from partners.search.place import EARTH_RADIUS_MILES
from tests.factories import make_location, make_organisation, make_postcode, make_service

BRADFORD = (53.7935, -1.7499)


def destination(latitude: float, longitude: float, bearing: float, miles: float) -> tuple[float, float]:
    """The point `miles` along the great circle from a point at a bearing, on the sphere
    the distance rule uses."""
    angle, heading = miles / EARTH_RADIUS_MILES, math.radians(bearing)
    lat1, lon1 = math.radians(latitude), math.radians(longitude)
    lat2 = math.asin(math.sin(lat1) * math.cos(angle) + math.cos(lat1) * math.sin(angle) * math.cos(heading))
    lon2 = lon1 + math.atan2(
        math.sin(heading) * math.sin(angle) * math.cos(lat1), math.cos(angle) - math.sin(lat1) * math.sin(lat2)
    )
    return math.degrees(lat2), math.degrees(lon2)


@pytest.mark.parametrize("latitude", [0.0, 30.0, 50.1, 53.8, 58.6, 75.0])
@pytest.mark.parametrize("radius", [0.1, 1.0, 3.0, 20.0, 50.0, 3_000.0, 7_000.0, 12_000.0, 1e12])
def test_the_box_holds_every_point_within_the_radius(latitude, radius):
    west, south, east, north = distance_box(latitude, -1.75, radius)
    for bearing in range(0, 360, 3):
        lat, lon = destination(latitude, -1.75, bearing, radius * 0.9999)
        assert south <= lat <= north and west <= lon <= east, (bearing, lat, lon)


@pytest.mark.parametrize("miles", [3_000.0, 7_000.0, 12_000.0, 1e12])
def test_a_circle_bigger_than_a_quarter_of_the_globe_takes_every_longitude(miles):
    west, _south, east, _north = distance_box(53.8, -1.75, miles)
    assert west <= -180 and east >= 180


def test_the_api_takes_a_proximity_wider_than_the_earth(client, edge):
    for metres in (1e7, 4e7, 1e300):
        response = client.get("/api/services", {"postcode": "BD1 1AA", "proximity": metres})
        assert response.status_code == 200
        assert [service["name"] for service in response.json()["contents"]] == ["East edge"]


def test_the_box_stays_close_to_the_circle():
    # A box much wider than the circle would make the index read places for nothing.
    _west, _south, east, north = distance_box(53.8, -1.75, 10.0)
    lat, _lon = destination(53.8, -1.75, 0, 10.0)
    _lat, lon = destination(53.8, -1.75, 90, 10.0)
    assert north - 53.8 < (lat - 53.8) * 1.002
    assert east + 1.75 < (lon + 1.75) * 1.002


@pytest.fixture
def edge(db):
    """A postcode and a service 19.995 miles due east of it, by the distance rule: the
    east and west edges of the circle are where a box drawn too narrow cuts first."""
    make_postcode("BD1 1AA", *BRADFORD)
    latitude, longitude = destination(*BRADFORD, 90, 19.995)
    return make_service("East edge", locations=[make_location(latitude=latitude, longitude=longitude)])


def test_a_place_just_inside_the_radius_at_its_east_edge_is_found(client, edge):
    page = Search(SearchParams(place=Place("BD1 1AA", *BRADFORD, False), radius=20.0), Vocabulary.load()).results()
    assert [(service.name, round(service.distance, 2)) for service in page.page] == [("East edge", 20.0)]
    response = client.get("/api/services", {"postcode": "BD1 1AA", "proximity": 20 * METRES_PER_MILE})
    assert [service["name"] for service in response.json()["contents"]] == ["East edge"]
    response = client.get("/api/service_at_locations", {"postcode": "BD1 1AA", "proximity": 20 * METRES_PER_MILE})
    assert len(response.json()["contents"]) == 1


PLACES = [BRADFORD, (53.868739, -1.907502), (54.05, -2.8), (53.5, -1.2)]


@pytest.fixture
def spread(db):
    """Sixty services with 0-3 places scattered over about 50 by 40 miles round
    Bradford, some sharing a place, named so every order is decided by distance or name."""
    chance = random.Random(12)
    for n, (latitude, longitude) in enumerate(PLACES):
        make_postcode(f"BD{n + 1} 1AA", latitude, longitude)
    organisations = [make_organisation(f"Organisation {n}") for n in range(6)]
    shared = [
        make_location(organisations[0], latitude=53.80, longitude=-1.76),
        make_location(organisations[0], latitude=53.9, longitude=-1.6),
    ]
    for n in range(60):
        organisation = chance.choice(organisations)
        places = [
            make_location(
                organisation,
                latitude=BRADFORD[0] + chance.uniform(-0.35, 0.35),
                longitude=BRADFORD[1] + chance.uniform(-0.7, 0.7),
            )
            for _ in range(chance.randint(0, 3))
        ]
        if n % 7 == 0:
            places.append(chance.choice(shared))
        make_service(f"Service {chance.randint(0, 99):02d}-{n:02d}", organisation=organisation, locations=places)


def nearest_by_the_rule(place: Place, earth_radius: float = EARTH_RADIUS_MILES) -> dict[int, float | None]:
    """Each service's distance to its nearest place, worked out in the database for every
    place (no box, no index); None for services with no place."""
    rows = ServiceLocation.objects.annotate(
        d=haversine(place.latitude, place.longitude, "location__latitude", "location__longitude", earth_radius)
    ).values_list("service_id", "d")
    nearest: dict[int, float | None] = {}
    for service_id, d in rows:
        nearest[service_id] = d if service_id not in nearest else min(nearest[service_id], d)
    for service_id in Service.objects.values_list("pk", flat=True):
        nearest.setdefault(service_id, None)
    return nearest


@pytest.mark.parametrize("radius", [1.0, 3.0, 5.0, 10.0, 25.0])
@pytest.mark.parametrize("where", range(len(PLACES)))
def test_the_site_gives_the_services_distances_and_order_of_the_rule(spread, radius, where):
    place = Place(f"BD{where + 1} 1AA", *PLACES[where], False)
    nearest = nearest_by_the_rule(place)
    names = dict(Service.objects.values_list("pk", "name"))
    expected = sorted(
        ((pk, d) for pk, d in nearest.items() if d is None or d <= radius),
        key=lambda row: (row[1] is None, row[1] or 0, names[row[0]], row[0]),
    )
    search = Search(SearchParams(place=place, radius=radius), Vocabulary.load())
    found, page = [], 1
    while True:
        results = search.results(page)
        found += [(service.pk, service.distance) for service in results.page]
        if not results.page.has_next():
            break
        page += 1
    assert results.count == len(expected)
    assert found == expected
    if where == 0 and radius == 25:
        assert len(expected) > PAGE_SIZE  # several pages, each in the same order


@pytest.mark.parametrize("miles", [1.0, 5.0, 25.0])
@pytest.mark.parametrize("where", range(len(PLACES)))
def test_the_map_gives_the_places_of_the_rule(spread, miles, where):
    place = Place(f"BD{where + 1} 1AA", *PLACES[where], False)
    rows = ServiceLocation.objects.annotate(
        d=haversine(place.latitude, place.longitude, "location__latitude", "location__longitude")
    ).values_list("service_id", "location_id", "d")
    expected = sorted((service, location) for service, location, d in rows if d <= miles)
    points = Search(SearchParams(place=place, radius=miles), Vocabulary.load()).map_points()
    assert sorted(points.values_list("service_id", "location_id")) == expected


@pytest.mark.parametrize("metres", [1500, 8000, 40000])
@pytest.mark.parametrize("where", range(len(PLACES)))
def test_the_api_gives_the_services_and_places_of_the_rule(client, spread, metres, where):
    place = Place(f"BD{where + 1} 1AA", *PLACES[where], False)
    query = {"postcode": f"BD{where + 1} 1AA", "proximity": metres, "per_page": 100}
    nearest = nearest_by_the_rule(place, EARTH_RADIUS_METRES)
    services = {service.pk: service for service in Service.objects.all()}
    expected = sorted(
        (pk for pk, d in nearest.items() if d is None or d <= metres),
        key=lambda pk: (nearest[pk] is None, nearest[pk] or 0, services[pk].name, pk),
    )
    response = client.get("/api/services", query)
    assert [service["id"] for service in response.json()["contents"]] == [
        str(services[pk].public_id) for pk in expected
    ]
    links = ServiceLocation.objects.select_related("service", "location__organisation").annotate(
        d=haversine(place.latitude, place.longitude, "location__latitude", "location__longitude", EARTH_RADIUS_METRES)
    )
    expected_links = sorted(
        (link for link in links if link.d <= metres), key=lambda row: (row.d, row.service.name, row.pk)
    )
    response = client.get("/api/service_at_locations", query)
    assert [(item["service"]["id"], item["location"]["id"]) for item in response.json()["contents"]] == [
        (str(link.service.public_id), str(location_uuid(link.location.organisation.public_id, link.location_id)))
        for link in expected_links
    ]
