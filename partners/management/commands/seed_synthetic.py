"""Add (or remove) synthetic published services for benchmarks: `make bench` uses it."""

import time

from django.core.management.base import BaseCommand, CommandError

from partners import synthetic


class Command(BaseCommand):
    help = (
        "Add N synthetic published services (seeded, over the loaded postcodes; slugs start with "
        f"'{synthetic.PREFIX}'), or remove them all with --delete. For benchmark databases, not a live site."
    )

    def add_arguments(self, parser):
        parser.add_argument("--services", type=int, default=0, help="How many services to add")
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--total",
            action="store_true",
            help="Treat --services as the number wanted in all: add only what is missing",
        )
        parser.add_argument("--delete", action="store_true", help="Remove every synthetic listing instead")

    def handle(self, *args, services: int, seed: int, total: bool, delete: bool, **options):
        started = time.perf_counter()
        if delete:
            gone = synthetic.delete()
            self.stdout.write(f"Deleted {gone:,} synthetic services in {time.perf_counter() - started:.1f} s.")
            return
        if services < 0:
            raise CommandError("--services must be 0 or more.")
        present = synthetic.synthetic_services().count()
        wanted = max(0, services - present) if total else services
        if wanted == 0:
            self.stdout.write(f"{present:,} synthetic services present; nothing to add.")
            return
        self.stdout.write(f"Adding {wanted:,} synthetic services ({present:,} present)…")
        try:
            made = synthetic.generate(wanted, seed=seed, progress=self.stdout.write)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {made.services:,} services, {made.organisations:,} organisations and "
                f"{made.locations:,} places in {time.perf_counter() - started:.1f} s."
            )
        )
