"""The open data API: HSDS 3.0, read-only, public, no key.

Every answer, errors included, carries `Access-Control-Allow-Origin: *` so any
web page can read the listings."""

import json
import logging
import math
import uuid
from collections.abc import Callable, Iterable
from functools import partial, wraps

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from directory.errors import RETRY_AFTER_SECONDS
from partners import facet_index, map_cache
from partners.languages import translation_languages
from partners.models import Organisation, Service

from . import hsds
from .filters import (
    Cursor,
    CursorForm,
    ListForm,
    OrganisationFilter,
    ParameterError,
    PlaceForm,
    ServiceFilter,
    TermListForm,
    check,
    content_language,
    service_at_locations_near,
    services_near,
)
from .openapi import LICENCE, openapi_document
from .taxonomies import TAXONOMIES, all_terms, taxonomy_by_id, terms_by_id, terms_of

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
logger = logging.getLogger("django.request")


def json_response(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def error_response(message: str, status: int, parameter: str | None = None) -> JsonResponse:
    data = {"error": message}
    if parameter:
        data["parameter"] = parameter
    return json_response(data, status=status)


def api_view(view: Callable) -> Callable:
    """CORS on every answer; OPTIONS answered as a preflight; only reads allowed;
    bad parameters become 400 and missing objects 404, in JSON."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = request.headers.get("Access-Control-Request-Headers", "*")
            response["Access-Control-Max-Age"] = "86400"
            response["Allow"] = ALLOWED_METHODS
        elif request.method not in ("GET", "HEAD"):
            response = error_response(_("This API is read-only: use GET."), status=405)
            response["Allow"] = ALLOWED_METHODS
        elif bad := _null_character_in(request):
            # PostgreSQL cannot compare text holding NUL; say so rather than fail.
            response = error_response(_("Bad value for %(parameter)s.") % {"parameter": bad}, 400, parameter=bad)
        else:
            try:
                # Listings' text in the language the client asked for (translations where they
                # exist, else English); English when it asked for none.
                language = content_language(request)
                with translation.override(language or settings.LANGUAGE_CODE):
                    response = view(request, *args, **kwargs)
                response["Content-Language"] = language or "en"
            except ParameterError as error:
                message = _("Bad value for %(parameter)s: %(message)s") % {
                    "parameter": error.parameter,
                    "message": error.message,
                }
                response = error_response(message, status=400, parameter=error.parameter)
            except Http404 as error:
                response = error_response(str(error) or _("Not found."), status=404)
            except (OperationalError, InterfaceError):
                logger.exception("Database unavailable: %s", request.path)
                response = error_response(_("The database is not available just now. Please try again later."), 503)
                response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            except Exception:
                # A fault of ours: logged like any server error, answered in JSON with the
                # CORS header so the calling page can at least read that it failed.
                if settings.DEBUG:
                    raise
                logger.exception("Internal Server Error: %s", request.path, extra={"request": request})
                response = error_response(_("Something went wrong on our side. Please try again later."), 500)
        response["Access-Control-Allow-Origin"] = "*"
        patch_vary_headers(response, ["Accept-Language"])
        return response

    return wrapper


def _null_character_in(request: HttpRequest) -> str:
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "") or "?"
    return ""


def page_of(
    rows: QuerySet | list,
    page: int,
    per_page: int,
    to_document: Callable,
    fetch: Callable[[list[int]], dict] | None = None,
    *,
    count: Callable[..., int] | None = None,
    after: Cursor | None = None,
    keyset: bool = False,
    read_all: bool = False,
) -> dict:
    """HSDS's page object. A page past the end is empty but keeps the true totals.

    With `fetch`, the page is a "deferred join": the ordered, offset query reads only the
    ids (narrow rows the database can sort in memory, or read in order from an index),
    then `fetch` (ids -> {id: row}, as `in_bulk`) loads the full rows and their related rows
    for those ids alone. At 100,000
    services this is what keeps a deep page from sorting every wide row on disk
    (docs/performance.md, "After: the API list").

    `keyset`: the rows are in name order (then id), so the page also gives `next_cursor`,
    where the next page starts; with `after` (a cursor) the page starts there instead of
    at an offset, so the database reads no earlier row. `count`: how to count the rows
    (cached_count), else an exact count. `read_all`: when the count is not kept, read the
    ids of every row in one statement and count those, instead of a count and a page
    that each find the rows again (a keyword search: docs/performance.md, "After: the
    API's cursor, count and search")."""
    if count is None:
        count = _counter(rows)
    start = (page - 1) * per_page
    if after is not None:
        page, start = after.page, 0
    every = None
    if read_all and after is None and fetch is not None:

        def read_every() -> int:
            nonlocal every
            every = list(_page_rows(rows, keyset))
            return len(every)

        total = count(read_every)
    else:
        total = count()
    if after is not None:
        rows = rows.filter(after_q(after))
    next_cursor = None
    # Past the end, ask the database nothing: a huge offset is wasted work (or an overflow).
    if start >= total:
        contents = []
    elif fetch is None:
        contents = [to_document(row) for row in rows[start : start + per_page]]
    else:
        # One row more than the page says whether a next page exists, and (keyset) the page's
        # last row says where it starts. Both columns are in the index service_public_order.
        found = every[start : start + per_page + 1] if every is not None else None
        if found is None:
            found = list(_page_rows(rows, keyset)[start : start + per_page + 1])
        if keyset and len(found) > per_page:
            next_cursor = Cursor(page=page + 1, name=found[per_page - 1][1], pk=found[per_page - 1][0]).encode()
        ids = [row[0] for row in found[:per_page]]
        loaded = fetch(ids) if ids else {}
        contents = [to_document(loaded[pk]) for pk in ids if pk in loaded]
    return _answer(total, page, per_page, contents, keyset, next_cursor)


def _answer(total: int, page: int, per_page: int, contents: list, keyset: bool, next_cursor: str | None) -> dict:
    total_pages = math.ceil(total / per_page)
    answer = {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
    if keyset:
        answer["next_cursor"] = next_cursor
    return answer


def index_page(
    index: facet_index.FacetIndex,
    matched: int,
    page: int,
    per_page: int,
    to_document: Callable,
    fetch: Callable[[list[int]], dict],
    after: Cursor | None = None,
) -> dict | None:
    """What page_of answers for rows in name order (keyset), from the facet index: the
    services of `matched` (a bitset of the index, numbered in the order name, id) are
    counted and paged there, and only the page's services are read. None when `after` is a
    cursor the index cannot place (its service renamed or no longer public): page_of
    answers it by SQL."""
    total = matched.bit_count()
    start, after_position = (page - 1) * per_page, -1
    if after is not None:
        after_position = index.position.get(after.pk, -1)
        # The cursor's service still has the cursor's name: "after (name, id)" is "after
        # its position". Else the database must compare the names (after_q).
        if after_position < 0 or _name_of(after.pk) != after.name:
            return None
        page, start = after.page, 0
    # One service more than the page says whether a next page exists.
    ids = [] if start >= total else index.ids_from(matched, start, per_page + 1, after_position)
    next_cursor = None
    page_ids = ids[:per_page]
    loaded = fetch(page_ids) if page_ids else {}
    if len(ids) > per_page:
        last = ids[per_page - 1]
        # As the SQL path, the name read with the page (a service hidden meanwhile: read now).
        name = loaded[last].name if last in loaded else _name_of(last)
        if name is not None:
            next_cursor = Cursor(page=page + 1, name=name, pk=last).encode()
    contents = [to_document(loaded[pk]) for pk in page_ids if pk in loaded]
    return _answer(total, page, per_page, contents, True, next_cursor)


def _name_of(pk: int) -> str | None:
    return Service.objects.filter(pk=pk).values_list("name", flat=True).first()


def _page_rows(rows: QuerySet, keyset: bool) -> QuerySet:
    return rows.prefetch_related(None).values_list(*(("pk", "name") if keyset else ("pk",)))


def _counter(rows: QuerySet | list) -> Callable[..., int]:
    def count(compute: Callable[[], int] | None = None) -> int:
        if compute is not None:
            return compute()
        return rows.count() if isinstance(rows, QuerySet) else len(rows)

    return count


def after_q(cursor: Cursor) -> Q:
    """The rows after the cursor's in the order (name, id). Written as `name >= x AND (name > x
    OR id > y)` so the database starts reading the index at the name instead of testing
    every earlier row."""
    return Q(name__gte=cursor.name) & (Q(name__gt=cursor.name) | Q(pk__gt=cursor.pk))


def cached_count(rows: QuerySet) -> Callable[..., int]:
    """How to count `rows` (by `compute`, else a COUNT): exactly, or with a shared cache
    (settings.MAP_CACHE_SECONDS) the count kept under the directory's version
    (partners.map_cache), which any listing change replaces, so a publish or an unpublish
    is counted on the next request. The key is the counted statement itself, so every
    filter, search word and place is in it."""

    def count(compute: Callable[[], int] | None = None) -> int:
        compute = compute or rows.count
        if not settings.MAP_CACHE_SECONDS:
            return compute()
        sql, params = rows.query.sql_with_params()
        return map_cache.answer(("api-count", sql, params), compute)

    return count


def ndjson(rows: Iterable, to_document: Callable) -> StreamingHttpResponse:
    """`format=ndjson`: every result, one JSON document a line, no pages."""
    if isinstance(rows, QuerySet):
        rows = rows.iterator(chunk_size=200)
    lines = (json.dumps(to_document(row), ensure_ascii=False) + "\n" for row in rows)
    return StreamingHttpResponse(lines, content_type="application/x-ndjson; charset=utf-8")


def listing(
    rows: QuerySet | list, options: dict, to_document: Callable, fetch: Callable | None = None, **paging
) -> HttpResponse:
    if options["format"] == "ndjson":
        if paging.get("after") is not None:
            rows = rows.filter(after_q(paging["after"]))
        return ndjson(rows, to_document)
    return json_response(page_of(rows, options["page"], options["per_page"], to_document, fetch, **paging))


def parse_id(value: str, message: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404(message) from None


# --- Views -------------------------------------------------------------------------


@api_view
def root(request: HttpRequest) -> HttpResponse:
    """Anyone: which HSDS version and profile this API follows, and where its OpenAPI document is."""
    return json_response(
        {
            "version": hsds.HSDS_VERSION,
            "profile": request.build_absolute_uri(reverse("api:profile")),
            "openapi_url": request.build_absolute_uri(reverse("api:openapi")),
        }
    )


@api_view
def profile(request: HttpRequest) -> HttpResponse:
    """Anyone: the human-readable description of our HSDS profile, taxonomies and extensions."""
    taxonomies = [(taxonomy, terms_of(taxonomy)) for taxonomy in TAXONOMIES]
    return render(
        request,
        "api/profile.html",
        {"taxonomies": taxonomies, "licence": LICENCE, "translation_languages": translation_languages()},
    )


@api_view
def openapi(request: HttpRequest) -> HttpResponse:
    """Anyone: the OpenAPI 3.1 description of this API."""
    return json_response(openapi_document(hsds.Site.for_request(request)))


@api_view
def services(request: HttpRequest) -> HttpResponse:
    """Anyone: published services, filtered and paged (by page number, or by cursor in name order)."""
    options = check(ListForm(request.GET))
    place = check(PlaceForm(request.GET))
    cursor = check(CursorForm(request.GET))["cursor"]
    filters = ServiceFilter(request.GET, queryset=hsds.published_services())
    if not filters.is_valid():
        check(filters.form)
    # A page's documents are loaded by id after the page's ids are found (page_of).
    documents = hsds.published_services_by_id
    site = hsds.Site.for_request(request)
    if options["minimal"]:
        documents = hsds.published_services().prefetch_related(None).in_bulk
        to_document = hsds.minimal_service
    elif options["full"]:
        to_document = partial(hsds.service_document, site=site)
    else:
        to_document = partial(hsds.service_summary, site=site)
    # In name order, with filters the facet index knows: counted and paged there, no SQL
    # but the page's services (and a keyword search's matching ids). Else, and without a
    # shared cache, the SQL below.
    if options["format"] == "json" and not place["postcode"] and (index := facet_index.ready()) is not None:
        matched = filters.matched_in(index)
        if matched is not None:
            answer = index_page(
                index, matched, options["page"], options["per_page"], to_document, documents, after=cursor
            )
            if answer is not None:
                return json_response(answer)
    rows = filters.qs
    if place["postcode"]:
        rows = services_near(rows, place["postcode"], place["proximity"])
    else:
        rows = rows.order_by("name", "pk")  # the order of the index service_public_order
    if options["minimal"]:
        rows = rows.prefetch_related(None)
    paging = {
        "count": cached_count(rows),
        "after": cursor,
        "keyset": not place["postcode"],
        # The keyword conditions are the costly part of a search: find the matches once.
        "read_all": filters.searched,
    }
    return listing(rows, options, to_document, fetch=documents, **paging)


@api_view
def service(request: HttpRequest, id: str) -> HttpResponse:
    """Anyone: one published service, fully nested."""
    public_id = parse_id(id, _("No service has this id."))
    found = hsds.published_services().filter(public_id=public_id).first()
    if found is None:
        raise Http404(_("No service has this id."))
    return json_response(hsds.service_document(found, hsds.Site.for_request(request)))


@api_view
def organizations(request: HttpRequest) -> HttpResponse:
    """Anyone: published organisations, paged; `full=true` nests their services."""
    options = check(ListForm(request.GET))
    site = hsds.Site.for_request(request)
    if options["full"]:
        rows = OrganisationFilter(request.GET, queryset=hsds.published_organisations()).qs.order_by("name", "pk")
        to_document = partial(_organization, site=site, full_services=options["full_service"])
    else:
        rows = OrganisationFilter(request.GET, queryset=hsds.with_translations(Organisation.objects.published())).qs
        rows, to_document = rows.order_by("name", "pk"), hsds.organization_summary
    return listing(rows, options, to_document)


def _organization(organisation: Organisation, site: hsds.Site, full_services: bool) -> dict:
    return hsds.organization_document(organisation, organisation.public_services, site, full_services=full_services)


@api_view
def organization(request: HttpRequest, id: str) -> HttpResponse:
    """Anyone: one published organisation with its published services."""
    options = check(ListForm(request.GET))
    public_id = parse_id(id, _("No organization has this id."))
    found = hsds.published_organisations().filter(public_id=public_id).first()
    if found is None:
        raise Http404(_("No organization has this id."))
    return json_response(_organization(found, hsds.Site.for_request(request), options["full_service"]))


@api_view
def service_at_locations(request: HttpRequest) -> HttpResponse:
    """Anyone: each place where each published service is delivered, filtered and paged."""
    options = check(ListForm(request.GET))
    place = check(PlaceForm(request.GET))
    matching = ServiceFilter(request.GET, queryset=hsds.public_services()).qs
    rows = hsds.published_service_at_locations().filter(service__in=matching.values("pk"))
    if place["postcode"]:
        rows = service_at_locations_near(rows, place["postcode"], place["proximity"])
    else:
        rows = rows.order_by("service__name", "location__town", "location__address", "pk")
    site = hsds.Site.for_request(request)
    return listing(rows, options, partial(_service_at_location, site=site, full=options["full"]))


def _service_at_location(link, site: hsds.Site, full: bool) -> dict:
    if full:
        return hsds.service_at_location_document(link.service, link.location, site)
    return hsds.service_at_location_summary(link.service, link.location, site)


@api_view
def service_at_location(request: HttpRequest, id: str) -> HttpResponse:
    """Anyone: one published service at one of its locations, fully nested."""
    wanted = parse_id(id, _("No service at location has this id."))
    # Ids are derived (UUID 5), not stored: find the pair whose id matches. A region
    # has hundreds of these, so hashing them all costs less than a column would.
    pairs = (
        Service.locations.through.objects.filter(service__in=hsds.public_services().values("pk"))
        .values_list("pk", "service__public_id", "location_id", "location__organisation__public_id")
        .order_by()
    )
    for pk, service_public_id, location_pk, owner_public_id in pairs:
        location = hsds.location_uuid(owner_public_id, location_pk)
        if hsds.service_at_location_uuid(service_public_id, location) == wanted:
            link = hsds.published_service_at_locations().get(pk=pk)
            return json_response(_service_at_location(link, hsds.Site.for_request(request), full=True))
    raise Http404(_("No service at location has this id."))


@api_view
def taxonomies(request: HttpRequest) -> HttpResponse:
    """Anyone: our taxonomies (support types, communities, cultural fit…)."""
    options = check(ListForm(request.GET))
    query = check(TermListForm(request.GET))
    rows = [t for t in TAXONOMIES if _matches(query["search"], t.name, t.description, t.slug)]
    return listing(rows, options, partial(hsds.taxonomy_document, site=hsds.Site.for_request(request)))


@api_view
def taxonomy(request: HttpRequest, id: str) -> HttpResponse:
    """Anyone: one taxonomy."""
    found = taxonomy_by_id(parse_id(id, _("No taxonomy has this id.")))
    if found is None:
        raise Http404(_("No taxonomy has this id."))
    return json_response(hsds.taxonomy_document(found, hsds.Site.for_request(request)))


@api_view
def taxonomy_terms(request: HttpRequest) -> HttpResponse:
    """Anyone: the terms of our taxonomies. None has a parent: every term is top-level."""
    options = check(ListForm(request.GET))
    query = check(TermListForm(request.GET))
    if query["parent_id"]:
        rows = []
    elif query["taxonomy_id"]:
        rows = [term for taxonomy in query["taxonomy_id"] for term in terms_of(taxonomy)]
    else:
        rows = all_terms()
    rows = [t for t in rows if _matches(query["search"], t.name, t.description, t.code)]
    return listing(rows, options, partial(hsds.term_document, site=hsds.Site.for_request(request)))


@api_view
def taxonomy_term(request: HttpRequest, id: str) -> HttpResponse:
    """Anyone: one taxonomy term."""
    wanted = parse_id(id, _("No taxonomy term has this id."))
    found = terms_by_id([wanted]).get(wanted)
    if found is None:
        raise Http404(_("No taxonomy term has this id."))
    return json_response(hsds.term_document(found, hsds.Site.for_request(request)))


@api_view
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Anyone: a JSON 404 for any other address under /api/."""
    raise Http404(_("There is nothing at this address. The API's paths are listed at /api/openapi.json."))


def _matches(search: str, *texts: str) -> bool:
    haystack = " ".join(str(text) for text in texts).casefold()
    return all(word.casefold() in haystack for word in search.split())
