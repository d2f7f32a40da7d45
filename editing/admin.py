"""The moderators' side: the queue of changes with diffs, approve and reject, history
and restore, freshness reminders, the staleness report and the capacity report. All
inside Django's admin."""

import csv
import io
from datetime import date

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import RefuseForm
from accounts.models import Role
from directory.admin_tools import QueueStateFilter, ReportPageAdmin
from directory.charts import Series, week_chart
from directory.spreadsheets import spreadsheet_safe
from partners.models import Status

from . import services
from .capacity_report import DIMENSIONS, STATE_LABELS, STATES, capacity_report
from .diff import diff
from .models import CapacityAnswer, Reminder, Revision, RevisionState, StaleService


class StateFilter(QueueStateFilter):
    """The queue opens on what needs a decision: pending changes."""

    title = _("state")
    states = RevisionState
    default = RevisionState.PENDING


class KindFilter(admin.SimpleListFilter):
    title = _("listing")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("organisation", _("Organisation details and places")), ("service", _("Services"))]

    def queryset(self, request, queryset):
        if self.value() == "organisation":
            return queryset.filter(service__isnull=True)
        if self.value() == "service":
            return queryset.filter(service__isnull=False)
        return queryset


@admin.action(description=_("Approve the selected changes (they go live now)"), permissions=["change"])
def approve_selected(modeladmin, request, queryset):
    approved, problems = 0, []
    for revision in queryset.filter(state=RevisionState.PENDING).select_related("organisation", "service"):
        try:
            services.approve_revision(revision, request.user)
            approved += 1
        except services.NotPending:
            continue
        except ValidationError as error:
            problems.append(f"{revision.listing_name}: {services.validation_message(error)}")
    modeladmin.message_user(
        request, ngettext("%(n)d change approved.", "%(n)d changes approved.", approved) % {"n": approved}
    )
    for problem in problems:
        modeladmin.message_user(request, problem, messages.ERROR)


@admin.action(description=_("Reject the selected changes (asks for a reason)"), permissions=["change"])
def reject_selected(modeladmin, request, queryset):
    queryset = queryset.filter(state=RevisionState.PENDING)
    form = RefuseForm(request.POST if "confirm" in request.POST else None)
    if form.is_bound and form.is_valid():
        rejected = 0
        for revision in queryset:
            try:
                services.reject_revision(revision, request.user, form.cleaned_data["reason"])
                rejected += 1
            except services.NotPending:
                continue
        modeladmin.message_user(
            request, ngettext("%(n)d change rejected.", "%(n)d changes rejected.", rejected) % {"n": rejected}
        )
        return None
    return modeladmin.reject_page(request, list(queryset), form, action=True)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["listing_link", "organisation", "kind_label", "author", "age", "state"]
    list_filter = [StateFilter, KindFilter, "organisation__trusted"]
    search_fields = ["organisation__name", "service__name", "author__email", "snapshot__name"]
    list_select_related = ["organisation", "service", "author"]
    actions = [approve_selected, reject_selected]
    change_form_template = "admin/editing/revision/change_form.html"
    readonly_fields = [
        "organisation",
        "service",
        "state",
        "author",
        "comment",
        "created",
        "reviewer",
        "reviewed",
        "reason",
        "base",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # History is kept; a change is rejected, never deleted.
        return False

    @admin.display(description=_("listing"), ordering="snapshot__name")
    def listing_link(self, obj: Revision) -> str:
        return obj.listing_name

    @admin.display(description=_("what"))
    def kind_label(self, obj: Revision) -> str:
        if obj.service_id is None:
            return _("Organisation details and places")
        if obj.service.status == Status.DRAFT:
            return _("New service")
        return _("Service")

    @admin.display(description=_("waiting"), ordering="created")
    def age(self, obj: Revision) -> str:
        return timesince(obj.created)

    # --- the change page: diff, history, buttons --------------------------------------

    def _compare(self, revision: Revision) -> tuple[dict | None, str]:
        """What to compare a revision with, and how to say so."""
        listing = revision.listing
        if revision.is_pending:
            if revision.service_id and listing.status == Status.DRAFT and not Revision.objects.of(listing).approved():
                return None, _("A new service: everything is shown.")
            return services.snapshot(listing), _("Compared with what the public sees now.")
        previous = (
            Revision.objects.of(listing)
            .approved()
            .filter(Q(created__lt=revision.created) | Q(created=revision.created, pk__lt=revision.pk))
            .first()
        )
        if previous is None:
            return None, _("The first recorded version: everything is shown.")
        return previous.snapshot, _("Compared with the approved version before it (%(date)s).") % {
            "date": timezone.localtime(previous.created).strftime("%d %b %Y %H:%M")
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        revision = get_object_or_404(Revision.objects.select_related("organisation", "service"), pk=object_id)
        before, compared_with = self._compare(revision)
        history = (
            Revision.objects.of(revision.listing)
            .exclude(state=RevisionState.SUPERSEDED)
            .select_related("author", "reviewer")
        )
        latest_approved = Revision.objects.of(revision.listing).approved().first()
        extra_context = {
            **(extra_context or {}),
            "revision": revision,
            "changes": diff(before, revision.snapshot),
            "compared_with": compared_with,
            "history": history,
            "can_review": revision.is_pending and self.has_change_permission(request, revision),
            "can_restore": (
                revision.state == RevisionState.APPROVED
                and revision != latest_approved
                and self.has_change_permission(request, revision)
            ),
            "stale_base": revision.is_pending
            and revision.base_id is not None
            and latest_approved is not None
            and latest_approved.pk != revision.base_id,
            "public_url": revision.listing.get_absolute_url(),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/approve/", view(self.approve_view), name="editing_revision_approve"),
            path("<int:pk>/reject/", view(self.reject_view), name="editing_revision_reject"),
            path("<int:pk>/restore/", view(self.restore_view), name="editing_revision_restore"),
            *super().get_urls(),
        ]

    def _revision_for(self, request, pk: int) -> Revision:
        revision = get_object_or_404(Revision.objects.select_related("organisation", "service"), pk=pk)
        if not self.has_change_permission(request, revision):
            raise PermissionDenied
        return revision

    def _already_decided(self, request, error: services.NotPending) -> None:
        revision = error.revision
        self.message_user(
            request,
            _("This change was already dealt with by %(who)s: %(state)s. Nothing else was done.")
            % {"who": revision.reviewer or _("someone else"), "state": revision.get_state_display()},
            messages.WARNING,
        )

    def approve_view(self, request, pk: int):
        revision = self._revision_for(request, pk)
        if request.method != "POST":
            return redirect("admin:editing_revision_change", pk)
        try:
            services.approve_revision(revision, request.user)
            self.message_user(request, _("Approved: %(name)s is live.") % {"name": revision.listing_name})
        except services.NotPending as error:
            self._already_decided(request, error)
        except ValidationError as error:
            self.message_user(request, services.validation_message(error), messages.ERROR)
        return redirect("admin:editing_revision_change", pk)

    def reject_page(self, request, revisions: list[Revision], form, action: bool = False):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "revisions": revisions,
            "form": form,
            "action": action,
            "title": _("Reject changes"),
        }
        return TemplateResponse(request, "admin/editing/revision/reject.html", context)

    def reject_view(self, request, pk: int):
        revision = self._revision_for(request, pk)
        form = RefuseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.reject_revision(revision, request.user, form.cleaned_data["reason"])
                self.message_user(request, _("Rejected; the editor has been emailed the reason."))
            except services.NotPending as error:
                self._already_decided(request, error)
            return redirect("admin:editing_revision_change", pk)
        return self.reject_page(request, [revision], form)

    def restore_view(self, request, pk: int):
        revision = self._revision_for(request, pk)
        if request.method != "POST" or revision.state != RevisionState.APPROVED:
            return redirect("admin:editing_revision_change", pk)
        try:
            restored = services.restore_revision(revision, request.user)
        except ValidationError as error:
            self.message_user(request, services.validation_message(error), messages.ERROR)
            return redirect("admin:editing_revision_change", pk)
        self.message_user(request, _("Restored. The public listing now shows that version."))
        return redirect("admin:editing_revision_change", restored.pk)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organisation", "due_date", "sequence", "sent"]
    list_filter = ["sent"]
    search_fields = ["organisation__name", "service__name"]
    list_select_related = ["organisation", "service"]
    date_hierarchy = "sent"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VeryStaleFilter(admin.SimpleListFilter):
    title = _("how old")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            (
                "very",
                _("Not checked for %(days)s days (public notice shown)") % {"days": settings.VERY_STALE_AFTER_DAYS},
            ),
            ("nobody", _("Nobody to remind")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "very":
            return queryset.very_stale()
        if self.value() == "nobody":
            return queryset.filter(_members=0)
        return queryset


@admin.register(StaleService)
class StaleServiceAdmin(admin.ModelAdmin):
    """Published services due for a check: how old, whether anyone can be reminded, when they were."""

    list_display = ["name", "organisation", "last_verified", "days_unchecked", "notice_shown", "owners", "reminded"]
    list_filter = [VeryStaleFilter]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]
    ordering = ["last_verified"]
    fields = ["name", "organisation", "last_verified"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .published()
            .stale()
            .annotate(
                _members=Count("organisation__memberships", distinct=True),
                _owners=Count(
                    "organisation__memberships",
                    filter=Q(organisation__memberships__role=Role.OWNER),
                    distinct=True,
                ),
                _reminded=Max("reminders__sent"),
            )
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("days since checked"))
    def days_unchecked(self, obj) -> str:
        if obj.last_verified is None:
            return _("never")
        return str((timezone.localdate() - obj.last_verified).days)

    @admin.display(description=_("'may be out of date' shown"), boolean=True)
    def notice_shown(self, obj) -> bool:
        return obj.is_very_stale()

    @admin.display(description=_("owners"), ordering="_owners")
    def owners(self, obj) -> int:
        return obj._owners

    @admin.display(description=_("last reminded"), ordering="_reminded")
    def reminded(self, obj):
        return obj._reminded or "—"

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "subtitle": _("Services not checked for %(days)s days or more.") % {"days": settings.STALE_AFTER_DAYS},
        }
        return super().changelist_view(request, extra_context)


# --- Capacity report ----------------------------------------------------------------------


class CapacityReportForm(forms.Form):
    by = forms.ChoiceField(
        label=_("Break down by"), choices=list(DIMENSIONS.items()), required=False, initial="support"
    )
    end = forms.DateField(
        label=_("Twelve weeks up to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date like 2025-01-31.")},
    )

    def choices(self) -> tuple[str, date | None]:
        """The breakdown and last day asked for; the defaults when the form cannot be read."""
        if not self.is_bound:
            return "support", None
        self.is_valid()  # each field that can be read is used; the others fall back
        return self.cleaned_data.get("by") or "support", self.cleaned_data.get("end")


@admin.register(CapacityAnswer)
class CapacityReportAdmin(ReportPageAdmin):
    """Commissioners read how many services are taking new people, week by week, and download it."""

    view_permission = "editing.view_capacityanswer"

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.report_view), name="editing_capacityanswer_changelist"),
            path("capacity.csv", wrap(self.csv_view), name="editing_capacityanswer_csv"),
        ]

    def _report(self, request: HttpRequest):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = CapacityReportForm(request.GET or None)
        by, end = form.choices()
        return form, by, capacity_report(end)

    def report_view(self, request: HttpRequest) -> HttpResponse:
        form, by, report = self._report(request)
        labels = [str(STATE_LABELS[state]) for state in STATES]
        title = gettext("Published services by whether they are taking new people, week by week")
        chart = week_chart(
            title,
            report.mondays,
            [Series(label, [week.in_order[i] for week in report.weeks]) for i, label in enumerate(labels)],
        )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Capacity: services taking new people"),
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "chart": chart,
            "labels": labels,
            "by": by,
            "by_label": DIMENSIONS[by],
            "groups": report.groups[by],
            "valid_days": settings.CAPACITY_VALID_DAYS,
            "csv_query": request.GET.urlencode(),
        }
        return TemplateResponse(request, "editing/admin_capacity_report.html", context)

    def csv_view(self, request: HttpRequest) -> HttpResponse:
        _form, _by, report = self._report(request)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [gettext("Week from"), gettext("Breakdown"), gettext("Name"), gettext("Code")]
            + [str(STATE_LABELS[state]) for state in STATES]
        )
        for week in report.weeks:
            writer.writerow([week.monday.isoformat(), gettext("All services"), "", "", *week.in_order])
        for dimension, groups in report.groups.items():
            for group in groups:
                for week in group.weeks:
                    writer.writerow(
                        [
                            week.monday.isoformat(),
                            str(DIMENSIONS[dimension]),
                            spreadsheet_safe(group.name),
                            spreadsheet_safe(group.code),
                            *week.in_order,
                        ]
                    )
        # The byte-order mark tells Excel the file is UTF-8.
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
        name = f"capacity-{report.mondays[0]:%Y-%m-%d}-to-{report.mondays[-1]:%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
