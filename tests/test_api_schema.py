"""Schemathesis against our own OpenAPI document: requests generated from /api/openapi.json
(valid and invalid parameters alike) never get a server error, and every answer matches
what the document promises: status code, content type and body schema.

The document points at Open Referral's schemas on the web; the tests must not need the
network, so those references are replaced by the same files from the HSDS reference
folder beside the checkout (tests/test_api.py reads them from there too)."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api.hsds import Site, location_id, service_at_location_uuid
from api.openapi import SCHEMAS, openapi_document
from api.taxonomies import TAXONOMIES, all_terms
from partners.models import Status
from tests.factories import make_location, make_organisation, make_postcode, make_rich_service, make_service
from tests.test_api import load

# Parameters that name something: a well-formed id or postcode that names nothing is valid by
# the schema, and the document promises a 400 ("names something unknown") for it. A cursor is
# any text by the schema, but only one the API gave (a page's next_cursor) is accepted.
NAMING_PARAMETERS = {"taxonomy_term_id", "taxonomy_id", "postcode", "cursor"}


def excluded_checks(case, status: int) -> list:
    """Checks that do not apply to this request and its answer's status, each with its reason."""
    query = case.query or {}
    excluded = []
    if NAMING_PARAMETERS & query.keys():
        excluded.append(checks.positive_data_acceptance)
    # A NUL character is text by the schema, but PostgreSQL can neither store nor compare it:
    # the views answer the documented 400 for a malformed parameter.
    if "\x00" in str(query):
        excluded.append(checks.positive_data_acceptance)
    # `proximity` needs a `postcode` to measure from (a documented 400 otherwise); OpenAPI
    # cannot say that one parameter needs another.
    if "proximity" in query and "postcode" not in query:
        excluded.append(checks.positive_data_acceptance)
    return excluded


def local(node, folder: str = ""):
    """`node` with every reference to another file inlined from the local HSDS copies:
    Open Referral's published URLs in our document, and sibling files inside their schemas."""
    if isinstance(node, list):
        return [local(item, folder) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if isinstance(reference, str) and not reference.startswith("#"):
        name = reference.removeprefix(SCHEMAS) if reference.startswith(SCHEMAS) else f"{folder}{reference}"
        rest = {key: value for key, value in node.items() if key != "$ref"}
        return {**local(load(name), name.rpartition("/")[0] + "/" if "/" in name else ""), **local(rest, folder)}
    # Each HSDS file names itself; once inlined, only the document's own dialect may speak.
    return {key: local(value, folder) for key, value in node.items() if key not in ("$schema", "$id")}


def with_real_ids(document: dict, ids: dict[str, list[str]]) -> dict:
    """Offer the ids of published records as examples, so the single-record paths are tried
    with documents to check as well as with ids that name nothing."""
    for path, examples in ids.items():
        document["paths"][path]["parameters"][0]["schema"]["examples"] = examples
    return document


@pytest.fixture
def api_schema(db):
    make_postcode("BD21 3DN", 53.868739, -1.907502)
    rich = make_rich_service()
    make_rich_service(name="Talking circle", slug="talking-circle", organisation=make_organisation("Sunrise"))
    make_service("By phone only", modes=["phone"], languages=["pl"])
    make_service("Draft", status=Status.DRAFT, locations=[make_location()])
    ids = {
        "/services/{id}": [str(rich.public_id)],
        "/organizations/{id}": [str(rich.organisation.public_id)],
        "/service_at_locations/{id}": [
            str(service_at_location_uuid(rich.public_id, location_id(rich.locations.get())))
        ],
        "/taxonomies/{id}": [str(taxonomy.id) for taxonomy in TAXONOMIES[:2]],
        "/taxonomy_terms/{id}": [str(term.id) for term in all_terms()[:2]],
    }
    document = with_real_ids(local(openapi_document(Site("http://testserver"))), ids)
    return schemathesis.openapi.from_dict(document)


@pytest.fixture
def wsgi_app():
    """The site's WSGI application, less the closing of the database connection at the start
    and end of each request: that would end the test's transaction on PostgreSQL, taking the
    test's data with it (Django's own test client leaves it out in the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    database=None,
    # The same examples on every run: a failure in CI is one anyone can repeat.
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_keeps_the_promises_of_its_openapi_document(case, wsgi_app):
    transport = {"app": wsgi_app, "headers": {"Host": "testserver"}}
    response = case.call(**transport)
    case.validate_response(
        response, excluded_checks=excluded_checks(case, response.status_code), transport_kwargs=transport
    )


# --- What schemathesis found, pinned ---------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["language", "community", "support", "attribute", "mode", "referral", "cost", "gender"]
)
def test_an_empty_vocabulary_parameter_means_no_filter(client, db, name):
    """The document allows an empty value for every parameter; these answered 400 "Unknown … ."."""
    make_service("Anything")
    response = client.get("/api/services", {name: ["", ""]})
    assert response.status_code == 200
    assert response.json()["total_items"] == 1


def test_an_empty_value_beside_a_real_one_filters_by_the_real_one(client, db):
    make_service("Urdu", languages=["ur"])
    make_service("Polish", languages=["pl"])
    response = client.get("/api/services", {"language": ["", "ur"]})
    assert [service["name"] for service in response.json()["contents"]] == ["Urdu"]
