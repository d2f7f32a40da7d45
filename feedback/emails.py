"""Emails of the feedback app, one function each; the words are in templates/email/."""

from collections.abc import Sequence

from django.urls import reverse

from accounts.emails import absolute_url, send_templated

from .models import ProblemReport


def send_problem_report(report: ProblemReport, recipients: Sequence[str], to_moderators: bool) -> None:
    """Tell the people who look after a listing that someone says it is wrong. The reporter's
    reply address stays with the moderators: it is not sent to the organisation."""
    send_templated(
        "problem_report",
        {
            "report": report,
            "service": report.service,
            "to_moderators": to_moderators,
            "public_url": absolute_url(report.service.get_absolute_url()),
            "edit_url": absolute_url(reverse("editing:service", kwargs={"slug": report.service.slug})),
            "admin_url": absolute_url(reverse("admin:feedback_problemreport_change", args=[report.pk])),
        },
        recipients,
    )
