from datetime import date

from django.core.management.base import BaseCommand, CommandError

from editing.freshness import send_freshness_reminders


class Command(BaseCommand):
    help = (
        "Email owners of listings not confirmed for STALE_AFTER_DAYS, again every REMINDER_INTERVAL_DAYS. "
        "Run daily (cron); running it more often never sends a reminder twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="pretend today is this date (YYYY-MM-DD), for trying it out")

    def handle(self, *args, today: str | None = None, **options):
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError(f"--today must be a date like 2025-01-31, not {today!r}.") from None
        report = send_freshness_reminders(day)
        self.stdout.write(f"Sent {report.emails_sent} reminder email(s) about {report.listings} listing(s).")
        for organisation in report.nobody_to_remind:
            self.stdout.write(f"Nobody to remind at {organisation.name} ({organisation.slug}): invite an owner.")
        for organisation, error in report.failed:
            self.stderr.write(f"Could not email {organisation.name}: {error}")
        if report.failed:
            raise CommandError(f"{len(report.failed)} organisation(s) could not be emailed; they will be retried.")
