from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from directory.links import slug_address
from feedback.needs import could_record, counts_as_search, open_result_count, record_search
from signposting.crisis import crisis_services
from signposting.crisis_words import suggests_crisis

from .filters import ServiceFilter
from .models import Organisation
from .results_page import (
    PLACE_PARAMETERS,
    active_filters,
    filter_groups,
    map_config,
    page_url,
    radius_options,
    results_page,
    search_url,
    service_map_config,
    usable_query,
    wider_radius_url,
)
from .search import (
    FACETS,
    RADIUS_DEFAULT,
    SORTS,
    Search,
    SearchParams,
    Vocabulary,
    point_details,
    public_listing,
    public_services,
    with_result_details,
)
from .suggestions import suggest
from .translations import localised_service, with_translations


def home(request: HttpRequest) -> HttpResponse:
    """Anyone: the front page, a search box and the filters people reach for most."""
    vocabulary = Vocabulary.load()
    support_counts = Search(SearchParams(), vocabulary).option_counts("support")
    context = {
        "vocabulary": vocabulary,
        "support_types": [(o, support_counts.get(o.value, 0)) for o in vocabulary.options("support")],
        "radius_options": radius_options(RADIUS_DEFAULT),
    }
    return render(request, "partners/home.html", context)


def search_results(request: HttpRequest) -> HttpResponse:
    """Anyone: the published services matching a search, as a list and a map."""
    vocabulary = Vocabulary.load()
    filterset = ServiceFilter(request.GET, vocabulary=vocabulary)
    params = filterset.params()
    results, page_note = results_page(params, vocabulary, request.GET.get("page"))
    page = results.page
    if counts_as_search(request, 0 if page_note else page.number) and could_record(params):
        # Unmet need: counts by filters and week, nothing personal; services not taking new
        # people do not meet the need. The search the visitor saw (any word, when no service
        # had every word), so the services left out are among those counted.
        record_search(params, open_result_count(results.search, results.count))
    # Words that suggest a crisis open the page with crisis help; nothing about it is kept.
    in_crisis = suggests_crisis(params.q)
    counts = results.option_counts
    # Links from this page (and the map's data) carry only what could be used: the map
    # shows what the list shows, and a problem is not repeated on every next page.
    query = usable_query(request.GET, params, filterset.form.errors)
    # "Did you mean …?" from the listings' own words, when a word is in no listing.
    suggestion = suggest(results)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "params": params,
        "results": results,
        "page": page,
        "errors": filterset.error_list(),
        "filter_groups": filter_groups(params, vocabulary, counts, filterset.form.errors),
        "active_filters": active_filters(query, params, vocabulary),
        "filters_chosen": sum(len(params.values(facet)) for facet in FACETS)
        + (params.age is not None)
        + params.taking_new,
        "radius_options": radius_options(params.radius),
        "place_errors": [m for name in ("postcode", "lat", "lon", "bbox") for m in filterset.form.errors.get(name, [])],
        "sorts": [(value, SORTS[value]) for value in params.available_sorts],
        "wider_radius_url": wider_radius_url(query, params),
        "without_place_url": search_url(query, dict.fromkeys(PLACE_PARAMETERS)),
        "previous_url": page_url(query, page.number - 1) if page.has_previous() else "",
        "next_url": page_url(query, page.number + 1) if page.has_next() else "",
        "map_config": map_config(query, params),
        "page_note": page_note,
        "in_crisis": in_crisis,
        "crisis_services": crisis_services(open_only=True, vocabulary=vocabulary) if in_crisis else [],
        "suggestion": suggestion,
        "suggestion_url": search_url(query, q=suggestion.q) if suggestion else "",
    }
    # A page that does not exist still answers 404 (for robots and links checkers), but people
    # get the results and a note saying why, never a bare "Not Found".
    return render(request, "partners/search.html", context, status=404 if page_note else 200)


def search_geojson(request: HttpRequest) -> JsonResponse:
    """Anyone: the map points of a search as GeoJSON; the problems and a 400 for bad parameters."""
    vocabulary = Vocabulary.load()
    filterset = ServiceFilter(request.GET, vocabulary=vocabulary)
    if not filterset.is_valid():
        errors = {name: [str(message) for message in messages] for name, messages in filterset.errors.items()}
        return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})
    data = Search(filterset.params(), vocabulary).geojson()
    # No spaces between items: partners/search/map.py counts on it for its 200 KB guarantee.
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    return JsonResponse(data, content_type="application/geo+json", json_dumps_params=compact)


def map_point(request: HttpRequest, point: int) -> JsonResponse:
    """Anyone: what the popup of one map point (a `Feature`'s id) shows; 404 for a point the
    public cannot see."""
    details = point_details(point, lambda slug: slug_address("partners:service", slug))
    if details is None:
        raise Http404("No such point on the map.")
    return JsonResponse(details, json_dumps_params={"ensure_ascii": False})


def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Anyone: one published service of a published organisation."""
    service = public_listing(slug)
    if service is None:
        raise Http404("No such service.")
    points = [location for location in service.locations.all() if location.has_point]
    text = localised_service(service)
    context = {
        "service": service,
        "text": text,
        "map_config": service_map_config(service, text, points) if points else None,
    }
    return render(request, "partners/service_detail.html", context)


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Anyone: one published organisation and its published services."""
    organisation = get_object_or_404(with_translations(Organisation.objects.published()), slug=slug)
    services = with_result_details(public_services()).filter(organisation=organisation).order_by("name", "pk")
    return render(
        request,
        "partners/organisation_detail.html",
        {"organisation": organisation, "services": services},
    )


def about_data(request: HttpRequest) -> HttpResponse:
    """Anyone: where the data comes from, and its licences."""
    return render(request, "partners/about_data.html")
