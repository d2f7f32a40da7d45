"""What each filter means, as a condition on services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q

from ..models import (
    Gender,
    ReferralRoute,
    ServiceAttribute,
    ServiceCommunity,
    ServiceLanguage,
    ServiceMode,
    ServiceSupport,
)

if TYPE_CHECKING:
    from .vocabulary import Vocabulary

# The join table and column behind each filter of terms.
FACET_TABLES = {
    "language": (ServiceLanguage, "language_id"),
    "community": (ServiceCommunity, "community_id"),
    "support": (ServiceSupport, "supporttype_id"),
    "mode": (ServiceMode, "deliverymode_id"),
    "attribute": (ServiceAttribute, "attribute_id"),
}


def facet_q(facet: str, values: Iterable[str], vocabulary: Vocabulary) -> Q:
    """One filter: any of its values (OR), with the eligibility meanings of PRODUCT.md."""
    values = list(values)
    if not values:
        return Q()
    if facet == "cost":
        return Q(cost__in=values)
    if facet == "gender":
        # Open to women means services for women and services for anyone; likewise men.
        return Q(gender__in={*values, Gender.ANY} if set(values) - {Gender.ANY} else values)
    if facet == "referral":
        return Q(pk__in=ReferralRoute.objects.filter(kind__in=values).values("service_id"))
    ids = vocabulary.ids(facet, values)
    if facet == "community" and vocabulary.community_all_id:
        # A service for all racialised communities serves every community.
        ids.append(vocabulary.community_all_id)
    through, column = FACET_TABLES[facet]
    return Q(pk__in=through.objects.filter(**{f"{column}__in": ids}).values("service_id"))


def age_q(age: int) -> Q:
    """Services whose age range includes age; a blank bound is no limit."""
    return (Q(min_age__isnull=True) | Q(min_age__lte=age)) & (Q(max_age__isnull=True) | Q(max_age__gte=age))


# --- The search -------------------------------------------------------------------
