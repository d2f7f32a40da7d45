"""Synthetic listings for benchmarks: many fictional, published services over the loaded
postcodes, with the vocabulary mixes real listings have, made fast with bulk inserts.

Every organisation made here has a slug starting with PREFIX, so `delete()` removes
exactly what was made (organisations, their services, places, languages, ways in and
every link row) and nothing else. Used by `manage.py seed_synthetic`, the load benchmark
(`manage.py bench_load`, `make bench`) and the in-process `manage.py bench_search`.

Shape (seeded, so the same N and seed make the same data):
- about a third of organisations run several services (2 to 8), the rest one;
- each service: 1-3 support types, 1-2 communities (some "all racialised
  communities"), 1-3 languages weighted as in a northern English city (staff or
  interpreter), 1-2 delivery modes, 0-2 cultural-fit attributes, 1-3 ways in, an age
  range now and then, a gender now and then, three sentences of description;
- 0-3 places at loaded postcodes (about one in ten services has none: phone or online
  only); services of one organisation often share a place;
- last checked within the last two years, or never.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from . import map_cache
from .models import (
    Attribute,
    Community,
    DeliveryMode,
    Language,
    Location,
    Organisation,
    Postcode,
    ReferralKind,
    ReferralRoute,
    Service,
    ServiceLanguage,
    Status,
    SupportType,
)

PREFIX = "synthetic-"
BATCH = 5000

NAME_WORDS = [
    "Wellbeing",
    "Counselling",
    "Befriending",
    "Bereavement",
    "Peer Support",
    "Family",
    "Women's",
    "Men's",
    "Youth",
    "Elders'",
    "Carers'",
    "Recovery",
    "Listening",
    "Advice",
    "Drop-in",
    "Helpline",
    "Walking",
    "Arts",
    "Faith",
    "Refugee",
]
NAME_ENDS = ["Group", "Circle", "Service", "Sessions", "Café", "Line", "Club", "Project", "Space", "Hub"]
ORGANISATION_WORDS = ["Community", "Trust", "Association", "Centre", "Network", "Foundation", "Alliance", "Forum"]
PLACE_WORDS = ["Northfield", "Eastbrook", "Westgate", "Southmoor", "Millbank", "Hillside", "Riverside", "Oakwood"]
SENTENCES = [
    "A friendly group for people who feel stressed, anxious or low.",
    "One-to-one counselling with a trained counsellor who understands your culture.",
    "Support after someone close to you has died, in your own language.",
    "Regular phone calls and visits for people who feel lonely or isolated.",
    "Help with housing, money, benefits and immigration worries.",
    "A safe space for women to talk about family pressures and low mood.",
    "Peer support from people with lived experience of mental ill health.",
    "Gentle exercise, crafts and social activities to lift your mood.",
    "Advice and advocacy so that services hear what you need.",
    "Support with drinking, drugs or gambling, without judgement.",
    "Workshops for families to understand mental health and where to get help.",
    "Faith-sensitive pastoral support from trusted community leaders.",
    "Interpreters can be arranged for other languages.",
    "Sessions are free and you can bring a friend.",
]
LANGUAGE_WEIGHTS = {
    "en": 70,
    "ur": 30,
    "pa": 25,
    "phr": 10,
    "bn": 12,
    "ar": 10,
    "pl": 8,
    "so": 6,
    "ps": 4,
    "fa": 5,
    "ro": 4,
    "sk": 3,
    "gu": 3,
    "ku": 2,
    "ti": 2,
    "zh": 2,
}


@dataclass
class Made:
    organisations: int = 0
    services: int = 0
    locations: int = 0


def synthetic_organisations():
    return Organisation.objects.filter(slug__startswith=PREFIX)


def synthetic_services():
    return Service.objects.filter(organisation__slug__startswith=PREFIX)


def generate(
    count: int, seed: int = 2024, progress: Callable[[str], None] | None = None, postcodes: list | None = None
) -> Made:
    """Add `count` published synthetic services (and their organisations). Numbering
    continues after the synthetic services already present, so calling it again adds more."""
    say = progress or (lambda _message: None)
    if postcodes is None:
        postcodes = list(Postcode.objects.values_list("postcode", "latitude", "longitude"))
    if not postcodes:
        raise ValueError("No postcodes loaded: run `manage.py load_postcodes` on this database first.")
    start = synthetic_services().count()
    first_organisation = synthetic_organisations().count()
    rng = random.Random(f"{seed}-{start}")
    made = Made()
    with transaction.atomic():
        supports = list(SupportType.objects.all())
        communities = list(Community.objects.all())
        everyone = [c for c in communities if c.slug == Community.ALL]
        attributes = list(Attribute.objects.all())
        modes = list(DeliveryMode.objects.all())
        languages = {lang.code: lang for lang in Language.objects.filter(code__in=LANGUAGE_WEIGHTS)}
        codes = [code for code in LANGUAGE_WEIGHTS if code in languages]
        weights = [LANGUAGE_WEIGHTS[code] for code in codes]
        today = timezone.localdate()

        # Organisations: a third run several services.
        sizes = []
        left = count
        while left > 0:
            size = min(left, rng.randint(2, 8) if rng.random() < 1 / 3 else 1)
            sizes.append(size)
            left -= size
        organisations = []
        for offset, _size in enumerate(sizes):
            n = first_organisation + offset
            organisations.append(
                Organisation(
                    name=f"{rng.choice(PLACE_WORDS)} {rng.choice(ORGANISATION_WORDS)} {n}",
                    slug=f"{PREFIX}org-{n}",
                    status=Status.PUBLISHED,
                    description=" ".join(rng.sample(SENTENCES, 2)),
                    phone=f"01632 {960000 + n % 1000:06d}"[:12],
                    website=f"https://org-{n}.example.org",
                    last_verified=_checked(rng, today),
                )
            )
        organisations = Organisation.objects.bulk_create(organisations, batch_size=BATCH)
        made.organisations = len(organisations)
        say(f"  {len(organisations):,} organisations")

        # Places: each organisation has a few; its services pick from them.
        places: list[Location] = []
        places_of: list[list[int]] = []
        for organisation, size in zip(organisations, sizes, strict=True):
            indexes = []
            for _ in range(rng.choices([1, 2, 3], [70, 20, 10])[0] + (size > 3)):
                code, lat, lon = rng.choice(postcodes)
                indexes.append(len(places))
                places.append(
                    Location(
                        organisation=organisation,
                        name=f"{rng.choice(PLACE_WORDS)} {rng.choice(['Community Centre', 'Library', 'Hall'])}",
                        address=f"{rng.randint(1, 200)} {rng.choice(PLACE_WORDS)} Road",
                        town=rng.choice(PLACE_WORDS),
                        postcode=code,
                        latitude=lat,
                        longitude=lon,
                    )
                )
            places_of.append(indexes)
        places = Location.objects.bulk_create(places, batch_size=BATCH)
        made.locations = len(places)
        say(f"  {len(places):,} places")

        services, service_places = [], []
        n = start
        for organisation, size, indexes in zip(organisations, sizes, places_of, strict=True):
            for _ in range(size):
                min_age = rng.choice([None, None, None, None, 16, 18, 50, 65])
                max_age = rng.choice([None, None, None, 25, 65]) if min_age is None or min_age < 25 else None
                services.append(
                    Service(
                        organisation=organisation,
                        name=f"{rng.choice(NAME_WORDS)} {rng.choice(NAME_WORDS)} {rng.choice(NAME_ENDS)} {n}",
                        slug=f"{PREFIX}service-{n}",
                        description=" ".join(rng.sample(SENTENCES, 3)),
                        status=Status.PUBLISHED,
                        cost=rng.choices(["free", "low-cost", "paid"], [80, 15, 5])[0],
                        gender=rng.choices(["any", "women", "men"], [75, 18, 7])[0],
                        min_age=min_age,
                        max_age=max_age,
                        accepting_referrals=rng.random() > 0.1,
                        referral_instructions=rng.choice(SENTENCES),
                        opening_hours=rng.choice(["", "Mondays 10am to 2pm", "Weekdays 9am to 5pm"]),
                        phone=f"01632 {960000 + n % 1000:06d}"[:12] if rng.random() < 0.6 else "",
                        last_verified=_checked(rng, today),
                    )
                )
                wanted = rng.choices([0, 1, 2, 3], [10, 70, 15, 5])[0]
                service_places.append(rng.sample(indexes, min(wanted, len(indexes))) if wanted else [])
                n += 1
        services = Service.objects.bulk_create(services, batch_size=BATCH)
        made.services = len(services)
        say(f"  {len(services):,} services")

        def link(through, field: str, choose) -> None:
            through.objects.bulk_create(
                (through(service_id=s.pk, **{f"{field}_id": term.pk}) for s in services for term in choose()),
                batch_size=BATCH,
            )

        link(Service.support_types.through, "supporttype", lambda: rng.sample(supports, rng.randint(1, 3)))
        link(
            Service.communities.through,
            "community",
            lambda: everyone if everyone and rng.random() < 0.15 else rng.sample(communities, rng.randint(1, 2)),
        )
        link(Service.attributes.through, "attribute", lambda: rng.sample(attributes, rng.randint(0, 2)))
        link(Service.modes.through, "deliverymode", lambda: rng.sample(modes, rng.randint(1, 2)))
        ServiceLanguage.objects.bulk_create(
            (
                ServiceLanguage(
                    service_id=s.pk,
                    language=languages[code],
                    provision=rng.choices(["staff", "interpreter"], [75, 25])[0],
                )
                for s in services
                for code in dict.fromkeys(rng.choices(codes, weights, k=rng.randint(1, 3)))
            ),
            batch_size=BATCH,
        )
        ReferralRoute.objects.bulk_create(
            (
                ReferralRoute(service_id=s.pk, kind=kind)
                for s in services
                for kind in rng.sample(ReferralKind.values, rng.randint(1, 3))
            ),
            batch_size=BATCH,
        )
        through = Service.locations.through
        through.objects.bulk_create(
            (
                through(service_id=s.pk, location_id=places[i].pk)
                for s, chosen in zip(services, service_places, strict=True)
                for i in chosen
            ),
            batch_size=BATCH,
        )
        say("  links made")
    map_cache.directory_changed()  # bulk writes send no signals
    analyse()
    return made


def _checked(rng: random.Random, today):
    return None if rng.random() < 0.1 else today - timedelta(days=rng.randint(0, 730))


def analyse() -> None:
    """What autovacuum does for a live site: planner statistics, and the visibility map
    that lets PostgreSQL answer from indexes alone."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM cannot run inside a transaction (a caller's, or a test's): statistics only then.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")


def delete() -> int:
    """Remove every synthetic organisation and all that hangs off it; return how many services went."""
    with transaction.atomic():
        services = synthetic_services()
        gone = services.count()
        for model in (ServiceLanguage, ReferralRoute):
            model.objects.filter(service__in=services)._raw_delete(connection.alias)
        for through in (
            Service.support_types.through,
            Service.communities.through,
            Service.attributes.through,
            Service.modes.through,
            Service.locations.through,
        ):
            through.objects.filter(service__in=services)._raw_delete(connection.alias)
        # What else points at services or organisations (translations, revisions,
        # reports…) is deleted by the ORM's cascade; the bulk link rows are gone already.
        Location.objects.filter(organisation__slug__startswith=PREFIX)._raw_delete(connection.alias)
        services.delete()
        synthetic_organisations().delete()
        map_cache.directory_changed()
    return gone
