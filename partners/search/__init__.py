"""Finding services: the one search engine of the site, the map and the API.

`Search(params, vocabulary)` answers one search; `search()` is the shortcut for a results
page. `SearchParams` (a validated search) is read and checked by
`partners.filters.ServiceFilter`, and by the API's filters for the parts they share. Every
answer starts from `Search.matching()`, so the list, the option counts and the map agree.

The modules, one per reason to change:

- `registry`: the filters, declared once (`FILTERS`): name, label, vocabulary, link
  table or column, what a value also means, import column. Everything else reads it.
- `params`: what a search may ask for (filters, place, radius, sort, page).
- `vocabulary`: the options of each filter, in the visitor's language.
- `facets`: what each filter's values mean as a condition on services (community "all",
  gender "any", age ranges); every filter is `pk IN (subquery)` over the link tables, so
  no duplicate rows and no DISTINCT.
- `keywords`: the keyword engine. On PostgreSQL, full-text search over a vector the
  database keeps itself (migration 0004: service name weight A, description C,
  organisation name D), support-type names (B), languages and communities, with
  residents' synonyms and pg_trgm typo tolerance, and translations in the interface
  languages (migration 0006) with the word lists of partners/search_words.py. Elsewhere
  (SQLite) a case-insensitive substring search over the same fields with the same
  synonyms and the same interface.
- `place`: distance (haversine) and the box that prefilters it.
- `engine`: `Search`, its matching services and its order.
- `counting`: the total, the count beside every filter option and one page, in one
  statement.
- `map`: the map's GeoJSON, clustered past MAP_MAX_POINTS and kept in the cache, at most
  MAP_MAX_BYTES at any size (the points carry only what a marker needs), and one point's
  popup details (`point_details`).
- `services`: which services the public sees, and what a result row and a service page load.
"""

from .engine import Search, SearchResults, search
from .facets import age_q, facet_q
from .keywords import keywords_q, parse_keywords
from .map import MAP_MAX_POINTS, point_details
from .params import (
    FACETS,
    PAGE_SIZE,
    RADIUS_CHOICES,
    RADIUS_DEFAULT,
    RADIUS_MAX,
    RADIUS_MIN,
    SORTS,
    SearchParams,
    page_number,
)
from .place import EARTH_RADIUS_METRES, METRES_PER_MILE, distance_box, haversine, in_box, may_be_near_q
from .registry import FILTERS, NEED_DIMENSIONS, Filter
from .services import public_listing, public_services, with_listing_details, with_result_details
from .vocabulary import Option, Vocabulary

__all__ = [
    "EARTH_RADIUS_METRES",
    "FACETS",
    "FILTERS",
    "MAP_MAX_POINTS",
    "METRES_PER_MILE",
    "NEED_DIMENSIONS",
    "PAGE_SIZE",
    "RADIUS_CHOICES",
    "RADIUS_DEFAULT",
    "RADIUS_MAX",
    "RADIUS_MIN",
    "SORTS",
    "Filter",
    "Option",
    "Search",
    "SearchParams",
    "SearchResults",
    "Vocabulary",
    "age_q",
    "distance_box",
    "facet_q",
    "haversine",
    "in_box",
    "keywords_q",
    "may_be_near_q",
    "page_number",
    "parse_keywords",
    "point_details",
    "public_listing",
    "public_services",
    "search",
    "with_listing_details",
    "with_result_details",
]
