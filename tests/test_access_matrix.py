"""Who gets what at every URL the site answers.

The test walks the whole urlconf (the admin included) and asks, for each pattern, what
an anonymous visitor, staff of another organisation, an editor, an owner and a
moderator get. A pattern missing from MATRIX fails: add one line for it.

Codes: 200, 302 (a redirect that is not to a login page), LOGIN (redirected to
/accounts/login/), ADMIN_LOGIN (redirected to the admin's login), 403, 404, 405.
Every request is a GET unless the entry says POST; a POST sends no fields, so it shows
who may act, not what a good submission does."""

from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.urls import URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Membership
from accounts.services import invite, submit_claim
from api.hsds import location_id, service_at_location_uuid
from api.taxonomies import SUPPORT, all_terms
from editing.links import make_token
from editing.services import listing_version, snapshot_service, submit_revision
from feedback.services import submit_report
from partners.models import Service, ServiceLocation
from tests.factories import make_postcode, make_user
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

LOGIN = "login"
ADMIN_LOGIN = "admin login"
ROLES = ("anonymous", "stranger", "editor", "owner", "moderator")


@dataclass(frozen=True)
class Row:
    """What each role gets, in the order of ROLES."""

    anonymous: int | str
    stranger: int | str
    editor: int | str
    owner: int | str
    moderator: int | str
    method: str = "get"
    query: str = ""  # a query string to send, where the page needs one

    def expected(self) -> dict[str, int | str]:
        return {role: getattr(self, role) for role in ROLES}


def everyone(code: int | str, method: str = "get", query: str = "") -> Row:
    return Row(code, code, code, code, code, method, query)


PUBLIC = everyone(200)
POST_ONLY = everyone(405)  # a GET is refused; the form posts
STAFF_ONLY = Row(LOGIN, 200, 200, 200, 200)  # any signed-in member of staff (moderators too)
MEMBERS = Row(LOGIN, 404, 200, 200, 200)  # the organisation's own people and moderators; strangers learn nothing
OWNERS = Row(LOGIN, 404, 403, 200, 200)  # as MEMBERS, but editors may not manage the team

# The admin's index of one app: its route lists every app with models in the admin.
ADMIN_APP_INDEX = (
    "admin/^(?P<app_label>auth|axes|django_tasks_database|accounts|partners|api|editing|signposting|feedback)/$"
)

# One line per URL pattern, keyed by its route as Django prints it. Placeholders are filled
# from the `world` fixture (see VALUES).
MATRIX: dict[str, Row] = {
    # Public pages
    "": PUBLIC,
    "search/": PUBLIC,
    "search/geojson/": PUBLIC,
    "search/geojson/<int:point>/": PUBLIC,  # a map point's popup details
    "services/<slug:slug>/": PUBLIC,
    "organisations/<slug:slug>/": PUBLIC,
    "about/data/": PUBLIC,
    "for-professionals/": PUBLIC,
    "crisis/": PUBLIC,
    "about/": PUBLIC,
    "privacy/": PUBLIC,
    "accessibility/": PUBLIC,
    "robots.txt": PUBLIC,
    "favicon.ico": everyone(301),  # to the SVG icon in static files
    "healthz": PUBLIC,
    "services/<slug:slug>/report/": PUBLIC,
    "services/<slug:slug>/report/sent/": PUBLIC,
    # Shortlist
    "shortlist/": PUBLIC,
    "shortlist/print/": PUBLIC,
    "shortlist/qr.svg": everyone(200, query="service=talking-circle"),
    "shortlist/add/": POST_ONLY,
    "shortlist/remove/": POST_ONLY,
    "shortlist/clear/": POST_ONLY,
    "shortlist/save/": POST_ONLY,
    # Open data API
    "api/": PUBLIC,
    "api": PUBLIC,
    "api/profile/": PUBLIC,
    "api/profile": PUBLIC,
    "api/openapi.json": PUBLIC,
    "api/services": PUBLIC,
    "api/services/": PUBLIC,
    "api/services/<str:id>": PUBLIC,
    "api/services/<str:id>/": PUBLIC,
    "api/organizations": PUBLIC,
    "api/organizations/": PUBLIC,
    "api/organizations/<str:id>": PUBLIC,
    "api/organizations/<str:id>/": PUBLIC,
    "api/service_at_locations": PUBLIC,
    "api/service_at_locations/": PUBLIC,
    "api/service_at_locations/<str:id>": PUBLIC,
    "api/service_at_locations/<str:id>/": PUBLIC,
    "api/taxonomies": PUBLIC,
    "api/taxonomies/": PUBLIC,
    "api/taxonomies/<str:id>": PUBLIC,
    "api/taxonomies/<str:id>/": PUBLIC,
    "api/taxonomy_terms": PUBLIC,
    "api/taxonomy_terms/": PUBLIC,
    "api/taxonomy_terms/<str:id>": PUBLIC,
    "api/taxonomy_terms/<str:id>/": PUBLIC,
    "api/^(?P<path>.*)$": everyone(404),
    # Accounts
    "accounts/login/": Row(200, 302, 302, 302, 302),  # signed in already: on to the dashboard
    "accounts/logout/": POST_ONLY,
    "accounts/password-reset/": PUBLIC,
    "accounts/password-reset/sent/": PUBLIC,
    "accounts/password-reset/<uidb64>/<token>/": everyone(302),  # on to the form, the token kept out of the URL
    "accounts/password-reset/done/": PUBLIC,
    "accounts/invitation/<str:token>/": PUBLIC,
    "accounts/claim/<slug:slug>/": PUBLIC,
    "accounts/claim/<slug:slug>/sent/": PUBLIC,
    # Organisation staff
    "manage/": STAFF_ONLY,
    "manage/organisations/<slug:slug>/": MEMBERS,
    "manage/organisations/<slug:slug>/confirm/": Row(LOGIN, 404, 302, 302, 302, "post"),
    "manage/organisations/<slug:slug>/places/": MEMBERS,
    "manage/organisations/<slug:slug>/places/add/": MEMBERS,
    "manage/organisations/<slug:slug>/places/<slug:key>/": MEMBERS,
    "manage/organisations/<slug:slug>/places/<slug:key>/remove/": MEMBERS,
    "manage/organisations/<slug:slug>/services/add/": MEMBERS,
    "manage/organisations/<slug:slug>/team/": MEMBERS,
    "manage/organisations/<slug:slug>/team/<int:pk>/remove/": OWNERS,
    "manage/services/<slug:slug>/": MEMBERS,
    "manage/services/<slug:slug>/confirm/": Row(LOGIN, 404, 302, 302, 302, "post"),
    "manage/services/<slug:slug>/remove/": MEMBERS,
    "manage/services/<slug:slug>/capacity/": MEMBERS,
    # A capacity check's one-tap link: whoever holds it, no log-in (the token is the permission).
    "manage/capacity/<str:token>/": PUBLIC,
    "manage/services/<slug:slug>/translations/<str:language>/": MEMBERS,
    "manage/organisations/<slug:slug>/translations/<str:language>/": MEMBERS,
    # One-tap links from reminder emails: the token is the only key, so everyone holding it
    # gets the same page, logged in or not (what it refuses is in tests/test_one_tap_confirm.py).
    "manage/confirm/<str:token>/": PUBLIC,
    "manage/confirm/<str:token>/done/": PUBLIC,  # the service was checked today
    # The admin: see ADMIN and ADMIN_MODEL_PAGES below.
}


def moderators(code: int | str) -> Row:
    """An admin page: everyone else is sent to the admin's login; a moderator gets `code`."""
    return Row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, code)


# Admin pages beyond a model's list, add, change, delete and history pages, one line each.
ADMIN: dict[str, Row] = {
    "admin/": moderators(200),
    "admin/login/": Row(200, 200, 200, 200, 302),
    "admin/logout/": Row(302, 302, 302, 302, 405),  # back to the admin's index; a moderator must POST
    "admin/password_change/": moderators(200),
    "admin/password_change/done/": moderators(200),
    "admin/jsi18n/": moderators(200),
    "admin/autocomplete/": moderators(403),  # names no model field to complete
    "admin/r/<path:content_type_id>/<path:object_id>/": moderators(302),  # "view on site"
    ADMIN_APP_INDEX: moderators(200),
    "admin/(?P<url>.*)$": moderators(404),
    "admin/accounts/user/<id>/password/": moderators(403),
    "admin/accounts/claim/<int:pk>/approve/": moderators(200),
    "admin/accounts/claim/<int:pk>/refuse/": moderators(200),
    "admin/editing/revision/<int:pk>/approve/": moderators(302),  # a GET goes back to the change; the button posts
    "admin/editing/revision/<int:pk>/reject/": moderators(200),
    "admin/editing/revision/<int:pk>/restore/": moderators(302),  # likewise
    "admin/api/export/listings.csv": moderators(200),
    "admin/api/export/hsds.zip": moderators(200),
    "admin/feedback/needstat/unmet-need.csv": moderators(200),
    "admin/editing/capacityanswer/capacity.csv": moderators(200),
}
# Every other admin URL is a model's list, add, change, delete or history page (or the
# short object URL, which redirects to the change page). Nobody but a moderator gets past
# the admin's login; a moderator gets what the Moderators group's permissions allow.
ADMIN_MODEL_PAGES = {
    "": "view",
    "add/": "add",
    "<path:object_id>/": "redirect",
    "<path:object_id>/change/": "view",
    "<path:object_id>/delete/": "delete",
    "<path:object_id>/history/": "view",
}


def walk(patterns: list, prefix: str = "") -> list[str]:
    """The route of every pattern in the urlconf, included ones too."""
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            found.append(prefix + str(pattern.pattern))
    return found


ROUTES = sorted(set(walk(get_resolver().url_patterns)))


def model_admin_for(route: str):
    """The ModelAdmin whose URLs `route` is one of, and the page it is ('' for the list)."""
    for model, model_admin in admin.site._registry.items():
        base = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
        page = route.removeprefix(base)
        if route.startswith(base) and page in ADMIN_MODEL_PAGES:
            return model_admin, page
    return None, None


# --- The cast and their world -------------------------------------------------------------


@pytest.fixture
def world(rf, sunrise, owner, editor, stranger, group_moderator):
    """The cast from conftest, and one of everything the URLs name (an invitation, a claim, a
    problem report, a pending change, a password reset link)."""
    make_postcode("BD21 3DN")
    service = sunrise.services.get()
    place = sunrise.locations.get()
    editor_membership = Membership.objects.get(user=editor, organisation=sunrise)
    forgetful = make_user(email="forgetful@sunrise.example")
    _invitation, link = invite(sunrise, "new@sunrise.example", "editor", owner)
    claim = submit_claim(sunrise, user=None, name="Someone", email="someone@example.org")
    submit_report(service, kind="wrong-phone")
    change = {**snapshot_service(service), "name": "Talking circle (new)"}
    revision = submit_revision(service, change, editor, listing_version(service))
    values = {
        "services/<slug:slug>": service.slug,
        "geojson/<int:point>": str(ServiceLocation.objects.get(service=service, location=place).pk),
        "organisations/<slug:slug>": sunrise.slug,
        "claim/<slug:slug>": sunrise.slug,
        "places/<slug:key>": str(place.pk),
        "team/<int:pk>": str(editor_membership.pk),
        "invitation/<str:token>": link.rstrip("/").rsplit("/", 1)[-1],
        "capacity/<str:token>": make_token("capacity", service, "owner@sunrise.example", answer="open"),
        "confirm/<str:token>": make_token("confirm", service, "owner@sunrise.example"),
        # Someone who never logs in here: logging in changes what a reset token is checked against.
        "<uidb64>": urlsafe_base64_encode(force_bytes(forgetful.pk)),
        "<uidb64>/<token>": default_token_generator.make_token(forgetful),
        "api/services/<str:id>": str(service.public_id),
        "api/organizations/<str:id>": str(sunrise.public_id),
        "api/service_at_locations/<str:id>": str(service_at_location_uuid(service.public_id, location_id(place))),
        "api/taxonomies/<str:id>": str(SUPPORT.id),
        "api/taxonomy_terms/<str:id>": str(all_terms()[0].id),
        "claim/<int:pk>": str(claim.pk),
        "revision/<int:pk>": str(revision.pk),
        "user/<id>": str(owner.pk),
        "translations/<str:language>": "ur",
        "r/<path:content_type_id>": str(ContentType.objects.get_for_model(Service).pk),
        "<path:content_type_id>/<path:object_id>": str(service.pk),
    }
    users = {"stranger": stranger, "editor": editor, "owner": owner, "moderator": group_moderator}
    return {"values": values, "users": users, "moderator": group_moderator, "rf": rf}


# Routes written as regular expressions, and the path each is tried with.
REGEX_EXAMPLES = {
    "api/^(?P<path>.*)$": "/api/nothing-here",
    ADMIN_APP_INDEX: "/admin/partners/",
    "admin/(?P<url>.*)$": "/admin/nothing-here/",
}


def concrete(route: str, values: dict[str, str]) -> str:
    """The route with each <placeholder> filled from `values`, chosen by the longest key the
    route ends with at that placeholder (so services/<slug:slug> gets the service's slug)."""
    if route in REGEX_EXAMPLES:
        return REGEX_EXAMPLES[route]
    path, read, rest = "", "", route
    while "<" in rest:
        before, _, after = rest.partition("<")
        name, _, rest = after.partition(">")
        read = f"{read}{before}<{name}>"
        keys = [key for key in values if f"/{read}".endswith(key)]
        if not keys:
            pytest.fail(f"No value for <{name}> in {route!r}: add one to the world fixture's `values`.")
        path = f"{path}{before}{values[max(keys, key=len)]}"
    return f"/{path}{rest}"


def expected_row(route: str, world: dict) -> Row:
    if route in MATRIX:
        return MATRIX[route]
    if route in ADMIN:
        return ADMIN[route]
    model_admin, page = model_admin_for(route)
    if model_admin is None:
        pytest.fail(
            f"The URL pattern {route!r} has no entry in the access matrix. Add a line for it to MATRIX in "
            f"tests/test_access_matrix.py saying what each of {', '.join(ROLES)} gets."
        )
    return moderators(moderator_code(model_admin, page, world))


def moderator_code(model_admin, page: str, world: dict) -> int:
    """What the Moderators group's permissions give on one of a model's admin pages."""
    request = world["rf"].get("/admin/")
    request.user = world["moderator"]
    if page == "<path:object_id>/":
        return 302  # the short object URL redirects to the change page
    obj = model_admin.get_queryset(request).order_by("pk").first()
    allowed = {
        "view": lambda: model_admin.has_view_or_change_permission(request, obj),
        "add": lambda: model_admin.has_add_permission(request),
        "delete": lambda: model_admin.has_delete_permission(request, obj),
    }[ADMIN_MODEL_PAGES[page]]()
    needs_object = page not in ("", "add/")
    # The history page looks for the object first: with none, back to the admin's index.
    if needs_object and obj is None and page.endswith("history/"):
        return 302
    if not allowed:
        return 403
    # Any other object page for a model with no rows also sends the moderator back to the index.
    return 302 if needs_object and obj is None else 200


def admin_values(route: str, world: dict) -> dict[str, str]:
    """The id of an object the moderator can see, for a model's object pages in the admin."""
    model_admin, page = model_admin_for(route)
    if model_admin is None or "<path:object_id>" not in page:
        return {}
    request = world["rf"].get("/admin/")
    request.user = world["moderator"]
    obj = model_admin.get_queryset(request).order_by("pk").first()
    return {"<path:object_id>": str(obj.pk) if obj else "0"}


def outcome(client, method: str, path: str, query: str, user) -> int | str:
    client.logout()
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(f"{path}?{query}" if query else path)
    if response.status_code != 302:
        return response.status_code
    location = response["Location"]
    if location.startswith("/accounts/login/"):
        return LOGIN
    if location.startswith("/admin/login/"):
        return ADMIN_LOGIN
    return 302


@pytest.mark.parametrize("route", ROUTES)
def test_each_role_gets_what_the_matrix_says(client, world, route):
    row = expected_row(route, world)
    path = concrete(route, {**world["values"], **admin_values(route, world)})
    actual = {role: outcome(client, row.method, path, row.query, world["users"].get(role)) for role in ROLES}
    assert actual == row.expected(), f"{row.method.upper()} {path}"


def test_every_matrix_entry_is_still_a_url_pattern():
    stale = (MATRIX.keys() | ADMIN.keys() | REGEX_EXAMPLES.keys()) - set(ROUTES)
    assert not stale, f"Remove these entries from tests/test_access_matrix.py: no URL pattern has them: {stale}"
