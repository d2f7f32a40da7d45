"""Every filter of the registry (partners.search.FILTERS) means the same wherever it is
read: the site's search and its option counts, the map, the API and the importer.

A directory is imported from a generated CSV file (so the importer must accept every
value), then every value of every filter is asked of the site, the API and the map, and
each answer is compared with the registry's meaning worked out here from the file: a
service matches a value when its cell holds the value or the filter's wildcard."""

import csv
import io
import random

import django_filters
import pytest
from django.http import QueryDict
from django.utils import translation

from api.filters import UNKNOWN
from api.filters import ServiceFilter as ApiServiceFilter
from api.openapi import LIST_PARAMETERS
from feedback.models import NeedStat
from partners.filters import ServiceFilter
from partners.importer import COLUMNS, ImportFailed, import_listings
from partners.models import Service, ServiceLocation
from partners.search import FILTERS, NEED_DIMENSIONS, Search, SearchParams, Vocabulary
from tests.factories import make_postcode

pytestmark = pytest.mark.django_db

SERVICES = 36
LANGUAGES = ("ur", "pa", "pl", "so")
WAYS = ("staff", "written", "interpreter")


def _cell_values(spec, chance: random.Random) -> list[str]:
    """A random choice of the filter's values for one service, as the file writes them."""
    if spec.model:
        codes = (
            list(LANGUAGES)
            if spec.name == "language"
            else list(spec.model.objects.values_list(spec.code_field, flat=True).order_by(spec.code_field))
        )
    else:
        codes = list(spec.choices.values)
    if spec.wildcard and chance.random() < 0.2:
        return [spec.wildcard]
    if spec.on_service:
        # One value a service; a blank cell means the model's default.
        return chance.choice([[], [chance.choice(codes)]])
    return chance.sample(codes, chance.randint(0, 2))


@pytest.fixture
def imported(db) -> dict[str, dict[str, set[str]]]:
    """Imports a generated directory; returns, for each service name, the values each
    filter's cell gave it (defaults filled in)."""
    make_postcode("BD21 3DN", 53.868739, -1.907502)
    make_postcode("BD7 1AA", 53.7876, -1.7706)
    chance = random.Random(20261130)
    rows, held = [], {}
    for n in range(SERVICES):
        name = f"Service {n:02d}"
        row = dict.fromkeys(COLUMNS, "")
        row.update(organisation=f"Organisation {n % 7}", service=name, description="Support near you.")
        if chance.random() < 0.6:
            row.update(address=f"{n} High Street", postcode=chance.choice(["BD21 3DN", "BD7 1AA"]))
        held[name] = {}
        for spec in FILTERS.values():
            values = _cell_values(spec, chance)
            if spec.name == "language":
                # One language in more than one way is still one service to find.
                cells = [f"{code}:{way}" for code in values for way in chance.sample(WAYS, chance.randint(1, 2))]
            else:
                cells = values
            row[spec.import_column] = ";".join(cells)
            held[name][spec.name] = set(values) or ({spec.import_default()} if spec.on_service else set())
        rows.append(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    import_listings(out.getvalue())
    assert Service.objects.count() == SERVICES
    return held


def expected_names(held: dict, name: str, value: str) -> set[str]:
    """The registry's meaning of name=value, worked out from the file."""
    wanted = {value, FILTERS[name].wildcard} - {""}
    return {service for service, values in held.items() if values[name] & wanted}


def site_names(name: str, value: str) -> set[str]:
    query = QueryDict(mutable=True)
    query[name] = value
    filterset = ServiceFilter(query, Service.objects.all())
    assert not filterset.form.errors
    return set(filterset.qs.values_list("name", flat=True))


def api_names(client, name: str, value: str) -> set[str]:
    response = client.get("/api/services", {name: value, "per_page": 100})
    assert response.status_code == 200, response.content[:300]
    ids = [service["id"] for service in response.json()["contents"]]
    return set(Service.objects.filter(public_id__in=ids).values_list("name", flat=True))


def map_names(client, name: str, value: str) -> set[str]:
    response = client.get("/search/geojson/", {name: value})
    assert response.status_code == 200
    features = response.json()["features"]
    assert not any(feature["properties"].get("cluster") for feature in features)
    # A point's id is its service's place (ServiceLocation).
    points = [feature["id"] for feature in features]
    return set(ServiceLocation.objects.filter(pk__in=points).values_list("service__name", flat=True))


@pytest.mark.parametrize("name", list(FILTERS))
def test_every_value_of_a_filter_finds_the_same_services_on_the_site_the_map_and_the_api(client, imported, name):
    vocabulary = Vocabulary.load()
    counts = Search(SearchParams(), vocabulary).option_counts(name)
    located = set(Service.objects.filter(locations__isnull=False).values_list("name", flat=True))
    asked = found = 0
    for option in vocabulary.options(name):
        expected = expected_names(imported, name, option.value)
        assert site_names(name, option.value) == expected, option.value
        assert api_names(client, name, option.value) == expected, option.value
        assert map_names(client, name, option.value) == expected & located, option.value
        # The number beside the option, and the total once it is chosen.
        assert counts.get(option.value, 0) == len(expected), option.value
        chosen = Search(SearchParams(**{name: (option.value,)}), vocabulary).results()
        assert chosen.count == len(expected), option.value
        asked, found = asked + 1, found + bool(expected)
    # A filter none of whose values found anything would prove nothing about its meaning.
    assert asked and found >= 2


@pytest.mark.parametrize("name", [name for name, spec in FILTERS.items() if spec.wildcard])
def test_a_filters_wildcard_is_found_by_every_value_of_it(imported, name):
    spec = FILTERS[name]
    for_everyone = expected_names(imported, name, spec.wildcard)
    assert for_everyone, "the generated directory has services for everyone"
    for option in Vocabulary.load().options(name):
        assert for_everyone <= site_names(name, option.value), option.value


def test_every_registered_filter_is_a_parameter_of_the_search_the_api_and_the_import_file():
    fields = set(SearchParams.__dataclass_fields__)
    for name, spec in FILTERS.items():
        assert name in fields
        assert name in ServiceFilter.base_filters
        assert name in ApiServiceFilter.base_filters
        assert name in UNKNOWN
        assert name in LIST_PARAMETERS["/services"]
        assert spec.import_column in COLUMNS
        assert (spec.model is None) != (spec.choices is None), "values come from a vocabulary or fixed choices"
        assert spec.on_service or spec.through is not None
    # The unmet-need counts keep a column for each filter they count by.
    assert set(NEED_DIMENSIONS) <= {field.name for field in NeedStat._meta.get_fields()}


@pytest.mark.parametrize("name", list(FILTERS))
def test_a_value_no_filter_knows_gets_a_message_on_the_site_a_400_from_the_api_and_an_import_error(client, db, name):
    garbage = "no-such-value<script>"
    page = client.get("/search/", {name: garbage})
    assert page.status_code == 200
    assert "no-such-value" in page.content.decode()
    answer = client.get("/api/services", {name: garbage})
    assert answer.status_code == 400
    assert answer.json()["parameter"] == name
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        organisation="Sunrise", service="Circle", description="A group.", **{FILTERS[name].import_column: garbage}
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    with pytest.raises(ImportFailed) as failure:
        import_listings(out.getvalue())
    assert [error.column for error in failure.value.errors] == [FILTERS[name].import_column]


def test_the_search_form_is_made_once_for_the_same_vocabulary_and_language_and_never_shares_an_answer(db):
    vocabulary = Vocabulary.load()
    wrong = ServiceFilter(QueryDict("language=xx&postcode=BD7%201DP&q=a"), vocabulary=vocabulary)
    right = ServiceFilter(QueryDict("language=ur"), vocabulary=vocabulary)
    assert type(wrong.form) is type(right.form)
    assert "language" in wrong.form.errors and "postcode" in wrong.form.errors
    assert not right.form.errors
    assert right.params().language == ("ur",) and wrong.params().language == ()
    assert wrong.params().q == "a" and right.params().q == ""
    # Each filter set has filters of its own, with this vocabulary's choices.
    assert wrong.filters["language"] is not right.filters["language"]
    assert wrong.filters["language"].extra is not ServiceFilter.base_filters["language"].extra
    with translation.override("ur"):
        # A request's vocabulary makes its options in that request's language.
        urdu = ServiceFilter(QueryDict("language=ur"), vocabulary=Vocabulary(vocabulary.terms))
        assert type(urdu.form) is not type(right.form)
        urdu_labels = dict(urdu.form.fields["support"].choices)
    english_labels = dict(right.form.fields["support"].choices)
    assert urdu_labels.keys() == english_labels.keys()
    assert urdu_labels["counselling"] != english_labels["counselling"] == "Counselling and talking therapy"


def test_the_search_form_follows_a_new_reading_of_the_vocabularies(db):
    first = ServiceFilter(QueryDict(""), vocabulary=Vocabulary.load())
    again = ServiceFilter(QueryDict(""), vocabulary=Vocabulary(Vocabulary.read()))
    assert type(first.form) is not type(again.form)


def test_a_filter_set_made_from_the_search_form_gets_a_form_of_its_own(db):
    class WithExtra(ServiceFilter):
        extra_word = django_filters.CharFilter(method=lambda queryset, name, value: queryset)

    vocabulary = Vocabulary.load()
    parent = ServiceFilter(QueryDict(""), vocabulary=vocabulary)
    child = WithExtra(QueryDict(""), vocabulary=vocabulary)
    assert "extra_word" in child.form.fields
    assert "extra_word" not in parent.form.fields
    # Made after its subclass, the search form is still its own.
    assert "extra_word" not in ServiceFilter(QueryDict(""), vocabulary=vocabulary).form.fields
    assert child.form.fields["support"].choices == parent.form.fields["support"].choices != []
