"""What the results page shows, beside the results themselves: the page asked for (and a
note when it cannot be), the filter panel with its counts, the chosen filters with links
to remove them, links to other pages and radii, and the map's settings."""

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.paginator import EmptyPage, InvalidPage
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.text import Truncator
from django.utils.translation import get_language, ngettext, npgettext
from django.utils.translation import gettext as _

from .search import (
    FACETS,
    FILTERS,
    RADIUS_CHOICES,
    Option,
    Search,
    SearchParams,
    SearchResults,
    Vocabulary,
    page_number,
)
from .templatetags.directory import language_name, plural_count

# Parameters that say where: a new place or map area replaces all of them.
PLACE_PARAMETERS = ("postcode", "lat", "lon", "radius")


def results_page(params: SearchParams, vocabulary: Vocabulary, requested: str | None) -> tuple[SearchResults, str]:
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


def legend(facet: str) -> str:
    """The filter's name on the page (partners.search.FILTERS)."""
    return str(FILTERS[facet].label)


@lru_cache(maxsize=4096)
def _service_noun(count: int, language: str | None) -> str:
    # One translation per count and language, kept: a page shows eighty counts.
    return npgettext("count of services next to a filter option", "service", "services", count)


def filter_groups(params: SearchParams, vocabulary: Vocabulary, counts: dict, errors: dict) -> list[FilterGroup]:
    language = get_language()

    def noun(count: int) -> str:
        return _service_noun(count, language)

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
        groups.append(FilterGroup(facet, legend(facet), choices, more, list(errors.get(facet, []))))
    return groups


def usable_query(query: QueryDict, params: SearchParams, errors: dict) -> QueryDict:
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


def search_url(query: QueryDict, remove: dict[str, str | None] | None = None, **changes) -> str:
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


def page_url(query: QueryDict, number: int) -> str:
    return search_url(query, page=str(number)) if number > 1 else search_url(query)


def active_filters(query: QueryDict, params: SearchParams, vocabulary: Vocabulary) -> list[ActiveFilter]:
    active = []
    if params.q:
        active.append(ActiveFilter(_("Words: %(q)s") % {"q": params.q}, search_url(query, {"q": None})))
    if params.place:
        label = ngettext(
            "Within %(radius)s mile of %(place)s", "Within %(radius)s miles of %(place)s", plural_count(params.radius)
        ) % {"radius": f"{params.radius:g}", "place": params.place.label}
        active.append(ActiveFilter(label, search_url(query, dict.fromkeys(PLACE_PARAMETERS))))
    if params.bbox:
        active.append(ActiveFilter(_("In the map area"), search_url(query, {"bbox": None})))
    for facet in FACETS:
        for value in params.values(facet):
            option = vocabulary.option(facet, value)
            # A language by its English name and its own ("Urdu (اردو)"), as in the filter.
            choice = str(option.term) if option and facet == "language" else (option.label if option else value)
            label = _("%(filter)s: %(choice)s") % {"filter": legend(facet), "choice": choice}
            active.append(ActiveFilter(label, search_url(query, {facet: value})))
    if params.age is not None:
        active.append(ActiveFilter(_("Age: %(age)s") % {"age": params.age}, search_url(query, {"age": None})))
    if params.open_now:
        active.append(ActiveFilter(_("Open now"), search_url(query, {"open_now": None})))
    if params.taking_new:
        active.append(ActiveFilter(_("Only services taking new people"), search_url(query, {"taking_new": None})))
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


def wider_radius_url(query: QueryDict, params: SearchParams) -> str:
    wider = next((r for r in RADIUS_CHOICES if r > params.radius), None)
    if not params.place or wider is None:
        return ""
    return search_url(query, radius=str(wider))


def map_config(query: QueryDict, params: SearchParams) -> dict:
    geo = query.copy()
    for name in ("page", "sort"):
        geo.pop(name, None)
    config = base_map_config()
    config.update(
        {
            "geojsonUrl": reverse("partners:search_geojson") + (f"?{geo.urlencode()}" if geo else ""),
            # A point's popup details: this address with the feature's id in place of the 0.
            "pointUrl": reverse("partners:map_point", kwargs={"point": 0}),
            "areaSearchUrl": search_url(query, {**dict.fromkeys(PLACE_PARAMETERS), "bbox": None, "sort": None}),
            "bbox": list(params.bbox) if params.bbox else None,
            "place": [params.place.latitude, params.place.longitude] if params.place else None,
            "radiusMiles": params.radius if params.place else None,
        }
    )
    return config


def service_map_config(service, text, locations) -> dict:
    """The service's places on its page's map; the service's name in the visitor's language
    when its listing has one (a place's own name is as written)."""
    config = base_map_config()
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


def base_map_config() -> dict:
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
