"""The filters of the directory, declared once: what each is called, where its values come
from, how a service is matched and what a value also means.

Everything that deals in filters reads `FILTERS` rather than knowing them itself: the
validated search (`SearchParams`, `FACETS`), the options of each filter (`Vocabulary`),
the conditions (`facets.facet_q`) and the option counts (`counting`), the public search's
form and filter panel (partners/filters.py, partners/views.py), the API's filters
(api/filters.py), the importer's columns (partners/importer.py) and the unmet-need
counts (feedback/needs.py). Adding a filter: docs/searching.md, "Adding a filter".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..models import (
    Attribute,
    Community,
    Cost,
    DeliveryMode,
    Gender,
    Language,
    ReferralKind,
    ReferralRoute,
    Service,
    ServiceAttribute,
    ServiceCommunity,
    ServiceLanguage,
    ServiceMode,
    ServiceSupport,
    SupportType,
    Term,
)


@dataclass(frozen=True)
class Filter:
    """One filter: a list of values, any of which a service may match (OR).

    Its values are either the codes of a vocabulary in the database (`model`, its field
    `code_field`) or fixed `choices`. A service holds them either in a link table
    (`through`, its `column`: the term's id for a vocabulary, else the value itself) or,
    one value a service, in its own `column` (`through` None)."""

    # The URL parameter, the field of SearchParams and the API's parameter.
    name: str
    # The filter's name on the search page (its legend) and in the active-filter chips.
    label: Promise
    # What the public search says when it cannot use a value (%(value)s).
    unknown: Promise
    # The link table's column (`through`), or the service's own column (no `through`).
    column: str
    # The vocabulary, and the field of it that URLs, the API and import files use.
    model: type[models.Model] | None = None
    code_field: str = "slug"
    # What the filter panel shows for a term: display_name (translated) or the stored name.
    option_label: str = "display_name"
    # Fixed values, when there is no vocabulary model.
    choices: type[models.TextChoices] | None = None
    # The link table (service_id, column) when a service may hold several values.
    through: type[models.Model] | None = None
    # A value that serves everyone: a service holding it matches every value of the filter
    # (PRODUCT.md: a service for all racialised communities, a service open to anyone).
    wildcard: str = ""
    # A service may hold one value in more than one row (a language spoken by staff and
    # written too): count services, not rows.
    several_rows: bool = False
    # The unmet-need report keeps this filter's values (a dimension of NeedStat).
    need_dimension: bool = False
    # The import file's column holding the filter's values (docs/import-format.md); the
    # filter's name unless given.
    import_column: str = ""

    def __post_init__(self):
        if not self.import_column:
            object.__setattr__(self, "import_column", self.name)

    @property
    def is_term(self) -> bool:
        """Values are slugs of one of the Term vocabularies (same columns, loaded together)."""
        return self.model is not None and issubclass(self.model, Term)

    @property
    def on_service(self) -> bool:
        """One value a service, in a column of the service itself."""
        return self.through is None

    def matched(self, values: Iterable[str]) -> set[str]:
        """The values a service may hold to match any of `values`: them and the wildcard."""
        return {*values, self.wildcard} if self.wildcard else set(values)

    def import_default(self) -> str:
        """For a filter on the service: the value a blank cell means (the model's default)."""
        return Service._meta.get_field(self.column).default


# In the order the search page shows them.
FILTERS: dict[str, Filter] = {
    spec.name: spec
    for spec in (
        Filter(
            "support",
            _("Type of support"),
            _("We do not recognise the type of support “%(value)s”, so we left it out."),
            model=SupportType,
            through=ServiceSupport,
            column="supporttype_id",
            need_dimension=True,
        ),
        Filter(
            "language",
            _("Language"),
            _("We do not recognise the language code “%(value)s”, so we left it out."),
            model=Language,
            code_field="code",
            option_label="name",
            through=ServiceLanguage,
            column="language_id",
            several_rows=True,
            need_dimension=True,
        ),
        Filter(
            "community",
            _("Community"),
            _("We do not recognise the community “%(value)s”, so we left it out."),
            model=Community,
            through=ServiceCommunity,
            column="community_id",
            wildcard=Community.ALL,
            need_dimension=True,
        ),
        Filter(
            "referral",
            _("How to get in"),
            _("We do not recognise the way in “%(value)s”, so we left it out."),
            choices=ReferralKind,
            through=ReferralRoute,
            column="kind",
        ),
        Filter(
            "mode",
            _("How it is offered"),
            _("We do not recognise the way of offering support “%(value)s”, so we left it out."),
            model=DeliveryMode,
            through=ServiceMode,
            column="deliverymode_id",
        ),
        Filter(
            "attribute",
            _("Cultural fit"),
            _("We do not recognise the cultural fit “%(value)s”, so we left it out."),
            model=Attribute,
            through=ServiceAttribute,
            column="attribute_id",
        ),
        Filter(
            "cost",
            _("Cost"),
            _("We do not recognise the cost “%(value)s”, so we left it out."),
            choices=Cost,
            column="cost",
        ),
        Filter(
            "gender",
            _("Open to"),
            _("We do not recognise “%(value)s” as who a service is open to, so we left it out."),
            choices=Gender,
            column="gender",
            wildcard=Gender.ANY,
        ),
    )
}
# The filters the unmet-need report counts by (the other filters only "narrow" a search).
NEED_DIMENSIONS = tuple(name for name, spec in FILTERS.items() if spec.need_dimension)
