"""No tracking: a visitor who only searches and reads gets no cookie. The first cookie comes
with the shortlist (or a staff login), and the public forms refuse posts from other sites
without needing a CSRF cookie."""

import pytest
from django.conf import settings
from django.test import Client

from feedback.models import ProblemReport
from tests.factories import make_postcode, make_rich_service

pytestmark = pytest.mark.django_db

SHARE = "/shortlist/?service=mornings"
PUBLIC_PAGES = [
    "/",
    "/search/",
    "/search/?q=women&language=ur&referral=gp",
    "/search/?postcode=BD21+3DN&radius=5&sort=distance",
    "/search/?postcode=nowhere&radius=abc&page=x",
    "/search/geojson/",
    "/search/geojson/?postcode=BD21+3DN",
    "/services/mornings/",
    "/organisations/chinar/",
    "/shortlist/",
    SHARE,
    "/shortlist/print/",
    "/shortlist/print/?service=mornings",
    "/shortlist/qr.svg?service=mornings",
    "/for-professionals/",
    "/about/data/",
    "/services/mornings/report/",
    "/ur/search/?q=women",
    "/search/?q=suicide",
    "/crisis/",
    "/about/",
    "/privacy/",
    "/accessibility/",
    "/robots.txt",
    "/no-such-page/",
]


@pytest.fixture
def listed(db):
    make_postcode()
    service = make_rich_service(slug="mornings")
    service.organisation.slug = "chinar"
    service.organisation.save()
    return service


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_reading_a_public_page_sets_no_cookie(listed, path):
    response = Client(enforce_csrf_checks=True).get(path)
    assert response.status_code in (200, 400, 404), response.status_code
    assert not response.cookies, f"{path} set {list(response.cookies)}"


def test_the_first_cookie_comes_with_the_shortlist_and_lasts_two_weeks(listed):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/shortlist/add/", {"service": "mornings"}, HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 14 * 24 * 60 * 60
    assert cookie["httponly"]
    assert settings.CSRF_COOKIE_NAME not in response.cookies


POST_FORMS = ["/shortlist/add/", "/shortlist/remove/", "/shortlist/clear/", "/shortlist/save/"]
POST_FORMS += ["/services/mornings/report/"]


@pytest.mark.parametrize("path", POST_FORMS)
def test_a_post_another_site_sends_is_refused(listed, path):
    response = Client(enforce_csrf_checks=True).post(path, {"service": "mornings"}, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    assert not response.cookies


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://attacker.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://testserver"},
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "http://testserver"},
    ],
)
def test_any_sign_of_another_origin_refuses_the_post(listed, headers):
    response = Client(enforce_csrf_checks=True).post("/shortlist/add/", {"service": "mornings"}, **headers)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_ORIGIN": "http://testserver"},
        {},  # an old browser or a script: says nothing about where it comes from
    ],
)
def test_a_post_from_this_site_needs_no_csrf_cookie(listed, headers):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/shortlist/add/", {"service": "mornings"}, **headers)
    assert response.status_code == 302
    assert client.session["shortlist"] == ["mornings"]


def test_an_origin_in_csrf_trusted_origins_may_post(listed, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://directory.example.org"]
    client = Client(enforce_csrf_checks=True)
    response = client.post("/shortlist/add/", {"service": "mornings"}, HTTP_ORIGIN="https://directory.example.org")
    assert response.status_code == 302


def test_a_problem_report_from_this_site_is_sent_without_a_csrf_cookie(listed):
    client = Client(enforce_csrf_checks=True)
    data = {"kind": "wrong-phone", "details": "The number rings out."}
    response = client.post("/services/mornings/report/", data, HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 302
    assert ProblemReport.objects.filter(service=listed).count() == 1
    assert settings.CSRF_COOKIE_NAME not in response.cookies


def test_the_staff_login_page_still_uses_a_csrf_cookie(db):
    response = Client(enforce_csrf_checks=True).get("/accounts/login/")
    assert settings.CSRF_COOKIE_NAME in response.cookies
