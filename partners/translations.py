"""Listings in the communities' own languages: which languages a listing can be translated
into, and which text a visitor sees.

The languages are the interface languages (settings.LANGUAGES) other than English, so a
translated description appears on exactly the pages a visitor can read in that language.
A field with no translation is shown in English, marked lang="en" with a short note."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .languages import base_code, direction, is_translation_language
from .models import Organisation, OrganisationTranslation, Service, ServiceTranslation, first_sentence

SERVICE_FIELDS = ServiceTranslation.FIELDS
ORGANISATION_FIELDS = OrganisationTranslation.FIELDS


def active_language() -> str | None:
    """The visitor's language if listings can be translated into it; None for English."""
    code = (get_language() or "").lower()
    for candidate in (code, base_code(code)):
        if is_translation_language(candidate):
            return candidate
    return None


def with_translations(queryset: QuerySet, *, organisation: bool = False) -> QuerySet:
    """Prefetch the services' (or organisations') translations in the active language only (one
    query; none in English), and with organisation=True the services' organisations' too (one more)."""
    language = active_language()
    if language is None:
        return queryset
    if queryset.model is Organisation:
        return queryset.prefetch_related(
            Prefetch("translations", queryset=OrganisationTranslation.objects.filter(language=language))
        )
    lookups = [Prefetch("translations", queryset=ServiceTranslation.objects.filter(language=language))]
    if organisation:
        lookups.append(
            Prefetch("organisation__translations", queryset=OrganisationTranslation.objects.filter(language=language))
        )
    return queryset.prefetch_related(*lookups)


def service_texts(slugs: Iterable[str]) -> dict[str, dict[str, str]]:
    """slug -> {field: text} of these services' translations into the visitor's language,
    only the fields written (one query; none in English or with no slugs). For the map's
    points, which are read without the listings' objects."""
    language = active_language()
    slugs = set(slugs)
    if language is None or not slugs:
        return {}
    rows = ServiceTranslation.objects.filter(language=language, service__slug__in=slugs).values(
        "service__slug", "name", "description"
    )
    return {row.pop("service__slug"): {field: text for field, text in row.items() if text} for row in rows}


@dataclass(frozen=True)
class Text:
    """One piece of a listing as shown: the words, and their language when it differs from the page's."""

    value: str
    language: str | None  # the translation's language; None when the text is the English original
    page_language: str | None  # the visitor's language; None for English

    def __str__(self) -> str:
        return self.value

    def __bool__(self) -> bool:
        return bool(self.value)

    @property
    def in_english(self) -> bool:
        """English text on a page in another language."""
        return self.page_language is not None and self.language is None

    @property
    def attrs(self) -> SafeString:
        """lang (and dir) for the element holding the text, so screen readers and browsers
        read and lay it out right: lang="en" on English inside a page in another language."""
        if self.language:
            return format_html(' lang="{}" dir="{}"', self.language, direction(self.language))
        if self.page_language:
            return mark_safe(' lang="en" dir="ltr"')
        return mark_safe("")


class Localised:
    """A listing's text in the visitor's language, field by field, falling back to English."""

    def __init__(self, listing, fields: tuple[str, ...], language: str | None):
        self.listing = listing
        self.language = language
        translation = None
        if language is not None:
            # .all() uses the prefetch of with_translations() when there is one.
            translation = next((t for t in listing.translations.all() if t.language == language), None)
        self.fields = {}
        for name in fields:
            translated = getattr(translation, name, "") if translation else ""
            if translated:
                self.fields[name] = Text(translated, language, language)
            else:
                self.fields[name] = Text(getattr(listing, name), None, language)

    def __getattr__(self, name: str) -> Text:
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def in_english(self) -> bool:
        """The visitor reads another language and the description is only in English."""
        return self.fields["description"].in_english and bool(self.fields["description"].value)

    @property
    def summary(self) -> Text:
        description = self.fields["description"]
        return Text(first_sentence(description.value), description.language, description.page_language)


def localised_service(service: Service) -> Localised:
    return Localised(service, SERVICE_FIELDS, active_language())


def localised_organisation(organisation) -> Localised:
    return Localised(organisation, ORGANISATION_FIELDS, active_language())
