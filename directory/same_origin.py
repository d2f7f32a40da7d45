"""Cross-site protection for public forms without a CSRF cookie.

Django's CSRF protection needs a cookie, set when a page renders `{% csrf_token %}`. On
the public pages that would give every visitor who only searches and reads a cookie.
The public forms (the shortlist, reporting a problem) are not worth that: nothing they
do acts with anyone's authority. They only need to refuse a post made from another
site, and browsers say where a post comes from: `Sec-Fetch-Site` (every current
browser) or, failing that, `Origin`. A request with neither (an old browser, a script
outside a browser) is no cross-site forgery from a current browser, so it is let through."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
# "none" is a request the person started themselves (typed or bookmarked), never a page's.
SAME_ORIGIN_FETCH_SITES = {"same-origin", "none"}


def is_cross_site(request: HttpRequest) -> bool:
    """True when the browser says this request was sent by a page on another origin."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in SAME_ORIGIN_FETCH_SITES
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    own = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
    return origin != own and origin not in settings.CSRF_TRUSTED_ORIGINS


def same_origin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Exempt a view from the CSRF cookie check, and refuse (403) a post another site sent."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in SAFE_METHODS and is_cross_site(request):
            # No message: the 403 page's own (translated) words fit, "go back, reload the
            # page and try again".
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapped)
