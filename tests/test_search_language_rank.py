"""A language search ranks services whose staff speak the language above those that offer
it only through an interpreter, in writing or by a phone line (issue 12)."""

import pytest

from partners.search import SearchParams
from tests.factories import make_location, make_organisation, make_postcode, make_service, result_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def urdu(db):
    # Alphabetical order is the opposite of who speaks Urdu best.
    make_service("Aspen Interpreted", languages=[("ur", "interpreter")], support=["counselling"])
    make_service("Beech Leaflets", languages=[("ur", "written")], support=["counselling"])
    make_service("Cedar Both", languages=[("ur", "interpreter"), ("ur", "staff")], support=["counselling"])
    make_service("Damson Speakers", languages=["ur"], support=["counselling"])
    make_service("Elm Polish", languages=["pl"], support=["counselling"])


def test_a_language_filter_lists_staff_speakers_first(client, urdu):
    response = client.get("/search/", {"language": "ur"})
    names = [service.name for service in response.context["page"]]
    assert names == ["Cedar Both", "Damson Speakers", "Aspen Interpreted", "Beech Leaflets"]
    assert response.context["params"].effective_sort == "relevance"
    assert "relevance" in dict(response.context["sorts"])


def test_a_language_named_in_the_words_lists_staff_speakers_first(urdu):
    assert result_names(SearchParams(q="urdu")) == [
        "Cedar Both",
        "Damson Speakers",
        "Aspen Interpreted",
        "Beech Leaflets",
    ]


def test_either_of_two_chosen_languages_counts_as_spoken(urdu):
    names = result_names(SearchParams(language=("ur", "pl")))
    assert names[:3] == ["Cedar Both", "Damson Speakers", "Elm Polish"]
    assert names[3:] == ["Aspen Interpreted", "Beech Leaflets"]


def test_sorting_by_name_stays_alphabetical(urdu):
    names = result_names(SearchParams(language=("ur",), sort="name"))
    assert names == ["Aspen Interpreted", "Beech Leaflets", "Cedar Both", "Damson Speakers"]


def test_a_search_without_a_language_keeps_its_order(urdu):
    # No words and no language: nothing to rank by, so the list is alphabetical as before.
    assert SearchParams(support=("counselling",)).effective_sort == "name"
    assert result_names(SearchParams(support=("counselling",)))[:2] == ["Aspen Interpreted", "Beech Leaflets"]


def test_nearest_first_stays_the_order_of_a_place_search_in_a_language(client, db):
    make_postcode("BD21 3DN", 53.868739, -1.907502)
    organisation = make_organisation()
    near = make_location(organisation, name="Near", latitude=53.8690, longitude=-1.9070)
    far = make_location(organisation, name="Far", latitude=53.8490, longitude=-1.8380)
    make_service("Interpreted Near", organisation=organisation, languages=[("ur", "interpreter")]).locations.add(near)
    make_service("Speakers Far", organisation=organisation, languages=["ur"]).locations.add(far)
    response = client.get("/search/", {"language": "ur", "postcode": "BD21 3DN", "radius": "10"})
    assert [service.name for service in response.context["page"]] == ["Interpreted Near", "Speakers Far"]
    # Best match is offered, and puts the staff speakers first.
    response = client.get("/search/", {"language": "ur", "postcode": "BD21 3DN", "radius": "10", "sort": "relevance"})
    assert [service.name for service in response.context["page"]] == ["Speakers Far", "Interpreted Near"]


def test_staff_speakers_first_holds_across_pages(db):
    for n in range(12):
        make_service(f"Interpreted {n:02}", languages=[("ur", "interpreter")])
    make_service("Zebra Speakers", languages=["ur"])
    names = result_names(SearchParams(language=("ur",)))
    assert names[0] == "Zebra Speakers"
    assert len(names) == 13 == len(set(names))
