"""What each filter means, as a condition on services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q

from .registry import FILTERS

if TYPE_CHECKING:
    from .vocabulary import Vocabulary

# The link table and column behind each filter of a vocabulary (read from the registry).
FACET_TABLES = {name: (spec.through, spec.column) for name, spec in FILTERS.items() if spec.model}


def facet_q(facet: str, values: Iterable[str], vocabulary: Vocabulary) -> Q:
    """One filter: any of its values (OR), with the eligibility meanings of PRODUCT.md
    (a value also matches the filter's wildcard: registry.Filter.matched)."""
    values = list(values)
    if not values:
        return Q()
    spec = FILTERS[facet]
    matched = spec.matched(values)
    if spec.on_service:
        return Q(**{f"{spec.column}__in": matched})
    keys = vocabulary.ids(facet, matched) if spec.model else matched
    return Q(pk__in=spec.through.objects.filter(**{f"{spec.column}__in": keys}).values("service_id"))


def age_q(age: int) -> Q:
    """Services whose age range includes age; a blank bound is no limit."""
    return (Q(min_age__isnull=True) | Q(min_age__lte=age)) & (Q(max_age__isnull=True) | Q(max_age__gte=age))


# --- The search -------------------------------------------------------------------
