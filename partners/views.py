from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import EmptyPage, InvalidPage
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, npgettext

from feedback.needs import counts_as_search, open_result_count, record_search
from signposting.crisis import crisis_services
from signposting.crisis_words import suggests_crisis

from .filters import ServiceFilter
from .models import Organisation
from .search import (
    FACETS,
    RADIUS_CHOICES,
    RADIUS_DEFAULT,
    SORTS,
    Option,
    Search,
    SearchParams,
    SearchResults,
    Vocabulary,
    page_number,
    public_services,
    with_listing_details,
    with_result_details,
)
from .suggestions import suggest
from .templatetags.directory import language_name, plural_count
from .translations import localised_service, with_translations

# Parameters that say where: a new place or map area replaces all of them.
PLACE_PARAMETERS = ("postcode", "lat", "lon", "radius")


def published_services():
    """Published services of published organisations, with what a listing shows."""
    return with_listing_details(public_services())


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
    results, page_note = _results_page(params, vocabulary, request.GET.get("page"))
    page = results.page
    if counts_as_search(request, 0 if page_note else page.number):
        # Unmet need: counts by filters and week, nothing personal; services not taking new
        # people do not meet the need.
        record_search(params, open_result_count(Search(params, vocabulary), results.count))
    # Words that suggest a crisis open the page with crisis help; nothing about it is kept.
    in_crisis = suggests_crisis(params.q)
    counts = results.option_counts
    # Links from this page (and the map's data) carry only what could be used: the map
    # shows what the list shows, and a problem is not repeated on every next page.
    query = _usable_query(request.GET, params, filterset.form.errors)
    # "Did you mean …?" from the listings' own words, when the words found too little.
    suggestion = suggest(results)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "params": params,
        "results": results,
        "page": page,
        "errors": filterset.error_list(),
        "filter_groups": _filter_groups(params, vocabulary, counts, filterset.form.errors),
        "active_filters": _active_filters(query, params, vocabulary),
        "filters_chosen": sum(len(params.values(facet)) for facet in FACETS)
        + (params.age is not None)
        + params.taking_new,
        "radius_options": radius_options(params.radius),
        "place_errors": [m for name in ("postcode", "lat", "lon", "bbox") for m in filterset.form.errors.get(name, [])],
        "sorts": [(value, SORTS[value]) for value in params.available_sorts],
        "wider_radius_url": _wider_radius_url(query, params),
        "without_place_url": _url(query, dict.fromkeys(PLACE_PARAMETERS)),
        "previous_url": _page_url(query, page.number - 1) if page.has_previous() else "",
        "next_url": _page_url(query, page.number + 1) if page.has_next() else "",
        "map_config": _map_config(query, params),
        "page_note": page_note,
        "in_crisis": in_crisis,
        "crisis_services": crisis_services(open_only=True) if in_crisis else [],
        "suggestion": suggestion,
        "suggestion_url": _url(query, q=suggestion.q) if suggestion else "",
    }
    # A page that does not exist still answers 404 (for robots and links checkers), but people
    # get the results and a note saying why, never a bare "Not Found".
    return render(request, "partners/search.html", context, status=404 if page_note else 200)


def _results_page(params: SearchParams, vocabulary: Vocabulary, requested: str | None) -> tuple[SearchResults, str]:
    """The page of results asked for, and a note when it could not be: a page number that is
    not one (0, -1, abc, 1.5) gets the first page, a page past the end the last page (the
    nearest to what was asked for, say from an old bookmark), each saying why."""
    try:
        number = page_number(requested)
    except EmptyPage:  # a whole number, but below 1 or absurdly large
        number = 0 if int(str(requested)) < 1 else None
    except InvalidPage:
        number = 0
    if number == 0:
        note = _("“%(page)s” is not a page number, so this is the first page.") % {
            "page": Truncator(str(requested)).chars(20)
        }
        return Search(params, vocabulary).results(1), note
    if number is not None:
        try:
            return Search(params, vocabulary).results(number), ""
        except EmptyPage:
            pass
    results = Search(params, vocabulary).results(1)
    last = results.page.paginator.num_pages
    if last > 1:
        results = Search(params, vocabulary).results(last)
    note = ngettext(
        "There is no page %(page)s: these results fill %(count)s page, so this is the last one.",
        "There is no page %(page)s: these results fill %(count)s pages, so this is the last one.",
        last,
    ) % {"page": Truncator(str(requested)).chars(20), "count": last}
    return results, note


def search_geojson(request: HttpRequest) -> JsonResponse:
    """Anyone: the map points of a search as GeoJSON; the problems and a 400 for bad parameters."""
    vocabulary = Vocabulary.load()
    filterset = ServiceFilter(request.GET, vocabulary=vocabulary)
    if not filterset.is_valid():
        errors = {name: [str(message) for message in messages] for name, messages in filterset.errors.items()}
        return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})
    prefix = reverse("partners:service", kwargs={"slug": "-"})[:-2]
    data = Search(filterset.params(), vocabulary).geojson(lambda slug: f"{prefix}{slug}/")
    # No spaces between items: about 30 bytes a feature, a map answer holds up to 1,000.
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    return JsonResponse(data, content_type="application/geo+json", json_dumps_params=compact)


def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Anyone: one published service of a published organisation."""
    service = get_object_or_404(published_services(), slug=slug)
    points = [location for location in service.locations.all() if location.has_point]
    text = localised_service(service)
    context = {
        "service": service,
        "text": text,
        "map_config": _service_map_config(service, text, points) if points else None,
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


# --- What the results page shows ---------------------------------------------------


@dataclass
class FilterChoice:
    option: Option
    count: int
    checked: bool
    label: str  # HTML: a language's own name is marked up with its language and direction
    noun: str  # "service" or "services", for screen readers after the count
    id: str


@dataclass
class FilterGroup:
    name: str
    legend: str
    choices: list[FilterChoice]
    more: list[FilterChoice]  # languages beyond the featured ones, behind "More languages"
    errors: list[str]

    @property
    def chosen(self) -> int:
        return sum(1 for choice in self.choices + self.more if choice.checked)


@dataclass
class ActiveFilter:
    label: str
    remove_url: str


def _legend(facet: str) -> str:
    return {
        "support": _("Type of support"),
        "language": _("Language"),
        "community": _("Community"),
        "referral": _("How to get in"),
        "mode": _("How it is offered"),
        "attribute": _("Cultural fit"),
        "cost": _("Cost"),
        "gender": _("Open to"),
    }[facet]


def _filter_groups(params: SearchParams, vocabulary: Vocabulary, counts: dict, errors: dict) -> list[FilterGroup]:
    nouns: dict[int, str] = {}  # one translation per count, not one per option

    def noun(count: int) -> str:
        if count not in nouns:
            nouns[count] = npgettext("count of services next to a filter option", "service", "services", count)
        return nouns[count]

    groups = []
    for facet in FACETS:
        chosen = set(params.values(facet))
        choices, more = [], []
        for option in vocabulary.options(facet):
            count = counts[facet].get(option.value, 0)
            label = language_name(option.term) if facet == "language" else conditional_escape(option.label)
            choice = FilterChoice(
                option, count, option.value in chosen, label, noun(count), f"f-{facet}-{option.value}"
            )
            if facet == "language" and not option.term.featured and not choice.checked:
                if choice.count:
                    more.append(choice)
            else:
                choices.append(choice)
        groups.append(FilterGroup(facet, _legend(facet), choices, more, list(errors.get(facet, []))))
    return groups


def _usable_query(query: QueryDict, params: SearchParams, errors: dict) -> QueryDict:
    """The query string without the values that could not be used, nor empty ones."""
    usable = query.copy()
    for name in errors:
        if name in FACETS:
            usable.setlist(name, list(params.values(name)))
        elif name in ("lat", "lon"):
            usable.pop("lat", None)
            usable.pop("lon", None)
        else:
            usable.pop(name, None)
    for name in list(usable):
        values = [value for value in usable.getlist(name) if value]
        if values:
            usable.setlist(name, values)
        else:
            usable.pop(name)
    return usable


def _url(query: QueryDict, remove: dict[str, str | None] | None = None, **changes) -> str:
    """/search/ with the query changed: remove {name: value or None for all}, set name=value."""
    data = query.copy()
    data.pop("page", None)
    for name, value in (remove or {}).items():
        if value is None:
            data.pop(name, None)
        else:
            data.setlist(name, [v for v in data.getlist(name) if v != value])
    for name, value in changes.items():
        data[name] = value
    text = data.urlencode()
    return reverse("partners:search") + (f"?{text}" if text else "")


def _page_url(query: QueryDict, number: int) -> str:
    return _url(query, page=str(number)) if number > 1 else _url(query)


def _active_filters(query: QueryDict, params: SearchParams, vocabulary: Vocabulary) -> list[ActiveFilter]:
    active = []
    if params.q:
        active.append(ActiveFilter(_("Words: %(q)s") % {"q": params.q}, _url(query, {"q": None})))
    if params.place:
        label = ngettext(
            "Within %(radius)s mile of %(place)s", "Within %(radius)s miles of %(place)s", plural_count(params.radius)
        ) % {"radius": f"{params.radius:g}", "place": params.place.label}
        active.append(ActiveFilter(label, _url(query, dict.fromkeys(PLACE_PARAMETERS))))
    if params.bbox:
        active.append(ActiveFilter(_("In the map area"), _url(query, {"bbox": None})))
    for facet in FACETS:
        for value in params.values(facet):
            option = vocabulary.option(facet, value)
            # A language by its English name and its own ("Urdu (اردو)"), as in the filter.
            choice = str(option.term) if option and facet == "language" else (option.label if option else value)
            label = _("%(filter)s: %(choice)s") % {"filter": _legend(facet), "choice": choice}
            active.append(ActiveFilter(label, _url(query, {facet: value})))
    if params.age is not None:
        active.append(ActiveFilter(_("Age: %(age)s") % {"age": params.age}, _url(query, {"age": None})))
    if params.open_now:
        active.append(ActiveFilter(_("Open now"), _url(query, {"open_now": None})))
    if params.taking_new:
        active.append(ActiveFilter(_("Only services taking new people"), _url(query, {"taking_new": None})))
    return active


def radius_options(radius: float) -> list[tuple[str, str, bool]]:
    """(value, label, selected) for the distance menu, keeping an unusual radius from a link."""
    choices = sorted({*RADIUS_CHOICES, radius})
    return [
        (
            f"{miles:g}",
            ngettext("within %(miles)s mile", "within %(miles)s miles", plural_count(miles)) % {"miles": f"{miles:g}"},
            miles == radius,
        )
        for miles in choices
    ]


def _wider_radius_url(query: QueryDict, params: SearchParams) -> str:
    wider = next((r for r in RADIUS_CHOICES if r > params.radius), None)
    if not params.place or wider is None:
        return ""
    return _url(query, radius=str(wider))


def _map_config(query: QueryDict, params: SearchParams) -> dict:
    geo = query.copy()
    for name in ("page", "sort"):
        geo.pop(name, None)
    config = _base_map_config()
    config.update(
        {
            "geojsonUrl": reverse("partners:search_geojson") + (f"?{geo.urlencode()}" if geo else ""),
            "areaSearchUrl": _url(query, {**dict.fromkeys(PLACE_PARAMETERS), "bbox": None, "sort": None}),
            "bbox": list(params.bbox) if params.bbox else None,
            "place": [params.place.latitude, params.place.longitude] if params.place else None,
            "radiusMiles": params.radius if params.place else None,
        }
    )
    return config


def _service_map_config(service, text, locations) -> dict:
    """The service's places on its page's map; the service's name in the visitor's language
    when its listing has one (a place's own name is as written)."""
    config = _base_map_config()
    config["features"] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [location.longitude, location.latitude]},
            "properties": {
                "name": location.name or text.name.value,
                "organisation": service.organisation.name,
                "address": location.one_line,
                "phone": service.phone_to_call,
                **({"inEnglish": ["name"]} if not location.name and text.name.in_english else {}),
            },
        }
        for location in locations
    ]
    return config


def _base_map_config() -> dict:
    return {
        "tileUrl": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "centre": list(settings.MAP_CENTRE),
        "zoom": settings.MAP_ZOOM,
        "messages": {
            "cluster": _("%(count)s services here: select to zoom in"),
            "marker": _("%(name)s: select for details"),
            "loadError": _("Sorry, the map points could not be loaded. The list shows every result."),
            "distance": _("%(miles)s miles away"),
            "zoomIn": _("Zoom in"),
            "zoomOut": _("Zoom out"),
        },
    }
