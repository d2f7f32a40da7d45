"""Bulk import of listings from the CSV format in PRODUCT.md.

Every row is checked before anything is written, so a file either imports whole
or not at all, and each problem is reported with its line and column. Rows are
matched to what is already there by organisation name and service name, so
importing the same file again updates in place. The work is done in a handful of
queries per file, not per row, so a 10,000-row file imports in seconds."""

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from directory.spreadsheets import from_spreadsheet

from . import map_cache, translation_columns
from .hours import HoursError, parse_hours
from .languages import describe_language
from .models import (
    Language,
    LanguageProvision,
    Location,
    OpeningPeriod,
    Organisation,
    Service,
    ServiceLanguage,
    Status,
    normalise_postcode,
)
from .postcodes import FULL_RE, lookup_many
from .search.registry import FILTERS

COLUMNS = [
    "organisation",
    "organisation_description",
    "organisation_website",
    "organisation_email",
    "organisation_phone",
    "service",
    "description",
    "support",
    "community",
    "language",
    "referral",
    "mode",
    "attribute",
    "referral_instructions",
    "cost",
    "gender",
    "min_age",
    "max_age",
    "address",
    "town",
    "postcode",
    "latitude",
    "longitude",
    "phone",
    "email",
    "website",
    "opening_hours",
    "hours",
    "language_hours",
    "status",
]
# Columns that change nothing when a file leaves them out, so a sheet made before they
# existed does not wipe the hours staff have entered since.
OPTIONAL_COLUMNS = ("hours", "language_hours")
# "ur:staff=Tu 18:00-21:00 | bn=Sa 10:00-12:00": hours may hold ";" and ",", so "|" separates languages.
LANGUAGE_HOURS_SEPARATOR = "|"
REQUIRED_COLUMNS = ["organisation", "service", "description"]
ORGANISATION_COLUMNS = {
    "organisation_description": "description",
    "organisation_website": "website",
    "organisation_email": "email",
    "organisation_phone": "phone",
}
# The filters (partners.search.FILTERS) whose columns hold slugs of a vocabulary, and
# those held on the service itself (one value, a blank cell meaning the model's default).
VOCABULARY_FILTERS = [spec for spec in FILTERS.values() if spec.is_term]
VOCABULARY_COLUMNS = {spec.import_column: spec.model for spec in VOCABULARY_FILTERS}
SERVICE_FILTERS = [spec for spec in FILTERS.values() if spec.on_service]
REFERRAL = FILTERS["referral"]
IMPORT_STATUSES = (Status.PUBLISHED, Status.DRAFT)
CHUNK = 500


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return f"line {self.line}, column {self.column}: {self.message}"
        return f"line {self.line}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s); nothing was imported.")
        self.errors = errors


@dataclass
class ImportResult:
    organisations_created: int = 0
    organisations_updated: int = 0
    services_created: int = 0
    services_updated: int = 0
    services_unchanged: int = 0
    languages_added: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"Organisations: {self.organisations_created} new, {self.organisations_updated} already listed. "
            f"Services: {self.services_created} new, {self.services_updated} updated, "
            f"{self.services_unchanged} unchanged."
        )
        if self.languages_added:
            text += f" New languages: {', '.join(self.languages_added)}."
        return text


@dataclass
class ParsedRow:
    line: int
    organisation: str
    organisation_fields: dict[str, str]
    service: dict
    terms: dict[str, list[str]]
    languages: list[tuple[str, str]]
    referrals: list[str]
    location: dict | None
    # {"ur": {"description": …}} from the translation columns (partners/translation_columns.py)
    translations: dict = field(default_factory=dict)
    organisation_translations: dict = field(default_factory=dict)
    # {("ur", "staff"): "Tu 18:00-21:00"}; None when the file has no language_hours column
    language_hours: dict | None = None


def _split(value: str) -> list[str]:
    seen: list[str] = []
    for item in value.split(";"):
        item = item.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


def _field_limit(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


class RowParser:
    """Checks one row at a time against the vocabularies and the postcode table."""

    def __init__(self, rows: list[dict[str, str]], header: list[str] = ()):
        self.optional = {column for column in OPTIONAL_COLUMNS if column in header}
        self.translation_columns = [column for column in header if translation_columns.split(column)]
        self.vocabularies = {
            spec.import_column: set(spec.model.objects.values_list(spec.code_field, flat=True))
            for spec in VOCABULARY_FILTERS
        }
        self.languages = set(Language.objects.values_list("code", flat=True))
        self.new_languages: dict[str, dict] = {}
        postcodes = [normalise_postcode(r.get("postcode") or "") for r in rows]
        wanted = sorted({p for p in postcodes if FULL_RE.match(p)})
        self.postcodes: dict[str, tuple[float, float]] = {}
        for start in range(0, len(wanted), CHUNK):
            self.postcodes.update(lookup_many(wanted[start : start + CHUNK]))
        self.url = URLValidator(schemes=["http", "https"])

    def parse(self, line: int, raw: dict[str, str]) -> tuple[ParsedRow | None, list[RowError]]:
        row = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        errors: list[RowError] = []

        def error(column: str, message: str) -> None:
            errors.append(RowError(line, column, message))

        for column in REQUIRED_COLUMNS:
            if not row[column]:
                error(column, "is required")
        for column, model, name in (
            ("organisation", Organisation, "name"),
            ("organisation_phone", Organisation, "phone"),
            ("service", Service, "name"),
            ("phone", Service, "phone"),
        ):
            limit = _field_limit(model, name)
            if limit and len(row[column]) > limit:
                error(column, f"is longer than {limit} characters")
        for column in ("organisation_website", "website"):
            if row[column]:
                try:
                    self.url(row[column])
                except ValidationError:
                    error(column, f"{row[column]!r} is not a web address (it should start with https://)")
        for column in ("organisation_email", "email"):
            if row[column]:
                try:
                    validate_email(row[column])
                except ValidationError:
                    error(column, f"{row[column]!r} is not an email address")

        terms: dict[str, list[str]] = {}
        for column in VOCABULARY_COLUMNS:
            values = _split(row[column])
            unknown = [v for v in values if v not in self.vocabularies[column]]
            for value in unknown:
                error(column, f"unknown {column} {value!r}")
            terms[column] = values

        referrals = _split(row[REFERRAL.import_column])
        for value in referrals:
            if value not in REFERRAL.choices.values:
                column = REFERRAL.import_column
                error(column, f"unknown {column} {value!r} (use {', '.join(REFERRAL.choices.values)})")

        languages: list[tuple[str, str]] = []
        for item in _split(row["language"]):
            code, _sep, how = item.partition(":")
            code, how = code.strip().lower(), (how.strip().lower() or LanguageProvision.STAFF)
            if how not in LanguageProvision.values:
                error(
                    "language", f"unknown way of offering {code!r}: {how!r} (use {', '.join(LanguageProvision.values)})"
                )
                continue
            if code not in self.languages and code not in self.new_languages:
                info = describe_language(code)
                if info is None:
                    error("language", f"unknown language code {code!r}")
                    continue
                self.new_languages[code] = info
            if (code, how) not in languages:
                languages.append((code, how))

        own: dict[str, str] = {}
        for spec in SERVICE_FILTERS:
            column = spec.import_column
            own[spec.column] = row[column].lower() or spec.import_default()
            if own[spec.column] not in spec.choices.values:
                error(column, f"unknown {column} {row[column]!r} (use {', '.join(spec.choices.values)})")
        status = row["status"].lower() or Status.PUBLISHED
        if status not in IMPORT_STATUSES:
            error("status", f"unknown status {row['status']!r} (use published or draft)")

        ages: dict[str, int | None] = {}
        for column in ("min_age", "max_age"):
            ages[column] = None
            if row[column]:
                if not row[column].isdigit() or int(row[column]) > 130:
                    error(column, f"{row[column]!r} is not an age in whole years (0 to 130)")
                else:
                    ages[column] = int(row[column])
        if ages["min_age"] is not None and ages["max_age"] is not None and ages["min_age"] > ages["max_age"]:
            error("max_age", "is lower than min_age")

        # The cells as written, so "character 13" counts from the cell's first character.
        hours = self._hours(raw.get("hours") or "", 0, error, "hours")
        language_hours = self._language_hours(raw.get("language_hours") or "", languages, error)
        location = self._location(row, error)
        translations, organisation_translations = translation_columns.read(raw, self.translation_columns, error)
        if errors:
            return None, errors
        service = {
            "name": row["service"],
            "description": row["description"],
            "referral_instructions": row["referral_instructions"],
            **own,
            "min_age": ages["min_age"],
            "max_age": ages["max_age"],
            "phone": row["phone"],
            "email": row["email"],
            "website": row["website"],
            "opening_hours": row["opening_hours"],
            "status": status,
        }
        if "hours" in self.optional:
            service["hours"] = hours
        organisation_fields = {name: row[column] for column, name in ORGANISATION_COLUMNS.items()}
        parsed = ParsedRow(
            line,
            row["organisation"],
            organisation_fields,
            service,
            terms,
            languages,
            referrals,
            location,
            translations,
            organisation_translations,
        )
        parsed.language_hours = language_hours if "language_hours" in self.optional else None
        return parsed, []

    @staticmethod
    def _hours(text: str, offset: int, error, column: str) -> str:
        """The hours in their one written form; errors say at which character of the cell."""
        if not text.strip():
            return ""
        try:
            return parse_hours(text).text()
        except HoursError as problem:
            lead = len(text) - len(text.lstrip())
            error(column, f"character {offset + lead + problem.position}: {problem.message}")
            return ""

    def _language_hours(self, cell: str, languages: list[tuple[str, str]], error) -> dict:
        found: dict[tuple[str, str], str] = {}
        offset = 0
        for item in cell.split(LANGUAGE_HOURS_SEPARATOR):
            start, offset = offset, offset + len(item) + 1
            if not item.strip():
                continue
            key, sep, text = item.partition("=")
            code, _colon, how = key.strip().partition(":")
            code, how = code.strip().lower(), how.strip().lower() or LanguageProvision.STAFF
            if not sep or (code, how) not in languages:
                error(
                    "language_hours",
                    f"character {start + len(item) - len(item.lstrip()) + 1}: {key.strip()!r} must be a language "
                    "of the language column followed by = and its hours, such as ur=Tu 18:00-21:00",
                )
                continue
            if hours := self._hours(text, start + len(key) + 1, error, "language_hours"):
                found[(code, how)] = hours
        return found

    def _location(self, row: dict[str, str], error) -> dict | None:
        address, town, raw_postcode = row["address"], row["town"], row["postcode"]
        if not (address or town or raw_postcode or row["latitude"] or row["longitude"]):
            return None
        postcode = normalise_postcode(raw_postcode)
        latitude = longitude = None
        if row["latitude"] or row["longitude"]:
            try:
                latitude, longitude = float(row["latitude"]), float(row["longitude"])
            except ValueError:
                error("latitude", "latitude and longitude must both be numbers in degrees, or both blank")
                return None
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                error("latitude", "latitude must be between -90 and 90 and longitude between -180 and 180")
                return None
        if postcode:
            if not FULL_RE.match(postcode):
                error("postcode", f"{raw_postcode!r} is not a full UK postcode")
                return None
            if latitude is None:
                if postcode not in self.postcodes:
                    error("postcode", f"unknown postcode {raw_postcode!r} (is it loaded? see load_postcodes)")
                    return None
                latitude, longitude = self.postcodes[postcode]
        elif latitude is None:
            error("postcode", "a postcode (or latitude and longitude) is needed to place this address on the map")
            return None
        return {"address": address, "town": town, "postcode": postcode, "latitude": latitude, "longitude": longitude}


# The longest cell we accept, in characters (the csv module's own default limit).
CELL_LIMIT = 128 * 1024
# Control characters (Unicode category Cc) are refused everywhere: PostgreSQL cannot store
# NUL and the rest are invisible. Longer texts may keep tabs and line breaks; names are
# shown on one line everywhere, so they may not.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
NAME_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
NAME_COLUMNS = ("organisation", "service")


def read_csv(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs; line numbers count the header as line 1.
    Raises ImportFailed, with line and column, when the text is not well-formed CSV or a
    cell is too long or holds control characters."""
    reader = csv.DictReader(io.StringIO(text), strict=True)
    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    end = 0  # the last line of the last whole record read
    with _field_size_limit(len(text) + 1):  # cell sizes are checked below, with line and column
        try:
            header = [h.strip() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            end = reader.line_num
            for row in reader:
                end = reader.line_num
                if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                    continue  # blank line
                rows.append((reader.line_num, _undefused(row)))
        except csv.Error:
            raise ImportFailed([_quoting_problem(text, end + 1, header)]) from None
    errors = [error for line, row in rows for error in _cell_problems(line, row)]
    if errors:
        raise ImportFailed(errors)
    return header, rows


@contextmanager
def _field_size_limit(limit: int) -> Iterator[None]:
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _cell_problems(line: int, row: dict) -> list[RowError]:
    errors = []
    for column, value in row.items():
        if not isinstance(value, str):
            continue  # cells beyond the header, reported by parse()
        if len(value) > CELL_LIMIT:
            errors.append(RowError(line, column, f"is longer than {CELL_LIMIT:,} characters (128 KB)"))
        pattern = NAME_CONTROL_CHARACTERS if column in NAME_COLUMNS else CONTROL_CHARACTERS
        if found := pattern.search(value):
            code, where = ord(found.group()), found.start() + 1
            errors.append(
                RowError(line, column, f"holds a control character (U+{code:04X}) at character {where}; remove it")
            )
    return errors


def _quoting_problem(text: str, start: int, header: list[str]) -> RowError:
    """Where the quotation marks of the record that starts on line `start` go wrong."""
    record = "".join(io.StringIO(text).readlines()[start - 1 :])
    field = i = 0
    line = opened = start
    quoted, at_start = False, True
    while i < len(record):
        char = record[i]
        if quoted and char == '"':
            if record[i + 1 : i + 2] == '"':
                i += 1  # "" is a quotation mark inside the cell
            elif record[i + 1 : i + 2] not in (",", "\r", "\n", ""):
                return RowError(
                    line,
                    _column_name(header, field),
                    'has text after its closing quotation mark ("); quote the whole cell and write '
                    'each quotation mark inside it twice ("")',
                )
            else:
                quoted = False
        elif char == '"' and at_start:
            quoted, opened = True, line
        elif char == "," and not quoted:
            field += 1
            at_start = True
            i += 1
            continue
        elif char == "\n" and not quoted:
            break
        if char == "\n":
            line += 1
        at_start = False
        i += 1
    if quoted:
        return RowError(
            opened,
            _column_name(header, field),
            'opens a quotation mark (") that is never closed, so the rest of the file would run into this cell',
        )
    return RowError(start, "", "this line is not well-formed CSV")


def _column_name(header: list[str], index: int) -> str:
    return header[index] if index < len(header) else str(index + 1)


def _undefused(row: dict) -> dict:
    # Our exports defuse cells a spreadsheet would run as formulas; reading them back undoes it.
    for key, value in row.items():
        if isinstance(value, str) and value.startswith("'"):
            row[key] = from_spreadsheet(value)
    return row


def check_header(header: list[str]) -> list[RowError]:
    errors = []
    if not header:
        return [RowError(1, "", "the file is empty; the first line must name the columns")]
    for column in REQUIRED_COLUMNS:
        if column not in header:
            errors.append(RowError(1, column, "this required column is missing from the header"))
    for column in header:
        if translation_columns.split(column):
            if problem := translation_columns.header_problem(column):
                errors.append(RowError(1, column, problem))
        elif column not in COLUMNS:
            errors.append(RowError(1, column, f"unknown column (expected: {', '.join(COLUMNS)})"))
    errors.extend(_repeated_columns(header))
    return errors


def _repeated_columns(header: list[str]) -> list[RowError]:
    # csv.DictReader would keep only the last of two same-named columns, silently.
    positions: dict[str, list[int]] = defaultdict(list)
    for position, column in enumerate(header, start=1):
        positions[column].append(position)
    return [
        RowError(1, column, f"appears more than once in the header (columns {', '.join(map(str, found))})")
        for column, found in positions.items()
        if len(found) > 1 and column
    ]


def parse(text: str) -> tuple[list[ParsedRow], RowParser | None, list[RowError]]:
    header, rows = read_csv(text)
    errors = check_header(header)
    if errors:
        return [], None, errors
    parser = RowParser([r for _line, r in rows], header)
    parsed: list[ParsedRow] = []
    seen_services: dict[tuple[str, str], int] = {}
    organisation_values: dict[str, dict[str, tuple[str, int]]] = defaultdict(dict)
    for line, raw in rows:
        if None in raw:  # more cells than columns
            errors.append(RowError(line, "", "this line has more cells than the header has columns"))
            continue
        row, row_errors = parser.parse(line, raw)
        errors.extend(row_errors)
        if row is None:
            continue
        key = (row.organisation.casefold(), row.service["name"].casefold())
        if key in seen_services:
            errors.append(RowError(line, "service", f"the same service is already on line {seen_services[key]}"))
            continue
        seen_services[key] = line
        known = organisation_values[row.organisation.casefold()]
        for name, value in row.organisation_fields.items():
            if not value:
                continue
            if name in known and known[name][0] != value:
                column = next(c for c, n in ORGANISATION_COLUMNS.items() if n == name)
                errors.append(RowError(line, column, f"differs from line {known[name][1]} for the same organisation"))
            known.setdefault(name, (value, line))
        for language, values in row.organisation_translations.items():
            for name, value in values.items():
                column, earlier = f"organisation_{name}:{language}", known.get(f"organisation_{name}:{language}")
                if value and earlier and earlier[0] != value:
                    errors.append(RowError(line, column, f"differs from line {earlier[1]} for the same organisation"))
                elif value:
                    known.setdefault(column, (value, line))
        parsed.append(row)
    if not rows and not errors:
        errors.append(RowError(2, "", "the file has a header but no listings"))
    return parsed, parser, errors


def _unique_slug(base: str, taken: set[str], limit: int = 200) -> str:
    base = (slugify(base) or "listing")[:limit].strip("-")
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def import_listings(text: str, *, example: bool = False) -> ImportResult:
    """Import a CSV document; raises ImportFailed with every problem, writing nothing."""
    rows, parser, errors = parse(text)
    if errors:
        raise ImportFailed(errors)
    assert parser is not None
    with transaction.atomic():
        result = _write(rows, parser, example)
        map_cache.directory_changed()  # bulk writes send no signals
        return result


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _assign(instance, values: dict) -> dict:
    """Set the values that differ; return them (an identical re-import changes nothing)."""
    changed = {k: v for k, v in values.items() if getattr(instance, k) != v}
    for key, value in changed.items():
        setattr(instance, key, value)
    return changed


def _save_changes(model, changes: dict[int, dict]) -> None:
    # One UPDATE per changed row: far cheaper than bulk_update's CASE expressions
    # at this size, and rows that did not change cost nothing.
    now = timezone.now()
    for pk, values in changes.items():
        model.objects.filter(pk=pk).update(**values, updated=now)


def _sync_rows(model, fields: tuple[str, ...], service_ids: list[int], wanted: set[tuple]) -> set[int]:
    """Make the rows of `model` for these services exactly `wanted` (tuples of `fields`,
    service id first), adding and deleting only the difference. Returns the services touched."""
    existing: set[tuple] = set()
    for chunk in _chunks(service_ids):
        existing.update(model.objects.filter(service_id__in=chunk).values_list(*fields))
    remove, add = existing - wanted, wanted - existing
    for chunk in _chunks(sorted(remove), 200):
        condition = Q()
        for item in chunk:
            condition |= Q(**dict(zip(fields, item, strict=True)))
        model.objects.filter(condition).delete()
    model.objects.bulk_create([model(**dict(zip(fields, item, strict=True))) for item in sorted(add)], batch_size=CHUNK)
    return {item[0] for item in remove | add}


def _write(rows: list[ParsedRow], parser: RowParser, example: bool) -> ImportResult:
    result = ImportResult()
    today = timezone.localdate()

    for code, info in sorted(parser.new_languages.items()):
        Language.objects.create(code=code, **info)
        result.languages_added.append(code)
    language_ids = dict(Language.objects.values_list("code", "id"))

    # Organisations, matched by name.
    by_org: dict[str, list[ParsedRow]] = defaultdict(list)
    for row in rows:
        by_org[row.organisation].append(row)
    orgs = {o.name: o for o in Organisation.objects.filter(name__in=list(by_org))}
    org_slugs = set(Organisation.objects.values_list("slug", flat=True))
    new_orgs, org_changes = [], {}
    for name, org_rows in by_org.items():
        values = dict.fromkeys(ORGANISATION_COLUMNS.values(), "")
        for row in org_rows:
            for key, value in row.organisation_fields.items():
                values[key] = values[key] or value
        values["is_example"] = example
        any_published = any(r.service["status"] == Status.PUBLISHED for r in org_rows)
        org = orgs.get(name)
        if org is None:
            status = Status.PUBLISHED if any_published else Status.DRAFT
            org = Organisation(name=name, slug=_unique_slug(name, org_slugs), last_verified=today, status=status)
            _assign(org, values)
            new_orgs.append(org)
            orgs[name] = org
        else:
            if any_published and org.status == Status.DRAFT:
                values["status"] = Status.PUBLISHED
            changed = _assign(org, values)
            if changed:
                org_changes[org.pk] = changed
    Organisation.objects.bulk_create(new_orgs, batch_size=CHUNK)
    _save_changes(Organisation, org_changes)
    if any(o.pk is None for o in new_orgs):  # databases that cannot return ids
        ids = dict(Organisation.objects.filter(name__in=[o.name for o in new_orgs]).values_list("name", "id"))
        for org in new_orgs:
            org.pk = org.id = ids[org.name]
    result.organisations_created = len(new_orgs)
    result.organisations_updated = len(by_org) - len(new_orgs)

    # Services, matched by organisation and name.
    existing_services = {
        (s.organisation_id, s.name): s for s in Service.objects.filter(organisation__in=list(orgs.values()))
    }
    service_slugs = set(Service.objects.values_list("slug", flat=True))
    new_services, service_changes = [], {}
    row_service: list[tuple[ParsedRow, Service]] = []
    for row in rows:
        org = orgs[row.organisation]
        service = existing_services.get((org.id, row.service["name"]))
        if service is None:
            service = Service(organisation=org, last_verified=today, **row.service)
            service.slug = _unique_slug(row.service["name"], service_slugs)
            new_services.append(service)
        else:
            changed = _assign(service, row.service)
            if changed:
                service_changes[service.pk] = changed
        row_service.append((row, service))
    Service.objects.bulk_create(new_services, batch_size=CHUNK)
    if any(s.pk is None for s in new_services):
        ids = dict(Service.objects.filter(slug__in=[s.slug for s in new_services]).values_list("slug", "id"))
        for s in new_services:
            s.pk = s.id = ids[s.slug]
    service_ids = [s.id for _r, s in row_service]

    touched: set[int] = set()
    for spec in VOCABULARY_FILTERS:
        ids = dict(spec.model.objects.values_list(spec.code_field, "id"))
        wanted = {(s.id, ids[slug]) for row, s in row_service for slug in row.terms[spec.import_column]}
        touched |= _sync_rows(spec.through, ("service_id", spec.column), service_ids, wanted)
    if "language_hours" in parser.optional:
        wanted = {
            (s.id, language_ids[code], how, row.language_hours.get((code, how), ""))
            for row, s in row_service
            for code, how in row.languages
        }
        fields = ("service_id", "language_id", "provision", "hours")
    else:
        wanted = {(s.id, language_ids[code], how) for row, s in row_service for code, how in row.languages}
        fields = ("service_id", "language_id", "provision")
    touched |= _sync_rows(ServiceLanguage, fields, service_ids, wanted)
    # Ways in: a route that stays keeps the details staff added to it.
    wanted = {(s.id, kind) for row, s in row_service for kind in row.referrals}
    touched |= _sync_rows(REFERRAL.through, ("service_id", REFERRAL.column), service_ids, wanted)
    touched |= _write_locations(row_service, list(orgs.values()), service_ids)
    touched |= translation_columns.sync_services([(s.id, row.translations) for row, s in row_service])
    translation_columns.sync_organisations(_organisation_translations(by_org, orgs))

    # A service whose relations changed counts as changed too.
    for service_id in touched - {s.id for s in new_services} - set(service_changes):
        service_changes[service_id] = {}
    _save_changes(Service, service_changes)
    # The open-now table follows the hours (a cache of them: see OpeningPeriod).
    rehoured = [
        s for _row, s in row_service if (s in new_services and s.hours) or "hours" in service_changes.get(s.id, {})
    ]
    OpeningPeriod.rebuild(*rehoured)
    result.services_created = len(new_services)
    result.services_updated = len(service_changes)
    result.services_unchanged = len(rows) - len(new_services) - len(service_changes)
    return result


def _organisation_translations(by_org: dict[str, list[ParsedRow]], orgs: dict) -> list[tuple[int, dict]]:
    # One organisation spans several rows: each field takes the first row that fills it.
    items = []
    for name, org_rows in by_org.items():
        merged: dict[str, dict[str, str]] = {}
        for row in org_rows:
            for language, values in row.organisation_translations.items():
                for field_name, value in values.items():
                    current = merged.setdefault(language, {})
                    current[field_name] = current.get(field_name) or value
        items.append((orgs[name].id, merged))
    return items


def _location_key(org_id: int, address: str, postcode: str) -> tuple[int, str, str]:
    return (org_id, " ".join(address.casefold().split()), postcode)


def _write_locations(row_service: list[tuple[ParsedRow, Service]], orgs: list, service_ids: list[int]) -> set[int]:
    located = {
        _location_key(loc.organisation_id, loc.address, loc.postcode): loc
        for loc in Location.objects.filter(organisation__in=orgs)
    }
    new: list[Location] = []
    changed: dict[int, dict] = {}
    for row, service in row_service:
        if row.location is None:
            continue
        key = _location_key(service.organisation_id, row.location["address"], row.location["postcode"])
        location = located.get(key)
        if location is None:
            location = located[key] = Location(organisation_id=service.organisation_id, **row.location)
            new.append(location)
        elif location.pk is not None:
            values = {name: row.location[name] for name in ("town", "latitude", "longitude")}
            if differences := _assign(location, values):
                changed[location.pk] = differences
    Location.objects.bulk_create(new, batch_size=CHUNK)
    for pk, values in changed.items():
        Location.objects.filter(pk=pk).update(**values)
    if any(loc.pk is None for loc in new):
        found = {
            _location_key(loc.organisation_id, loc.address, loc.postcode): loc
            for loc in Location.objects.filter(organisation__in=orgs)
        }
        located.update(found)
    wanted = {
        (
            service.id,
            located[_location_key(service.organisation_id, row.location["address"], row.location["postcode"])].id,
        )
        for row, service in row_service
        if row.location is not None
    }
    return _sync_rows(Service.locations.through, ("service_id", "location_id"), service_ids, wanted)
