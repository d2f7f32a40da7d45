"""The filter vocabularies of one request, as the options of each filter."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Value

from ..models import Attribute, Community, Cost, DeliveryMode, Gender, Language, ReferralKind, SupportType
from .keywords import STOP_WORDS, TYPO_MIN_LENGTH, _singular, words_of


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

    def __init__(
        self,
        languages: list[Language],
        communities: list[Community],
        support_types: list[SupportType],
        attributes: list[Attribute],
        modes: list[DeliveryMode],
    ):
        self.languages = languages
        self.communities = communities
        self.support_types = support_types
        self.attributes = attributes
        self.modes = modes

    @classmethod
    def load(cls) -> Vocabulary:
        """Languages in one query, the four other vocabularies (same columns) in another."""
        models = {"community": Community, "support": SupportType, "attribute": Attribute, "mode": DeliveryMode}
        fields = ("id", "slug", "name", "description", "order")
        union = None
        for kind, model in models.items():
            rows = model.objects.annotate(kind=Value(kind)).values_list("kind", *fields).order_by()
            union = rows if union is None else union.union(rows, all=True)
        terms: dict[str, list] = defaultdict(list)
        for kind, *values in union:
            terms[kind].append(models[kind](**dict(zip(fields, values, strict=True))))
        for items in terms.values():
            items.sort(key=lambda term: (term.order, term.name))
        return cls(
            list(Language.objects.all()),
            terms["community"],
            terms["support"],
            terms["attribute"],
            terms["mode"],
        )

    @cached_property
    def _options(self) -> dict[str, list[Option]]:
        # In the visitor's language (made once per request, after the language is chosen).
        def terms(items) -> list[Option]:
            return [Option(t.slug, t.display_name, t) for t in items]

        def choices(text_choices) -> list[Option]:
            return [Option(value, str(label)) for value, label in text_choices.choices]

        return {
            "support": terms(self.support_types),
            "language": [Option(lang.code, lang.name, lang) for lang in self.languages],
            "community": terms(self.communities),
            "referral": choices(ReferralKind),
            "mode": terms(self.modes),
            "attribute": terms(self.attributes),
            "cost": choices(Cost),
            "gender": choices(Gender),
        }

    def options(self, facet: str) -> list[Option]:
        return self._options[facet]

    def option(self, facet: str, value: str) -> Option | None:
        return next((o for o in self._options[facet] if o.value == value), None)

    def ids(self, facet: str, values: Iterable[str]) -> list[int]:
        wanted = set(values)
        return [o.term.pk for o in self._options[facet] if o.value in wanted and o.term is not None]

    @cached_property
    def community_all_id(self) -> int | None:
        return next((c.pk for c in self.communities if c.slug == Community.ALL), None)

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
