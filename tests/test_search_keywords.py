"""Keyword search: PostgreSQL relevance (stemming, typos, synonyms, weights, autonyms) and
the portable fallback used on SQLite, which runs on both databases."""

import pytest
from django.db import connection

from partners.search import SearchParams, Vocabulary, parse_keywords, search
from tests.factories import make_organisation, make_service, result_names

pytestmark = pytest.mark.django_db


def names(q: str, backend: str | None = None) -> list[str]:
    return result_names(SearchParams(q=q), backend)


@pytest.fixture
def listings(db):
    return {
        "counselling": make_service(
            "Talking space", description="Free counselling sessions with a trained counsellor.", languages=["en"]
        ),
        "grief": make_service("After a death", description="Support for families through bereavement and loss."),
        "mood": make_service("Tuesday club", description="A friendly group for people with depression."),
        "alcohol": make_service("Recovery circle", description="Peer support for problems with alcohol."),
        "urdu": make_service("Sahara", description="A listening ear.", languages=["ur"]),
        "pashto": make_service("Afghan families", description="Meeting others.", languages=[("ps", "interpreter")]),
        "bangladeshi": make_service("Bondhu", description="Meeting others.", communities=["bangladeshi"]),
        "befriending": make_service("Phone friends", description="Regular calls.", support=["befriending"]),
    }


# --- On PostgreSQL ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")
class TestPostgresRelevance:
    def test_us_spelling_finds_the_uk_one(self, listings):
        assert names("counseling") == ["Talking space"]

    def test_stemming_finds_other_forms_of_a_word(self, listings):
        assert "Tuesday club" in names("groups")
        assert "Talking space" in names("sessions counsellors")

    def test_a_misspelt_word_still_finds_the_service(self, listings):
        assert names("bereavment") == ["After a death"]
        assert names("depresion") == ["Tuesday club"]

    def test_a_typo_does_not_make_an_unrelated_word_match(self, listings):
        make_service("Art group", description="Creative expression through painting.")
        assert names("depression") == ["Tuesday club"]

    @pytest.mark.parametrize(
        ("words", "expected"),
        [
            ("therapy", "Talking space"),
            ("grief", "After a death"),
            ("low mood", "Tuesday club"),
            ("feeling sad", "Tuesday club"),
            ("drink", "Recovery circle"),
            ("lonely", "Phone friends"),
        ],
    )
    def test_words_residents_use_find_what_listings_say(self, listings, words, expected):
        assert expected in names(words)

    def test_language_names_and_autonyms_find_services_offered_in_them(self, listings):
        assert names("Urdu") == ["Sahara"]
        assert names("اردو") == ["Sahara"]
        assert names("Pashto") == ["Afghan families"]
        assert names("پښتو") == ["Afghan families"]

    def test_community_names_find_services_for_them(self, listings):
        assert names("bangladeshi") == ["Bondhu"]

    def test_support_type_names_find_services_of_that_type(self, listings):
        assert names("befriending") == ["Phone friends"]

    def test_name_ranks_above_support_type_above_description_above_organisation(self, db):
        make_service("Walks", description="Out and about.", support=["befriending"])
        make_service("Club", description="Befriending for older people.")
        make_service("Befriending Walks", description="Out and about.")
        make_service("Visits", description="At home.", organisation=make_organisation("Befriending Trust"))
        assert names("befriending") == ["Befriending Walks", "Walks", "Club", "Visits"]

    def test_every_word_must_match_somewhere(self, listings):
        assert names("urdu listening") == ["Sahara"]
        assert names("urdu bereavement") == ["Sahara", "After a death"]  # none has both: either will do

    def test_prefixes_find_longer_words(self, listings):
        assert names("bereave") == ["After a death"]

    def test_a_page_search_says_when_it_relaxed_the_words(self, client, listings):
        response = client.get("/search/", {"q": "urdu bereavement"})
        assert response.context["results"].relaxed
        assert "No service matched all of your words" in response.content.decode()

    def test_search_syntax_characters_are_just_text(self, listings):
        for text in ("counselling & | ! ( ) : * '", "'; DROP TABLE partners_service; --", "a:* | b", "\\", "<->"):
            names(text)  # no error
        assert names("counselling!") == ["Talking space"]


# --- The portable fallback (what SQLite uses), tested on every database -------------------


def test_fallback_finds_words_in_names_descriptions_and_organisations(listings):
    assert names("sahara", backend="basic") == ["Sahara"]
    assert names("depression", backend="basic") == ["Tuesday club"]
    make_service("Other", organisation=make_organisation("Harmony Trust"))
    assert names("harmony", backend="basic") == ["Other"]


def test_fallback_uses_synonyms_and_us_spellings(listings):
    assert names("counseling", backend="basic") == ["Talking space"]
    assert "Talking space" in names("therapy", backend="basic")
    assert names("low mood", backend="basic") == ["Tuesday club"]
    assert names("drink", backend="basic") == ["Recovery circle"]


def test_fallback_finds_languages_by_name_and_autonym(listings):
    assert names("urdu", backend="basic") == ["Sahara"]
    assert names("اردو", backend="basic") == ["Sahara"]
    assert names("Pashto", backend="basic") == ["Afghan families"]


def test_fallback_finds_communities_and_support_types(listings):
    assert names("bangladeshi", backend="basic") == ["Bondhu"]
    assert names("befriending", backend="basic") == ["Phone friends"]


def test_fallback_ranks_a_name_match_above_a_description_match(db):
    make_service("Club", description="Befriending for older people.")
    make_service("Befriending Walks", description="Out and about.")
    assert names("befriending", backend="basic") == ["Befriending Walks", "Club"]


def test_fallback_relaxes_to_any_word_when_no_service_has_all(listings):
    results = search(SearchParams(q="urdu bereavement"), Vocabulary.load(), backend="basic")
    assert results.relaxed
    assert {s.name for s in results.page} == {"Sahara", "After a death"}


def test_words_that_mean_nothing_here_are_ignored(listings):
    assert len(names("I need some help please")) == len(listings)


def test_keywords_are_parsed_into_terms_with_synonyms_and_languages(db):
    vocabulary = Vocabulary.load()
    keywords = parse_keywords("Need help with LOW MOOD in Urdu, please", vocabulary)
    assert [t.word for t in keywords.terms] == ["low mood", "urdu"]
    assert "depression" in keywords.terms[0].expansions
    urdu = next(lang for lang in vocabulary.languages if lang.code == "ur")
    assert keywords.terms[1].language_ids == {urdu.pk}


def test_a_misspelt_language_name_is_recognised(db):
    vocabulary = Vocabulary.load()
    punjabi = next(lang for lang in vocabulary.languages if lang.code == "pa")
    assert parse_keywords("punjbi", vocabulary).terms[0].language_ids == {punjabi.pk}


def test_keyword_search_through_the_page_works_on_this_database(client, listings):
    response = client.get("/search/", {"q": "Urdu"})
    assert [s.name for s in response.context["page"].object_list] == ["Sahara"]
    assert response.context["results"].sort == "relevance"
