"""HSDS 3.0 documents built from our published listings.

Shared by the API views, the `export_hsds` command and the moderators' download,
so all three say the same thing. Every document validates against Open
Referral's strict schemas (no property outside the specification): what HSDS has
no field for goes in `attributes` (see api/taxonomies.py). Empty values are left
out rather than sent as null, because the schemas allow no nulls.

Organisations and services carry a random `public_id`; everything nested
(locations, phones, attributes…) gets a UUID 5 derived from its owner's id, so
ids stay the same from one request or export to the next without extra columns."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from partners.hours import MINUTES_A_DAY, WeeklyHours, clock
from partners.models import (
    Community,
    Cost,
    Gender,
    LanguageProvision,
    Location,
    Organisation,
    OrganisationTranslation,
    ReferralMethod,
    Service,
    ServiceLanguage,
    ServiceTranslation,
)
from partners.search import Vocabulary
from partners.search.services import keep_translations, read_details
from partners.translations import active_language, localised_organisation, localised_service, with_translations

from .taxonomies import (
    ACCEPTING_REFERRALS,
    CAPACITY,
    COMMUNITY,
    COST,
    CULTURAL_FIT,
    EXAMPLE,
    GENDER,
    LISTING_PAGE,
    MODE,
    REFERRAL,
    SUPPORT,
    TYPICAL_WAIT,
    Taxonomy,
    Term,
    choice_term,
    term_of,
)

HSDS_VERSION = "3.0"


@dataclass(frozen=True)
class Site:
    """Where links point: 'https://host' when known, or '' for site-relative links."""

    base_url: str = ""

    @classmethod
    def for_request(cls, request: HttpRequest) -> "Site":
        return cls(request.build_absolute_uri("/").rstrip("/"))

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def absolute(self, path: str) -> str | None:
        """An absolute URL, or None: HSDS `uri` fields must be absolute."""
        return self.url(path) if self.base_url else None


# --- What we publish ---------------------------------------------------------------


# The rows a service document reads, prefetched into plain lists (`related`): a prefetch
# without `to_attr` makes a related manager and copies a query for each service and
# relation, about a quarter of a page's Python time at 50 services (profiled at 100,000).
PREFETCHED = "prefetched_"


def service_prefetches(prefix: str = "", *, locations: bool = True) -> list:
    """Everything a service document shows, fetched once per page rather than per service."""
    lookups: list = [
        Prefetch(f"{prefix}{name}", to_attr=PREFETCHED + name)
        for name in ("support_types", "communities", "attributes", "modes", "referral_routes")
    ]
    lookups.append(
        Prefetch(
            f"{prefix}service_languages",
            queryset=ServiceLanguage.objects.select_related("language"),
            to_attr=PREFETCHED + "service_languages",
        )
    )
    if locations:
        lookups.append(
            Prefetch(
                f"{prefix}locations",
                queryset=Location.objects.select_related("organisation"),
                to_attr=PREFETCHED + "locations",
            )
        )
    if language := active_language():  # only when the client asked for a language: two more queries
        lookups += [
            Prefetch(f"{prefix}translations", queryset=ServiceTranslation.objects.filter(language=language)),
            Prefetch(
                f"{prefix}organisation__translations",
                queryset=OrganisationTranslation.objects.filter(language=language),
            ),
        ]
    return lookups


def public_services() -> QuerySet[Service]:
    """Published services of published organisations: the only services the API shows."""
    return Service.objects.public()


def published_services() -> QuerySet[Service]:
    return public_services().select_related("organisation").prefetch_related(*service_prefetches())


# The relations service_prefetches lists, in the same order.
DOCUMENT_RELATIONS = (
    "support_types",
    "communities",
    "attributes",
    "modes",
    "referral_routes",
    "service_languages",
    "locations",
)


def published_services_by_id(pks: list[int], vocabulary: Vocabulary | None = None) -> dict[int, Service]:
    """What `published_services().in_bulk(pks)` gives (each document's prefetched lists, the
    translations in the client's language), read by partners.search.services.read_details:
    statements compiled once, and the vocabularies' own rows. Measured at 100,000 services,
    the prefetches of a page of 50 were more than half of an API list's time."""
    services = public_services().select_related("organisation").in_bulk(pks)
    details = read_details(services, DOCUMENT_RELATIONS, vocabulary or Vocabulary.load())
    # A place's organisation, as select_related("organisation"): mostly its service's.
    organisations = {service.organisation_id: service.organisation for service in services.values()}
    places = [location for rows in details["locations"].values() for location in rows]
    if elsewhere := {location.organisation_id for location in places} - organisations.keys():
        organisations.update(Organisation.objects.in_bulk(elsewhere))
    for location in places:
        location.organisation = organisations[location.organisation_id]
    for service in services.values():
        for name in DOCUMENT_RELATIONS:
            setattr(service, PREFETCHED + name, details[name].get(service.pk, []))
    if (language := active_language()) and services:  # as service_prefetches: only in another language
        keep_translations(services.values(), ServiceTranslation, "service_id", language)
        owners = [service.organisation for service in services.values()]  # one object a service, as select_related
        keep_translations(owners, OrganisationTranslation, "organisation_id", language)
    return services


def published_organisations() -> QuerySet[Organisation]:
    services = published_services().order_by("name", "pk")
    return with_translations(Organisation.objects.published()).prefetch_related(
        Prefetch("services", queryset=services, to_attr="public_services")
    )


def published_service_at_locations() -> QuerySet:
    """Rows of the service-location link table, for services we publish."""
    link = Service.locations.through
    return (
        link.objects.filter(service__in=public_services().values("pk"))
        .select_related("service__organisation", "location__organisation")
        .prefetch_related(*service_prefetches("service__", locations=False))
    )


# --- Ids -------------------------------------------------------------------------


def sub_id(owner: uuid.UUID, name: str) -> str:
    return str(uuid.uuid5(owner, name))


def location_uuid(organisation_public_id: uuid.UUID, location_pk: int) -> uuid.UUID:
    return uuid.uuid5(organisation_public_id, f"location/{location_pk}")


def location_id(location: Location) -> uuid.UUID:
    return location_uuid(location.organisation.public_id, location.pk)


def service_at_location_uuid(service_public_id: uuid.UUID, location: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(service_public_id, f"service_at_location/{location}")


# --- Small helpers -----------------------------------------------------------------


def related(instance, name: str):
    """instance.<name>.all(), from the prefetched list (service_prefetches) when there is one,
    else from a prefetch without a list, else read now. Each `.all()` makes a related manager
    and copies a query: a page of 50 services reads some ten relations each."""
    rows = instance.__dict__.get(PREFETCHED + name)
    if rows is not None:
        return rows
    prefetched = getattr(instance, "_prefetched_objects_cache", None)
    if prefetched is not None and name in prefetched:
        return prefetched[name]
    return getattr(instance, name).all()


@cache
def _labels(field) -> dict:
    return dict(field.flatchoices)  # labels stay lazy: translated when shown, in the request's language


def display(instance, name: str) -> str:
    """instance.get_<name>_display(): the label of the field's value in the active language
    (the value itself when it has none). Django's own makes every label of the field
    hashable on each call, which translates them all: a tenth of a page's Python time."""
    field = instance._meta.get_field(name)
    value = getattr(instance, field.attname)
    return force_str(_labels(field).get(value, value), strings_only=True)


def compact(doc: dict, keep: Iterable[str] = ()) -> dict:
    """Drop empty values (the schemas allow no nulls), except required keys in `keep`."""
    keep = set(keep)
    return {key: value for key, value in doc.items() if key in keep or value not in (None, "", [], {})}


def timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as HSDS asks for `last_modified`."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def last_modified(service: Service) -> datetime:
    return max(service.updated, service.organisation.updated)


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _join(items: Iterable[str]) -> str:
    return ", ".join(str(item) for item in items)


# --- Taxonomies --------------------------------------------------------------------


def taxonomy_document(taxonomy: Taxonomy, site: Site) -> dict:
    return compact(
        {
            "id": str(taxonomy.id),
            "name": str(taxonomy.name),
            "description": str(taxonomy.description),
            "uri": site.absolute(reverse("api:profile") + f"#taxonomy-{taxonomy.slug}"),
        }
    )


def term_document(term: Term, site: Site) -> dict:
    return compact(
        {
            "id": str(term.id),
            "code": term.code,
            "name": str(term.name),
            # Required by HSDS; our vocabularies leave some descriptions blank.
            "description": str(term.description or term.name),
            "taxonomy": str(term.taxonomy.name),
            "taxonomy_id": str(term.taxonomy.id),
            "taxonomy_detail": taxonomy_document(term.taxonomy, site),
            "language": (get_language() or settings.LANGUAGE_CODE).split("-")[0],
            "term_uri": site.absolute(reverse("api:profile") + f"#{term.taxonomy.slug}-{term.code}"),
        }
    )


def attribute(owner: uuid.UUID, entity: str, term: Term, site: Site, value: str = "") -> dict:
    return compact(
        {
            "id": sub_id(owner, f"attribute/{term.id}"),
            "link_id": str(owner),
            "link_type": term.taxonomy.link_type,
            "link_entity": entity,
            "taxonomy_term_id": str(term.id),
            "value": value,
            "taxonomy_term": term_document(term, site),
        }
    )


def service_terms(service: Service) -> list[tuple[Term, str]]:
    """Every classification of a service, with the attribute value where there is one."""
    terms: list[tuple[Term, str]] = []
    for taxonomy, rows in (
        (SUPPORT, related(service, "support_types")),
        (COMMUNITY, related(service, "communities")),
        (CULTURAL_FIT, related(service, "attributes")),
        (MODE, related(service, "modes")),
    ):
        terms.extend((term_of(taxonomy, row), "") for row in rows)
    for route in related(service, "referral_routes"):
        terms.append((choice_term(REFERRAL, route.kind), route_contact(route)))
    terms.append((choice_term(COST, service.cost), ""))
    terms.append((choice_term(GENDER, service.gender), ""))
    capacity = service.capacity_now
    if capacity is not None and capacity.known:
        terms.append((choice_term(CAPACITY, capacity.answer), capacity_value(service, capacity)))
    if service.accepting_referrals:
        terms.append((ACCEPTING_REFERRALS, ""))
    if service.typical_wait:
        terms.append((TYPICAL_WAIT, service.typical_wait))
    if service.organisation.is_example:
        terms.append((EXAMPLE, ""))
    return terms


def capacity_value(service: Service, capacity) -> str:
    """confirmed=YYYY-MM-DD, and ;weeks=N or ;reopens=YYYY-MM-DD: the capacity attribute's
    value (documented in api/taxonomies.py and docs/api.md)."""
    parts = [f"confirmed={timezone.localtime(service.capacity_answered).date().isoformat()}"]
    if capacity.weeks:
        parts.append(f"weeks={capacity.weeks}")
    if capacity.reopens:
        parts.append(f"reopens={capacity.reopens.isoformat()}")
    return ";".join(parts)


# --- Services ----------------------------------------------------------------------


def route_contact(route) -> str:
    """'Email: referrals@example.org', or '' when the route says nothing about how."""
    method = display(route, "method") if route.method else ""
    if method and route.contact:
        return _("%(method)s: %(contact)s") % {"method": method, "contact": route.contact}
    return str(method or route.contact)


def application_process(service: Service) -> str:
    parts: list[str] = []
    if not service.accepting_referrals:
        parts.append(_("Not accepting new referrals at the moment."))
    instructions = localised_service(service).referral_instructions.value.strip()
    if instructions:
        parts.append(instructions)
    routes = list(related(service, "referral_routes"))
    if routes:
        lines = [_("Ways in:")]
        for route in routes:
            line = str(display(route, "kind"))
            how = route_contact(route)
            if how:
                line = _("%(way)s (%(how)s)") % {"way": line, "how": how}
            if route.instructions.strip():
                line = _("%(way)s: %(next)s") % {"way": line, "next": route.instructions.strip()}
            lines.append(f"- {line}")
        parts.append("\n".join(lines))
    if service.typical_wait:
        parts.append(_("Typical wait: %(wait)s") % {"wait": service.typical_wait})
    return "\n\n".join(parts)


def eligibility_description(service: Service) -> str:
    parts: list[str] = []
    communities = list(related(service, "communities"))
    if any(c.slug == Community.ALL for c in communities):
        parts.append(_("Open to people from any racialised community."))
    elif communities:
        parts.append(_("For people from these communities: %(communities)s.") % {"communities": _join(communities)})
    if service.gender == Gender.WOMEN:
        parts.append(_("For women."))
    elif service.gender == Gender.MEN:
        parts.append(_("For men."))
    if service.age_range:
        parts.append(_("Ages: %(ages)s.") % {"ages": service.age_range})
    return " ".join(parts)


def interpretation_services(service: Service) -> str:
    parts: list[str] = []
    rows = related(service, "service_languages")
    interpreted = [sl.language.name for sl in rows if sl.provision == LanguageProvision.INTERPRETER]
    if interpreted:
        parts.append(_("Interpreters for: %(languages)s.") % {"languages": _join(interpreted)})
    if any(a.slug == "interpreters" for a in related(service, "attributes")):
        parts.append(_("Interpreters can be arranged for other languages."))
    return " ".join(parts)


def service_languages(service: Service, *, on_phone: bool = False) -> list[dict]:
    """HSDS `languages`: those the service can be used in directly (or, on_phone, on
    its phone line). HSDS leaves out languages offered only through an interpreter;
    those are in `interpretation_services`."""
    grouped: dict[str, list[ServiceLanguage]] = {}
    for row in related(service, "service_languages"):
        grouped.setdefault(row.language.code, []).append(row)
    languages = []
    for code, rows in grouped.items():
        direct = [r for r in rows if r.provision != LanguageProvision.INTERPRETER]
        if on_phone:
            direct = [r for r in direct if r.provision == LanguageProvision.PHONE]
        if not direct:
            continue
        languages.append(
            {
                "id": sub_id(service.public_id, f"phone/language/{code}" if on_phone else f"language/{code}"),
                "service_id": str(service.public_id),
                "name": rows[0].language.name,
                "code": code,
                # A language with its own hours says when, in the hours syntax (docs/api.md).
                "note": "; ".join(
                    f"{display(r, 'provision')} ({r.hours})" if r.hours else str(display(r, "provision")) for r in rows
                ),
            }
        )
    return languages


def service_phones(service: Service) -> list[dict]:
    phones = []
    if service.phone:
        phones.append(
            compact(
                {
                    "id": sub_id(service.public_id, "phone"),
                    "service_id": str(service.public_id),
                    "number": service.phone,
                    "languages": service_languages(service, on_phone=True),
                }
            )
        )
    for route in related(service, "referral_routes"):
        if route.method == ReferralMethod.PHONE and route.contact:
            phones.append(
                {
                    "id": sub_id(service.public_id, f"phone/referral/{route.kind}"),
                    "service_id": str(service.public_id),
                    "number": route.contact,
                    "description": _("For referrals: %(way)s") % {"way": display(route, "kind")},
                }
            )
    return phones


def service_contacts(service: Service) -> list[dict]:
    return [
        {
            "id": sub_id(service.public_id, f"contact/referral/{route.kind}"),
            "service_id": str(service.public_id),
            "name": _("Referrals: %(way)s") % {"way": display(route, "kind")},
            "email": route.contact,
        }
        for route in related(service, "referral_routes")
        if route.method == ReferralMethod.EMAIL and _is_email(route.contact)
    ]


def service_schedules(service: Service) -> list[dict]:
    """HSDS schedules: one weekly RRULE-style entry per run of days and opening time, one
    per dated change, and the free-text note (with how it is delivered) in a description."""
    modes = _join(mode.name for mode in related(service, "modes"))
    opening_hours = localised_service(service).opening_hours.value.strip()
    schedules = []
    if opening_hours or modes:
        schedule = {
            "id": sub_id(service.public_id, "schedule"),
            "service_id": str(service.public_id),
            "description": opening_hours,
            "attending_type": modes,
        }
        schedules.append(compact(schedule))
    hours = service.weekly_hours
    if hours is not None:
        schedules.extend(_hours_schedules(service, hours))
    return schedules


RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _schedule_time(minutes: int) -> str:
    # HSDS times are clock times: the end of the day is 23:59 rather than 24:00.
    return "23:59" if minutes >= MINUTES_A_DAY else clock(minutes)


def _hours_schedules(service: Service, hours: WeeklyHours) -> list[dict]:
    public_id = service.public_id
    base = {"service_id": str(public_id)}
    schedules = []
    groups: dict[tuple, list[int]] = {}
    for weekday, spans in enumerate(hours.week):
        if spans:
            groups.setdefault(spans, []).append(weekday)
    for spans, weekdays in groups.items():
        byday = ",".join(RRULE_DAYS[n] for n in weekdays)
        for span in spans:
            schedules.append(
                {
                    "id": sub_id(public_id, f"schedule/weekly/{byday}/{clock(span.start)}"),
                    **base,
                    "freq": "WEEKLY",
                    "wkst": "MO",
                    "byday": byday,
                    "opens_at": clock(span.start),
                    "closes_at": _schedule_time(span.end),
                }
            )
    for on, spans in hours.dates:
        day = {"valid_from": on.isoformat(), "valid_to": on.isoformat()}
        if not spans:
            schedules.append(
                {
                    "id": sub_id(public_id, f"schedule/date/{on.isoformat()}"),
                    **base,
                    **day,
                    "description": _("Closed on this date"),
                }
            )
        for span in spans:
            schedules.append(
                {
                    "id": sub_id(public_id, f"schedule/date/{on.isoformat()}/{clock(span.start)}"),
                    **base,
                    **day,
                    "dtstart": on.isoformat(),
                    "freq": "WEEKLY",
                    "count": 1,
                    "byday": RRULE_DAYS[on.weekday()],
                    "opens_at": clock(span.start),
                    "closes_at": _schedule_time(span.end),
                    "description": _("Changed hours on this date"),
                }
            )
    if hours.by_appointment:
        schedules.append(
            {"id": sub_id(public_id, "schedule/by-appointment"), **base, "description": _("By appointment")}
        )
    return schedules


def cost_options(service: Service) -> list[dict]:
    option = {
        "id": sub_id(service.public_id, "cost"),
        "service_id": str(service.public_id),
        "option": str(display(service, "cost")),
    }
    if service.cost == Cost.FREE:
        option.update(amount=0, currency="GBP")
    return [option]


def service_areas(service: Service) -> list[dict]:
    """Every listing serves residents of the region this directory covers."""
    return [
        {
            "id": sub_id(service.public_id, "service_area"),
            "service_id": str(service.public_id),
            "name": settings.REGION_NAME,
        }
    ]


def example_alert(organisation: Organisation) -> str:
    if organisation.is_example:
        return _("Example listing: this organisation and service are fictional sample data. Do not contact them.")
    return ""


def minimal_service(service: Service) -> dict:
    """For `minimal=true`: the id and change time, with the name and status the schema requires."""
    return {
        "id": str(service.public_id),
        "name": service.name,
        "status": "active",
        "last_modified": timestamp(last_modified(service)),
    }


def service_summary(service: Service, site: Site, *, with_organization: bool = True) -> dict:
    """The one-to-one fields of a service (HSDS `service_list`)."""
    organisation = service.organisation
    text = localised_service(service)
    doc = {
        "id": str(service.public_id),
        "organization_id": str(organisation.public_id),
        "name": text.name.value,
        "description": text.description.value,
        "url": service.website,
        "email": service.email,
        # Only published listings reach the API; not accepting referrals is said in application_process.
        "status": "active",
        "interpretation_services": interpretation_services(service),
        "application_process": application_process(service),
        "fees_description": str(display(service, "cost")),
        "eligibility_description": eligibility_description(service),
        "minimum_age": service.min_age,
        "maximum_age": service.max_age,
        "assured_date": service.last_verified.isoformat() if service.last_verified else None,
        "alert": example_alert(organisation),
        "last_modified": timestamp(last_modified(service)),
    }
    if with_organization:
        doc["organization"] = organization_summary(organisation)
    return compact(doc)


def service_document(
    service: Service, site: Site, *, with_organization: bool = True, with_locations: bool = True
) -> dict:
    """A fully nested service (HSDS `service`)."""
    doc = service_summary(service, site, with_organization=with_organization)
    terms = service_terms(service)
    terms.append((LISTING_PAGE, site.url(service.get_absolute_url())))
    doc.update(
        {
            "phones": service_phones(service),
            "schedules": service_schedules(service),
            "service_areas": service_areas(service),
            "languages": service_languages(service),
            "cost_options": cost_options(service),
            "contacts": service_contacts(service),
            "attributes": [attribute(service.public_id, "service", term, site, value) for term, value in terms],
        }
    )
    if with_locations:
        doc["service_at_locations"] = [
            service_at_location_document(service, location, site, with_service=False)
            for location in related(service, "locations")
        ]
    return compact(doc)


# --- Locations ---------------------------------------------------------------------


def location_summary(location: Location) -> dict:
    """The one-to-one fields of a location. Unnamed places are named by their address."""
    return compact(
        {
            "id": str(location_id(location)),
            "location_type": "physical",
            "organization_id": str(location.organisation.public_id),
            "name": location.name or location.one_line,
            "latitude": location.latitude,
            "longitude": location.longitude,
        }
    )


def location_document(location: Location) -> dict:
    doc = location_summary(location)
    own_id = location_id(location)
    if location.address or location.town or location.postcode:
        # HSDS requires every address key; we hold no state or province, so it is empty.
        doc["addresses"] = [
            compact(
                {
                    "id": sub_id(own_id, "address"),
                    "location_id": str(own_id),
                    "address_1": location.address,
                    "city": location.town,
                    "region": settings.REGION_NAME,
                    "state_province": "",
                    "postal_code": location.postcode,
                    "country": "GB",
                    "address_type": "physical",
                },
                keep=["address_1", "city", "state_province", "postal_code"],
            )
        ]
    if location.accessibility.strip():
        doc["accessibility"] = [
            {
                "id": sub_id(own_id, "accessibility"),
                "location_id": str(own_id),
                "description": location.accessibility.strip(),
            }
        ]
    return doc


def service_at_location_id(service: Service, location: Location) -> str:
    return str(service_at_location_uuid(service.public_id, location_id(location)))


def service_at_location_summary(service: Service, location: Location, site: Site) -> dict:
    return {
        "id": service_at_location_id(service, location),
        "service_id": str(service.public_id),
        "location_id": str(location_id(location)),
        "location": location_summary(location),
        "service": service_summary(service, site),
    }


def service_at_location_document(
    service: Service, location: Location, site: Site, *, with_service: bool = True
) -> dict:
    doc = {
        "id": service_at_location_id(service, location),
        "service_id": str(service.public_id),
        "location_id": str(location_id(location)),
        "location": location_document(location),
    }
    if with_service:
        # HSDS nests the service without its own service_at_locations.
        doc["service"] = service_document(service, site, with_locations=False)
    return doc


# --- Organisations -----------------------------------------------------------------


def organization_summary(organisation: Organisation) -> dict:
    """The one-to-one fields of an organisation (HSDS `organization_list`)."""
    return compact(
        {
            "id": str(organisation.public_id),
            "name": organisation.name,
            # Required by HSDS, even when the organisation has not written one.
            "description": localised_organisation(organisation).description.value,
            "email": organisation.email,
            "website": organisation.website,
        },
        keep=["description"],
    )


def organization_document(
    organisation: Organisation, services: list[Service], site: Site, *, full_services: bool = False
) -> dict:
    """A fully nested organisation with its published services. Its locations are the
    places those services use, so a place added only for a draft is not shown."""
    own_id = organisation.public_id
    doc = organization_summary(organisation)
    locations: dict[int, Location] = {}
    for service in services:
        for location in related(service, "locations"):
            locations.setdefault(location.pk, location)
    terms = [(LISTING_PAGE, site.url(organisation.get_absolute_url()))]
    if organisation.is_example:
        terms.append((EXAMPLE, ""))
    doc.update(
        {
            "phones": (
                [{"id": sub_id(own_id, "phone"), "organization_id": str(own_id), "number": organisation.phone}]
                if organisation.phone
                else []
            ),
            "locations": [location_document(loc) for loc in sorted(locations.values(), key=_location_order)],
            "organization_identifiers": (
                [
                    {
                        "id": sub_id(own_id, "identifier"),
                        "organization_id": str(own_id),
                        "identifier_type": _("Charity or company number"),
                        "identifier": organisation.charity_number,
                    }
                ]
                if organisation.charity_number
                else []
            ),
            "attributes": [attribute(own_id, "organization", term, site, value) for term, value in terms],
            "services": [
                service_document(s, site, with_organization=False)
                if full_services
                else service_summary(s, site, with_organization=False)
                for s in services
            ],
        }
    )
    return compact(doc, keep=["description"])


def _location_order(location: Location) -> tuple:
    return (location.town, location.address, location.pk)
