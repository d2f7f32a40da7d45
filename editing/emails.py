"""Emails about listings, one function each; the words are in templates/email/."""

from collections.abc import Sequence

from django.urls import reverse

from accounts.emails import absolute_url, send_templated
from partners.models import Organisation

from .models import Revision


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


def send_freshness_reminder(organisation: Organisation, listings: Sequence, recipients: Sequence[str]) -> None:
    send_templated(
        "freshness_reminder",
        {
            "organisation": organisation,
            "listings": listings,
            "dashboard_url": absolute_url(reverse("editing:dashboard")),
        },
        recipients,
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
