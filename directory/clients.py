"""Who is asking: the client's address, behind any number of trusted reverse proxies.

One helper for django-axes (login lockouts) and every rate limit, so they agree.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip

UNKNOWN = "0.0.0.0"  # noqa: S104 (an address to count by, not one to listen on)


def client_ip(request: HttpRequest) -> str:
    """The address the outermost of our TRUSTED_PROXY_COUNT proxies received the request from.

    Each trusted proxy appends the address it saw to X-Forwarded-For, so the client is
    the TRUSTED_PROXY_COUNT-th entry from the right; anything further left was written
    by the client and could be anything. With no trusted proxy, or a header too short
    to have passed through them all, the connection's own address is the answer.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        # django-ipware counts the proxies listed after the client: all but the last
        # one, whose address is the connection's (REMOTE_ADDR), not in the header.
        address, _routable = get_client_ip(
            request,
            proxy_order="left-most",
            proxy_count=proxies - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
        if address:
            return address
    try:
        return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")))
    except ValueError:  # a Unix socket has no address; count such requests together
        return UNKNOWN


def client_network(request: HttpRequest) -> str:
    """The client's address, widened to the /64 one IPv6 customer is usually given."""
    address = ipaddress.ip_address(client_ip(request))
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
