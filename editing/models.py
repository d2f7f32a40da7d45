"""Proposed and approved versions of listings, the freshness reminders sent about them,
and services' answers to "are you taking new people?" with the checks that ask it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Capacity, Organisation, Service


class RevisionState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not accepted")
    SUPERSEDED = "superseded", _("Replaced by a later change")


class RevisionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=RevisionState.PENDING)

    def approved(self):
        return self.filter(state=RevisionState.APPROVED)

    def of(self, listing: Organisation | Service):
        """The revisions of one listing: an organisation's own details, or one service."""
        if isinstance(listing, Service):
            return self.filter(service=listing)
        return self.filter(organisation=listing, service__isnull=True)


class Revision(models.Model):
    """A whole version of one listing (an organisation with its places, or a service) as JSON.

    Staff edits create a pending revision; the public keeps seeing the live rows until a
    moderator approves it and editing.services.apply_revision copies it onto them."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("organisation")
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("service"),
        help_text=_("Empty when the revision is of the organisation's own details and places."),
    )
    snapshot = models.JSONField(_("proposed listing"))
    state = models.CharField(
        _("state"), max_length=10, choices=RevisionState.choices, default=RevisionState.PENDING, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("author"),
    )
    comment = models.TextField(_("note from the editor"), blank=True)
    created = models.DateTimeField(_("submitted"), auto_now_add=True, db_index=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="revisions_reviewed",
        verbose_name=_("reviewer"),
    )
    reviewed = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was not accepted; emailed to the editor."))
    base = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("based on"),
        help_text=_("The approved version the editor started from, or the version a restore brought back."),
    )

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        constraints = [
            # At most one pending change per listing: a newer edit replaces (supersedes) it.
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(state="pending", service__isnull=True),
                name="revision_one_pending_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["service"],
                condition=Q(state="pending", service__isnull=False),
                name="revision_one_pending_per_service",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing_name} ({self.get_state_display()}, {self.created:%d %b %Y})"

    def get_absolute_url(self) -> str:
        return reverse("admin:editing_revision_change", args=[self.pk])

    @property
    def listing(self) -> Organisation | Service:
        return self.service if self.service_id else self.organisation

    @property
    def listing_name(self) -> str:
        return self.snapshot.get("name") or str(self.listing)

    @property
    def kind(self) -> str:
        return "service" if self.service_id else "organisation"

    @property
    def is_pending(self) -> bool:
        return self.state == RevisionState.PENDING


class Reminder(models.Model):
    """One freshness reminder about one listing. The unique constraints are what make the
    daily command safe to run any number of times: one reminder per listing, due date and round."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("organisation")
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders", verbose_name=_("service")
    )
    due_date = models.DateField(_("check was due"))
    sequence = models.PositiveSmallIntegerField(_("reminder number"), help_text=_("0 for the first reminder."))
    sent = models.DateTimeField(_("sent"), auto_now_add=True)
    # The day the daily run counted as today: the interval to the next reminder counts from it.
    run_date = models.DateField(_("run date"), null=True)
    recipients = models.JSONField(_("sent to"), default=list)

    class Meta:
        ordering = ["-sent"]
        verbose_name = _("freshness reminder")
        verbose_name_plural = _("freshness reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "due_date", "sequence"],
                condition=Q(service__isnull=True),
                name="reminder_once_per_organisation_due_date",
            ),
            models.UniqueConstraint(
                fields=["service", "due_date", "sequence"],
                condition=Q(service__isnull=False),
                name="reminder_once_per_service_due_date",
            ),
        ]

    def __str__(self) -> str:
        listing = self.service or self.organisation
        return f"{listing} - {self.due_date} #{self.sequence + 1}"

    def get_absolute_url(self) -> str:
        return reverse("admin:editing_reminder_change", args=[self.pk])


class StaleService(Service):
    """The staleness report in the admin: a read-only view of services due for a check."""

    class Meta:
        proxy = True
        verbose_name = _("service due for a check")
        verbose_name_plural = _("staleness report")


class AnsweredVia(models.TextChoices):
    MANAGE = "manage", _("On the manage pages")
    LINK = "link", _("Through the emailed link")


class CapacityAnswer(models.Model):
    """One answer to "are you taking new people?". The service carries a copy of the latest
    (Service.capacity...); these rows are the history the weekly capacity report counts."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="capacity_answers", verbose_name=_("service")
    )
    answer = models.CharField(_("answer"), max_length=10, choices=Capacity.choices)
    weeks = models.PositiveSmallIntegerField(_("waiting list, in weeks"), null=True, blank=True)
    reopens = models.DateField(_("expects to reopen"), null=True, blank=True)
    answered = models.DateTimeField(_("answered"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # The address: of the account, or the one the emailed link was sent to.
    email = models.CharField(_("who (email)"), max_length=254, blank=True)
    via = models.CharField(_("how"), max_length=10, choices=AnsweredVia.choices)

    class Meta:
        ordering = ["-answered", "-pk"]
        verbose_name = _("capacity answer")
        verbose_name_plural = _("capacity answers")
        indexes = [models.Index(fields=["service", "answered"], name="capacity_answer_service_idx")]

    def __str__(self) -> str:
        return f"{self.service} - {self.get_answer_display()} ({self.answered:%Y-%m-%d})"


class CapacityCheck(models.Model):
    """One "are you taking new people?" email about one service. The unique constraint is
    what makes the daily command safe to run any number of times: one check per service
    and due date."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="capacity_checks", verbose_name=_("service")
    )
    due_date = models.DateField(_("check was due"))
    sent = models.DateTimeField(_("sent"), auto_now_add=True)
    run_date = models.DateField(_("run date"))
    recipients = models.JSONField(_("sent to"), default=list)

    class Meta:
        ordering = ["-sent"]
        verbose_name = _("capacity check")
        verbose_name_plural = _("capacity checks")
        constraints = [
            models.UniqueConstraint(fields=["service", "due_date"], name="capacity_check_once_per_due_date"),
        ]

    def __str__(self) -> str:
        return f"{self.service} - {self.due_date}"
