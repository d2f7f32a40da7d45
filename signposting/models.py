from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from partners.hours import ALWAYS, HoursError, is_open, parse_hours
from partners.models import Translation

from . import wording


class CrisisLineQuerySet(models.QuerySet):
    def active(self) -> "CrisisLineQuerySet":
        return self.filter(active=True)


class CrisisLine(models.Model):
    """A phone or text line for someone in crisis, shown on every public page (the region's
    moderators keep the list: the national lines come seeded, a region adds its own)."""

    class Kind(models.TextChoices):
        CALL = "call", _("Phone call")
        TEXT = "text", _("Text message")

    name = models.CharField(
        _("name"), max_length=60, help_text=_("Who answers, as short as it can be: it is shown on every page.")
    )
    number = models.CharField(_("number"), max_length=30, help_text=_("As people dial it; spaces are fine: 116 123."))
    kind = models.CharField(_("call or text"), max_length=4, choices=Kind.choices, default=Kind.CALL)
    text_body = models.CharField(
        _("text to send"), max_length=40, blank=True, help_text=_("For a text line, the word to send: SHOUT.")
    )
    dial_note = models.CharField(
        _("after dialling"), max_length=60, blank=True, help_text=_("Anything to do after dialling: “option 2”.")
    )
    description = models.CharField(
        _("description"), max_length=300, blank=True, help_text=_("Who it is for and what happens when you call.")
    )
    hours = models.CharField(
        _("hours"),
        max_length=200,
        blank=True,
        default=ALWAYS,
        help_text=_("24/7, or days and times in local time: Mon-Fri 09:00-17:00; Sat 10:00-14:00. Blank if unknown."),
    )
    languages = models.CharField(
        _("languages"),
        max_length=200,
        blank=True,
        help_text=_("The languages it is answered in, in words: English; interpreters for other languages."),
    )
    show_in_panel = models.BooleanField(
        _("on every page"),
        default=True,
        help_text=_(
            "Shown in the short crisis box at the top of every page, in order. A phone has room for "
            "the first three, if their names are short; the crisis page shows every line."
        ),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100, help_text=_("Lower numbers come first."))
    active = models.BooleanField(_("active"), default=True)

    objects = CrisisLineQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name", "pk"]
        verbose_name = _("crisis line")
        verbose_name_plural = _("crisis lines")

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    def get_absolute_url(self) -> str:
        return reverse("signposting:crisis")

    def clean(self) -> None:
        errors = {}
        if not any(ch.isdigit() for ch in self.number) or any(ch not in "0123456789 +" for ch in self.number):
            errors["number"] = _("Use only digits and spaces (and + for an international number).")
        if self.hours.strip():
            try:
                parse_hours(self.hours)
            except HoursError as error:
                errors["hours"] = error.with_position()
        if errors:
            raise ValidationError(errors)

    @property
    def href(self) -> str:
        """A tap-to-call or tap-to-text link. `?&body=` is read by both Android and iOS."""
        digits = "".join(ch for ch in self.number if ch.isdigit() or ch == "+")
        if self.kind == self.Kind.TEXT:
            return f"sms:{digits}" + (f"?&body={quote(self.text_body)}" if self.text_body else "")
        return f"tel:{digits}"

    @property
    def action(self) -> str:
        """What to do, as words: "text SHOUT to 85258" (calls show the number alone)."""
        if self.kind == self.Kind.TEXT:
            return wording.text_action(self.number, self.text_body)
        return self.number

    @property
    def link_label(self) -> str:
        """The link's accessible name: "Samaritans: call 116 123"; it contains the visible text."""
        if self.kind == self.Kind.TEXT:
            label = wording.link_label(self.name, self.action)
        else:
            label = wording.call_label(self.name, self.number)
        return f"{label}, {self.dial_note}" if self.dial_note else label

    @property
    def open_now(self) -> bool | None:
        """Open at this moment; None when the hours are not given in a form we can read."""
        return is_open(self.hours)

    @property
    def always_open(self) -> bool:
        return self.hours.strip().lower() == ALWAYS


class CrisisLineTranslation(Translation):
    """A region's own crisis line in one of the interface languages, typed by a moderator.
    The national lines need none: the directory wrote their words, and the catalogues
    translate them. A field left empty shows the line's own (English) words."""

    FIELDS = ("name", "dial_note", "description", "languages")

    crisis_line = models.ForeignKey(CrisisLine, on_delete=models.CASCADE, related_name="translations")
    name = models.CharField(_("name"), max_length=60, blank=True)
    dial_note = models.CharField(_("after dialling"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    languages = models.CharField(_("languages"), max_length=200, blank=True)

    class Meta:
        ordering = ["language"]
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(
                fields=["crisis_line", "language"], name="crisis_line_translation_one_per_language"
            ),
        ]
