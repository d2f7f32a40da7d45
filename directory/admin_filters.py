"""Admin helpers shared by the moderation queues."""

from django.contrib import admin
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class QueueStateFilter(admin.SimpleListFilter):
    """A state filter that opens on the state needing a decision (not on "all").

    Subclasses set `title`, `states` (a TextChoices) and `default` (the state to open on)."""

    parameter_name = "state"
    states: type[TextChoices]
    default: str

    def lookups(self, request, model_admin):
        return [*self.states.choices, ("all", _("All"))]

    def choices(self, changelist):
        value = self.value() or self.default
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or self.default
        return queryset if value == "all" else queryset.filter(state=value)
