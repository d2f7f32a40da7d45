"""Outgoing email leaves the request: it is queued with the change it tells about, and the
task worker sends it, trying a failing mail server again later instead of losing it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts import services
from accounts.models import Claim
from directory import outbox
from tests.factories import make_moderator, make_organisation, make_service, make_user
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CLAIM = {"name": "Amina", "email": "amina@sunrise.example", "role_at_organisation": "Coordinator", "message": ""}


class FlakyBackend(EmailBackend):
    """The test outbox, behind a mail server that fails the next `failures` sends."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("mail server down")
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.test_outbox.FlakyBackend"
    yield FlakyBackend
    FlakyBackend.failures = 0


@pytest.fixture
def queued(settings):
    """The production set-up: tasks kept in the database until a worker runs them."""
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def organisation(db):
    make_moderator()
    return make_organisation("Sunrise Wellbeing", slug="sunrise")


def run_worker(monkeypatch) -> None:
    """`manage.py db_worker --batch`: run every task that is due, then stop."""
    # The worker closes stale connections between tasks; here that would be the test's own.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--interval=0", "--no-startup-delay", verbosity=0)


def test_a_claim_is_saved_with_its_email_and_the_worker_sends_it(client, organisation, queued, monkeypatch):
    response = client.post("/accounts/claim/sunrise/", CLAIM)
    assert response.status_code == 302
    assert mail.outbox == []  # nothing was sent while the person waited
    task = DBTaskResult.objects.get()
    assert task.task_path == "directory.outbox.deliver"
    run_worker(monkeypatch)
    assert [message.subject for message in mail.outbox] == [mail.outbox[0].subject]
    assert mail.outbox[0].to == ["moderator@example.org"]
    assert mail.outbox[0].alternatives[0][1] == "text/html"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/claim/sunrise/", CLAIM),
        ("/accounts/password-reset/", {"email": "owner@sunrise.example"}),
        ("/services/circle/report/", {"kind": "closed", "details": "", "reply_email": "", "website": ""}),
    ],
)
def test_public_forms_queue_their_email_rather_than_send_it(client, organisation, queued, path, data):
    make_user(email="owner@sunrise.example")
    make_service("Talking circle", slug="circle", organisation=organisation)
    assert client.post(path, data).status_code == 302
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(task_path="directory.outbox.deliver").count() == 1


def test_an_email_is_not_queued_when_its_change_is_rolled_back(organisation, queued):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.submit_claim(organisation, user=None, name="Amina", email="amina@sunrise.example")
        raise RuntimeError("the change fails after the email was written")
    assert not Claim.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_request_succeeds_while_the_mail_server_is_down(client, organisation, flaky_mail):
    flaky_mail.failures = 100  # immediate tasks: the sending is tried in the request itself
    response = client.post("/accounts/claim/sunrise/", CLAIM)
    assert response.status_code == 302
    assert Claim.objects.filter(email="amina@sunrise.example").exists()


def test_a_failing_mail_server_means_a_later_send_not_a_lost_message(
    client, organisation, queued, flaky_mail, monkeypatch
):
    flaky_mail.failures = 1
    assert client.post("/accounts/claim/sunrise/", CLAIM).status_code == 302
    run_worker(monkeypatch)
    assert mail.outbox == []
    failed = DBTaskResult.objects.get(status="FAILED")
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["args"][1] == 2  # the second attempt
    assert retry.run_after > timezone.now() + timedelta(seconds=30)  # not hammering the server
    assert "mail server down" in failed.traceback

    run_worker(monkeypatch)
    assert mail.outbox == []  # the retry waits for its time
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker(monkeypatch)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["moderator@example.org"]


def test_sending_gives_up_after_the_last_attempt_and_keeps_the_message(flaky_mail, queued, monkeypatch):
    flaky_mail.failures = 1
    message = outbox.prepare(mail.EmailMessage("Subject", "Body", "from@example.org", ["to@example.org"]))
    outbox.deliver.enqueue(message, len(outbox.RETRY_DELAYS) + 1)
    run_worker(monkeypatch)
    task = DBTaskResult.objects.get()
    assert task.status == "FAILED"
    assert task.args_kwargs["args"][0]["body"] == "Body"  # for a person to act on


def test_a_sent_invitation_link_is_not_kept_in_the_task_queue(organisation, queued, monkeypatch):
    _invitation, url = services.invite(organisation, "new@sunrise.example", "editor", None)
    run_worker(monkeypatch)
    assert url in mail.outbox[0].body
    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL"
    assert url not in str(task.args_kwargs)
    assert task.args_kwargs["args"] == [{"subject": mail.outbox[0].subject, "recipients": 1}]


def test_a_retried_message_is_kept_only_on_its_next_attempt(client, organisation, queued, flaky_mail, monkeypatch):
    flaky_mail.failures = 1
    client.post("/accounts/claim/sunrise/", CLAIM)
    run_worker(monkeypatch)
    failed = DBTaskResult.objects.get(status="FAILED")
    retry = DBTaskResult.objects.get(status="READY")
    assert "body" not in failed.args_kwargs["args"][0]
    assert "Amina" in retry.args_kwargs["args"][0]["body"]


def test_a_prepared_message_keeps_everything_the_email_had():
    original = mail.EmailMultiAlternatives(
        "Subject", "Body", "from@example.org", ["to@example.org"], reply_to=["reply@example.org"]
    )
    original.attach_alternative("<p>Body</p>", "text/html")
    outbox.queue(original)  # the immediate backend of the tests: sent at once
    sent = mail.outbox[0]
    assert (sent.subject, sent.body, sent.from_email, sent.to, sent.reply_to) == (
        "Subject",
        "Body",
        "from@example.org",
        ["to@example.org"],
        ["reply@example.org"],
    )
    assert sent.alternatives[0][0] == "<p>Body</p>"
