"""An archived organisation is read-only: its members (and moderators) get a page saying
so on every /manage/ page of it, and nothing they send is saved."""

import pytest

from accounts.models import Invitation
from editing.models import Revision
from partners.models import Status
from tests.factories import make_moderator
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)
from tests.test_manage_permissions import URLS, call, fill, listing  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived(listing):  # noqa: F811
    listing["organisation"].status = Status.ARCHIVED
    listing["organisation"].save()
    return listing


@pytest.mark.parametrize(("method", "path", "_status"), URLS)
def test_an_archived_organisation_is_read_only_for_its_owner(client, archived, method, path, _status):
    client.force_login(archived["owner"])
    response = call(client, method, fill(path, archived))
    assert response.status_code == 403
    assert "Sunrise is archived" in response.content.decode()


@pytest.mark.parametrize(("method", "path", "_status"), URLS)
def test_an_archived_organisation_is_read_only_for_moderators_in_manage(client, archived, method, path, _status):
    client.force_login(make_moderator())
    assert call(client, method, fill(path, archived)).status_code == 403


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
