from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _

from partners.models import Organisation

from . import services
from .forms import ClaimForm, JoinForm, LoginForm, ResetForm, error_summary
from .models import User

# Django's own views, with our templates and our URL names (they live in the accounts namespace).
login_view = auth_views.LoginView.as_view(
    template_name="registration/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
)
logout_view = auth_views.LogoutView.as_view()
password_reset = auth_views.PasswordResetView.as_view(
    template_name="registration/password_reset_form.html",
    form_class=ResetForm,  # its email: templates/email/password_reset*
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html"
)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding a usable invitation link: join the organisation (setting a password if new)."""
    found = services.find_invitation(token)
    if found is None or not found.is_usable():
        status = 404 if found is None else 410
        return render(request, "accounts/invitation_invalid.html", {"invitation": found}, status=status)
    existing = User.objects.filter(email__iexact=found.email).first()
    if existing is not None:
        return _accept_as_existing_user(request, found, existing)
    form = JoinForm(found.email, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                found, password=form.cleaned_data["new_password1"], full_name=form.cleaned_data["full_name"]
            )
        except services.InvitationUnusable:
            return render(request, "accounts/invitation_invalid.html", {"invitation": found}, status=410)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Welcome. You can now keep %(name)s's listing up to date.") % {"name": found.organisation}
        )
        return redirect("editing:dashboard")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": found, "form": form, "errors": error_summary(form)},
    )


def _accept_as_existing_user(request: HttpRequest, found, existing: User) -> HttpResponse:
    # Someone with an account proves it is theirs by logging in, then accepts with one button.
    if request.user != existing:
        return render(request, "accounts/invitation_existing.html", {"invitation": found, "account": existing})
    if request.method == "POST":
        try:
            services.accept_invitation(found, user=existing)
        except services.InvitationUnusable:
            return render(request, "accounts/invitation_invalid.html", {"invitation": found}, status=410)
        messages.success(request, _("You have joined %(name)s.") % {"name": found.organisation})
        return redirect("editing:dashboard")
    return render(request, "accounts/invitation_existing.html", {"invitation": found, "account": existing})


def claim(request: HttpRequest, slug: str) -> HttpResponse:
    """Anyone: ask the moderators to let them look after a published organisation's listing."""
    organisation = get_object_or_404(Organisation.objects.published(), slug=slug)
    user = request.user if request.user.is_authenticated else None
    initial = {"name": user.full_name, "email": user.email} if user else {}
    form = ClaimForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.submit_claim(organisation, user=user, **form.cleaned_data)
        return redirect(reverse("accounts:claim_sent", kwargs={"slug": organisation.slug}))
    return render(
        request,
        "accounts/claim_form.html",
        {"organisation": organisation, "form": form, "errors": error_summary(form)},
    )


def claim_sent(request: HttpRequest, slug: str) -> HttpResponse:
    """Anyone: the thank-you page after asking to claim a listing."""
    organisation = get_object_or_404(Organisation.objects.published(), slug=slug)
    return render(request, "accounts/claim_sent.html", {"organisation": organisation})
