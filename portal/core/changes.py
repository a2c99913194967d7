"""Saving an edit field by field: which values differ from what a row holds, set on the row,
and returned as {column: (old, new)} for the audit log and the confirmation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def apply_changes(target: object, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set on `target` each of `values` that differs from its own; returns those changes
    ({name: (old, new)}), empty when nothing differed."""
    changes = {
        name: (getattr(target, name), value)
        for name, value in values.items()
        if getattr(target, name) != value
    }
    for name, (_old, value) in changes.items():
        setattr(target, name, value)
    return changes
