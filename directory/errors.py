"""Our error pages, and a 503 page while the database cannot be reached.

Error pages carry the header, crisis help, a search box and a way home. They are rendered
without the request's context processors and read nothing from the database (the crisis
panel falls back to the built-in national lines), so they work when the database does not.
"""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

from signposting.context_processors import safety_context

logger = logging.getLogger(__name__)

# The outage page asks browsers and robots to come back after this many seconds.
RETRY_AFTER_SECONDS = 120


def render_error(template_name: str, status: int, **context) -> HttpResponse:
    """An error page from the template, with only what base.html needs and no database."""
    context = {
        "SITE_NAME": settings.SITE_NAME,
        "REGION_NAME": settings.REGION_NAME,
        **safety_context(read_database=False),
        **context,
    }
    return HttpResponse(loader.render_to_string(template_name, context), status=status)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    response = render_error("503.html", 503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error("400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Our views raise PermissionDenied with a message meant for the person (an archived
    # organisation says who to contact); Django's own carry none.
    reason = str(exception) if exception is not None and exception.args else ""
    return render_error("403.html", 403, reason=reason)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error("404.html", 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its CSRF token, or with an old one (a page left open for long)."""
    return render_error("403.html", 403)


def server_error(request: HttpRequest) -> HttpResponse:
    # A database error raised outside a view (in a middleware, say) arrives here.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    return render_error("500.html", 500)


class DatabaseUnavailableMiddleware:
    """The database cannot be reached: answer with a 503 (pages still show crisis help)
    rather than a 500. Django closes a broken connection at the end of the request
    and opens a new one for the next, so the site recovers by itself when the database does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable: answered %s with 503", request.path, exc_info=exception)
        return database_unavailable(request)
