"""Our own error pages, and a 503 page while the database cannot be reached: each keeps the
header, crisis help, the way out, a search box and a way home, and none reads the database."""

from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import connection

from signposting.crisis import CACHE_KEY
from tests.factories import make_member, make_organisation, make_service
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

CRISIS_PANEL = "data-crisis-panel"
EXIT = "data-exit-link"


def assert_helpful_error_page(response, status: int) -> None:
    content = response.content.decode()
    assert response.status_code == status
    assert CRISIS_PANEL in content and EXIT in content
    assert 'href="tel:116123"' in content
    assert 'role="search"' in content and 'action="/search/"' in content
    assert 'href="/"' in content


def test_an_unknown_page_is_a_helpful_404(client, db):
    assert_helpful_error_page(client.get("/no-such-page/"), 404)


def test_a_withdrawn_services_old_link_is_a_helpful_404(client, db):
    service = make_service("Old group", status="archived")
    response = client.get(f"/services/{service.slug}/")
    assert_helpful_error_page(response, 404)
    assert "the service may have closed or moved" in response.content.decode()


def test_the_404_page_reads_nothing_from_the_database(client, db, django_assert_num_queries):
    cache.delete(CACHE_KEY)  # even with no lines cached: the built-in national ones are shown
    with django_assert_num_queries(0):
        response = client.get("/no-such-page/")
    assert 'href="tel:116123"' in response.content.decode()


def test_the_404_page_shows_no_sample_data_banner_or_shortlist_count(client, db):
    make_service(organisation=make_organisation(is_example=True))
    content = client.get("/no-such-page/").content.decode()
    assert "These listings are examples" not in content


def test_a_bad_host_is_a_helpful_400(client, db):
    assert_helpful_error_page(client.get("/", HTTP_HOST="evil.example"), 400)


def test_a_forbidden_page_is_a_helpful_403(client, db):
    organisation = make_organisation(slug="sunrise")
    client.force_login(make_member(organisation, email="editor@sunrise.example", role="editor").user)
    response = client.post("/manage/organisations/sunrise/team/", {"email": "x@sunrise.example", "role": "owner"})
    assert_helpful_error_page(response, 403)


def test_a_crash_is_a_helpful_500(db, settings):
    from django.test import Client

    settings.ROOT_URLCONF = "tests.urls_crash"
    response = Client(raise_request_exception=False).get("/crash/")
    assert_helpful_error_page(response, 500)
    assert "Sorry, something went wrong" in response.content.decode()


# --- The database down ------------------------------------------------------------------


@contextmanager
def unreachable_database():
    """Point the default connection at a database that is not there, then put it back.
    The live connection is kept aside, not closed: closing an in-memory SQLite database
    would destroy it."""
    saved_settings, saved_connection = dict(connection.settings_dict), connection.connection
    connection.connection = None
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-directory/db.sqlite3"
    else:
        connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": "1"})
    try:
        yield
    finally:
        connection.settings_dict.clear()
        connection.settings_dict.update(saved_settings)
        connection.connection = saved_connection
        connection.errors_occurred = False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/", "/search/?q=counselling", "/services/some-service/", "/crisis/"])
def test_public_pages_answer_503_with_crisis_help_while_the_database_is_down(client, path):
    cache.delete(CACHE_KEY)  # nothing cached either: the built-in lines must be shown
    with unreachable_database():
        response = client.get(path)
    assert_helpful_error_page(response, 503)
    assert response["Retry-After"] == "120"
    assert "the directory is not working just now" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_site_recovers_without_a_restart_when_the_database_is_back(client):
    make_service("Talking group", slug="talking-group")
    with unreachable_database():
        assert client.get("/services/talking-group/").status_code == 503
    response = client.get("/services/talking-group/")
    assert response.status_code == 200
    assert "Talking group" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_an_outage_in_json(client):
    with unreachable_database():
        response = client.get("/api/services")
    assert response.status_code == 503
    assert "not available" in response.content.decode()
    assert response["Retry-After"] == "120"


def test_a_form_sent_without_its_token_is_a_helpful_403(db):
    from django.test import Client

    # Public forms check where a post comes from instead (directory/same_origin.py); the
    # staff pages keep Django's CSRF token, starting with the login form.
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "a@b.org", "password": "x"})
    assert_helpful_error_page(response, 403)
