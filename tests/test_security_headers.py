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
