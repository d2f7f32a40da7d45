"""Small presentation helpers for listings: distances, language names, ways in."""

import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partners.models import Language, LanguageProvision, ReferralKind, Service

register = template.Library()


@register.filter
def miles(value: float | None) -> str:
    """0.04 -> 'less than 0.1 miles', 0.83 -> '0.8 miles', 1.0 -> '1 mile', 12.4 -> '12 miles'."""
    if value is None:
        return ""
    if value < 0.1:
        return _("less than 0.1 miles")
    shown = round(value, 1) if value < 10 else round(value)
    text = f"{shown:g}"
    return ngettext("%(miles)s mile", "%(miles)s miles", 1 if shown == 1 else 2) % {"miles": text}


@register.simple_tag
def language_name(language: Language) -> SafeString:
    """English name, then the language's own name marked up with its language and direction."""
    if not language.autonym or language.autonym.casefold() in language.name.casefold():
        return format_html("{}", language.name)
    if language.direction == "rtl":
        return format_html('{} <span lang="{}" dir="rtl">{}</span>', language.name, language.code, language.autonym)
    return format_html('{} <span lang="{}">{}</span>', language.name, language.code, language.autonym)


@register.filter
def languages_offered(service: Service) -> list[tuple[Language, list[str]]]:
    """Each language once, with every way it is offered (from the prefetched rows)."""
    labels = {value: str(label) for value, label in LanguageProvision.choices}
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
def tel(number: str) -> str:
    """A tel: link target from a phone number as people write it."""
    digits = re.sub(r"[^0-9+]", "", number or "")
    return f"tel:{digits}" if digits else ""
