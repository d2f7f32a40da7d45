"""Small presentation helpers for listings: distances, language names, ways in."""

import html
from datetime import date
from functools import lru_cache
from itertools import repeat

from django import template
from django.utils.formats import date_format, localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from partners import opening
from partners.languages import base_code
from partners.models import Language, LanguageProvision, Location, ReferralKind, Service, dialable
from partners.translations import Localised, localised_organisation, localised_service

register = template.Library()


@lru_cache(maxsize=64)
def _labels(choices: type, language: str | None) -> dict[str, str]:
    # get_FOO_display() translates and hashes every choice on every call; a result list
    # would do that hundreds of times. Once per language is enough.
    return {value: str(label) for value, label in choices.choices}


def plural_count(number: float) -> int:
    """A count for ngettext: gettext's plural rules take whole numbers only, and a language
    with several plural forms (Polish has three) needs the number itself, not just 1 or 2."""
    return int(number) if float(number).is_integer() else 2


# Dates in words, as each language writes them inside a sentence. Django's month names
# (`F`, and `E`, the form after a day: Polish "5 listopada") start with a capital in
# Polish and Romanian, which write them in lower case; Django has no Slovak form after a
# day ("5. novembra"), so Slovak gets the numeric date Slovaks write ("5. 11. 2026").
LOWER_CASE_MONTHS = frozenset({"pl", "ro", "sk"})
LONG_DATE_FORMATS = {"sk": "j. n. Y"}
LONG_DATE_FORMAT = "j E Y"


def _in_sentence(value: date, format_string: str, language: str) -> str:
    return _formatted(value, format_string, language, get_language())


@lru_cache(maxsize=2048)
def _formatted(value: date, format_string: str, language: str, active: str | None) -> str:
    # Kept: a result list formats the same few dates again on every page (the month
    # names' translations do not change while the process runs).
    text = date_format(value, format_string)
    return text.lower() if language in LOWER_CASE_MONTHS else text


@register.filter
def long_date(value: date | None) -> str:
    """A day, month and year in the visitor's language: "5 November 2026", "5 listopada 2026",
    "5 noiembrie 2026", "5. 11. 2026". Use it for every date shown in words."""
    if not value:
        return ""
    language = base_code(get_language() or "")
    return _in_sentence(value, LONG_DATE_FORMATS.get(language, LONG_DATE_FORMAT), language)


@register.filter
def month_and_year(value: date | None) -> str:
    """A month and year to go inside a sentence: "November 2026", Polish "listopad 2026",
    Romanian "noiembrie 2026". The month is in its plain (nominative) form, the only one
    Django has for every language, so a translation is written around it ("Ostatnie
    sprawdzenie: listopad 2026"), not "w listopadzie", a form Django does not have."""
    if not value:
        return ""
    return _in_sentence(value, "F Y", base_code(get_language() or ""))


@register.filter
def miles(value: float | None) -> str:
    """0.04 -> 'less than 0.1 miles', 0.83 -> '0.8 miles', 1.0 -> '1 mile', 12.4 -> '12 miles'."""
    if value is None:
        return ""
    if value < 0.1:
        return _("less than 0.1 miles")
    shown = round(value, 1) if value < 10 else round(value)
    text = f"{shown:g}"
    return ngettext("%(miles)s mile", "%(miles)s miles", plural_count(shown)) % {"miles": text}


@register.filter
def localised(listing) -> Localised:
    """A service's or organisation's text in the visitor's language where it has it, else English:
    `{% with text=service|localised %}<p{{ text.description.attrs }}>{{ text.description }}</p>`."""
    return localised_service(listing) if isinstance(listing, Service) else localised_organisation(listing)


@register.simple_tag
def localise(listing) -> Localised:
    """The same as a tag, for partials: `{% localise service as text %}`."""
    return localised(listing)


@register.simple_tag
def language_name(language: Language) -> SafeString:
    """English name, then the language's own name marked up with its language and direction."""
    return _language_html(language.code, language.name, language.autonym, language.direction)


@lru_cache(maxsize=512)
def _language_html(code: str, name: str, autonym: str, direction: str) -> SafeString:
    # Shown for every option and every result: build each language's markup once.
    if not autonym or autonym.casefold() in name.casefold():
        return format_html("{}", name)
    if direction == "rtl":
        return format_html('{} <span lang="{}" dir="rtl">{}</span>', name, code, autonym)
    return format_html('{} <span lang="{}">{}</span>', name, code, autonym)


# One option of the filter panel (templates/partners/_filters.html). A page has some eighty
# options; this markup as template nodes (a dozen variables and an if each) cost more than
# anything else in the panel, so it is one format string, filled in once per option.
FILTER_CHOICE_HTML = (
    '<li class="filter-choice">'
    '<input type="checkbox" form="search-form" name="{name}" value="{value}" id="{id}"{checked}>'
    '<label for="{id}">{label} <span class="count">({count}<span class="visually-hidden"> {noun}</span>)</span></label>'
    "</li>"
)


def escaped(value) -> str:
    # What the template's autoescape does (django.utils.html.conditional_escape), without
    # its lazy-string wrappers: format_html spent more on those than on the markup.
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def markup(template: str, *values) -> str:
    """The template (HTML, with {} for each value) with each value escaped: format_html for
    markup made in a loop (a results page's rows, the filter panel's options), without its
    lazy-string wrappers. Mark the whole safe once made."""
    return template.format(*map(escaped, values))


@lru_cache(maxsize=4096)
def _count(count: int, language: str | None) -> str:
    # A number as the template writes it (localize), kept: a page shows eighty counts.
    return localize(count)


def filter_choice(name: str, choice) -> SafeString:
    """A checkbox and its label, with the count of services it would show
    (partners.results_page.FilterChoice)."""
    return mark_safe(  # noqa: S308 (every value escaped)
        FILTER_CHOICE_HTML.format(
            name=escaped(name),
            value=escaped(choice.option.value),
            id=escaped(choice.id),
            checked=" checked" if choice.checked else "",
            label=escaped(choice.label),
            count=escaped(_count(choice.count, get_language())),
            noun=escaped(choice.noun),
        )
    )


@register.simple_tag
def filter_choices(name: str, choices) -> SafeString:
    """`{% filter_choices group.name group.choices %}`: every option of a filter, one after
    another (a loop of `filter_choice` tags cost as much again in template nodes)."""
    return mark_safe("\n".join(map(filter_choice, repeat(name), choices)))  # noqa: S308 (each escaped)


@register.filter
def languages_offered(service: Service) -> list[tuple[Language, list[str]]]:
    """Each language once, with every way it is offered (from the prefetched rows)."""
    labels = _labels(LanguageProvision, get_language())
    offered: dict[int, tuple[Language, list[str]]] = {}
    for row in service.service_languages.all():
        offered.setdefault(row.language_id, (row.language, []))[1].append(labels.get(row.provision, row.provision))
    return sorted(offered.values(), key=lambda item: (not item[0].featured, item[0].name))


@register.filter
def is_remote(service: Service) -> bool:
    """No location at all: the service is delivered only by phone, video or text."""
    return not service.locations.all()


@register.filter
def routes_gp_first(service: Service) -> list:
    """The ways in, with referral by a GP first: a GP in an appointment looks for it."""
    order = {ReferralKind.GP: 0, ReferralKind.SELF: 1, ReferralKind.PROFESSIONAL: 2, ReferralKind.DROP_IN: 3}
    return sorted(service.referral_routes.all(), key=lambda route: order.get(route.kind, 9))


@register.filter
def ways_in(service: Service) -> list[tuple[str, str]]:
    """(kind, label) of each way in, referral by a GP first."""
    labels = _labels(ReferralKind, get_language())
    return [(route.kind, labels.get(route.kind, route.kind)) for route in routes_gp_first(service)]


@register.filter
def tel(number: str) -> str:
    """A tel: link target from a phone number as people write it."""
    digits = dialable(number)
    return f"tel:{digits}" if digits else ""


@register.filter
def sms(number: str) -> str:
    """An sms: link target from a phone number as people write it."""
    digits = dialable(number)
    return f"sms:{digits}" if digits else ""


@register.filter
def call_link(number: str) -> SafeString | str:
    """Tap to call: the number as written, left to right even on a right-to-left page."""
    if not dialable(number):
        return number or ""
    return format_html('<a class="phone-link" href="{}" dir="ltr">{}</a>', tel(number), number)


@register.filter
def directions(location: Location) -> str:
    """A route to the place in OpenStreetMap (the phone offers its own map app for it): no script of theirs."""
    if not location.has_point:
        return ""
    return f"https://www.openstreetmap.org/directions?to={location.latitude:.6f}%2C{location.longitude:.6f}"


@register.filter
def opening_status(service: Service) -> str:
    """ "Open now, closes at 17:00", from the service's weekly hours; "" when it has none."""
    return opening.status(service.weekly_hours)


@register.filter
def opening_summary(service: Service) -> str:
    """The weekly hours on one line ("Monday 09:00 to 17:00; …"); "" when there are none."""
    return opening.summary(service.weekly_hours)


@register.simple_tag
def opening_table(service: Service) -> dict | None:
    """The weekly rows and coming date changes for the service page; None without hours."""
    hours = service.weekly_hours
    if hours is None:
        return None
    return {
        "status": opening.status(hours),
        "week": opening.week_rows(hours) if hours.has_times else [],
        "dates": opening.date_rows(hours),
        "by_appointment": hours.by_appointment and hours.has_times,
    }


@register.filter
def language_hours(service: Service, language: Language) -> str:
    """When a language is available, where the service says ("Tuesday 18:00 to 21:00"), from the prefetched rows."""
    found = [
        opening.summary(row.weekly_hours) for row in service.service_languages.all() if row.language_id == language.pk
    ]
    return "; ".join(dict.fromkeys(text for text in found if text))


@register.simple_tag(takes_context=True)
def result_row(context, service: Service) -> SafeString:
    """`{% result_row service %}`: one result (partners/result_card.py), with the distance
    when the page says show_distance, a "Select" box when it gives a pick_form, and the
    shortlist button for the visitor's shortlist (the context processor's)."""
    from partners.result_card import result_card, row_html

    card = result_card(
        service,
        show_distance=bool(context.get("show_distance")),
        pick=bool(context.get("pick_form")),
        shortlist=context.get("shortlist_slugs") or frozenset(),
    )
    request = context.get("request")
    here = request.get_full_path() if request is not None else ""
    return row_html(
        card, pick_form=context.get("pick_form") or "", here=here, plain_forms=bool(context.get("plain_forms"))
    )
