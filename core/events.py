"""Domain events: what services announce after their transaction commits.

A service calls ``emit("credits.retirement.completed", transaction_id=txn.pk)`` inside its
transaction; subscribers (documents, notifications, webhooks) run only after the commit, so
a rolled-back action announces nothing. Subscribers take plain ids and should enqueue Celery
tasks rather than do slow work themselves.

    from core.events import subscriber

    @subscriber("credits.retirement.completed")
    def make_certificate(event, payload): ...

Subscribers are registered at import time; apps import their subscriber modules in
``AppConfig.ready()``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Handler = Callable[[str, dict[str, Any]], None]
_subscribers: dict[str, list[Handler]] = defaultdict(list)


def subscriber(*events: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for event in events:
            if handler not in _subscribers[event]:
                _subscribers[event].append(handler)
        return handler
    return register


def emit(event: str, **payload: Any) -> None:
    """Announce ``event`` to its subscribers once the current transaction commits."""
    transaction.on_commit(lambda: _dispatch(event, payload))


def _dispatch(event: str, payload: dict[str, Any]) -> None:
    for handler in list(_subscribers.get(event, ())) + list(_subscribers.get("*", ())):
        handler(event, payload)


def subscribers(event: str) -> list[Handler]:
    return list(_subscribers.get(event, ()))
