"""Services' answers to "are you taking new people?", and the monthly email that asks.

An answer is a fact about today, not a change to the listing: it is saved at once, with
no moderation, but always audited. record_answer is the one way in (the manage page and
the emailed one-tap link both use it); it keeps a CapacityAnswer row for the history the
weekly report counts and copies the latest onto the service for search.

The check email goes CAPACITY_CHECK_DAYS after a service's last answer (or last check, or
its publication), to its organisation's owners (or editors if it has no owner), one email
per address listing that organisation's services due, each with three one-tap links
(editing/links.py). Safe to run any number of times a day: a CapacityCheck row per service
and due date is created before the email is queued, and the database refuses a second."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts.audit import log_action
from accounts.emails import absolute_url, send_templated
from accounts.models import Action
from partners.models import Capacity, Organisation, Service

from .freshness import recipients_for
from .links import make_token
from .models import AnsweredVia, CapacityAnswer, CapacityCheck


def record_answer(
    service: Service,
    answer: str,
    *,
    weeks: int | None = None,
    reopens: date | None = None,
    user=None,
    email: str = "",
    via: str = AnsweredVia.MANAGE,
) -> CapacityAnswer:
    """Save `service`'s answer now: a history row, the copy on the service, an audit entry.
    `email` is who answered: the account's address, or the address an emailed link went to."""
    weeks = weeks if answer == Capacity.WAITING else None
    reopens = reopens if answer == Capacity.CLOSED else None
    if user is not None and user.is_authenticated and not email:
        email = user.email
    with transaction.atomic():
        row = CapacityAnswer.objects.create(
            service=service,
            answer=answer,
            weeks=weeks,
            reopens=reopens,
            user=user if user is not None and user.is_authenticated else None,
            email=email,
            via=via,
        )
        before = {"answer": service.capacity, "weeks": service.capacity_weeks}
        service.capacity, service.capacity_weeks, service.capacity_reopens = answer, weeks, reopens
        service.capacity_answered = row.answered
        # update(), not save(): the listing itself has not changed, so `updated` stays put.
        Service.objects.filter(pk=service.pk).update(
            capacity=answer, capacity_weeks=weeks, capacity_reopens=reopens, capacity_answered=row.answered
        )
        by_link = via == AnsweredVia.LINK
        log_action(
            Action.CAPACITY_SET_BY_LINK if by_link else Action.CAPACITY_SET,
            None if by_link else user,
            {
                "before": before,
                "after": {"answer": answer, "weeks": weeks, "reopens": reopens.isoformat() if reopens else None},
                "via": via,
                "email": email,
            },
            target=service,
            email=email if by_link else "",
        )
    return row


# --- The capacity check email ------------------------------------------------------


@dataclass
class CheckReport:
    emails_sent: int = 0
    services: int = 0
    nobody_to_ask: list[Organisation] = field(default_factory=list)
    failed: list[tuple[Organisation, str]] = field(default_factory=list)


def due_date(service: Service, last_check: date | None) -> date:
    """CAPACITY_CHECK_DAYS after the latest of: its last answer, its last check email, its creation."""
    days = [timezone.localtime(service.created).date()]
    if service.capacity_answered:
        days.append(timezone.localtime(service.capacity_answered).date())
    if last_check:
        days.append(last_check)
    return max(days) + timedelta(days=settings.CAPACITY_CHECK_DAYS)


def due_services(today: date) -> list[tuple[Service, date]]:
    """Public services whose capacity check is due today (or overdue), with the due date."""
    services = (
        Service.objects.public()
        .select_related("organisation")
        .annotate(last_check=Max("capacity_checks__run_date"))
        .order_by("organisation__name", "name")
    )
    due = []
    for service in services:
        when = due_date(service, service.last_check)
        if when <= today:
            due.append((service, when))
    return due


def answer_links(service: Service, email: str) -> list[tuple[str, str]]:
    """(answer, one-tap address) for each of the three answers, for one recipient."""
    return [
        (
            answer,
            absolute_url(
                reverse("editing:capacity_answer", args=[make_token("capacity", service, email, answer=answer)])
            ),
        )
        for answer in Capacity.values
    ]


def send_capacity_checks(today: date | None = None) -> CheckReport:
    today = today or timezone.localdate()
    report = CheckReport()
    by_organisation: dict[int, list[tuple[Service, date]]] = defaultdict(list)
    for service, when in due_services(today):
        by_organisation[service.organisation_id].append((service, when))
    for items in by_organisation.values():
        organisation = items[0][0].organisation
        recipients = recipients_for(organisation)
        if not recipients:
            report.nobody_to_ask.append(organisation)
            continue
        try:
            new = _ask(organisation, items, recipients, today)
        except Exception as error:  # one organisation's mail failure must not stop the rest
            report.failed.append((organisation, str(error)))
            continue
        if new:
            report.emails_sent += len(set(recipients))
            report.services += len(new)
    return report


def _ask(organisation: Organisation, items: list[tuple[Service, date]], recipients: list[str], today: date):
    with transaction.atomic():
        new = []
        for service, when in items:
            try:
                with transaction.atomic():
                    CapacityCheck.objects.create(service=service, due_date=when, run_date=today, recipients=recipients)
            except IntegrityError:
                continue  # already asked about this service for this due date
            new.append(service)
        if new:
            # One email per address: each link names the address it was sent to, so the audit
            # log can say who answered. Queued inside the transaction, with the check rows.
            for email in sorted(set(recipients)):
                send_templated(
                    "capacity_check",
                    {
                        "organisation": organisation,
                        "services": [{"service": s, "links": dict(answer_links(s, email))} for s in new],
                        "dashboard_url": absolute_url(reverse("editing:dashboard")),
                        "valid_days": settings.ONE_TAP_LINK_DAYS,
                    },
                    [email],
                )
            log_action(
                Action.CAPACITY_CHECK_SENT,
                None,
                {"to": recipients, "services": [s.name for s in new]},
                target=organisation,
            )
    return new
