"""Which services the public sees, and what a result row and a service page load."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from ..models import Service, ServiceLanguage
from ..translations import with_translations


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
