"""The map's points: GeoJSON of one search, clustered past MAP_MAX_POINTS, at most
MAP_MAX_BYTES whatever the data; a point's popup details come from `point_details`.

The points come from one SQL statement (`_map_features`), or, for a map area or a place
search that the facet index answers without SQL, from the places it keeps in memory
(partners.place_index): the same points by the same box and distance rules, grouped into
the same grid cells by the same arithmetic on the same doubles, in the same order (the
services' names ordered by the database, in one small query of at most MAP_MAX_POINTS
ids), so the answer is the statement's. Measured at 100,000 services: the statement for a
map area took most of the request (see docs/performance.md, "After: map areas from the
places in memory")."""

from __future__ import annotations

import json
from itertools import repeat
from typing import TYPE_CHECKING

import numpy
from django.db import connection
from django.db.models import F, FloatField, QuerySet, Value

from .. import facet_index, map_cache, opening
from ..hours import read_hours
from ..models import Service, ServiceLocation
from ..place_index import CENTRE_SCALE
from ..translations import active_language, service_texts
from .place import haversine_twin, in_box, near_locations

if TYPE_CHECKING:
    from .engine import Search

# The size guarantee (issue 12), by construction: a map answer holds at most
# MAP_MAX_POINTS separate points or (MAP_CLUSTER_GRID + 1)² clusters (the grid's last row
# and column hold only the points on the extent's northern and eastern edges), never more
# than MAP_MAX_FEATURES, and each feature is at most its worst case below, so the
# answer is at most MAP_MAX_BYTES of compact JSON (the view's separators, UTF-8).
# A point carries only what its marker needs (its id, its name cut to NAME_MAX_BYTES,
# its distance); the popup fetches the rest from /search/geojson/<id>/ when it opens.
# tests/test_geojson.py builds the worst case and measures it.
MAP_MAX_FEATURES = 1000
MAP_MAX_BYTES = 200_000
MAP_MAX_POINTS = 800
MAP_CLUSTER_GRID = 24
LARGEST_ID = 2**63 - 1  # BigAutoField
# A cluster's centre is the mean of its points, each rounded to whole microdegrees (11 cm;
# the map shows 5 decimals): a sum of whole numbers is exact in any order, so the database
# and the places in memory give the same centre. AVG of the doubles would not: PostgreSQL
# adds them in an unspecified order, and at 100,000 services (coordinates with 6 decimals)
# about one cluster a map had a mean exactly halfway between two 5-decimal values, printed
# one way or the other by the last bit of the sum. (CENTRE_SCALE is kept with the places
# in memory, which round every point once when they are built.)
LARGEST_COUNT = 10**12
# The widest numbers each property can print: coordinates and bounds have 5 decimals,
# a distance 2 (within RADIUS_MAX; this is far more).
WIDEST_COORDINATE = -179.99999
WIDEST_DISTANCE = -99999.99


def _json_bytes(value) -> int:
    """Bytes of `value` as the view writes it (compact, UTF-8, not ASCII-escaped)."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def _point(latitude: float, longitude: float, properties: dict, point_id: int | None = None) -> dict:
    feature: dict = {"type": "Feature"}
    if point_id is not None:
        feature["id"] = point_id
    feature["geometry"] = {"type": "Point", "coordinates": [round(longitude, 5), round(latitude, 5)]}  # about a metre
    feature["properties"] = properties
    return feature


def _collection(features: list, count: int, clustered: bool) -> dict:
    return {"type": "FeatureCollection", "features": features, "properties": {"count": count, "clustered": clustered}}


# Worst cases: the collection with no features, one point with an empty name, one cluster.
COLLECTION_MAX_BYTES = _json_bytes(_collection([], LARGEST_COUNT, False))
POINT_MAX_BYTES_WITHOUT_NAME = _json_bytes(
    _point(WIDEST_COORDINATE, WIDEST_COORDINATE, {"name": "", "distance": WIDEST_DISTANCE}, LARGEST_ID)
)
CLUSTER_MAX_BYTES = _json_bytes(
    _point(
        WIDEST_COORDINATE,
        WIDEST_COORDINATE,
        {"cluster": True, "count": LARGEST_COUNT, "bounds": [WIDEST_COORDINATE] * 4},
    )
)
# What is left for a name once everything else of MAP_MAX_POINTS points is counted (and
# the comma between features): about 95 bytes, 95 letters of English, 47 of Urdu.
NAME_MAX_BYTES = (MAP_MAX_BYTES - COLLECTION_MAX_BYTES) // MAP_MAX_POINTS - 1 - POINT_MAX_BYTES_WITHOUT_NAME
assert MAP_MAX_POINTS <= MAP_MAX_FEATURES and (MAP_CLUSTER_GRID + 1) ** 2 <= MAP_MAX_FEATURES
# Clustered, a cell holding one point is that point: each cell is a cluster or a point.
CELL_MAX_BYTES = max(CLUSTER_MAX_BYTES, POINT_MAX_BYTES_WITHOUT_NAME + NAME_MAX_BYTES)
assert COLLECTION_MAX_BYTES + (MAP_CLUSTER_GRID + 1) ** 2 * (CELL_MAX_BYTES + 1) <= MAP_MAX_BYTES
assert NAME_MAX_BYTES >= 60  # (a marker's name must still say something)


def fit(text: str, max_bytes: int) -> str:
    """`text` on one line, cut (at a word when there is one, with "…") so that it is at
    most max_bytes as a JSON string's contents (UTF-8: Urdu and Arabic letters are 2
    bytes, some characters 4; quotes and control characters are escaped)."""
    text = " ".join((text or "").split())
    if _json_bytes(text) - 2 <= max_bytes:
        return text
    room = max_bytes - len("…".encode())
    kept, used = [], 0
    for character in text:
        used += _json_bytes(character) - 2
        if used > room:
            break
        kept.append(character)
    cut = "".join(kept)
    if " " in cut[len(cut) // 2 :]:  # a word boundary in the second half: cut there
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def map_points(search: Search) -> QuerySet:
    """One row per location of each matching service (within the radius and the box)."""
    params = search.params
    services = search.matching().order_by().values("pk")
    if params.bbox or params.place:
        # A map area or a place: the matching services from the facet index (and its
        # places) as one array of ids, where that needs no SQL. Measured at 100,000
        # services: the statement for a map area took 108 ms, 78 of them matching every
        # public service (their organisations joined) to keep the area's 14,000 points.
        found = _from_index(search)
        if found is not None:
            services = found[0].id_rows(found[1])
    if params.place:
        points = near_locations(params.place, params.radius).filter(service_id__in=services)
    else:
        points = ServiceLocation.objects.filter(
            service_id__in=services, location__latitude__isnull=False, location__longitude__isnull=False
        )
    if params.bbox:
        points = points.filter(in_box(params.bbox))
    return points


def _from_index(search: Search) -> tuple[facet_index.FacetIndex, int] | None:
    """The facet index and the services matching the search in it, when it answers the
    search without SQL; else None. (`ready`: an index out of date is not rebuilt for the
    map inside a transaction.)"""
    index = facet_index.ready()
    matched = index.matched_without_sql(search) if index is not None else None
    return None if matched is None else (index, matched)


def geojson(search: Search) -> dict:
    """A GeoJSON FeatureCollection for the map, in one statement: every point up to
    MAP_MAX_POINTS, past that a grid of at most MAP_CLUSTER_GRID² cells over the
    searched area (a cell holding one point stays that service's point). Kept in the
    cache until a listing changes (partners.map_cache)."""
    params = search.params
    return map_cache.answer(
        params,
        lambda: _map_features(search),
        cacheable=not (params.open_now or params.taking_new or params.bbox),
    )


def _map_features(search: Search) -> dict:
    if len(search.keywords.terms) > 1 and not search.matching().exists():
        search.relaxed = True
    params = search.params
    if params.bbox or params.place:
        found = _from_index(search)
        if found is not None:
            return _collection_of(_rows_from_memory(search, *found))
    points = (
        map_points(search)
        .order_by()
        .annotate(
            point_id=F("pk"),
            point_latitude=F("location__latitude"),
            point_longitude=F("location__longitude"),
            point_distance=F("distance") if params.place else Value(None, output_field=FloatField()),
        )
        .values_list("point_id", "service_id", "location_id", "point_latitude", "point_longitude", "point_distance")
    )
    inner, inner_params = points.query.sql_with_params()
    if params.bbox:
        grid = ["%s", "%s", "%s", "%s"]
        grid_params = list(_grid(params.bbox, [], []))
    else:
        cells = MAP_CLUSTER_GRID
        grid = [
            "e.south",
            f"CASE WHEN e.north > e.south THEN (e.north - e.south) / {cells} ELSE 0.000001 END",
            "e.west",
            f"CASE WHEN e.east > e.west THEN (e.east - e.west) / {cells} ELSE 0.000001 END",
        ]
        grid_params = []
    service = connection.ops.quote_name(Service._meta.db_table)
    # A cluster's centre: the mean of its points in whole microdegrees (see CENTRE_SCALE).
    centre = (
        "CASE WHEN COUNT(*) = 1 THEN MIN({0}) "
        f"ELSE SUM(FLOOR({{0}} * {CENTRE_SCALE} + 0.5)) / COUNT(*) / {CENTRE_SCALE} END"
    )
    # Only a table name from the model and numbers go into the text; values are parameters.
    sql = f"""
        WITH map_points AS ({inner}),
        map_extent AS (
            SELECT COUNT(*) AS n, MIN(point_latitude) AS south, MAX(point_latitude) AS north,
                   MIN(point_longitude) AS west, MAX(point_longitude) AS east
            FROM map_points
        )
        SELECT r.n, r.latitude, r.longitude, r.south, r.north, r.west, r.east, r.distance, r.total,
               r.point_id, s.name, s.slug
        FROM (
            SELECT 1 AS n, p.point_latitude AS latitude, p.point_longitude AS longitude,
                   NULL AS south, NULL AS north, NULL AS west, NULL AS east,
                   p.service_id, p.location_id, p.point_distance AS distance, e.n AS total, p.point_id
            FROM map_points p CROSS JOIN map_extent e
            WHERE e.n <= %s
            UNION ALL
            SELECT COUNT(*), {centre.format("p.point_latitude")}, {centre.format("p.point_longitude")},
                   MIN(p.point_latitude), MAX(p.point_latitude), MIN(p.point_longitude), MAX(p.point_longitude),
                   MIN(p.service_id), MIN(p.location_id), NULL, MAX(e.n), MIN(p.point_id)
            FROM map_points p CROSS JOIN map_extent e
            WHERE e.n > %s
            GROUP BY FLOOR((p.point_latitude - {grid[0]}) / {grid[1]}),
                     FLOOR((p.point_longitude - {grid[2]}) / {grid[3]})
        ) r
        LEFT JOIN {service} s ON r.n = 1 AND s.id = r.service_id
        ORDER BY r.n, s.name, r.service_id, r.location_id, r.latitude, r.longitude
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, MAP_MAX_POINTS, MAP_MAX_POINTS, *grid_params])
        return _collection_of(cursor.fetchall())


def _rows_from_memory(search: Search, index: facet_index.FacetIndex, matched: int) -> list[tuple]:
    """The rows of `_map_features`'s statement, from the places kept in memory: the points
    of the matching services (`PlaceIndex.map_points`), each a row up to MAP_MAX_POINTS,
    else grouped by the statement's grid (FLOOR of the same double arithmetic), each
    cell's centre from the points' whole microdegrees. Ordered as the statement orders: the points'
    services by name in the database (one query, none when every cell is a cluster), then
    service, place, latitude and longitude; a cluster's place, its least place id, is in
    no other cluster (a place is one point), so the floats never decide an order."""
    params = search.params
    places = index.places()
    numbers = places.map_points(matched, params.bbox, params.place, params.radius)
    total = len(numbers)
    # (n, latitude, longitude, south, north, west, east, distance, point id, service, place)
    found: list[tuple] = []
    if total <= MAP_MAX_POINTS:
        distances = [None] * total
        if params.place:
            distances = list(places.distances(numbers, haversine_twin(params.place.latitude, params.place.longitude)))
        found = list(
            zip(
                repeat(1),
                map(places.latitudes.__getitem__, numbers),
                map(places.longitudes.__getitem__, numbers),
                repeat(None),
                repeat(None),
                repeat(None),
                repeat(None),
                distances,
                map(places.link_ids.__getitem__, numbers),
                map(places.service_ids.__getitem__, numbers),
                map(places.place_ids.__getitem__, numbers),
            )
        )
    elif total:
        found = _clusters(places, numbers, params.bbox)
    # The names of the services of the rows that are points, and their order.
    points = {row[9] for row in found if row[0] == 1}
    named = Service.objects.filter(pk__in=points).order_by("name", "pk").values_list("pk", "name", "slug")
    by_name = {pk: (rank, name, slug) for rank, (pk, name, slug) in enumerate(named if points else [])}

    def order(row: tuple) -> tuple:
        return row[0], by_name[row[9]][0] if row[0] == 1 else 0, row[9], row[10], row[1], row[2]

    found.sort(key=order)
    return [(*row[:8], total, row[8], *(by_name[row[9]][1:] if row[0] == 1 else (None, None))) for row in found]


def _clusters(places, numbers: list[int], bbox) -> list[tuple]:
    """`_rows_from_memory`'s rows for more points than are shown: the points grouped by
    the statement's grid, in numpy (the same double arithmetic and FLOORs as the SQL and
    as Python's floats; measured at 100,000 services, a map area's grouping took about
    6 ms as loops over each point's values, about 1 ms so). A cell of one point is that
    point; a cluster's centre is the mean of its points' whole microdegrees (CENTRE_SCALE:
    exact in any order), its bounds the least and greatest of their coordinates."""
    points = numpy.asarray(numbers, dtype=numpy.int64)

    def column(values, kind):
        # The points' values of one of the place index's arrays, in their current order.
        return numpy.frombuffer(values, dtype=kind)[points]

    latitudes, longitudes = column(places.latitudes, numpy.float64), column(places.longitudes, numpy.float64)
    extent = (latitudes.tolist(), longitudes.tolist()) if not bbox else ((), ())
    south, height, west, width = _grid(bbox, *extent)
    rows = numpy.floor((latitudes - south) / height).astype(numpy.int64)
    columns = numpy.floor((longitudes - west) / width).astype(numpy.int64)
    keys = rows * (int(columns.max()) + 1) + columns
    # By cell, each cell a run; within one, in the points' order (a stable sort).
    order = numpy.argsort(keys, kind="stable")
    points, keys = points[order], keys[order]
    latitudes, longitudes = column(places.latitudes, numpy.float64), column(places.longitudes, numpy.float64)
    starts = numpy.flatnonzero(numpy.concatenate(([True], keys[1:] != keys[:-1])))
    sizes = numpy.diff(numpy.append(starts, len(keys))).tolist()

    def least(values):
        return numpy.minimum.reduceat(values, starts).tolist()

    def greatest(values):
        return numpy.maximum.reduceat(values, starts).tolist()

    links = column(places.link_ids, numpy.int64)
    cells = zip(
        starts.tolist(),
        sizes,
        numpy.add.reduceat(column(places.whole_latitudes, numpy.int64), starts).tolist(),
        numpy.add.reduceat(column(places.whole_longitudes, numpy.int64), starts).tolist(),
        least(latitudes),
        greatest(latitudes),
        least(longitudes),
        greatest(longitudes),
        least(column(places.service_ids, numpy.int64)),
        least(column(places.place_ids, numpy.int64)),
        strict=True,
    )
    found = []
    for start, n, whole_latitude, whole_longitude, south, north, west, east, service, place in cells:
        if n == 1:  # a cell of one point is that point (its bounds are not shown)
            found.append((1, south, west, *[None] * 5, int(links[start]), service, place))
        else:
            # (A cluster shows no point id: the statement's MIN(point_id) is not needed.)
            latitude, longitude = whole_latitude / n / CENTRE_SCALE, whole_longitude / n / CENTRE_SCALE
            found.append((n, latitude, longitude, south, north, west, east, None, None, service, place))
    return found


def _grid(bbox, latitudes: list[float], longitudes: list[float]) -> tuple[float, float, float, float]:
    """The statement's grid: (south, cell height, west, cell width) of the box, or without
    one of the points' extent."""
    if bbox:
        west, south, east, north = bbox
        return south, max((north - south) / MAP_CLUSTER_GRID, 1e-6), west, max((east - west) / MAP_CLUSTER_GRID, 1e-6)
    south, north, west, east = min(latitudes), max(latitudes), min(longitudes), max(longitudes)
    height = (north - south) / MAP_CLUSTER_GRID if north > south else 0.000001
    width = (east - west) / MAP_CLUSTER_GRID if east > west else 0.000001
    return south, height, west, width


def _collection_of(rows: list[tuple]) -> dict:
    """The FeatureCollection of the statement's rows: (n, latitude, longitude, south, north,
    west, east, distance, total, point id, name, slug), a point when n is 1."""
    # The visitor's language where the listing has it (one query); English otherwise.
    texts = service_texts(row[11] for row in rows if row[0] == 1)
    features, total = [], 0
    for n, lat, lon, south, north, west, east, distance, row_total, point_id, name, slug in rows:
        total = row_total
        if n == 1:
            # Only what the marker needs: every byte is sent up to MAP_MAX_POINTS times.
            properties = {"name": fit(texts.get(slug, {}).get("name") or name, NAME_MAX_BYTES)}
            if distance is not None:
                properties["distance"] = round(distance, 2)
            features.append(_point(lat, lon, properties, point_id))
        else:
            bounds = [round(west, 5), round(south, 5), round(east, 5), round(north, 5)]
            features.append(_point(lat, lon, {"cluster": True, "count": n, "bounds": bounds}))
    return _collection(features, total, total > MAP_MAX_POINTS)


def point_details(point_id: int, url_for_slug) -> dict | None:
    """What one point's popup shows (static/js/map.js), in the visitor's language where
    the listing has it, with `inEnglish` naming what is not; None for a point the public
    cannot see. One query (two in a language other than English); whether the place is
    open now is worked out at this moment."""
    if not 0 < point_id <= LARGEST_ID:
        return None
    link = (
        ServiceLocation.objects.filter(pk=point_id, service__in=Service.objects.public())
        .select_related("service__organisation", "location")
        .first()
    )
    if link is None:
        return None
    service, location = link.service, link.location
    own = service_texts([service.slug]).get(service.slug, {})
    properties = {
        "name": own.get("name") or service.name,
        "url": url_for_slug(service.slug),
        "organisation": service.organisation.name,
        "summary": summary_of(own.get("description") or service.description),
        "address": location.one_line,
    }
    if active_language() is not None:
        properties["inEnglish"] = [
            shown for shown, written in (("name", "name"), ("summary", "description")) if written not in own
        ]
    if phone := service.phone_to_call:
        properties["phone"] = phone
    if service.hours and (hours_now := opening.status(read_hours(service.hours))):
        properties["hours"] = hours_now
    return properties


def summary_of(description: str, limit: int = 200) -> str:
    """The first sentence, as Service.summary, cut at a word if it is very long."""
    text = " ".join((description or "").split())
    end = text.find(". ")
    text = text if end == -1 else text[: end + 1]
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return text
