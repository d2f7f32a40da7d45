"""Export listings in the bulk import format (partners/importer.py, PRODUCT.md).

Exporting, importing the file into an empty database and exporting again gives
the same file, so a region can move its listings between servers or edit them
in a spreadsheet and load them back. Archived listings are left out (the import
format cannot say "archived"); a service is `published` only when the public can
see it, that is when its organisation is published too.

The format has one place per service: a service at several places is exported
with its first (by town and address) and reported, so nobody loses the others
silently."""

import csv
import io
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from directory.spreadsheets import spreadsheet_safe

from . import translation_columns
from .importer import COLUMNS
from .models import LanguageProvision, Location, Service, ServiceLanguage, Status


@dataclass
class ExportResult:
    text: str
    rows: int = 0
    # Services whose other locations did not fit the one-place-per-row format.
    extra_locations: list[str] = field(default_factory=list)


def exported_services(*, published_only: bool = False) -> QuerySet[Service]:
    services = Service.objects.exclude(status=Status.ARCHIVED).exclude(organisation__status=Status.ARCHIVED)
    if published_only:
        services = services.filter(status=Status.PUBLISHED, organisation__status=Status.PUBLISHED)
    return (
        services.select_related("organisation")
        .prefetch_related(
            "support_types",
            "communities",
            "attributes",
            "modes",
            "referral_routes",
            Prefetch("locations", queryset=Location.objects.order_by("town", "address", "pk")),
            Prefetch("service_languages", queryset=ServiceLanguage.objects.select_related("language")),
            "translations",
            "organisation__translations",
        )
        .order_by("organisation__name", "name", "pk")
    )


def _slugs(rows) -> str:
    return ";".join(row.slug for row in rows)


def _number(value: float | None) -> str:
    # repr() is the shortest text that reads back as the same float, so a round trip is exact.
    return "" if value is None else repr(value)


def _languages(service: Service) -> str:
    items = []
    for row in service.service_languages.all():
        code = row.language.code
        items.append(code if row.provision == LanguageProvision.STAFF else f"{code}:{row.provision}")
    return ";".join(items)


def _language_hours(service: Service) -> str:
    items = []
    for row in service.service_languages.all():
        if row.hours:
            code = row.language.code
            key = code if row.provision == LanguageProvision.STAFF else f"{code}:{row.provision}"
            items.append(f"{key}={row.hours}")
    return " | ".join(items)


def listing_row(service: Service) -> dict[str, str]:
    organisation = service.organisation
    public = service.status == Status.PUBLISHED and organisation.status == Status.PUBLISHED
    locations = list(service.locations.all())
    location = locations[0] if locations else None
    return {
        "organisation": organisation.name,
        "organisation_description": organisation.description,
        "organisation_website": organisation.website,
        "organisation_email": organisation.email,
        "organisation_phone": organisation.phone,
        "service": service.name,
        "description": service.description,
        "support": _slugs(service.support_types.all()),
        "community": _slugs(service.communities.all()),
        "language": _languages(service),
        "referral": ";".join(route.kind for route in service.referral_routes.all()),
        "mode": _slugs(service.modes.all()),
        "attribute": _slugs(service.attributes.all()),
        "referral_instructions": service.referral_instructions,
        "cost": service.cost,
        "gender": service.gender,
        "min_age": "" if service.min_age is None else str(service.min_age),
        "max_age": "" if service.max_age is None else str(service.max_age),
        "address": location.address if location else "",
        "town": location.town if location else "",
        "postcode": location.postcode if location else "",
        "latitude": _number(location.latitude) if location else "",
        "longitude": _number(location.longitude) if location else "",
        "phone": service.phone,
        "email": service.email,
        "website": service.website,
        "opening_hours": service.opening_hours,
        "hours": service.hours,
        "language_hours": _language_hours(service),
        "status": Status.PUBLISHED if public else Status.DRAFT,
    }


def export_listings(*, published_only: bool = False) -> ExportResult:
    """The listings as CSV text in the import format (no byte-order mark)."""
    out = io.StringIO()
    services = list(exported_services(published_only=published_only))
    translated = translation_columns.export_columns(services)
    writer = csv.DictWriter(out, fieldnames=COLUMNS + translated)
    writer.writeheader()
    result = ExportResult(text="")
    for service in services:
        row = listing_row(service) | translation_columns.export_cells(service, translated)
        writer.writerow({column: spreadsheet_safe(value) for column, value in row.items()})
        result.rows += 1
        if len(service.locations.all()) > 1:
            result.extra_locations.append(f"{service.organisation.name}: {service.name}")
    result.text = out.getvalue()
    return result
