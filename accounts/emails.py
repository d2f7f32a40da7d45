"""Emails to people with accounts, one function each. The words live in
templates/email/<name>_subject.txt, <name>.txt and <name>.html."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse

from directory import outbox

from .models import Claim, Invitation, User


def absolute_url(path: str) -> str:
    """A link for an email or a command's output, which have no request to take the host from."""
    return settings.SITE_URL + path


def render_subject(template_name: str, context: dict) -> str:
    """A subject line is plain text: rendered without HTML escaping (an organisation called
    Carers' Phone Check-ins stays so, not Carers&#x27;), on one line."""
    template = get_template(template_name).template
    return " ".join(template.render(Context(context, autoescape=False)).split())


def send_templated(name: str, context: dict, to: Iterable[str]) -> None:
    """Render email/<name>_subject.txt, .txt and .html and queue them as one message (see
    directory.outbox: call this inside the transaction that saves what it tells about)."""
    recipients = sorted(set(to))
    if not recipients:
        return
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = render_subject(f"email/{name}_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"email/{name}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    message.attach_alternative(render_to_string(f"email/{name}.html", context), "text/html")
    outbox.queue(message)


def moderator_emails() -> list[str]:
    return list(User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True))


def send_invitation(invitation: Invitation, url: str) -> None:
    send_templated(
        "invitation",
        {"invitation": invitation, "organisation": invitation.organisation, "url": url},
        [invitation.email],
    )


def send_claim_received(claim: Claim) -> None:
    """Tell the moderators someone wants to look after a listing."""
    url = absolute_url(reverse("admin:accounts_claim_change", args=[claim.pk]))
    send_templated("claim_received", {"claim": claim, "url": url}, moderator_emails())


def send_claim_approved(claim: Claim) -> None:
    send_templated("claim_approved", {"claim": claim, "url": absolute_url(reverse("editing:dashboard"))}, [claim.email])


def send_claim_refused(claim: Claim) -> None:
    send_templated("claim_refused", {"claim": claim}, [claim.email])
