"""/healthz for load balancers, and the deployment checks for running several servers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError

from accounts import checks

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 50
NOBODY_LISTENING = "redis://127.0.0.1:9/1"  # the discard port: connection refused at once


class DeadConnection:
    def cursor(self):
        raise OperationalError("could not connect to server")


def test_healthz_answers_ok_when_the_database_answers(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_never_cached_and_sets_no_cookie(client):
    response = client.get("/healthz")
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    monkeypatch.setattr("directory.health.connection", DeadConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}


def test_healthz_is_503_when_the_shared_cache_does_not_answer(client, settings):
    settings.REDIS_URL = NOBODY_LISTENING
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": NOBODY_LISTENING}
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "unavailable"}


def test_healthz_refuses_anything_but_reading(client):
    assert client.post("/healthz").status_code == 405


def test_production_without_a_shared_cache_is_warned_about(settings):
    settings.DEBUG = False
    settings.REDIS_URL = ""
    assert [warning.id for warning in checks.cache_is_shared(None)] == ["accounts.W002"]
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert checks.cache_is_shared(None) == []


def test_production_sending_email_inside_requests_is_warned_about(settings):
    settings.DEBUG = False
    settings.TASK_BACKEND = "immediate"
    assert [warning.id for warning in checks.email_is_sent_by_a_worker(None)] == ["accounts.W003"]
    settings.TASK_BACKEND = "database"
    assert checks.email_is_sent_by_a_worker(None) == []


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL", "CACHE_URL", "TASK_BACKEND"}}
    # Production refuses to start on console email, so these runs name a real backend.
    clean["EMAIL_BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"
    clean.update(env, DIRECTORY_IGNORE_DOTENV="1", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="directory.example.org")
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, check=False
    )


def test_check_deploy_warns_when_production_has_no_shared_cache():
    result = _manage("check", "--deploy")
    assert "accounts.W002" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("REDIS_URL", "memcached://127.0.0.1:11211", "REDIS_URL must be a redis://"),
        ("TASK_BACKEND", "celery", "TASK_BACKEND must be 'database' or 'immediate'"),
        ("TRUSTED_PROXY_COUNT", "-1", "TRUSTED_PROXY_COUNT must be between 0 and 10"),
    ],
)
def test_bad_server_settings_are_refused(name, value, message):
    result = _manage("check", **{name: value})
    assert result.returncode != 0
    assert message in result.stderr
