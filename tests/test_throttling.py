"""Login lockouts and rate limits: counted per person and per client address, however the
address is spelt and however many proxies stand in front of the site."""

import pytest
from django.core import mail
from django.core.cache import cache

from accounts.models import Claim
from directory.clients import UNKNOWN, client_ip
from tests.factories import make_organisation, make_service, make_user
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
STRANGER = "203.0.113.66"
OWNER_OFFICE = "198.51.100.20"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner(db):
    return make_user(email="owner@sunrise.example")


def log_in(client, username, password="wrong", ip=STRANGER, **headers):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)


# --- Login lockouts -------------------------------------------------------------------


def test_changing_the_case_or_spacing_of_the_email_does_not_earn_more_tries(client, owner, settings):
    spellings = ["Owner@sunrise.example", "oWner@sunrise.example", " owner@sunrise.example ", "OWNER@SUNRISE.EXAMPLE"]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, spellings[attempt % len(spellings)])
    response = log_in(client, "owNer@Sunrise.example", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_holds_for_every_spelling_of_the_address(client, owner, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "owner@sunrise.example")
    for spelling in ("Owner@sunrise.example", " OWNER@sunrise.example"):
        assert log_in(client, spelling, PASSWORD).status_code == 429


def test_a_stranger_cannot_lock_a_colleague_out_from_another_address(client, owner, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "owner@sunrise.example", ip=STRANGER)
    assert log_in(client, "owner@sunrise.example", ip=STRANGER).status_code == 429
    response = log_in(client, "owner@sunrise.example", PASSWORD, ip=OWNER_OFFICE)
    assert response.status_code == 302


def test_behind_a_proxy_a_stranger_cannot_lock_a_colleague_out(client, owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "owner@sunrise.example", ip=proxy, HTTP_X_FORWARDED_FOR=STRANGER)
    assert log_in(client, "owner@sunrise.example", ip=proxy, HTTP_X_FORWARDED_FOR=STRANGER).status_code == 429
    response = log_in(client, "owner@sunrise.example", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=OWNER_OFFICE)
    assert response.status_code == 302


def test_a_stranger_cannot_escape_a_lockout_by_forging_the_forwarded_header(client, owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    def forged(n: int) -> str:
        # The proxy appends the address it saw; whatever the client wrote comes first.
        return f"192.0.2.{n}, {STRANGER}"

    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "owner@sunrise.example", ip="10.0.0.2", HTTP_X_FORWARDED_FOR=forged(attempt))
    response = log_in(client, "owner@sunrise.example", PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR=forged(99))
    assert response.status_code == 429


# --- The client's address ---------------------------------------------------------------


def test_a_connection_without_an_address_is_counted_as_unknown(rf):
    assert client_ip(rf.get("/", REMOTE_ADDR="")) == UNKNOWN


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "81.2.69.160", "10.0.0.2"),  # no trusted proxy: the header is the client's to forge
        (1, "81.2.69.160", "81.2.69.160"),
        (1, "8.8.8.8, 81.2.69.160", "81.2.69.160"),  # the forged part is ignored
        (2, "8.8.8.8, 81.2.69.160, 10.0.0.9", "81.2.69.160"),
        (2, "81.2.69.160", "10.0.0.2"),  # too short to have passed both proxies
        (1, "not an address", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_client_address_is_the_one_the_outermost_trusted_proxy_saw(rf, settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == expected


# --- Rate limits on the public forms that send email -----------------------------------


def claim(client, ip=STRANGER, **data):
    fields = {"name": "Amina", "email": "amina@sunrise.example", "role_at_organisation": "Coordinator", "message": ""}
    fields.update(data)
    return client.post("/accounts/claim/sunrise/", fields, REMOTE_ADDR=ip)


def reset(client, email="owner@sunrise.example", ip=STRANGER):
    return client.post("/accounts/password-reset/", {"email": email}, REMOTE_ADDR=ip)


@pytest.fixture
def organisation(db):
    return make_organisation("Sunrise Wellbeing", slug="sunrise")


def test_claims_from_one_client_are_limited_an_hour(client, organisation, moderator, settings):
    settings.CLAIMS_PER_HOUR = 2
    assert claim(client).status_code == 302
    assert claim(client).status_code == 302
    mail.outbox.clear()
    response = claim(client, name="Third try")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Please wait before sending another request" in page
    assert 'value="Third try"' in page  # what they typed is kept
    assert Claim.objects.count() == 2
    assert mail.outbox == []  # the moderators hear nothing more


def test_the_claim_limit_does_not_hold_up_someone_else(client, organisation, settings):
    settings.CLAIMS_PER_HOUR = 1
    claim(client)
    assert claim(client).status_code == 429
    assert claim(client, ip=OWNER_OFFICE).status_code == 302


def test_a_mistaken_claim_does_not_count_towards_the_limit(client, organisation, settings):
    settings.CLAIMS_PER_HOUR = 1
    for _ in range(3):
        assert claim(client, email="garbage").status_code == 200
    assert claim(client).status_code == 302


def test_password_resets_from_one_client_are_limited_an_hour(client, owner, settings):
    settings.PASSWORD_RESETS_PER_HOUR = 2
    for n in range(2):
        assert reset(client, email=f"someone{n}@example.org").status_code == 302
    response = reset(client)
    assert response.status_code == 429
    assert "Please wait before asking again" in response.content.decode()
    assert mail.outbox == []


def test_password_resets_for_one_address_are_limited_whoever_asks(client, owner, settings):
    settings.PASSWORD_RESETS_PER_HOUR = 2
    for n, spelling in enumerate(["owner@sunrise.example", "Owner@Sunrise.example"]):
        assert reset(client, email=spelling, ip=f"192.0.2.{n}").status_code == 302
    assert reset(client, email=" OWNER@sunrise.example", ip="192.0.2.9").status_code == 429
    assert len(mail.outbox) == 2
    # Another person's reset is not held up.
    assert reset(client, email="alice@example.org", ip="192.0.2.10").status_code == 302


def test_problem_reports_behind_a_proxy_are_counted_per_visitor(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PROBLEM_REPORTS_PER_HOUR = 1
    make_service("Talking circle", slug="circle")

    def report(visitor):
        data = {"kind": "closed", "details": "", "reply_email": "", "website": ""}
        return client.post("/services/circle/report/", data, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=visitor)

    assert report(STRANGER).status_code == 302
    assert report(STRANGER).status_code == 429
    assert report(OWNER_OFFICE).status_code == 302


def test_rate_limits_keep_no_email_or_client_address_in_the_cache(client, owner):
    reset(client, email="owner@sunrise.example", ip="203.0.113.77")
    keys = list(cache._cache.keys())  # the local-memory cache used in tests
    assert keys
    assert not any("203.0.113.77" in key or "owner@" in key for key in keys)


def test_a_problem_report_goes_through_uncounted_while_the_shared_cache_is_down(client, settings, caplog):
    make_service("Circle", slug="circle")
    # A Redis server nobody runs: every cache call fails to connect.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    data = {"kind": "closed", "details": "", "reply_email": "", "website": ""}
    response = client.post("/services/circle/report/", data)
    assert response.status_code == 302
    assert "not counted: the cache did not answer" in caplog.text
