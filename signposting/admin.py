from django.contrib import admin

from .models import CrisisLine


@admin.register(CrisisLine)
class CrisisLineAdmin(admin.ModelAdmin):
    list_display = ["name", "number", "kind", "hours", "show_in_panel", "order", "active"]
    list_editable = ["order", "active", "show_in_panel"]
    list_filter = ["active", "kind"]
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
