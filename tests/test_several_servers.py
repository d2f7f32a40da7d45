"""Two app servers, one PostgreSQL and one Redis: a login lockout and a rate limit hold
exactly across them, as they must behind a load balancer.

Needs PostgreSQL and Redis on 127.0.0.1:6379 (it uses Redis database 1 and empties only
that). Skipped without them on a laptop; in CI (CI=true) a missing Redis is a failure."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import make_service, make_user

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/1"
PASSWORD = "correct horse battery staple"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two servers share one PostgreSQL database"),
]


def redis_db():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run these tests: Redis is not answering on 127.0.0.1:6379.")
        pytest.skip("Redis is not running on 127.0.0.1:6379.")
    return client


class Browser:
    """One visitor talking to any of the servers, keeping cookies like a browser."""

    def __init__(self) -> None:
        cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies), NoRedirects)

    def get(self, url: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(url))  # noqa: S310 (our own loopback servers)

    def submit(self, url: str, data: dict[str, str]) -> int:
        """Open the form page, then post it as a browser would: with the page's CSRF token
        where it has one (staff forms), and always saying which site the post comes from
        (public forms check that instead of a token)."""
        _status, page = self.get(url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        fields = {"csrfmiddlewaretoken": token.group(1), **data} if token else data
        parts = urllib.parse.urlsplit(url)
        headers = {"Referer": url, "Origin": f"{parts.scheme}://{parts.netloc}"}
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 (loopback)
        status, _page = self._open(request)
        return status

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, log: Path) -> subprocess.Popen:
    settings = connection.settings_dict
    database = (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )
    env = {
        **os.environ,
        "DIRECTORY_IGNORE_DOTENV": "1",
        "DEBUG": "1",
        "DATABASE_URL": database,
        "REDIS_URL": REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "AXES_FAILURE_LIMIT": "5",
        "PROBLEM_REPORTS_PER_HOUR": "3",
    }
    command = [sys.executable, "-m", "gunicorn", "directory.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)  # noqa: S603


@pytest.fixture
def servers(transactional_db, tmp_path) -> Iterator[tuple[str, str]]:
    redis = redis_db()
    redis.flushdb()
    ports = [free_port(), free_port()]
    processes = [start_server(port, tmp_path / f"server-{port}.log") for port in ports]
    urls = tuple(f"http://127.0.0.1:{port}" for port in ports)
    try:
        for url, process in zip(urls, processes, strict=True):
            for _ in range(150):
                if process.poll() is not None:
                    pytest.fail(f"A server stopped: {(tmp_path / f'server-{url[-5:]}.log').read_text()}")
                try:
                    status, body = Browser().get(f"{url}/healthz")
                except OSError:
                    status, body = 0, ""
                if status == 200:
                    assert '"cache": "ok"' in body  # each server reaches the shared Redis
                    break
                time.sleep(0.2)
            else:
                pytest.fail(f"{url} did not start")
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        redis.flushdb()


def test_a_login_lockout_holds_across_two_servers(servers):
    first, second = servers
    make_user(email="owner@sunrise.example", password=PASSWORD)
    stranger = Browser()

    def log_in(server: str, password: str = "wrong") -> int:
        return stranger.submit(f"{server}/accounts/login/", {"username": "owner@sunrise.example", "password": password})

    assert [log_in(first) for _ in range(3)] == [200, 200, 200]
    assert log_in(second) == 200  # four wrong passwords: not yet locked out
    assert log_in(second) == 429  # the fifth, wherever it lands, locks the login
    assert log_in(first, PASSWORD) == 429
    assert log_in(second, PASSWORD) == 429


def test_a_rate_limit_holds_across_two_servers(servers):
    first, second = servers
    make_service("Talking circle", slug="circle")
    visitor = Browser()
    report = {"kind": "closed", "details": "", "reply_email": "", "website": ""}

    def send(server: str) -> int:
        return visitor.submit(f"{server}/services/circle/report/", report)

    assert [send(first), send(second), send(first)] == [302, 302, 302]  # three an hour allowed
    assert send(second) == 429
    assert send(first) == 429
