"""Logins and lockouts go to the audit log."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .audit import log_action
from .models import Action, User


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def record_login(sender, request, user, **kwargs) -> None:
    log_action(Action.LOGIN, user, {}, target=user)


@receiver(user_locked_out, dispatch_uid="accounts.audit_lockout")
def record_lockout(sender, request, username, **kwargs) -> None:
    # No IP address: the audit log is read by moderators and needs only the account.
    account = User.objects.filter(email__iexact=username or "").first()
    log_action(Action.LOCKED_OUT, None, {"email": username or ""}, target=account)
