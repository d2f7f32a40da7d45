"""The translation columns of the import format (docs/import-format.md): `name:ur`,
`description:ur`, `referral_instructions:ur`, `opening_hours:ur` and
`organisation_description:ur`, for any interface language but English.

A file is authoritative only for the translation columns it has: a file without
`description:pl` leaves the Polish descriptions staff added alone, and a blank
`description:pl` cell removes that one (a translation left with no text goes)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .languages import translation_languages
from .models import Organisation, OrganisationTranslation, Service, ServiceTranslation

# column name before the colon -> (model field, longest allowed)
SERVICE_COLUMNS = {
    "name": ("name", 200),
    "description": ("description", None),
    "referral_instructions": ("referral_instructions", None),
    "opening_hours": ("opening_hours", None),
}
ORGANISATION_COLUMNS = {"organisation_description": ("description", None)}
CHUNK = 500
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")

Translations = dict[str, dict[str, str]]  # language -> field -> text


def split(column: str) -> tuple[str, str] | None:
    """('description', 'ur') for 'description:ur'; None for a column with no colon."""
    if ":" not in column:
        return None
    base, _colon, language = column.partition(":")
    return base.strip(), language.strip()


def header_problem(column: str) -> str | None:
    """Why a translation column cannot be read, or None if it can."""
    base, language = split(column) or ("", "")
    if base not in SERVICE_COLUMNS and base not in ORGANISATION_COLUMNS:
        known = ", ".join(f"{name}:<language>" for name in [*SERVICE_COLUMNS, *ORGANISATION_COLUMNS])
        return f"unknown column (translation columns are {known})"
    languages = translation_languages()
    if not _LANGUAGE_RE.match(language):
        return f"{language!r} is not a language code (use one of {', '.join(languages)})"
    if language not in languages:
        return f"{language!r} is not one of the site's languages (use one of {', '.join(languages)})"
    return None


def read(raw: dict[str, str], columns: Iterable[str], error) -> tuple[Translations, Translations]:
    """The service's and the organisation's translations in one row, checking lengths."""
    service: Translations = {}
    organisation: Translations = {}
    for column in columns:
        base, language = split(column)
        value = (raw.get(column) or "").strip()
        if base in SERVICE_COLUMNS:
            name, limit = SERVICE_COLUMNS[base]
            target = service
        else:
            name, limit = ORGANISATION_COLUMNS[base]
            target = organisation
        if limit and len(value) > limit:
            error(column, f"is longer than {limit} characters")
        target.setdefault(language, {})[name] = value
    return service, organisation


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sync(model, owner: str, items: list[tuple[int, Translations]]) -> set[int]:
    """Write the translations the file gives, per owner (service or organisation id), changing
    only the fields the file has columns for. Returns the owners whose translations changed."""
    languages = sorted({language for _id, given in items for language in given})
    if not languages:
        return set()
    owner_ids = sorted({owner_id for owner_id, _given in items})
    existing = {}
    for chunk in _chunks(owner_ids):
        for row in model.objects.filter(**{f"{owner}_id__in": chunk}, language__in=languages):
            existing[(getattr(row, f"{owner}_id"), row.language)] = row
    new, changed, gone, touched = [], [], [], set()
    for owner_id, given in items:
        for language, values in given.items():
            row = existing.get((owner_id, language))
            if row is None:
                if any(values.values()):
                    row = existing[(owner_id, language)] = model(
                        **{f"{owner}_id": owner_id}, language=language, **values
                    )
                    new.append(row)
                    touched.add(owner_id)
                continue
            differences = {name: value for name, value in values.items() if getattr(row, name) != value}
            if not differences:
                continue
            for name, value in differences.items():
                setattr(row, name, value)
            touched.add(owner_id)
            (changed if any(getattr(row, name) for name in model.FIELDS) else gone).append(row)
    model.objects.bulk_create(new, batch_size=CHUNK)
    model.objects.bulk_update([row for row in changed if row.pk], model.FIELDS, batch_size=CHUNK)
    model.objects.filter(pk__in=[row.pk for row in gone if row.pk]).delete()
    return touched


def sync_services(items: list[tuple[int, Translations]]) -> set[int]:
    return sync(ServiceTranslation, "service", items)


def sync_organisations(items: list[tuple[int, Translations]]) -> set[int]:
    return sync(OrganisationTranslation, "organisation", items)


# --- Export -----------------------------------------------------------------------


def export_columns(services: list[Service]) -> list[str]:
    """The translation columns for the interface languages these listings have any text in."""
    present = set()
    for service in services:
        present.update(t.language for t in service.translations.all())
        present.update(t.language for t in service.organisation.translations.all())
    return [
        f"{base}:{language}"
        for language in translation_languages()
        if language in present
        for base in [*SERVICE_COLUMNS, *ORGANISATION_COLUMNS]
    ]


def export_cells(service: Service, columns: list[str]) -> dict[str, str]:
    organisation: Organisation = service.organisation
    texts = {
        **{
            (base, t.language): getattr(t, name)
            for t in service.translations.all()
            for base, (name, _l) in SERVICE_COLUMNS.items()
        },
        **{
            (base, t.language): getattr(t, name)
            for t in organisation.translations.all()
            for base, (name, _l) in ORGANISATION_COLUMNS.items()
        },
    }
    return {column: texts.get(split(column), "") for column in columns}
