"""Our vocabularies as HSDS taxonomies.

HSDS links a service to a classification through an `attribute` that names a
`taxonomy_term`. Each of our filters (support, community, cultural fit, delivery
mode, ways in, cost, gender) becomes one taxonomy whose term codes are our public
slugs; facts HSDS has no field for (accepting referrals, typical wait, the page
in this directory, example data) are terms of a "listing" taxonomy. Whether a service
is taking new people (HSDS 3.0 has no capacity object) is a "capacity" taxonomy: one
term per answer, the attribute's value giving the day it was confirmed and the weeks of
a waiting list or the expected reopening date; only answers recent enough to show on
the public pages (partners/capacity.py) are published.

Ids are UUID 5 names under one fixed namespace, so every copy of the directory
gives the same term the same id and consumers can merge regions' data."""

import uuid
from dataclasses import dataclass

from django.db.models import Model, Q, TextChoices
from django.utils.translation import gettext_lazy as _

from partners.capacity import known_q
from partners.models import (
    Attribute,
    Capacity,
    Community,
    Cost,
    DeliveryMode,
    Gender,
    ReferralKind,
    Service,
    SupportType,
)

# Never change: every published id is derived from it.
NAMESPACE = uuid.UUID("20d8b00a-4b6f-4348-ad56-59ee1653508c")


@dataclass(frozen=True, eq=False)
class Taxonomy:
    slug: str
    name: str
    description: str
    link_type: str
    # Where the service's terms live: a model of editable terms, a field's choices, or fixed terms.
    model: type[Model] | None = None
    choices: type[TextChoices] | None = None
    lookup: str = ""

    @property
    def id(self) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"taxonomy/{self.slug}")

    def term_id(self, code: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"taxonomy/{self.slug}/term/{code}")


@dataclass(frozen=True, eq=False)
class Term:
    taxonomy: Taxonomy
    code: str
    name: str
    description: str = ""

    @property
    def id(self) -> uuid.UUID:
        return self.taxonomy.term_id(self.code)


SUPPORT = Taxonomy(
    "support",
    _("Support types"),
    _("The kind of mental health support a service offers."),
    "service_type",
    model=SupportType,
    lookup="support_types__slug",
)
COMMUNITY = Taxonomy(
    "community",
    _("Communities served"),
    _("The racialised communities a service is run for."),
    "audience",
    model=Community,
    lookup="communities__slug",
)
CULTURAL_FIT = Taxonomy(
    "attribute",
    _("Cultural fit"),
    _("How a service fits the culture and faith of the people it serves."),
    "cultural_fit",
    model=Attribute,
    lookup="attributes__slug",
)
MODE = Taxonomy(
    "mode",
    _("How support is delivered"),
    _("In person, by phone, by video, by text or at home."),
    "delivery_mode",
    model=DeliveryMode,
    lookup="modes__slug",
)
REFERRAL = Taxonomy(
    "referral",
    _("Ways in"),
    _("Who can refer someone to a service."),
    "referral_route",
    choices=ReferralKind,
    lookup="referral_routes__kind",
)
COST = Taxonomy("cost", _("Cost"), _("What a service costs to use."), "cost", choices=Cost, lookup="cost")
GENDER = Taxonomy(
    "gender",
    _("Open to"),
    _("Whether a service is open to anyone, to women or to men."),
    "eligibility",
    choices=Gender,
    lookup="gender",
)
CAPACITY = Taxonomy(
    "capacity",
    _("Taking new people"),
    _(
        "Whether a service is taking new people, as it last told us. The attribute's value is "
        "confirmed=YYYY-MM-DD, then ;weeks=N for a waiting list or ;reopens=YYYY-MM-DD when it "
        "expects to take people again."
    ),
    "capacity",
    choices=Capacity,
    # No lookup: there is no capacity= filter; taxonomy_term_id finds services by answer.
)
LISTING = Taxonomy(
    "listing",
    _("Listing details"),
    _("Facts about a listing that HSDS has no field for; the attribute's value carries the detail."),
    "listing",
)

ACCEPTING_REFERRALS = Term(
    LISTING, "accepting-referrals", _("Accepting new referrals"), _("The service is taking new referrals now.")
)
TYPICAL_WAIT = Term(LISTING, "typical-wait", _("Typical wait"), _("How long people usually wait to be seen."))
LISTING_PAGE = Term(
    LISTING, "listing-page", _("Page in this directory"), _("Where the listing is shown to the public.")
)
EXAMPLE = Term(
    LISTING,
    "example",
    _("Example data"),
    _("Fictional sample listing shipped with the software; do not contact it."),
)
LISTING_TERMS = [ACCEPTING_REFERRALS, TYPICAL_WAIT, LISTING_PAGE, EXAMPLE]

TAXONOMIES = [SUPPORT, COMMUNITY, CULTURAL_FIT, MODE, REFERRAL, COST, GENDER, CAPACITY, LISTING]


def term_of(taxonomy: Taxonomy, obj) -> Term:
    """The term for one of our vocabulary rows (SupportType, Community…)."""
    return Term(taxonomy, obj.slug, obj.name, obj.description)


def choice_term(taxonomy: Taxonomy, value: str) -> Term:
    assert taxonomy.choices is not None
    return Term(taxonomy, value, taxonomy.choices(value).label)


def terms_of(taxonomy: Taxonomy) -> list[Term]:
    """Every term of one taxonomy; one query for the vocabularies moderators can extend."""
    if taxonomy.model is not None:
        return [term_of(taxonomy, obj) for obj in taxonomy.model.objects.all()]
    if taxonomy.choices is not None:
        return [choice_term(taxonomy, value) for value in taxonomy.choices.values]
    return list(LISTING_TERMS)


def all_terms() -> list[Term]:
    return [term for taxonomy in TAXONOMIES for term in terms_of(taxonomy)]


def taxonomy_by_id(value: uuid.UUID) -> Taxonomy | None:
    return next((t for t in TAXONOMIES if t.id == value), None)


def terms_by_id(values: list[uuid.UUID]) -> dict[uuid.UUID, Term]:
    """The terms among these ids that exist. Fixed taxonomies are searched first,
    so a vocabulary table is read only while some id is still unmatched."""
    wanted = set(values)
    found: dict[uuid.UUID, Term] = {}
    for taxonomy in sorted(TAXONOMIES, key=lambda t: t.model is not None):
        if len(found) == len(wanted):
            break
        found.update({term.id: term for term in terms_of(taxonomy) if term.id in wanted})
    return found


def services_with_term(term: Term) -> Q:
    """Services that carry exactly this term (a subquery, so other filters never multiply rows)."""
    taxonomy = term.taxonomy
    if taxonomy is LISTING:
        condition = {
            ACCEPTING_REFERRALS.code: Q(accepting_referrals=True),
            TYPICAL_WAIT.code: ~Q(typical_wait=""),
            LISTING_PAGE.code: Q(),
            EXAMPLE.code: Q(organisation__is_example=True),
        }[term.code]
        return condition
    if taxonomy is CAPACITY:
        # Only an answer recent enough to show: an old one is not known, here as on the site.
        return known_q() & Q(capacity=term.code)
    return Q(pk__in=Service.objects.filter(**{taxonomy.lookup: term.code}).values("pk"))


def services_in_taxonomy(taxonomy: Taxonomy) -> Q:
    """Services with at least one term of this taxonomy."""
    if taxonomy.model is not None or taxonomy is REFERRAL:
        return Q(pk__in=Service.objects.filter(**{f"{taxonomy.lookup}__isnull": False}).values("pk"))
    if taxonomy is CAPACITY:
        return known_q()
    # Every service has a cost, an audience gender and a listing page.
    return Q()
