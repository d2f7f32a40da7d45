from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partners.exporter import export_listings


class Command(BaseCommand):
    help = (
        "Write the listings to a CSV file in the import format (see import_listings). "
        "Archived listings are left out; a service the public cannot see is written as a draft."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file to write (UTF-8 with a byte-order mark, for Excel)")
        parser.add_argument("--published-only", action="store_true", help="Leave out drafts.")

    def handle(self, *args, file: Path, published_only: bool, **options):
        result = export_listings(published_only=published_only)
        try:
            # newline="": the csv module writes its own CRLF line endings.
            with file.open("w", encoding="utf-8-sig", newline="") as handle:
                handle.write(result.text)
        except OSError as error:
            raise CommandError(f"Cannot write {file}: {error.strerror}") from None
        for name in result.extra_locations:
            self.stderr.write(f"Only the first location was written (the format has one per service): {name}")
        self.stdout.write(self.style.SUCCESS(f"Wrote {result.rows} listing(s) to {file}."))
