from django.contrib import admin

from partners.admin import TranslationForm

from .models import CrisisLine, CrisisLineTranslation


class CrisisLineTranslationInline(admin.StackedInline):
    """A region's own line in the visitors' languages (the national lines are translated
    with the site's words and need none): docs/safety.md."""

    model = CrisisLineTranslation
    form = TranslationForm
    extra = 0
    fields = ["language", "name", "dial_note", "description", "languages"]


@admin.register(CrisisLine)
class CrisisLineAdmin(admin.ModelAdmin):
    list_display = ["name", "number", "kind", "hours", "show_in_panel", "order", "active"]
    list_editable = ["order", "active", "show_in_panel"]
    list_filter = ["active", "kind"]
    inlines = [CrisisLineTranslationInline]
    fields = [
        "name",
        "number",
        "kind",
        "text_body",
        "dial_note",
        "description",
        "hours",
        "languages",
        "show_in_panel",
        "order",
        "active",
    ]
