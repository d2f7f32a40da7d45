import os
import subprocess
import sys
from pathlib import Path

import pytest

from directory.settings import tile_source
from tests.factories import make_service

PUBLIC_PAGES = ["/", "/search/?q=talk", "/about/data/", "/shortlist/", "/for-professionals/", "/accounts/login/"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_forbid_inline_scripts_and_styles(client, db, path):
    policy = client.get(path)["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_service_page_allows_the_configured_map_tiles(client, db):
    service = make_service()
    policy = client.get(service.get_absolute_url())["Content-Security-Policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org" in policy


def test_public_pages_contain_no_inline_scripts_or_style_attributes(client, db):
    service = make_service(languages=["ur"], referrals=["gp"])
    for path in [*PUBLIC_PAGES, service.get_absolute_url(), service.organisation.get_absolute_url()]:
        html = client.get(path).content.decode()
        assert " style=" not in html, path
        assert " onclick=" not in html, path
        for chunk in html.split("<script")[1:]:
            opening = chunk.split(">", 1)[0]
            assert "src=" in opening or 'type="application/json"' in opening, (path, opening)


def test_admin_is_left_out_of_the_policy(client, db):
    assert "Content-Security-Policy" not in client.get("/admin/login/")


def test_api_answers_carry_the_policy_too(client, db):
    assert "default-src 'self'" in client.get("/api/services")["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("template", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://localhost:8080/tiles/{z}/{x}/{y}.png", "http://localhost:8080"),
    ],
)
def test_tile_source_is_the_tile_servers_origin(template, source):
    assert tile_source(template) == source


def test_tile_source_refuses_a_non_web_address():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="MAP_TILE_URL"):
        tile_source("javascript:alert(1)")


# --- Permissions-Policy, HSTS, database connections ------------------------------------------


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/api/services", "/admin/login/", "/no/such/page/"])
def test_every_answer_carries_a_permissions_policy(client, db, path):
    policy = client.get(path)["Permissions-Policy"]
    assert "geolocation=(self)" in policy  # the search page's "use my location"
    for feature in ("camera", "microphone", "payment", "usb", "bluetooth", "display-capture"):
        assert f"{feature}=()" in policy


def test_hsts_leaves_out_subdomains_and_preload_by_default(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    assert client.get("/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_covers_subdomains_and_preload_when_asked(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    header = client.get("/", secure=True)["Strict-Transport-Security"]
    assert header == "max-age=31536000; includeSubDomains; preload"


def test_hsts_subdomains_and_preload_come_from_the_environment():
    env = {**os.environ, "DEBUG": "1", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1", "SECURE_HSTS_PRELOAD": "yes"}
    script = (
        "from django.conf import settings; print(settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", script],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["True", "True"]


def test_database_connections_are_checked_before_reuse(settings):
    # After a database restart the first request on a kept connection would otherwise fail.
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
