"""Organisation staff keep their listings here. Every view: load, check access with
the one helper below, call a service, render or redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as account_services
from accounts.forms import InviteForm, error_summary
from accounts.models import Membership
from partners.languages import autonym, direction, english_name, is_translation_language, translation_languages
from partners.models import Capacity, Organisation, Service, Status
from partners.search import public_services, with_listing_details
from partners.translations import with_translations

from . import services
from .capacity import record_answer
from .diff import diff
from .forms import (
    ORGANISATION_TRANSLATION_FIELDS,
    TRANSLATION_FIELDS,
    CapacityForm,
    LocationForm,
    OrganisationForm,
    ServiceForm,
    TranslationForm,
    language_formset,
    way_in_forms,
)
from .freshness import due_date
from .models import AnsweredVia, Revision, RevisionState
from .one_tap import invalid_link, manage_url, one_tap_page, read_one_tap, too_many_taps


def get_organisation_for(user, slug: str, *, team: bool = False) -> Organisation:
    """The organisation if `user` may edit it: 404 for strangers (they learn nothing), 403
    with the reason when it is archived, and with team=True 403 for members who may not
    manage the team."""
    organisation = get_object_or_404(Organisation, slug=slug)
    if not organisation.is_kept_by(user):
        raise Http404
    if not organisation.can_edit(user):
        raise PermissionDenied(
            _(
                "%(name)s is archived, so its listings can no longer be changed here. If it should be "
                "listed again, ask the directory's moderators: reply to any email the directory has sent you."
            )
            % {"name": organisation.name}
        )
    if team and not organisation.can_manage_team(user):
        raise PermissionDenied
    return organisation


def get_service_for(user, slug: str) -> Service:
    service = get_object_or_404(Service.objects.select_related("organisation"), slug=slug)
    get_organisation_for(user, service.organisation.slug)
    return service


# --- Dashboard --------------------------------------------------------------------


def _states(organisations: list[Organisation]) -> dict[tuple[int, int | None], dict]:
    """For each listing, its pending change and its most recent refusal (if after the last approval)."""
    states: dict[tuple[int, int | None], dict] = {}
    revisions = (
        Revision.objects.filter(organisation__in=organisations)
        .exclude(state=RevisionState.SUPERSEDED)
        .only("pk", "organisation_id", "service_id", "state", "reason", "created", "reviewed")
        .order_by("-created", "-pk")
    )
    for revision in revisions:
        key = (revision.organisation_id, revision.service_id)
        state = states.setdefault(key, {"pending": None, "rejected": None, "settled": False})
        if revision.state == RevisionState.PENDING:
            state["pending"] = revision
        elif not state["settled"]:
            # Only the latest decision counts: a refusal followed by an approval is history.
            state["settled"] = True
            if revision.state == RevisionState.REJECTED:
                state["rejected"] = revision
    return states


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Anyone logged in: their organisations and services, what is waiting and what needs a check."""
    memberships = list(
        Membership.objects.filter(user=request.user)
        .exclude(organisation__status=Status.ARCHIVED)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    organisations = [m.organisation for m in memberships]
    services_by_org: dict[int, list[Service]] = {o.pk: [] for o in organisations}
    for service in (
        Service.objects.filter(organisation__in=organisations).exclude(status=Status.ARCHIVED).order_by("name")
    ):
        services_by_org[service.organisation_id].append(service)
    states = _states(organisations)
    empty = {"pending": None, "rejected": None}
    rows = [
        {
            "membership": membership,
            "organisation": membership.organisation,
            "state": states.get((membership.organisation.pk, None), empty),
            "services": [
                {"service": s, "state": states.get((membership.organisation.pk, s.pk), empty)}
                for s in services_by_org[membership.organisation.pk]
            ],
        }
        for membership in memberships
    ]
    return render(request, "editing/dashboard.html", {"rows": rows})


@require_POST
@login_required
def confirm_organisation(request: HttpRequest, slug: str) -> HttpResponse:
    """Members and moderators: say the organisation's details are still correct."""
    organisation = get_organisation_for(request.user, slug)
    services.confirm_listing(organisation, request.user)
    messages.success(request, _("Thank you. %(name)s is marked as checked today.") % {"name": organisation.name})
    return redirect("editing:dashboard")


@require_POST
@login_required
def confirm_service(request: HttpRequest, slug: str) -> HttpResponse:
    """Members and moderators: say a service is still correct."""
    service = get_service_for(request.user, slug)
    services.confirm_listing(service, request.user)
    messages.success(request, _("Thank you. %(name)s is marked as checked today.") % {"name": service.name})
    return redirect("editing:dashboard")


@login_required
def service_capacity(request: HttpRequest, slug: str) -> HttpResponse:
    """Members and moderators: say whether the service is taking new people. Saved at once,
    without moderation (a fact about today, not a change to the listing), and audited."""
    service = get_service_for(request.user, slug)
    if request.method == "POST":
        form = CapacityForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            record_answer(service, data["answer"], weeks=data["weeks"], reopens=data["reopens"], user=request.user)
            messages.success(
                request, _("Thank you. The answer for %(name)s is saved and shown from now.") % {"name": service.name}
            )
            return redirect("editing:dashboard")
    else:
        form = CapacityForm(initial=CapacityForm.initial_for(service))
    return render(
        request,
        "editing/capacity_form.html",
        {"service": service, "form": form, "errors": error_summary(form), "current": service.capacity_now},
    )


@one_tap_page
@require_http_methods(["GET", "HEAD", "POST"])
def capacity_answer(request: HttpRequest, token: str) -> HttpResponse:
    """Whoever holds a capacity check link (editing/one_tap.py, no log-in): the service and
    the answer the link chose, and one button to confirm it (with the weeks of a waiting
    list, or the date a closed service expects to reopen). Opening the link changes nothing;
    the POST saves the answer, audited as given through the emailed link for the address it
    was sent to, and its response is the thank-you: two page loads from the email to done."""
    if request.method == "POST" and (limited := too_many_taps(request)) is not None:
        return limited
    tap = read_one_tap(request, "capacity", token)
    if isinstance(tap, HttpResponse):
        return tap
    answer = tap.extra.get("answer")
    if answer not in Capacity.values or not isinstance(tap.listing, Service):
        return invalid_link(request)
    service = tap.listing
    form = CapacityForm(request.POST if request.method == "POST" else None, answer=answer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record_answer(
            service, answer, weeks=data["weeks"], reopens=data["reopens"], email=tap.email, via=AnsweredVia.LINK
        )
        return render(request, "editing/capacity_answer_done.html", {"service": service})
    context = {
        "service": service,
        "answer": answer,
        "answer_label": Capacity(answer).label,
        "form": form,
        "errors": error_summary(form) if form.is_bound else [],
        "manage_url": manage_url(service),
    }
    return render(request, "editing/capacity_answer.html", context, status=400 if form.is_bound else 200)


# --- "Still correct" from an emailed link, without logging in ---------------------


def _as_the_public_sees_it(listing: Organisation | Service) -> dict:
    """Context for templates/editing/_public_listing.html: the listing with what its public page shows."""
    if isinstance(listing, Service):
        service = with_listing_details(Service.objects.filter(pk=listing.pk)).get()
        return {"listing": service, "is_service": True, "manage_url": manage_url(service)}
    organisation = with_translations(Organisation.objects.filter(pk=listing.pk)).get()
    return {
        "listing": organisation,
        "is_service": False,
        "organisation_services": public_services().filter(organisation=organisation).order_by("name", "pk"),
        "manage_url": manage_url(organisation),
    }


@one_tap_page
@require_http_methods(["GET", "HEAD", "POST"])
def one_tap_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Whoever holds a "still correct" link from a reminder email (editing/one_tap.py): the
    listing as the public sees it; the button (a POST) confirms it, for the address the
    link was sent to. Opening the page changes nothing."""
    if request.method == "POST" and (limited := too_many_taps(request)) is not None:
        return limited
    tap = read_one_tap(request, "confirm", token)
    if isinstance(tap, HttpResponse):
        return tap
    if request.method == "POST":
        services.confirm_listing(tap.listing, via_link_email=tap.email)
        return redirect("editing:one_tap_confirmed", token=token)
    return render(request, "editing/one_tap_confirm.html", _as_the_public_sees_it(tap.listing))


@one_tap_page
@require_GET
def one_tap_confirmed(request: HttpRequest, token: str) -> HttpResponse:
    """After the button: thank you, and the date the listing now shows. Not confirmed today
    (someone opened this address by hand)? Back to the question."""
    tap = read_one_tap(request, "confirm", token)
    if isinstance(tap, HttpResponse):
        return tap
    listing = tap.listing
    if listing.last_verified != timezone.localdate():
        return redirect("editing:one_tap_confirm", token=token)
    context = {"listing": listing, "manage_url": manage_url(listing), "next_check": due_date(listing)}
    return render(request, "editing/one_tap_confirmed.html", context)


# --- Submitting changes -----------------------------------------------------------


def _submitted(request: HttpRequest, revision: Revision | None) -> HttpResponse:
    if revision is None:
        messages.info(request, _("You did not change anything, so there was nothing to send."))
    elif revision.state == RevisionState.APPROVED:
        messages.success(request, _("Saved. Your changes are live now."))
    else:
        messages.success(
            request,
            _(
                "Thank you. Your changes are waiting for a moderator to check them. "
                "The public listing stays as it was until then, and we will email you when they are live."
            ),
        )
    return redirect("editing:dashboard")


def _propose(
    request: HttpRequest,
    listing,
    data: dict,
    version: str,
    comment: str = "",
    *,
    form=None,
    edited: dict | None = None,
) -> tuple[HttpResponse | None, dict | None]:
    """Propose a change to a listing: the one way every edit page submits one.

    Returns the "submitted" response, or, when someone changed the listing after this
    person's page was opened (an EditConflict), what they need to merge by eye
    (`_conflict`, over the fields they `edited`, all of `data` by default). The form, if
    given, is moved onto the current version and keeps the person's own input, so that
    submitting it again is a deliberate choice, never an accident."""
    try:
        revision = services.submit_revision(listing, data, request.user, version, comment)
    except services.EditConflict:
        conflict = _conflict(listing, data if edited is None else edited)
        if form is not None:
            form.data = form.data.copy()
            form.data["version"] = conflict["version"]
        return None, conflict
    return _submitted(request, revision), None


def _conflict(listing, wanted: dict) -> dict:
    """What the person needs after a conflict: who changed the listing, and the saved values
    that differ from what they typed, so they can merge by eye before saving again."""
    current = services.working_snapshot(listing)
    pending = services.pending_revision(listing)
    return {
        "by": pending.author if pending else None,
        "differences": [c for c in diff(current, wanted) if c.field in wanted],
        "version": services.listing_version(listing),
    }


@login_required
def organisation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Members and moderators: propose changes to the organisation's details."""
    organisation = get_organisation_for(request.user, slug)
    current = services.working_snapshot(organisation)
    version = services.listing_version(organisation)
    initial = {**current, "version": version}
    form = OrganisationForm(request.POST or None, initial=initial, organisation=organisation)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = {**current, **form.snapshot_fields()}
        done, conflict = _propose(
            request, organisation, data, form.cleaned_data["version"], form.cleaned_data["comment"], form=form
        )
        if done:
            return done
    return render(
        request,
        "editing/organisation_form.html",
        {
            "organisation": organisation,
            "form": form,
            "errors": error_summary(form),
            "conflict": conflict,
            "pending": services.pending_revision(organisation),
            "translations": _translation_links(current, "editing:organisation_translation", organisation.slug),
        },
        status=409 if conflict else 200,
    )


def _service_page(request, organisation, service, form, languages, ways_in, conflict=None) -> HttpResponse:
    return render(
        request,
        "editing/service_form.html",
        {
            "organisation": organisation,
            "service": service,
            "form": form,
            "languages": languages,
            "ways_in": ways_in,
            "errors": error_summary(form, languages, *ways_in),
            "conflict": conflict,
            "pending": services.pending_revision(service) if service else None,
            "translations": _translation_links(
                services.working_snapshot(service), "editing:service_translation", service.slug
            )
            if service
            else [],
        },
        status=409 if conflict else 200,
    )


def _service_forms(request: HttpRequest, organisation, service, snapshot: dict, version: str = ""):
    data = request.POST if request.method == "POST" else None
    initial = {**ServiceForm.initial_from(snapshot), "version": version}
    form = ServiceForm(data, initial=initial, organisation=organisation, service=service)
    return form, language_formset(data, snapshot), way_in_forms(data, snapshot)


def _service_data(form, languages, ways_in) -> dict:
    data = form.snapshot_fields()
    data["languages"] = languages.languages()
    if language_hours := languages.language_hours():
        data["language_hours"] = language_hours
    data["referral_routes"] = [route for way in ways_in if (route := way.route())]
    return data


@login_required
def service_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Members and moderators: add a new service (a draft until a moderator approves it)."""
    organisation = get_organisation_for(request.user, slug)
    defaults = {"cost": "free", "gender": "any", "accepting_referrals": True}
    form, languages, ways_in = _service_forms(request, organisation, None, defaults)
    if request.method == "POST" and all([form.is_valid(), languages.is_valid(), *[w.is_valid() for w in ways_in]]):
        data = {**_service_data(form, languages, ways_in), "withdrawn": False}
        service = services.create_service(organisation, data, request.user, form.cleaned_data["comment"])
        return _submitted(request, service.revisions.first())
    return _service_page(request, organisation, None, form, languages, ways_in)


@login_required
def service_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Members and moderators: propose changes to one of the organisation's services."""
    service = get_service_for(request.user, slug)
    organisation = service.organisation
    current = services.working_snapshot(service)
    form, languages, ways_in = _service_forms(
        request, organisation, service, current, services.listing_version(service)
    )
    if request.method == "POST" and all([form.is_valid(), languages.is_valid(), *[w.is_valid() for w in ways_in]]):
        data = {**_service_data(form, languages, ways_in), "withdrawn": current.get("withdrawn", False)}
        if "translations" in current:  # edited on their own pages; this form keeps them
            data["translations"] = current["translations"]
        done, conflict = _propose(
            request, service, data, form.cleaned_data["version"], form.cleaned_data["comment"], form=form
        )
        if done:
            return done
        return _service_page(request, organisation, service, form, languages, ways_in, conflict)
    return _service_page(request, organisation, service, form, languages, ways_in)


@login_required
def service_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    """Members and moderators: ask for a service to come off the directory (asks first)."""
    service = get_service_for(request.user, slug)
    current = services.working_snapshot(service)
    context = {"service": service, "organisation": service.organisation, "version": services.listing_version(service)}
    if request.method == "POST":
        wanted = {**current, "withdrawn": True}
        version, comment = request.POST.get("version", ""), request.POST.get("comment", "")[:1000]
        done, conflict = _propose(request, service, wanted, version, comment)
        if done:
            return done
        context = {**context, "conflict": conflict, "version": conflict["version"]}
        return render(request, "editing/service_withdraw.html", context, status=409)
    return render(request, "editing/service_withdraw.html", context)


# --- Translations -----------------------------------------------------------------


def _translation_links(snapshot: dict, url_name: str, slug: str) -> list[dict]:
    """Each interface language, whether the listing has text in it, and where to edit it."""
    translated = snapshot.get("translations", {})
    return [
        {
            "code": code,
            "autonym": autonym(code),
            "name": english_name(code),
            "done": code in translated,
            "url": reverse(url_name, kwargs={"slug": slug, "language": code}),
        }
        for code in translation_languages()
    ]


def _translation_page(request: HttpRequest, listing, organisation: Organisation, language: str) -> HttpResponse:
    if not is_translation_language(language):
        raise Http404
    fields = TRANSLATION_FIELDS if isinstance(listing, Service) else ORGANISATION_TRANSLATION_FIELDS
    current = services.working_snapshot(listing)
    initial = {**current.get("translations", {}).get(language, {}), "version": services.listing_version(listing)}
    form = TranslationForm(request.POST or None, initial=initial, fields=fields, language=language, english=current)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = services.with_translation(current, language, form.translation_fields())
        done, conflict = _propose(
            request, listing, data, form.cleaned_data["version"], form.cleaned_data["comment"], form=form
        )
        if done:
            return done
    return render(
        request,
        "editing/translation_form.html",
        {
            "organisation": organisation,
            "listing": listing,
            "service": listing if isinstance(listing, Service) else None,
            "language": {"code": language, "autonym": autonym(language), "name": english_name(language)},
            "direction": direction(language),
            "form": form,
            "errors": error_summary(form),
            "conflict": conflict,
            "pending": services.pending_revision(listing),
        },
        status=409 if conflict else 200,
    )


@login_required
def service_translation(request: HttpRequest, slug: str, language: str) -> HttpResponse:
    """Members and moderators: propose a service's text in one interface language."""
    service = get_service_for(request.user, slug)
    return _translation_page(request, service, service.organisation, language)


@login_required
def organisation_translation(request: HttpRequest, slug: str, language: str) -> HttpResponse:
    """Members and moderators: propose the organisation's description in one interface language."""
    organisation = get_organisation_for(request.user, slug)
    return _translation_page(request, organisation, organisation, language)


# --- Places -----------------------------------------------------------------------


@login_required
def places(request: HttpRequest, slug: str) -> HttpResponse:
    """Members and moderators: the places where the organisation's services happen."""
    organisation = get_organisation_for(request.user, slug)
    current = services.working_snapshot(organisation)
    used_by: dict[int, list[str]] = {}
    for service in organisation.services.exclude(status=Status.ARCHIVED).prefetch_related("locations"):
        for location in service.locations.all():
            used_by.setdefault(location.pk, []).append(service.name)
    rows = [{"place": place, "used_by": used_by.get(place.get("id"), [])} for place in current["locations"]]
    return render(
        request,
        "editing/places.html",
        {"organisation": organisation, "rows": rows, "pending": services.pending_revision(organisation)},
    )


def _find_place(snapshot: dict, key: str) -> dict:
    for place in snapshot["locations"]:
        if place["key"] == key:
            return place
    raise Http404


@login_required
def place_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Members and moderators: propose a new place."""
    organisation = get_organisation_for(request.user, slug)
    return _place_form(request, organisation, None)


@login_required
def place_edit(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Members and moderators: propose changes to a place."""
    organisation = get_organisation_for(request.user, slug)
    return _place_form(request, organisation, key)


def _place_form(request: HttpRequest, organisation: Organisation, key: str | None) -> HttpResponse:
    current = services.working_snapshot(organisation)
    place = _find_place(current, key) if key else None
    initial = {**(place or {}), "version": services.listing_version(organisation)}
    form = LocationForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        if place is None:
            place = {"id": None, "key": services.new_location_key()}
            locations = [*current["locations"], {**place, **form.location_fields()}]
        else:
            locations = [
                {**item, **form.location_fields()} if item["key"] == key else item for item in current["locations"]
            ]
        done, conflict = _propose(
            request,
            organisation,
            {**current, "locations": locations},
            form.cleaned_data["version"],
            form.cleaned_data["comment"],
            form=form,
            edited={"locations": locations},
        )
        if done:
            return done
    return render(
        request,
        "editing/place_form.html",
        {
            "organisation": organisation,
            "place": place,
            "form": form,
            "errors": error_summary(form),
            "conflict": conflict,
        },
        status=409 if conflict else 200,
    )


@login_required
def place_remove(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Members and moderators: propose removing a place (asks first)."""
    organisation = get_organisation_for(request.user, slug)
    current = services.working_snapshot(organisation)
    place = _find_place(current, key)
    version = services.listing_version(organisation)
    used_by = list(organisation.services.filter(locations__pk=place.get("id") or 0).values_list("name", flat=True))
    context = {"organisation": organisation, "place": place, "version": version, "used_by": used_by}
    if request.method == "POST":
        locations = [item for item in current["locations"] if item["key"] != key]
        data = {**current, "locations": locations}
        done, conflict = _propose(
            request, organisation, data, request.POST.get("version", ""), edited={"locations": locations}
        )
        if done:
            return done
        context = {**context, "conflict": conflict, "version": conflict["version"]}
        return render(request, "editing/place_remove.html", context, status=409)
    return render(request, "editing/place_remove.html", context)


# --- Team -------------------------------------------------------------------------


@login_required
def team(request: HttpRequest, slug: str) -> HttpResponse:
    """Members and moderators see who keeps the listing; owners and moderators invite colleagues."""
    organisation = get_organisation_for(request.user, slug)
    can_manage = organisation.can_manage_team(request.user)
    form = InviteForm(organisation, request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            account_services.invite(organisation, form.cleaned_data["email"], form.cleaned_data["role"], request.user)
            messages.success(
                request,
                _("We have emailed an invitation to %(email)s. The link works once, for 14 days.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("editing:team", slug=organisation.slug)
    members = organisation.memberships.select_related("user").order_by("user__email")
    invitations = organisation.invitations.usable().select_related("invited_by")
    return render(
        request,
        "editing/team.html",
        {
            "organisation": organisation,
            "members": members,
            "invitations": invitations,
            "form": form if can_manage else None,
            "errors": error_summary(form),
            "can_manage": can_manage,
        },
    )


@login_required
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Owners and moderators: take someone off the team (asks first; the last owner stays)."""
    organisation = get_organisation_for(request.user, slug, team=True)
    membership = get_object_or_404(organisation.memberships.select_related("user"), pk=pk)
    last_owner = account_services.is_last_owner(membership)
    if request.method == "POST" and not last_owner:
        account_services.remove_member(membership, request.user)
        messages.success(request, _("%(email)s is no longer in the team.") % {"email": membership.user.email})
        return redirect(reverse("editing:team", kwargs={"slug": organisation.slug}))
    return render(
        request,
        "editing/member_remove.html",
        {"organisation": organisation, "membership": membership, "last_owner": last_owner},
    )
