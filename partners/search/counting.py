"""Counting: how many services match, the count beside every filter option, and one page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Min, Value
from django.db.models.expressions import RawSQL

from ..models import Service
from .facets import facet_q
from .params import DISTANCE, FACETS, PAGE_SIZE, RELEVANCE
from .place import near_locations
from .registry import FILTERS
from .services import page_with_result_details

if TYPE_CHECKING:
    from .engine import Search
    from .vocabulary import Option, Vocabulary


def counts(search: Search, facets: Iterable[str], total: bool = True, page: int | None = None) -> Counts:
    """How many services match, and for each option of each filter how many there
    would be with it chosen (the other filters kept, this one's other choices set
    aside), in one statement.

    The costly part (keywords, place, map area, age) is worked out once, in a common
    table expression that also records, as the bits of `mask`, which of the filters
    in use each service passes. The count for filter F's options reads the services
    that pass every filter but F; the total reads those that pass them all; and one
    page of those, in order, is read there too (their ids and distances)."""
    quote = connection.ops.quote_name
    active = [facet for facet in FACETS if search.params.values(facet)]
    bits = {facet: 1 << i for i, facet in enumerate(active)}
    everything = (1 << len(active)) - 1
    core_queryset, ordering = search.matching(facets=False), []
    fields: list[str] = []
    keys: dict[str, str] = {}
    near, near_params = "", []
    if page is not None and search.params.place:
        # Each service's nearest place within the radius, worked out once: it says which
        # services are near, and how near. A matching service with a place has one within
        # the radius, so this is its nearest place in the box.
        nearest = (
            near_locations(search.params.place, search.params.radius)
            .values("service_id")
            .annotate(nearest=Min("distance"))
            .order_by()
        )
        near_sql, near_params = nearest.query.sql_with_params()
        near = f"search_near (service_id, nearest) AS ({near_sql}), "
        core_queryset = search.matching(facets=False, near=RawSQL("SELECT service_id FROM search_near", []))
        keys["remote"] = "CASE WHEN n.nearest IS NULL THEN 1 ELSE 0 END"
        keys["distance"] = "n.nearest"
    if page is not None:
        # The page's order is worked out here too, once per service, so that the page
        # is the first rows of search_base in that order (a place's nearest location comes
        # from the locations within the radius, not a join of all).
        ordering = search.ordering()
        sort = search.params.effective_sort
        if sort in (RELEVANCE, DISTANCE):
            core_queryset = core_queryset.with_freshness()
        if sort == RELEVANCE:
            core_queryset = core_queryset.annotate(rank=search.engine.rank() if search.engine else Value(0.0))
        if "-speaks" in ordering:
            core_queryset = core_queryset.annotate(speaks=search.speaks())
        fields = [name.lstrip("-") for name in ordering if name not in ("pk", "remote", "distance")]
        keys = {name: f"c.{quote(name)}" for name in fields} | keys
    # The filters held on the service itself (cost, gender) are counted from search_base.
    own = [spec.column for spec in FILTERS.values() if spec.on_service]
    core, core_params = core_queryset.order_by().values("pk", *own, *fields).query.sql_with_params()
    mask, mask_params = ["0"], []
    for facet in active:
        condition, condition_params = _facet_sql(search, facet, f"c.{quote('pk')}", "c")
        mask.append(f"CASE WHEN {condition} THEN {bits[facet]} ELSE 0 END")
        mask_params.extend(condition_params)
    join = f" LEFT JOIN search_near n ON n.service_id = c.{quote('pk')}" if near else ""
    # Only table and column names from the models, and numbers, go into the text;
    # every value is a parameter.
    sql = (
        f"WITH {near}search_base (id, {''.join(f'{quote(c)}, ' for c in own)}mask"  # noqa: S608
        f"{''.join(f', {quote(k)}' for k in keys)}) AS "
        f"(SELECT c.{quote('pk')}, {''.join(f'c.{quote(c)}, ' for c in own)}{' + '.join(mask)}"
        f"{''.join(f', {expression}' for expression in keys.values())} FROM ({core}) c{join})"
    )
    params = [*near_params, *mask_params, *core_params]
    parts: list[str] = []

    def passes(facet: str | None) -> str:
        """The services that pass every filter in use but `facet`."""
        if bits.get(facet, 0) == everything:
            # Always true: say nothing, or the planner guesses few rows and picks slow plans.
            return "1 = 1"
        return f"(b.mask | {bits.get(facet, 0)}) = {everything}"

    if total:
        parts.append(f"SELECT %s, '', COUNT(*), 0, CAST(NULL AS FLOAT) FROM search_base b WHERE {passes(None)}")  # noqa: S608
        params.append("")
    for facet in facets:
        spec = FILTERS[facet]
        if spec.on_service:
            column = f"b.{quote(spec.column)}"
            select = f"SELECT %s, {column}, COUNT(*), 0, CAST(NULL AS FLOAT) FROM search_base b"  # noqa: S608
            parts.append(f"{select} WHERE {passes(facet)} GROUP BY {column}")
            params.append(facet)
            continue
        table, column = quote(spec.through._meta.db_table), quote(spec.column)
        # A language offered two ways (staff and written) is still one service.
        count = "COUNT(DISTINCT t.service_id)" if spec.several_rows else "COUNT(*)"
        extra = "0"
        params.append(facet)
        if spec.wildcard:
            # Services for everyone (all racialised communities) count towards every
            # value: count each value's services without them too.
            for_all = f"SELECT service_id FROM {table} WHERE {column} = %s"  # noqa: S608
            extra = f"SUM(CASE WHEN t.service_id IN ({for_all}) THEN 0 ELSE 1 END)"
            params.append(_wildcard_key(search, facet) or 0)
        parts.append(
            f"SELECT %s, CAST(t.{column} AS TEXT), {count}, {extra}, CAST(NULL AS FLOAT) FROM {table} t "  # noqa: S608
            f"INNER JOIN search_base b ON b.id = t.service_id WHERE {passes(facet)} GROUP BY t.{column}"
        )
    if page is not None:
        # The page's services in the chosen order (ending in the id, so stable), from the
        # same matching services; only the page's rows are numbered.
        columns = {name: "id" if name == "pk" else quote(name.lstrip("-")) for name in ordering}
        order = ", ".join(f"{columns[n]} {'DESC' if n.startswith('-') else 'ASC'}" for n in ordering)
        distance = f"p.{quote('distance')}" if search.params.place else "CAST(NULL AS FLOAT)"
        start = (page - 1) * PAGE_SIZE
        listed = f"SELECT * FROM search_base b WHERE {passes(None)} ORDER BY {order} LIMIT %s OFFSET %s"  # noqa: S608
        number = f"%s + ROW_NUMBER() OVER (ORDER BY {order})"
        parts.append(f"SELECT %s, CAST(p.id AS TEXT), {number}, 0, {distance} FROM ({listed}) p")  # noqa: S608
        params.extend(["page", start, PAGE_SIZE, start])
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} {' UNION ALL '.join(parts)}", params)
        rows = cursor.fetchall()
    counts = _read_counts(search, [row for row in rows if row[0] != "page"], facets)
    listed = sorted((position, int(pk), distance) for key, pk, position, _x, distance in rows if key == "page")
    counts.page = _page_of(
        [(pk, distance if search.params.place else None) for _p, pk, distance in listed], search.vocabulary
    )
    return counts


def _page_of(rows: list[tuple[int, float | None]], vocabulary: Vocabulary) -> list[Service]:
    """The services of a page, in order, with what a result row shows and `distance`."""
    by_id = page_with_result_details([pk for pk, _d in rows], vocabulary) if rows else {}
    services = []
    for pk, distance in rows:
        service = by_id[pk]
        service.distance = distance
        services.append(service)
    return services


def _facet_sql(search: Search, facet: str, id_column: str, alias: str) -> tuple[str, list]:
    """One filter as SQL on a row of services: id_column, alias.cost, alias.gender."""
    values = list(search.params.values(facet))
    spec = FILTERS[facet]
    if spec.on_service:
        values = sorted(spec.matched(values))
        placeholders = ", ".join(["%s"] * len(values))
        return f"{alias}.{connection.ops.quote_name(spec.column)} IN ({placeholders})", values
    # facet_q is pk__in=<a query of service ids>: reuse that query.
    ((_lookup, subquery),) = facet_q(facet, values, search.vocabulary).children
    sql, sub_params = subquery.query.sql_with_params()
    return f"{id_column} IN ({sql})", list(sub_params)


def _read_counts(search: Search, rows: list[tuple], facets: Iterable[str]) -> Counts:
    found: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    total = 0
    for facet, value, n, extra, _distance in rows:
        if facet == "":
            total = n
        else:
            found[facet][value] = (n, extra or 0)
    options: dict[str, dict[str, int]] = {}
    for facet in facets:
        spec = FILTERS[facet]
        rows_for = found.get(facet, {})

        def key(option: Option, spec=spec) -> str:
            # What the statement grouped by: a term's id, or the value itself.
            return str(option.term.pk) if spec.model else option.value

        if spec.wildcard:
            # A value counts the services holding it (less those also holding the
            # wildcard: one value a service on the service itself) and those for everyone.
            wildcard = str(_wildcard_key(search, facet))
            everyone = rows_for.get(wildcard, (0, 0))[0]
            options[facet] = {
                option.value: everyone
                if key(option) == wildcard
                else rows_for.get(key(option), (0, 0))[0 if spec.on_service else 1] + everyone
                for option in search.vocabulary.options(facet)
            }
        elif spec.model:
            options[facet] = {
                option.value: rows_for.get(key(option), (0, 0))[0] for option in search.vocabulary.options(facet)
            }
        else:
            options[facet] = {value: n for value, (n, _e) in rows_for.items()}
    return Counts(total, options)


def _wildcard_key(search: Search, facet: str) -> int | str | None:
    """What the link table or service column holds for the filter's wildcard."""
    spec = FILTERS[facet]
    return search.vocabulary.wildcard_id(facet) if spec.model else spec.wildcard


# --- Map ------------------------------------------------------------------------


@dataclass
class Counts:
    total: int
    options: dict[str, dict[str, int]]
    page: list[Service] = field(default_factory=list)
