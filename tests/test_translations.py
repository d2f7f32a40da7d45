"""Listings in the communities' own languages: staff propose translations, moderators approve
them like any change, and visitors see them in their language (English, marked, otherwise)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import Action, AuditEntry
from editing import services
from editing.diff import diff
from editing.models import Revision, RevisionState
from partners import facet_index
from partners.models import OrganisationTranslation, ServiceTranslation, Status
from tests.factories import make_member, make_organisation, make_service
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)
from tests.test_manage_forms import form_data

pytestmark = pytest.mark.django_db

URDU = "ہم ہر منگل کو ملتے ہیں۔ اردو میں بات کریں۔"  # noqa: RUF001 (the Urdu full stop)


def get_in(client, language: str, url: str, **kwargs):
    """A page as a visitor reading `language` sees it: under its /<lang>/ prefix."""
    return client.get(f"/{language}{url}", **kwargs)


@pytest.fixture
def organisation():
    return make_organisation("Sunrise Wellbeing", slug="sunrise", description="We support families.")


@pytest.fixture
def service(organisation):
    return make_service(
        "Talking circle",
        slug="talking-circle",
        organisation=organisation,
        description="We meet on Tuesdays. Come and talk.",
        referral_instructions="Phone us.",
        opening_hours="Tuesdays 10am to noon",
    )


@pytest.fixture
def owner_client(client, organisation):
    client.force_login(make_member(organisation, email="owner@sunrise.example").user)
    return client


def propose(client, service, language="ur", **fields):
    page = client.get(f"/manage/services/{service.slug}/translations/{language}/")
    data = {"version": page.context["form"]["version"].value(), "comment": "", **fields}
    return client.post(f"/manage/services/{service.slug}/translations/{language}/", data)


# --- Staff and moderation -------------------------------------------------------------


def test_the_service_form_links_to_a_page_for_each_interface_language(owner_client, service):
    content = owner_client.get("/manage/services/talking-circle/").content.decode()
    assert 'href="/manage/services/talking-circle/translations/ur/"' in content
    assert 'href="/manage/services/talking-circle/translations/pl/"' in content
    assert "/translations/en-gb/" not in content


def test_urdu_fields_are_right_to_left_and_polish_left_to_right(owner_client, service):
    urdu = owner_client.get("/manage/services/talking-circle/translations/ur/").content.decode()
    assert 'name="description"' in urdu and 'lang="ur" dir="rtl"' in urdu
    polish = owner_client.get("/manage/services/talking-circle/translations/pl/").content.decode()
    assert 'lang="pl" dir="ltr"' in polish and 'dir="rtl"' not in polish


@pytest.mark.parametrize("language", ["en-gb", "en", "zz", "UR", "ur-pk", "..", "phr"])
def test_a_language_that_is_not_an_interface_language_is_not_found(owner_client, service, language):
    assert owner_client.get(f"/manage/services/talking-circle/translations/{language}/").status_code == 404


def test_a_stranger_cannot_translate_a_service(client, service):
    client.force_login(make_member(make_organisation()).user)
    assert client.get("/manage/services/talking-circle/translations/ur/").status_code == 404


def test_a_proposed_translation_waits_for_a_moderator_and_is_not_public(owner_client, client, service):
    response = propose(owner_client, service, description=URDU)
    assert response.status_code == 302
    revision = Revision.objects.pending().get()
    assert revision.snapshot["translations"] == {
        "ur": {"name": "", "description": URDU, "referral_instructions": "", "opening_hours": ""}
    }
    assert not ServiceTranslation.objects.exists()
    assert AuditEntry.objects.filter(action=Action.CHANGE_SUBMITTED).exists()
    assert URDU not in get_in(client, "ur", "/services/talking-circle/").content.decode()


def test_an_approved_translation_is_shown_to_urdu_readers(owner_client, client, service, moderator):
    propose(owner_client, service, description=URDU, opening_hours="منگل")
    services.approve_revision(Revision.objects.pending().get(), moderator)
    assert ServiceTranslation.objects.get(service=service, language="ur").description == URDU
    content = get_in(client, "ur", "/services/talking-circle/").content.decode()
    assert f'<p lang="ur" dir="rtl">{URDU}</p>' in content
    assert "This description is in English" not in content
    # The name was not translated: the English name is marked as English.
    assert '<h1 lang="en" dir="ltr">Talking circle</h1>' in content


def test_a_rejected_translation_is_never_shown(owner_client, client, service, moderator):
    propose(owner_client, service, description=URDU)
    services.reject_revision(Revision.objects.pending().get(), moderator, "Please check the spelling.")
    assert not ServiceTranslation.objects.exists()
    assert URDU not in get_in(client, "ur", "/services/talking-circle/").content.decode()


def test_a_translation_of_a_draft_service_is_not_public(client, organisation):
    draft = make_service("Draft group", slug="draft", organisation=organisation, status=Status.DRAFT)
    ServiceTranslation.objects.create(service=draft, language="ur", description=URDU)
    assert get_in(client, "ur", "/services/draft/").status_code == 404
    assert URDU not in get_in(client, "ur", "/search/").content.decode()


def test_the_moderator_sees_the_translation_in_the_diff(owner_client, service):
    propose(owner_client, service, description=URDU)
    revision = Revision.objects.pending().get()
    changes = diff(services.snapshot(service), revision.snapshot)
    assert [(c.label, c.after, c.language, c.direction) for c in changes] == [("Description (Urdu)", URDU, "ur", "rtl")]


def test_the_admin_change_page_marks_the_translated_text(owner_client, service, moderator):
    propose(owner_client, service, "pl", description="Spotykamy się we wtorki.")
    revision = Revision.objects.pending().get()
    moderator_client = Client()
    moderator_client.force_login(moderator)
    content = moderator_client.get(f"/admin/editing/revision/{revision.pk}/change/").content.decode()
    assert "Description (Polish)" in content
    assert 'lang="pl" dir="ltr">Spotykamy się we wtorki.</td>' in content


def test_emptying_every_field_removes_the_translation(owner_client, service, organisation):
    organisation.trusted = True
    organisation.save()
    propose(owner_client, service, description=URDU)
    assert ServiceTranslation.objects.filter(service=service).count() == 1
    propose(owner_client, service, description="  ")
    assert not ServiceTranslation.objects.filter(service=service).exists()
    assert Revision.objects.of(service).latest("pk").state == RevisionState.APPROVED


def test_editing_the_english_keeps_the_translations(owner_client, service, moderator):
    ServiceTranslation.objects.create(service=service, language="ur", description=URDU)
    data = form_data(owner_client.get("/manage/services/talking-circle/"))
    data["description"] = "We meet on Wednesdays."
    owner_client.post("/manage/services/talking-circle/", data)
    services.approve_revision(Revision.objects.pending().get(), moderator)
    assert ServiceTranslation.objects.get(service=service).description == URDU


def test_restoring_a_version_brings_its_translations_back(owner_client, service, moderator):
    propose(owner_client, service, description=URDU)
    services.approve_revision(Revision.objects.pending().get(), moderator)
    with_urdu = Revision.objects.of(service).approved().first()
    propose(owner_client, service, description="")
    services.approve_revision(Revision.objects.pending().get(), moderator)
    assert not ServiceTranslation.objects.exists()
    services.restore_revision(with_urdu, moderator)
    assert ServiceTranslation.objects.get(service=service).description == URDU


def test_too_long_a_translation_is_refused_and_nothing_is_saved(owner_client, service):
    response = propose(owner_client, service, name="x" * 201, description=URDU)
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()
    assert not Revision.objects.exists()


def test_the_organisation_description_can_be_translated(owner_client, client, organisation, moderator):
    page = owner_client.get("/manage/organisations/sunrise/translations/pl/")
    assert list(page.context["form"].fields) == ["description", "comment", "version"]
    owner_client.post(
        "/manage/organisations/sunrise/translations/pl/",
        {"version": page.context["form"]["version"].value(), "description": "Wspieramy rodziny."},
    )
    services.approve_revision(Revision.objects.pending().get(), moderator)
    assert OrganisationTranslation.objects.get(organisation=organisation, language="pl").description == (
        "Wspieramy rodziny."
    )
    content = get_in(client, "pl", "/organisations/sunrise/").content.decode()
    assert '<p class="lead" lang="pl" dir="ltr">Wspieramy rodziny.</p>' in content


def test_moderators_can_enter_a_translation_in_the_admin(moderator_client, service):
    page = moderator_client.get(f"/admin/partners/service/{service.pk}/change/")
    assert "translations-TOTAL_FORMS" in page.content.decode()


# --- What visitors see ----------------------------------------------------------------


def test_english_visitors_see_english_with_no_note_or_lang(client, service):
    ServiceTranslation.objects.create(service=service, language="ur", description=URDU)
    content = client.get("/services/talking-circle/").content.decode()
    assert "<h1>Talking circle</h1>" in content
    assert URDU not in content and "This description is in English" not in content


def in_english_note(language: str) -> str:
    with translation.override(language):
        return translation.gettext("This description is in English")


def test_a_visitor_whose_language_has_no_translation_sees_english_with_a_note(client, service):
    ServiceTranslation.objects.create(service=service, language="ur", description=URDU)
    content = get_in(client, "pl", "/services/talking-circle/").content.decode()
    assert '<p class="lead" lang="en" dir="ltr">We meet on Tuesdays.</p>' in content
    assert in_english_note("pl") in content
    assert URDU not in content


def test_result_rows_show_the_translated_summary(client, service):
    ServiceTranslation.objects.create(service=service, language="ur", name="گفتگو کا حلقہ", description=URDU)
    content = get_in(client, "ur", "/search/").content.decode()
    assert '<a href="/ur/services/talking-circle/" lang="ur" dir="rtl">گفتگو کا حلقہ</a>' in content
    assert f'<p class="result__summary" lang="ur" dir="rtl">{URDU}</p>' in content


def test_result_rows_in_english_carry_the_note_in_another_language(client, service):
    content = get_in(client, "pl", "/search/").content.decode()
    assert '<p class="result__summary" lang="en" dir="ltr">We meet on Tuesdays.</p>' in content
    assert in_english_note("pl") in content


def test_the_print_sheet_shows_the_translation(client, service):
    ServiceTranslation.objects.create(service=service, language="ur", opening_hours="منگل کے دن")
    content = get_in(client, "ur", "/shortlist/print/?service=talking-circle").content.decode()
    assert '<dd lang="ur" dir="rtl">منگل کے دن</dd>' in content
    assert in_english_note("ur") in content  # the description itself is not translated


def test_a_translated_service_page_takes_two_more_queries_than_english(client, service):
    # The service's and its organisation's translations into the visitor's language.
    ServiceTranslation.objects.create(service=service, language="ur", description=URDU)
    english_count = _count(client, "/services/talking-circle/", None)
    assert _count(client, "/services/talking-circle/", "ur") == english_count + 2


def test_search_results_take_one_more_query_in_another_language_whatever_the_size(client, organisation):
    for i in range(3):
        make_service(f"Group {i}", organisation=organisation)
    few = _count(client, "/search/", "ur")
    for i in range(3, 9):
        service = make_service(f"Group {i}", organisation=organisation)
        ServiceTranslation.objects.create(service=service, language="ur", description=URDU)
    assert _count(client, "/search/", "ur") == few == _count(client, "/search/", None) + 1


def _count(client, url: str, language: str | None) -> int:
    facet_index.current()  # search's facet index is built once per directory version: not counted here
    with CaptureQueriesContext(connection) as queries:
        response = get_in(client, language, url) if language else client.get(url)
    assert response.status_code == 200
    return len(queries)
