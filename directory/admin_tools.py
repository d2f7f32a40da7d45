"""Admin helpers shared by the moderation queues."""

from django.contrib import admin
from django.db.models import TextChoices
from django.http import HttpRequest
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


class ReportPageAdmin(admin.ModelAdmin):
    """An admin entry that is a page to read or download, not rows to edit.

    Subclasses set `view_permission` ("app.view_model") and add their pages in get_urls."""

    view_permission: str

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.has_perm(self.view_permission)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
