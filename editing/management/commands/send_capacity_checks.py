from datetime import date

from django.core.management.base import BaseCommand, CommandError

from editing.capacity import send_capacity_checks


class Command(BaseCommand):
    help = (
        "Ask owners of each published service whether it is taking new people, CAPACITY_CHECK_DAYS after "
        "its last answer. Run daily (cron); running it more often never asks twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="pretend today is this date (YYYY-MM-DD), for trying it out")

    def handle(self, *args, today: str | None = None, **options):
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError(f"--today must be a date like 2025-01-31, not {today!r}.") from None
        report = send_capacity_checks(day)
        self.stdout.write(f"Sent {report.emails_sent} capacity check email(s) about {report.services} service(s).")
        for organisation in report.nobody_to_ask:
            self.stdout.write(f"Nobody to ask at {organisation.name} ({organisation.slug}): invite an owner.")
        for organisation, error in report.failed:
            self.stderr.write(f"Could not email {organisation.name}: {error}")
        if report.failed:
            raise CommandError(f"{len(report.failed)} organisation(s) could not be emailed; they will be retried.")
