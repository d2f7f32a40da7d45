"""Deployment checks for what organisation staff depend on: links in emails, login lockouts,
rate limits and email sent from a worker."""

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


@register("staff", deploy=True)
def cache_is_shared(app_configs, **kwargs) -> list[Warning]:
    # Rate limits count in the cache: a per-process cache gives every process its own count.
    if settings.DEBUG or settings.REDIS_URL:
        return []
    return [
        Warning(
            "No shared cache: each server process counts rate limits on its own, so they let "
            "through several times what they should, and reset when the process restarts.",
            hint="Set REDIS_URL (for example redis://127.0.0.1:6379/0) on every app server.",
            id="accounts.W002",
        )
    ]


@register("staff", deploy=True)
def email_is_sent_by_a_worker(app_configs, **kwargs) -> list[Warning]:
    if settings.DEBUG or settings.TASK_BACKEND == "database":
        return []
    return [
        Warning(
            "TASK_BACKEND is 'immediate': every email is sent while someone waits for the page, "
            "and a message the mail server refuses is lost.",
            hint="Leave TASK_BACKEND unset (database) and run `manage.py db_worker` as a service.",
            id="accounts.W003",
        )
    ]


@register("staff", deploy=True)
def email_is_sent(app_configs, **kwargs) -> list[Warning]:
    # Production refuses the console backend unless ALLOW_CONSOLE_EMAIL says otherwise; say so here too.
    if settings.EMAIL_BACKEND == settings.CONSOLE_EMAIL_BACKEND:
        return [
            Warning(
                "EMAIL_BACKEND is the console: password-reset and invitation links go into the server's log "
                "and reach nobody.",
                hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the EMAIL_HOST settings.",
                id="accounts.W004",
            )
        ]
    return []
