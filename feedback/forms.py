"""The "Report a problem" form: validates and tidies, nothing more."""

from django import forms
from django.contrib.auth.base_user import BaseUserManager
from django.utils.translation import gettext_lazy as _

from .models import ProblemKind, ProblemReport

MAX_DETAILS_LENGTH = 2000


class ProblemReportForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label=_("What is wrong?"),
        choices=ProblemKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what is wrong with the listing."),
            "invalid_choice": _("Choose what is wrong with the listing."),
        },
    )
    details = forms.CharField(
        label=_("Tell us more"),
        required=False,
        max_length=MAX_DETAILS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Needed for “other details” and “something else”. For example, the right phone number or the new "
            "address. "
            "Please do not include personal or health information."
        ),
        error_messages={"max_length": _("Use %(limit_value)d characters or fewer (you used %(show_value)d).")},
    )
    reply_email = forms.EmailField(
        label=_("Your email address, if you would like a reply (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text=_("We use it only to reply about this report, and delete it when the report is dealt with."),
        error_messages={
            "invalid": _("Enter an email address like name@example.org, or leave it empty."),
            "max_length": _("Enter an email address like name@example.org, or leave it empty."),
        },
    )
    # A trap for robots: hidden from people by CSS, labelled for screen readers to leave it
    # empty, skipped by the keyboard and by autofill. Anything in it marks the report as spam.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = ProblemReport
        fields = ["kind", "details", "reply_email"]

    @property
    def is_spam(self) -> bool:
        """The trap field was filled in (call after is_valid)."""
        return bool(self.cleaned_data.get("website"))

    def clean_reply_email(self) -> str:
        # The part after the @ is not case-sensitive: keep it in lower case.
        return BaseUserManager.normalize_email(self.cleaned_data.get("reply_email", ""))

    def clean_details(self) -> str:
        # Keep line breaks and tabs; drop other control characters.
        text = self.cleaned_data.get("details", "")
        return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") in (ProblemKind.OTHER, ProblemKind.WRONG_DETAILS) and not cleaned.get("details"):
            self.add_error("details", _("Tell us what is wrong, so the organisation can put it right."))
        return cleaned
