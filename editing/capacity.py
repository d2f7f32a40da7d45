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

from datetime import date

from django.db import transaction

from accounts.audit import log_action
from accounts.models import Action
from partners.models import Capacity, Service

from .models import AnsweredVia, CapacityAnswer


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
        log_action(
            Action.CAPACITY_SET,
            user,
            {
                "before": before,
                "after": {"answer": answer, "weeks": weeks, "reopens": reopens.isoformat() if reopens else None},
                "via": via,
                "email": email,
            },
            target=service,
        )
    return row
