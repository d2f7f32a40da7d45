"""The API's query parameters: parsing, validation and filtering.

Values of one filter are OR (repeat the parameter: `language=ur&language=pa`),
different filters are AND, as on the public search page. Filters select services
through subqueries (`pk__in`), so combining them never duplicates rows and the
distance annotation can still aggregate over a service's locations.

Anything malformed or unknown becomes a ParameterError, which the views answer
with a 400 naming the parameter."""

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import cached_property
from operator import itemgetter

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django_filters.constants import EMPTY_VALUES

from partners import search as engine
from partners.languages import base_code, is_translation_language, translation_languages
from partners.models import Organisation, Service
from partners.postcodes import Place, lookup
from partners.search.keywords import Keywords

from .taxonomies import Taxonomy, Term, services_in_taxonomy, services_with_term, taxonomy_by_id, terms_by_id

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_SEARCH_LENGTH = 200
# More words than this add nothing to a directory search but cost a subquery each.
MAX_SEARCH_WORDS = 10
# A service's name is at most this long (partners.models.Service.name); a cursor holding a
# longer one was not made by us.
MAX_CURSOR_NAME_LENGTH = 1000


class ParameterError(Exception):
    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


def check(form: forms.Form) -> dict:
    """The cleaned values, or a ParameterError for the first bad parameter."""
    if form.is_valid():
        return form.cleaned_data
    for name, errors in form.errors.items():
        raise ParameterError(name, errors[0])
    raise AssertionError("an invalid form has errors")  # pragma: no cover


# --- Fields ------------------------------------------------------------------------


class BooleanParameter(forms.Field):
    """true/false (or 1/0, yes/no); anything else is an error rather than quietly true."""

    def to_python(self, value: str | None) -> bool:
        text = (value or "").strip().lower()
        if text in ("", "false", "0", "no"):
            return False
        if text in ("true", "1", "yes"):
            return True
        raise ValidationError(_("Use true or false."), code="invalid")


class DateTimeParameter(forms.Field):
    """An ISO 8601 date or date and time; no time zone means UTC."""

    def to_python(self, value: str | None) -> datetime | None:
        text = (value or "").strip()
        if not text:
            return None
        # An unencoded '+' in a query string arrives as a space: '…T09:00:00 01:00'.
        text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text)
        parsed = None
        try:
            parsed = parse_datetime(text)
            if parsed is None:
                day = parse_date(text)
                parsed = datetime.combine(day, time.min) if day else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationError(
                _("Use an ISO 8601 date or date and time, such as 2025-01-31 or 2025-01-31T09:00:00Z."),
                code="invalid",
            )
        if timezone.is_naive(parsed):
            return parsed.replace(tzinfo=UTC)
        # In UTC: Python takes offsets up to a day, PostgreSQL only up to 16 hours.
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # past the first or last day Python can write
            return (datetime.min if parsed.year == 1 else datetime.max).replace(tzinfo=UTC)


class UUIDListField(forms.Field):
    """A repeatable parameter of UUIDs."""

    widget = forms.SelectMultiple

    def to_python(self, value) -> list[uuid.UUID]:
        values = [v for v in (value or []) if v.strip()]
        parsed = []
        for item in values:
            try:
                parsed.append(uuid.UUID(item.strip()))
            except ValueError:
                raise ValidationError(
                    _("%(value)s is not a UUID."), code="invalid", params={"value": item[:50]}
                ) from None
        return parsed


class TermsField(UUIDListField):
    def clean(self, value) -> list[Term]:
        ids = super().clean(value)
        if not ids:
            return []
        found = terms_by_id(ids)
        for item in ids:
            if item not in found:
                raise ValidationError(
                    _("No taxonomy term has the id %(value)s; see /api/taxonomy_terms."), params={"value": item}
                )
        return [found[item] for item in ids]


class TaxonomiesField(UUIDListField):
    def clean(self, value) -> list[Taxonomy]:
        taxonomies = []
        for item in super().clean(value):
            taxonomy = taxonomy_by_id(item)
            if taxonomy is None:
                raise ValidationError(
                    _("No taxonomy has the id %(value)s; see /api/taxonomies."), params={"value": item}
                )
            taxonomies.append(taxonomy)
        return taxonomies


class PostcodeField(forms.CharField):
    def clean(self, value: str | None) -> Place | None:
        text = super().clean(value)
        if not text:
            return None
        place = lookup(text)
        if place is None:
            raise ValidationError(
                _("Unknown postcode %(postcode)s. Give a full UK postcode (BD21 3DN) or its first half (BD21)."),
                params={"postcode": text[:20]},
            )
        return place


@dataclass(frozen=True)
class Cursor:
    """Where a walk through /api/services stopped: the last service given (its name and
    internal id, the list's order) and the number of the page that follows. Opaque to
    clients: URL-safe base64 of a small JSON array."""

    page: int
    name: str
    pk: int

    def encode(self) -> str:
        text = json.dumps([self.page, self.name, self.pk], ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor | None":
        """The cursor `text` encodes, or None for anything we did not make."""
        if len(text) > 8 * MAX_CURSOR_NAME_LENGTH:
            return None
        try:
            padded = text + "=" * (-len(text) % 4)
            page, name, pk = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode())
        except (ValueError, TypeError, UnicodeError, binascii.Error):
            return None
        if not (isinstance(page, int) and isinstance(name, str) and isinstance(pk, int)):
            return None
        # Ids are 64-bit integers: a larger one would overflow the database's parameter.
        if isinstance(page, bool) or isinstance(pk, bool) or page < 2 or not 1 <= pk < 2**63:
            return None
        if len(name) > MAX_CURSOR_NAME_LENGTH or "\x00" in name or _unencodable(name):
            return None
        return cls(page=page, name=name, pk=pk)


def _unencodable(text: str) -> bool:
    """Text holding a lone surrogate (JSON can carry one), which no database can take."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


class CursorField(forms.CharField):
    def clean(self, value: str | None) -> Cursor | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        cursor = Cursor.decode(text)
        if cursor is None:
            raise ValidationError(
                _("This is not a cursor this API gave. Use a page's next_cursor, or start again without one."),
                code="invalid",
            )
        return cursor


class TermsFilter(django_filters.Filter):
    field_class = TermsField


class TaxonomiesFilter(django_filters.Filter):
    field_class = TaxonomiesField


class DateTimeFilter(django_filters.Filter):
    field_class = DateTimeParameter


class WholeNumberFilter(django_filters.Filter):
    field_class = forms.IntegerField


def given(values) -> list[str]:
    """The values actually given: an empty one (`?language=`, a form's "any" choice) means none."""
    return [text for text in (str(item).strip() for item in values or []) if text]


class VocabularyField(forms.Field):
    """Codes of one vocabulary (lower case; UR is ur), checked against the vocabulary the
    search loads anyway (partners.search.Vocabulary, two queries for all five), not with
    a query of their own."""

    widget = forms.SelectMultiple

    def __init__(self, *, facet: str, vocabulary, message: str, **kwargs):
        super().__init__(**kwargs)
        self.facet, self.vocabulary, self.message = facet, vocabulary, message

    def clean(self, value) -> list[str]:
        codes = [code.lower() for code in given(value)]
        if not codes:
            return []
        vocabulary = self.vocabulary()
        for code in codes:
            if vocabulary.option(self.facet, code) is None:
                raise ValidationError(self.message, code="invalid_choice", params={"value": code})
        return list(dict.fromkeys(codes))


class VocabularyFilter(django_filters.Filter):
    def __init__(self, facet: str, message: str, method: str):
        super().__init__(method=method)
        self.facet, self.message = facet, message

    @property
    def field(self) -> VocabularyField:
        if not hasattr(self, "_field"):
            # The filter set's vocabulary, loaded when the first code needs checking.
            self._field = VocabularyField(
                facet=self.facet,
                vocabulary=lambda: self.parent.vocabulary,
                message=self.message,
                required=False,
                label=self.label,
            )
        return self._field


class ChoicesField(django_filters.fields.MultipleChoiceField):
    def clean(self, value):
        return super().clean(given(value))


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    field_class = ChoicesField


def _vocabulary(facet: str, message: str, method: str) -> VocabularyFilter:
    return VocabularyFilter(facet, message, method)


def _choices(choices: list[tuple[str, str]], message: str, method: str) -> ChoicesFilter:
    return ChoicesFilter(choices=choices, method=method, error_messages={"invalid_choice": message})


# --- Forms -------------------------------------------------------------------------


def content_language(request) -> str | None:
    """The interface language a client asked the listings' text in: `lang=ur`, else the first
    language of Accept-Language we have; None for English (the default, unchanged). An empty
    `lang=` is not given, like every other empty parameter."""
    if value := request.GET.get("lang", "").strip().lower():
        if value in ("en", "en-gb"):
            return None
        if is_translation_language(value):
            return value
        choices = ", ".join(["en", *translation_languages()])
        raise ParameterError("lang", _("Use one of the site's languages: %(choices)s.") % {"choices": choices})
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        code = code.lower()
        if code == "*" or base_code(code) == "en":
            return None
        for candidate in (code, base_code(code)):
            if is_translation_language(candidate):
                return candidate
    return None


class ListForm(forms.Form):
    """Paging and shape of a list answer."""

    page = forms.IntegerField(required=False, min_value=1)
    per_page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PER_PAGE)
    format = forms.ChoiceField(required=False, choices=[("json", "json"), ("ndjson", "ndjson")])
    full = BooleanParameter(required=False)
    minimal = BooleanParameter(required=False)
    full_service = BooleanParameter(required=False)

    def clean(self) -> dict:
        data = super().clean()
        data["page"] = data.get("page") or 1
        data["per_page"] = data.get("per_page") or DEFAULT_PER_PAGE
        data["format"] = data.get("format") or "json"
        return data


class CursorForm(forms.Form):
    """`cursor`: carry on after the page that gave it (keyset paging, no OFFSET), in name order."""

    cursor = CursorField(required=False)
    page = forms.IntegerField(required=False)
    postcode = forms.CharField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("cursor") and (data.get("page") or data.get("postcode")):
            self.add_error("cursor", _("A cursor cannot be combined with page or postcode."))
        return data


class PlaceForm(forms.Form):
    """`postcode` orders results nearest first; with `proximity` (metres) it also limits them."""

    postcode = PostcodeField(required=False, max_length=20)
    proximity = forms.FloatField(required=False)

    def clean_proximity(self) -> float | None:
        # Any distance above 0 (the OpenAPI document's exclusiveMinimum): 0.5 is a fair answer.
        proximity = self.cleaned_data["proximity"]
        if proximity is not None and proximity <= 0:
            raise ValidationError(_("Give a distance in metres above 0."))
        return proximity

    def clean(self) -> dict:
        data = super().clean()
        if data.get("proximity") is not None and not data.get("postcode") and "postcode" not in self.errors:
            self.add_error("proximity", _("Give a postcode to measure the proximity from."))
        return data


class TermListForm(forms.Form):
    search = forms.CharField(required=False, max_length=MAX_SEARCH_LENGTH)
    taxonomy_id = TaxonomiesField(required=False)
    top_only = BooleanParameter(required=False)
    parent_id = UUIDListField(required=False)


# --- Filter sets -------------------------------------------------------------------


def words(text: str) -> list[str]:
    return text.split()[:MAX_SEARCH_WORDS]


# What the API says of a value it does not know, for each filter of the registry
# (partners.search.FILTERS): the API's own words (the public search says it its way).
UNKNOWN = {
    "language": _("Unknown language %(value)s. Use an ISO 639 code, such as ur or phr."),
    "community": _("Unknown community %(value)s."),
    "support": _("Unknown support type %(value)s."),
    "attribute": _("Unknown attribute %(value)s."),
    "mode": _("Unknown mode %(value)s."),
    "referral": _("Unknown referral %(value)s. Use self, gp, professional or drop-in."),
    "cost": _("Unknown cost %(value)s. Use free, low-cost or paid."),
    "gender": _("Unknown gender %(value)s. Use any, women or men."),
}


def facet_filter(name: str) -> VocabularyFilter | ChoicesFilter:
    """A filter of the registry, checked against its vocabulary or choices, with the
    public search's meaning (ServiceFilter.filter_facet)."""
    spec = engine.FILTERS[name]
    if spec.model:
        return _vocabulary(name, UNKNOWN[name], "filter_facet")
    return _choices(spec.choices.choices, UNKNOWN[name], "filter_facet")


class ServiceFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", max_length=MAX_SEARCH_LENGTH)
    taxonomy_term_id = TermsFilter(method="filter_terms")
    taxonomy_id = TaxonomiesFilter(method="filter_taxonomies")
    organization_id = django_filters.UUIDFilter(field_name="organisation__public_id")
    modified_after = DateTimeFilter(method="filter_modified_after")
    language = facet_filter("language")
    community = facet_filter("community")
    support = facet_filter("support")
    attribute = facet_filter("attribute")
    mode = facet_filter("mode")
    referral = facet_filter("referral")
    cost = facet_filter("cost")
    gender = facet_filter("gender")
    age = WholeNumberFilter(method="filter_age", min_value=0, max_value=130)

    class Meta:
        model = Service
        fields: list[str] = []

    # Whether keywords were applied (some searches are only words everyone types, such as "help").
    searched = False

    @property
    def qs(self) -> QuerySet[Service]:
        if not self.is_valid():
            check(self.form)
        return super().qs

    @staticmethod
    def _with(queryset: QuerySet, **lookup) -> QuerySet:
        return queryset.filter(pk__in=Service.objects.filter(**lookup).values("pk"))

    @cached_property
    def vocabulary(self) -> engine.Vocabulary:
        return engine.Vocabulary.load()

    def _facet(self, queryset: QuerySet, facet: str, values: list[str]) -> QuerySet:
        """A filter of the public search, with the same meaning (partners.search.facet_q)."""
        return queryset.filter(engine.facet_q(facet, values, self.vocabulary)) if values else queryset

    def filter_facet(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Every filter of the registry (facet_filter): the filter's name is the facet's."""
        return self._facet(queryset, name, value)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The public search's keywords (partners.search): every word must match, through
        its stems, everyday synonyms, small typos, names of support types, languages and
        communities, and the listings' translations."""
        keywords = self._keywords(value)
        return queryset.filter(engine.keywords_q(keywords)) if keywords else queryset

    def _keywords(self, value: str) -> Keywords:
        """The search's keywords, as the public search reads them; noting that the answer
        is then a keyword search (`searched`)."""
        keywords = engine.parse_keywords(" ".join(words(value)), self.vocabulary)
        self.searched = self.searched or bool(keywords)
        return keywords

    def matched_in(self, index) -> int | None:
        """The services these filters select, as a bitset of the facet index
        (partners.facet_index), with the meanings of the SQL filters above: the registry's
        filters and an age from the index's own sets, keywords by their matching ids; None
        when a filter in use is not one of those (the SQL path answers). Call after
        validation (check)."""
        matched = index.everything
        for name, value in self.form.cleaned_data.items():
            if value in EMPTY_VALUES:
                continue  # as django-filter: an empty value filters nothing
            if name in engine.FILTERS:
                matched &= index.chosen(name, value, self.vocabulary)
            elif name == "age":
                matched &= index.age(value)
            elif name == "search":
                if keywords := self._keywords(value):
                    matched &= keyword_matches(index, keywords)
            else:
                return None
        return matched

    def filter_terms(self, queryset: QuerySet, name: str, value: list[Term]) -> QuerySet:
        condition = Q()
        for term in value:
            condition |= services_with_term(term)
        return queryset.filter(condition)

    def filter_taxonomies(self, queryset: QuerySet, name: str, value: list[Taxonomy]) -> QuerySet:
        condition = Q()
        for taxonomy in value:
            condition |= services_in_taxonomy(taxonomy)
        return queryset.filter(condition)

    def filter_modified_after(self, queryset: QuerySet, name: str, value: datetime) -> QuerySet:
        # A service's documents change when its organisation's details do.
        return queryset.filter(Q(updated__gte=value) | Q(organisation__updated__gte=value))

    def filter_age(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(engine.age_q(value))


def keyword_matches(index, keywords: Keywords) -> int:
    """The public services matching every keyword, as a bitset of the facet index: from the
    index's own keyword arms (PostgreSQL), else the ids of one statement with the keyword
    conditions alone (no join, no order; the index knows which services are public and
    their order), read with a plain cursor (tens of thousands of rows need no per-row
    conversion)."""
    matched = index.keyword_matches(keywords, every=True)
    if matched is not None:
        return matched
    statement, params = (
        Service.objects.filter(engine.keywords_q(keywords)).order_by().values_list("pk").query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return index.bits_of(map(itemgetter(0), cursor.fetchall()))


class OrganisationFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", max_length=MAX_SEARCH_LENGTH)
    modified_after = DateTimeFilter(field_name="updated", lookup_expr="gte")

    class Meta:
        model = Organisation
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet[Organisation]:
        if not self.is_valid():
            check(self.form)
        return super().qs

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in words(value):
            queryset = queryset.filter(Q(name__icontains=word) | Q(description__icontains=word))
        return queryset


# --- Distance ----------------------------------------------------------------------


def distance_metres(place: Place, latitude: str, longitude: str):
    """Distance in metres from a place to a row's coordinates, in the database so results can
    be ordered and limited before paging: the site's own great-circle rule."""
    return engine.haversine(place.latitude, place.longitude, latitude, longitude, engine.EARTH_RADIUS_METRES)


def services_near(queryset: QuerySet[Service], place: Place, proximity: float | None) -> QuerySet[Service]:
    """Nearest location first. Services delivered only remotely (no location) cover
    the whole region, so they stay in, after the located ones."""
    if proximity is not None:
        # Only services with a place in the box round the circle (or with none) can be
        # within it: the coordinates index finds them, so the distance below is worked out
        # for those alone, not for every place of every service. Same answers.
        queryset = queryset.filter(engine.may_be_near_q(place, proximity / engine.METRES_PER_MILE))
    queryset = queryset.annotate(
        distance=Min(distance_metres(place, "locations__latitude", "locations__longitude")),
        location_count=Count("locations"),
    )
    if proximity is not None:
        queryset = queryset.filter(Q(distance__lte=proximity) | Q(location_count=0))
    return queryset.order_by(F("distance").asc(nulls_last=True), "name", "pk")


def service_at_locations_near(queryset: QuerySet, place: Place, proximity: float | None) -> QuerySet:
    queryset = queryset.annotate(distance=distance_metres(place, "location__latitude", "location__longitude"))
    if proximity is not None:
        # The box first (an index range scan), then the exact distance, as the site does.
        box = engine.distance_box(place.latitude, place.longitude, proximity / engine.METRES_PER_MILE)
        queryset = queryset.filter(engine.in_box(box), distance__lte=proximity)
    return queryset.order_by(F("distance").asc(nulls_last=True), "service__name", "pk")
