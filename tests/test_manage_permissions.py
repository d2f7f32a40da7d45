"""Who may open each /manage/ page: anonymous visitors are sent to log in, members of
another organisation get a 404 (they learn nothing), members and moderators get in."""

import pytest

from tests.factories import make_location, make_member, make_moderator, make_organisation, make_service, make_user
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

# (method, path, what a member gets). Paths use the listing built by the `listing` fixture.
URLS = [
    ("get", "/manage/organisations/sunrise/", 200),
    ("post", "/manage/organisations/sunrise/confirm/", 302),
    ("get", "/manage/organisations/sunrise/places/", 200),
    ("get", "/manage/organisations/sunrise/places/add/", 200),
    ("get", "/manage/organisations/sunrise/places/{place}/", 200),
    ("get", "/manage/organisations/sunrise/places/{place}/remove/", 200),
    ("get", "/manage/organisations/sunrise/services/add/", 200),
    ("get", "/manage/organisations/sunrise/team/", 200),
    ("get", "/manage/organisations/sunrise/team/{membership}/remove/", 200),
    ("get", "/manage/services/talking-circle/", 200),
    ("post", "/manage/services/talking-circle/confirm/", 302),
    ("get", "/manage/services/talking-circle/remove/", 200),
]
# The team-removal page is for owners; an editor is a member who may not manage the team.
OWNER_ONLY = {"/manage/organisations/sunrise/team/{membership}/remove/"}


@pytest.fixture
def listing():
    organisation = make_organisation("Sunrise", slug="sunrise")
    place = make_location(organisation)
    make_service("Talking circle", slug="talking-circle", organisation=organisation, locations=[place])
    owner = make_member(organisation, email="owner@sunrise.example", role="owner")
    return {"organisation": organisation, "place": place.pk, "membership": owner.pk, "owner": owner.user}


def fill(path: str, listing: dict) -> str:
    return path.format(place=listing["place"], membership=listing["membership"])


def call(client, method: str, path: str):
    return getattr(client, method)(path)


@pytest.mark.parametrize(("method", "path", "_status"), URLS)
def test_anonymous_visitors_are_sent_to_log_in(client, listing, method, path, _status):
    url = fill(path, listing)
    response = call(client, method, url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize(("method", "path", "_status"), URLS)
def test_members_of_another_organisation_get_404(client, listing, method, path, _status):
    stranger = make_member(make_organisation("Elsewhere"), email="stranger@elsewhere.example")
    client.force_login(stranger.user)
    assert call(client, method, fill(path, listing)).status_code == 404


@pytest.mark.parametrize(("method", "path", "status"), URLS)
def test_members_get_in(client, listing, method, path, status):
    client.force_login(listing["owner"])
    assert call(client, method, fill(path, listing)).status_code == status


@pytest.mark.parametrize(("method", "path", "status"), URLS)
def test_moderators_get_in(client, listing, method, path, status):
    client.force_login(make_moderator())
    assert call(client, method, fill(path, listing)).status_code == status


@pytest.mark.parametrize(("method", "path", "status"), URLS)
def test_editors_get_in_except_to_manage_the_team(client, listing, method, path, status):
    editor = make_member(listing["organisation"], email="editor@sunrise.example", role="editor")
    client.force_login(editor.user)
    expected = 403 if path in OWNER_ONLY else status
    assert call(client, method, fill(path, listing)).status_code == expected


def test_dashboard_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/manage/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/manage/"


def test_dashboard_opens_for_anyone_logged_in(client):
    client.force_login(make_user())
    assert client.get("/manage/").status_code == 200


def test_dashboard_lists_only_the_persons_own_organisations(client, listing):
    make_organisation("Elsewhere Trust")
    client.force_login(listing["owner"])
    page = client.get("/manage/").content.decode()
    assert "Sunrise" in page
    assert "Elsewhere Trust" not in page


def test_an_editor_cannot_send_invitations(client, listing):
    editor = make_member(listing["organisation"], email="editor@sunrise.example", role="editor")
    client.force_login(editor.user)
    response = client.post("/manage/organisations/sunrise/team/", {"email": "new@sunrise.example", "role": "owner"})
    assert response.status_code == 403


def test_unknown_organisation_is_404_even_for_moderators(client):
    client.force_login(make_moderator())
    assert client.get("/manage/organisations/nowhere/").status_code == 404


def test_confirm_pages_refuse_get(client, listing):
    client.force_login(listing["owner"])
    assert client.get("/manage/services/talking-circle/confirm/").status_code == 405
