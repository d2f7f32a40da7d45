"""Workflows of the feedback app: a problem report reaching the people who can fix it."""

from django.conf import settings
from django.db import transaction
from django.utils import translation

from accounts.emails import moderator_emails
from accounts.models import Role, User
from partners.models import Service

from . import emails
from .models import ProblemKind, ProblemReport


def submit_report(service: Service, kind: str, details: str = "", reply_email: str = "") -> ProblemReport:
    """Record a report about a public listing and email the organisation's owners (or, when it
    has none, the moderators), the email queued with the report. Moderators see every report
    in the admin."""
    with transaction.atomic():
        report = ProblemReport.objects.create(service=service, kind=kind, details=details, reply_email=reply_email)
        notify(report)
    return report


def notify(report: ProblemReport) -> None:
    # The organisation cannot correct the site's translation; the moderators can.
    owners = owner_emails(report.service) if report.kind != ProblemKind.TRANSLATION else []
    # Staff read English (their pages are in English), whatever language the reporter used.
    with translation.override(settings.LANGUAGE_CODE):
        if owners:
            emails.send_problem_report(report, owners, to_moderators=False)
        else:
            emails.send_problem_report(report, moderator_emails(), to_moderators=True)


def owner_emails(service: Service) -> list[str]:
    """The active owners of the service's organisation."""
    return list(
        User.objects.filter(
            is_active=True, memberships__organisation_id=service.organisation_id, memberships__role=Role.OWNER
        ).values_list("email", flat=True)
    )
