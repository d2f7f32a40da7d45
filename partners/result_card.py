"""One service in a list of results (templates/partners/_result.html), worked out in Python.

Every search page shows ten of these. As template logic (a dozen filters, loops over the
languages, communities and ways in, five includes) a row took 0.8 ms to render, most of
a results page's rendering and a fifth of a keyword search's processor time at 100,000
services. Here each part is made once, by the same helpers the tags use, and the template
only places the values.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from signposting.templatetags.signposting import gp_route, on_shortlist, referral_badges

from .models import ReferralRoute, Service
from .opening import status
from .templatetags.directory import call_link, is_remote, language_name, languages_offered, long_date, miles, ways_in
from .translations import Localised, localised_service


@dataclass
class ResultCard:
    service: Service
    text: Localised
    phone: SafeString | str
    badges: list[tuple[str, str]]  # (modifier, label): signposting.templatetags.referral_badges
    where: tuple[str, str] | None  # ("remote" or "distance", label)
    hours: str  # open now or not, and until when; "" without hours
    languages: SafeString  # each language once, with the ways it is offered
    communities: str
    routes: SafeString  # the ways in, referral by a GP first and in bold
    capacity: object | None  # Service.capacity_now
    gp: ReferralRoute | None  # the GP route, when it says how or whom to contact
    wait: str  # the listing's typical wait, while it speaks for its intake
    stale: bool  # shown as possibly out of date (partners/_freshness_notice.html)
    checked: str
    on_shortlist: bool
    pick: bool  # a "Select" box for the form that adds the selected rows at once


def result_card(service: Service, *, show_distance: bool, pick: bool, shortlist: frozenset[str]) -> ResultCard:
    """The row of a service with its result details (partners.search.with_result_details),
    with `distance` in miles when the search had a place and show_distance."""
    remote = is_remote(service)
    distance = getattr(service, "distance", None)
    if remote:
        where = ("remote", _("By phone, video or text"))
    elif show_distance and distance is not None:
        where = ("distance", miles(distance))
    else:
        where = None
    gp = gp_route(service)
    intake = service.speaks_for_its_intake
    chosen = on_shortlist(service, shortlist)
    return ResultCard(
        service=service,
        text=localised_service(service),
        phone=call_link(service.phone_to_call) if service.phone_to_call else "",
        badges=referral_badges(service),
        where=where,
        hours=status(service.weekly_hours),
        languages=_languages(service),
        communities="; ".join(community.display_name for community in service.communities.all()),
        routes=_routes(service),
        capacity=service.capacity_now,
        gp=gp if gp and (gp.method or gp.contact) else None,
        wait=service.typical_wait if intake else "",
        stale=service.is_very_stale(),
        checked=(
            _("Last checked %(date)s") % {"date": long_date(service.last_verified)}
            if service.last_verified
            else _("Not checked yet")
        ),
        on_shortlist=chosen,
        pick=pick and not chosen,
    )


def _languages(service: Service) -> SafeString:
    # "Urdu (اردو) <span class="result__how">(staff, interpreter)</span>; Polish …"
    return format_html_join(
        "; ",
        '{} <span class="result__how">({})</span>',
        ((language_name(language), ", ".join(ways).lower()) for language, ways in languages_offered(service)),
    )


def _routes(service: Service) -> SafeString:
    # "<strong>GP referral</strong>; Self-referral": a GP in an appointment looks for theirs.
    routes = (
        (format_html("<strong>{}</strong>", label) if kind == "gp" else label,) for kind, label in ways_in(service)
    )
    return format_html_join("; ", "{}", routes)
