from django.http import HttpRequest

from .shortlist import Shortlist


def shortlist(request: HttpRequest) -> dict:
    """The slugs on the visitor's shortlist, for the add/remove buttons and the count in the header."""
    session = getattr(request, "session", None)
    slugs = Shortlist(session).slugs if session is not None else []
    return {"shortlist_slugs": frozenset(slugs), "shortlist_count": len(slugs)}
