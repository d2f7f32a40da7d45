from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts import services
from accounts.models import Role
from partners.models import Organisation


class Command(BaseCommand):
    help = "Invite someone to keep an organisation's listings. Emails the link and prints it alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="the organisation's slug, as in /organisations/<slug>/")
        parser.add_argument("email", help="the person's email address")
        parser.add_argument("--role", choices=Role.values, default=Role.OWNER, help="owner (default) or editor")

    def handle(self, *args, organisation: str, email: str, role: str, **options):
        found = Organisation.objects.filter(slug=organisation).first()
        if found is None:
            raise CommandError(f"No organisation has the slug {organisation!r}.")
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address.") from None
        invitation, url = services.invite(found, email, role, invited_by=None)
        self.stdout.write(
            f"Invited {invitation.email} as {invitation.get_role_display().split(' (')[0].lower()} of {found.name}. "
            f"The link works once, until {invitation.expires:%d %B %Y}:"
        )
        # Alone on the last line, so scripts can take it with `tail -n 1`.
        self.stdout.write(url)
