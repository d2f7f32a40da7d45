"""The editing workflow: snapshots of listings, submitting changes, moderating them,
applying approved versions to the live rows, restoring, confirming.

The live rows (partners.Organisation, Service, Location…) are what the public sees.
Organisation staff never write them directly: they submit a Revision, and only
apply_revision copies a revision onto the live rows, in one transaction."""

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import Action, User
from partners.languages import describe_language
from partners.models import (
    Attribute,
    Community,
    DeliveryMode,
    Language,
    Location,
    Organisation,
    OrganisationTranslation,
    ReferralKind,
    ReferralRoute,
    Service,
    ServiceLanguage,
    ServiceTranslation,
    Status,
    SupportType,
)

from . import emails
from .models import Revision, RevisionState

Listing = Organisation | Service
Snapshot = dict[str, Any]

ORGANISATION_FIELDS = ["name", "description", "website", "email", "phone", "charity_number"]
LOCATION_FIELDS = ["name", "address", "town", "postcode", "latitude", "longitude", "accessibility"]
SERVICE_FIELDS = [
    "name",
    "description",
    "cost",
    "gender",
    "min_age",
    "max_age",
    "accepting_referrals",
    "typical_wait",
    "referral_instructions",
    "opening_hours",
    "phone",
    "email",
    "website",
]
TERM_FIELDS = {
    "support_types": SupportType,
    "communities": Community,
    "attributes": Attribute,
    "modes": DeliveryMode,
}
ROUTE_FIELDS = ["kind", "method", "contact", "instructions"]


class EditConflict(Exception):
    """The listing (or its pending change) changed after the editor opened the form."""


class NotPending(Exception):
    """Someone else approved, rejected or replaced this change first."""

    def __init__(self, revision: Revision):
        super().__init__(f"Revision {revision.pk} is {revision.state}.")
        self.revision = revision


# --- Snapshots --------------------------------------------------------------------


def snapshot_location(location: Location) -> Snapshot:
    data = {field: getattr(location, field) for field in LOCATION_FIELDS}
    return {"id": location.pk, "key": str(location.pk), **data}


def snapshot_translations(listing: Listing) -> dict[str, dict[str, str]]:
    """{"ur": {"description": …, …}} for each language the listing has any text in."""
    fields = _translation_model(listing).FIELDS
    return {
        row.language: {f: getattr(row, f) for f in fields}
        for row in sorted(listing.translations.all(), key=lambda row: row.language)
        if any(getattr(row, f) for f in fields)
    }


def with_translation(data: Snapshot, language: str, values: dict[str, str]) -> Snapshot:
    """The snapshot with one language's text replaced; all fields blank removes the language.
    A listing with no translations has no "translations" key, so snapshots taken before
    translations existed still compare equal."""
    translations = {**data.get("translations", {})}
    if any(values.values()):
        translations[language] = values
    else:
        translations.pop(language, None)
    data = {key: value for key, value in data.items() if key != "translations"}
    if translations:
        data["translations"] = dict(sorted(translations.items()))
    return data


def snapshot_organisation(organisation: Organisation) -> Snapshot:
    data: Snapshot = {field: getattr(organisation, field) for field in ORGANISATION_FIELDS}
    data["locations"] = [snapshot_location(loc) for loc in organisation.locations.order_by("pk")]
    if translations := snapshot_translations(organisation):
        data["translations"] = translations
    return data


def snapshot_service(service: Service) -> Snapshot:
    data: Snapshot = {field: getattr(service, field) for field in SERVICE_FIELDS}
    for field in TERM_FIELDS:
        data[field] = sorted(getattr(service, field).values_list("slug", flat=True))
    data["languages"] = sorted(
        [code, provision] for code, provision in service.service_languages.values_list("language__code", "provision")
    )
    order = {kind: n for n, kind in enumerate(ReferralKind.values)}
    routes = [{f: getattr(route, f) for f in ROUTE_FIELDS} for route in service.referral_routes.all()]
    data["referral_routes"] = sorted(routes, key=lambda r: order.get(r["kind"], 99))
    data["locations"] = sorted(service.locations.values_list("pk", flat=True))
    # Staff can ask for a service to come off the directory; approving it archives the service.
    data["withdrawn"] = service.status == Status.ARCHIVED
    if translations := snapshot_translations(service):
        data["translations"] = translations
    return data


def snapshot(listing: Listing) -> Snapshot:
    """The live listing as a revision snapshot."""
    if isinstance(listing, Service):
        return snapshot_service(listing)
    return snapshot_organisation(listing)


def new_location_key() -> str:
    # Places proposed but not yet approved have no database id; the key names them meanwhile.
    return "new-" + secrets.token_hex(4)


def pending_revision(listing: Listing) -> Revision | None:
    return Revision.objects.of(listing).pending().select_related("author").first()


def working_snapshot(listing: Listing) -> Snapshot:
    """What an editor starts from: their pending change if there is one, else the live listing."""
    pending = pending_revision(listing)
    return pending.snapshot if pending else snapshot(listing)


def listing_version(listing: Listing) -> str:
    """Changes whenever the live listing or any change to it does; forms carry it to detect conflicts."""
    latest = Revision.objects.of(listing).order_by("-pk").values_list("pk", flat=True).first() or 0
    return f"{latest}.{listing.updated.timestamp():.6f}"


def changed_fields(before: Snapshot, after: Snapshot) -> list[str]:
    keys = [*after, *(key for key in before if key not in after)]
    return [key for key in keys if before.get(key) != after.get(key)]


def publishes_immediately(organisation: Organisation, user: User) -> bool:
    """Trusted organisations' changes, and moderators' own, go live without a review."""
    return organisation.trusted or user.is_staff


# --- Submitting -------------------------------------------------------------------


def _lock(listing: Listing) -> Listing:
    return type(listing).objects.select_for_update().get(pk=listing.pk)


def _record_baseline(listing: Listing) -> Revision | None:
    """Keep the live version as an approved revision if history does not already end with it,
    so the version before the first edit (imported, or edited in the admin) can be restored."""
    if listing.status == Status.DRAFT:
        return None
    live = snapshot(listing)
    latest = Revision.objects.of(listing).approved().first()
    if latest is not None and latest.snapshot == live:
        return latest
    return Revision.objects.create(
        organisation=listing if isinstance(listing, Organisation) else listing.organisation,
        service=listing if isinstance(listing, Service) else None,
        snapshot=live,
        state=RevisionState.APPROVED,
        comment=_("The listing as it was before this change (recorded automatically)."),
        reviewed=timezone.now(),
    )


def submit_revision(listing: Listing, data: Snapshot, author: User, version: str, comment: str = "") -> Revision | None:
    """Propose `data` as the new version of `listing`. Returns None if nothing changed.

    Raises EditConflict if the listing changed since the form was opened at `version`."""
    with transaction.atomic():
        # The row lock makes concurrent submissions for one listing take turns.
        locked = _lock(listing)
        if listing_version(locked) != version:
            raise EditConflict
        current = working_snapshot(locked)
        if data == current:
            return None
        base = _record_baseline(locked)
        Revision.objects.of(locked).pending().update(state=RevisionState.SUPERSEDED)
        organisation = locked if isinstance(locked, Organisation) else locked.organisation
        revision = Revision.objects.create(
            organisation=organisation,
            service=locked if isinstance(locked, Service) else None,
            snapshot=data,
            author=author,
            comment=comment,
            base=base,
        )
        log_action(
            Action.CHANGE_SUBMITTED,
            author,
            {"revision": revision.pk, "changed": changed_fields(current, data)},
            target=locked,
        )
        if publishes_immediately(organisation, author):
            _approve(revision, author)
    return revision


def _unique_service_slug(name: str) -> str:
    base = (slugify(name) or "service")[:200].strip("-")
    slug, n = base, 2
    while Service.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def create_service(organisation: Organisation, data: Snapshot, author: User, comment: str = "") -> Service:
    """A new service: a draft row (never public) plus a pending revision, until a moderator approves."""
    with transaction.atomic():
        service = Service(
            organisation=organisation,
            name=data["name"],
            slug=_unique_service_slug(data["name"]),
            status=Status.DRAFT,
            description=data["description"],
        )
        _write_service(service, data)
        revision = Revision.objects.create(
            organisation=organisation, service=service, snapshot=data, author=author, comment=comment
        )
        log_action(Action.CHANGE_SUBMITTED, author, {"revision": revision.pk, "new": True}, target=service)
        if publishes_immediately(organisation, author):
            _approve(revision, author)
    return service


# --- Moderation -------------------------------------------------------------------


def apply_revision(revision: Revision) -> None:
    """Copy a revision onto the live rows, publishing a draft, in one transaction."""
    with transaction.atomic():
        today = timezone.localdate()
        if revision.service_id:
            service = _lock(revision.service)
            service.status = Status.ARCHIVED if revision.snapshot.get("withdrawn") else Status.PUBLISHED
            service.last_verified = today
            _write_service(service, revision.snapshot)
        else:
            organisation = _lock(revision.organisation)
            if organisation.status == Status.DRAFT:
                organisation.status = Status.PUBLISHED
            organisation.last_verified = today
            revision.snapshot = _write_organisation(organisation, revision.snapshot)
            revision.save(update_fields=["snapshot"])


def _approve(revision: Revision, moderator: User) -> None:
    before = snapshot(revision.listing)
    revision.state = RevisionState.APPROVED
    revision.reviewer = moderator
    revision.reviewed = timezone.now()
    revision.save(update_fields=["state", "reviewer", "reviewed"])
    apply_revision(revision)
    log_action(
        Action.CHANGE_APPROVED,
        moderator,
        {"revision": revision.pk, "before": before, "after": revision.snapshot},
        target=revision.listing,
    )


def _lock_pending(revision: Revision) -> Revision:
    # Listing row first, then the revision: the same order as submit_revision, so a moderator
    # deciding while an editor saves cannot deadlock; one waits for the other.
    _lock(revision.listing)
    locked = (
        Revision.objects.select_for_update(of=("self",)).select_related("organisation", "service").get(pk=revision.pk)
    )
    if not locked.is_pending:
        raise NotPending(locked)
    return locked


def approve_revision(revision: Revision, moderator: User) -> Revision:
    """A moderator accepts a change: it goes live now and the editor is told."""
    with transaction.atomic():
        revision = _lock_pending(revision)
        _approve(revision, moderator)
        if revision.author and revision.author != moderator:
            emails.send_revision_approved(revision)
    return revision


def reject_revision(revision: Revision, moderator: User, reason: str) -> Revision:
    """A moderator turns a change down; the public listing stays as it was and the editor gets the reason."""
    with transaction.atomic():
        revision = _lock_pending(revision)
        revision.state = RevisionState.REJECTED
        revision.reviewer = moderator
        revision.reviewed = timezone.now()
        revision.reason = reason
        revision.save(update_fields=["state", "reviewer", "reviewed", "reason"])
        log_action(
            Action.CHANGE_REJECTED, moderator, {"revision": revision.pk, "reason": reason}, target=revision.listing
        )
        if revision.author:
            emails.send_revision_rejected(revision)
    return revision


def restore_revision(revision: Revision, moderator: User) -> Revision:
    """Bring back an earlier approved version, as a new approved revision (history only grows)."""
    if revision.state != RevisionState.APPROVED:
        raise ValueError("Only an approved version can be restored.")
    with transaction.atomic():
        listing = _lock(revision.listing)
        before = snapshot(listing)
        _record_baseline(listing)
        restored = Revision.objects.create(
            organisation=revision.organisation,
            service=revision.service,
            snapshot=revision.snapshot,
            state=RevisionState.APPROVED,
            author=moderator,
            reviewer=moderator,
            reviewed=timezone.now(),
            base=revision,
            comment=_("Restored the version of %(date)s.") % {"date": revision.created.strftime("%d %B %Y %H:%M")},
        )
        apply_revision(restored)
        log_action(
            Action.VERSION_RESTORED,
            moderator,
            {"revision": restored.pk, "restored": revision.pk, "before": before, "after": restored.snapshot},
            target=listing,
        )
    return restored


def confirm_listing(listing: Listing, user: User | None = None, *, via_link_email: str = "") -> None:
    """'Still correct': the listing was checked today. Not a change, so open forms stay valid.

    Either a logged-in `user` confirms, or whoever holds a one-tap link emailed to
    `via_link_email` (editing/links.py); the audit log says which, and the address."""
    if (user is None) == (not via_link_email):
        raise ValueError("Confirm as a user or through an emailed link, not both or neither.")
    today = timezone.localdate()
    with transaction.atomic():
        # update(), not save(): saving would touch `updated` and make colleagues' open forms conflict.
        type(listing).objects.filter(pk=listing.pk).update(last_verified=today)
        listing.last_verified = today
        data = {"last_verified": today.isoformat()}
        if via_link_email:
            data["email"] = via_link_email
            log_action(Action.CONFIRMED_BY_LINK, None, data, target=listing, email=via_link_email)
        else:
            log_action(Action.CONFIRMED, user, data, target=listing)


def send_one_tap_link(listing: Listing, address: str, moderator: User) -> None:
    """A moderator emails `address` (which need not have an account) a one-tap "still
    correct" link for `listing`; the audit log records who sent it to whom."""
    with transaction.atomic():
        emails.send_one_tap_link(listing, address)
        log_action(Action.ONE_TAP_LINK_SENT, moderator, {"to": address, "purpose": "confirm"}, target=listing)


# --- Writing live rows ------------------------------------------------------------


def _validated_save(instance) -> None:
    # A clash (say, a second service with the same name) is a message for the moderator, not a 500.
    instance.validate_unique()
    instance.validate_constraints()
    instance.save()


def _write_organisation(organisation: Organisation, data: Snapshot) -> Snapshot:
    """Write the organisation and its places; returns the snapshot with new places' ids filled in."""
    for field in ORGANISATION_FIELDS:
        setattr(organisation, field, data.get(field, ""))
    _validated_save(organisation)
    existing = {loc.pk: loc for loc in organisation.locations.all()}
    written = []
    for item in data.get("locations", []):
        location = existing.get(item.get("id")) or Location(organisation=organisation)
        for field in LOCATION_FIELDS:
            setattr(location, field, item.get(field, "" if field not in {"latitude", "longitude"} else None))
        location.save()
        written.append({**item, "id": location.pk, "key": str(location.pk)})
    keep = {item["id"] for item in written}
    organisation.locations.exclude(pk__in=keep).delete()
    _write_translations(organisation, data)
    return {**data, "locations": written}


def _write_service(service: Service, data: Snapshot) -> None:
    for field in SERVICE_FIELDS:
        if field in data:
            setattr(service, field, data[field])
    _validated_save(service)
    for field, model in TERM_FIELDS.items():
        getattr(service, field).set(model.objects.filter(slug__in=data.get(field, [])))
    service.service_languages.all().delete()
    languages = _languages(code for code, _how in data.get("languages", []))
    ServiceLanguage.objects.bulk_create(
        ServiceLanguage(service=service, language=languages[code], provision=how)
        for code, how in data.get("languages", [])
        if code in languages
    )
    service.referral_routes.all().delete()
    ReferralRoute.objects.bulk_create(
        ReferralRoute(service=service, **{f: route.get(f, "") for f in ROUTE_FIELDS})
        for route in data.get("referral_routes", [])
    )
    service.locations.set(Location.objects.filter(organisation=service.organisation, pk__in=data.get("locations", [])))
    _write_translations(service, data)


def _translation_model(listing: Listing) -> type[ServiceTranslation] | type[OrganisationTranslation]:
    return ServiceTranslation if isinstance(listing, Service) else OrganisationTranslation


def _write_translations(listing: Listing, data: Snapshot) -> None:
    # No "translations" key means none (the snapshot of a listing without any, or one
    # from before translations existed): restoring such a version removes them.
    model = _translation_model(listing)
    owner = "service" if model is ServiceTranslation else "organisation"
    listing.translations.all().delete()
    model.objects.bulk_create(
        model(**{owner: listing}, language=language, **{f: values.get(f, "") for f in model.FIELDS})
        for language, values in data.get("translations", {}).items()
        if any(values.get(f) for f in model.FIELDS)
    )


def _languages(codes) -> dict[str, Language]:
    """Language rows by code, adding any valid ISO 639 code not yet in the table."""
    wanted = set(codes)
    found = {lang.code: lang for lang in Language.objects.filter(code__in=wanted)}
    for code in sorted(wanted - found.keys()):
        info = describe_language(code)
        if info is not None:
            found[code] = Language.objects.create(code=code, **info)
    return found


def validation_message(error: ValidationError) -> str:
    return " ".join(error.messages)
