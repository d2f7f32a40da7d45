"""The OpenAPI 3.1 document for our API, built from Open Referral's HSDS 3.0
template (schema/openapi.json in its specification): the same paths and parameters, our
server address, and our own filters marked `x-extension`. The vocabularies'
current slugs are read from the database, because moderators can add terms."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from partners.languages import translation_languages
from partners.search import FILTERS

from .filters import DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_SEARCH_LENGTH
from .hsds import HSDS_VERSION, Site

SCHEMAS = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
# The licence the listings are published under; a region that chooses another changes it here.
LICENCE = {
    "name": "Open Government Licence v3.0",
    "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}

SERVICE_FILTERS = [
    "search",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
    "postcode",
    "proximity",
    "language",
    "community",
    "support",
    "attribute",
    "mode",
    "referral",
    "cost",
    "gender",
    "age",
]
PAGING = ["page", "per_page", "format"]
# The language of the listings' text: translations where staff have written them, else English.
LANGUAGE = ["lang", "Accept-Language"]

# Which query parameters each list path takes (the tests hold the views to this).
LIST_PARAMETERS = {
    "/services": [*SERVICE_FILTERS, *PAGING, "cursor", "minimal", "full", *LANGUAGE],
    "/organizations": ["search", "modified_after", *PAGING, "full", "full_service", *LANGUAGE],
    "/service_at_locations": [*SERVICE_FILTERS, *PAGING, "full", *LANGUAGE],
    "/taxonomies": ["search", *PAGING],
    "/taxonomy_terms": ["search", *PAGING, "taxonomy_id", "top_only", "parent_id"],
}


def _query(name: str, description: str, schema: dict, *, extension: bool = False, repeat: bool = False) -> dict:
    # Every parameter's form field treats an empty value (`?language=`, as an HTML form sends) as not given.
    parameter = {"name": name, "in": "query", "required": False, "allowEmptyValue": True, "description": description}
    if repeat:
        parameter.update(schema={"type": "array", "items": schema}, style="form", explode=True)
    else:
        parameter["schema"] = schema
    if extension:
        parameter["x-extension"] = True
    return parameter


def _codes(name: str) -> list[str]:
    """The values a filter of the registry (partners.search.FILTERS) accepts, as stored."""
    spec = FILTERS[name]
    if spec.model:
        return list(spec.model.objects.values_list(spec.code_field, flat=True))
    return list(spec.choices.values)


def parameters() -> dict[str, dict]:
    boolean = {"type": "boolean", "default": False}
    uuid = {"type": "string", "format": "uuid"}
    repeat_note = _("Repeat the parameter for several values: a service matching any of them is returned.")
    return {
        "search": _query(
            "search",
            _(
                "Words to look for, searched exactly as the site's own search does: service names and "
                "descriptions, organisation names, support types, communities, language names (in English or "
                "in the language itself) and the listings' translations, with plurals, everyday synonyms "
                "(grief finds bereavement), words typed in the interface languages and, on PostgreSQL, small "
                "typos. Every word must match."
            ),
            {"type": "string", "maxLength": MAX_SEARCH_LENGTH},
        ),
        "page": _query("page", _("Page number, from 1."), {"type": "integer", "minimum": 1, "default": 1}),
        "cursor": _query(
            "cursor",
            _(
                "Where to carry on: the next_cursor of the page before. Pages in name order that stay "
                "as fast at the end of the list as at its start. Not with page or postcode."
            ),
            {"type": "string"},
            extension=True,
        ),
        "lang": _query(
            "lang",
            _(
                "The language of the listings' text (service name, description, application process, "
                "schedule description; organization description): where the organisation has written it in "
                "this language it replaces the English, field by field; elsewhere the English stays. The "
                "default is English; lang wins over Accept-Language. The answer's Content-Language says "
                "which was used."
            ),
            {"type": "string", "enum": ["en", *translation_languages()], "default": "en"},
        ),
        "Accept-Language": {
            "name": "Accept-Language",
            "in": "header",
            "required": False,
            "description": _(
                "Used as lang when lang is not given: the first of its languages that the site offers "
                "(English if that comes first)."
            ),
            "schema": {"type": "string"},
        },
        "per_page": _query(
            "per_page",
            _("Results per page."),
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        ),
        "format": _query(
            "format",
            _("json (default, paged) or ndjson: every result, one JSON document a line, without paging."),
            {"type": "string", "enum": ["json", "ndjson"], "default": "json"},
        ),
        "minimal": _query(
            "minimal",
            _("Return only each service's id, name, status and last_modified."),
            boolean,
        ),
        "full": _query("full", _("Return fully nested documents instead of their one-to-one fields."), boolean),
        "full_service": _query(
            "full_service", _("Nest each organization's services fully, not just their one-to-one fields."), boolean
        ),
        "taxonomy_term_id": _query(
            "taxonomy_term_id",
            _("Services with this taxonomy term (see /taxonomy_terms). %(repeat)s") % {"repeat": repeat_note},
            uuid,
            repeat=True,
        ),
        "taxonomy_id": _query(
            "taxonomy_id",
            _("Services with any term of this taxonomy (see /taxonomies)."),
            uuid,
            repeat=True,
        ),
        "organization_id": _query("organization_id", _("Services of this organization."), uuid),
        "modified_after": _query(
            "modified_after",
            _(
                "Only results changed on or after this ISO 8601 date or date and time "
                "(no time zone means UTC). Encode a + in the offset as %2B."
            ),
            {"type": "string", "format": "date-time"},
        ),
        "postcode": _query(
            "postcode",
            _(
                "A full UK postcode (any case and spacing) or its outward code (BD21, meaning its centre). "
                "Results are ordered nearest first; services with no location (phone, video or text only) "
                "come after the located ones."
            ),
            {"type": "string"},
        ),
        "proximity": _query(
            "proximity",
            _(
                "With postcode: only services with a location within this many metres of it, plus services "
                "with no location, which cover the whole region. Any distance above 0."
            ),
            {"type": "number", "exclusiveMinimum": 0},
        ),
        "top_only": _query("top_only", _("Only top-level terms. All our terms are top-level."), boolean),
        "parent_id": _query("parent_id", _("Terms whose parent is this term. Our terms have no parents."), uuid),
        "language": _query(
            "language",
            _("Services offered in this language (ISO 639 code), in any way. %(repeat)s") % {"repeat": repeat_note},
            {"type": "string", "enum": _codes("language")},
            extension=True,
            repeat=True,
        ),
        "community": _query(
            "community",
            _("Services for this community; services for all racialised communities always match. %(repeat)s")
            % {"repeat": repeat_note},
            {"type": "string", "enum": _codes("community")},
            extension=True,
            repeat=True,
        ),
        "support": _query(
            "support",
            _("Services offering this type of support. %(repeat)s") % {"repeat": repeat_note},
            {"type": "string", "enum": _codes("support")},
            extension=True,
            repeat=True,
        ),
        "attribute": _query(
            "attribute",
            _("Services with this cultural fit. %(repeat)s") % {"repeat": repeat_note},
            {"type": "string", "enum": _codes("attribute")},
            extension=True,
            repeat=True,
        ),
        "mode": _query(
            "mode",
            _("Services delivered this way. %(repeat)s") % {"repeat": repeat_note},
            {"type": "string", "enum": _codes("mode")},
            extension=True,
            repeat=True,
        ),
        "referral": _query(
            "referral",
            _("Services with this way in. %(repeat)s") % {"repeat": repeat_note},
            {"type": "string", "enum": _codes("referral")},
            extension=True,
            repeat=True,
        ),
        "cost": _query(
            "cost",
            _("Services with this cost. %(repeat)s") % {"repeat": repeat_note},
            {"type": "string", "enum": _codes("cost")},
            extension=True,
            repeat=True,
        ),
        "gender": _query(
            "gender",
            _("Services open to this gender: women matches services for women and for anyone; likewise men."),
            {"type": "string", "enum": _codes("gender")},
            extension=True,
            repeat=True,
        ),
        "age": _query(
            "age",
            _("Services whose age range includes this age in years (a missing bound is no limit)."),
            {"type": "integer", "minimum": 0, "maximum": 130},
            extension=True,
        ),
    }


def _page_of(schema: str) -> dict:
    return {
        "allOf": [{"$ref": "#/components/schemas/Page"}],
        "properties": {"contents": {"type": "array", "items": {"$ref": SCHEMAS + schema}}},
    }


def _ok(description: str, schema: dict) -> dict:
    # Every path answers 400 to a malformed query, even one that takes no parameters
    # (a NUL character in any of them, say).
    return {
        "200": {"description": description, "content": {"application/json": {"schema": schema}}},
        "400": {"$ref": "#/components/responses/BadParameter"},
    }


def _list(summary: str, operation: str, path: str, schema: str) -> dict:
    responses = _ok(summary, _page_of(schema))
    # format=ndjson: no page object, one document (an item of the page's contents) a line.
    responses["200"]["content"]["application/x-ndjson"] = {
        "schema": responses["200"]["content"]["application/json"]["schema"]["properties"]["contents"]["items"]
    }
    responses["200"]["description"] += " " + _("With format=ndjson, every result, one JSON document a line.")
    return {
        "get": {
            "summary": summary,
            "operationId": operation,
            "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in LIST_PARAMETERS[path]],
            "responses": responses,
        }
    }


def _one(summary: str, operation: str, schema: str, extra: tuple[str, ...] = ()) -> dict:
    responses = _ok(summary, {"$ref": SCHEMAS + schema})
    # Also for an id that is not a UUID at all.
    responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {
        "parameters": [{"in": "path", "name": "id", "required": True, "schema": {"type": "string", "format": "uuid"}}],
        "get": {
            "summary": summary,
            "operationId": operation,
            "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in extra],
            "responses": responses,
        },
    }


def openapi_document(site: Site) -> dict:
    error = {"$ref": "#/components/schemas/Error"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": _("%(site)s open data API") % {"site": settings.SITE_NAME},
            "version": "1.0.0",
            "summary": _("Community mental health support in %(region)s, as HSDS %(version)s.")
            % {"region": settings.REGION_NAME, "version": HSDS_VERSION},
            "description": _(
                "Read-only, public and free to use: no key is needed, and every answer allows any origin (CORS). "
                "Only published listings are shown. Our taxonomies and extensions are described at %(profile)s."
            )
            % {"profile": site.url(reverse("api:profile"))},
            "contact": {"name": settings.SITE_NAME, "url": site.url("/")},
            "license": LICENCE,
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "servers": [{"url": site.url("/api")}],
        "paths": {
            "/": {
                "get": {
                    "summary": _("Which HSDS version and profile this API follows."),
                    "operationId": "getAPIMetaInformation",
                    "responses": _ok(_("Information about this API."), {"$ref": "#/components/schemas/Meta"}),
                }
            },
            "/services": _list(
                _("Published services, paged."), "getPaginatedListOfServices", "/services", "compiled/service_list.json"
            ),
            "/services/{id}": _one(
                _("One service, fully nested."), "getFullyNestedServiceById", "compiled/service.json", tuple(LANGUAGE)
            ),
            "/organizations": _list(
                _("Published organizations, paged."),
                "getPaginatedListOfOrganizations",
                "/organizations",
                "compiled/organization_list.json",
            ),
            "/organizations/{id}": _one(
                _("One organization with its services."),
                "getOrganizationById",
                "compiled/organization.json",
                ("full_service", *LANGUAGE),
            ),
            "/service_at_locations": _list(
                _("Each place where each published service is delivered, paged."),
                "getPaginatedListOfServiceAtLocation",
                "/service_at_locations",
                "compiled/service_at_location_list.json",
            ),
            "/service_at_locations/{id}": _one(
                _("One service at one location, fully nested."),
                "getServiceAtLocationWithNestedDataById",
                "compiled/service_at_location.json",
                tuple(LANGUAGE),
            ),
            "/taxonomies": _list(_("Our taxonomies."), "getPaginatedListOfTaxonomies", "/taxonomies", "taxonomy.json"),
            "/taxonomies/{id}": _one(_("One taxonomy."), "getTaxonomyById", "taxonomy.json"),
            "/taxonomy_terms": _list(
                _("The terms of our taxonomies."),
                "getPaginatedListOfTaxonomyTerms",
                "/taxonomy_terms",
                "taxonomy_term.json",
            ),
            "/taxonomy_terms/{id}": _one(_("One taxonomy term."), "getTaxonomyTermById", "taxonomy_term.json"),
        },
        "components": {
            "schemas": {
                "Meta": {
                    "type": "object",
                    "required": ["version", "profile", "openapi_url"],
                    "properties": {
                        "version": {"type": "string", "const": HSDS_VERSION},
                        "profile": {"type": "string", "format": "uri"},
                        "openapi_url": {"type": "string", "format": "uri"},
                    },
                },
                "Page": {
                    "type": "object",
                    "required": [
                        "total_items",
                        "total_pages",
                        "page_number",
                        "size",
                        "first_page",
                        "last_page",
                        "empty",
                        "contents",
                    ],
                    "properties": {
                        "total_items": {"type": "integer", "description": _("How many results there are in all.")},
                        "total_pages": {"type": "integer", "description": _("How many pages there are.")},
                        "page_number": {"type": "integer", "description": _("This page's number, from 1.")},
                        "size": {"type": "integer", "description": _("How many results this page holds.")},
                        "first_page": {"type": "boolean", "description": _("Whether this is page 1.")},
                        "last_page": {
                            "type": "boolean",
                            "description": _("Whether no page follows this one (also true past the end)."),
                        },
                        "empty": {"type": "boolean", "description": _("Whether this page holds no results.")},
                        "contents": {"type": "array"},
                        "next_cursor": {
                            "type": ["string", "null"],
                            "description": _(
                                "/services in name order only: give it as cursor for the next page; null on "
                                "the last page."
                            ),
                            "x-extension": True,
                        },
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "string", "description": _("What went wrong, in words.")},
                        "parameter": {"type": "string", "description": _("The query parameter at fault.")},
                    },
                },
            },
            "responses": {
                "BadParameter": {
                    "description": _("A query parameter is malformed or names something unknown."),
                    "content": {"application/json": {"schema": error}},
                },
                "NotFound": {
                    "description": _("Nothing published has this id."),
                    "content": {"application/json": {"schema": error}},
                },
            },
            "parameters": parameters(),
        },
    }
