"""Helpers for showing the ways into a service the way a GP looks for them."""

from django import template

from partners.models import ReferralKind, ReferralRoute, Service

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
def web_link(url: str) -> str:
    """The address if it is a web page (http or https), else "": never a javascript: or data: link."""
    text = (url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""
