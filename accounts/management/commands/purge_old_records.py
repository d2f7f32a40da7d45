from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.retention import purge_expired_sessions, purge_login_records


class Command(BaseCommand):
    help = (
        "Daily: delete expired sessions (as clearsessions does) and django-axes login records "
        "older than LOGIN_RECORDS_KEPT_DAYS."
    )

    def handle(self, *args, **options):
        purge_expired_sessions()
        purged = purge_login_records(timezone.now())
        self.stdout.write(
            f"Expired sessions cleared. Login records older than {settings.LOGIN_RECORDS_KEPT_DAYS} days deleted: "
            f"{purged.login_logs} login log(s), {purged.failure_logs} failure log(s), "
            f"{purged.attempts} lockout attempt record(s)."
        )
