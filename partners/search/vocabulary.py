"""The filter vocabularies of one request, as the options of each filter."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Value
from django.utils.translation import get_language

from partners import map_cache

from .keywords import STOP_WORDS, TYPO_MIN_LENGTH, _singular, words_of
from .registry import FILTERS

# The rows of the last vocabularies read by this process (map_cache.kept_in_process); never
# changed once read, so requests (and threads) share them.
_kept: dict = {}
# Their options in each language, under the kept rows they were made from (see _options).
_kept_options: dict = {}


@dataclass(frozen=True)
class Option:
    """One choice of a filter: its slug, label and (for terms) the term itself."""

    value: str
    label: str
    term: object = None


class Vocabulary:
    """The filter vocabularies, loaded once per request (five small queries)."""

    GENERIC_WORDS = frozenset(
        {"and", "all", "any", "people", "community", "communities", "language", "languages", "british", "other"}
    )

    def __init__(self, terms: dict[str, list]):
        # The terms of each filter of a vocabulary (registry.FILTERS), in the order shown.
        self.terms = terms

    languages = property(lambda self: self.terms["language"])
    communities = property(lambda self: self.terms["community"])
    support_types = property(lambda self: self.terms["support"])
    attributes = property(lambda self: self.terms["attribute"])
    modes = property(lambda self: self.terms["mode"])

    @classmethod
    def load(cls) -> Vocabulary:
        """The vocabularies of this request: the rows kept for the directory's version
        (partners.map_cache) where a shared cache exists, else read now (`read`). Only
        the rows are kept: the options' labels are made per request, in its language."""
        return cls(map_cache.kept_in_process(_kept, cls.read))

    @staticmethod
    def read() -> dict[str, list]:
        """The Term vocabularies (same columns) in one query, each other vocabulary
        (languages) in one of its own."""
        models = {name: spec.model for name, spec in FILTERS.items() if spec.is_term}
        fields = ("id", "slug", "name", "description", "order")
        union = None
        for kind, model in models.items():
            rows = model.objects.annotate(kind=Value(kind)).values_list("kind", *fields).order_by()
            union = rows if union is None else union.union(rows, all=True)
        terms: dict[str, list] = {kind: [] for kind in models}
        for kind, *values in union:
            terms[kind].append(models[kind](**dict(zip(fields, values, strict=True))))
        for items in terms.values():
            items.sort(key=lambda term: (term.order, term.name))
        for name, spec in FILTERS.items():
            if spec.model and not spec.is_term:
                terms[name] = list(spec.model.objects.all())
        return terms

    @cached_property
    def _options(self) -> dict[str, list[Option]]:
        # In the visitor's language (asked once per request, after the language is chosen).
        # The options of the rows kept for the directory's version are the same for every
        # request in one language: made once per process, version and language (about 0.6 ms
        # a request at 100,000 services: some eighty labels translated and Options made).
        # Never changed once made, like the rows.
        kept = _kept.get("kept")
        if kept is None or kept[1] is not self.terms:
            return self._made_options()
        made = _kept_options.get("kept")
        if made is None or made[0] is not self.terms:
            # A new version's rows: the options of the old ones are not used again.
            made = _kept_options["kept"] = (self.terms, {})
        language = get_language()
        options = made[1].get(language)
        if options is None:
            options = made[1][language] = self._made_options()
        return options

    def _made_options(self) -> dict[str, list[Option]]:
        options = {}
        for name, spec in FILTERS.items():
            if spec.model:
                options[name] = [
                    Option(getattr(term, spec.code_field), getattr(term, spec.option_label), term)
                    for term in self.terms[name]
                ]
            else:
                options[name] = [Option(value, str(label)) for value, label in spec.choices.choices]
        return options

    def options(self, facet: str) -> list[Option]:
        return self._options[facet]

    def option(self, facet: str, value: str) -> Option | None:
        return next((o for o in self._options[facet] if o.value == value), None)

    def ids(self, facet: str, values: Iterable[str]) -> list[int]:
        wanted = set(values)
        return [o.term.pk for o in self._options[facet] if o.value in wanted and o.term is not None]

    def wildcard_id(self, facet: str) -> int | None:
        """The id of the term that serves everyone (registry.Filter.wildcard), if any."""
        spec = FILTERS[facet]
        if not (spec.wildcard and spec.model):
            return None
        return next((term.pk for term in self.terms[facet] if getattr(term, spec.code_field) == spec.wildcard), None)

    @cached_property
    def community_all_id(self) -> int | None:
        return self.wildcard_id("community")

    @cached_property
    def _name_index(self) -> dict[str, dict[str, set[int]]]:
        """Words of language names and autonyms, and of community names -> ids."""
        index: dict[str, dict[str, set[int]]] = {"language": defaultdict(set), "community": defaultdict(set)}
        for language in self.languages:
            for text in (language.name, language.autonym):
                for word in words_of(text):
                    if len(word) > 1 and word not in self.GENERIC_WORDS:
                        index["language"][_singular(word)].add(language.pk)
                if text and " " in text.strip():
                    index["language"][text.strip().casefold()].add(language.pk)
        for community in self.communities:
            for word in words_of(community.name):
                if len(word) > 2 and word not in self.GENERIC_WORDS and word not in STOP_WORDS:
                    index["community"][_singular(word)].add(community.pk)
        return index

    def named(self, kind: str, word: str) -> frozenset[int]:
        """Ids of the languages or communities a query word names, forgiving small typos."""
        index = self._name_index[kind]
        word = _singular(word)
        if word in index:
            return frozenset(index[word])
        if len(word) >= TYPO_MIN_LENGTH:
            close = difflib.get_close_matches(word, list(index), n=2, cutoff=0.84)
            return frozenset(pk for match in close for pk in index[match])
        return frozenset()
