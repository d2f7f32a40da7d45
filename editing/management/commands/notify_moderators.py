from django.core.management.base import BaseCommand

from accounts.emails import moderator_emails
from accounts.models import Claim, ClaimState
from editing.emails import send_moderation_digest
from editing.models import Revision


class Command(BaseCommand):
    help = "Email the moderators what is waiting for them (changes and claims). Run daily; silent when nothing waits."

    def handle(self, *args, **options):
        revisions = list(Revision.objects.pending().select_related("organisation", "author").order_by("created"))
        claims = list(Claim.objects.filter(state=ClaimState.PENDING).select_related("organisation").order_by("created"))
        recipients = moderator_emails()
        if not (revisions or claims):
            self.stdout.write("Nothing is waiting for the moderators.")
            return
        if not recipients:
            self.stderr.write("Nobody is a moderator (is_staff) to tell.")
            return
        send_moderation_digest(revisions, claims, recipients)
        self.stdout.write(
            f"Told {len(recipients)} moderator(s) about {len(revisions)} change(s) and {len(claims)} claim(s)."
        )
