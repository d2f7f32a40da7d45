"""Freshness reminders: owners hear when their listings are due for a check, and again
every REMINDER_INTERVAL_DAYS until someone confirms them. Safe to run any number of
times a day: a Reminder row per listing, due date and round is created before the
email goes, and the database refuses a second one."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import Action, Membership, Role
from partners.models import Organisation, Service, Status

from . import emails
from .models import Reminder


@dataclass
class Due:
    organisation: Organisation
    service: Service | None
    due_date: date
    sequence: int

    @property
    def listing(self) -> Organisation | Service:
        return self.service or self.organisation

    @property
    def last_verified(self) -> date | None:
        return self.listing.last_verified


@dataclass
class ReminderReport:
    emails_sent: int = 0
    listings: int = 0
    nobody_to_remind: list[Organisation] = field(default_factory=list)
    failed: list[tuple[Organisation, str]] = field(default_factory=list)


def due_date(listing: Organisation | Service) -> date:
    # A listing never confirmed counts from when it was added.
    checked = listing.last_verified or timezone.localtime(listing.created).date()
    return checked + timedelta(days=settings.STALE_AFTER_DAYS)


def due_listings(today: date) -> list[Due]:
    """Published listings whose check is due and whose next reminder is due today.

    The first reminder goes on the due date (or the first run after it); each later one
    REMINDER_INTERVAL_DAYS after the previous one, until someone confirms the listing,
    which moves the due date on."""
    organisations = Organisation.objects.published().stale(today)
    services = (
        Service.objects.published()
        .filter(organisation__status=Status.PUBLISHED)
        .stale(today)
        .select_related("organisation")
    )
    sent = {
        (row["organisation_id"], row["service_id"], row["due_date"]): row
        for row in Reminder.objects.values("organisation_id", "service_id", "due_date").annotate(
            count=Count("pk"), last=Max("run_date")
        )
    }
    interval = timedelta(days=settings.REMINDER_INTERVAL_DAYS)
    due = []
    for listing in [*organisations, *services]:
        when = due_date(listing)
        if when > today:
            continue
        is_service = isinstance(listing, Service)
        organisation = listing.organisation if is_service else listing
        previous = sent.get((organisation.pk, listing.pk if is_service else None, when))
        if previous is None:
            sequence = 0
        elif previous["last"] is not None and today - previous["last"] >= interval:
            sequence = previous["count"]
        else:
            continue
        due.append(Due(organisation, listing if is_service else None, when, sequence))
    return due


def recipients_for(organisation: Organisation) -> list[str]:
    """The owners; if an organisation has none, its editors."""
    members = Membership.objects.filter(organisation=organisation, user__is_active=True).select_related("user")
    owners = [m.user.email for m in members if m.role == Role.OWNER]
    return owners or [m.user.email for m in members]


def send_freshness_reminders(today: date | None = None) -> ReminderReport:
    today = today or timezone.localdate()
    report = ReminderReport()
    by_organisation: dict[int, list[Due]] = defaultdict(list)
    for item in due_listings(today):
        by_organisation[item.organisation.pk].append(item)
    for items in by_organisation.values():
        organisation = items[0].organisation
        recipients = recipients_for(organisation)
        if not recipients:
            report.nobody_to_remind.append(organisation)
            continue
        try:
            new, new_emails = _remind(organisation, items, recipients, today)
        except Exception as error:  # one organisation's mail failure must not stop the rest
            report.failed.append((organisation, str(error)))
            continue
        if new:
            report.emails_sent += new_emails
            report.listings += len(new)
    return report


def _remind(organisation: Organisation, items: list[Due], recipients: list[str], today: date) -> tuple[list[Due], int]:
    """The listings reminded about now, and the number of emails queued (one per recipient)."""
    with transaction.atomic():
        new = []
        sent = 0
        for item in items:
            try:
                with transaction.atomic():
                    Reminder.objects.create(
                        organisation=organisation,
                        service=item.service,
                        due_date=item.due_date,
                        sequence=item.sequence,
                        run_date=today,
                        recipients=recipients,
                    )
            except IntegrityError:
                continue  # already reminded about this listing for this due date and round
            new.append(item)
        if new:
            # One email per organisation and recipient, listing everything due, so a small charity gets one
            # message each; each carries its own one-tap links, made for the address it goes to. Queued inside
            # the transaction: the reminder rows and the emails are kept together or not at all (if they cannot
            # even be queued, tomorrow's run tries again); the task worker sends them.
            sent = emails.send_freshness_reminder(organisation, items, recipients)
            log_action(
                Action.REMINDER_SENT,
                None,
                {"to": recipients, "listings": [str(i.listing) for i in new]},
                target=organisation,
            )
    return new, sent
