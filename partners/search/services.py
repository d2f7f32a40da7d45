"""Which services the public sees, and what a result row and a service page load."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, Model, Prefetch, QuerySet

from ..models import ReferralRoute, Service, ServiceLanguage, ServiceTranslation
from ..translations import active_language, with_translations


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


def page_with_result_details(pks: list[int]) -> dict[int, Service]:
    """id -> service of these services, with what a result row shows: the same objects and
    rows as with_result_details() gives, in as many queries, for a page of results.

    prefetch_related builds, for every service and relation, a queryset filtered to that
    service (a clone and a join worked out each time): a third of the time it took to read
    a page's services. Here each relation's rows are read in one query, the one the
    prefetch runs (so in the same order), and kept where the prefetch keeps them, so that
    `service.communities.all()` and the like read them. Those querysets are for reading
    the rows (as every template and tag does): filtering one again would not be about its
    service."""
    services = list(Service.objects.filter(pk__in=pks).select_related("organisation"))
    for service in services:
        service._prefetched_objects_cache = {}
    # Many-to-many: the related rows with the service each is listed for.
    for name in ("communities", "locations"):
        model = getattr(Service, name).field.related_model
        rows = model.objects.filter(services__in=pks).annotate(listed_for=F("services"))
        _keep(services, name, model, rows, "listed_for")
    # One-to-many: each row knows its service, as after the prefetch.
    _keep(services, "referral_routes", ReferralRoute, ReferralRoute.objects.filter(service_id__in=pks))
    languages = ServiceLanguage.objects.select_related("language").filter(service_id__in=pks)
    _keep(services, "service_languages", ServiceLanguage, languages)
    language = active_language()
    if language is not None:  # as with_translations(): only the visitor's language, none in English
        translations = ServiceTranslation.objects.filter(language=language, service_id__in=pks)
        _keep(services, "translations", ServiceTranslation, translations)
    return {service.pk: service for service in services}


def _keep(services: list[Service], name: str, model: type[Model], rows: QuerySet, key: str = "service_id") -> None:
    """Each service's rows of the relation `name`, kept as prefetch_related keeps them."""
    by_service: dict[int, list[Model]] = defaultdict(list)
    for row in rows:
        by_service[getattr(row, key)].append(row)
    for service in services:
        found = by_service.get(service.pk, [])
        if key == "service_id":
            for row in found:  # what the prefetch does: row.service without a query
                row.service = service
        kept = QuerySet(model=model)
        kept._result_cache = found
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
