"""How long we keep records about people who log in, and the daily purge.

Expired sessions go the way Django's `clearsessions` sends them. django-axes's
records of logins (successful, failed, and the attempts that count towards a
lockout) are kept for LOGIN_RECORDS_KEPT_DAYS: long enough to look into a
break-in attempt, no longer."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command


@dataclass
class Purged:
    login_logs: int
    failure_logs: int
    attempts: int


def purge_login_records(now: datetime) -> Purged:
    """Delete django-axes records older than LOGIN_RECORDS_KEPT_DAYS (never a live lockout)."""
    days = settings.LOGIN_RECORDS_KEPT_DAYS
    # An attempt counts towards a lockout for the cool-off time: never purge one sooner.
    kept = max(timedelta(days=days), settings.AXES_COOLOFF_TIME)
    attempts, _ = AccessAttempt.objects.filter(attempt_time__lt=now - kept).delete()
    return Purged(
        login_logs=AxesProxyHandler.reset_logs(age_days=days),
        failure_logs=AxesProxyHandler.reset_failure_logs(age_days=days),
        attempts=attempts,
    )


def purge_expired_sessions() -> None:
    call_command("clearsessions")
