"""The audit trail: every action worth answering for goes through log_action."""

from typing import Any

from django.db import models

from .models import AuditEntry, User


def log_action(
    action: str, user: User | None, data: dict[str, Any] | None = None, *, target=None, email: str = ""
) -> AuditEntry:
    """Record that `user` did `action` (an accounts.models.Action) to `target`, with details in `data`.

    `data` must be JSON-serialisable; for changes, give "before" and "after". `email` names
    who acted when nobody was logged in (the address an emailed one-tap link was sent to)."""
    organisation = None
    if target is not None:
        is_organisation = target._meta.model_name == "organisation"
        organisation = target if is_organisation else getattr(target, "organisation", None)
    authenticated = user is not None and user.is_authenticated
    return AuditEntry.objects.create(
        user=user if authenticated else None,
        user_email=user.email if authenticated else email,
        action=action,
        organisation=organisation,
        object_type=target._meta.model_name if isinstance(target, models.Model) else "",
        object_id=str(target.pk) if isinstance(target, models.Model) else "",
        object_repr=str(target)[:200] if target is not None else "",
        data=data or {},
    )
