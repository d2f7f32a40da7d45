"""Where a form may send the visitor back to: the one check for any address a visitor supplies."""

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, target: str, default: str) -> str:
    """`target` when it is a path on this site; otherwise `default`.

    Only a path will do: a bare word given to `redirect()` is taken for a URL name (an
    error, not a redirect), and an absolute address needs no round trip through a form."""
    if (
        target.startswith("/")
        # Control characters (a line break would end the Location header) make it no address of ours.
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


def redirect_to_next(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Redirect to the `next` field the visitor posted, if it is safe; else to `default`."""
    return HttpResponseRedirect(safe_next(request, request.POST.get("next", ""), default))
