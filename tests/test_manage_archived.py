"""An archived organisation is read-only: its members (and moderators) get a page saying
so on every /manage/ page of it, and nothing they send is saved."""

import pytest

from accounts.models import Invitation
from editing.models import Revision
from partners.models import Status
from tests.factories import make_location, make_member, make_moderator, make_organisation, make_service
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

# Every /manage/ page of one organisation; {place} and {membership} are filled in below.
PAGES = [
    "/manage/organisations/sunrise/",
    "/manage/organisations/sunrise/confirm/",
    "/manage/organisations/sunrise/places/",
    "/manage/organisations/sunrise/places/add/",
    "/manage/organisations/sunrise/places/{place}/",
    "/manage/organisations/sunrise/places/{place}/remove/",
    "/manage/organisations/sunrise/services/add/",
    "/manage/organisations/sunrise/team/",
    "/manage/organisations/sunrise/team/{membership}/remove/",
    "/manage/services/talking-circle/",
    "/manage/services/talking-circle/confirm/",
    "/manage/services/talking-circle/remove/",
]


@pytest.fixture
def archived():
    organisation = make_organisation("Sunrise", slug="sunrise", status=Status.ARCHIVED)
    place = make_location(organisation)
    make_service("Talking circle", slug="talking-circle", organisation=organisation, locations=[place])
    owner = make_member(organisation, email="owner@sunrise.example", role="owner")
    return {"organisation": organisation, "place": place.pk, "membership": owner.pk, "owner": owner.user}


def fill(path: str, archived: dict) -> str:
    return path.format(place=archived["place"], membership=archived["membership"])


@pytest.mark.parametrize("path", [page for page in PAGES if not page.endswith("/confirm/")])  # confirm is POST only
def test_an_archived_organisations_pages_say_it_is_archived(client, archived, path):
    client.force_login(archived["owner"])
    response = client.get(fill(path, archived))
    assert response.status_code == 403
    assert "Sunrise is archived" in response.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_an_archived_organisation_is_read_only_for_its_owner(client, archived, path):
    client.force_login(archived["owner"])
    response = client.post(fill(path, archived))
    assert response.status_code == 403
    assert "Sunrise is archived" in response.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_an_archived_organisation_is_read_only_for_moderators_in_manage(client, archived, path):
    client.force_login(make_moderator())
    assert client.post(fill(path, archived)).status_code == 403


def test_an_owner_cannot_invite_anyone_to_an_archived_organisation(client, archived):
    client.force_login(archived["owner"])
    response = client.post("/manage/organisations/sunrise/team/", {"email": "new@sunrise.example", "role": "owner"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_an_edit_to_an_archived_organisation_is_not_saved(client, archived):
    client.force_login(archived["owner"])
    response = client.post("/manage/organisations/sunrise/", {"name": "Sunset", "description": "Changed."})
    assert response.status_code == 403
    assert not Revision.objects.exists()
    archived["organisation"].refresh_from_db()
    assert archived["organisation"].name == "Sunrise"


def test_confirming_an_archived_service_changes_nothing(client, archived):
    service = archived["organisation"].services.get()
    before = service.last_verified
    client.force_login(archived["owner"])
    assert client.post("/manage/services/talking-circle/confirm/").status_code == 403
    service.refresh_from_db()
    assert service.last_verified == before
