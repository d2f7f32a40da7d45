"""“Did you mean …?” on the results page: corrections made from the words the public
listings contain, offered only when the corrected search finds services, the same on
SQLite and PostgreSQL (the whole file runs on both)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from partners import facet_index, suggestions
from partners.models import ServiceTranslation, Status
from partners.suggestions import Lexicon, edit_distance, rewrite
from tests.factories import make_postcode, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def listings(db):
    make_service("Tuesday club", description="A friendly group for people with depression.", languages=["ur"])
    make_service(
        "After a death",
        description="Bereavement counselling for families, in your own language.",
        support=["bereavement"],
    )
    make_service("Money worries", description="Help with overdue bills and benefits.")
    make_service("Hill walks", description="Walks up a steep hill, at a gentle pace.")
    urdu = make_service("Sahara", description="A listening ear.")
    ServiceTranslation.objects.create(service=urdu, language="ur", description="ہم ہمدردی سے سنتے ہیں")


def page(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def suggested(client, **params) -> str | None:
    """The corrected words the page offers, or None; checks the link is on the page."""
    response = page(client, **params)
    suggestion = response.context["suggestion"]
    if suggestion is None:
        assert "Did you mean" not in response.content.decode()
        return None
    url = response.context["suggestion_url"]
    assert url.replace("&", "&amp;") in response.content.decode()
    assert parse_qs(urlsplit(url).query)["q"] == [suggestion.q]
    return suggestion.q


# --- What is suggested -------------------------------------------------------------------


def test_a_misspelt_word_is_corrected_to_the_word_the_listings_use(client, listings):
    assert suggested(client, q="depresion") == "depression"
    assert suggested(client, q="bereavment") == "bereavement"


def test_only_the_misspelt_word_of_several_is_corrected(client, listings):
    assert suggested(client, q="bereavment counselling") == "bereavement counselling"
    assert suggested(client, q="Counselling for BEREAVMENT!") == "Counselling for bereavement!"


def test_a_search_that_finds_services_gets_no_suggestion(client, listings):
    assert page(client, q="depression").context["results"].count == 1
    assert suggested(client, q="depression") is None
    assert suggested(client, q="bereavement counselling") is None


def test_nothing_is_suggested_when_no_listing_word_is_close(client, listings):
    assert page(client, q="xylophone").context["results"].count == 0
    assert suggested(client, q="xylophone") is None
    assert suggested(client, q="dpxqzzion") is None


def test_a_word_no_listing_has_but_the_search_knows_is_never_corrected(client, listings):
    # "sleep" is a synonym (of sleeping, insomnia) one letter from the listings' "steep".
    assert page(client, q="sleep").context["results"].count == 0
    assert suggested(client, q="sleep") is None


def test_words_the_listings_have_are_never_corrected(client, listings):
    # No service has both, so the search is relaxed, but both words are the listings'.
    assert page(client, q="depression walks").context["results"].relaxed
    assert suggested(client, q="depression walks") is None


def test_a_crisis_word_is_never_corrected_and_still_opens_crisis_help(client, listings):
    # "overdose" is two edits from the listings' "overdue".
    response = page(client, q="overdose")
    assert response.context["in_crisis"]
    assert "data-crisis-box" in response.content.decode()
    assert response.context["suggestion"] is None


def test_a_correction_next_to_a_crisis_word_keeps_it(client, listings):
    make_service("Suicide bereavement group", description="For people bereaved by suicide.")
    response = page(client, q="suicide bereavment")
    assert response.context["in_crisis"]
    assert "data-crisis-box" in response.content.decode()
    assert response.context["suggestion"].q == "suicide bereavement"


def test_a_suggestion_is_offered_only_when_the_corrected_search_finds_services(client, listings):
    # Corrected, "depression" within the other filters (Polish speakers) still finds nothing.
    assert suggested(client, q="depresion", language="pl") is None
    assert suggested(client, q="depresion", language="ur") == "depression"


def test_a_vocabulary_word_no_service_matches_is_never_suggested(client, listings):
    # "Befriending" is a support type (and a synonym) that no service here offers or says.
    assert suggested(client, q="befreinding") is None


def test_a_word_only_an_unpublished_listing_has_is_never_suggested(client, listings):
    make_service("Hidden", description="Mindfulness sessions.", status=Status.DRAFT)
    assert suggested(client, q="mindfullness") is None


def test_a_word_of_a_translation_is_corrected_in_its_own_script(client, listings):
    # ہمدردی (sympathy) typed with a letter missing.
    assert suggested(client, q="ہمدری") == "ہمدردی"


def test_a_word_typed_in_another_script_that_a_listing_has_is_left_alone(client, listings):
    assert suggested(client, q="ہمدردی") is None


def test_a_word_residents_type_that_the_search_understands_can_be_the_correction(client, listings):
    make_service("Calm", description="Support with anxiety.")
    # Romanised Urdu for worry (partners/search_words.py), with a letter missing.
    assert suggested(client, q="pareshni") == "pareshani"
    assert suggested(client, q="anxios") == "anxious"


def test_latin_accents_are_ignored_when_correcting(client, listings):
    assert suggested(client, q="dépresion") == "depression"


def test_the_suggestion_link_keeps_the_other_filters_and_starts_at_page_one(client, listings):
    make_postcode()
    response = page(client, q="depresion", language="ur", postcode="BD21 3DN", radius="10", sort="name", page="1")
    query = parse_qs(urlsplit(response.context["suggestion_url"]).query)
    assert query == {
        "q": ["depression"],
        "language": ["ur"],
        "postcode": ["BD21 3DN"],
        "radius": ["10"],
        "sort": ["name"],
    }


def test_the_suggestion_link_stays_in_the_visitors_language(client, listings):
    response = client.get("/ur/search/", {"q": "depresion"})
    assert response.status_code == 200
    assert response.context["suggestion_url"].startswith("/ur/search/?")
    assert "کیا آپ کا مطلب" in response.content.decode()


def test_a_listing_word_added_after_a_search_is_suggested_at_once(client, listings):
    assert suggested(client, q="mindfullness") is None
    make_service("Calm minds", description="Mindfulness sessions.")
    assert suggested(client, q="mindfullness") == "mindfulness"


def test_a_listing_word_unpublished_after_a_search_is_no_longer_suggested(client, listings):
    service = make_service("Calm minds", description="Mindfulness sessions.")
    assert suggested(client, q="mindfullness") == "mindfulness"
    service.status = Status.DRAFT
    service.save()
    assert suggested(client, q="mindfullness") is None


@pytest.mark.parametrize(
    "q",
    [
        "d" * 200,
        "x" * 5000,
        "%%% *** ((( ))) ;;; '\" <script>alert(1)</script> \\",
        "مرحبا كيف حالك اكتئاب",
        "‮depresion‬ \u200f",
        "depresion\u0000",
        "ǅepresion ﬁnd \uff24\uff25\uff30\uff32\uff25\uff33\uff29\uff2f\uff2e",  # full-width DEPRESION
        " ".join(["depresion"] * 40),
        "bd21 3dn 12345 depresion",
    ],
)
def test_garbage_keywords_never_break_the_page(client, listings, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    suggestion = response.context["suggestion"]
    if suggestion is not None:
        assert "depression" in suggestion.q.casefold()
        assert len(suggestion.q) <= 200


def test_a_search_without_keywords_gets_no_suggestion(client, listings):
    assert page(client, language="pl").context["suggestion"] is None


# --- Query counts ------------------------------------------------------------------------


def queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as context:
        client.get("/search/", params)
    return len(context)


def test_a_suggestion_costs_one_query_once_the_listing_words_are_read(client, listings):
    page(client, q="xylophone")  # the listing words are read
    # The same page without a suggestion: on PostgreSQL "bereavment" finds the service (its
    # English stem is a start of bereavement's), as "bereavement" does; on SQLite it finds
    # nothing, as "xylophone" (which has no close listing word).
    postgres = connection.vendor == "postgresql"
    same = "bereavement counselling" if postgres else "xylophone counselling"
    with override_settings(MAP_CACHE_SECONDS=0):  # no facet index: the check is one EXISTS
        assert queries(client, q="bereavment counselling") == queries(client, q=same) + 1
        baseline = "depression" if postgres else "xylophone"
        assert queries(client, q="depresion", language="ur") == queries(client, q=baseline, language="ur") + 1
        assert page(client, q="depresion", language="ur").context["suggestion"].q == "depression"


def test_with_the_facet_index_a_suggestion_costs_no_query_on_postgresql(client, listings):
    # The index and its words, as a running site keeps them (built once per version).
    facet_index.current().words()
    page(client, q="xylophone")  # the listing words are read
    postgres = connection.vendor == "postgresql"
    same = "bereavement counselling" if postgres else "xylophone counselling"
    # The first search of some words reads their query texts and the vocabulary arms, kept after.
    for q in (same, "bereavment counselling"):
        page(client, q=q)
    # PostgreSQL: the corrected words are matched in memory (partners/word_index.py);
    # SQLite: the index still asks SQL for the words, in one statement.
    assert queries(client, q="bereavment counselling") == queries(client, q=same) + (not postgres)
    assert page(client, q="bereavment counselling").context["suggestion"].q == "bereavement counselling"
    # Corrected, "depression" for Polish speakers finds nothing: no suggestion.
    assert suggested(client, q="depresion", language="pl") is None
    assert suggested(client, q="depresion", language="ur") == "depression"


def test_a_single_misspelt_word_costs_no_query_more(client, listings):
    # A word a public listing has, alone and with no filter, surely finds services.
    page(client, q="xylophone")  # the listing words are read
    postgres = connection.vendor == "postgresql"
    assert queries(client, q="bereavment") == queries(client, q="bereavement" if postgres else "xylophone")
    assert page(client, q="bereavment").context["suggestion"].q == "bereavement"
    assert page(client, q="help with bereavment").context["suggestion"].q == "help with bereavement"


def test_a_search_with_nothing_to_correct_costs_no_query_more(client, listings):
    page(client, q="xylophone")  # the listing words are read
    # Both find nothing with every word, then look for services with any word; no suggestion.
    assert queries(client, q="xylophone walks") == queries(client, q="depression walks")


# --- The parts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "edits"),
    [
        ("depresion", "depression", 1),
        ("bereavment", "bereavement", 1),
        ("counselling", "counselilng", 1),  # two letters swapped
        ("anxiety", "anxiety", 0),
        ("steep", "sleep", 1),
        ("overdose", "overdue", 2),
        ("abcdef", "uvwxyz", 3),  # past the limit of 2
    ],
)
def test_edit_distance(a, b, edits):
    assert edit_distance(a, b, 2) == edits


def test_the_closest_word_is_the_fewest_edits_then_the_most_used():
    lexicon = Lexicon({"depression": 3, "depressions": 9, "deprecation": 50, "counselling": 1}, {})
    assert lexicon.closest("depresion") == "depression"
    lexicon = Lexicon({"carers": 2, "cares": 8}, {})
    assert lexicon.closest("carrs") == "cares"
    # Never across the first letter, never past the edits the length allows.
    assert Lexicon({"depression": 1}, {}).closest("epression") is None
    assert Lexicon({"hills": 1}, {}).closest("halps") is None


def test_rewrite_keeps_everything_but_the_corrected_words():
    assert rewrite("Help with DEPRESION, please", {"depresion": "depression"}) == "Help with depression, please"
    assert rewrite("depresion", {}) == "depresion"


def test_the_listing_words_are_read_again_only_after_a_change(listings, django_assert_num_queries):
    first = suggestions.current_lexicon()
    with django_assert_num_queries(0):
        assert suggestions.current_lexicon() is first
    make_service("Calm minds", description="Mindfulness sessions.")
    assert "mindfulness" in suggestions.current_lexicon().counts


# --- Shared between processes ---------------------------------------------------------


@pytest.fixture
def shared(settings, monkeypatch):
    """A shared cache (as with Redis), and this process as a new one: no listing words yet."""
    settings.MAP_CACHE_SECONDS = 900
    monkeypatch.setattr(suggestions, "_kept", None)


@pytest.mark.django_db(transaction=True)
def test_a_process_takes_the_listing_words_another_has_read_from_the_shared_cache(shared, django_assert_num_queries):
    make_service("Calm minds", description="Mindfulness sessions.")
    first = suggestions.current_lexicon()  # read here, and shared
    suggestions._kept = None  # another process
    with django_assert_num_queries(0):
        again = suggestions.current_lexicon()
    assert again is not first and again.counts == first.counts and again.counts["mindfulness"] == 1


@pytest.mark.django_db(transaction=True)
def test_after_a_change_the_older_words_answer_while_one_thread_reads_the_new(shared, django_assert_num_queries):
    make_service("Calm minds", description="Mindfulness sessions.")
    older = suggestions.current_lexicon()
    make_service("Hill walks", description="Rambling on the moors.")  # a new version
    with django_assert_num_queries(0):  # nobody waits for the reading
        assert suggestions.current_lexicon() is older
    suggestions._reader.join(timeout=30)
    with django_assert_num_queries(0):
        newer = suggestions.current_lexicon()
    assert "rambling" in newer.counts and "rambling" not in older.counts


@pytest.mark.django_db(transaction=True)
def test_while_another_process_reads_the_new_words_this_one_does_not(shared, monkeypatch):
    make_service("Calm minds", description="Mindfulness sessions.")
    older = suggestions.current_lexicon()
    make_service("Hill walks", description="Rambling on the moors.")
    version = suggestions.map_cache.version()
    cache.add(suggestions._cache_key(version, "reading"), 1, 60)  # another process has the lock
    monkeypatch.setattr(suggestions, "build_lexicon", lambda: pytest.fail("read twice"))
    assert suggestions.current_lexicon() is older
    assert not suggestions._reading.locked()
