from django.core.management.base import BaseCommand

from accounts.emails import moderator_emails
from accounts.models import Claim, ClaimState
from editing.emails import send_moderation_digest
from editing.models import Revision
from feedback.models import ProblemReport


class Command(BaseCommand):
    help = (
        "Email the moderators what is waiting for them (changes, claims and problem reports). "
        "Run daily; silent when nothing waits."
    )

    def handle(self, *args, **options):
        revisions = list(Revision.objects.pending().select_related("organisation", "author").order_by("created"))
        claims = list(Claim.objects.filter(state=ClaimState.PENDING).select_related("organisation").order_by("created"))
        reports = list(ProblemReport.objects.open().select_related("service").order_by("created"))
        recipients = moderator_emails()
        if not (revisions or claims or reports):
            self.stdout.write("Nothing is waiting for the moderators.")
            return
        if not recipients:
            self.stderr.write("Nobody is a moderator (is_staff) to tell.")
            return
        send_moderation_digest(revisions, claims, reports, recipients)
        self.stdout.write(
            f"Told {len(recipients)} moderator(s) about {len(revisions)} change(s), {len(claims)} claim(s) "
            f"and {len(reports)} problem report(s)."
        )
