import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.checks import email_is_sent
from directory.settings import (
    CONSOLE_EMAIL_BACKEND,
    DEV_SECRET_KEY,
    check_email_settings,
    check_production_settings,
    env_bool,
    env_int,
    env_list,
)

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 50
SMTP = "django.core.mail.backends.smtp.EmailBackend"
PRODUCTION = {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "directory.example.org", "EMAIL_BACKEND": SMTP}


def test_debug_mode_accepts_the_development_key():
    check_production_settings(True, DEV_SECRET_KEY, [])


def test_production_refuses_a_missing_secret_key():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set"):
        check_production_settings(False, "", ["directory.example.org"])


def test_production_refuses_the_development_key():
    with pytest.raises(ImproperlyConfigured, match="development key"):
        check_production_settings(False, DEV_SECRET_KEY, ["directory.example.org"])


def test_production_refuses_a_short_key():
    with pytest.raises(ImproperlyConfigured, match="shorter than 32"):
        check_production_settings(False, "short", ["directory.example.org"])


def test_production_refuses_no_allowed_hosts():
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        check_production_settings(False, GOOD_KEY, [])


def test_production_accepts_a_safe_configuration():
    check_production_settings(False, GOOD_KEY, ["directory.example.org"])


def test_production_refuses_to_print_emails_to_the_log():
    with pytest.raises(ImproperlyConfigured, match="ALLOW_CONSOLE_EMAIL=1"):
        check_email_settings(False, CONSOLE_EMAIL_BACKEND, allow_console=False)


def test_production_prints_emails_only_when_explicitly_allowed():
    check_email_settings(False, CONSOLE_EMAIL_BACKEND, allow_console=True)
    check_email_settings(False, SMTP, allow_console=False)


def test_development_may_print_emails():
    check_email_settings(True, CONSOLE_EMAIL_BACKEND, allow_console=False)


def test_the_deploy_check_warns_about_console_email(settings):
    settings.EMAIL_BACKEND = CONSOLE_EMAIL_BACKEND
    assert [warning.id for warning in email_is_sent(None)] == ["accounts.W004"]
    settings.EMAIL_BACKEND = SMTP
    assert email_is_sent(None) == []


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("true", True), ("off", False), ("0", False), ("", True)])
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", True) is expected


def test_env_bool_fails_loudly_on_nonsense(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be true or false"):
        env_bool("SOME_FLAG", False)


def test_env_int_fails_loudly_on_nonsense(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER must be a whole number"):
        env_int("SOME_NUMBER", 1)


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("SOME_LIST", " a.example.org, b.example.org ,")
    assert env_list("SOME_LIST", []) == ["a.example.org", "b.example.org"]


def _start(env: dict[str, str], *options: str) -> subprocess.CompletedProcess:
    unset = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_BACKEND", "ALLOW_CONSOLE_EMAIL"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update(env, DIRECTORY_IGNORE_DOTENV="1")
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", *options],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_site_refuses_to_start_without_debug_and_secret_key():
    result = _start({})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_site_starts_with_a_production_configuration():
    result = _start(PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_site_refuses_to_start_in_production_on_console_email():
    result = _start({**PRODUCTION, "EMAIL_BACKEND": ""})
    assert result.returncode != 0
    assert "EMAIL_BACKEND is the console" in result.stderr


def test_check_deploy_names_console_email_when_it_is_allowed():
    result = _start({**PRODUCTION, "EMAIL_BACKEND": "", "ALLOW_CONSOLE_EMAIL": "1"}, "--deploy")
    assert "accounts.W004" in result.stderr + result.stdout


def test_bad_map_zoom_is_refused():
    result = _start({"DEBUG": "1", "MAP_ZOOM": "42"})
    assert result.returncode != 0
    assert "MAP_ZOOM must be between 0 and 19" in result.stderr
