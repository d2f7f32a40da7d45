"""Crisis help, the pages about the site (who runs it, privacy, accessibility), robots.txt
and the favicon."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from partners.search import Vocabulary

from .crisis import CRISIS_SUPPORT, SHOWN, crisis_services, crisis_services_count

# Staff pages and visitors' shortlists are no business of search engines.
ROBOTS_DISALLOW = ("/manage/", "/admin/", "/accounts/", "/shortlist/")


@require_GET
def crisis(request: HttpRequest) -> HttpResponse:
    """Anyone: every crisis line in full, and the directory's own crisis-support services
    (some of them, open ones first, with a search for the rest when there are more)."""
    vocabulary = Vocabulary.load()
    services = crisis_services(vocabulary=vocabulary)
    total = crisis_services_count(vocabulary) if len(services) == SHOWN else len(services)
    context = {"services": services, "services_total": total, "crisis_support": CRISIS_SUPPORT}
    return render(request, "signposting/crisis.html", context)


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    """Anyone: who runs this directory and how to reach them."""
    return render(request, "signposting/about.html", _site_facts())


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """Anyone: every cookie, what the server keeps and for how long, and what others see."""
    context = {
        **_site_facts(),
        "session_days": settings.SESSION_COOKIE_AGE // 86400,
        "cookies": [
            (settings.SESSION_COOKIE_NAME, "session", _lasts(settings.SESSION_COOKIE_AGE)),
            (settings.CSRF_COOKIE_NAME, "csrf", _lasts(settings.CSRF_COOKIE_AGE)),
        ],
        "login_records_days": settings.LOGIN_RECORDS_KEPT_DAYS,
        "tile_host": urlsplit(settings.MAP_TILE_URL.replace("{s}.", "")).hostname,
    }
    return render(request, "signposting/privacy.html", context)


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    """Anyone: the accessibility statement."""
    return render(request, "signposting/accessibility.html", _site_facts())


def _lasts(seconds: int | None) -> str:
    """How long a cookie lasts, in words."""
    if seconds is None:
        return _("Until you close your browser")
    days = max(1, seconds // 86400)
    return ngettext("%(days)s day", "%(days)s days", days) % {"days": days}


def _site_facts() -> dict:
    return {"operator_name": settings.OPERATOR_NAME, "contact_email": settings.CONTACT_EMAIL}


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Robots: the public pages may be read, staff pages and shortlists may not."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "Allow: /", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the SVG icon."""
    return redirect(static("img/favicon.svg"), permanent=True)
