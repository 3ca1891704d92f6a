"""Queue notices to people. Services call :func:`notify` inside their transaction; the notice is
stored with the transaction and e-mailed by a Celery task only after it commits."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .models import Notification


def notify(*, recipients: Iterable, kind: str, key: str, subject: str, body: str = "", url: str = "") -> list[int]:
    """Store one notification per distinct recipient (idempotent per ``key``) and e-mail it after commit."""
    created: list[int] = []
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        notification, was_created = Notification.objects.get_or_create(
            recipient=user, key=key[:200], defaults={"kind": kind, "subject": subject[:300], "body": body, "url": url}
        )
        if was_created:
            created.append(notification.pk)
    if created:
        from .tasks import send_notification_email

        transaction.on_commit(lambda: [send_notification_email.delay(pk) for pk in created])
    return created
