import json
import uuid
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator

from api.filters import PlaceForm, ServiceFilter
from api.hsds import location_id
from api.openapi import LIST_PARAMETERS
from api.taxonomies import CAPACITY, COMMUNITY, LISTING, SUPPORT, TAXONOMIES
from editing.capacity import record_answer
from partners.map_cache import forget_answers
from partners.models import Organisation, OrganisationTranslation, Service, ServiceTranslation, Status
from tests.factories import make_location, make_organisation, make_postcode, make_rich_service, make_service

# Open Referral's published schemas, carried in the repository (see its README.md) so
# the tests need nothing beside the checkout. A missing file fails, never skips.
HSDS = Path(__file__).resolve().parent / "hsds-3.0"
PAGE_KEYS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}


# --- Schemas ---------------------------------------------------------------------------


def load(name: str) -> dict:
    return json.loads((HSDS / name).read_text(encoding="utf-8"))


def strictly(node):
    """Inline `$ref`s to sibling files and forbid extra properties everywhere: what
    Open Referral's strict/ schemas are, for the schemas that ship without one."""
    if isinstance(node, list):
        return [strictly(item) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$ref"), str) and not node["$ref"].startswith("#"):
        rest = {key: value for key, value in node.items() if key != "$ref"}
        return {**strictly(load(node["$ref"])), **strictly(rest)}
    result = {}
    for key, value in node.items():
        # A `properties` mapping names fields; its values are schemas.
        result[key] = {k: strictly(v) for k, v in value.items()} if key == "properties" else strictly(value)
    if "properties" in result:
        result["additionalProperties"] = False
    return result


SCHEMAS = {
    "service": ["strict/service.json", "compiled/service.json"],
    "organization": ["strict/organization.json", "compiled/organization.json"],
    "service_at_location": ["strict/service_at_location.json", "compiled/service_at_location.json"],
    "service_list": ["compiled/service_list.json"],
    "organization_list": ["compiled/organization_list.json"],
    "service_at_location_list": ["compiled/service_at_location_list.json"],
    "taxonomy": ["taxonomy.json"],
    "taxonomy_term": ["taxonomy_term.json"],
}


@cache
def validators(kind: str) -> list[Draft202012Validator]:
    found = []
    for name in SCHEMAS[kind]:
        schema = load(name)
        # The strict/ files are strict already; make the others so as well.
        found.append(schema if name.startswith("strict/") else strictly(schema))
        if name.startswith("compiled/") and kind in ("service", "organization", "service_at_location"):
            found.append(schema)
    return [Draft202012Validator(s, format_checker=Draft202012Validator.FORMAT_CHECKER) for s in found]


def assert_valid(document: dict, kind: str) -> None:
    for validator in validators(kind):
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_hsds_reference_schemas_are_where_the_tests_expect():
    assert (HSDS / "strict" / "service.json").is_file(), f"HSDS reference schemas missing at {HSDS}"


def test_strict_schemas_refuse_properties_outside_hsds():
    assert not validators("service")[0].is_valid({"id": str(uuid.uuid4()), "name": "x", "status": "active", "x": 1})
    assert not validators("taxonomy")[0].is_valid({"id": str(uuid.uuid4()), "name": "x", "description": "", "x": 1})


# --- Helpers -----------------------------------------------------------------------------


def get(client, path: str, data: dict | None = None, status: int = 200, **headers) -> dict:
    response = client.get(path, data or {}, headers=headers)
    assert response.status_code == status, response.content[:500]
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def names(page: dict) -> list[str]:
    return [item["name"] for item in page["contents"]]


def attribute_codes(document: dict, taxonomy) -> list[str]:
    return [
        a["taxonomy_term"]["code"]
        for a in document["attributes"]
        if a["taxonomy_term"]["taxonomy_id"] == str(taxonomy.id)
    ]


@pytest.fixture
def rich(db):
    return make_rich_service()


# --- /api/ and CORS ----------------------------------------------------------------------


def test_root_gives_version_profile_and_openapi_url(client, db):
    assert get(client, "/api/") == {
        "version": "3.0",
        "profile": "http://testserver/api/profile/",
        "openapi_url": "http://testserver/api/openapi.json",
    }


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/", 200),
        ("/api", 200),
        ("/api/services", 200),
        ("/api/services?per_page=1000", 400),
        (f"/api/services/{uuid.uuid4()}", 404),
        ("/api/services/not-a-uuid", 404),
        ("/api/nothing/here", 404),
        ("/api/openapi.json", 200),
        ("/api/profile/", 200),
    ],
)
@pytest.mark.parametrize("origin", [None, "https://gp-system.example.nhs.uk"])
def test_every_answer_allows_any_origin(client, db, path, status, origin):
    headers = {"Origin": origin} if origin else {}
    response = client.get(path, headers=headers)
    assert response.status_code == status
    assert response["Access-Control-Allow-Origin"] == "*"


def test_errors_are_json(client, db):
    assert "error" in get(client, "/api/nothing", status=404)
    assert "error" in get(client, "/api/services/not-a-uuid", status=404)


def test_preflight_is_answered_for_any_origin(client, db):
    response = client.options(
        "/api/services",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_head_is_answered(client, db):
    response = client.head("/api/services")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


def test_writes_are_refused(client, db):
    response = client.post("/api/services", {})
    assert response.status_code == 405
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "error" in response.json()


@pytest.mark.parametrize("path", ["/api/services", "/api/services/", "/api/taxonomies", "/api/taxonomies/"])
def test_paths_answer_with_and_without_trailing_slash(client, db, path):
    assert "contents" in get(client, path)


# --- Validation against the HSDS schemas -------------------------------------------------


def test_full_service_validates_against_strict_schema(client, rich):
    document = get(client, f"/api/services/{rich.public_id}")
    assert_valid(document, "service")
    assert document["service_at_locations"] and document["attributes"] and document["languages"]


def test_service_list_validates_in_every_shape(client, rich):
    assert_valid(get(client, "/api/services")["contents"][0], "service_list")
    assert_valid(get(client, "/api/services", {"minimal": "true"})["contents"][0], "service_list")
    assert_valid(get(client, "/api/services", {"full": "true"})["contents"][0], "service")


def test_organization_validates_with_summary_and_full_services(client, rich):
    path = f"/api/organizations/{rich.organisation.public_id}"
    assert_valid(get(client, path), "organization")
    assert_valid(get(client, path, {"full_service": "true"}), "organization")


def test_organization_list_validates(client, rich):
    assert_valid(get(client, "/api/organizations")["contents"][0], "organization_list")
    full = get(client, "/api/organizations", {"full": "true", "full_service": "true"})["contents"][0]
    assert_valid(full, "organization")


def test_service_at_locations_validate(client, rich):
    summary = get(client, "/api/service_at_locations")["contents"][0]
    assert_valid(summary, "service_at_location_list")
    assert_valid(get(client, "/api/service_at_locations", {"full": "true"})["contents"][0], "service_at_location")
    assert_valid(get(client, f"/api/service_at_locations/{summary['id']}"), "service_at_location")


def test_taxonomies_and_terms_validate(client, rich):
    for taxonomy in get(client, "/api/taxonomies", {"per_page": 100})["contents"]:
        assert_valid(taxonomy, "taxonomy")
    terms = get(client, "/api/taxonomy_terms", {"per_page": 100})
    assert terms["total_items"] > 40
    for term in terms["contents"]:
        assert_valid(term, "taxonomy_term")


def test_service_with_nothing_optional_still_validates(client, db):
    bare = make_service(organisation=make_organisation(description="", website=""), description="Help.")
    assert_valid(get(client, f"/api/services/{bare.public_id}"), "service")
    assert_valid(get(client, f"/api/organizations/{bare.organisation.public_id}"), "organization")


# --- What a service says -----------------------------------------------------------------


def test_service_lists_languages_with_how_they_are_offered(client, rich):
    document = get(client, f"/api/services/{rich.public_id}")
    languages = {language["code"]: language for language in document["languages"]}
    assert languages["ur"]["name"] == "Urdu"
    assert languages["ur"]["note"] == "Staff speak it; Written information"
    assert languages["pl"]["note"] == "Phone line"


def test_interpreter_only_languages_are_in_interpretation_services(client, rich):
    document = get(client, f"/api/services/{rich.public_id}")
    assert "pa" not in {language["code"] for language in document["languages"]}
    assert "Interpreters for: Punjabi." in document["interpretation_services"]


def test_phone_line_languages_are_on_the_phone(client, rich):
    document = get(client, f"/api/services/{rich.public_id}")
    main = next(phone for phone in document["phones"] if phone["number"] == "01632 960102")
    assert [language["code"] for language in main["languages"]] == ["pl"]


def test_ways_in_are_in_application_process_and_attributes(client, rich):
    document = get(client, f"/api/services/{rich.public_id}")
    process = document["application_process"]
    assert "Ask your GP to email us" in process
    assert (
        "GP or other health professional (Email: gp-referrals@chinar.example.org): We phone within a week." in process
    )
    assert "Typical wait: About two weeks" in process
    assert sorted(attribute_codes(document, TAXONOMIES[4])) == ["gp", "self"]
    assert {"number": "01632 960103"}.items() <= next(
        p for p in document["phones"] if "referrals" in p.get("description", "")
    ).items()
    assert document["contacts"][0]["email"] == "gp-referrals@chinar.example.org"


def test_not_accepting_referrals_is_said_first(client, db):
    service = make_service(accepting_referrals=False, referrals=["self"])
    document = get(client, f"/api/services/{service.public_id}")
    assert document["application_process"].startswith("Not accepting new referrals")
    assert "accepting-referrals" not in attribute_codes(document, LISTING)


def test_vocabularies_are_taxonomy_terms_linked_through_attributes(client, rich):
    document = get(client, f"/api/services/{rich.public_id}")
    assert attribute_codes(document, SUPPORT) == ["peer-support", "wellbeing-activities"]
    assert attribute_codes(document, COMMUNITY) == ["pakistani-kashmiri", "south-asian"]
    assert attribute_codes(document, TAXONOMIES[2]) == ["community-led", "interpreters"]
    assert attribute_codes(document, TAXONOMIES[3]) == ["in-person", "phone"]
    assert attribute_codes(document, TAXONOMIES[5]) == ["low-cost"]
    assert attribute_codes(document, TAXONOMIES[6]) == ["women"]
    term = document["attributes"][0]
    assert term["link_id"] == str(rich.public_id)
    assert term["link_entity"] == "service"
    assert term["taxonomy_term_id"] == term["taxonomy_term"]["id"]


def test_listing_facts_are_attributes_with_values(client, rich):
    document = get(client, f"/api/services/{rich.public_id}")
    values = {a["taxonomy_term"]["code"]: a.get("value") for a in document["attributes"] if a["link_type"] == "listing"}
    assert values["typical-wait"] == "About two weeks"
    assert values["listing-page"] == f"http://testserver/services/{rich.slug}/"
    assert "accepting-referrals" in values


def test_service_gives_cost_ages_contact_hours_and_last_checked(client, rich):
    document = get(client, f"/api/services/{rich.public_id}")
    assert document["cost_options"][0]["option"] == "Low cost"
    assert document["fees_description"] == "Low cost"
    assert (document["minimum_age"], document["maximum_age"]) == (18, 65)
    assert document["eligibility_description"] == (
        "For people from these communities: Pakistani and Kashmiri, South Asian. For women. Ages: 18 to 65."
    )
    assert document["email"] == "referrals@chinar.example.org"
    assert document["url"] == "https://chinar.example.org/mornings/"
    assert document["schedules"][0]["description"] == "Tuesdays 10am to 12:30pm"
    assert document["schedules"][0]["attending_type"] == "In person, By phone"
    assert document["assured_date"] == rich.last_verified.isoformat()
    assert document["last_modified"].endswith("Z")


def test_free_services_cost_nothing(client, db):
    service = make_service(cost="free")
    option = get(client, f"/api/services/{service.public_id}")["cost_options"][0]
    assert (option["amount"], option["currency"]) == (0, "GBP")


def test_all_racialised_communities_is_said_plainly(client, db):
    service = make_service(communities=["all-racialised-communities"])
    document = get(client, f"/api/services/{service.public_id}")
    assert document["eligibility_description"] == "Open to people from any racialised community."


def test_location_has_coordinates_and_address(client, rich):
    place = get(client, f"/api/services/{rich.public_id}")["service_at_locations"][0]["location"]
    assert (place["latitude"], place["longitude"]) == (53.7935, -1.7499)
    assert place["name"] == "Chinar House"
    address = place["addresses"][0]
    assert (address["address_1"], address["city"], address["postal_code"], address["country"]) == (
        "41 Lumb Lane",
        "Bradford",
        "BD8 7JH",
        "GB",
    )
    assert place["accessibility"][0]["description"] == "Step-free."


def test_organization_has_contact_identifier_places_and_services(client, rich):
    document = get(client, f"/api/organizations/{rich.organisation.public_id}")
    assert document["website"] == "https://chinar.example.org/"
    assert document["phones"][0]["number"] == "01632 960101"
    assert document["organization_identifiers"][0]["identifier"] == "1234567"
    assert [place["name"] for place in document["locations"]] == ["Chinar House"]
    assert [service["id"] for service in document["services"]] == [str(rich.public_id)]
    assert "attributes" not in document["services"][0]
    full = get(client, f"/api/organizations/{rich.organisation.public_id}", {"full_service": "true"})
    assert full["services"][0]["attributes"]


def test_example_listings_carry_an_alert(client, db):
    service = make_service(organisation=make_organisation(is_example=True))
    document = get(client, f"/api/services/{service.public_id}")
    assert "fictional" in document["alert"]
    assert "example" in attribute_codes(document, LISTING)


# --- Only published listings ---------------------------------------------------------------


@pytest.fixture
def hidden(db):
    """Listings the public must never see, and one it may."""
    draft_org = make_organisation(status=Status.DRAFT)
    return {
        "draft": make_service("Draft", status=Status.DRAFT),
        "archived": make_service("Archived", status=Status.ARCHIVED),
        "draft organisation": make_service("Of a draft organisation", organisation=draft_org),
        "archived organisation": make_service(
            "Of an archived organisation", organisation=make_organisation(status=Status.ARCHIVED)
        ),
        "shown": make_service("Shown", locations=[make_location()]),
    }


def test_services_list_hides_drafts_and_archived(client, hidden):
    assert names(get(client, "/api/services")) == ["Shown"]


@pytest.mark.parametrize("which", ["draft", "archived", "draft organisation", "archived organisation"])
def test_hidden_service_is_404(client, hidden, which):
    get(client, f"/api/services/{hidden[which].public_id}", status=404)


def test_organizations_list_hides_draft_and_archived_organisations(client, hidden):
    listed = {o["name"] for o in get(client, "/api/organizations")["contents"]}
    assert hidden["shown"].organisation.name in listed
    assert hidden["draft organisation"].organisation.name not in listed
    assert hidden["archived organisation"].organisation.name not in listed
    get(client, f"/api/organizations/{hidden['draft organisation'].organisation.public_id}", status=404)


def test_organization_hides_its_draft_services_and_their_places(client, db):
    organisation = make_organisation()
    make_service("Public", organisation=organisation)
    make_service("Secret", organisation=organisation, status=Status.DRAFT, locations=[make_location(organisation)])
    document = get(client, f"/api/organizations/{organisation.public_id}", {"full_service": "true"})
    assert [s["name"] for s in document["services"]] == ["Public"]
    assert "locations" not in document
    full = get(client, "/api/organizations", {"full": "true"})["contents"][0]
    assert [s["name"] for s in full["services"]] == ["Public"]


def test_service_at_locations_hide_drafts(client, hidden):
    make_service("Draft with a place", status=Status.DRAFT, locations=[make_location()])
    page = get(client, "/api/service_at_locations")
    assert [item["service"]["name"] for item in page["contents"]] == ["Shown"]


def test_service_at_location_of_a_draft_is_404(client, db):
    service = make_service(locations=[make_location()])
    link_id = get(client, "/api/service_at_locations")["contents"][0]["id"]
    Service.objects.filter(pk=service.pk).update(status=Status.DRAFT)
    get(client, f"/api/service_at_locations/{link_id}", status=404)


# --- Ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms"])
@pytest.mark.parametrize("bad", ["not-a-uuid", str(uuid.uuid4()), "1"])
def test_unknown_or_malformed_id_is_404(client, rich, kind, bad):
    assert "error" in get(client, f"/api/{kind}/{bad}", status=404)


@pytest.mark.parametrize("kind", ["services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms"])
def test_every_listed_id_opens_its_document(client, rich, kind):
    first = get(client, f"/api/{kind}")["contents"][0]
    assert get(client, f"/api/{kind}/{first['id']}")["id"] == first["id"]
    assert get(client, f"/api/{kind}/{first['id'].upper()}/")["id"] == first["id"]


def test_ids_are_stable_between_requests(client, rich):
    assert get(client, f"/api/services/{rich.public_id}") == get(client, f"/api/services/{rich.public_id}")


def test_location_ids_differ_between_places_and_organisations(db):
    a, b = make_location(), make_location()
    assert location_id(a) != location_id(b)


def test_term_ids_do_not_depend_on_the_database(client, db):
    counselling = SUPPORT.term_id("counselling")
    assert counselling == uuid.uuid5(
        uuid.UUID("20d8b00a-4b6f-4348-ad56-59ee1653508c"), "taxonomy/support/term/counselling"
    )
    assert get(client, f"/api/taxonomy_terms/{counselling}")["code"] == "counselling"


# --- Pages -------------------------------------------------------------------------------


@pytest.fixture
def five(db):
    return [make_service(f"Service {letter}") for letter in "ABCDE"]


def test_page_object_agrees_with_its_contents(client, five):
    page = get(client, "/api/services", {"per_page": 2, "page": 2})
    # HSDS's page object, and where the next page starts (keyset paging: tests/test_api_cursor.py).
    assert set(page) == PAGE_KEYS | {"next_cursor"}
    assert isinstance(page["next_cursor"], str)
    assert page == {**page, "total_items": 5, "total_pages": 3, "page_number": 2, "size": 2}
    assert (page["first_page"], page["last_page"], page["empty"]) == (False, False, False)
    assert names(page) == ["Service C", "Service D"]


def test_first_and_last_pages_say_so(client, five):
    first = get(client, "/api/services", {"per_page": 2})
    last = get(client, "/api/services", {"per_page": 2, "page": 3})
    assert (first["page_number"], first["first_page"], first["last_page"]) == (1, True, False)
    assert (last["size"], last["first_page"], last["last_page"]) == (1, False, True)


def test_page_past_the_end_is_empty_with_true_totals(client, five):
    page = get(client, "/api/services", {"per_page": 2, "page": 99})
    assert page == {
        "total_items": 5,
        "total_pages": 3,
        "page_number": 99,
        "size": 0,
        "first_page": False,
        "last_page": True,
        "empty": True,
        "contents": [],
        "next_cursor": None,
    }


def test_huge_page_number_is_empty_not_an_error(client, five):
    assert get(client, "/api/services", {"page": "9" * 30})["empty"] is True


def test_no_results_is_an_empty_first_and_last_page(client, db):
    page = get(client, "/api/services")
    assert (page["total_items"], page["total_pages"], page["size"]) == (0, 0, 0)
    assert page["first_page"] and page["last_page"] and page["empty"]


def test_per_page_defaults_to_50_and_allows_100(client, db):
    for n in range(101):
        make_service(f"S{n:03}", organisation=make_organisation() if n == 0 else Organisation.objects.first())
    assert get(client, "/api/services")["size"] == 50
    assert get(client, "/api/services", {"per_page": 100})["size"] == 100


def test_lists_of_taxonomies_are_paged_too(client, db):
    page = get(client, "/api/taxonomies", {"per_page": 3, "page": 3})
    assert (page["total_items"], page["size"], page["last_page"]) == (len(TAXONOMIES), len(TAXONOMIES) - 6, True)


def test_ndjson_gives_every_result_one_per_line(client, five):
    response = client.get("/api/services", {"format": "ndjson", "per_page": 1})
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert response["Access-Control-Allow-Origin"] == "*"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["name"] for line in lines] == [f"Service {letter}" for letter in "ABCDE"]


# --- Bad parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        ("/api/services", {"page": "abc"}, "page"),
        ("/api/services", {"page": "0"}, "page"),
        ("/api/services", {"page": "-1"}, "page"),
        ("/api/services", {"per_page": "1000"}, "per_page"),
        ("/api/services", {"per_page": "101"}, "per_page"),
        ("/api/services", {"per_page": "0"}, "per_page"),
        ("/api/services", {"per_page": "-5"}, "per_page"),
        ("/api/services", {"per_page": "ten"}, "per_page"),
        ("/api/services", {"format": "xml"}, "format"),
        ("/api/services", {"full": "maybe"}, "full"),
        ("/api/services", {"minimal": "2"}, "minimal"),
        ("/api/services", {"modified_after": "yesterday"}, "modified_after"),
        ("/api/services", {"modified_after": "2025-13-45"}, "modified_after"),
        ("/api/services", {"taxonomy_term_id": "not-a-uuid"}, "taxonomy_term_id"),
        ("/api/services", {"taxonomy_term_id": str(uuid.uuid4())}, "taxonomy_term_id"),
        ("/api/services", {"taxonomy_id": "nope"}, "taxonomy_id"),
        ("/api/services", {"taxonomy_id": str(uuid.uuid4())}, "taxonomy_id"),
        ("/api/services", {"organization_id": "nope"}, "organization_id"),
        ("/api/services", {"postcode": "ZZ99"}, "postcode"),
        ("/api/services", {"postcode": "not a postcode"}, "postcode"),
        ("/api/services", {"postcode": "BD21 3DN", "proximity": "-1"}, "proximity"),
        ("/api/services", {"postcode": "BD21 3DN", "proximity": "far"}, "proximity"),
        ("/api/services", {"postcode": "BD21 3DN", "proximity": "inf"}, "proximity"),
        ("/api/services", {"proximity": "1000"}, "proximity"),
        ("/api/services", {"language": "zz"}, "language"),
        ("/api/services", {"language": ["ur", "klingon"]}, "language"),
        ("/api/services", {"community": "martians"}, "community"),
        ("/api/services", {"support": "astrology"}, "support"),
        ("/api/services", {"attribute": "x"}, "attribute"),
        ("/api/services", {"mode": "telepathy"}, "mode"),
        ("/api/services", {"referral": "nobody"}, "referral"),
        ("/api/services", {"cost": "cheap"}, "cost"),
        ("/api/services", {"gender": "x"}, "gender"),
        ("/api/services", {"age": "old"}, "age"),
        ("/api/services", {"age": "-3"}, "age"),
        ("/api/services", {"age": "12.5"}, "age"),
        ("/api/services", {"age": "200"}, "age"),
        ("/api/services", {"search": "x" * 10_000}, "search"),
        ("/api/services", {"language": "ur\x00"}, "language"),
        ("/api/services", {"search": "\x00"}, "search"),
        ("/api/service_at_locations", {"community": "martians"}, "community"),
        ("/api/service_at_locations", {"postcode": "ZZ99"}, "postcode"),
        ("/api/organizations", {"per_page": "1000"}, "per_page"),
        ("/api/organizations", {"modified_after": "soon"}, "modified_after"),
        ("/api/organizations", {"full_service": "perhaps"}, "full_service"),
        ("/api/taxonomy_terms", {"taxonomy_id": "nope"}, "taxonomy_id"),
        ("/api/taxonomy_terms", {"parent_id": "nope"}, "parent_id"),
        ("/api/taxonomies", {"page": "abc"}, "page"),
    ],
)
def test_bad_parameter_is_a_400_naming_it(client, rich, path, query, parameter):
    make_postcode("BD21 3DN")
    answer = get(client, path, query, status=400)
    assert answer["parameter"] == parameter
    assert parameter in answer["error"]


# --- Filters -----------------------------------------------------------------------------


def test_language_filter_values_are_or(client, db):
    make_service("Urdu", languages=["ur"])
    make_service("Polish", languages=[("pl", "interpreter")])
    make_service("Somali", languages=["so"])
    assert names(get(client, "/api/services", {"language": ["ur", "pl"]})) == ["Polish", "Urdu"]


def test_vocabulary_codes_are_not_case_sensitive(client, db):
    make_service("Urdu", languages=["ur"], communities=["bangladeshi"])
    assert names(get(client, "/api/services", {"language": "UR", "community": "Bangladeshi"})) == ["Urdu"]


def test_community_filter_also_matches_all_racialised_communities(client, db):
    make_service("Bangladeshi", communities=["bangladeshi"])
    make_service("Everyone", communities=["all-racialised-communities"])
    make_service("Indian", communities=["indian"])
    assert names(get(client, "/api/services", {"community": "bangladeshi"})) == ["Bangladeshi", "Everyone"]


@pytest.mark.parametrize(
    ("gender", "expected"), [("women", ["Anyone", "Women"]), ("men", ["Anyone", "Men"]), ("any", ["Anyone"])]
)
def test_gender_filter_matches_services_open_to_that_gender(client, db, gender, expected):
    make_service("Women", gender="women")
    make_service("Men", gender="men")
    make_service("Anyone", gender="any")
    assert names(get(client, "/api/services", {"gender": gender})) == expected


def test_age_filter_uses_the_range_with_open_bounds(client, db):
    make_service("Young people", min_age=11, max_age=18)
    make_service("Adults", min_age=18)
    make_service("Up to 25", max_age=25)
    make_service("All ages")
    assert names(get(client, "/api/services", {"age": 18})) == ["Adults", "All ages", "Up to 25", "Young people"]
    assert names(get(client, "/api/services", {"age": 40})) == ["Adults", "All ages"]
    assert names(get(client, "/api/services", {"age": 0})) == ["All ages", "Up to 25"]


@pytest.mark.parametrize(
    ("parameter", "value", "factory_kwargs"),
    [
        ("support", "counselling", {"support": ["counselling"]}),
        ("attribute", "faith-sensitive", {"attributes": ["faith-sensitive"]}),
        ("mode", "video", {"modes": ["video"]}),
        ("referral", "gp", {"referrals": ["gp"]}),
        ("cost", "paid", {"cost": "paid"}),
    ],
)
def test_vocabulary_filters_keep_matching_services(client, db, parameter, value, factory_kwargs):
    make_service("Match", **factory_kwargs)
    make_service("Other")
    assert names(get(client, "/api/services", {parameter: value})) == ["Match"]


def test_different_filters_must_all_match(client, db):
    make_service("Both", languages=["ur"], support=["counselling"])
    make_service("Language only", languages=["ur"])
    make_service("Support only", support=["counselling"])
    assert names(get(client, "/api/services", {"language": "ur", "support": "counselling"})) == ["Both"]


def test_filters_never_repeat_a_service(client, db):
    make_service("Many", languages=["ur", ("ur", "written"), "pa"], support=["counselling", "helpline"])
    page = get(client, "/api/services", {"language": ["ur", "pa"], "support": ["counselling", "helpline"]})
    assert (names(page), page["total_items"]) == (["Many"], 1)


def test_taxonomy_term_id_filter_uses_exact_terms(client, db):
    make_service("Bangladeshi", communities=["bangladeshi"])
    make_service("Everyone", communities=["all-racialised-communities"])
    term = COMMUNITY.term_id("bangladeshi")
    assert names(get(client, "/api/services", {"taxonomy_term_id": str(term)})) == ["Bangladeshi"]


def test_taxonomy_term_ids_are_or(client, db):
    make_service("Counselling", support=["counselling"])
    make_service("Helpline", support=["helpline"])
    make_service("Other", support=["befriending"])
    terms = [str(SUPPORT.term_id("counselling")), str(SUPPORT.term_id("helpline"))]
    assert names(get(client, "/api/services", {"taxonomy_term_id": terms})) == ["Counselling", "Helpline"]


def test_taxonomy_id_filter_keeps_services_with_any_term_of_it(client, db):
    make_service("Has a community", communities=["indian"])
    make_service("Has none")
    assert names(get(client, "/api/services", {"taxonomy_id": str(COMMUNITY.id)})) == ["Has a community"]


def test_organization_id_filter(client, db):
    mine = make_service("Mine")
    make_service("Theirs")
    query = {"organization_id": str(mine.organisation.public_id)}
    assert names(get(client, "/api/services", query)) == ["Mine"]
    assert get(client, "/api/services", {"organization_id": str(uuid.uuid4())})["total_items"] == 0


def test_modified_after_filter(client, db):
    old = make_service("Old")
    make_service("New")
    a_week_ago = timezone.now() - timedelta(days=7)
    Service.objects.filter(pk=old.pk).update(updated=a_week_ago)
    Organisation.objects.filter(pk=old.organisation_id).update(updated=a_week_ago)
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert names(get(client, "/api/services", {"modified_after": since})) == ["New"]
    assert names(get(client, "/api/services", {"modified_after": f"{since}T00:00:00 00:00"})) == ["New"]
    assert names(get(client, "/api/services", {"modified_after": "2000-01-01T00:00:00Z"})) == ["New", "Old"]


@pytest.mark.parametrize("path", ["/api/services", "/api/organizations"])
def test_modified_after_with_any_offset_python_reads_is_answered(client, db, path):
    """Offsets up to a day (Python reads them; PostgreSQL takes 16 hours at most) and the
    first and last days Python can write, with an offset, are read in UTC."""
    make_service("New")
    for since, found in [
        ("1892-02-23T14:13:24.592535+17:27", 1),
        ("2000-01-01T00:00:00-23:59", 1),
        ("0001-01-01T00:00:00+05:00", 1),
        ("9999-12-31T23:00:00-05:00", 0),
    ]:
        assert get(client, path, {"modified_after": since})["total_items"] == found, since


def test_search_looks_in_names_descriptions_organisations_and_languages(client, db):
    make_service("Talking circle", description="A weekly group.", languages=["ps"])
    make_service("Helpline", organisation=make_organisation("Roshni Trust"))
    make_service("Other", description="Gardening and tea.")
    assert names(get(client, "/api/services", {"search": "circle"})) == ["Talking circle"]
    assert names(get(client, "/api/services", {"search": "gardening"})) == ["Other"]
    assert names(get(client, "/api/services", {"search": "roshni"})) == ["Helpline"]
    assert names(get(client, "/api/services", {"search": "Pashto"})) == ["Talking circle"]
    assert names(get(client, "/api/services", {"search": "pashto weekly"})) == ["Talking circle"]
    assert names(get(client, "/api/services", {"search": "pashto gardening"})) == []


@pytest.fixture
def places(db):
    make_postcode("BD21 3DN", 53.868739, -1.907502)  # Keighley
    organisation = make_organisation()
    make_service("Keighley", locations=[make_location(organisation, latitude=53.8679, longitude=-1.9064)])
    make_service("Bradford", locations=[make_location(organisation, latitude=53.7935, longitude=-1.7499)])
    make_service("Phone only", modes=["phone"])


def test_postcode_orders_nearest_first_and_unlocated_last(client, places):
    assert names(get(client, "/api/services", {"postcode": "bd213dn"})) == ["Keighley", "Bradford", "Phone only"]


def test_outward_code_is_its_centre(client, places):
    assert names(get(client, "/api/services", {"postcode": "BD21"}))[0] == "Keighley"


def test_proximity_in_metres_keeps_near_and_unlocated_services(client, places):
    # Keighley is ~200 m from BD21 3DN; Bradford is ~13 km away.
    assert names(get(client, "/api/services", {"postcode": "BD21 3DN", "proximity": 1000})) == [
        "Keighley",
        "Phone only",
    ]
    assert len(names(get(client, "/api/services", {"postcode": "BD21 3DN", "proximity": 20000}))) == 3


def test_service_at_locations_by_proximity(client, places):
    page = get(client, "/api/service_at_locations", {"postcode": "BD21 3DN", "proximity": 1000})
    assert [item["service"]["name"] for item in page["contents"]] == ["Keighley"]
    page = get(client, "/api/service_at_locations", {"postcode": "BD21 3DN"})
    assert [item["service"]["name"] for item in page["contents"]] == ["Keighley", "Bradford"]


def test_service_at_locations_take_the_service_filters(client, places):
    page = get(client, "/api/service_at_locations", {"search": "bradford"})
    assert [item["service"]["name"] for item in page["contents"]] == ["Bradford"]


def test_organizations_search(client, db):
    make_organisation("Roshni Trust")
    make_organisation("Chinar Circle")
    assert names(get(client, "/api/organizations", {"search": "roshni"})) == ["Roshni Trust"]


def test_taxonomy_terms_by_taxonomy_and_search(client, db):
    page = get(client, "/api/taxonomy_terms", {"taxonomy_id": str(TAXONOMIES[5].id)})
    assert [term["code"] for term in page["contents"]] == ["free", "low-cost", "paid"]
    page = get(client, "/api/taxonomy_terms", {"search": "bereavement"})
    assert [term["code"] for term in page["contents"]] == ["bereavement"]
    assert get(client, "/api/taxonomy_terms", {"parent_id": str(uuid.uuid4())})["total_items"] == 0
    assert get(client, "/api/taxonomy_terms", {"top_only": "true"})["total_items"] > 40


# --- Query counts ------------------------------------------------------------------------


@pytest.fixture
def many(db):
    for n in range(6):
        make_rich_service(name=f"Service {n}")


@pytest.mark.parametrize(
    ("path", "query", "queries"),
    [
        # count, the page's ids, the page's services by id (a deferred join: see page_of),
        # then one query per related table (support, communities, fit, modes, ways in,
        # languages, locations); none per service. And the vocabularies (2), whose rows
        # the related tables' rows are: read here because these tests' listings are not
        # committed (a running site keeps them per directory version: no query).
        ("/api/services", {}, 12),
        ("/api/services", {"full": "true"}, 12),
        ("/api/services", {"minimal": "true"}, 3),
        ("/api/organizations", {}, 2),
        # count, page, services, then the services' related tables.
        ("/api/organizations", {"full": "true", "full_service": "true"}, 10),
        # locations come with the link rows, so one fewer than services.
        ("/api/service_at_locations", {}, 8),
        ("/api/service_at_locations", {"full": "true"}, 8),
        # one query per editable vocabulary (support, community, fit, mode).
        ("/api/taxonomy_terms", {}, 4),
        ("/api/taxonomies", {}, 0),
    ],
)
def test_list_query_count_does_not_grow_with_page_size(client, many, django_assert_num_queries, path, query, queries):
    for per_page in (1, 6):
        forget_answers()  # the count of /api/services is kept between requests (see below)
        with django_assert_num_queries(queries):
            page = get(client, path, {**query, "per_page": per_page})
        assert page["size"] == per_page or path == "/api/taxonomies"


@pytest.mark.parametrize(("kind", "queries"), [("services", 8), ("organizations", 9)])
def test_detail_query_count_is_fixed(client, many, django_assert_num_queries, kind, queries):
    first = get(client, f"/api/{kind}")["contents"][0]
    with django_assert_num_queries(queries):
        get(client, f"/api/{kind}/{first['id']}")


def test_the_services_count_is_kept_between_requests_with_a_shared_cache(client, many, django_assert_num_queries):
    # The same filters on another page or page size: the count is read from the cache
    # (api.views.cached_count), one query fewer than the first request.
    get(client, "/api/services", {"language": "ur", "per_page": 1})
    with django_assert_num_queries(12 - 1 + 2):
        assert get(client, "/api/services", {"language": "ur", "per_page": 2, "page": 2})["total_items"] == 6


def test_filters_and_place_add_a_fixed_number_of_queries(client, many, django_assert_num_queries):
    make_postcode("BD8 7JH", 53.7990, -1.7700)
    query = {"language": "ur", "community": "south-asian", "postcode": "BD8 7JH", "proximity": 5000}
    for per_page in (1, 6):
        forget_answers()
        # the postcode's look-up and the public search's two vocabulary queries
        # (partners.search.Vocabulary.load, which also checks the language and community
        # codes) on top of the twelve.
        with django_assert_num_queries(15):
            assert get(client, "/api/services", {**query, "per_page": per_page})["size"] == per_page


# --- OpenAPI and profile -----------------------------------------------------------------


def test_openapi_document_describes_our_paths(client, db):
    document = get(client, "/api/openapi.json")
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "http://testserver/api"}]
    assert set(document["paths"]) == {
        "/",
        "/services",
        "/services/{id}",
        "/organizations",
        "/organizations/{id}",
        "/service_at_locations",
        "/service_at_locations/{id}",
        "/taxonomies",
        "/taxonomies/{id}",
        "/taxonomy_terms",
        "/taxonomy_terms/{id}",
    }
    for path in document["paths"]:
        concrete = path.replace("{id}", str(uuid.uuid4()))
        assert client.get(f"/api{concrete}").status_code in (200, 404)


def test_openapi_documents_every_parameter_the_service_filters_accept(client, db):
    document = get(client, "/api/openapi.json")
    documented = set(document["components"]["parameters"])
    accepted = set(ServiceFilter.base_filters) | set(PlaceForm.base_fields)
    assert accepted <= set(LIST_PARAMETERS["/services"])
    assert accepted <= set(LIST_PARAMETERS["/service_at_locations"])
    for parameters in LIST_PARAMETERS.values():
        assert set(parameters) <= documented
    extensions = {name for name, p in document["components"]["parameters"].items() if p.get("x-extension")}
    assert extensions == {
        *("language", "community", "support", "attribute", "mode", "referral", "cost", "gender", "age"),
        "cursor",
    }


def test_openapi_lists_current_vocabulary_slugs(client, db):
    parameters = get(client, "/api/openapi.json")["components"]["parameters"]
    assert "pakistani-kashmiri" in parameters["community"]["schema"]["items"]["enum"]
    assert "phr" in parameters["language"]["schema"]["items"]["enum"]


def test_profile_page_describes_taxonomies_and_terms(client, db):
    response = client.get("/api/profile/")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    html = response.content.decode()
    for taxonomy in TAXONOMIES:
        assert f'id="taxonomy-{taxonomy.slug}"' in html
        assert str(taxonomy.id) in html
    assert 'id="community-pakistani-kashmiri"' in html
    assert str(COMMUNITY.term_id("pakistani-kashmiri")) in html


def test_term_uris_point_at_the_profile_page(client, db):
    term = get(client, f"/api/taxonomy_terms/{COMMUNITY.term_id('indian')}")
    assert term["term_uri"] == "http://testserver/api/profile/#community-indian"
    assert term["taxonomy_detail"]["uri"] == "http://testserver/api/profile/#taxonomy-community"


def test_an_unexpected_fault_answers_json_500_with_cors(client, db, monkeypatch, caplog):
    import api.views

    def broken(site):
        raise RuntimeError("boom")

    monkeypatch.setattr(api.views, "openapi_document", broken)
    response = client.get("/api/openapi.json")
    assert response.status_code == 500
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "went wrong" in response.json()["error"]
    assert "boom" not in response.content.decode()
    assert "Internal Server Error: /api/openapi.json" in caplog.text


# --- Listings in another language (?lang=, Accept-Language) -----------------------------


@pytest.fixture
def translated(db):
    service = make_rich_service(name="Talking circle", opening_hours="Tuesdays", referral_instructions="Phone us.")
    ServiceTranslation.objects.create(
        service=service, language="ur", name="گفتگو", description="ہم ملتے ہیں", opening_hours="منگل"
    )
    OrganisationTranslation.objects.create(organisation=service.organisation, language="ur", description="تنظیم")
    return service


def test_without_a_language_the_api_answers_in_english(client, translated):
    response = client.get(f"/api/services/{translated.public_id}")
    document = response.json()
    assert document["name"] == "Talking circle"
    assert document["description"] == translated.description
    assert response["Content-Language"] == "en"


@pytest.mark.parametrize("how", [{"data": {"lang": "ur"}}, {"headers": {"Accept-Language": "ur-PK,ur;q=0.9,en;q=0.5"}}])
def test_a_client_can_ask_for_the_listings_in_urdu(client, translated, how):
    response = client.get(f"/api/services/{translated.public_id}", how.get("data", {}), headers=how.get("headers", {}))
    document = response.json()
    assert document["name"] == "گفتگو"
    assert document["description"] == "ہم ملتے ہیں"
    assert document["schedules"][0]["description"] == "منگل"
    assert "Phone us." in document["application_process"]  # not translated: English
    assert document["organization"]["description"] == "تنظیم"
    assert response["Content-Language"] == "ur"
    assert "Accept-Language" in response["Vary"]
    assert_valid(document, "service")


def test_the_lang_parameter_wins_over_accept_language(client, translated):
    document = get(client, f"/api/services/{translated.public_id}", {"lang": "en"}, Accept_Language="ur")
    assert document["name"] == "Talking circle"


def test_english_first_in_accept_language_means_english(client, translated):
    document = get(client, f"/api/services/{translated.public_id}", Accept_Language="en-GB,ur;q=0.8")
    assert document["name"] == "Talking circle"


@pytest.mark.parametrize("value", ["zz", "phr", "ur'--", "u\u0301r", "x" * 300])
def test_a_bad_lang_is_a_400_naming_the_parameter(client, translated, value):
    body = get(client, "/api/services", {"lang": value}, status=400)
    assert body["parameter"] == "lang"


def test_an_empty_lang_is_not_given_like_every_empty_parameter(client, translated):
    document = get(client, f"/api/services/{translated.public_id}", {"lang": ""})
    assert document["name"] == "Talking circle"


def test_every_list_validates_in_another_language(client, translated):
    for path, kind in (
        ("/api/services", "service_list"),
        ("/api/organizations", "organization_list"),
        ("/api/service_at_locations", "service_at_location_list"),
    ):
        for item in get(client, path, {"lang": "ur", "full": "true"})["contents"]:
            assert_valid(item, kind.removesuffix("_list"))
        for item in get(client, path, {"lang": "ur"})["contents"]:
            assert_valid(item, kind)


def test_a_language_adds_two_queries_to_a_list_whatever_its_size(client, many, django_assert_num_queries):
    # The services' and their organisations' translations into that language.
    for per_page in (1, 6):
        forget_answers()
        with django_assert_num_queries(12 + 2):
            get(client, "/api/services", {"lang": "pl", "per_page": per_page})


def test_the_profile_and_openapi_document_the_language_parameter(client, db):
    assert "lang=ur" in client.get("/api/profile/").content.decode()
    parameters = get(client, "/api/openapi.json")["components"]["parameters"]
    assert parameters["lang"]["schema"]["enum"][:2] == ["en", "ur"]
    assert parameters["Accept-Language"]["in"] == "header"


# --- Capacity: HSDS has no object for it, so attributes under our "capacity" taxonomy ---------


def test_capacity_is_an_attribute_with_its_date_and_weeks_and_the_document_stays_valid(client, db):
    waiting = make_rich_service()
    record_answer(waiting, "waiting", weeks=6)
    document = get(client, f"/api/services/{waiting.public_id}")
    assert_valid(document, "service")
    assert attribute_codes(document, CAPACITY) == ["waiting"]
    (capacity,) = [a for a in document["attributes"] if a["link_type"] == "capacity"]
    assert capacity["value"] == f"confirmed={timezone.localdate().isoformat()};weeks=6"
    assert capacity["taxonomy_term"]["name"] == "Waiting list"


def test_a_stale_capacity_answer_is_not_published_or_found(client, db, settings):
    settings.CAPACITY_VALID_DAYS = 45
    fresh, stale = make_service("Fresh"), make_service("Stale")
    record_answer(fresh, "open")
    record_answer(stale, "open")
    Service.objects.filter(pk=stale.pk).update(capacity_answered=timezone.now() - timedelta(days=47))
    assert attribute_codes(get(client, f"/api/services/{stale.public_id}"), CAPACITY) == []
    found = get(client, "/api/services", {"taxonomy_term_id": str(CAPACITY.term_id("open"))})
    assert names(found) == ["Fresh"]
    assert_valid(get(client, "/api/taxonomies/" + str(CAPACITY.id)), "taxonomy")
