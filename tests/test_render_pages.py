"""The public pages' HTML does not depend on what a process keeps between requests
(the vocabularies under the directory version, the language links per path): the pages
render the same, byte for byte, cold and from what was kept (`manage.py render_pages`
compares two sets of pages the same way, before and after a change to the code)."""

import pytest
from django.test import override_settings
from django.urls import translate_url
from django.utils import translation

from directory.context_processors import interface_languages
from partners import context_processors, map_cache, synthetic
from partners.management.commands.render_pages import page_paths, render_all
from partners.models import Community, Language, Organisation
from partners.search import vocabulary
from tests.factories import make_postcode


@pytest.fixture
def listings(db, monkeypatch):
    make_postcode("BD21 3DN", 53.8687, -1.9075)
    make_postcode("BD7 1DP", 53.7857, -1.7709)
    synthetic.generate(40, seed=5)
    # The test's own transaction holds these rows uncommitted; in a running site they are
    # committed before the next request, which may then keep the vocabularies.
    monkeypatch.setattr(map_cache, "pending_changes", lambda: False)
    monkeypatch.setattr(vocabulary, "_kept", {})
    monkeypatch.setattr(vocabulary, "_kept_options", {})
    monkeypatch.setattr(context_processors, "_examples", {})


def test_every_page_renders_the_same_from_kept_vocabularies_as_read_afresh(listings, client):
    with override_settings(MAP_CACHE_SECONDS=0):
        cold = render_all(client)
    kept_first = render_all(client)
    kept_again = render_all(client)

    assert vocabulary._kept and context_processors._examples
    assert set(cold) == set(page_paths())
    assert all(cold[name][0] == 200 for name in ("home", "search", "search-filters", "ur-search", "service"))
    for name in cold:
        assert kept_first[name] == cold[name], name
        assert kept_again[name] == cold[name], name


def test_a_renamed_language_shows_at_once_although_the_vocabularies_were_kept(listings, client):
    client.get("/search/")
    language = Language.objects.get(code="pl")
    language.name = "Polish (renamed)"
    language.save()

    page = client.get("/search/").content.decode()

    assert "Polish (renamed)" in page


def test_the_language_links_keep_the_query_and_are_what_translate_url_gives(rf, db):
    request = rf.get("/ur/search/", {"q": "low mood", "language": "ur"})
    for _ in range(2):  # the second from the paths kept
        with translation.override("ur"):  # as LocaleMiddleware leaves it for /ur/
            links = interface_languages(request)["language_links"]
            expected = [translate_url(request.get_full_path(), link.language.code) for link in links]
        assert [link.url for link in links] == expected
    assert links and all(link.url.endswith("?q=low+mood&language=ur") for link in links)


def test_garbage_in_the_query_string_renders_a_page_not_an_error(listings, client):
    response = client.get("/search/", {"age": "old", "language": "zz", "sort": "<b>", "radius": "x"})

    assert response.status_code == 200
    assert "<b>" not in response.content.decode()


def test_the_sample_listings_banner_shows_at_once_although_its_absence_was_kept(listings, client):
    assert "These listings are examples." not in client.get("/search/").content.decode()
    organisation = Organisation.objects.published().first()
    organisation.is_example = True
    organisation.save()

    assert "These listings are examples." in client.get("/search/").content.decode()


def test_the_filter_options_kept_in_each_language_are_those_made_afresh(listings):
    made = {}
    for language in ("en-gb", "pl", "ur", "en-gb"):
        with translation.override(language):
            kept = vocabulary.Vocabulary.load()
            afresh = vocabulary.Vocabulary(vocabulary.Vocabulary.read())._made_options()
            for facet, options in afresh.items():
                assert kept.options(facet) == options, (language, facet)
            made.setdefault(language, kept.options("community"))
            # The second request in a language reads the options the first one made.
            assert vocabulary.Vocabulary.load().options("community") is made[language]

    assert vocabulary._kept_options
    assert [o.label for o in made["pl"]] != [o.label for o in made["en-gb"]]


def test_a_renamed_community_shows_in_the_filters_at_once_although_its_options_were_kept(listings, client):
    client.get("/search/")
    client.get("/pl/search/")
    community = Community.objects.get(slug="pakistani-kashmiri")
    community.name = "Kashmiri (renamed)"
    community.save()

    assert "Kashmiri (renamed)" in client.get("/search/").content.decode()
    assert "Kashmiri (renamed)" in client.get("/pl/search/").content.decode()
