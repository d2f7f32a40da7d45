"""Which services the public sees, and what a result row and a service page load."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from functools import cache

from django.db import connection
from django.db.models import F, Model, Prefetch, QuerySet
from django.db.models.expressions import RawSQL

from ..models import Community, Language, Location, ReferralRoute, Service, ServiceLanguage, ServiceTranslation
from ..translations import active_language, with_translations
from .vocabulary import Vocabulary


def public_services() -> QuerySet[Service]:
    """Published services of published organisations: the only ones the public ever sees."""
    return Service.objects.public()


def with_result_details(queryset: QuerySet[Service]) -> QuerySet[Service]:
    """What a result row shows (templates/partners/_result.html), in a fixed number of queries
    (one more in a language other than English: the translations into it)."""
    queryset = queryset.select_related("organisation").prefetch_related(
        "communities",
        "locations",
        "referral_routes",
        Prefetch("service_languages", queryset=ServiceLanguage.objects.select_related("language")),
    )
    return with_translations(queryset)


def page_with_result_details(pks: list[int], vocabulary: Vocabulary | None = None) -> dict[int, Service]:
    """id -> service of these services, with what a result row shows: the same objects and
    rows as with_result_details() gives, in as many queries, for a page of results.

    prefetch_related builds, for every service and relation, a queryset filtered to that
    service (a clone and a join worked out each time): a third of the time it took to read
    a page's services. Here each relation's rows are read in one statement, the one the
    prefetch runs (so in the same order), and kept where the prefetch keeps them, so that
    `service.communities.all()` and the like read them. Those querysets are for reading
    the rows (as every template and tag does): filtering one again would not be about its
    service.

    The statements are compiled once per process (`_statement`), and the communities and
    languages are the vocabulary's own rows (kept per directory version), not read again:
    measured at 100,000 services, a relation read through a new queryset took 1.5 ms, most
    of it building and compiling the queryset and making rows the vocabulary already has;
    a compiled statement takes 0.3 to 0.5 ms."""
    services = list(Service.objects.filter(pk__in=pks).select_related("organisation"))
    for service in services:
        service._prefetched_objects_cache = {}
    vocabulary = vocabulary or Vocabulary.load()
    ids = _ids_parameter(pks)
    with connection.cursor() as cursor:
        cursor.execute(_statement("communities"), [ids])
        pairs = cursor.fetchall()
    communities = _vocabulary_rows(Community, vocabulary.communities, {community for _s, community in pairs})
    position = {community: n for n, community in enumerate(communities)}  # in the vocabulary's order
    listed: dict[int, list[Model]] = defaultdict(list)
    for service_id, community_id in sorted(pairs, key=lambda pair: position[pair[1]]):
        listed[service_id].append(communities[community_id])
    _keep_grouped(services, "communities", Community, listed)
    _keep(services, "locations", Location, Location.objects.raw(_statement("locations"), [ids]), "listed_for")
    _keep(services, "referral_routes", ReferralRoute, ReferralRoute.objects.raw(_statement("referral_routes"), [ids]))
    languages = list(ServiceLanguage.objects.raw(_statement("service_languages"), [ids]))
    spoken = _vocabulary_rows(Language, vocabulary.languages, {row.language_id for row in languages})
    for row in languages:
        row.language = spoken[row.language_id]
    _keep(services, "service_languages", ServiceLanguage, languages)
    language = active_language()
    if language is not None:  # as with_translations(): only the visitor's language, none in English
        translations = ServiceTranslation.objects.filter(language=language, service_id__in=pks)
        _keep(services, "translations", ServiceTranslation, translations)
    return {service.pk: service for service in services}


# Ids as a subquery of one parameter (an array, or SQLite's JSON), not a parameter per id:
# a statement can then be compiled once for any number of them.
IDS_SUBQUERY = {
    "postgresql": "SELECT unnest(CAST(%s AS bigint[]))",
    "sqlite": "SELECT value FROM json_each(%s)",  # SQLite's JSON1, as JSONField needs
}


def _ids_parameter(pks: list[int]) -> list[int] | str:
    return list(pks) if connection.vendor == "postgresql" else json.dumps(list(pks))


@cache
def _compiled(name: str, vendor: str) -> str:
    ids = RawSQL(IDS_SUBQUERY[vendor], ["ids"])  # noqa: S611 (one of the constant texts above)
    queryset = {
        "communities": Service.communities.through.objects.filter(service_id__in=ids).values_list(
            "service_id", "community_id"
        ),
        "locations": Location.objects.filter(services__in=ids).annotate(listed_for=F("services")),
        "referral_routes": ReferralRoute.objects.filter(service_id__in=ids),
        "service_languages": ServiceLanguage.objects.filter(service_id__in=ids),
    }[name]
    sql, params = queryset.query.sql_with_params()
    if params != ("ids",):  # nothing but the ids may be a parameter of a statement kept
        raise ValueError(f"Unexpected parameters in the statement for {name}: {params!r}")
    return sql


def _statement(name: str) -> str:
    """A relation's statement for a page of ids (one parameter), compiled by the ORM once."""
    return _compiled(name, connection.vendor)


def _vocabulary_rows(model: type[Model], kept: list, wanted: set[int]) -> dict[int, Model]:
    """id -> the vocabulary's row, for the wanted ids; a row the kept vocabulary lacks (added
    since it was read) is read from the database."""
    rows = {row.pk: row for row in kept}
    missing = wanted - rows.keys()
    if missing:
        rows.update(model.objects.in_bulk(missing))
        ordering = [row.pk for row in model.objects.filter(pk__in=rows)]  # the model's order
        rows = {pk: rows[pk] for pk in ordering}
    return rows


def _keep(services: list[Service], name: str, model: type[Model], rows: Iterable[Model], key: str = "service_id"):
    """Each service's rows of the relation `name`, kept as prefetch_related keeps them."""
    by_service: dict[int, list[Model]] = defaultdict(list)
    for row in rows:
        by_service[getattr(row, key)].append(row)
    if key == "service_id":
        for service in services:
            for row in by_service.get(service.pk, []):  # what the prefetch does: row.service without a query
                row.service = service
    _keep_grouped(services, name, model, by_service)


def _keep_grouped(services: list[Service], name: str, model: type[Model], by_service: dict[int, list[Model]]) -> None:
    for service in services:
        kept = QuerySet(model=model)
        kept._result_cache = by_service.get(service.pk, [])
        kept._prefetch_done = True
        service._prefetched_objects_cache[name] = kept


def with_listing_details(queryset: QuerySet[Service]) -> QuerySet[Service]:
    """Everything a service page shows, in a fixed number of queries (two more in a language
    other than English: the service's and the organisation's translations into it)."""
    queryset = queryset.select_related("organisation").prefetch_related(
        "support_types",
        "communities",
        "attributes",
        "modes",
        "locations",
        "referral_routes",
        Prefetch("service_languages", queryset=ServiceLanguage.objects.select_related("language")),
    )
    return with_translations(queryset, organisation=True)
