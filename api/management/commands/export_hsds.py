from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from api.exports import write_hsds
from api.hsds import Site


class Command(BaseCommand):
    help = (
        "Write every published listing as HSDS 3.0 JSON (services.json, organizations.json, "
        "service_at_locations.json, taxonomies.json, taxonomy_terms.json) into a directory."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="Directory to write into (created if missing)")
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "SITE_URL", ""),
            help="The site's address, for links in the documents (default: the SITE_URL setting)",
        )

    def handle(self, *args, directory: Path, base_url: str, **options):
        try:
            counts = write_hsds(directory, Site(base_url.rstrip("/")))
        except OSError as error:
            raise CommandError(f"Cannot write to {directory}: {error.strerror}") from None
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Wrote HSDS 3.0 files to {directory} ({summary})."))
