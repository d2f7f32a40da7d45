from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partners.importer import ImportFailed, import_listings


class Command(BaseCommand):
    help = (
        "Import organisations and services from a CSV file in the directory's import format. "
        "Every row is checked first; if any row is wrong nothing is imported. "
        "Importing the same file again updates the listings in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file, UTF-8, with a header row")
        parser.add_argument(
            "--example",
            action="store_true",
            help="Mark these listings as fictional sample data (every public page then says so).",
        )

    def handle(self, *args, file: Path, example: bool, **options):
        try:
            text = file.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{file} is not UTF-8 text (byte {error.start}). Save the spreadsheet as 'CSV UTF-8'."
            ) from None
        try:
            result = import_listings(text, example=example)
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(failure.errors)} problem(s) in {file}; nothing was imported.") from None
        self.stdout.write(self.style.SUCCESS(str(result)))
