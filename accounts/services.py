"""Workflows around accounts: invitations, claims and team membership."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from partners.models import Organisation

from . import emails
from .audit import log_action
from .models import Action, Claim, ClaimState, Invitation, Membership, Role, User, hash_token


class InvitationUnusable(Exception):
    """The invitation was used or has expired since the page was opened."""


def invitation_url(token: str) -> str:
    return emails.absolute_url(reverse("accounts:invitation", kwargs={"token": token}))


def invite(organisation: Organisation, email: str, role: str, invited_by: User | None) -> tuple[Invitation, str]:
    """Create an invitation, email its link, and return it with that link (the only copy of the token)."""
    token = secrets.token_urlsafe(32)
    email = User.objects.normalize_email(email).lower()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email,
            organisation=organisation,
            role=role,
            invited_by=invited_by,
            token_hash=hash_token(token),
            expires=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        log_action(Action.INVITATION_SENT, invited_by, {"email": email, "role": role}, target=organisation)
        url = invitation_url(token)
        emails.send_invitation(invitation, url)
    return invitation, url


def find_invitation(token: str) -> Invitation | None:
    return Invitation.objects.select_related("organisation").filter(token_hash=hash_token(token)).first()


def add_member(user: User, organisation: Organisation, role: str) -> Membership:
    """Make `user` a member; an existing member keeps the higher of the two roles."""
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    if not created and role == Role.OWNER and membership.role != Role.OWNER:
        membership.role = Role.OWNER
        membership.save(update_fields=["role"])
    return membership


def accept_invitation(
    invitation: Invitation, *, user: User | None = None, password: str = "", full_name: str = ""
) -> User:
    """Use the invitation once: create the account (or take the existing one) and the membership."""
    with transaction.atomic():
        # Lock the row: two tabs submitting the same link must not both succeed.
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_usable():
            raise InvitationUnusable
        if user is None:
            user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name)
        add_member(user, invitation.organisation, invitation.role)
        invitation.used_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["used_at", "accepted_by"])
        log_action(Action.INVITATION_ACCEPTED, user, {"role": invitation.role}, target=invitation.organisation)
    return user


def remove_member(membership: Membership, removed_by: User) -> None:
    with transaction.atomic():
        log_action(
            Action.MEMBER_REMOVED,
            removed_by,
            {"email": membership.user.email, "role": membership.role},
            target=membership.organisation,
        )
        membership.delete()


def is_last_owner(membership: Membership) -> bool:
    """An organisation must keep at least one owner, or nobody could invite colleagues."""
    return (
        membership.role == Role.OWNER
        and not Membership.objects.filter(organisation=membership.organisation, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


def submit_claim(organisation: Organisation, *, user: User | None, name: str, email: str, **details) -> Claim:
    with transaction.atomic():
        claim = Claim.objects.create(organisation=organisation, user=user, name=name, email=email.lower(), **details)
        log_action(Action.CLAIM_SUBMITTED, user, {"email": claim.email, "name": name}, target=organisation)
        emails.send_claim_received(claim)
    return claim


class ClaimAlreadyReviewed(Exception):
    pass


def _review_claim(claim: Claim, moderator: User, state: str, reason: str = "") -> Claim:
    claim = Claim.objects.select_for_update(of=("self",)).select_related("organisation", "user").get(pk=claim.pk)
    if not claim.is_pending:
        raise ClaimAlreadyReviewed
    claim.state = state
    claim.reviewed_by = moderator
    claim.reviewed_at = timezone.now()
    claim.reason = reason
    claim.save(update_fields=["state", "reviewed_by", "reviewed_at", "reason"])
    return claim


def approve_claim(claim: Claim, moderator: User) -> Claim:
    """Make the claimant an owner: at once if they have an account, else by an owner invitation."""
    with transaction.atomic():
        claim = _review_claim(claim, moderator, ClaimState.APPROVED)
        user = claim.user or User.objects.filter(email__iexact=claim.email).first()
        if user is not None:
            add_member(user, claim.organisation, Role.OWNER)
        log_action(Action.CLAIM_APPROVED, moderator, {"email": claim.email}, target=claim.organisation)
        if user is not None:
            emails.send_claim_approved(claim)
        else:
            invite(claim.organisation, claim.email, Role.OWNER, moderator)
    return claim


def refuse_claim(claim: Claim, moderator: User, reason: str) -> Claim:
    with transaction.atomic():
        claim = _review_claim(claim, moderator, ClaimState.REFUSED, reason)
        log_action(Action.CLAIM_REFUSED, moderator, {"email": claim.email, "reason": reason}, target=claim.organisation)
        emails.send_claim_refused(claim)
    return claim
