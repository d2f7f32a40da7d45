"""Forms for logging in, joining an organisation and claiming a listing; plus the
error-summary helper every form page in the project uses."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.validators import MaxLengthValidator
from django.forms.widgets import CheckboxSelectMultiple, RadioSelect
from django.utils.translation import gettext_lazy as _

from .emails import send_templated
from .models import Claim, Membership, Role, User


def first_id(bound_field) -> str:
    """The id an error-summary link should move focus to."""
    widget = bound_field.field.widget
    if isinstance(widget, CheckboxSelectMultiple | RadioSelect):
        return f"{bound_field.auto_id}_0"
    return bound_field.auto_id


def error_summary(*forms_or_formsets) -> list[tuple[str, str]]:
    """(element id, message) for every error on the page, in page order, for the GOV.UK-style summary box."""
    items: list[tuple[str, str]] = []

    def add_form(form) -> None:
        if not form.is_bound or not form.errors:
            return
        fields = [form[name] for name in form.fields if not form.fields[name].widget.is_hidden]
        top = first_id(fields[0]) if fields else "main"
        for message in form.non_field_errors():
            items.append((top, message))
        for bound in fields:
            for message in bound.errors:
                items.append((first_id(bound), message))

    for item in forms_or_formsets:
        if item is None:
            continue
        if hasattr(item, "forms"):  # a formset
            for form in item.forms:
                add_form(form)
            if item.is_bound:
                top = first_id(next(iter(item.forms[0]))) if item.forms else "main"
                items.extend((top, message) for message in item.non_form_errors())
        else:
            add_form(item)
    return items


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True, "spellcheck": "false"}),
    )
    error_messages = {
        "invalid_login": _(
            "The email address or password is not right. Check them and try again, "
            "or reset your password if you have forgotten it."
        ),
        "inactive": _("This account has been switched off. Ask the moderators if you need it back."),
    }


class ResetForm(PasswordResetForm):
    """Django's reset form, sending through our one email function (plain-text subject
    included) with the templates email/password_reset_subject.txt, .txt and .html."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        send_templated("password_reset", context, [to_email])


class JoinForm(SetPasswordForm):
    """A new person's name and password, for an invitation to an email with no account yet."""

    full_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        help_text=_("So your colleagues and the moderators know who made a change. Optional."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["full_name", "new_password1", "new_password2"]

    def __init__(self, email: str, *args, **kwargs):
        # The password validators compare the password with the email address, so give them a user.
        super().__init__(User(email=email), *args, **kwargs)
        self.fields["new_password1"].label = _("Choose a password")
        self.fields["new_password1"].help_text = _(
            "At least 8 characters. A few unrelated words together make a strong password that is easy to remember."
        )
        self.fields["new_password2"].label = _("Type the password again")
        self.fields["new_password2"].help_text = ""

    def save(self, commit: bool = True):
        raise NotImplementedError("accounts.services.accept_invitation creates the account.")


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Their email address"),
        max_length=254,
        help_text=_("We will email them a link to join. The link works once, for 14 days."),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label=_("What can they do?"),
        choices=Role.choices,
        initial=Role.EDITOR,
        widget=forms.RadioSelect,
    )

    def __init__(self, organisation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if Membership.objects.filter(organisation=self.organisation, user__email__iexact=email).exists():
            raise forms.ValidationError(_("This person is already in your team."))
        return email


class ClaimForm(forms.ModelForm):
    class Meta:
        model = Claim
        fields = ["name", "email", "role_at_organisation", "message"]
        labels = {
            "name": _("Your name"),
            "email": _("Your email address"),
            "role_at_organisation": _("Your role at the organisation"),
            "message": _("Anything that helps us check"),
        }
        help_texts = {
            "email": _("An address at the organisation helps us check quickly."),
            "role_at_organisation": _("For example: coordinator, trustee, volunteer."),
            "message": _("For example, a phone number we can call you on at the organisation. Optional."),
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
            "message": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A text field has no length limit in the database; this one is read by a person.
        self.fields["message"].validators.append(MaxLengthValidator(2000))

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent to the person in the email, so write it to them."),
    )
