"""One-tap links: a signed address in an email that lets whoever holds it do one thing
to one listing without logging in (say "this listing is still correct", or answer a
capacity check), and nothing else.

A link names its purpose, the listing and the email address it was sent to, and is
signed with SECRET_KEY under a salt of its own per purpose, so a link made for one
purpose is worthless for another and no part of it can be changed. It carries the time
it was made and stops working ONE_TAP_LINK_DAYS later. It is not used up: a reminder
sent again, or a second tap, finds the same link still good until it expires. Opening
the link only shows the page; the change itself is a POST from that page.

`extra` carries small purpose-specific details (a capacity answer, say), signed with
the rest."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core import signing

from partners.models import Listing, Organisation, Service

PURPOSES = frozenset({"confirm", "capacity"})
_KINDS = {"s": Service, "o": Organisation}


class BadLink(Exception):
    """The link cannot be used; `expired` tells an old link from a damaged or forged one,
    so the page can say which."""

    def __init__(self, *, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class OneTap:
    purpose: str
    listing: Listing
    email: str
    extra: dict = field(default_factory=dict)


def _salt(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown one-tap purpose {purpose!r}")
    return f"editing.links.{purpose}"


def make_token(purpose: str, listing: Listing, email: str, **extra) -> str:
    kind = "s" if isinstance(listing, Service) else "o"
    payload = {"k": kind, "id": listing.pk, "e": email}
    if extra:
        payload["x"] = extra
    return signing.dumps(payload, salt=_salt(purpose), compress=True)


def read_token(purpose: str, token: str) -> OneTap:
    """The listing and address a token was made for; BadLink when it is expired, damaged,
    made for another purpose, or its listing no longer exists."""
    max_age = timedelta(days=settings.ONE_TAP_LINK_DAYS)
    try:
        payload = signing.loads(token, salt=_salt(purpose), max_age=max_age)
    except signing.SignatureExpired:
        raise BadLink(expired=True) from None
    except signing.BadSignature:
        raise BadLink() from None
    try:
        model = _KINDS[payload["k"]]
        pk, email, extra = int(payload["id"]), str(payload["e"]), dict(payload.get("x", {}))
    except (KeyError, TypeError, ValueError):
        raise BadLink() from None
    listing = model.objects.filter(pk=pk).first()
    if listing is None:
        raise BadLink()
    return OneTap(purpose, listing, email, extra)
