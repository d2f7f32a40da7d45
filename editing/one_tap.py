"""The pages a one-tap link (editing/links.py) opens, shared by every purpose: the
"still correct" confirmation here and the capacity answers.

A page reached from a link:
- is wrapped in `one_tap_page`, so no response of it is cached or indexed and the
  token in its address never leaves in a Referer header;
- starts with `read_one_tap(request, purpose, token)`, which gives the link's OneTap,
  or the response to return instead: the link has expired (410), is not a valid link
  (404), or its listing is no longer public (410). Each of those pages says how to log
  in instead;
- shows something on GET and changes something only on a POST from that page.

The link lets its holder do that one thing and nothing else: it never logs anyone in,
and the page shows nothing beyond what the public sees of the listing."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.emails import absolute_url
from directory import ratelimits
from partners.models import Organisation, Service, Status

from .links import BadLink, OneTap, make_token, read_token

# POSTs one client may make from one-tap pages in an hour: far more than an organisation
# answering its emails needs, few enough to stop a robot trying tokens.
POSTS_PER_HOUR = 30


def one_tap_page(view: Callable) -> Callable:
    """Every response of the view, error pages included: not stored by any cache, not
    indexed, and no Referer carrying the token anywhere.

    The referrer policy is strict-origin, not no-referrer: a Referer (ours or another
    site's) then holds only the origin, never the path with the token. no-referrer would
    also make browsers send `Origin: null` with the page's POST, which Django's CSRF
    check rightly refuses."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "strict-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def manage_url(listing: Organisation | Service) -> str:
    """The listing's page on /manage/ (through log-in for anyone not logged in)."""
    if isinstance(listing, Service):
        return reverse("editing:service", kwargs={"slug": listing.slug})
    return reverse("editing:organisation", kwargs={"slug": listing.slug})


def _organisation(listing: Organisation | Service) -> Organisation:
    return listing.organisation if isinstance(listing, Service) else listing


def read_one_tap(request: HttpRequest, purpose: str, token: str) -> OneTap | HttpResponse:
    """The link's OneTap if it is good and its listing is public; otherwise the page that
    says why not (templates/editing/one_tap_refused.html), to return as it is."""
    try:
        tap = read_token(purpose, token)
    except BadLink as error:
        reason = "expired" if error.expired else "invalid"
        return _refused(request, reason, None, status=410 if error.expired else 404)
    listing = tap.listing
    organisation = _organisation(listing)
    if Status.ARCHIVED in (listing.status, organisation.status):
        return _refused(request, "archived", listing, status=410)
    if not (listing.is_published and organisation.is_published):
        return _refused(request, "not_public", listing, status=410)
    return tap


def _refused(request: HttpRequest, reason: str, listing, *, status: int) -> HttpResponse:
    context = {
        "reason": reason,
        "listing": listing,
        "manage_url": manage_url(listing) if listing is not None else reverse("editing:dashboard"),
        "days": settings.ONE_TAP_LINK_DAYS,
    }
    return render(request, "editing/one_tap_refused.html", context, status=status)


def too_many_taps(request: HttpRequest) -> HttpResponse | None:
    """A light limit on the POSTs one client makes from one-tap pages (POSTS_PER_HOUR): the
    page to return when it is used up, else None. Call it first thing on a POST."""
    if not ratelimits.used_up(request, "one-tap", POSTS_PER_HOUR):
        return None
    context = {
        "reason": "limited",
        "listing": None,
        "manage_url": reverse("editing:dashboard"),
        "days": settings.ONE_TAP_LINK_DAYS,
    }
    return render(request, "editing/one_tap_refused.html", context, status=429)


def confirm_link(listing: Organisation | Service, email: str) -> str:
    """The full address of a "still correct" link for `listing`, made for `email`."""
    token = make_token("confirm", listing, email)
    return absolute_url(reverse("editing:one_tap_confirm", kwargs={"token": token}))


def contact_email(listing: Organisation | Service) -> str:
    """Where a moderator's one-tap link goes unless they say otherwise: a service's own
    email, else the address of one of its ways in, else its organisation's email."""
    if isinstance(listing, Organisation):
        return listing.email
    if listing.email:
        return listing.email
    for route in listing.referral_routes.all():
        if route.method == "email" and "@" in route.contact:
            return route.contact.strip()
    return listing.organisation.email
