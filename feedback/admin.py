"""The moderators' side of feedback: the queue of problem reports, and the unmet need
report (searches that found no or few services) with its CSV download."""

import csv
import io
from datetime import timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from directory.admin_tools import QueueStateFilter, ReportPageAdmin
from directory.charts import Series, week_chart
from directory.spreadsheets import spreadsheet_safe

from .models import NeedStat, ProblemReport, ReportState
from .needs import FEW_RESULTS, need_report, need_weeks

# --- Problem reports ------------------------------------------------------------------------


class ReportStateFilter(QueueStateFilter):
    """The queue opens on what needs doing: open reports."""

    title = gettext_lazy("state")
    states = ReportState
    default = ReportState.OPEN


@admin.action(description=gettext_lazy("Mark resolved (deletes the reply email addresses)"), permissions=["change"])
def mark_resolved(modeladmin, request, queryset):
    resolved = 0
    for report in queryset.filter(state=ReportState.OPEN):
        report.resolve(request.user)
        resolved += 1
    modeladmin.message_user(
        request, ngettext("%(n)d report resolved.", "%(n)d reports resolved.", resolved) % {"n": resolved}
    )


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    list_display = ["service_link", "organisation", "kind", "created", "state", "has_reply_email"]
    list_filter = [ReportStateFilter, "kind"]
    list_select_related = ["service", "service__organisation"]
    search_fields = ["service__name", "service__organisation__name", "details"]
    date_hierarchy = "created"
    actions = [mark_resolved]
    fields = [
        "service",
        "kind",
        "details",
        "reply_email",
        "created",
        "state",
        "resolved_by",
        "resolved_at",
        "moderator_note",
    ]
    readonly_fields = [f for f in fields if f != "moderator_note"]

    def has_add_permission(self, request):
        # Reports come from the public form only.
        return False

    @admin.display(description=gettext_lazy("service"), ordering="service__name")
    def service_link(self, obj: ProblemReport) -> str:
        return format_html('{} (<a href="{}">{}</a>)', obj.service.name, obj.service.get_absolute_url(), _("public"))

    @admin.display(description=gettext_lazy("organisation"), ordering="service__organisation__name")
    def organisation(self, obj: ProblemReport) -> str:
        return obj.service.organisation.name

    @admin.display(description=gettext_lazy("wants a reply"), boolean=True)
    def has_reply_email(self, obj: ProblemReport) -> bool:
        return bool(obj.reply_email)


# --- Unmet need -------------------------------------------------------------------------------

REPORT_ROWS = 200


class NeedReportForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("Enter a date like 2025-01-31.")},
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("Enter a date like 2025-01-31.")},
    )
    simple_only = forms.BooleanField(
        label=gettext_lazy("Only searches with no other choices (no words, age, cost, way in…)"),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date must be before the end date."))
        return cleaned

    def period(self) -> dict:
        """The weeks and searches asked for: the last twelve weeks unless the form says otherwise
        (and when it cannot be read, with its errors shown)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - timedelta(weeks=12)
        return {"start": start, "end": end, "simple_only": bool(data.get("simple_only"))}


@admin.register(NeedStat)
class NeedStatAdmin(ReportPageAdmin):
    """Moderators read the counts as a report and download it; nobody adds, changes or deletes them."""

    view_permission = "feedback.view_needstat"

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.report_view), name="feedback_needstat_changelist"),
            path("unmet-need.csv", wrap(self.csv_view), name="feedback_needstat_csv"),
        ]

    def _report(self, request: HttpRequest, limit: int | None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = NeedReportForm(request.GET or None)
        data = form.period()
        report = need_report(data["start"], data["end"], include_narrowed=not data["simple_only"], limit=limit)
        return form, data, report

    def report_view(self, request: HttpRequest) -> HttpResponse:
        form, data, report = self._report(request, REPORT_ROWS)
        weeks = need_weeks(data["start"], data["end"], include_narrowed=not data["simple_only"])
        chart = week_chart(
            _("Searches that found no or few services, week by week"),
            [monday for monday, _none, _few in weeks],
            [
                Series(_("Found no service"), [none for _monday, none, _few in weeks]),
                Series(_("Found one or two"), [few for _monday, _none, few in weeks]),
            ],
        )
        context = {
            "chart": chart,
            "weeks": weeks,
            **self.admin_site.each_context(request),
            "title": _("Unmet need: searches that found no or few services"),
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "last_week": report.end + timedelta(days=6),
            "few": FEW_RESULTS,
            "shown": REPORT_ROWS,
            "csv_query": request.GET.urlencode(),
        }
        return TemplateResponse(request, "feedback/admin_need_report.html", context)

    def csv_view(self, request: HttpRequest) -> HttpResponse:
        _form, _data, report = self._report(request, None)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                _("Weeks from"),
                _("Weeks to"),
                _("Languages"),
                _("Communities"),
                _("Types of support"),
                _("Postcode district"),
                _("Searches finding no service"),
                _("Searches finding one or two services"),
                _("Of these, narrowed by other choices"),
                _("Language codes"),
                _("Community codes"),
                _("Support codes"),
            ]
        )
        for row in report.rows:
            writer.writerow(
                [
                    report.start.isoformat(),
                    report.end.isoformat(),
                    *(spreadsheet_safe(value) for value in (row.language, row.community, row.support, row.district)),
                    row.none,
                    row.few,
                    row.narrowed,
                    row.codes["language"],
                    row.codes["community"],
                    row.codes["support"],
                ]
            )
        # The byte-order mark tells Excel the file is UTF-8.
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
        name = f"unmet-need-{report.start:%Y-%m-%d}-to-{report.end:%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
