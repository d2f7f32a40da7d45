"""The edit forms: good input becomes a pending change; bad input gets a clear message
in the error summary and nothing is saved; two people editing at once never lose an update."""

import pytest

from editing import services
from editing.models import Revision, RevisionState
from partners.models import Location, Organisation, Service
from tests.factories import make_location, make_member, make_organisation, make_postcode, make_service
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return make_organisation("Sunrise Wellbeing", slug="sunrise", description="We support families.")


@pytest.fixture
def place(organisation):
    return make_location(organisation, address="1 Lumb Lane", postcode="BD8 7JH")


@pytest.fixture
def service(organisation, place):
    return make_service(
        "Talking circle",
        slug="talking-circle",
        organisation=organisation,
        description="We meet on Tuesdays.",
        support=["counselling"],
        languages=["ur"],
        referrals=["self"],
        locations=[place],
    )


@pytest.fixture
def owner(organisation):
    return make_member(organisation, email="owner@sunrise.example").user


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def form_data(response) -> dict:
    """The form as the browser would send it back untouched: every field's current value."""
    data: dict[str, object] = {}
    forms = [response.context["form"]]
    if response.context.get("languages") is not None:
        forms += list(response.context["languages"]) + list(response.context["ways_in"])
        formset = response.context["languages"]
        management = formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            data[field.html_name] = value
    return data


def pending_count() -> int:
    return Revision.objects.pending().count()


# --- Organisation details -----------------------------------------------------------


def test_the_organisation_form_starts_from_the_live_details(owner_client, organisation):
    response = owner_client.get("/manage/organisations/sunrise/")
    assert response.context["form"]["description"].value() == "We support families."


def test_editing_the_organisation_creates_a_pending_change(owner_client, organisation):
    data = form_data(owner_client.get("/manage/organisations/sunrise/"))
    data["description"] = "We support families and carers."
    response = owner_client.post("/manage/organisations/sunrise/", data)
    assert response.status_code == 302
    assert Revision.objects.pending().get().snapshot["description"] == "We support families and carers."
    organisation.refresh_from_db()
    assert organisation.description == "We support families."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("name", "x" * 201, "at most 200 characters"),
        ("description", "", "This field is required."),
        ("description", "x" * 5001, "at most 5000 characters"),
        ("website", "not a website", "Enter a valid URL."),
        ("email", "garbage@", "Enter a valid email address."),
        ("phone", "call us!", "Enter a phone number using numbers"),
        ("charity_number", "12;DROP", "Use only letters, numbers and spaces."),
    ],
)
def test_bad_organisation_details_are_refused_clearly(owner_client, organisation, field, value, message):
    data = {**form_data(owner_client.get("/manage/organisations/sunrise/")), field: value}
    response = owner_client.post("/manage/organisations/sunrise/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'href="#id_{field}"' in page
    assert message in page
    assert pending_count() == 0


def test_an_organisation_cannot_take_another_ones_name(owner_client, organisation):
    make_organisation("Moonrise Trust")
    data = {**form_data(owner_client.get("/manage/organisations/sunrise/")), "name": "moonrise trust"}
    response = owner_client.post("/manage/organisations/sunrise/", data)
    assert "already has this name" in response.content.decode()


# --- Services -----------------------------------------------------------------------


def test_the_service_form_shows_the_current_languages_and_ways_in(owner_client, service):
    response = owner_client.get("/manage/services/talking-circle/")
    assert response.context["languages"].forms[0]["language"].value() == "ur"
    assert response.context["ways_in"][0]["offered"].value() is True


def test_editing_a_service_creates_a_pending_change_with_everything(owner_client, service, place):
    data = form_data(owner_client.get("/manage/services/talking-circle/"))
    data.update(
        {
            "communities": ["bangladeshi", "indian"],
            "languages-1-language": "bn",
            "languages-1-provision": "interpreter",
            "route-gp-offered": "on",
            "route-gp-method": "email",
            "route-gp-contact": "gp@sunrise.example",
            "min_age": "16",
            "max_age": "25",
            "accepting_referrals": "no",
        }
    )
    response = owner_client.post("/manage/services/talking-circle/", data)
    assert response.status_code == 302
    snapshot = Revision.objects.pending().get().snapshot
    assert snapshot["communities"] == ["bangladeshi", "indian"]
    assert snapshot["languages"] == [["bn", "interpreter"], ["ur", "staff"]]
    assert [r["kind"] for r in snapshot["referral_routes"]] == ["self", "gp"]
    assert (snapshot["min_age"], snapshot["max_age"], snapshot["accepting_referrals"]) == (16, 25, False)
    assert snapshot["locations"] == [place.pk]


def test_a_language_can_be_removed(owner_client, service):
    data = {**form_data(owner_client.get("/manage/services/talking-circle/")), "languages-0-language": ""}
    owner_client.post("/manage/services/talking-circle/", data)
    assert Revision.objects.pending().get().snapshot["languages"] == []


def test_saving_the_form_unchanged_sends_nothing(owner_client, service):
    data = form_data(owner_client.get("/manage/services/talking-circle/"))
    response = owner_client.post("/manage/services/talking-circle/", data, follow=True)
    assert "did not change anything" in response.content.decode()
    assert pending_count() == 0


@pytest.mark.parametrize(
    ("changes", "anchor", "message"),
    [
        ({"name": ""}, "id_name", "This field is required."),
        ({"name": "x" * 201}, "id_name", "at most 200 characters"),
        ({"description": "x" * 5001}, "id_description", "at most 5000 characters"),
        ({"min_age": "sixteen"}, "id_min_age", "Enter the age as a whole number"),
        ({"min_age": "-1"}, "id_min_age", "greater than or equal to 0"),
        ({"max_age": "200"}, "id_max_age", "less than or equal to 130"),
        ({"min_age": "30", "max_age": "18"}, "id_max_age", "The oldest age must be the same as or more than"),
        ({"languages-0-language": "zz"}, "id_languages-0-language", "Choose a language from the list."),
        ({"languages-0-provision": "telepathy"}, "id_languages-0-provision", "Choose how the language is offered"),
        ({"communities": ["martians"]}, "id_communities_0", "Choose only from the options shown."),
        ({"cost": "priceless"}, "id_cost_0", "Select a valid choice."),
        ({"locations": ["999999"]}, "id_locations_0", "Choose only from the places shown."),
        ({"phone": "<b>no</b>"}, "id_phone", "Enter a phone number"),
        ({"email": "not-an-email"}, "id_email", "Enter a valid email address."),
        ({"website": "javascript:alert(1)"}, "id_website", "Enter a valid URL."),
        ({"typical_wait": "x" * 101}, "id_typical_wait", "at most 100 characters"),
        ({"opening_hours": "x" * 1001}, "id_opening_hours", "at most 1000 characters"),
        ({"route-gp-offered": "on", "route-gp-method": "pigeon"}, "id_route-gp-method", "Choose how from the list."),
        ({"route-gp-contact": "x" * 256}, "id_route-gp-contact", "at most 255 characters"),
    ],
)
def test_bad_service_input_is_refused_clearly_and_nothing_is_saved(owner_client, service, changes, anchor, message):
    data = {**form_data(owner_client.get("/manage/services/talking-circle/")), **changes}
    response = owner_client.post("/manage/services/talking-circle/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'href="#{anchor}"' in page
    assert message in page
    assert pending_count() == 0


def test_the_same_language_twice_is_refused(owner_client, service):
    data = form_data(owner_client.get("/manage/services/talking-circle/"))
    data.update({"languages-1-language": "ur", "languages-1-provision": "staff"})
    response = owner_client.post("/manage/services/talking-circle/", data)
    assert "already listed" in response.content.decode()
    assert pending_count() == 0


def test_a_service_cannot_take_the_name_of_a_sibling(owner_client, service, organisation):
    make_service("Walking group", organisation=organisation)
    data = {**form_data(owner_client.get("/manage/services/talking-circle/")), "name": "walking GROUP"}
    response = owner_client.post("/manage/services/talking-circle/", data)
    assert "already has a service with this name" in response.content.decode()


def test_adding_a_service_creates_a_draft_and_a_pending_change(owner_client, organisation):
    data = form_data(owner_client.get("/manage/organisations/sunrise/services/add/"))
    data.update({"name": "Men's walking group", "description": "We walk and talk.", "support_types": ["befriending"]})
    response = owner_client.post("/manage/organisations/sunrise/services/add/", data)
    assert response.status_code == 302
    service = Service.objects.get(name="Men's walking group")
    assert service.status == "draft"
    assert service.revisions.get().state == RevisionState.PENDING


def test_adding_a_service_with_bad_input_creates_nothing(owner_client, organisation):
    data = form_data(owner_client.get("/manage/organisations/sunrise/services/add/"))
    data.update({"name": "Men's walking group", "description": "", "max_age": "abc"})
    response = owner_client.post("/manage/organisations/sunrise/services/add/", data)
    assert response.status_code == 200
    assert not Service.objects.filter(name="Men's walking group").exists()
    assert not Revision.objects.exists()


# --- Places -------------------------------------------------------------------------


def place_form(**changes) -> dict:
    """A place as typed in, with the version of the listing the form was opened at."""
    organisation = Organisation.objects.get(slug="sunrise")
    version = services.listing_version(organisation)
    typed = {"name": "", "address": "41 Lumb Lane", "town": "Bradford", "postcode": "bd8 7jh"}
    return {**typed, "version": version, **changes}


def test_adding_a_place_checks_the_postcode_and_fills_the_map_position(owner_client, organisation):
    make_postcode("BD8 7JH", latitude=53.8, longitude=-1.76)
    response = owner_client.post("/manage/organisations/sunrise/places/add/", place_form())
    assert response.status_code == 302
    added = Revision.objects.pending().get().snapshot["locations"][-1]
    assert (added["postcode"], added["latitude"], added["longitude"]) == ("BD8 7JH", 53.8, -1.76)
    assert added["id"] is None
    assert not Location.objects.filter(address="41 Lumb Lane").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"postcode": "ZZ99 9ZZ"}, "postcode", "We cannot find the postcode ZZ99 9ZZ"),
        ({"postcode": "BD8"}, "postcode", "Enter a full postcode"),
        ({"postcode": "12345"}, "postcode", "Enter a full postcode"),
        ({"postcode": ""}, "postcode", "This field is required."),
        ({"address": ""}, "address", "This field is required."),
        ({"address": "x" * 256}, "address", "at most 255 characters"),
        ({"town": "x" * 101}, "town", "at most 100 characters"),
    ],
)
def test_bad_places_are_refused_clearly(owner_client, organisation, changes, field, message):
    make_postcode("BD8 7JH")
    response = owner_client.post("/manage/organisations/sunrise/places/add/", place_form(**changes))
    page = response.content.decode()
    assert f'href="#id_{field}"' in page
    assert message in page
    assert pending_count() == 0


def test_editing_a_place_keeps_its_identity(owner_client, organisation, place):
    make_postcode("BD8 7JH")
    response = owner_client.post(
        f"/manage/organisations/sunrise/places/{place.pk}/",
        place_form(address="43 Lumb Lane"),
    )
    assert response.status_code == 302
    [changed] = Revision.objects.pending().get().snapshot["locations"]
    assert (changed["id"], changed["address"]) == (place.pk, "43 Lumb Lane")


def test_approving_a_new_place_creates_it(owner_client, organisation, moderator):
    make_postcode("BD8 7JH")
    owner_client.post("/manage/organisations/sunrise/places/add/", place_form())
    services.approve_revision(Revision.objects.pending().get(), moderator)
    assert organisation.locations.filter(address="41 Lumb Lane").exists()


def test_removing_a_place_asks_first_then_proposes_it(owner_client, organisation, place, service):
    page = owner_client.get(f"/manage/organisations/sunrise/places/{place.pk}/remove/").content.decode()
    assert "Talking circle" in page
    version = services.listing_version(organisation)
    owner_client.post(f"/manage/organisations/sunrise/places/{place.pk}/remove/", {"version": version})
    assert Revision.objects.pending().get().snapshot["locations"] == []
    assert Location.objects.filter(pk=place.pk).exists()


def test_an_unknown_place_is_404(owner_client, organisation):
    assert owner_client.get("/manage/organisations/sunrise/places/12345/").status_code == 404


# --- Two people at once -------------------------------------------------------------


def test_a_second_editor_gets_a_conflict_not_a_silent_overwrite(client, organisation, service, owner):
    colleague = make_member(organisation, email="colleague@sunrise.example", role="editor").user
    client.force_login(owner)
    mine = form_data(client.get("/manage/services/talking-circle/"))
    client.force_login(colleague)
    theirs = form_data(client.get("/manage/services/talking-circle/"))
    theirs["description"] = "We meet on Wednesdays."
    assert client.post("/manage/services/talking-circle/", theirs).status_code == 302
    client.force_login(owner)
    mine["description"] = "We meet on Fridays."
    response = client.post("/manage/services/talking-circle/", mine)
    page = response.content.decode()
    assert response.status_code == 409
    assert "This listing changed since you opened it" in page
    assert "We meet on Wednesdays." in page  # what is saved now
    assert "We meet on Fridays." in page  # what they typed, still in the form
    assert Revision.objects.get(state=RevisionState.PENDING).snapshot["description"] == "We meet on Wednesdays."


def test_after_a_conflict_saving_again_is_a_deliberate_choice(client, organisation, service, owner):
    client.force_login(owner)
    stale = form_data(client.get("/manage/services/talking-circle/"))
    services.confirm_listing(service, owner)  # a confirmation is not a change: no conflict from it
    moderator_edit = {**services.working_snapshot(service), "description": "Changed by a moderator."}
    services.submit_revision(service, moderator_edit, owner, services.listing_version(service))
    stale["description"] = "We meet on Fridays."
    response = client.post("/manage/services/talking-circle/", stale)
    assert response.status_code == 409
    again = form_data(response)
    assert client.post("/manage/services/talking-circle/", again).status_code == 302
    assert Revision.objects.get(state=RevisionState.PENDING).snapshot["description"] == "We meet on Fridays."


def test_a_moderator_approving_meanwhile_is_also_a_conflict(client, organisation, service, owner, moderator):
    client.force_login(owner)
    stale = form_data(client.get("/manage/organisations/sunrise/"))
    organisation.refresh_from_db()
    other = {**services.working_snapshot(organisation), "phone": "01274 000000"}
    revision = services.submit_revision(organisation, other, owner, services.listing_version(organisation))
    services.approve_revision(revision, moderator)
    stale["description"] = "Changed."
    response = client.post("/manage/organisations/sunrise/", stale)
    assert response.status_code == 409
    assert "01274 000000" in response.content.decode()


def test_still_correct_does_not_make_open_forms_conflict(client, organisation, service, owner):
    client.force_login(owner)
    data = form_data(client.get("/manage/services/talking-circle/"))
    client.post("/manage/services/talking-circle/confirm/")
    data["description"] = "We meet on Fridays."
    assert client.post("/manage/services/talking-circle/", data).status_code == 302


def test_places_conflict_too(client, organisation, place, owner):
    make_postcode("BD8 7JH")
    client.force_login(owner)
    version = services.listing_version(organisation)
    client.post(f"/manage/organisations/sunrise/places/{place.pk}/", {**place_form(), "version": version})
    response = client.post(f"/manage/organisations/sunrise/places/{place.pk}/", {**place_form(), "version": version})
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("page", "listing"),
    [
        ("/manage/organisations/sunrise/", "organisation"),
        ("/manage/services/talking-circle/", "service"),
        ("/manage/services/talking-circle/remove/", "service"),
        ("/manage/services/talking-circle/translations/ur/", "service"),
        ("/manage/organisations/sunrise/translations/pl/", "organisation"),
        ("/manage/organisations/sunrise/places/{place}/", "organisation"),
        ("/manage/organisations/sunrise/places/{place}/remove/", "organisation"),
    ],
)
def test_every_edit_page_answers_a_change_made_meanwhile_with_a_conflict_then_accepts_it_again(
    client, organisation, service, place, owner, moderator, page, listing
):
    # One way to propose a change (editing.views._propose): each page, opened before someone
    # else's change was approved, says so (409) on the current version; sending it again works.
    make_postcode("BD8 7JH")
    page = page.format(place=place.pk)
    client.force_login(owner)
    stale = form_data(client.get(page)) if "/remove/" not in page else {}
    stale["version"] = services.listing_version(organisation if listing == "organisation" else service)
    if "/places/" in page and "/remove/" not in page:
        stale.update(place_form(address="43 Lumb Lane"))
    elif "/translations/" in page:
        stale["description"] = "Opis po polsku." if "/pl/" in page else "اردو میں تفصیل"
    elif "/remove/" not in page:
        stale["description"] = "Changed here."
    target = organisation if listing == "organisation" else service
    other = {**services.working_snapshot(target), "phone": "01274 000000"}
    services.approve_revision(
        services.submit_revision(target, other, owner, services.listing_version(target)), moderator
    )
    response = client.post(page, stale)
    assert response.status_code == 409
    if page.endswith(("/sunrise/", "/talking-circle/")):
        assert "01274 000000" in response.content.decode()  # what is saved now, beside their input
    target.refresh_from_db()
    again = {**stale, "version": services.listing_version(target)}
    assert f'value="{again["version"]}"' in response.content.decode()
    assert client.post(page, again).status_code == 302
    assert Revision.objects.pending().count() == 1


# --- Still correct ------------------------------------------------------------------


def test_still_correct_marks_the_listing_checked_today(owner_client, service):
    service.last_verified = None
    service.save()
    owner_client.post("/manage/services/talking-circle/confirm/")
    service.refresh_from_db()
    from django.utils import timezone

    assert service.last_verified == timezone.localdate()


def test_still_correct_is_recorded(owner_client, service, owner):
    from accounts.models import Action, AuditEntry

    owner_client.post("/manage/services/talking-circle/confirm/")
    assert AuditEntry.objects.filter(action=Action.CONFIRMED, user=owner, object_type="service").exists()


def test_dashboard_shows_changes_pending(owner_client, service, owner):
    data = {**form_data(owner_client.get("/manage/services/talking-circle/")), "description": "New words."}
    owner_client.post("/manage/services/talking-circle/", data)
    assert "Changes waiting for approval" in owner_client.get("/manage/").content.decode()


def test_dashboard_shows_what_needs_a_check(owner_client, service):
    Service.objects.filter(pk=service.pk).update(last_verified=None)
    assert "Please check" in owner_client.get("/manage/").content.decode()
