import random
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from partners.importer import COLUMNS, import_listings
from partners.models import Attribute, Community, DeliveryMode, Language, Postcode, SupportType


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Benchmark the CSV importer: generate a synthetic file of N rows over loaded postcodes, "
        "import it (new) and again (update), print the timings, then roll everything back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, rows: int, repeat: int, seed: int, **options):
        postcodes = list(Postcode.objects.values_list("postcode", flat=True)[:5000])
        if not postcodes:
            raise CommandError("No postcodes loaded: run `manage.py load_postcodes` first.")
        text = self.synthetic_csv(rows, postcodes, random.Random(seed))
        first, second = [], []
        for _ in range(repeat):
            try:
                with transaction.atomic():
                    started = time.perf_counter()
                    import_listings(text)
                    first.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    import_listings(text)
                    second.append(time.perf_counter() - started)
                    raise _Rollback
            except _Rollback:
                pass
        self.stdout.write(f"{rows} rows, {repeat} runs, database {self.database_vendor()}")
        self.stdout.write(f"  first import (creates): median {statistics.median(first):.2f} s, max {max(first):.2f} s")
        self.stdout.write(
            f"  re-import (updates):    median {statistics.median(second):.2f} s, max {max(second):.2f} s"
        )

    @staticmethod
    def database_vendor() -> str:
        from django.db import connection

        return connection.vendor

    @staticmethod
    def synthetic_csv(rows: int, postcodes: list[str], rng: random.Random) -> str:
        import csv
        import io

        vocab = {
            "support": list(SupportType.objects.values_list("slug", flat=True)),
            "community": list(Community.objects.values_list("slug", flat=True)),
            "attribute": list(Attribute.objects.values_list("slug", flat=True)),
            "mode": list(DeliveryMode.objects.values_list("slug", flat=True)),
        }
        languages = list(Language.objects.values_list("code", flat=True))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for n in range(rows):
            row = dict.fromkeys(COLUMNS, "")
            row.update(
                organisation=f"Benchmark organisation {n // 3}",
                service=f"Benchmark service {n}",
                description="A synthetic service used to measure the importer. It offers support.",
                language=";".join(
                    f"{c}:{rng.choice(['staff', 'interpreter', 'written'])}" for c in rng.sample(languages, 3)
                ),
                referral=";".join(rng.sample(["self", "gp", "professional", "drop-in"], 2)),
                min_age=str(rng.choice([16, 18])),
                phone="01632 960000",
            )
            for column, slugs in vocab.items():
                row[column] = ";".join(rng.sample(slugs, 2))
            if n % 5:
                row.update(address=f"{n} Bench Street", town="Bradford", postcode=rng.choice(postcodes))
            writer.writerow(row)
        return out.getvalue()
