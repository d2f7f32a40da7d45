from django.urls import path, re_path

from . import views

app_name = "api"


def route(pattern: str, view, name: str) -> list:
    """HSDS paths have no trailing slash; accept one too, without a redirect. Ids are
    matched as strings, not with the uuid converter, so that upper-case UUIDs work
    and a malformed one gets the view's own 404."""
    return [path(pattern, view, name=name), path(f"{pattern}/", view)]


urlpatterns = [
    path("", views.root, name="root"),
    path("profile/", views.profile, name="profile"),
    path("profile", views.profile),
    path("openapi.json", views.openapi, name="openapi"),
    *route("services", views.services, "services"),
    *route("services/<str:id>", views.service, "service"),
    *route("organizations", views.organizations, "organizations"),
    *route("organizations/<str:id>", views.organization, "organization"),
    *route("service_at_locations", views.service_at_locations, "service_at_locations"),
    *route("service_at_locations/<str:id>", views.service_at_location, "service_at_location"),
    *route("taxonomies", views.taxonomies, "taxonomies"),
    *route("taxonomies/<str:id>", views.taxonomy, "taxonomy"),
    *route("taxonomy_terms", views.taxonomy_terms, "taxonomy_terms"),
    *route("taxonomy_terms/<str:id>", views.taxonomy_term, "taxonomy_term"),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
