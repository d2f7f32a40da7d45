"""The map's points: GeoJSON of one search, clustered past MAP_MAX_POINTS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import F, FloatField, QuerySet, Value

from .. import map_cache, opening
from ..hours import read_hours
from ..models import Location, Organisation, Service, ServiceLocation
from ..translations import active_language, service_texts
from .place import in_box, near_locations

if TYPE_CHECKING:
    from .engine import Search

# The map never receives more than this many features; beyond it, grid clusters.
MAP_MAX_POINTS = 1000
MAP_CLUSTER_GRID = 24


def map_points(search: Search) -> QuerySet:
    """One row per location of each matching service (within the radius and the box)."""
    params = search.params
    services = search.matching().order_by().values("pk")
    if params.place:
        points = near_locations(params.place, params.radius).filter(service_id__in=services)
    else:
        points = ServiceLocation.objects.filter(
            service_id__in=services, location__latitude__isnull=False, location__longitude__isnull=False
        )
    if params.bbox:
        points = points.filter(in_box(params.bbox))
    return points


def geojson(search: Search, url_for_slug) -> dict:
    """A GeoJSON FeatureCollection for the map, in one statement: every point up to
    MAP_MAX_POINTS, past that a grid of at most MAP_CLUSTER_GRID² cells over the
    searched area (a cell holding one point stays that service's point). Kept in the
    cache until a listing changes (partners.map_cache); whether each place is open now
    is worked out afresh on every request."""
    params = search.params
    collection, hours = map_cache.answer(
        params,
        lambda: _map_features(search, url_for_slug),
        cacheable=not (params.open_now or params.taking_new or params.bbox),
    )
    for index, written in hours:
        if hours_now := opening.status(read_hours(written)):
            collection["features"][index]["properties"]["hours"] = hours_now
    return collection


def _map_features(search: Search, url_for_slug) -> tuple[dict, list[tuple[int, object]]]:
    """The collection without opening hours, and (feature index, hours as written) of
    the points that have some."""
    if len(search.keywords.terms) > 1 and not search.matching().exists():
        search.relaxed = True
    params = search.params
    points = (
        map_points(search)
        .order_by()
        .annotate(
            point_latitude=F("location__latitude"),
            point_longitude=F("location__longitude"),
            point_distance=F("distance") if params.place else Value(None, output_field=FloatField()),
        )
        .values_list("service_id", "location_id", "point_latitude", "point_longitude", "point_distance")
    )
    inner, inner_params = points.query.sql_with_params()
    if params.bbox:
        west, south, east, north = params.bbox
        grid = ["%s", "%s", "%s", "%s"]
        grid_params = [south, max((north - south) / MAP_CLUSTER_GRID, 1e-6)]
        grid_params += [west, max((east - west) / MAP_CLUSTER_GRID, 1e-6)]
    else:
        cells = MAP_CLUSTER_GRID
        grid = [
            "e.south",
            f"CASE WHEN e.north > e.south THEN (e.north - e.south) / {cells} ELSE 0.000001 END",
            "e.west",
            f"CASE WHEN e.east > e.west THEN (e.east - e.west) / {cells} ELSE 0.000001 END",
        ]
        grid_params = []
    quote = connection.ops.quote_name
    service, organisation, location = (quote(model._meta.db_table) for model in (Service, Organisation, Location))
    # Only table names from the models and numbers go into the text; values are parameters.
    sql = f"""
        WITH map_points AS ({inner}),
        map_extent AS (
            SELECT COUNT(*) AS n, MIN(point_latitude) AS south, MAX(point_latitude) AS north,
                   MIN(point_longitude) AS west, MAX(point_longitude) AS east
            FROM map_points
        )
        SELECT r.n, r.latitude, r.longitude, r.south, r.north, r.west, r.east, r.distance, r.total,
               s.name, s.slug, o.name, SUBSTR(s.description, 1, 400), l.address, l.town, l.postcode,
               CASE WHEN s.phone <> '' THEN s.phone ELSE o.phone END, s.hours
        FROM (
            SELECT 1 AS n, p.point_latitude AS latitude, p.point_longitude AS longitude,
                   NULL AS south, NULL AS north, NULL AS west, NULL AS east,
                   p.service_id, p.location_id, p.point_distance AS distance, e.n AS total
            FROM map_points p CROSS JOIN map_extent e
            WHERE e.n <= %s
            UNION ALL
            SELECT COUNT(*), AVG(p.point_latitude), AVG(p.point_longitude),
                   MIN(p.point_latitude), MAX(p.point_latitude), MIN(p.point_longitude), MAX(p.point_longitude),
                   MIN(p.service_id), MIN(p.location_id), NULL, MAX(e.n)
            FROM map_points p CROSS JOIN map_extent e
            WHERE e.n > %s
            GROUP BY FLOOR((p.point_latitude - {grid[0]}) / {grid[1]}),
                     FLOOR((p.point_longitude - {grid[2]}) / {grid[3]})
        ) r
        LEFT JOIN {service} s ON r.n = 1 AND s.id = r.service_id
        LEFT JOIN {organisation} o ON o.id = s.organisation_id
        LEFT JOIN {location} l ON r.n = 1 AND l.id = r.location_id
        ORDER BY r.n, s.name, r.service_id, r.location_id, r.latitude, r.longitude
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, MAP_MAX_POINTS, MAP_MAX_POINTS, *grid_params])
        rows = cursor.fetchall()
    # The visitor's language where the listing has it (one query); English otherwise,
    # marked so the map can give it lang="en" (`inEnglish`).
    language = active_language()
    texts = service_texts(row[10] for row in rows if row[0] == 1)
    features, hours_of, total = [], [], 0
    for (
        n,
        lat,
        lon,
        s_,
        n_,
        w_,
        e_,
        distance,
        row_total,
        name,
        slug,
        org,
        description,
        address,
        town,
        postcode,
        phone,
        hours,
    ) in rows:
        total = row_total
        if n == 1:
            own = texts.get(slug, {})
            # Only what the popup (static/js/map.js) shows: every byte is sent ~1,000 times.
            properties = {
                "name": own.get("name") or name,
                "url": url_for_slug(slug),
                "organisation": org,
                "summary": summary_of(own.get("description") or description),
                "address": ", ".join(part for part in (address, town, postcode) if part),
            }
            if language is not None:
                properties["inEnglish"] = [
                    shown for shown, written in (("name", "name"), ("summary", "description")) if written not in own
                ]
            if phone:  # the service's number, else its organisation's, as Service.phone_to_call
                properties["phone"] = phone
            if hours:
                hours_of.append((len(features), hours))
            if distance is not None:
                properties["distance"] = round(distance, 2)
        else:
            properties = {"cluster": True, "count": n, "bounds": [w_, s_, e_, n_]}
        features.append(_point(lat, lon, properties))
    collection = {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"count": total, "clustered": total > MAP_MAX_POINTS},
    }
    return collection, hours_of


def _point(latitude: float, longitude: float, properties: dict) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(longitude, 5), round(latitude, 5)]},  # about a metre
        "properties": properties,
    }


def summary_of(description: str, limit: int = 200) -> str:
    """The first sentence, as Service.summary, cut at a word if it is very long."""
    text = " ".join((description or "").split())
    end = text.find(". ")
    text = text if end == -1 else text[: end + 1]
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return text
