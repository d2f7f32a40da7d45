from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Organisation, Service, ServiceLanguage


def published_services():
    """Published services of published organisations, with what a listing shows."""
    return (
        Service.objects.published()
        .filter(organisation__status="published")
        .select_related("organisation")
        .prefetch_related(
            "support_types",
            "communities",
            "attributes",
            "modes",
            "locations",
            "referral_routes",
            Prefetch("service_languages", queryset=ServiceLanguage.objects.select_related("language")),
        )
    )


def home(request: HttpRequest) -> HttpResponse:
    """Anyone: the front page, listing the published services."""
    services = published_services().order_by("name")
    return render(request, "partners/home.html", {"services": services})


def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Anyone: one published service."""
    service = get_object_or_404(published_services(), slug=slug)
    return render(request, "partners/service_detail.html", {"service": service})


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Anyone: one published organisation and its published services."""
    organisation = get_object_or_404(Organisation.objects.published(), slug=slug)
    services = published_services().filter(organisation=organisation)
    return render(
        request,
        "partners/organisation_detail.html",
        {"organisation": organisation, "services": services},
    )


def about_data(request: HttpRequest) -> HttpResponse:
    """Anyone: where the data comes from, and its licences."""
    return render(request, "partners/about_data.html")
