"""What the public tells us: problems with a listing, and (counted, never logged one by
one) the searches that found no or few services, as evidence of unmet need."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- Report a problem with a listing ------------------------------------------------


class ProblemKind(models.TextChoices):
    WRONG_PHONE = "wrong-phone", _("The phone number or email address is wrong")
    CLOSED = "closed", _("The service has closed or stopped")
    MOVED = "moved", _("The service has moved")
    WRONG_DETAILS = "wrong-details", _("Other details are wrong (times, languages, who it is for, how to get in)")
    # About the site's own words, not the listing: it goes to the moderators, not the organisation.
    TRANSLATION = "translation", _("The translation into my language is wrong or hard to understand")
    OTHER = "other", _("Something else")


class ReportState(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class ProblemReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=ReportState.OPEN)


class ProblemReport(models.Model):
    """Someone says a public listing is wrong. Moderators work through the open ones in the
    admin; the organisation's owners are emailed. The only personal detail is an optional
    reply address, which is deleted when the report is resolved."""

    service = models.ForeignKey(
        "partners.Service", on_delete=models.CASCADE, related_name="problem_reports", verbose_name=_("service")
    )
    kind = models.CharField(_("what is wrong"), max_length=20, choices=ProblemKind.choices)
    details = models.TextField(_("details"), blank=True)
    reply_email = models.EmailField(
        _("email for a reply"), blank=True, help_text=_("Deleted when the report is marked resolved.")
    )
    created = models.DateTimeField(_("reported"), auto_now_add=True, db_index=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ReportState.choices, default=ReportState.OPEN, db_index=True
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    moderator_note = models.TextField(
        _("moderator's note"), blank=True, help_text=_("For moderators only: what was done.")
    )

    objects = ProblemReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("problem report")
        verbose_name_plural = _("problem reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(state=ReportState.OPEN, resolved_at__isnull=True)
                | Q(state=ReportState.RESOLVED, resolved_at__isnull=False),
                name="problem_report_resolved_when_resolved",
            ),
        ]

    def __str__(self) -> str:
        return _("%(kind)s: %(service)s") % {"kind": self.get_kind_display(), "service": self.service}

    def get_absolute_url(self) -> str:
        return self.service.get_absolute_url()

    @property
    def is_open(self) -> bool:
        return self.state == ReportState.OPEN

    def clean(self) -> None:
        if self.state == ReportState.RESOLVED and self.resolved_at is None:
            raise ValidationError(_("A resolved report needs the time it was resolved."))
        if self.state == ReportState.OPEN and self.resolved_at is not None:
            raise ValidationError(_("An open report cannot have a time it was resolved."))

    def resolve(self, user, note: str = "") -> None:
        """Mark it dealt with by `user`; forget the reporter's reply address."""
        self.state = ReportState.RESOLVED
        self.resolved_by = user
        self.resolved_at = timezone.now()
        self.reply_email = ""
        if note:
            self.moderator_note = note
        self.save(update_fields=["state", "resolved_by", "resolved_at", "reply_email", "moderator_note"])


# --- Unmet need ------------------------------------------------------------------------


class ResultBucket(models.TextChoices):
    NONE = "none", _("No service found")
    FEW = "few", _("One or two services found")


def week_of(day: date) -> date:
    """The Monday of the week `day` is in."""
    return day - timedelta(days=day.weekday())


class NeedStat(models.Model):
    """How many searches in one week, for one combination of filters, found no or few
    services. A count, never a log: no words typed, no address, no session, no time of day.

    A filter chosen with several values (Urdu or Punjabi) is kept as one combination, its
    values sorted and joined with commas ("pa,ur"), so each search is counted once."""

    week = models.DateField(_("week beginning"))
    language = models.CharField(_("languages"), max_length=500, blank=True)
    community = models.CharField(_("communities"), max_length=500, blank=True)
    support = models.CharField(_("types of support"), max_length=500, blank=True)
    district = models.CharField(
        _("postcode district"), max_length=4, blank=True, help_text=_("The first part of a postcode, such as BD3.")
    )
    narrowed = models.BooleanField(
        _("narrowed by other choices"),
        default=False,
        help_text=_("The search also used words, a map area, an age or other filters (such as how to get in)."),
    )
    bucket = models.CharField(_("result"), max_length=4, choices=ResultBucket.choices)
    count = models.PositiveIntegerField(_("searches"), default=0)

    class Meta:
        ordering = ["-week", "-count"]
        verbose_name = _("unmet need report")
        verbose_name_plural = _("unmet need report")
        constraints = [
            models.UniqueConstraint(
                fields=["week", "language", "community", "support", "district", "narrowed", "bucket"],
                name="need_stat_one_row_per_combination_and_week",
            ),
        ]

    def __str__(self) -> str:
        parts = [p for p in (self.language, self.community, self.support, self.district) if p]
        return f"{self.week:%Y-%m-%d} {' / '.join(parts) or '-'}: {self.count} ({self.get_bucket_display()})"

    def get_absolute_url(self) -> str:
        return reverse("admin:feedback_needstat_changelist")
