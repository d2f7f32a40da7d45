"""Deployment checks for what organisation staff depend on."""

from django.conf import settings
from django.core.checks import Warning, register


@register("staff", deploy=True)
def site_url_is_public(app_configs, **kwargs) -> list[Warning]:
    # Invitation, password and reminder emails link to SITE_URL; a local address breaks them all.
    if any(host in settings.SITE_URL for host in ("127.0.0.1", "localhost", "[::1]")):
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: links in invitations and reminders will not work for anyone else.",
                hint="Set SITE_URL to the site's public address, such as https://directory.example.org.",
                id="accounts.W001",
            )
        ]
    return []
