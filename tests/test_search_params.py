"""Bad input on every parameter of /search/: a clear message, HTTP 200, the rest of the
search still done, nothing rendered unescaped, never a 500."""

import pytest

from feedback.models import NeedStat
from partners.models import Service
from tests.factories import make_postcode, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def services(db):
    make_postcode("BD21 3DN", 53.868739, -1.907502)
    make_service("Urdu service", languages=["ur"])
    make_service("Polish service", languages=["pl"])


def names(response) -> list[str]:
    return [s.name for s in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("params", "anchor", "message"),
    [
        ({"postcode": "ZZ9 9ZZ"}, "id_postcode", "We could not find the postcode ZZ9 9ZZ"),
        ({"postcode": "not a postcode"}, "id_postcode", "Enter a postcode like BD7 1DP"),
        ({"radius": "abc"}, "id_radius", "Enter the distance as a number of miles"),
        ({"radius": "-1"}, "id_radius", "Enter a distance of at least 0.1 miles"),
        ({"radius": "0"}, "id_radius", "Enter a distance of at least 0.1 miles"),
        ({"radius": "5000"}, "id_radius", "Enter a distance of up to 50.0 miles"),
        ({"radius": "nan"}, "id_radius", "Enter the distance as a number of miles"),
        ({"radius": "inf"}, "id_radius", "Enter the distance as a number of miles"),
        ({"bbox": "1,2,3"}, "id_postcode", "The map area in this link is not valid"),
        ({"bbox": "3,2,1,4"}, "id_postcode", "The map area in this link is not valid"),
        ({"bbox": "a,b,c,d"}, "id_postcode", "The map area in this link is not valid"),
        ({"bbox": "-200,50,1,51"}, "id_postcode", "The map area in this link is not valid"),
        ({"lat": "999", "lon": "-1.9"}, "id_postcode", "We could not use your location"),
        ({"lat": "53.8", "lon": "abc"}, "id_postcode", "We could not use your location"),
        ({"lat": "53.8"}, "id_postcode", "We could not use your location"),
        ({"language": "zz"}, "filter-language", "We do not recognise the language code “zz”"),
        ({"community": "martians"}, "filter-community", "We do not recognise the community “martians”"),
        ({"support": "nope"}, "filter-support", "We do not recognise the type of support “nope”"),
        ({"referral": "nope"}, "filter-referral", "We do not recognise the way in “nope”"),
        ({"mode": "nope"}, "filter-mode", "We do not recognise the way of offering support “nope”"),
        ({"attribute": "nope"}, "filter-attribute", "We do not recognise the cultural fit “nope”"),
        ({"cost": "nope"}, "filter-cost", "We do not recognise the cost “nope”"),
        ({"gender": "nope"}, "filter-gender", "We do not recognise “nope” as who a service is open to"),
        ({"age": "abc"}, "id_age", "Enter an age in whole years"),
        ({"age": "-3"}, "id_age", "Enter an age of 0 or more"),
        ({"age": "500"}, "id_age", "Enter an age of 130 or under"),
        ({"open_now": "bogus"}, "id_open_now", "We did not understand “bogus” for open now"),
        ({"sort": "bogus"}, "id_sort", "We cannot sort by “bogus”"),
        ({"q": "x" * 10_000}, "id_q", "Use 200 characters or fewer"),
        ({"q": "bad\x00byte"}, "id_q", "Null characters are not allowed"),
        ({"postcode": "BD21\x003DN"}, "id_postcode", "Null characters are not allowed"),
    ],
)
def test_a_bad_parameter_gets_a_message_linked_from_the_error_summary(client, services, params, anchor, message):
    response = client.get("/search/", params)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<div class="error-summary"' in content
    assert f'<a href="#{anchor}">{message}' in content
    assert content.count(message) == 2  # in the summary and next to the field
    assert "<title>Error:" in content
    assert names(response) == ["Polish service", "Urdu service"]  # the search still ran


def test_empty_values_from_a_form_mean_no_filter(client, services):
    response = client.get("/search/?q=&postcode=&radius=3&language=&community=&support=&age=")
    assert response.context["errors"] == []
    assert names(response) == ["Polish service", "Urdu service"]
    assert client.get("/search/geojson/?q=&postcode=&language=&community=&support=").status_code == 200


def test_the_rest_of_the_search_still_applies(client, services):
    response = client.get("/search/", {"radius": "abc", "language": "ur", "bbox": "1,2"})
    assert response.status_code == 200
    assert names(response) == ["Urdu service"]


def test_links_and_the_map_carry_only_what_could_be_used(client, services):
    response = client.get("/search/", {"language": ["zz", "ur"], "radius": "abc", "postcode": "ZZ9 9ZZ", "q": ""})
    config = response.context["map_config"]
    assert config["geojsonUrl"] == "/search/geojson/?language=ur"
    assert client.get(config["geojsonUrl"]).status_code == 200
    assert [a.remove_url for a in response.context["active_filters"]] == ["/search/"]


def test_an_unknown_value_among_good_ones_is_dropped_alone(client, services):
    response = client.get("/search/", {"language": ["zz", "ur"]})
    assert names(response) == ["Urdu service"]
    assert "We do not recognise the language code “zz”" in response.content.decode()


def test_a_field_with_a_problem_is_marked_invalid_and_described_by_its_message(client, services):
    content = client.get("/search/", {"postcode": "ZZ9 9ZZ"}).content.decode()
    assert 'id="postcode-error"' in content
    assert 'aria-describedby="postcode-hint postcode-error" aria-invalid="true"' in content


def test_an_unknown_postcode_keeps_the_other_words_and_filters(client, services):
    response = client.get("/search/", {"postcode": "ZZ9 9ZZ", "language": "pl"})
    assert names(response) == ["Polish service"]
    assert response.context["params"].place is None


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "", "1e3", "<b>2</b>"])
def test_a_page_value_that_is_not_a_page_number_shows_the_first_page_and_says_so(client, services, page):
    response = client.get("/search/", {"page": page})
    content = response.content.decode()
    assert response.status_code == (200 if page == "" else 404)  # "" is no page asked for
    assert response.context["page"].number == 1
    assert len(names(response)) == 2
    assert ("is not a page number, so this is the first page" in content) is (page != "")


@pytest.mark.parametrize("page", ["2", "999", "999999999999999999999"])
def test_a_page_past_the_end_shows_the_last_page_and_how_many_there_are(client, services, page):
    response = client.get("/search/", {"page": page})
    assert response.status_code == 404
    assert response.context["page"].number == 1
    assert f"There is no page {page[:19]}" in response.content.decode()
    assert "these results fill 1 page, so this is the last one" in response.content.decode()


def test_a_page_past_the_end_of_several_shows_the_last_of_them(client, db):
    for number in range(11):
        make_service(f"Service {number:02}")
    response = client.get("/search/", {"page": "5", "sort": "name"})
    assert response.context["page"].number == 2
    assert names(response) == ["Service 10"]
    assert "these results fill 2 pages" in response.content.decode()


def test_a_bad_page_is_not_counted_as_a_new_search(client, services):
    client.get("/search/", {"page": "abc", "language": "pl"}, HTTP_USER_AGENT="Mozilla/5.0")
    assert not NeedStat.objects.exists()
    client.get("/search/", {"language": "pl"}, HTTP_USER_AGENT="Mozilla/5.0")
    assert NeedStat.objects.count() == 1


def test_the_first_page_of_no_results_exists(client, services):
    response = client.get("/search/", {"q": "nothing matches this"})
    assert response.status_code == 200
    assert "0 services found" in response.content.decode()


MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.mark.parametrize("name", ["q", "postcode", "radius", "bbox", "lat", "language", "age", "sort", "page"])
def test_markup_in_any_parameter_is_never_rendered(client, services, name):
    response = client.get("/search/", {name: MARKUP})
    assert response.status_code in (200, 404)
    content = response.content.decode()
    assert "<script>alert" not in content
    assert "<img src=x" not in content


def test_markup_is_shown_escaped(client, services):
    content = client.get("/search/", {"language": MARKUP, "q": MARKUP[:100]}).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE partners_service; --",
        "' OR '1'='1",
        '" OR ""="',
        "1) UNION SELECT password FROM accounts_user --",
        "%_%",
        "\\",
        "counselling & | ! ( ) : * <-> '",
    ],
)
def test_sql_in_the_search_box_is_only_words(client, services, text):
    response = client.get("/search/", {"q": text})
    assert response.status_code == 200
    assert Service.objects.count() == 2


def test_sql_in_a_filter_is_only_an_unknown_value(client, services):
    response = client.get("/search/", {"language": "ur' OR 1=1 --", "postcode": "BD21' OR '1'='1"})
    assert response.status_code == 200
    assert names(response) == ["Polish service", "Urdu service"]


@pytest.mark.parametrize(
    "params",
    [{"radius": "abc"}, {"bbox": "1,2,3"}, {"language": "zz"}, {"lat": "999", "lon": "0"}, {"postcode": "ZZ9 9ZZ"}],
)
def test_the_map_answers_bad_parameters_with_a_400_and_the_problems(client, services, params):
    response = client.get("/search/geojson/", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()["errors"]
    assert set(errors) <= {"radius", "bbox", "language", "lat", "postcode"}
    assert all(isinstance(m, str) for messages in errors.values() for m in messages)
