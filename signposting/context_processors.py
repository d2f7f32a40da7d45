from functools import cache, partial

from django.conf import settings
from django.http import HttpRequest

from .crisis import crisis_lines
from .shortlist import Shortlist


def shortlist(request: HttpRequest) -> dict:
    """The slugs on the visitor's shortlist, for the add/remove buttons and the count in the header."""
    session = getattr(request, "session", None)
    slugs = Shortlist(session).slugs if session is not None else []
    return {"shortlist_slugs": frozenset(slugs), "shortlist_count": len(slugs)}


def safety(request: HttpRequest) -> dict:
    """Crisis help and the way out, on every page (templates/_crisis_panel.html, _exit.html)."""
    return safety_context(read_database=True)


def safety_context(read_database: bool) -> dict:
    """Error pages call this with read_database=False: they must not touch the database."""
    return {
        # Lazy, and read once a page: only pages that show the panel read the lines (from
        # the cache, mostly).
        "crisis_lines": cache(partial(crisis_lines, read_database)),
        "EXIT_URL": settings.EXIT_URL,
    }
