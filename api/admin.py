from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.admin_tools import ReportPageAdmin
from partners.exporter import export_listings

from .exports import hsds_zip
from .hsds import Site
from .models import Export


@admin.register(Export)
class ExportAdmin(ReportPageAdmin):
    """Moderators who may see services download the listings as CSV or HSDS JSON.
    There is nothing to add, change or delete here."""

    view_permission = "partners.view_service"

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.index), name="api_export_changelist"),
            path("listings.csv", wrap(self.listings_csv), name="api_export_listings"),
            path("hsds.zip", wrap(self.hsds), name="api_export_hsds"),
        ]

    def _check(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied

    def index(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Open data exports"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "api/admin_exports.html", context)

    def listings_csv(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        result = export_listings()
        # The byte-order mark tells Excel the file is UTF-8; import_listings accepts it.
        response = HttpResponse("\ufeff" + result.text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="listings-{timezone.localdate():%Y-%m-%d}.csv"'
        return response

    def hsds(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        response = HttpResponse(hsds_zip(Site.for_request(request)), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="hsds-{timezone.localdate():%Y-%m-%d}.zip"'
        return response
