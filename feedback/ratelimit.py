"""A small rate limit for public forms, counted in Django's cache.

The counter's key is a keyed hash (HMAC with SECRET_KEY) of the client's address and the
current hour: the address itself is never written anywhere, and the hash cannot be turned
back into it without the secret. Nothing goes into the database. We use django-axes's idea
of the client's address, so it agrees with the login throttle behind a proxy.

Written here rather than taken from django-ratelimit: we need one counter, and that
package's system checks refuse the per-process cache a small region starts with."""

import hashlib
import hmac
import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 3600


def _key(scope: str, request: HttpRequest, window: int) -> str:
    address = get_client_ip_address(request) or "unknown"
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{address}".encode(), hashlib.sha256).hexdigest()
    return f"ratelimit:{scope}:{window}:{digest[:40]}"


def is_limited(scope: str, request: HttpRequest, limit: int) -> bool:
    """Has this client already used up `limit` in the current hour?"""
    window = int(time.time() // WINDOW_SECONDS)
    return (cache.get(_key(scope, request, window)) or 0) >= limit


def count(scope: str, request: HttpRequest) -> None:
    """Count one use by this client in the current hour."""
    window = int(time.time() // WINDOW_SECONDS)
    key = _key(scope, request, window)
    if not cache.add(key, 1, timeout=WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=WINDOW_SECONDS)
