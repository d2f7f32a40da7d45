"""Time the public search on synthetic listings: `make bench` (PostgreSQL).

Adds N fictional services (partners.synthetic, seeded, so every run is the same) spread
over the postcodes loaded in this database, times the main searches through the full
request (view, queries, template) in this process and prints the median and 95th percentile,
then deletes everything it added. Nothing is written anywhere but this database.
"""

import random
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from partners import synthetic
from partners.models import Postcode, Service


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
        if synthetic.synthetic_services().exists():
            raise CommandError(
                "Synthetic listings are already here: remove them with `manage.py seed_synthetic --delete` "
                "or use another database."
            )
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
                    synthetic.generate(size - made, seed=seed, postcodes=postcodes)
                    made = size
                    self.report(size, repeat, random.Random(seed + size), postcodes)
        finally:
            if not keep:
                self.stdout.write("Deleting the synthetic listings…")
                synthetic.delete()

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
