"""Changes by organisation staff wait for a moderator; the public sees only approved versions."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command

from accounts.models import Action, AuditEntry
from accounts.services import submit_claim
from editing import services
from editing.models import Revision, RevisionState
from partners.models import Service
from tests.factories import make_location, make_member, make_moderator, make_organisation, make_service, make_user
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return make_organisation("Sunrise Wellbeing", slug="sunrise")


@pytest.fixture
def service(organisation):
    return make_service(
        "Talking circle",
        slug="talking-circle",
        organisation=organisation,
        description="We meet on Tuesdays.",
        support=["counselling"],
        communities=["pakistani-kashmiri"],
        languages=["ur"],
        referrals=["self"],
    )


@pytest.fixture
def owner(organisation):
    return make_member(organisation, email="owner@sunrise.example").user


def edit(service: Service, author, **changes) -> Revision | None:
    """What the edit form does: start from the current version, change some fields, submit."""
    service.refresh_from_db()
    data = {**services.working_snapshot(service), **changes}
    return services.submit_revision(service, data, author, services.listing_version(service))


def public_page(client, slug: str = "talking-circle") -> str:
    return client.get(f"/services/{slug}/").content.decode()


# --- Pending until approved ---------------------------------------------------------


def test_an_edit_by_staff_is_pending(service, owner):
    revision = edit(service, owner, description="We meet on Thursdays now.")
    assert revision.state == RevisionState.PENDING


def test_the_public_page_is_unchanged_while_a_change_is_pending(client, service, owner):
    edit(service, owner, description="We meet on Thursdays now.")
    page = public_page(client)
    assert "We meet on Tuesdays." in page
    assert "Thursdays" not in page


def test_approval_changes_the_public_page(client, service, owner, moderator):
    revision = edit(service, owner, description="We meet on Thursdays now.")
    services.approve_revision(revision, moderator)
    assert "We meet on Thursdays now." in public_page(client)


def test_approval_applies_every_part_of_the_snapshot(service, owner, moderator, organisation):
    place = make_location(organisation)
    revision = edit(
        service,
        owner,
        support_types=["peer-support"],
        communities=["bangladeshi", "indian"],
        languages=[["bn", "interpreter"], ["syl", "staff"]],
        referral_routes=[{"kind": "gp", "method": "email", "contact": "gp@sunrise.example", "instructions": "Email"}],
        locations=[place.pk],
        min_age=16,
        accepting_referrals=False,
    )
    services.approve_revision(revision, moderator)
    service.refresh_from_db()
    assert list(service.support_types.values_list("slug", flat=True)) == ["peer-support"]
    assert set(service.communities.values_list("slug", flat=True)) == {"bangladeshi", "indian"}
    assert set(service.service_languages.values_list("language__code", "provision")) == {
        ("bn", "interpreter"),
        ("syl", "staff"),
    }
    assert list(service.referral_routes.values_list("kind", "contact")) == [("gp", "gp@sunrise.example")]
    assert list(service.locations.all()) == [place]
    assert (service.min_age, service.accepting_referrals) == (16, False)


def test_approval_emails_the_editor(service, owner, moderator):
    revision = edit(service, owner, description="We meet on Thursdays now.")
    mail.outbox.clear()
    services.approve_revision(revision, moderator)
    assert mail.outbox[0].to == [owner.email]
    assert "live" in mail.outbox[0].subject


def test_a_second_edit_replaces_the_pending_one(service, owner):
    first = edit(service, owner, description="First try.")
    second = edit(service, owner, description="Second try.")
    first.refresh_from_db()
    assert first.state == RevisionState.SUPERSEDED
    assert second.state == RevisionState.PENDING


def test_an_unchanged_form_creates_no_revision(service, owner):
    assert edit(service, owner) is None
    assert not Revision.objects.pending().exists()


def test_a_change_cannot_be_approved_twice(service, owner, moderator):
    revision = edit(service, owner, description="New.")
    services.approve_revision(revision, moderator)
    with pytest.raises(services.NotPending):
        services.approve_revision(revision, make_moderator("second@example.org"))


# --- Rejection ----------------------------------------------------------------------


def test_rejection_emails_the_reason(service, owner, moderator):
    revision = edit(service, owner, description="Free therapy for everyone, forever!")
    mail.outbox.clear()
    services.reject_revision(revision, moderator, "Please describe what the service actually offers.")
    assert mail.outbox[0].to == [owner.email]
    assert "Please describe what the service actually offers." in mail.outbox[0].body
    assert "Please describe what the service actually offers." in mail.outbox[0].alternatives[0][0]


def test_rejection_leaves_the_public_page_alone(client, service, owner, moderator):
    revision = edit(service, owner, description="Something wrong.")
    services.reject_revision(revision, moderator, "No.")
    assert "We meet on Tuesdays." in public_page(client)


def test_the_dashboard_shows_why_a_change_was_not_accepted(client, service, owner, moderator):
    revision = edit(service, owner, description="Something wrong.")
    services.reject_revision(revision, moderator, "Say which day you meet.")
    client.force_login(owner)
    assert "Say which day you meet." in client.get("/manage/").content.decode()


# --- New services and drafts --------------------------------------------------------


def new_service_data(**changes) -> dict:
    data = {
        "name": "Men's walking group",
        "description": "We walk and talk.",
        "cost": "free",
        "gender": "men",
        "min_age": None,
        "max_age": None,
        "accepting_referrals": True,
        "typical_wait": "",
        "referral_instructions": "",
        "opening_hours": "",
        "phone": "",
        "email": "",
        "website": "",
        "support_types": ["peer-support"],
        "communities": [],
        "attributes": [],
        "modes": ["in-person"],
        "languages": [["ur", "staff"]],
        "referral_routes": [],
        "locations": [],
        "withdrawn": False,
    }
    return {**data, **changes}


def test_a_new_service_is_a_draft_until_approved(client, organisation, owner):
    service = services.create_service(organisation, new_service_data(), owner)
    assert service.status == "draft"
    assert client.get(f"/services/{service.slug}/").status_code == 404
    assert "Men's walking group" not in client.get("/organisations/sunrise/").content.decode()


def test_approving_a_new_service_publishes_it(client, organisation, owner, moderator):
    service = services.create_service(organisation, new_service_data(), owner)
    services.approve_revision(service.revisions.get(), moderator)
    assert client.get(f"/services/{service.slug}/").status_code == 200


def test_pending_changes_never_appear_in_the_organisation_page(client, service, owner):
    edit(service, owner, name="Renamed circle")
    assert "Renamed circle" not in client.get("/organisations/sunrise/").content.decode()


# --- Trusted organisations ----------------------------------------------------------


def test_trusted_organisations_publish_at_once(client, service, owner, organisation):
    organisation.trusted = True
    organisation.save()
    revision = edit(service, owner, description="We meet on Thursdays now.")
    assert revision.state == RevisionState.APPROVED
    assert "We meet on Thursdays now." in public_page(client)


def test_trusted_changes_are_still_recorded(service, owner, organisation):
    organisation.trusted = True
    organisation.save()
    edit(service, owner, description="We meet on Thursdays now.")
    assert AuditEntry.objects.filter(action=Action.CHANGE_SUBMITTED, user=owner).exists()
    assert AuditEntry.objects.filter(action=Action.CHANGE_APPROVED).exists()


def test_a_trusted_organisations_new_service_is_published_at_once(organisation, owner):
    organisation.trusted = True
    organisation.save()
    service = services.create_service(organisation, new_service_data(), owner)
    service.refresh_from_db()
    assert service.status == "published"


# --- History and restore ------------------------------------------------------------


def test_every_approved_version_is_kept(service, owner, moderator):
    services.approve_revision(edit(service, owner, description="Version two."), moderator)
    services.approve_revision(edit(service, owner, description="Version three."), moderator)
    descriptions = [r.snapshot["description"] for r in Revision.objects.of(service).approved()]
    assert descriptions == ["Version three.", "Version two.", "We meet on Tuesdays."]


def test_restore_brings_back_an_earlier_version(client, service, owner, moderator):
    services.approve_revision(edit(service, owner, description="Version two."), moderator)
    original = Revision.objects.of(service).approved().get(snapshot__description="We meet on Tuesdays.")
    restored = services.restore_revision(original, moderator)
    assert restored.state == RevisionState.APPROVED
    assert restored.base == original
    assert "We meet on Tuesdays." in public_page(client)
    assert Revision.objects.of(service).approved().count() == 3


def test_restore_is_recorded(service, owner, moderator):
    services.approve_revision(edit(service, owner, description="Version two."), moderator)
    original = Revision.objects.of(service).approved().last()
    services.restore_revision(original, moderator)
    assert AuditEntry.objects.filter(action=Action.VERSION_RESTORED, user=moderator).exists()


def test_restoring_an_organisation_brings_back_a_removed_place(organisation, owner, moderator):
    make_location(organisation, address="1 Old Road")
    organisation.refresh_from_db()
    data = {**services.working_snapshot(organisation), "locations": []}
    revision = services.submit_revision(organisation, data, owner, services.listing_version(organisation))
    services.approve_revision(revision, moderator)
    assert not organisation.locations.exists()
    services.restore_revision(Revision.objects.of(organisation).approved().last(), moderator)
    assert list(organisation.locations.values_list("address", flat=True)) == ["1 Old Road"]


# --- The admin queue ----------------------------------------------------------------


def test_the_queue_lists_pending_changes(moderator_client, service, owner):
    edit(service, owner, description="We meet on Thursdays now.")
    page = moderator_client.get("/admin/editing/revision/").content.decode()
    assert "Talking circle" in page
    assert "Sunrise Wellbeing" in page


def test_the_change_page_shows_a_field_by_field_diff(moderator_client, service, owner):
    revision = edit(service, owner, description="We meet on Thursdays now.", communities=["bangladeshi"])
    page = moderator_client.get(f"/admin/editing/revision/{revision.pk}/change/").content.decode()
    assert "<del>Pakistani and Kashmiri</del>" in page
    assert "<ins>Bangladeshi</ins>" in page
    assert "We meet on Tuesdays." in page
    assert "We meet on Thursdays now." in page


def test_long_text_gets_a_word_diff(moderator_client, service, owner):
    before = "We meet every Tuesday afternoon in the community centre for tea and a chat with trained volunteers."
    services.approve_revision(edit(service, owner, description=before), make_moderator("m2@example.org"))
    revision = edit(service, owner, description=before.replace("Tuesday", "Thursday"))
    page = moderator_client.get(f"/admin/editing/revision/{revision.pk}/change/").content.decode()
    assert "<del>Tuesday</del>" in page
    assert "<ins>Thursday</ins>" in page


def test_the_diff_escapes_what_staff_typed(moderator_client, service, owner):
    revision = edit(service, owner, description="<script>alert(1)</script>")
    page = moderator_client.get(f"/admin/editing/revision/{revision.pk}/change/").content.decode()
    assert "<script>alert(1)" not in page


def test_moderators_approve_from_the_change_page(moderator_client, client, service, owner):
    revision = edit(service, owner, description="We meet on Thursdays now.")
    moderator_client.post(f"/admin/editing/revision/{revision.pk}/approve/")
    assert "We meet on Thursdays now." in public_page(client)


def test_moderators_approve_in_bulk(moderator_client, organisation, owner):
    first = make_service("One", organisation=organisation)
    second = make_service("Two", organisation=organisation)
    revisions = [edit(first, owner, description="One, new."), edit(second, owner, description="Two, new.")]
    moderator_client.post(
        "/admin/editing/revision/",
        {"action": "approve_selected", "_selected_action": [r.pk for r in revisions]},
    )
    assert set(Service.objects.values_list("description", flat=True)) == {"One, new.", "Two, new."}


def test_rejecting_from_the_admin_asks_for_a_reason_first(moderator_client, service, owner):
    revision = edit(service, owner, description="Wrong.")
    response = moderator_client.get(f"/admin/editing/revision/{revision.pk}/reject/")
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    revision.refresh_from_db()
    assert revision.state == RevisionState.PENDING


def test_rejecting_from_the_admin_with_a_reason_emails_it(moderator_client, service, owner):
    revision = edit(service, owner, description="Wrong.")
    mail.outbox.clear()
    moderator_client.post(f"/admin/editing/revision/{revision.pk}/reject/", {"reason": "Please add the day."})
    revision.refresh_from_db()
    assert (revision.state, revision.reason) == (RevisionState.REJECTED, "Please add the day.")
    assert "Please add the day." in mail.outbox[0].body


def test_bulk_rejection_goes_through_the_reason_page(moderator_client, service, owner):
    revision = edit(service, owner, description="Wrong.")
    page = moderator_client.post(
        "/admin/editing/revision/", {"action": "reject_selected", "_selected_action": [revision.pk]}
    )
    assert 'name="reason"' in page.content.decode()
    moderator_client.post(
        "/admin/editing/revision/",
        {"action": "reject_selected", "_selected_action": [revision.pk], "confirm": "1", "reason": "No day given."},
    )
    revision.refresh_from_db()
    assert revision.reason == "No day given."


def test_moderators_restore_from_the_admin(moderator_client, client, service, owner, moderator):
    services.approve_revision(edit(service, owner, description="Version two."), moderator)
    original = Revision.objects.of(service).approved().last()
    response = moderator_client.post(f"/admin/editing/revision/{original.pk}/restore/")
    assert response.status_code == 302
    assert "We meet on Tuesdays." in public_page(client)


def test_approving_an_already_rejected_change_says_so(moderator_client, service, owner, moderator):
    revision = edit(service, owner, description="Wrong.")
    services.reject_revision(revision, moderator, "No.")
    response = moderator_client.post(f"/admin/editing/revision/{revision.pk}/approve/", follow=True)
    assert "already dealt with" in response.content.decode()


def test_the_staleness_report_opens(moderator_client, organisation):
    make_service("Old listing", organisation=organisation, last_verified=None)
    page = moderator_client.get("/admin/editing/staleservice/").content.decode()
    assert "Old listing" in page


def test_the_moderators_group_can_use_the_queue(client, service, owner):
    moderator = make_user(email="mod@example.org", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    revision = edit(service, owner, description="New.")
    client.force_login(moderator)
    assert client.get("/admin/editing/revision/").status_code == 200
    client.post(f"/admin/editing/revision/{revision.pk}/approve/")
    revision.refresh_from_db()
    assert revision.state == RevisionState.APPROVED


def test_an_organisation_change_shows_places_in_the_diff(moderator_client, organisation, owner):
    make_location(organisation, address="1 Old Road")
    organisation.refresh_from_db()
    data = services.working_snapshot(organisation)
    data["locations"] = [*data["locations"], {"id": None, "key": "new-1", "address": "2 New Road", "postcode": ""}]
    revision = services.submit_revision(organisation, data, owner, services.listing_version(organisation))
    page = moderator_client.get(f"/admin/editing/revision/{revision.pk}/change/").content.decode()
    assert "<ins>2 New Road</ins>" in page


@pytest.mark.parametrize(
    "path",
    [
        "/admin/editing/revision/?state=all",
        "/admin/editing/revision/?kind=service",
        "/admin/editing/reminder/",
        "/admin/editing/staleservice/?age=very",
        "/admin/editing/staleservice/?age=nobody",
        "/admin/accounts/claim/",
        "/admin/accounts/invitation/",
        "/admin/accounts/invitation/add/",
        "/admin/accounts/membership/",
        "/admin/accounts/auditentry/?action=login",
    ],
)
def test_moderation_admin_pages_open(moderator_client, service, owner, path):
    edit(service, owner, description="Changed.")
    assert moderator_client.get(path).status_code == 200


def test_organisation_staff_never_see_the_admin(client, owner):
    client.force_login(owner)
    response = client.get("/admin/editing/revision/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_claim_and_user_admin_pages_open(moderator_client, organisation, owner):
    claim = submit_claim(organisation, user=None, name="Amina", email="amina@sunrise.example")
    assert moderator_client.get(f"/admin/accounts/claim/{claim.pk}/change/").status_code == 200
    assert moderator_client.get(f"/admin/accounts/claim/{claim.pk}/approve/").status_code == 200
    assert moderator_client.get(f"/admin/accounts/user/{owner.pk}/change/").status_code == 200


def test_moderators_are_emailed_what_is_waiting(service, owner, moderator):
    edit(service, owner, description="Changed.")
    mail.outbox.clear()
    call_command("notify_moderators", stdout=io.StringIO())
    assert mail.outbox[0].to == [moderator.email]
    assert "1 change waiting for approval" in mail.outbox[0].subject
    assert "Talking circle" in mail.outbox[0].body


def test_moderators_are_not_emailed_when_nothing_waits(moderator):
    call_command("notify_moderators", stdout=io.StringIO())
    assert mail.outbox == []


def test_pending_changes_never_appear_in_search(client, service, owner):
    edit(service, owner, name="Renamed circle", description="Zyzzyva mornings.")
    assert "Renamed circle" not in client.get("/search/", {"q": "Zyzzyva"}).content.decode()
    assert "Renamed circle" not in client.get("/search/", {"q": "circle"}).content.decode()


def test_new_draft_services_never_appear_in_search(client, organisation, owner):
    services.create_service(organisation, new_service_data(name="Hidden walking group"), owner)
    assert "Hidden walking group" not in client.get("/search/", {"q": "walking"}).content.decode()


# --- Taking a service off the directory ---------------------------------------------


def test_staff_ask_to_take_a_service_off_and_a_moderator_decides(client, service, owner, moderator):
    client.force_login(owner)
    version = services.listing_version(service)
    response = client.post("/manage/services/talking-circle/remove/", {"version": version, "comment": "Funding ended."})
    assert response.status_code == 302
    revision = Revision.objects.pending().get()
    assert (revision.snapshot["withdrawn"], revision.comment) == (True, "Funding ended.")
    assert client.get("/services/talking-circle/").status_code == 200
    services.approve_revision(revision, moderator)
    assert client.get("/services/talking-circle/").status_code == 404


def test_a_withdrawn_service_can_be_restored(client, service, owner, moderator):
    services.approve_revision(edit(service, owner, withdrawn=True), moderator)
    services.restore_revision(Revision.objects.of(service).approved().last(), moderator)
    assert client.get("/services/talking-circle/").status_code == 200


def test_moderators_are_emailed_open_problem_reports(service, moderator):
    from feedback.models import ProblemReport

    ProblemReport.objects.create(service=service, kind="closed", details="The door was locked.")
    call_command("notify_moderators", stdout=io.StringIO())
    assert mail.outbox[0].subject == "Waiting for moderators, 1 problem report"
    assert "Talking circle" in mail.outbox[0].body
    assert "/admin/feedback/problemreport/" in mail.outbox[0].body
