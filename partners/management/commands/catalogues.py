"""Bring the translation catalogues up to date with the code, or check that they are."""

from django.core.management.base import BaseCommand, CommandError

from directory import catalogues, languages


class Command(BaseCommand):
    help = "Update locale/<language>/LC_MESSAGES/django.po from the code and compile the .mo files (Babel only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Change nothing; fail if a catalogue is out of date with the code."
        )
        parser.add_argument(
            "--language",
            action="append",
            default=[],
            choices=[language.code for language in languages.INTERFACE_LANGUAGES if language.code != languages.DEFAULT],
            help="Also start or update this language's catalogue before it is enabled (repeatable).",
        )

    def handle(self, *args, check: bool = False, language: list[str], **options):
        template = catalogues.extract_template()
        codes = catalogues.catalogue_codes(extra=language)
        if check:
            problems = [problem for code in codes for problem in catalogues.stale(code, template)]
            if problems:
                raise CommandError(
                    "The translation catalogues are out of date with the code:\n  "
                    + "\n  ".join(problems)
                    + f"\nRun `{catalogues.REGENERATE}` and commit the changed files under locale/."
                )
            self.stdout.write(f"Catalogues up to date: {', '.join(codes)} ({len(template)} messages).")
            return
        for code in codes:
            catalogues.write(code, template)
            self.stdout.write(f"{catalogues.po_path(code).relative_to(catalogues.BASE_DIR)}")
