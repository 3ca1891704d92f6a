"""Tasks of the composition root: the audit chain's anchor (beat entry ``audit-anchor``)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from core import audit


@shared_task
def anchor_audit_head() -> dict[str, Any] | None:
    """Append the audit chain's head to the anchor file outside the database (docs/security.md)."""
    return audit.write_anchor()
