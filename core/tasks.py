"""Celery helpers shared by the apps' ``tasks.py``.

:func:`task` is ``celery.shared_task`` that can also register the task under the name it had before it moved
(``legacy_name``), so that messages already queued and beat schedules written under the old name still run.
Old names are kept for one release (docs/architecture.md lists them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task


def task(*, legacy_name: str | None = None, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    def register(function: Callable[..., Any]) -> Any:
        if legacy_name:
            shared_task(name=legacy_name, **options)(function)
        return shared_task(**options)(function)
    return register
