"""Keywords typed in any interface language find services through their translations and
through the word lists of partners/search_words.py, on PostgreSQL and on SQLite alike."""

import pytest
from django.db import connection

from partners import search_words
from partners.models import ServiceTranslation
from partners.search import SearchParams
from tests.factories import make_service, result_names

pytestmark = pytest.mark.django_db

BACKENDS = ["basic", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param == "postgres" and connection.vendor != "postgresql":
        pytest.skip("PostgreSQL full-text search")
    return request.param


def names(q: str, backend: str) -> list[str]:
    return result_names(SearchParams(q=q), backend)


@pytest.fixture
def listings(db):
    polish = make_service("Tuesday group", description="A weekly group.")
    ServiceTranslation.objects.create(
        service=polish, language="pl", description="Cotygodniowa grupa dla osób, które czują samotność."
    )
    urdu = make_service("Sahara", description="A listening ear.")
    ServiceTranslation.objects.create(
        service=urdu, language="ur", description="ڈپریشن اور پریشانی میں ہمدردی سے سنتے ہیں"
    )
    make_service("Low mood club", description="For people living with depression.")
    make_service("Walk and talk", description="Gentle walks in the park.")


def test_a_polish_word_finds_the_polish_translation(listings, backend):
    assert names("samotność", backend) == ["Tuesday group"]


def test_an_urdu_word_finds_the_urdu_translation_and_its_english_meaning(listings, backend):
    assert sorted(names("ڈپریشن", backend)) == ["Low mood club", "Sahara"]


def test_a_romanised_urdu_word_finds_what_it_means(listings, backend):
    # "pareshani" (worry, trouble) is listed with پریشانی, which the Urdu translation has.
    assert names("pareshani", backend) == ["Sahara"]
    # "udasi" (sadness) means low mood in English.
    assert names("udasi", backend) == ["Low mood club"]


def test_polish_typed_without_accents_finds_the_word_list_meaning(listings, backend):
    assert names("samotnosc", backend) == ["Tuesday group"]


def test_a_word_for_help_alone_is_ignored_like_help(listings, backend):
    assert len(names("pomoc", backend)) == 4
    assert sorted(names("pomoc depresja", backend)) == ["Low mood club"]


def test_the_arabic_and_persian_forms_of_yeh_and_kaf_are_the_same_word():
    assert search_words.meanings_of("تنهايي") == search_words.meanings_of("تنهایی") == {"loneliness"}


@pytest.mark.parametrize(
    ("word", "meaning"),
    [
        ("depresja", "depression"),
        ("żałoba", "bereavement"),
        ("terapia", "counselling"),
        ("تنہائی", "loneliness"),
        ("غم", "bereavement"),
        ("مشورہ", "counselling"),
        ("বিষণ্ণতা", "depression"),
        ("একাকীত্ব", "loneliness"),
        ("শোক", "bereavement"),
        ("اكتئاب", "depression"),
        ("وحدة", "loneliness"),
        ("حزن", "sadness"),
        ("استشارة", "counselling"),
        ("افسردگی", "depression"),
        ("depresie", "depression"),
        ("singurătate", "loneliness"),
        ("doliu", "bereavement"),
        ("depresia", "depression"),
        ("osamelosť", "loneliness"),
        ("smútok", "sadness"),
    ],
)
def test_the_word_lists_know_the_common_words(word, meaning):
    assert meaning in search_words.meanings_of(word)


def test_every_interface_language_has_words_for_the_common_needs():
    needed = {"counselling", "help", "refugees-asylum-seekers", "domestic-abuse", "bereavement", "depression"}
    for language, meanings in search_words.WORDS.items():
        assert needed <= set(meanings), language


def test_every_meaning_is_a_known_slug_or_need():
    listed = {meaning for meanings in search_words.WORDS.values() for meaning in meanings}
    assert listed <= set(search_words.MEANINGS)


def test_a_word_for_refugee_finds_services_for_refugees_by_community(db, backend):
    make_service("Welcome project", description="Support in a new country.", communities=["refugees-asylum-seekers"])
    make_service("Walk and talk", description="Gentle walks in the park.")
    assert names("uchodźcy", backend) == ["Welcome project"]
    assert names("لاجئين", backend) == ["Welcome project"]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL ranking")
def test_a_translated_name_ranks_like_an_english_name(db):
    make_service("Depression support", description="Weekly group.")
    translated = make_service("Grupa", description="Weekly group.")
    ServiceTranslation.objects.create(service=translated, language="pl", name="Wsparcie w depresji")
    make_service("Coffee morning", description="Some of us have had depression.")
    found = names("depresji", "postgres")
    assert found.index("Grupa") < found.index("Coffee morning")
