from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from partners.postcodes import load_areas


class Command(BaseCommand):
    help = (
        "Load UK postcodes (Ordnance Survey Code-Point Open) for the given postcode areas, "
        "default: the region's POSTCODE_AREAS. Safe to run again; replaces those areas."
    )

    def add_arguments(self, parser):
        parser.add_argument("areas", nargs="*", help="Postcode areas such as BD LS (default: POSTCODE_AREAS)")
        parser.add_argument(
            "--zip",
            type=Path,
            help="Read an official Code-Point Open zip (codepo_gb.zip) instead of the bundled copy.",
        )

    def handle(self, *args, areas: list[str], zip: Path | None, **options):
        areas = areas or settings.POSTCODE_AREAS
        if zip is not None and not zip.is_file():
            raise CommandError(f"No such file: {zip}")
        try:
            counts = load_areas(areas, zip_path=zip)
        except (ValueError, FileNotFoundError) as error:
            raise CommandError(str(error)) from None
        for area, count in counts.items():
            self.stdout.write(f"{area}: {count} postcodes")
        self.stdout.write(self.style.SUCCESS(f"Loaded {sum(counts.values())} postcodes."))
