"""Helpers for showing the ways into a service the way a GP looks for them."""

from django import template
from django.template.base import Parser, Token
from django.template.context import Context
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from directory.languages import BY_CODE, DEFAULT
from directory.links import address
from partners.models import Language, LanguageProvision, ReferralKind, ReferralRoute, Service
from partners.templatetags.directory import markup

register = template.Library()


@register.filter
def gp_route(service: Service) -> ReferralRoute | None:
    """The service's way in by GP or health professional referral, if it has one (from the prefetched rows)."""
    return next((route for route in service.referral_routes.all() if route.kind == ReferralKind.GP), None)


@register.filter
def self_referral(service: Service) -> ReferralRoute | None:
    """The service's self-referral or drop-in way in, if it has one: a patient can go straight there."""
    kinds = (ReferralKind.SELF, ReferralKind.DROP_IN)
    return next((route for route in service.referral_routes.all() if route.kind in kinds), None)


@register.filter
def on_shortlist(service: Service, slugs: frozenset[str]) -> bool:
    """Whether the service is on the visitor's shortlist (shortlist_slugs, the context processor's)."""
    return service.slug in slugs


@register.filter
def referral_badges(service: Service) -> list[tuple[str, str]]:
    """(modifier, label) of the ways in at a glance, for a GP with ten minutes: takes GP
    referrals? can people refer themselves (or drop in)? is it not taking new referrals
    (the listing's own word, only while the service has never answered the capacity
    question: Service.speaks_for_its_intake)?"""
    badges = []
    if gp_route(service):
        badges.append(("gp", _("Takes GP referrals")))
    if direct := self_referral(service):
        drop_in = direct.kind == ReferralKind.DROP_IN
        badges.append(("self", _("Drop in: no referral needed") if drop_in else _("People can refer themselves")))
    if not service.accepting_referrals and service.speaks_for_its_intake:
        badges.append(("closed", _("Not taking new referrals at the moment")))
    return badges


def badges_html(badges: list[tuple[str, str]]) -> SafeString | str:
    """The badges of `referral_badges` as a paragraph ("" without any)."""
    if not badges:
        return ""
    spans = " ".join(markup('<span class="badge badge--{}">{}</span>', *badge) for badge in badges)
    return mark_safe(f'<p class="referral-badges">{spans}</p>')  # noqa: S308 (every value escaped)


@register.filter
def referral_badges_html(service: Service) -> SafeString | str:
    """`{{ service|referral_badges_html }}`: the ways in at a glance, as every list shows them."""
    return badges_html(referral_badges(service))


def shortlist_button_html(service: Service, chosen: bool, next_url: str, plain_forms: bool = False) -> SafeString:
    """Add a service to the shortlist, or take it off: a plain form that works without
    JavaScript; static/js/shortlist.js sends it with fetch instead (unless plain_forms,
    where the page itself changes with the list). next_url: where to come back to."""
    made = markup(
        '<form class="shortlist-form" method="post" action="{}"{}>'
        '<input type="hidden" name="service" value="{}">'
        '<input type="hidden" name="next" value="{}">'
        '<button type="submit" class="button button--secondary shortlist-button{}" data-shortlist-button>'
        '<span data-shortlist-label>{}</span><span class="visually-hidden"> ({})</span>'
        "</button></form>",
        address("signposting:remove" if chosen else "signposting:add"),
        "" if plain_forms else " data-shortlist-form",
        service.slug,
        next_url,
        " shortlist-button--chosen" if chosen else "",
        _("Remove from shortlist") if chosen else _("Add to shortlist"),
        service.name,
    )
    return mark_safe(made)  # noqa: S308 (every value escaped)


@register.simple_tag(takes_context=True)
def shortlist_button(context: Context, service: Service, next_anchor: str = "") -> SafeString:
    """`{% shortlist_button service %}`: the button for the visitor's shortlist (the context
    processor's shortlist_slugs), coming back to this page (and next_anchor on it)."""
    request = context.get("request")
    here = request.get_full_path() if request is not None else ""
    chosen = on_shortlist(service, context.get("shortlist_slugs") or frozenset())
    return shortlist_button_html(service, chosen, here + next_anchor, bool(context.get("plain_forms")))


@register.filter
def web_link(url: str) -> str:
    """The address if it is a web page (http or https), else "": never a javascript: or data: link."""
    text = (url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""


@register.filter
def languages_by_way(service: Service) -> list[tuple[str, list[Language]]]:
    """The languages grouped by how they are offered (staff first): short enough for a printed sheet."""
    order = [value for value, _label in LanguageProvision.choices]
    labels = dict(LanguageProvision.choices)
    grouped: dict[str, list[Language]] = {}
    for row in service.service_languages.all():
        grouped.setdefault(row.provision, []).append(row.language)
    return [
        (str(labels.get(way, way)), sorted(languages, key=lambda language: (not language.featured, language.name)))
        for way, languages in sorted(grouped.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99)
    ]


class _BilingualNode(template.Node):
    def __init__(self, nodelist: template.NodeList):
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        own = self.nodelist.render(context)
        language = BY_CODE.get(translation.get_language() or DEFAULT)
        if language is None or language.code == DEFAULT:
            return own
        with translation.override(DEFAULT):
            english = self.nodelist.render(context)
        return format_html(
            '<span lang="{}" dir="{}">{}</span> <span class="bilingual-english" lang="en-GB" dir="ltr">{}</span>',
            language.code,
            language.direction,
            own,
            english,
        )


@register.tag
def bilingual(parser: Parser, token: Token) -> _BilingualNode:
    """{% bilingual %}…{% endbilingual %}: the words in the page's language and, unless that is
    English, again in English beside them, each marked with its lang and dir. The printed sheet
    uses it so a patient and the professionals they show it to can both read it."""
    nodelist = parser.parse(("endbilingual",))
    parser.delete_first_token()
    return _BilingualNode(nodelist)
