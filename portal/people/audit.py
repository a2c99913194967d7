"""The audit log of HR actions."""

from __future__ import annotations

from typing import Any

from portal.core.extensions import db
from portal.people.models import AuditEntry, User


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def record(
    actor: User | None,
    action: str,
    target: User | None = None,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    subject: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        subject=subject[:160] if subject else None,
        actor_id=actor.id if actor else None,
        target_user_id=target.id if target else None,
        action=action,
        field=field,
        old_value=_text(old),
        new_value=_text(new),
    )
    db.session.add(entry)
    return entry


def record_changes(
    actor: User | None,
    target: User | None,
    action: str,
    changes: dict[str, tuple[Any, Any]],
    subject: str | None = None,
) -> None:
    """One entry per changed field: {"joining_date": (old, new), ...}."""
    for field, (old, new) in changes.items():
        record(actor, action, target, field, old, new, subject=subject)
