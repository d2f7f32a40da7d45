from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from editing.one_tap import contact_email
from editing.services import send_one_tap_link

from .languages import autonym, english_name, translation_languages
from .models import (
    Attribute,
    Community,
    DeliveryMode,
    Language,
    Location,
    Organisation,
    OrganisationTranslation,
    Postcode,
    PostcodeDistrict,
    ReferralRoute,
    Service,
    ServiceLanguage,
    ServiceTranslation,
    Status,
    SupportType,
)


class FreshnessFilter(admin.SimpleListFilter):
    title = _("last checked")
    parameter_name = "freshness"

    def lookups(self, request, model_admin):
        return [
            ("stale", _("Not checked for %(days)s days") % {"days": settings.STALE_AFTER_DAYS}),
            ("fresh", _("Checked recently")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "stale":
            return queryset.stale()
        if self.value() == "fresh":
            cutoff = timezone.localdate() - timedelta(days=settings.STALE_AFTER_DAYS)
            return queryset.filter(last_verified__gte=cutoff)
        return queryset


@admin.action(description=_("Publish the selected listings"))
def publish(modeladmin, request, queryset):
    updated = queryset.update(status=Status.PUBLISHED)
    modeladmin.message_user(request, _("%(n)d listing(s) published.") % {"n": updated})


@admin.action(description=_("Archive the selected listings"))
def archive(modeladmin, request, queryset):
    updated = queryset.update(status=Status.ARCHIVED)
    modeladmin.message_user(request, _("%(n)d listing(s) archived.") % {"n": updated})


@admin.action(description=_("Mark the selected listings as checked today"))
def mark_checked(modeladmin, request, queryset):
    updated = queryset.update(last_verified=timezone.localdate())
    modeladmin.message_user(request, _("%(n)d listing(s) marked as checked today.") % {"n": updated})


@admin.action(description=_("Email a one-tap confirmation link"), permissions=["change"])
def email_one_tap_link(modeladmin, request, queryset):
    """Ask for the address for each selected public listing (its contact email to start
    with), then email each a one-tap "still correct" link: no account needed."""
    listings = list(queryset.order_by("pk"))
    if queryset.model is Service:
        listings = list(queryset.select_related("organisation").prefetch_related("referral_routes").order_by("pk"))
    rows = []
    for listing in listings:
        organisation = listing.organisation if isinstance(listing, Service) else listing
        public = listing.is_published and organisation.is_published
        field = f"email-{listing.pk}"
        address = request.POST.get(field, contact_email(listing) if public else "").strip()
        rows.append({"listing": listing, "public": public, "field": field, "address": address, "error": ""})
    sendable = [row for row in rows if row["public"]]
    if not sendable:
        message = _("None of the selected listings is public, so there is nothing to confirm.")
        modeladmin.message_user(request, message, messages.WARNING)
        return None
    if "send" in request.POST:
        for row in sendable:
            if row["address"]:
                try:
                    validate_email(row["address"])
                except ValidationError:
                    row["error"] = _("Enter an email address like name@example.org, or leave it blank to skip.")
        if not any(row["error"] for row in sendable):
            sent = [row for row in sendable if row["address"]]
            for row in sent:
                send_one_tap_link(row["listing"], row["address"], request.user)
            modeladmin.message_user(request, _("%(n)d one-tap link(s) emailed.") % {"n": len(sent)})
            return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": _("Email a one-tap confirmation link"),
        "rows": rows,
        "sendable": sendable,
        "action_name": "email_one_tap_link",
        "checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "days": settings.ONE_TAP_LINK_DAYS,
    }
    return TemplateResponse(request, "admin/partners/one_tap_link.html", context)


class LocationInline(admin.StackedInline):
    model = Location
    extra = 0
    fields = ["name", "address", "town", "postcode", ("latitude", "longitude"), "accessibility"]


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ["name", "status", "last_verified"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _translation_choices() -> list[tuple[str, str]]:
    return [(code, f"{english_name(code)} ({autonym(code)})") for code in translation_languages()]


class TranslationForm(forms.ModelForm):
    """Moderators enter a translation directly; dir="auto" lays right-to-left text out as such."""

    language = forms.ChoiceField(label=_("language"), choices=_translation_choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea | forms.TextInput):
                field.widget.attrs["dir"] = "auto"


class OrganisationTranslationInline(admin.StackedInline):
    model = OrganisationTranslation
    form = TranslationForm
    extra = 0


class ServiceTranslationInline(admin.StackedInline):
    model = ServiceTranslation
    form = TranslationForm
    extra = 0
    fields = ["language", "name", "description", "referral_instructions", "opening_hours"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "service_count", "last_verified", "is_example", "updated"]
    list_filter = ["status", FreshnessFilter, "is_example"]
    search_fields = ["name", "description", "email", "charity_number"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["public_id", "created", "updated"]
    inlines = [LocationInline, ServiceInline, OrganisationTranslationInline]
    actions = [publish, archive, mark_checked, email_one_tap_link]
    date_hierarchy = "updated"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_service_count=Count("services"))

    @admin.display(description=_("services"), ordering="_service_count")
    def service_count(self, obj):
        return obj._service_count


class ServiceLanguageInline(admin.TabularInline):
    model = ServiceLanguage
    extra = 1
    autocomplete_fields = ["language"]


class ReferralRouteInline(admin.StackedInline):
    model = ReferralRoute
    extra = 0
    fields = [("kind", "method", "contact"), "instructions"]


class ServiceLocationInline(admin.TabularInline):
    model = Service.locations.through
    extra = 0
    verbose_name = _("location")
    verbose_name_plural = _("locations")
    autocomplete_fields = ["location"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "status", "accepting_referrals", "last_verified", "updated"]
    list_filter = [
        "status",
        FreshnessFilter,
        "accepting_referrals",
        "cost",
        "gender",
        "support_types",
        "communities",
        "referral_routes__kind",
        "organisation__is_example",
    ]
    search_fields = ["name", "description", "organisation__name", "slug"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["support_types", "communities", "attributes", "modes"]
    readonly_fields = ["public_id", "created", "updated"]
    exclude = ["locations"]
    inlines = [ServiceLanguageInline, ReferralRouteInline, ServiceLocationInline, ServiceTranslationInline]
    actions = [publish, archive, mark_checked, email_one_tap_link]
    fieldsets = [
        (None, {"fields": ["organisation", "name", "slug", "status", "description"]}),
        (
            _("What and for whom"),
            {
                "fields": [
                    "support_types",
                    "communities",
                    "attributes",
                    "modes",
                    "cost",
                    "gender",
                    ("min_age", "max_age"),
                ]
            },
        ),
        (_("Referrals"), {"fields": ["accepting_referrals", "typical_wait", "referral_instructions"]}),
        (_("Contact"), {"fields": ["phone", "email", "website", "opening_hours"]}),
        (_("Record"), {"fields": ["last_verified", "public_id", "created", "updated"]}),
    ]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organisation", "postcode", "latitude", "longitude"]
    search_fields = ["name", "address", "town", "postcode", "organisation__name"]
    list_filter = [("latitude", admin.EmptyFieldListFilter)]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]


class TermAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order", "used_by"]
    list_editable = ["order"]
    search_fields = ["name", "slug", "description"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_used_by=Count("services", filter=Q(services__status=Status.PUBLISHED)))
        )

    @admin.display(description=_("published services"), ordering="_used_by")
    def used_by(self, obj):
        return obj._used_by

    def get_readonly_fields(self, request, obj=None):
        # Slugs are public (URLs, import files): fixed once the term exists.
        return ["slug"] if obj else []


for model in (Community, SupportType, Attribute, DeliveryMode):
    admin.site.register(model, TermAdmin)


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "autonym", "code", "direction", "featured"]
    list_filter = ["featured", "direction"]
    list_editable = ["featured"]
    search_fields = ["name", "autonym", "code"]


@admin.register(Postcode)
class PostcodeAdmin(admin.ModelAdmin):
    list_display = ["postcode", "district", "latitude", "longitude"]
    search_fields = ["postcode"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PostcodeDistrict)
class PostcodeDistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "latitude", "longitude"]
    search_fields = ["code"]

    def has_change_permission(self, request, obj=None):
        return False
