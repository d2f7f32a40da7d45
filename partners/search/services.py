"""Which services the public sees, and what a result row and a service page load."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from functools import cache

from django.db import connection
from django.db.models import F, Model, Prefetch, QuerySet
from django.db.models.expressions import RawSQL

from ..models import Language, Location, OrganisationTranslation, Service, ServiceLanguage, ServiceTranslation
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
    rows as with_result_details() gives, in as many queries, for a page of results (the
    relations read by `read_details`, kept where the prefetch keeps them, so that
    `service.communities.all()` and the like read them). Those querysets are for reading
    the rows (as every template and tag does): filtering one again would not be about its
    service."""
    services = {service.pk: service for service in Service.objects.filter(pk__in=pks).select_related("organisation")}
    _keep_details(services, RESULT_RELATIONS, vocabulary or Vocabulary.load())
    return services


def public_listing(slug: str, vocabulary: Vocabulary | None = None) -> Service | None:
    """The public service with this slug and everything its page shows, as
    with_listing_details() gives it (the same rows, kept where the prefetch keeps them), in
    no more queries; None when the public cannot see it. Measured at 100,000 services: a
    service page's loading took 8.4-9.7 ms through the prefetch, 4.3-4.5 ms here (in Urdu,
    with the translations, 10.4-12.0 and 6.5-6.8 ms)."""
    service = public_services().select_related("organisation").filter(slug=slug).first()
    if service is None:
        return None
    _keep_details({service.pk: service}, LISTING_RELATIONS, vocabulary or Vocabulary.load())
    if (language := active_language()) is not None:
        keep_translations([service.organisation], OrganisationTranslation, "organisation_id", language)
    return service


def _keep_details(services: dict[int, Service], relations: Iterable[str], vocabulary: Vocabulary) -> None:
    """Read the relations of these services (id -> service) and keep their rows, and their
    translations into the active language (none in English, as with_translations())."""
    details = read_details(services, relations, vocabulary)
    for service in services.values():
        for name, rows in details.items():
            keep_prefetched(service, name, rows.get(service.pk, []))
    if (language := active_language()) is not None:
        keep_translations(services.values(), ServiceTranslation, "service_id", language)


def keep_prefetched(instance: Model, name: str, rows: list) -> None:
    """The rows of the relation `name`, kept where prefetch_related keeps them (so that
    `instance.<name>.all()` reads them)."""
    kept = QuerySet(model=type(instance)._meta.get_field(name).related_model)
    kept._result_cache = rows
    kept._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = kept


def keep_translations(listings: Iterable[Model], model: type[Model], key: str, language: str) -> None:
    """The listings' translations into `language` (one query), kept as with_translations'
    prefetch keeps them. A listing may come twice (as the same row as two objects)."""
    listings = list(listings)
    found: dict[int, list] = {listing.pk: [] for listing in listings}
    for row in model.objects.filter(language=language, **{f"{key}__in": list(found)}):
        found[getattr(row, key)].append(row)
    for listing in listings:
        keep_prefetched(listing, "translations", found[listing.pk])


# What a result row shows of a service's relations (templates/partners/_result.html).
RESULT_RELATIONS = ("communities", "locations", "referral_routes", "service_languages")
# What a service page shows (templates/partners/service_detail.html).
LISTING_RELATIONS = ("support_types", "communities", "attributes", "modes", *RESULT_RELATIONS[1:])
# The relations whose rows belong to one service (their `service` is set, as by the prefetch).
OWN_ROWS = ("referral_routes", "service_languages")
# The relations to a vocabulary, and its name in Vocabulary.terms: their rows are the
# vocabulary's own (kept per directory version), not read again.
VOCABULARY_OF = {"support_types": "support", "communities": "community", "attributes": "attribute", "modes": "mode"}


def read_details(
    services: dict[int, Service], relations: Iterable[str], vocabulary: Vocabulary
) -> dict[str, dict[int, list]]:
    """relation -> service id -> its rows, for a page of services (id -> service): each
    relation's rows in one
    statement, in the order prefetch_related gives them (each model's own ordering), without
    its queryset per service (a clone and a join worked out each time: a third of the time
    it took to read a page's services).

    The statements are compiled once per process (`_statement`); the rows of a vocabulary
    (support types, communities, attributes, modes, languages) are the Vocabulary's: measured
    at 100,000 services, a relation read through a new queryset took 1.5 ms, most of it
    building and compiling the queryset and making rows the vocabulary already has; a
    compiled statement takes 0.3 to 0.5 ms. A row of its own service's (a way in, a
    language) knows its service, as after the prefetch."""
    ids = _ids_parameter(list(services))
    found: dict[str, dict[int, list]] = {}
    for name in relations:
        grouped: dict[int, list] = defaultdict(list)
        if name in VOCABULARY_OF:
            with connection.cursor() as cursor:
                cursor.execute(_statement(name), [ids])
                pairs = cursor.fetchall()
            model = Service._meta.get_field(name).related_model
            terms = _vocabulary_rows(model, vocabulary.terms[VOCABULARY_OF[name]], {term for _s, term in pairs})
            position = {term: n for n, term in enumerate(terms)}  # in the vocabulary's order
            for service_id, term in sorted(pairs, key=lambda pair: position[pair[1]]):
                grouped[service_id].append(terms[term])
        elif name == "locations":
            for location in Location.objects.raw(_statement(name), [ids]):
                grouped[location.listed_for].append(location)
        elif name in OWN_ROWS:
            model = Service._meta.get_field(name).related_model
            rows = list(model.objects.raw(_statement(name), [ids]))
            if name == "service_languages":
                spoken = _vocabulary_rows(Language, vocabulary.languages, {row.language_id for row in rows})
                for row in rows:
                    row.language = spoken[row.language_id]
            for row in rows:
                row.service = services[row.service_id]  # what the prefetch does: no query for it
                grouped[row.service_id].append(row)
        else:
            raise ValueError(f"No statement reads {name}.")
        found[name] = grouped
    return found


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
    if name in VOCABULARY_OF:
        field = Service._meta.get_field(name)
        links = field.remote_field.through.objects.filter(service_id__in=ids)
        queryset = links.values_list(field.m2m_field_name(), field.m2m_reverse_field_name())
    elif name == "locations":
        queryset = Location.objects.filter(services__in=ids).annotate(listed_for=F("services"))
    else:
        queryset = Service._meta.get_field(name).related_model.objects.filter(service_id__in=ids)
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
