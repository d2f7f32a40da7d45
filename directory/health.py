"""/healthz, for load balancers and monitoring: can this app server reach what it needs?"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.exception("Health check: the database does not answer.")
        return False


def _cache_answers() -> bool:
    try:
        cache.get("healthz")
    except Exception:  # the Redis client's own errors: it is down, refusing or timing out
        logger.exception("Health check: the shared cache does not answer.")
        return False
    return True


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Anyone: 200 when the database (and the shared cache, if configured) answer, else 503.
    Says nothing about anyone and sets no cookie."""
    parts = {"database": _database_answers()}
    if settings.REDIS_URL:
        parts["cache"] = _cache_answers()
    healthy = all(parts.values())
    body = {"status": "ok" if healthy else "unavailable"}
    body.update({name: "ok" if answered else "unavailable" for name, answered in parts.items()})
    return JsonResponse(body, status=200 if healthy else 503)
