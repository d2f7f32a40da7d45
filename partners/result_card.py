"""One service in a list of results (templates/partners/_result.html), made in Python.

Every search page shows ten of these. As template logic (a dozen filters, loops over the
languages, communities and ways in, five includes) a row took 0.8 ms to render, and still
0.6 ms as a template placing values worked out here: most of a results page's rendering,
a fifth of a search's processor time at 100,000 services and the most of any one part.
So the row is made here, as the filter panel's options are
(partners.templatetags.directory.filter_choice): its parts by the helpers the tags use,
its markup by `markup` (every value escaped, as by format_html), in 0.42 ms with all its
parts. The rarer parts keep their templates, shared with other pages: the capacity
answer, a GP route's contact and the freshness notice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from signposting.templatetags.signposting import (
    badges_html,
    gp_route,
    on_shortlist,
    referral_badges,
    shortlist_button_html,
)

from .models import ReferralRoute, Service
from .opening import status
from .templatetags.directory import (
    call_link,
    is_remote,
    language_name,
    languages_offered,
    long_date,
    markup,
    miles,
    ways_in,
)
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
    offered = languages_offered(service)
    parts = (
        markup('{} <span class="result__how">({})</span>', language_name(language), ", ".join(ways).lower())
        for language, ways in offered
    )
    return mark_safe("; ".join(parts))  # noqa: S308 (every value escaped)


def _routes(service: Service) -> SafeString:
    # "<strong>GP referral</strong>; Self-referral": a GP in an appointment looks for theirs.
    routes = (markup("<strong>{}</strong>" if kind == "gp" else "{}", label) for kind, label in ways_in(service))
    return mark_safe("; ".join(routes))  # noqa: S308 (every value escaped)


def row_html(card: ResultCard, *, pick_form: str, here: str, plain_forms: bool) -> SafeString:
    """The row's markup: pick_form, the id of a form that adds the selected rows to the
    shortlist at once ("" for none); here, the page's path, which the shortlist button
    comes back to (at the row). Every value is escaped (`markup`), as the template's
    autoescape would."""
    service, text, slug = card.service, card.text, card.service.slug
    parts = [
        markup('<li class="result" id="result-{}">', slug),
        markup(
            '<h3 class="result__title"><a href="{}"{}>{}</a></h3>',
            service.get_absolute_url(),
            text.name.attrs,
            text.name,
        ),
        markup('<p class="result__org">{}</p>', service.organisation.name),
    ]
    if card.phone:
        parts.append(markup('<p class="result__phone">{}: {}</p>', _("Phone"), card.phone))
    parts.append(badges_html(card.badges))
    if card.where:
        parts.append(markup('<p class="result__where"><span class="badge badge--{}">{}</span></p>', *card.where))
    if card.hours:
        parts.append(markup('<p class="result__hours">{}</p>', card.hours))
    parts.append(markup('<p class="result__summary"{}>{}</p>', text.summary.attrs, text.summary))
    if text.in_english:
        parts.append(markup('<p class="translation-note">{}</p>', _("This description is in English")))
    parts.append('<dl class="result__facts">')
    fact = "<div><dt>{}</dt><dd>{}</dd></div>"
    if card.languages:
        parts.append(markup(fact, _("Languages"), card.languages))
    if card.communities:
        parts.append(markup(fact, _("For"), card.communities))
    if card.routes:
        parts.append(markup(fact, _("How to get in"), card.routes))
    # What a GP asks first: taking new people? how to refer? the typical wait.
    if card.capacity:
        capacity = _part("partners/_capacity.html", cap=card.capacity)
        parts.append(
            markup('<div class="result__capacity"><dt>{}</dt><dd>{}</dd></div>', _("Space for new people"), capacity)
        )
    if card.gp:
        contact = _part("signposting/_route_contact.html", route=card.gp)
        parts.append(markup('<div class="result__gp"><dt>{}</dt><dd>{}</dd></div>', _("GP referral"), contact))
    if card.wait:
        parts.append(markup(fact, _("Typical wait"), card.wait))
    parts.append("</dl>")
    if card.stale:
        parts.append(_part("partners/_freshness_notice.html", listing=service))
    parts.append(markup('<p class="result__checked">{}</p>', card.checked))
    parts.append('<div class="result__actions">')
    if card.pick:
        parts.append(
            markup(
                '<p class="result__pick" data-shortlist-pick><input type="checkbox" form="{}" name="service" value="{}"'
                ' id="pick-{}"><label for="pick-{}">{}<span class="visually-hidden"> {}</span></label></p>',
                pick_form,
                slug,
                slug,
                slug,
                _("Select"),
                service.name,
            )
        )
    parts.append(shortlist_button_html(service, card.on_shortlist, f"{here}#result-{slug}", plain_forms))
    parts.append("</div></li>")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped)


def _part(template: str, **context) -> SafeString:
    # A rarer part, by its own template (shared with other pages).
    return mark_safe(get_template(template).render(context).strip())  # noqa: S308 (a template's output)
