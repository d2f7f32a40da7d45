"""Place and distance: the one distance rule of the site, the map and the API.

`haversine` is the rule; an index only prefilters. Every place search first keeps the
places in a latitude/longitude box round the circle (`distance_box`, `in_box`), which the
btree index on (latitude, longitude) of partners_location (migration 0004) answers on
PostgreSQL and SQLite alike, then works the exact distance out for those alone. Measured
at 100,000 services (docs/performance.md, "After: place searches"), PostgreSQL's contrib
cube + earthdistance (a GiST index on ll_to_earth and an earth_box prefilter) did worse:
slower for the same box (it cannot answer from the index alone), looser (its box held 17 %
more places at 3 miles) and estimated 170 times too few rows, which misleads the planner;
and it needs extensions and hand-written SQL. So there is no such index. PostGIS is not used.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import numpy
from django.db.models import Expression, F, FloatField, Q, QuerySet, Value
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

from ..models import ServiceLocation
from ..postcodes import Place

# Mean Earth radius (IUGG), in miles: haversine on it is within 0.5% of the geodesic.
EARTH_RADIUS_METRES = 6_371_008.8
METRES_PER_MILE = 1609.344
EARTH_RADIUS_MILES = EARTH_RADIUS_METRES / METRES_PER_MILE
MILES_PER_DEGREE_LATITUDE = 69.0
# --- Place ------------------------------------------------------------------------


def haversine(
    latitude: float, longitude: float, lat_field: str, lon_field: str, earth_radius: float = EARTH_RADIUS_MILES
) -> Expression:
    """Great-circle distance from a point to the point in two fields, in SQL, in the unit of
    earth_radius (miles by default; the API passes EARTH_RADIUS_METRES). The one distance
    rule of the site, the map and the API."""
    lat1 = math.radians(latitude)
    half_dlat = (Radians(F(lat_field)) - Value(lat1)) / Value(2.0)
    half_dlon = (Radians(F(lon_field)) - Value(math.radians(longitude))) / Value(2.0)
    a = Power(Sin(half_dlat), 2) + Value(math.cos(lat1)) * Cos(Radians(F(lat_field))) * Power(Sin(half_dlon), 2)
    # Least(): rounding must never push asin() out of its domain.
    return Value(2 * earth_radius) * ASin(Sqrt(Least(a, Value(1.0))), output_field=FloatField())


def haversine_twin(latitude: float, longitude: float, earth_radius: float = EARTH_RADIUS_MILES):
    """`haversine` worked out in Python, for the places held in memory (partners.place_index):
    the same operations in the same order on the same doubles, with the same C library's
    sin, cos, pow, sqrt and asin as PostgreSQL's and SQLite's (Django's) functions, so the
    distances are the very floats the SQL gives (tests/test_place_index.py checks them).

    Returns distance(*prepared_point(latitude, longitude)): the distance from this place to
    a point, from what `prepared_point` worked out once per point. Change both rules together."""
    lat1 = math.radians(latitude)
    lon1 = math.radians(longitude)
    cos_lat1 = math.cos(lat1)
    twice_radius = 2 * earth_radius
    sin, power, sqrt, asin = math.sin, math.pow, math.sqrt, math.asin

    def distance(lat_r: float, lon_r: float, cos_lat: float) -> float:
        a = power(sin((lat_r - lat1) / 2.0), 2) + cos_lat1 * cos_lat * power(sin((lon_r - lon1) / 2.0), 2)
        return twice_radius * asin(sqrt(min(a, 1.0)))

    return distance


# How far numpy's distances may be from `haversine_twin`'s, in miles, at most: its sin,
# asin and sqrt are within a few units in the last place of the C library's (about 1e-12
# miles at the far side of the earth), so a point further than this from the radius is on
# the same side of it by both; a point closer is measured by the twin itself.
NUMPY_MARGIN_MILES = 1e-6


def haversine_numpy(latitude: float, longitude: float, lat_r, lon_r, cos_lat, earth_radius: float = EARTH_RADIUS_MILES):
    """`haversine_twin` over numpy arrays of prepared points, for deciding which side of a
    radius many points are on: the same formula, but not always the very same floats
    (see NUMPY_MARGIN_MILES): never a distance shown or ordered by."""
    lat1 = math.radians(latitude)
    lon1 = math.radians(longitude)
    a = numpy.sin((lat_r - lat1) / 2.0) ** 2 + math.cos(lat1) * cos_lat * numpy.sin((lon_r - lon1) / 2.0) ** 2
    return (2 * earth_radius) * numpy.arcsin(numpy.sqrt(numpy.minimum(a, 1.0)))


def prepared_point(latitude: float, longitude: float) -> tuple[float, float, float]:
    """What `haversine_twin` needs of a point: radians(latitude), radians(longitude) and
    cos(radians(latitude)), as the SQL works them out."""
    lat_r = math.radians(latitude)
    return lat_r, math.radians(longitude), math.cos(lat_r)


def prepared_points(latitudes: Iterable[float], longitudes: Iterable[float]) -> tuple[Iterator[float], ...]:
    """`prepared_point` of many points, as three columns (each worked out by `map`)."""
    lat_r = list(map(math.radians, latitudes))
    return iter(lat_r), map(math.radians, longitudes), map(math.cos, lat_r)


def distance_box(latitude: float, longitude: float, radius: float) -> tuple[float, float, float, float]:
    """A latitude/longitude box (west, south, east, north) holding every point within radius
    miles by `haversine`: an index-friendly prefilter before the exact distance, so it must
    never cut a point that rule keeps. On the sphere of EARTH_RADIUS_MILES the circle reaches
    the angle radius / R north and south, and asin(sin(angle) / cos(latitude)) east and
    west (wider than angle / cos(latitude)); 0.1 % more on each side absorbs rounding."""
    angle = radius / EARTH_RADIUS_MILES
    dlat = math.degrees(angle) * 1.001
    reach = math.sin(angle) / max(math.cos(math.radians(latitude)), 1e-9)
    # A circle holding a pole (or a quarter of the globe: the API takes any distance)
    # covers every longitude.
    dlon = math.degrees(math.asin(reach)) * 1.001 if reach < 1 and angle < math.pi / 2 else 360.0
    return longitude - dlon, latitude - dlat, longitude + dlon, latitude + dlat


LOCATION_FIELDS = ("location__latitude", "location__longitude")


def in_box(box: tuple[float, float, float, float], prefix: str = "location__") -> Q:
    """The rows whose point is in the box: a range scan of the (latitude, longitude) index
    `partners_location_coordinates` (migration 0004), on PostgreSQL and SQLite alike."""
    west, south, east, north = box
    return Q(**{f"{prefix}latitude__range": (south, north), f"{prefix}longitude__range": (west, east)})


def near_locations(place: Place, radius: float) -> QuerySet:
    """Service-location links within radius miles of a place, annotated with `distance`."""
    box = distance_box(place.latitude, place.longitude, radius)
    return (
        ServiceLocation.objects.filter(in_box(box))
        .annotate(distance=haversine(place.latitude, place.longitude, "location__latitude", "location__longitude"))
        .filter(distance__lte=radius)
    )


def may_be_near_q(place: Place, radius: float) -> Q:
    """Services that have a place in the box round radius miles of a place, or no place at
    all: a superset of those within the radius, for callers that then apply the exact
    rule themselves (the API's `proximity`), so that the index prefilters them."""
    box = distance_box(place.latitude, place.longitude, radius)
    return Q(pk__in=ServiceLocation.objects.filter(in_box(box)).values("service_id")) | remote_q()


def remote_q() -> Q:
    """Services with no location at all: delivered only by phone, video or text."""
    return ~Q(pk__in=ServiceLocation.objects.values("service_id"))


# --- Filters ----------------------------------------------------------------------
