"""The map's GeoJSON answers, kept in the cache (Redis in production) until a listing changes.

Every visitor asking the map the same question gets the same points, so the answer is
computed once and kept. The rule:

- An answer is kept under its validated search (partners.search.SearchParams), the
  visitor's language and the directory's *version*, for at most settings.MAP_CACHE_SECONDS,
  which is 0 (keep nothing) unless the cache is shared (REDIS_URL): a per-process cache
  would never hear of a change made by another process.
- The version is a random token in the cache. Any save, delete or many-to-many change of a
  model of the partners app (services, organisations, places, languages, translations,
  vocabularies, postcodes: everything a listing or a search is made of) replaces it, at
  once and again when the transaction commits, so no request can keep an answer read before
  the change under the new version. Code that writes without signals (bulk_create,
  QuerySet.update: the importer, seed_synthetic) calls `directory_changed()` itself.
  Answers under an old version are never read again and expire.
- Searches that depend on the clock (open now, taking new people) are never kept (whether
  a point is open now is in its popup's details, /search/geojson/<id>/, never kept). Nor
  are answers for a map area (`bbox`): a panned view's box is almost never asked for
  twice, and keeping each would fill the cache for nothing.
- The key names the answer's FORMAT: a deploy that changes what an answer holds never
  reads one kept by the code before it.
- The cache failing must not break the map: reading, writing or bumping the version
  logs the error and the answer is computed as if nothing were kept (as
  directory/ratelimits.py fails open). A change made while the cache cannot be written
  is then forgotten only by expiry: answers may be up to MAP_CACHE_SECONDS old.
"""

import hashlib
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

VERSION_KEY = "map:directory-version"
# Bumped whenever the kept value changes shape (2: features without popup details).
FORMAT = 2


# The version as the request in this thread first read it. A results page asks for it three
# times (the vocabularies, the sample-data banner, the facet index), and each read from
# Redis costs about 0.2 ms of processor time: read once a request, the request sees one
# version throughout (as if every change by another process came after it), and a change
# it makes itself is seen at once (forget_answers). Outside a request, every call reads.
_request = threading.local()


def version() -> str:
    """The directory's version: a token every listing change replaces."""
    version = getattr(_request, "version", None)
    if version is not None:
        return version
    version = cache.get(VERSION_KEY)
    if version is None:
        # Lost (evicted, or a fresh cache): a new token, never an old one reused.
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    if getattr(_request, "open", False):
        _request.version = version
    return version


def _request_started(**kwargs) -> None:
    _request.open, _request.version = True, None


def _request_finished(**kwargs) -> None:
    _request.open, _request.version = False, None


def forget_answers() -> None:
    """A new version: every answer kept so far is never read again."""
    _request.version = None
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:
        logger.exception("The map's cached answers were not invalidated: the cache did not answer")


def directory_changed() -> None:
    """Forget every kept map answer: now, and once more when the transaction commits (once
    per transaction, however many rows it writes)."""
    forget_answers()
    if transaction.get_connection().in_atomic_block and pending_changes():
        return
    transaction.on_commit(forget_answers)


def kept_in_process(slot: dict, compute: Callable[[], Any]) -> Any:
    """compute(), kept in `slot` (a module's dict) for as long as the directory's version
    stays the same: for small answers every page needs (the filter vocabularies, whether
    sample listings are shown) read from the database once per process and version rather
    than once per request. Only where the cache is shared (settings.MAP_CACHE_SECONDS, as
    for the map's answers) and it answers; never an answer read inside a transaction that
    has changed listings not yet committed (it may be rolled back)."""
    if not settings.MAP_CACHE_SECONDS:
        return compute()
    try:
        now = version()
    except Exception:
        logger.exception("Read from the database: the cache did not answer")
        return compute()
    kept = slot.get("kept")
    if kept is not None and kept[0] == now:
        return kept[1]
    value = compute()
    if not pending_changes():
        slot["kept"] = (now, value)
    return value


def pending_changes() -> bool:
    """Whether this connection's transaction has changed listings not yet committed."""
    return any(entry[1] is forget_answers for entry in transaction.get_connection().run_on_commit)


def answer(params: Any, compute: Callable[[], Any], cacheable: bool = True) -> Any:
    """The kept answer for `params` (hashed by repr) in the active language, else compute()
    and keep it."""
    if not cacheable or not settings.MAP_CACHE_SECONDS:
        return compute()
    try:
        digest = hashlib.sha256(f"{get_language()}|{params!r}".encode()).hexdigest()
        key = f"map:{FORMAT}:{version()}:{digest}"
        kept = cache.get(key)
    except Exception:
        logger.exception("Map answer computed without the cache: the cache did not answer")
        return compute()
    if kept is not None:
        return kept
    value = compute()
    try:
        cache.set(key, value, settings.MAP_CACHE_SECONDS)
    except Exception:
        logger.exception("Map answer not kept: the cache did not answer")
    return value


def _on_change(sender, **kwargs) -> None:
    directory_changed()


def _on_m2m_change(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        directory_changed()


def connect(app_config) -> None:
    """Called once from PartnersConfig.ready(): listen to the partners app's models only
    (their link tables included), so other apps' deletes stay fast deletes; and to each
    request's start and end (the version read once a request)."""
    request_started.connect(_request_started, dispatch_uid="map_cache_request_started")
    request_finished.connect(_request_finished, dispatch_uid="map_cache_request_finished")
    for model in app_config.get_models(include_auto_created=True):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"map_cache_save_{model._meta.label}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"map_cache_delete_{model._meta.label}")
        m2m_changed.connect(_on_m2m_change, sender=model, dispatch_uid=f"map_cache_m2m_{model._meta.label}")
