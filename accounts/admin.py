from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import RefuseForm
from .models import AuditEntry, Claim, ClaimState, Invitation, Membership, User


class EmailUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Moderators invite an organisation's first owner here: the add form sends the email."""

    list_display = ["email", "organisation", "role", "invited_by", "created", "expires", "state"]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation", "invited_by"]
    autocomplete_fields = ["organisation"]
    fields = ["email", "organisation", "role"]

    def get_readonly_fields(self, request, obj=None):
        # An invitation is never edited: send a new one instead.
        if obj is not None:
            return ["email", "organisation", "role", "invited_by", "created", "expires", "used_at", "accepted_by"]
        return []

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) or self.fields

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("state"))
    def state(self, obj: Invitation) -> str:
        if obj.used_at:
            return _("Accepted")
        return _("Expired") if obj.is_expired() else _("Waiting")

    def save_model(self, request, obj, form, change):
        # The service creates the row (with a hashed token) and sends the email.
        invitation, url = services.invite(obj.organisation, obj.email, obj.role, request.user)
        obj.pk = invitation.pk
        self.message_user(
            request,
            format_html(_("Invitation emailed to {}. The link, if you need to send it yourself: {}"), obj.email, url),
            messages.SUCCESS,
        )


@admin.action(description=_("Approve the selected claims (the person becomes an owner)"))
def approve_claims(modeladmin, request, queryset):
    approved = 0
    for claim in queryset.filter(state=ClaimState.PENDING):
        try:
            services.approve_claim(claim, request.user)
            approved += 1
        except services.ClaimAlreadyReviewed:
            continue
    modeladmin.message_user(request, _("%(n)d claim(s) approved.") % {"n": approved}, messages.SUCCESS)


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["organisation", "name", "email", "state", "created", "reviewed_by"]
    list_filter = ["state"]
    search_fields = ["organisation__name", "name", "email"]
    list_select_related = ["organisation", "reviewed_by"]
    readonly_fields = [
        "organisation",
        "user",
        "name",
        "email",
        "role_at_organisation",
        "message",
        "state",
        "created",
        "reviewed_by",
        "reviewed_at",
        "reason",
        "review_links",
    ]
    actions = [approve_claims]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("review"))
    def review_links(self, obj: Claim) -> str:
        if not obj.is_pending:
            return "-"
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
            reverse("admin:accounts_claim_approve", args=[obj.pk]),
            _("Approve"),
            reverse("admin:accounts_claim_refuse", args=[obj.pk]),
            _("Refuse"),
        )

    def get_urls(self):
        return [
            path("<int:pk>/approve/", self.admin_site.admin_view(self.approve_view), name="accounts_claim_approve"),
            path("<int:pk>/refuse/", self.admin_site.admin_view(self.refuse_view), name="accounts_claim_refuse"),
            *super().get_urls(),
        ]

    def _claim_for(self, request, pk: int) -> Claim:
        claim = get_object_or_404(Claim, pk=pk)
        if not self.has_change_permission(request, claim):
            raise PermissionDenied
        return claim

    def approve_view(self, request, pk: int):
        claim = self._claim_for(request, pk)
        if request.method == "POST":
            try:
                services.approve_claim(claim, request.user)
                self.message_user(request, _("Claim approved."), messages.SUCCESS)
            except services.ClaimAlreadyReviewed:
                self.message_user(request, _("Someone has already reviewed this claim."), messages.WARNING)
            return redirect("admin:accounts_claim_change", claim.pk)
        return TemplateResponse(
            request,
            "admin/accounts/claim/review.html",
            {**self.admin_site.each_context(request), "claim": claim, "opts": self.opts, "approve": True},
        )

    def refuse_view(self, request, pk: int):
        claim = self._claim_for(request, pk)
        form = RefuseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.refuse_claim(claim, request.user, form.cleaned_data["reason"])
                self.message_user(request, _("Claim refused; the person has been emailed."), messages.SUCCESS)
            except services.ClaimAlreadyReviewed:
                self.message_user(request, _("Someone has already reviewed this claim."), messages.WARNING)
            return redirect("admin:accounts_claim_change", claim.pk)
        return TemplateResponse(
            request,
            "admin/accounts/claim/review.html",
            {**self.admin_site.each_context(request), "claim": claim, "opts": self.opts, "form": form},
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by the application, never by hand."""

    list_display = ["created", "user_email", "action", "object_type", "object_repr", "organisation"]
    list_filter = ["action", "object_type"]
    search_fields = ["user_email", "object_repr", "organisation__name"]
    date_hierarchy = "created"
    list_select_related = ["organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
