"""The fixed vocabularies (support types, communities, cultural fit, ways of taking part) in
the visitor's language on every public page that shows them; English in the API and the
admin; a name a moderator typed stays as typed."""

import pytest
from django.utils import translation

from directory import languages
from partners import facet_index
from partners.models import Attribute, Community, SupportType
from partners.reference_data import ATTRIBUTES, COMMUNITIES, MODES, SUPPORT_TYPES
from tests.factories import make_organisation, make_service

pytestmark = pytest.mark.django_db

# What each page should show, by language: (English, Urdu, Polish).
CRISIS = ("Crisis support", "بحران میں فوری مدد", "Pomoc w kryzysie")
COUNSELLING = ("Counselling and talking therapy", "کونسلنگ اور بات چیت سے علاج", "Poradnictwo i psychoterapia")
PAKISTANI = ("Pakistani and Kashmiri", "پاکستانی اور کشمیری", "Pakistańczycy i Kaszmirczycy")
INTERPRETERS = ("Interpreters available", "ترجمان دستیاب", "Dostępni tłumacze")
PHONE = ("By phone", "فون کے ذریعے", "Telefonicznie")
LANGUAGES = {"ur": 1, "pl": 2}


@pytest.fixture(autouse=True)
def english_after():
    yield
    translation.activate("en-gb")


@pytest.fixture
def service(db):
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise")
    return make_service(
        "Talking circle",
        slug="circle",
        organisation=organisation,
        support=["crisis-support", "counselling"],
        communities=["pakistani-kashmiri"],
        attributes=["interpreters"],
        modes=["phone"],
    )


def page(client, language: str, path: str) -> str:
    response = client.get(f"/{language}{path}")
    assert response.status_code == 200, path
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_filters_name_their_options_in_the_visitors_language(client, service, language):
    content = page(client, language, "/search/")
    for words in (CRISIS, COUNSELLING, PAKISTANI, INTERPRETERS, PHONE):
        assert words[LANGUAGES[language]] in content
        assert words[0] not in content


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_chosen_filter_is_named_in_the_visitors_language(client, service, language):
    content = page(client, language, "/search/?support=crisis-support&community=pakistani-kashmiri")
    chips = content.split('class="chip"')[1:]
    assert any(CRISIS[LANGUAGES[language]] in chip.split("</a>")[0] for chip in chips)
    assert any(PAKISTANI[LANGUAGES[language]] in chip.split("</a>")[0] for chip in chips)
    assert CRISIS[0] not in content


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_result_names_its_communities_in_the_visitors_language(client, service, language):
    content = page(client, language, "/search/?q=circle")
    result = content.split('id="result-circle"')[1].split("</li>\n")[0]
    assert PAKISTANI[LANGUAGES[language]] in result
    assert PAKISTANI[0] not in result


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_organisations_page_lists_its_services_with_translated_communities(client, service, language):
    content = page(client, language, "/organisations/sunrise/")
    assert PAKISTANI[LANGUAGES[language]] in content
    assert PAKISTANI[0] not in content


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_service_page_names_every_term_and_description_in_the_visitors_language(client, service, language):
    content = page(client, language, "/services/circle/")
    for words in (CRISIS, COUNSELLING, PAKISTANI, INTERPRETERS, PHONE):
        assert words[LANGUAGES[language]] in content
        assert words[0] not in content
    description = {"ur": "دوسری زبانوں کے لیے ترجمان کا انتظام ہو سکتا ہے", "pl": "Można zorganizować tłumacza"}
    assert description[language] in content
    assert "Interpreters can be arranged" not in content


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_page_offers_the_support_types_and_communities_in_the_visitors_language(client, service, language):
    content = page(client, language, "/")
    assert CRISIS[LANGUAGES[language]] in content
    assert PAKISTANI[LANGUAGES[language]] in content
    assert "Help when you feel you cannot cope" not in content  # the support type's description
    assert CRISIS[0] not in content


def test_english_pages_keep_the_english_names(client, service):
    for path in ("/", "/search/?support=crisis-support", "/services/circle/"):
        content = client.get(path).content.decode()
        assert CRISIS[0] in content, path


def test_every_seeded_name_and_description_has_a_translation_in_every_language():
    seeded = [
        text for rows in (COMMUNITIES, SUPPORT_TYPES, ATTRIBUTES, MODES) for _slug, *texts in rows for text in texts
    ]
    for language in languages.TRANSLATED:
        with translation.override(language.code):
            untranslated = [text for text in seeded if text and translation.gettext(text) == text]
        assert not untranslated, (language.code, untranslated)


def test_the_options_keep_their_configured_order_in_every_language(client, service):
    SupportType.objects.filter(slug="befriending").update(order=1)
    for path in ("/search/", "/pl/search/", "/ur/search/"):
        content = client.get(path).content.decode()
        assert content.index('value="befriending"') < content.index('value="counselling"'), path


def test_a_name_a_moderator_changed_shows_as_typed_on_translated_pages(client, service):
    Community.objects.filter(slug="pakistani-kashmiri").update(name="Pakistani, Kashmiri and Mirpuri")
    Attribute.objects.filter(slug="interpreters").update(description="Interpreters for any language, on request")
    content = page(client, "pl", "/services/circle/")
    assert "Pakistani, Kashmiri and Mirpuri" in content
    assert "Interpreters for any language, on request" in content
    assert INTERPRETERS[2] in content  # its name is still the seeded one
    assert "Pakistani, Kashmiri and Mirpuri" in page(client, "ur", "/search/")


@pytest.mark.parametrize("ask", [{"lang": "ur"}, {"lang": "pl"}, {}])
def test_the_api_names_the_terms_in_english_whatever_the_language_asked_for(client, service, ask):
    body = client.get(f"/api/services/{service.public_id}", ask, headers={"Accept-Language": "ur"}).content.decode()
    for words in (CRISIS, COUNSELLING, PAKISTANI, INTERPRETERS, PHONE):
        assert words[0] in body
        assert words[1] not in body and words[2] not in body


def test_the_admin_lists_the_stored_english_names(moderator_client, service):
    content = moderator_client.get("/admin/partners/supporttype/", headers={"Accept-Language": "pl"}).content.decode()
    assert CRISIS[0] in content
    assert CRISIS[2] not in content


def test_translating_the_terms_costs_no_query(client, service, django_assert_num_queries):
    # The same as in English, plus the listings' own translations (tests/test_translations.py).
    # The search's option counts come from the facet index, built once per directory version.
    # The service page reads the vocabularies (two queries) as a test with listings not yet
    # committed does on every page that loads them (partners.map_cache.kept_in_process).
    facet_index.current()
    for path, english in (("/search/?support=crisis-support", 8), ("/services/circle/", 11), ("/", 3)):
        with django_assert_num_queries(english):
            client.get(path)
    for path, polish in (("/pl/search/?support=crisis-support", 9), ("/pl/services/circle/", 13), ("/pl/", 3)):
        with django_assert_num_queries(polish):
            client.get(path)
