"""The OpenAPI document is true: every answer a path gives (status and content type)
is documented for it, and everything documented for a path can happen."""

import uuid

import pytest

from tests.factories import make_postcode, make_rich_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client):
    make_postcode("BD21 3DN")
    make_rich_service()
    return client.get("/api/openapi.json").json()


def documented(document: dict, path: str) -> set[tuple[int, str]]:
    answers = set()
    for status, response in document["paths"][path]["get"]["responses"].items():
        if "$ref" in response:
            response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
        answers |= {(int(status), media) for media in response.get("content", {})}
    return answers


def parameter_names(document: dict, path: str) -> list[str]:
    return [p["$ref"].rsplit("/", 1)[-1] for p in document["paths"][path]["get"].get("parameters", [])]


def probes(client, document: dict, path: str) -> list[tuple[str, dict]]:
    """Requests that between them should draw every answer the path can give."""
    if path.endswith("/{id}"):
        # An item path: one real id from its list, one unknown, one malformed.
        real = client.get(f"/api{path.removesuffix('/{id}')}").json()["contents"][0]["id"]
        concrete = [path.replace("{id}", value) for value in (real, str(uuid.uuid4()), "not-a-uuid")]
    else:
        concrete = [path]
    found = [(url, {}) for url in concrete]
    found.append((concrete[0], {"anything": "a\x00b"}))
    for name in parameter_names(document, path):
        found.append((concrete[0], {name: "garbage"}))
    if "format" in parameter_names(document, path):
        found.append((concrete[0], {"format": "ndjson"}))
    if "proximity" in parameter_names(document, path):
        found.append((concrete[0], {"postcode": "BD21 3DN", "proximity": "0.5"}))
    return found


def answered(client, url: str, query: dict) -> tuple[int, str]:
    response = client.get(f"/api{url}", query)
    return response.status_code, response["Content-Type"].split(";")[0]


def test_each_path_answers_exactly_what_the_document_says(client, document):
    undocumented, never_seen = {}, {}
    for path in document["paths"]:
        seen = {answered(client, url, query): (url, query) for url, query in probes(client, document, path)}
        if extra := {answer: request for answer, request in seen.items() if answer not in documented(document, path)}:
            undocumented[path] = extra
        if missing := documented(document, path) - set(seen):
            never_seen[path] = missing
    assert len(document["paths"]) >= 11
    assert not undocumented
    assert not never_seen


def test_proximity_takes_any_distance_above_zero_as_documented(client, document):
    schema = document["components"]["parameters"]["proximity"]["schema"]
    assert schema == {"type": "number", "exclusiveMinimum": 0}
    near = {"postcode": "BD21 3DN"}
    assert client.get("/api/services", {**near, "proximity": "0.5"}).status_code == 200
    assert client.get("/api/services", {**near, "proximity": "0"}).status_code == 400
