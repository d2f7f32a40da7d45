"""Outgoing email leaves the request.

Every email is rendered where it is written (the words and links are fixed then) and
handed to `queue`, which enqueues the `deliver` task with the prepared message. With
the database task backend the task is a row written in the caller's transaction, so
a change and the message telling people about it are saved together or not at all;
`manage.py db_worker` sends it. A slow mail server never holds up a page, and one
that is down never fails a request or loses a message: each failed attempt is
recorded (a failed task, with its traceback) and a new attempt queued for later,
RETRY_DELAYS apart, before we give up and log an error. Once a message is sent, or
handed on to its next attempt, its task row keeps only the subject.

Django's task framework has no retries of its own, hence the attempt count here.
"""

import logging
from datetime import timedelta

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.utils import timezone
from django_tasks import TaskContext, default_task_backend, task

logger = logging.getLogger(__name__)

# Waits before the 2nd, 3rd, ... attempt: a mail server down for most of a day is covered.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
)


def prepare(message: EmailMessage) -> dict:
    """The message as JSON-ready data, which is what a task may carry."""
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
    }


def queue(message: EmailMessage) -> None:
    """Send `message` from the task worker. Call it inside the transaction that saves the
    change the message is about."""
    deliver.enqueue(prepare(message))


@task(takes_context=True)
def deliver(context: TaskContext, message: dict, attempt: int = 1) -> None:
    """Send one prepared message; if the mail server fails, queue another attempt for later."""
    fields = {name: value for name, value in message.items() if name != "alternatives"}
    email = EmailMultiAlternatives(**fields)
    for content, mimetype in message["alternatives"]:
        email.attach_alternative(content, mimetype)
    try:
        email.send()
    except Exception:
        if attempt > len(RETRY_DELAYS):
            # Kept in full on the failed task, for a moderator or the site's admin to act on.
            logger.exception("Gave up sending %r after %d attempts.", message["subject"], attempt)
            raise
        delay = RETRY_DELAYS[attempt - 1]
        logger.warning("Sending %r failed; trying again in %s.", message["subject"], delay, exc_info=True)
        retry = deliver.using(run_after=timezone.now() + delay) if default_task_backend.supports_defer else deliver
        retry.enqueue(message, attempt + 1)
        _forget(context, message)
        raise
    _forget(context, message)


def _forget(context: TaskContext, message: dict) -> None:
    """Blank the message on its finished task row (database backend only). Invitation and
    password reset emails carry links that work like passwords, which we otherwise store
    only hashed; the row keeps the subject and how many it was for."""
    row = getattr(context.task_result, "db_result", None)
    if row is not None:
        recipients = len(message["to"]) + len(message["cc"]) + len(message["bcc"])
        summary = {"subject": message["subject"], "recipients": recipients}
        type(row).objects.filter(pk=row.pk).update(args_kwargs={"args": [summary], "kwargs": {}})
