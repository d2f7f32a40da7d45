"""What we keep about people: the daily purge (expired sessions and old login records go,
recent ones stay) and the access log the README tells servers to write."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

README = Path(__file__).resolve().parent.parent / "README.md"

pytestmark = pytest.mark.django_db


def login_records(days_ago: int, username: str) -> None:
    when = timezone.now() - timedelta(days=days_ago)
    common = {"username": username, "ip_address": "192.0.2.1", "user_agent": "test", "path_info": "/accounts/login/"}
    for model, extra in (
        (AccessLog, {}),
        (AccessFailureLog, {"locked_out": False}),
        (AccessAttempt, {"get_data": "", "post_data": "", "failures_since_start": 1}),
    ):
        record = model.objects.create(**common, **extra)
        model.objects.filter(pk=record.pk).update(attempt_time=when)


def purge() -> str:
    out = io.StringIO()
    call_command("purge_old_records", stdout=out)
    return out.getvalue()


def test_login_records_older_than_the_kept_days_are_deleted():
    login_records(31, "old@example.org")
    login_records(29, "recent@example.org")
    output = purge()
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        assert list(model.objects.values_list("username", flat=True)) == ["recent@example.org"], model
    assert "1 login log(s), 1 failure log(s), 1 lockout attempt record(s)" in output


def test_the_kept_days_are_a_setting(settings):
    settings.LOGIN_RECORDS_KEPT_DAYS = 7
    login_records(8, "old@example.org")
    login_records(6, "recent@example.org")
    purge()
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["recent@example.org"]


def test_a_lockout_still_cooling_off_is_never_purged(settings):
    settings.LOGIN_RECORDS_KEPT_DAYS = 1
    settings.AXES_COOLOFF_TIME = timedelta(days=3)
    login_records(2, "locked@example.org")
    purge()
    assert AccessAttempt.objects.filter(username="locked@example.org").exists()


def test_expired_sessions_are_cleared():
    for age in (timedelta(days=-1), timedelta(days=1)):
        session = SessionStore()
        session.set_expiry(timezone.now() + age)
        session["shortlist"] = ["a-service"]
        session.create()
    purge()
    assert Session.objects.count() == 1
    assert Session.objects.get().expire_date > timezone.now()


def test_the_documented_access_log_leaves_out_query_strings_and_referrers():
    formats = re.findall(r"--access-logformat '([^']*)'", README.read_text(encoding="utf-8"))
    assert formats
    for format in formats:
        assert "%(U)s" in format  # the path alone
        for atom in ("%(r)s", "%(q)s", "%({query_string}e)s", "%(f)s"):
            assert atom not in format
