"""Small helpers every service uses: transition checks and row locks in primary-key order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import models

from .exceptions import Conflict


def check_transition(transitions: Mapping[str, Iterable[str]], current: str, target: str, *, what: str,
                     labels: Mapping[str, str] | None = None) -> None:
    """Raise ``Conflict`` unless ``current -> target`` is listed in ``transitions``."""
    if target not in set(transitions.get(current, ())):
        labels = labels or {}
        raise Conflict(
            f"{what} cannot go from “{labels.get(current, current)}” to “{labels.get(target, target)}”.",
            field="status",
        )


def lock(model_or_qs, pk=None):
    """Lock rows with SELECT ... FOR UPDATE in primary-key order (a fixed order avoids deadlocks).

    ``lock(Model, pk)`` returns one locked instance; ``lock(queryset)`` returns a list.
    """
    qs = model_or_qs._default_manager.all() if isinstance(model_or_qs, type) else model_or_qs
    if pk is not None:
        return qs.select_for_update(of=("self",)).get(pk=pk)
    return list(qs.select_for_update(of=("self",)).order_by("pk"))


def relock(instance: models.Model) -> models.Model:
    """Re-read ``instance`` under a row lock, so that the service checks the current state."""
    return lock(type(instance), instance.pk)
