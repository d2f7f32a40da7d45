"""Emails about listings, one function each; the words are in templates/email/."""

from collections.abc import Sequence

from django.conf import settings
from django.urls import reverse

from accounts.emails import absolute_url, send_templated
from partners.models import Organisation, Service

from .models import Revision
from .one_tap import confirm_link

Listing = Organisation | Service


def send_revision_approved(revision: Revision) -> None:
    send_templated(
        "revision_approved",
        {"revision": revision, "public_url": absolute_url(revision.listing.get_absolute_url())},
        [revision.author.email],
    )


def send_revision_rejected(revision: Revision) -> None:
    send_templated(
        "revision_rejected",
        {"revision": revision, "dashboard_url": absolute_url(reverse("editing:dashboard"))},
        [revision.author.email],
    )


def send_freshness_reminder(organisation: Organisation, listings: Sequence, recipients: Sequence[str]) -> int:
    """One email to each recipient, each listing with a one-tap "still correct" link made
    for that address (editing/one_tap.py), so a confirmation is recorded for whoever it
    was sent to. Returns how many emails were queued."""
    dashboard_url = absolute_url(reverse("editing:dashboard"))
    addresses = sorted(set(recipients))
    for address in addresses:
        items = [{"item": item, "confirm_url": confirm_link(item.listing, address)} for item in listings]
        send_templated(
            "freshness_reminder",
            {
                "organisation": organisation,
                "listings": items,
                "dashboard_url": dashboard_url,
                "days": settings.ONE_TAP_LINK_DAYS,
            },
            [address],
        )
    return len(addresses)


def send_one_tap_link(listing: Listing, address: str) -> None:
    """A moderator's "please confirm" with a one-tap link, to a listing's contact who may have no account."""
    send_templated(
        "one_tap_link",
        {
            "listing": listing,
            "confirm_url": confirm_link(listing, address),
            "days": settings.ONE_TAP_LINK_DAYS,
            "contact_email": settings.CONTACT_EMAIL,
        },
        [address],
    )


def send_moderation_digest(revisions: Sequence, claims: Sequence, reports: Sequence, recipients: Sequence[str]) -> None:
    send_templated(
        "moderation_digest",
        {
            "revisions": revisions,
            "claims": claims,
            "reports": reports,
            "reports_url": absolute_url(reverse("admin:feedback_problemreport_changelist")),
            "queue_url": absolute_url(reverse("admin:editing_revision_changelist")),
            "claims_url": absolute_url(reverse("admin:accounts_claim_changelist") + "?state__exact=pending"),
        },
        recipients,
    )
