"""Crisis help and "Leave this site" on every public page, and the pages about the site:
who runs it, privacy, accessibility, robots.txt and the favicon."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import make_organisation, make_service

CRISIS_PANEL = "data-crisis-panel"
EXIT = "data-exit-link"
TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.fixture
def listing(db):
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise")
    return make_service("Talking circle", slug="talking-circle", organisation=organisation)


PUBLIC_PATHS = [
    "/",
    "/search/",
    "/search/?q=suicide",
    "/search/?page=abc",
    "/services/talking-circle/",
    "/services/talking-circle/report/",
    "/services/talking-circle/report/sent/",
    "/organisations/sunrise/",
    "/about/data/",
    "/shortlist/",
    "/shortlist/?service=talking-circle",
    "/shortlist/print/",
    "/for-professionals/",
    "/crisis/",
    "/about/",
    "/privacy/",
    "/accessibility/",
    "/accounts/login/",
    "/accounts/password-reset/",
    "/accounts/claim/sunrise/",
    "/no-such-page/",
]


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_every_public_page_has_crisis_help_and_the_way_out(client, listing, path):
    content = client.get(path).content.decode()
    assert CRISIS_PANEL in content
    assert f'href="{settings.EXIT_URL}"' in content and EXIT in content


def test_the_way_out_comes_straight_after_the_skip_link(client, listing):
    content = client.get("/").content.decode()
    links = re.findall(r"<a [^>]*>", content)
    assert "skip-link" in links[0]
    assert EXIT in links[1]


def test_every_page_template_extends_the_base_that_carries_them():
    base = (TEMPLATES / "base.html").read_text()
    assert '{% include "_exit.html" %}' in base and '{% include "_crisis_panel.html" %}' in base
    pages = [
        path
        for path in TEMPLATES.rglob("*.html")
        if not path.name.startswith("_") and path.parent.name != "email" and path.name != "base.html"
    ]
    admin_pages = {"admin_exports.html", "admin_need_report.html", "admin_capacity_report.html"}
    for path in pages:
        if path.name in admin_pages:
            continue
        text = path.read_text()
        assert re.search(r'{% extends "(base|_error_page)\.html" %}', text), f"{path} does not extend base.html"
        assert "{% block body" not in text


def test_the_exit_link_goes_to_the_configured_page(client, db, settings):
    settings.EXIT_URL = "https://www.example.org/news"
    assert 'href="https://www.example.org/news"' in client.get("/").content.decode()


def test_the_about_page_names_who_runs_it_and_a_contact(client, db, settings):
    settings.OPERATOR_NAME = "Example Partnership"
    settings.CONTACT_EMAIL = "hello@example.org"
    content = client.get("/about/").content.decode()
    assert "Example Partnership runs this directory" in content
    assert 'href="mailto:hello@example.org"' in content


def test_the_privacy_notice_lists_every_cookie_and_what_is_kept(client, db, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    content = client.get("/privacy/").content.decode()
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        assert f"<code>{name}</code>" in content
    assert "14 days" in content  # the session's lifetime
    assert "kept for 30 days" in content  # login records
    assert "tiles.example.org" in content
    assert "Leave this site" in content and "Shift key 3 times" in content


def test_the_privacy_notice_follows_the_login_records_setting(client, db, settings):
    settings.LOGIN_RECORDS_KEPT_DAYS = 90
    assert "kept for 90 days" in client.get("/privacy/").content.decode()


def test_the_accessibility_statement_has_the_parts_the_model_statement_asks_for(client, db):
    content = client.get("/accessibility/").content.decode()
    for heading in ("How accessible this website is", "Known issues", "Reporting accessibility problems"):
        assert heading in content
    assert "Enforcement procedure" in content and "Equality Advisory and Support Service" in content


def test_the_footer_links_the_pages_about_the_site(client, db):
    content = client.get("/").content.decode()
    for path in ("/about/", "/privacy/", "/accessibility/", "/crisis/"):
        assert f'href="{path}"' in content


def test_robots_may_read_public_pages_but_not_staff_pages_or_shortlists(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for path in ("/manage/", "/admin/", "/accounts/", "/shortlist/"):
        assert f"Disallow: {path}\n" in text
    assert "Disallow: /\n" not in text


def test_the_favicon_is_found_where_browsers_look(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg")


def test_every_page_links_its_svg_icon(client, db):
    assert 'rel="icon"' in client.get("/").content.decode()
