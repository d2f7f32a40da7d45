"""Time the public search on synthetic listings: `make bench` (PostgreSQL).

Adds N fictional services (seeded, so every run is the same) spread over the
postcodes loaded in this database, times the main searches through the full
request (view, queries, template) and prints the median and 95th percentile,
then deletes everything it added. Nothing is written anywhere but this database.
"""

import random
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from partners.models import (
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

PREFIX = "bench-"
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
LANGUAGE_WEIGHTS = {"en": 70, "ur": 30, "pa": 25, "phr": 10, "bn": 12, "ar": 10, "pl": 8, "so": 6, "ps": 4, "fa": 5}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = (
        "Time the main searches on synthetic services (default 1,000 then 10,000) and print median "
        "and p95 in milliseconds. Meant for PostgreSQL; the synthetic listings are deleted afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000], help="Numbers of services")
        parser.add_argument("--repeat", type=int, default=40, help="Timed requests per search and size")
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--keep", action="store_true", help="Leave the synthetic listings in the database")

    def handle(self, *args, sizes: list[int], repeat: int, seed: int, keep: bool, **options):
        if connection.vendor != "postgresql":
            self.stderr.write(self.style.WARNING("This benchmark is meant for PostgreSQL; the numbers will differ."))
        postcodes = list(Postcode.objects.values_list("postcode", "latitude", "longitude"))
        if not postcodes:
            raise CommandError("No postcodes loaded: run `manage.py load_postcodes` on this database first.")
        if Organisation.objects.filter(slug__startswith=PREFIX).exists():
            raise CommandError(f"Synthetic listings ({PREFIX}…) are already here: delete them or use another database.")
        rng = random.Random(seed)
        try:
            # Production-like: no query logging (DEBUG off), plain static file URLs.
            with override_settings(
                DEBUG=False,
                ALLOWED_HOSTS=["testserver"],
                STORAGES={
                    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
                },
            ):
                made = 0
                for size in sorted(sizes):
                    self.stdout.write(f"Adding {size - made} synthetic services…")
                    self.generate(rng, made, size, postcodes)
                    made = size
                    self.analyse()
                    self.report(size, repeat, random.Random(seed + size), postcodes)
        finally:
            if not keep:
                self.stdout.write("Deleting the synthetic listings…")
                self.cleanup()

    # --- Data -----------------------------------------------------------------------------

    @transaction.atomic
    def generate(self, rng: random.Random, start: int, end: int, postcodes: list) -> None:
        supports = list(SupportType.objects.all())
        communities = list(Community.objects.all())
        attributes = list(Attribute.objects.all())
        modes = list(DeliveryMode.objects.all())
        languages = {lang.code: lang for lang in Language.objects.filter(code__in=LANGUAGE_WEIGHTS)}
        codes = [code for code in LANGUAGE_WEIGHTS if code in languages]
        weights = [LANGUAGE_WEIGHTS[code] for code in codes]

        organisations = Organisation.objects.bulk_create(
            Organisation(
                name=f"Bench organisation {i}",
                slug=f"{PREFIX}org-{i}",
                status=Status.PUBLISHED if rng.random() > 0.02 else Status.DRAFT,
                description=rng.choice(SENTENCES),
                is_example=True,
            )
            for i in range(start // 10, (end + 9) // 10)
        )
        services, located = [], []
        for i in range(start, end):
            organisation = organisations[(i - start) // 10 % len(organisations)]
            name = f"{rng.choice(NAME_WORDS)} {rng.choice(NAME_WORDS)} {rng.choice(NAME_ENDS)} {i}"
            min_age = rng.choice([None, None, None, 16, 18, 50])
            services.append(
                Service(
                    organisation=organisation,
                    name=name,
                    slug=f"{PREFIX}service-{i}",
                    description=" ".join(rng.sample(SENTENCES, 3)),
                    status=Status.PUBLISHED if rng.random() > 0.05 else Status.DRAFT,
                    cost=rng.choices(["free", "low-cost", "paid"], [80, 15, 5])[0],
                    gender=rng.choices(["any", "women", "men"], [70, 20, 10])[0],
                    min_age=min_age,
                    max_age=rng.choice([None, None, 25, 65]) if min_age is None or min_age < 25 else None,
                )
            )
        services = Service.objects.bulk_create(services)

        through = Service.support_types.through
        through.objects.bulk_create(
            through(service=s, supporttype=t) for s in services for t in rng.sample(supports, rng.randint(1, 3))
        )
        through = Service.communities.through
        through.objects.bulk_create(
            through(service=s, community=c) for s in services for c in rng.sample(communities, rng.randint(1, 2))
        )
        through = Service.attributes.through
        through.objects.bulk_create(
            through(service=s, attribute=a) for s in services for a in rng.sample(attributes, rng.randint(0, 2))
        )
        through = Service.modes.through
        through.objects.bulk_create(
            through(service=s, deliverymode=m) for s in services for m in rng.sample(modes, rng.randint(1, 2))
        )
        ServiceLanguage.objects.bulk_create(
            ServiceLanguage(service=s, language=languages[code], provision=rng.choice(["staff", "interpreter"]))
            for s in services
            for code in set(rng.choices(codes, weights, k=rng.randint(1, 3)))
        )
        ReferralRoute.objects.bulk_create(
            ReferralRoute(service=s, kind=kind)
            for s in services
            for kind in rng.sample(ReferralKind.values, rng.randint(1, 3))
        )
        for s in services:
            places = rng.choices([0, 1, 2], [10, 80, 10])[0]
            for _ in range(places):
                code, lat, lon = rng.choice(postcodes)
                located.append(
                    (s, Location(organisation_id=s.organisation_id, postcode=code, latitude=lat, longitude=lon))
                )
        locations = Location.objects.bulk_create(location for _s, location in located)
        through = Service.locations.through
        through.objects.bulk_create(
            through(service=s, location=location) for (s, _l), location in zip(located, locations, strict=True)
        )

    def analyse(self) -> None:
        # What autovacuum does for a live site: planner statistics, and the visibility map
        # that lets PostgreSQL answer from indexes alone.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    def cleanup(self) -> None:
        with transaction.atomic():
            services = Service.objects.filter(slug__startswith=PREFIX)
            Location.objects.filter(organisation__slug__startswith=PREFIX).delete()
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
            Organisation.objects.filter(slug__startswith=PREFIX).delete()

    # --- Timing ---------------------------------------------------------------------------

    def scenarios(self, rng: random.Random, postcodes: list) -> dict[str, Callable[[], str]]:
        words = ["counselling", "bereavment", "urdu women", "low mood", "lonely", "اردو", "drink", "faith advice"]
        local = [code for code, _lat, _lon in postcodes if code.startswith("BD")] or [p[0] for p in postcodes]

        def url(path: str, **params) -> str:
            return f"{path}?{urlencode(params, doseq=True)}"

        def filters() -> dict:
            return {
                "language": rng.choice(["ur", "pa", "bn", "pl"]),
                "support": rng.sample(["counselling", "peer-support", "befriending", "advocacy"], 2),
                "community": rng.choice(["pakistani-kashmiri", "bangladeshi", "black-african"]),
                "gender": rng.choice(["women", "men"]),
            }

        return {
            "browse everything": lambda: url("/search/", page=rng.choice(["1", "2", "3"])),
            "keyword": lambda: url("/search/", q=rng.choice(words)),
            "postcode + radius": lambda: url("/search/", postcode=rng.choice(local), radius=rng.choice(["3", "5"])),
            "filters": lambda: url("/search/", **filters()),
            "combined": lambda: url(
                "/search/", q=rng.choice(words), postcode=rng.choice(local), radius="5", **filters()
            ),
            "geojson (all)": lambda: url("/search/geojson/"),
            "geojson (filtered)": lambda: url(
                "/search/geojson/", postcode=rng.choice(local), radius="10", language=rng.choice(["ur", "pa"])
            ),
        }

    def report(self, size: int, repeat: int, rng: random.Random, postcodes: list) -> None:
        client = Client()
        published = Service.objects.published().count()
        self.stdout.write(
            f"\n{size:,} synthetic services ({published:,} published services in all), {repeat} runs each"
        )
        self.stdout.write(f"{'search':<22}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}{'queries':>9}")
        for name, make_url in self.scenarios(rng, postcodes).items():
            for _ in range(3):  # warm caches and connections
                client.get(make_url())
            times = []
            for _ in range(repeat):
                target = make_url()
                started = time.perf_counter()
                response = client.get(target)
                times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{target} answered {response.status_code}")
            with CaptureQueriesContext(connection) as queries:
                client.get(make_url())
            self.stdout.write(
                f"{name:<22}{statistics.median(times):>11.1f}{percentile(times, 0.95):>9.1f}"
                f"{max(times):>9.1f}{len(queries):>9}"
            )
