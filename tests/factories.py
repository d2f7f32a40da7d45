"""Factories for tests: sensible defaults, override anything with keyword arguments."""

import itertools
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import User
from partners.models import (
    Attribute,
    Community,
    DeliveryMode,
    Language,
    Location,
    Organisation,
    Postcode,
    PostcodeDistrict,
    ReferralRoute,
    Service,
    ServiceLanguage,
    Status,
    SupportType,
)

_seq = itertools.count(1)


def make_user(email: str | None = None, password: str = "correct horse battery staple", **kwargs) -> User:
    email = email or f"user{next(_seq)}@example.org"
    return User.objects.create_user(email=email, password=password, **kwargs)


def make_moderator(email: str = "moderator@example.org", **kwargs) -> User:
    return make_user(email=email, is_staff=True, is_superuser=True, **kwargs)


def make_group_moderator(email: str = "group-moderator@example.org", **kwargs) -> User:
    """Staff status and the Moderators group (created by a migration), as docs/staff-and-moderators.md says."""
    from django.contrib.auth.models import Group

    user = make_user(email=email, is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def make_organisation(name: str | None = None, **kwargs) -> Organisation:
    n = next(_seq)
    name = name or f"Organisation {n}"
    defaults = {
        "slug": kwargs.pop("slug", None) or f"organisation-{n}",
        "status": Status.PUBLISHED,
        "last_verified": timezone.localdate(),
        "description": "A community organisation.",
    }
    defaults.update(kwargs)
    return Organisation.objects.create(name=name, **defaults)


def make_location(organisation: Organisation | None = None, **kwargs) -> Location:
    defaults = {
        "address": "1 Example Street",
        "town": "Bradford",
        "postcode": "BD1 1AF",
        "latitude": 53.7935,
        "longitude": -1.7499,
    }
    defaults.update(kwargs)
    return Location.objects.create(organisation=organisation or make_organisation(), **defaults)


def make_service(
    name: str | None = None,
    *,
    organisation: Organisation | None = None,
    support: list[str] = (),
    communities: list[str] = (),
    attributes: list[str] = (),
    modes: list[str] = (),
    languages: list[str | tuple[str, str]] = (),
    referrals: list[str] = (),
    locations: list[Location] = (),
    **kwargs,
) -> Service:
    """A published service. Vocabulary terms by slug; languages as 'ur' or ('ur', 'interpreter')."""
    n = next(_seq)
    defaults = {
        "slug": kwargs.pop("slug", None) or f"service-{n}",
        "description": "We offer support. Come and talk to us.",
        "status": Status.PUBLISHED,
        "last_verified": kwargs.pop("last_verified", timezone.localdate()),
    }
    defaults.update(kwargs)
    service = Service.objects.create(
        name=name or f"Service {n}", organisation=organisation or make_organisation(), **defaults
    )
    service.support_types.set(SupportType.objects.filter(slug__in=support))
    service.communities.set(Community.objects.filter(slug__in=communities))
    service.attributes.set(Attribute.objects.filter(slug__in=attributes))
    service.modes.set(DeliveryMode.objects.filter(slug__in=modes))
    for item in languages:
        code, how = (item, "staff") if isinstance(item, str) else item
        ServiceLanguage.objects.create(service=service, language=Language.objects.get(code=code), provision=how)
    for kind in referrals:
        ReferralRoute.objects.create(service=service, kind=kind)
    service.locations.set(locations)
    if service.hours:
        service.save_opening_periods()
    return service


def make_postcode(postcode: str = "BD21 3DN", latitude: float = 53.868739, longitude: float = -1.907502) -> Postcode:
    district = postcode.split(" ")[0]
    PostcodeDistrict.objects.get_or_create(code=district, defaults={"latitude": latitude, "longitude": longitude})
    return Postcode.objects.create(postcode=postcode, district=district, latitude=latitude, longitude=longitude)


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def make_rich_service(**kwargs) -> Service:
    """A published service with every field we hold filled in: for open data tests."""
    name = kwargs.pop("name", "Women's Wellbeing Mornings")
    organisation = kwargs.pop("organisation", None) or make_organisation(
        website="https://chinar.example.org/",
        email="hello@chinar.example.org",
        phone="01632 960101",
        charity_number="1234567",
        description="A women-led group in Manningham.",
    )
    location = make_location(
        organisation, name="Chinar House", address="41 Lumb Lane", postcode="BD8 7JH", accessibility="Step-free."
    )
    defaults = {
        "description": "Weekly mornings for women. Tea, crafts and talking.",
        "support": ["peer-support", "wellbeing-activities"],
        "communities": ["pakistani-kashmiri", "south-asian"],
        "attributes": ["community-led", "interpreters"],
        "modes": ["in-person", "phone"],
        "languages": ["ur", ("ur", "written"), ("pa", "interpreter"), ("pl", "phone")],
        "referrals": ["gp", "self"],
        "locations": [location],
        "cost": "low-cost",
        "gender": "women",
        "min_age": 18,
        "max_age": 65,
        "typical_wait": "About two weeks",
        "referral_instructions": "Ask your GP to email us, or call.",
        "opening_hours": "Tuesdays 10am to 12:30pm",
        "phone": "01632 960102",
        "email": "referrals@chinar.example.org",
        "website": "https://chinar.example.org/mornings/",
    }
    defaults.update(kwargs)
    service = make_service(name, organisation=organisation, **defaults)
    ReferralRoute.objects.filter(service=service, kind="gp").update(
        method="email", contact="gp-referrals@chinar.example.org", instructions="We phone within a week."
    )
    ReferralRoute.objects.filter(service=service, kind="self").update(method="phone", contact="01632 960103")
    return service


# --- Organisation staff (accounts and editing apps) ---------------------------------


def make_member(organisation: Organisation | None = None, user: User | None = None, role: str = "owner", **kwargs):
    """A person in an organisation's team (an owner unless told otherwise)."""
    from accounts.models import Membership

    return Membership.objects.create(
        user=user or make_user(**kwargs), organisation=organisation or make_organisation(), role=role
    )


def result_names(params, backend: str | None = None) -> list[str]:
    """The names of every result of a search, in order, page after page as the site shows them."""
    from partners.search import Vocabulary, search

    vocabulary, found, number = Vocabulary.load(), [], 1
    while True:
        page = search(params, vocabulary, backend=backend, page=number).page
        found += [service.name for service in page]
        if not page.has_next():
            return found
        number += 1
