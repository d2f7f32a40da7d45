"""One search: the matching services and their order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import Exists, Expression, OuterRef, Q, QuerySet
from django.utils import timezone

from .. import facet_index
from ..capacity import taking_new_people_q
from ..models import LanguageProvision, Service, ServiceLanguage, ServiceLocation
from . import counting
from . import map as search_map
from .counting import Counts
from .facets import age_q, facet_q
from .keywords import keyword_backend, keywords_q, parse_keywords
from .params import DISTANCE, FACETS, PAGE_SIZE, RELEVANCE, SearchParams, page_number
from .place import in_box, near_locations, remote_q
from .services import public_services
from .vocabulary import Vocabulary


class Search:
    """One search: the matching services, their order, option counts and map points."""

    def __init__(
        self, params: SearchParams, vocabulary: Vocabulary, backend: str | None = None, *, words_listed: bool = False
    ):
        """words_listed: every word of `params.q` is a listing word (partners.suggestions)."""
        self.params = params
        self.vocabulary = vocabulary
        self.keywords = parse_keywords(params.q, vocabulary)
        self.engine = keyword_backend(self.keywords, backend, listed=words_listed) if self.keywords else None
        # When no service has every word, we show those with any and say so.
        self.relaxed = False
        self._keyword_conditions: dict[str, Q] = {}
        # One moment for the whole search, so the results and their counts agree on "now".
        self.now = timezone.now()

    def matching(
        self,
        except_facet: str | None = None,
        facets: bool = True,
        near: Expression | None = None,
        public: bool = True,
        place: bool = True,
        keywords: bool = True,
    ) -> QuerySet[Service]:
        """The services matching every condition (but one filter, or no filters at all);
        near: the ids of the services with a place within the radius, if already known;
        public=False leaves out "the public sees it", for a caller that keeps only the
        public services itself (the facet index, which numbers only those); place=False
        (the place and the map area) and keywords=False leave them out, for a caller that
        applies them itself (the facet index: partners.place_index, partners.keyword_index)."""
        params = self.params
        queryset = public_services() if public else Service.objects.all()
        if facets:
            for facet in FACETS:
                if facet != except_facet and params.values(facet):
                    queryset = queryset.filter(facet_q(facet, params.values(facet), self.vocabulary))
        if params.age is not None:
            queryset = queryset.filter(age_q(params.age))
        if params.open_now:
            queryset = queryset.open_at(self.now)
        if params.taking_new:
            queryset = queryset.filter(taking_new_people_q())
        if params.place and place:
            if near is None:
                near = near_locations(params.place, params.radius).values("service_id")
            queryset = queryset.filter(Q(pk__in=near) | remote_q())
        if params.bbox and place:
            queryset = queryset.filter(pk__in=ServiceLocation.objects.filter(in_box(params.bbox)).values("service_id"))
        if self.engine and keywords:
            queryset = queryset.filter(self._keywords_q())
        return queryset

    def _keywords_q(self) -> Q:
        # Built once per search (and once more if relaxed): it is the costliest part to build.
        key = "any" if self.relaxed else "all"
        if key not in self._keyword_conditions:
            self._keyword_conditions[key] = keywords_q(self.keywords, self.engine, every=not self.relaxed)
        return self._keyword_conditions[key]

    def ordering(self) -> list[str]:
        """The chosen order, by the names counting.counts gives each matching service
        (ending in pk, so stable)."""
        sort = self.params.effective_sort
        # Listings nobody has confirmed for a long time rank below fresher ones (the
        # public is told they may be out of date); alphabetical order stays alphabetical.
        if sort == RELEVANCE:
            # For a language, services whose staff speak it come before those that offer
            # it through an interpreter or in writing only.
            speaks = ["-speaks"] if self.spoken_language_ids else []
            return ["very_stale", *speaks, "-rank", "name", "pk"]
        if sort == DISTANCE:
            # Services with a place come first, nearest first; then those by phone, video or text.
            return ["remote", "very_stale", "distance", "name", "pk"]
        return ["name", "pk"]

    @cached_property
    def spoken_language_ids(self) -> frozenset[int]:
        """The languages this search asks for: chosen in the filter or named in the words."""
        named = (term.language_ids for term in self.keywords.terms)
        return frozenset(self.vocabulary.ids("language", self.params.language)).union(*named)

    def speaks(self) -> Exists:
        """Whether the service's staff speak one of the languages the search asks for."""
        return Exists(
            ServiceLanguage.objects.filter(
                service=OuterRef("pk"), provision=LanguageProvision.STAFF, language_id__in=self.spoken_language_ids
            )
        )

    def results(self, page: str | int | None = 1) -> SearchResults:
        """How many services match, the option counts, and one page of the services in
        order: InvalidPage for a page number that is not a whole number from 1 to the last."""
        number = page_number(page)
        counts = self.counts(FACETS, page=number)
        if counts.total == 0 and len(self.keywords.terms) > 1:
            self.relaxed = True
            relaxed = self.counts(FACETS, page=number)
            if relaxed.total:
                counts = relaxed
            else:
                self.relaxed = False
        paginator = Paginator(range(counts.total), PAGE_SIZE)
        paginator.validate_number(number)
        return SearchResults(self, counts.total, counts.options, Page(counts.page, number, paginator))

    def option_counts(self, facet: str) -> dict[str, int]:
        """How many services each option of one filter would give, the others kept."""
        return self.counts([facet], total=False).options[facet]

    def counts(self, facets: Iterable[str], total: bool = True, page: int | None = None) -> Counts:
        """The total, each option's count and one page, in one statement (counting.py); or,
        where a shared cache exists, from the facet index kept per process (the same answers,
        partners/facet_index.py)."""
        if (index := facet_index.current()) is not None:
            return index.counts(self, facets, total=total, page=page)
        return counting.counts(self, facets, total, page)

    def map_points(self) -> QuerySet:
        """One row per location of each matching service (map.py)."""
        return search_map.map_points(self)

    def geojson(self) -> dict:
        """The map's FeatureCollection of this search (map.py)."""
        return search_map.geojson(self)


@dataclass
class SearchResults:
    search: Search
    count: int
    option_counts: dict[str, dict[str, int]]
    page: Page  # this page's services, in order, with `distance` when the search had a place

    @property
    def relaxed(self) -> bool:
        return self.search.relaxed

    @property
    def sort(self) -> str:
        return self.search.params.effective_sort


def search(
    params: SearchParams, vocabulary: Vocabulary, backend: str | None = None, page: str | int | None = 1
) -> SearchResults:
    """The services matching a search: how many, the option counts and one page, in order."""
    return Search(params, vocabulary, backend).results(page)
