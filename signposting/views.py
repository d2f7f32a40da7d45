"""The shortlist, its share link, printable sheet and QR code, and the page for professionals.

The add and remove buttons are plain POST forms that redirect back; static/js/shortlist.js
sends the same forms with fetch and asks for JSON instead, so nothing reloads. They carry no
CSRF token, so that reading the directory sets no cookie (directory.same_origin says why)."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from directory.languages import ENABLED, InterfaceLanguage
from directory.redirects import redirect_to_next
from directory.same_origin import same_origin_only
from partners.models import Service
from partners.search import public_services

from .qr import MAX_QR_URL_LENGTH, qr_svg
from .shortlist import (
    MAX_SERVICES,
    SLUG_RE,
    Shortlist,
    ShortlistFull,
    changed_since,
    clean_slugs,
    parse_printed,
    query_for,
    share_path,
    shortlisted_services,
    withdrawn_names,
)


@require_GET
def shortlist(request: HttpRequest) -> HttpResponse:
    """Anyone: the services on their shortlist, or those of a share link (?service=…); the link
    of a printed sheet (&printed=<date>) also says what has changed since that day."""
    printed = since = None
    if "service" in request.GET:
        slugs, junk, over = clean_slugs(request.GET.getlist("service"))
        services, missing = shortlisted_services(slugs)
        printed = parse_printed(request.GET.get("printed"))
        if printed:
            since = {"changed": changed_since(services, printed), "gone": len(missing)}
            since["gone_names"] = withdrawn_names(missing)
            notes = _missing_note(junk) + _over_note(over)
        else:
            notes = _missing_note(junk + len(missing)) + _over_note(over)
    else:
        services, notes = _session_services(request)
    slugs = [service.slug for service in services]
    context = {
        "services": services,
        "shared": "service" in request.GET,
        "notes": notes,
        "printed": printed,
        "since": since,
        "share_url": request.build_absolute_uri(share_path(slugs)) if slugs else "",
        "query": query_for(slugs),
        "sheets": _sheets_by_language(query_for(slugs) if "service" in request.GET else ""),
        "unsaved": [slug for slug in slugs if slug not in Shortlist(request.session)],
        "max_services": MAX_SERVICES,
        "kept_days": settings.SESSION_COOKIE_AGE // (24 * 60 * 60),
    }
    return render(request, "signposting/shortlist.html", context)


@require_GET
def shortlist_print(request: HttpRequest) -> HttpResponse:
    """Anyone: an A4 signposting sheet of their shortlist or of a share link, with a QR code of
    the link; the link carries today's date, so it can later say what changed since the printing."""
    if "service" in request.GET:
        slugs, _junk, _over = clean_slugs(request.GET.getlist("service"))
        services, _missing = shortlisted_services(slugs)
    else:
        services, _notes = _session_services(request)
    slugs = [service.slug for service in services]
    printed = timezone.localdate()
    share_url = request.build_absolute_uri(share_path(slugs, printed)) if slugs else ""
    context = {
        "services": services,
        "share_url": share_url,
        "query": query_for(slugs),
        "qr_query": query_for(slugs, printed),
        "show_qr": bool(share_url) and len(share_url) <= MAX_QR_URL_LENGTH,
        "printed": printed,
        "stale_months": _stale_months(),
    }
    return render(request, "signposting/print.html", context)


@require_GET
def shortlist_qr(request: HttpRequest) -> HttpResponse:
    """Anyone: an SVG QR code of the share link for the services named, with the sheet's print
    date when it has a real one (no database needed)."""
    slugs, _junk, _over = clean_slugs(request.GET.getlist("service"))
    printed = parse_printed(request.GET.get("printed"))
    svg = qr_svg(request.build_absolute_uri(share_path(slugs, printed))) if slugs else None
    if svg is None:
        raise Http404(_("There is no list to make a QR code of."))
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    # An image, never a document: no scripts, styles or anything else may load from it.
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@same_origin_only
@require_POST
def shortlist_add(request: HttpRequest) -> HttpResponse:
    """Anyone: add a published service to the shortlist in their session (up to MAX_SERVICES)."""
    service = _published(request.POST.get("service", ""))
    items = Shortlist(request.session)
    if service is None:
        message = _("We could not find that service. It may have been taken off the directory.")
        return _answer(request, "", message, messages.ERROR, status=404)
    try:
        items.add(service.slug)
    except ShortlistFull:
        message = _("Your shortlist is full: it can hold %(max)s services. Remove one before you add %(name)s.") % {
            "max": MAX_SERVICES,
            "name": service.name,
        }
        return _answer(request, service.slug, message, messages.ERROR, status=409)
    message = ngettext(
        "Added %(name)s to your shortlist. It has %(count)s service.",
        "Added %(name)s to your shortlist. It has %(count)s services.",
        len(items),
    ) % {"name": service.name, "count": len(items)}
    return _answer(request, service.slug, message)


@same_origin_only
@require_POST
def shortlist_remove(request: HttpRequest) -> HttpResponse:
    """Anyone: take a service off the shortlist in their session."""
    slug = request.POST.get("service", "")
    items = Shortlist(request.session)
    if not SLUG_RE.fullmatch(slug) or not items.remove(slug):
        return _answer(request, slug if SLUG_RE.fullmatch(slug) else "", _("That service was not on your shortlist."))
    service = _published(slug)
    name = service.name if service else _("The service")
    message = ngettext(
        "Removed %(name)s from your shortlist. It has %(count)s service.",
        "Removed %(name)s from your shortlist. It has %(count)s services.",
        len(items),
    ) % {"name": name, "count": len(items)}
    return _answer(request, slug, message)


@same_origin_only
@require_POST
def shortlist_clear(request: HttpRequest) -> HttpResponse:
    """Anyone: empty the shortlist in their session."""
    Shortlist(request.session).clear()
    messages.success(request, _("Your shortlist is empty now."))
    return redirect("signposting:shortlist")


@same_origin_only
@require_POST
def shortlist_save(request: HttpRequest) -> HttpResponse:
    """Anyone: keep the services of a share link on their own shortlist, as far as there is room."""
    slugs, _junk, _over = clean_slugs(request.POST.getlist("service"))
    services, _missing = shortlisted_services(slugs)
    if not services:  # "Add selected" on the results with nothing selected
        messages.error(request, _("Select at least one service to add to your shortlist."))
        return redirect_to_next(request, reverse("signposting:shortlist"))
    added, left_out = Shortlist(request.session).add_many(service.slug for service in services)
    messages.success(
        request,
        ngettext("Added %(count)s service to your shortlist.", "Added %(count)s services to your shortlist.", added)
        % {"count": added},
    )
    if left_out:
        messages.error(
            request,
            ngettext(
                "%(count)s service did not fit: a shortlist holds %(max)s services.",
                "%(count)s services did not fit: a shortlist holds %(max)s services.",
                left_out,
            )
            % {"count": left_out, "max": MAX_SERVICES},
        )
    return redirect("signposting:shortlist")


def for_professionals(request: HttpRequest) -> HttpResponse:
    """Anyone: how GPs and other professionals can use the directory in a consultation."""
    return render(request, "signposting/professionals.html", {"max_services": MAX_SERVICES})


# --- Helpers -------------------------------------------------------------------------


def _sheets_by_language(query: str) -> list[tuple[InterfaceLanguage, str]]:
    """Each interface language with the address of the printed sheet in it (its URL prefix)."""
    sheets = []
    for language in ENABLED:
        with translation.override(language.code):
            sheets.append((language, reverse("signposting:print") + (f"?{query}" if query else "")))
    return sheets


def _stale_months() -> int:
    """VERY_STALE_AFTER_DAYS in whole months, for the sheet's "not checked in the last 12 months"
    (the same rule as Listing.is_very_stale and the public freshness notice)."""
    return max(1, round(settings.VERY_STALE_AFTER_DAYS / 30.4375))


def _published(slug: str) -> Service | None:
    """The published service with this slug (its name and slug only), or None."""
    if not SLUG_RE.fullmatch(slug):
        return None
    return public_services().filter(slug=slug).only("name", "slug").first()


def _session_services(request: HttpRequest) -> tuple[list[Service], list[str]]:
    """The services on the visitor's shortlist; services no longer listed are forgotten, with a note."""
    items = Shortlist(request.session)
    services, missing = shortlisted_services(items.slugs)
    if missing:
        items.keep_only(service.slug for service in services)
        return services, [
            ngettext(
                "%(count)s service on your shortlist is no longer in the directory, so we have taken it off.",
                "%(count)s services on your shortlist are no longer in the directory, so we have taken them off.",
                len(missing),
            )
            % {"count": len(missing)}
        ]
    return services, []


def _over_note(count: int) -> list[str]:
    if not count:
        return []
    return [
        ngettext(
            "A shared list shows at most %(max)s services, so %(count)s service is not shown.",
            "A shared list shows at most %(max)s services, so %(count)s services are not shown.",
            count,
        )
        % {"max": MAX_SERVICES, "count": count}
    ]


def _missing_note(count: int) -> list[str]:
    if not count:
        return []
    return [
        ngettext(
            "%(count)s service in this link is not in the directory (any more), so it is not shown.",
            "%(count)s services in this link are not in the directory (any more), so they are not shown.",
            count,
        )
        % {"count": count}
    ]


def _answer(
    request: HttpRequest, slug: str, message: str, level: int = messages.SUCCESS, status: int = 200
) -> HttpResponse:
    """JSON for the script (the button's new state and the count), else a message and a redirect back."""
    items = Shortlist(request.session)
    if "application/json" in request.headers.get("Accept", ""):
        chosen = bool(slug) and slug in items
        return JsonResponse(
            {
                "ok": status == 200,
                "message": message,
                "count": len(items),
                "inShortlist": chosen,
                "label": _("Remove from shortlist") if chosen else _("Add to shortlist"),
                "action": reverse("signposting:remove" if chosen else "signposting:add"),
            },
            status=status,
        )
    messages.add_message(request, level, message)
    return redirect_to_next(request, reverse("signposting:shortlist"))
