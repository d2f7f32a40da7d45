"""Logging in, password reset, lockouts, invitations, the invite command, teams and claims."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts import services
from accounts.models import Action, AuditEntry, Claim, ClaimState, Invitation, Membership
from tests.factories import make_member, make_organisation, make_user
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def organisation():
    return make_organisation("Sunrise Wellbeing", slug="sunrise")


def token_from(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


# --- Logging in and out -------------------------------------------------------------


def test_login_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Email address" in response.content.decode()


def test_staff_log_in_with_email_and_password(client):
    make_user(email="amina@sunrise.example")
    response = client.post("/accounts/login/", {"username": "Amina@Sunrise.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/manage/"


def test_login_is_recorded_in_the_audit_log(client):
    user = make_user(email="amina@sunrise.example")
    client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert AuditEntry.objects.filter(action=Action.LOGIN, user=user).exists()


def test_a_wrong_password_gets_a_clear_message(client):
    make_user(email="amina@sunrise.example")
    response = client.post("/accounts/login/", {"username": "amina@sunrise.example", "password": "nope"})
    assert response.status_code == 200
    assert "email address or password is not right" in response.content.decode()


def test_repeated_wrong_passwords_lock_the_login_out(client, settings):
    make_user(email="amina@sunrise.example")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "amina@sunrise.example", "password": "nope"})
    response = client.post("/accounts/login/", {"username": "amina@sunrise.example", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()


def test_a_lockout_is_recorded_in_the_audit_log(client, settings):
    make_user(email="amina@sunrise.example")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "amina@sunrise.example", "password": "nope"})
    assert AuditEntry.objects.filter(action=Action.LOCKED_OUT, data__email="amina@sunrise.example").exists()


def test_logout_needs_post(client):
    client.force_login(make_user())
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/manage/").status_code == 302


# --- Password reset -----------------------------------------------------------------


def test_password_reset_emails_a_link_in_text_and_html(client):
    make_user(email="amina@sunrise.example")
    response = client.post("/accounts/password-reset/", {"email": "amina@sunrise.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "/accounts/password-reset/" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_password_reset_subject_is_plain_text(client, settings):
    settings.SITE_NAME = "Carers' Phone Check-ins & Friends"
    make_user(email="amina@sunrise.example")
    client.post("/accounts/password-reset/", {"email": "amina@sunrise.example"})
    assert mail.outbox[0].subject == "Set a new password for Carers' Phone Check-ins & Friends"


def test_email_subjects_are_plain_text_on_one_line():
    organisation = make_organisation("Carers' Phone Check-ins\n& Friends")
    services.invite(organisation, "new@sunrise.example", "owner", None)
    assert mail.outbox[0].subject == "You are invited to keep Carers' Phone Check-ins & Friends's listing up to date"


def test_password_reset_link_sets_a_new_password(client):
    user = make_user(email="amina@sunrise.example")
    client.post("/accounts/password-reset/", {"email": user.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password-reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    new = "a brand new long password"
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_says_the_same_for_unknown_addresses(client):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


# --- Invitations --------------------------------------------------------------------


def test_invitation_token_is_stored_hashed(organisation):
    invitation, url = services.invite(organisation, "new@sunrise.example", "owner", None)
    assert token_from(url) not in invitation.token_hash
    assert invitation.token_hash == services.hash_token(token_from(url))


def test_invitation_is_emailed_with_its_link(organisation):
    _invitation, url = services.invite(organisation, "New@Sunrise.example", "owner", None)
    assert mail.outbox[0].to == ["new@sunrise.example"]
    assert url in mail.outbox[0].body
    assert url in mail.outbox[0].alternatives[0][0]


def test_invitation_page_lets_a_new_person_set_a_password(client, organisation):
    _invitation, url = services.invite(organisation, "new@sunrise.example", "editor", None)
    path = url.removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    response = client.post(
        path, {"full_name": "Nadia", "new_password1": "a long new password", "new_password2": "a long new password"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new@sunrise.example")
    assert membership.organisation == organisation
    assert membership.role == "editor"
    assert client.get("/manage/").status_code == 200


def test_invitation_cannot_be_used_twice(client, organisation):
    _invitation, url = services.invite(organisation, "new@sunrise.example", "owner", None)
    path = url.removeprefix("http://127.0.0.1:8000")
    client.post(path, {"new_password1": "a long new password", "new_password2": "a long new password"})
    client.post("/accounts/logout/")
    response = client.get(path)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_expired_invitation_is_refused(client, organisation):
    invitation, url = services.invite(organisation, "new@sunrise.example", "owner", None)
    Invitation.objects.filter(pk=invitation.pk).update(expires=timezone.now() - timedelta(minutes=1))
    response = client.post(
        url.removeprefix("http://127.0.0.1:8000"),
        {"new_password1": "a long new password", "new_password2": "a long new password"},
    )
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not Membership.objects.exists()


def test_invitations_expire_after_14_days(organisation):
    invitation, _url = services.invite(organisation, "new@sunrise.example", "owner", None)
    assert timedelta(days=13, hours=23) < invitation.expires - timezone.now() <= timedelta(days=14)


def test_unknown_invitation_token_is_404(client):
    assert client.get("/accounts/invitation/not-a-real-token/").status_code == 404


def test_invitation_refuses_a_weak_password(client, organisation):
    _invitation, url = services.invite(organisation, "new@sunrise.example", "owner", None)
    response = client.post(
        url.removeprefix("http://127.0.0.1:8000"), {"new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not Membership.objects.exists()


def test_someone_with_an_account_logs_in_then_accepts(client, organisation):
    user = make_user(email="amina@sunrise.example")
    _invitation, url = services.invite(organisation, "amina@sunrise.example", "owner", None)
    path = url.removeprefix("http://127.0.0.1:8000")
    assert "Log in to accept" in client.get(path).content.decode()
    client.force_login(user)
    assert client.post(path).status_code == 302
    assert Membership.objects.filter(user=user, organisation=organisation, role="owner").exists()


def test_a_person_may_belong_to_several_organisations(client, organisation):
    user = make_member(make_organisation("Other Trust"), email="amina@sunrise.example").user
    _invitation, url = services.invite(organisation, user.email, "editor", None)
    client.force_login(user)
    client.post(url.removeprefix("http://127.0.0.1:8000"))
    assert user.memberships.count() == 2


def test_invitations_are_recorded_in_the_audit_log(organisation):
    services.invite(organisation, "new@sunrise.example", "owner", None)
    assert AuditEntry.objects.filter(action=Action.INVITATION_SENT, organisation=organisation).exists()


# --- The invite command -------------------------------------------------------------


def test_invite_command_prints_the_absolute_url_alone_on_the_last_line(organisation, settings):
    settings.SITE_URL = "https://directory.example.org"
    out = io.StringIO()
    call_command("invite", "sunrise", "new@sunrise.example", stdout=out)
    last = out.getvalue().rstrip("\n").splitlines()[-1]
    assert last.startswith("https://directory.example.org/accounts/invitation/")
    assert " " not in last
    assert Invitation.objects.get().token_hash == services.hash_token(token_from(last))


def test_invite_command_emails_the_invitation(organisation):
    call_command("invite", "sunrise", "new@sunrise.example", stdout=io.StringIO())
    assert mail.outbox[0].to == ["new@sunrise.example"]


def test_invite_command_rejects_an_unknown_organisation(db):
    with pytest.raises(CommandError, match="No organisation"):
        call_command("invite", "nowhere", "new@sunrise.example", stdout=io.StringIO())


def test_invite_command_rejects_a_bad_email(organisation):
    with pytest.raises(CommandError, match="not an email address"):
        call_command("invite", "sunrise", "not-an-email", stdout=io.StringIO())


# --- Teams --------------------------------------------------------------------------


def test_owner_invites_a_colleague_from_the_team_page(client, organisation):
    owner = make_member(organisation).user
    client.force_login(owner)
    invite = {"email": "colleague@sunrise.example", "role": "editor"}
    response = client.post("/manage/organisations/sunrise/team/", invite)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == ("colleague@sunrise.example", "editor", owner)


def test_team_page_refuses_to_invite_an_existing_member(client, organisation):
    owner = make_member(organisation).user
    client.force_login(owner)
    response = client.post("/manage/organisations/sunrise/team/", {"email": owner.email, "role": "editor"})
    assert "already in your team" in response.content.decode()
    assert not Invitation.objects.exists()


def test_team_page_refuses_a_garbage_email(client, organisation):
    client.force_login(make_member(organisation).user)
    response = client.post("/manage/organisations/sunrise/team/", {"email": "garbage", "role": "boss"})
    page = response.content.decode()
    assert 'href="#id_email"' in page
    assert 'href="#id_role_0"' in page
    assert not Invitation.objects.exists()


def test_owner_removes_a_colleague(client, organisation):
    owner = make_member(organisation).user
    editor = make_member(organisation, role="editor")
    client.force_login(owner)
    client.post(f"/manage/organisations/sunrise/team/{editor.pk}/remove/")
    assert not Membership.objects.filter(pk=editor.pk).exists()


def test_the_last_owner_cannot_be_removed(client, organisation):
    owner = make_member(organisation)
    client.force_login(owner.user)
    client.post(f"/manage/organisations/sunrise/team/{owner.pk}/remove/")
    assert Membership.objects.filter(pk=owner.pk).exists()


# --- Claims -------------------------------------------------------------------------


def test_claim_page_renders_for_a_published_organisation(client, organisation):
    assert client.get("/accounts/claim/sunrise/").status_code == 200


def test_claim_page_is_404_for_a_draft_organisation(client):
    make_organisation("Hidden", slug="hidden", status="draft")
    assert client.get("/accounts/claim/hidden/").status_code == 404


def test_a_claim_is_pending_and_moderators_are_told(client, organisation, moderator):
    response = client.post(
        "/accounts/claim/sunrise/", {"name": "Amina", "email": "amina@sunrise.example", "message": "I run it."}
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.state == ClaimState.PENDING
    assert mail.outbox[0].to == [moderator.email]


def test_a_claim_needs_a_name_and_email(client, organisation):
    response = client.post("/accounts/claim/sunrise/", {"name": "", "email": "garbage"})
    page = response.content.decode()
    assert 'href="#id_name"' in page
    assert 'href="#id_email"' in page
    assert not Claim.objects.exists()


def test_approving_a_claim_by_someone_without_an_account_sends_an_owner_invitation(organisation, moderator):
    claim = services.submit_claim(organisation, user=None, name="Amina", email="amina@sunrise.example")
    services.approve_claim(claim, moderator)
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED
    assert claim.reviewed_by == moderator
    assert Invitation.objects.get().role == "owner"


def test_approving_a_logged_in_persons_claim_makes_them_an_owner(organisation, moderator):
    user = make_user(email="amina@sunrise.example")
    claim = services.submit_claim(organisation, user=user, name="Amina", email=user.email)
    services.approve_claim(claim, moderator)
    assert Membership.objects.get(user=user).role == "owner"


def test_refusing_a_claim_emails_the_reason(organisation, moderator):
    claim = services.submit_claim(organisation, user=None, name="Amina", email="amina@sunrise.example")
    mail.outbox.clear()
    services.refuse_claim(claim, moderator, "We could not reach you at the organisation.")
    assert "We could not reach you" in mail.outbox[0].body
    assert not Membership.objects.exists()


def test_a_claim_is_reviewed_only_once(organisation, moderator):
    claim = services.submit_claim(organisation, user=None, name="Amina", email="amina@sunrise.example")
    services.refuse_claim(claim, moderator, "No.")
    with pytest.raises(services.ClaimAlreadyReviewed):
        services.approve_claim(claim, moderator)


def test_moderators_approve_claims_from_the_admin(moderator_client, organisation, moderator):
    claim = services.submit_claim(organisation, user=None, name="Amina", email="amina@sunrise.example")
    response = moderator_client.post(f"/admin/accounts/claim/{claim.pk}/approve/")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED


def test_moderators_refuse_claims_from_the_admin_with_a_reason(moderator_client, organisation):
    claim = services.submit_claim(organisation, user=None, name="Amina", email="amina@sunrise.example")
    moderator_client.post(f"/admin/accounts/claim/{claim.pk}/refuse/", {"reason": "Not known to the charity."})
    claim.refresh_from_db()
    assert (claim.state, claim.reason) == (ClaimState.REFUSED, "Not known to the charity.")


def test_moderators_invite_from_the_admin_add_form(moderator_client, organisation):
    response = moderator_client.post(
        "/admin/accounts/invitation/add/",
        {"email": "first@sunrise.example", "organisation": organisation.pk, "role": "owner"},
    )
    assert response.status_code == 302
    assert Invitation.objects.get().email == "first@sunrise.example"
    assert mail.outbox[0].to == ["first@sunrise.example"]


def test_the_audit_log_is_read_only_in_the_admin(moderator_client, organisation):
    services.invite(organisation, "new@sunrise.example", "owner", None)
    entry = AuditEntry.objects.get(action=Action.INVITATION_SENT)
    assert moderator_client.get("/admin/accounts/auditentry/").status_code == 200
    assert moderator_client.get("/admin/accounts/auditentry/add/").status_code == 403
    assert moderator_client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/").status_code == 403


def test_public_organisation_page_links_to_the_claim_form(client, db):
    from tests.factories import make_organisation

    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise-wellbeing")
    content = client.get(organisation.get_absolute_url()).content.decode()
    assert 'href="/accounts/claim/sunrise-wellbeing/"' in content
