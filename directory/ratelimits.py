"""Rate limits on the public forms that send email, counted by django-ratelimit in the
cache (Redis when configured, so every app server shares the count).

The count is kept under a keyed hash (HMAC with SECRET_KEY) of the client's address or
of the email address asked about: neither is written anywhere, and the hash cannot be
turned back into it without the secret. Only a form that passed validation is counted,
so a mistake does not use up anyone's tries."""

import hashlib
import hmac
import logging

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from .clients import client_network

logger = logging.getLogger(__name__)


def _keyed_hash(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def _by_client(group: str, request: HttpRequest) -> str:
    return _keyed_hash(client_network(request))


def used_up(request: HttpRequest, group: str, per_hour: int, about: str | None = None) -> bool:
    """Count one use of the form `group` by this client (or, given `about`, for that email
    address) and say whether it goes over `per_hour`."""
    key = _by_client if about is None else (lambda _group, _request: _keyed_hash(about))
    try:
        return is_ratelimited(request, group=group, key=key, rate=f"{per_hour}/h", increment=True)
    except Exception:
        # The shared cache is down. A resident reporting a wrong phone number must not meet
        # a server error for it, so the form goes through uncounted while it is; the error
        # is logged, and /healthz already answers 503 so the load balancer sees the outage.
        logger.exception("Rate limit %r not counted: the cache did not answer", group)
        return False
