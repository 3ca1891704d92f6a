"""Small helpers every service uses: transition checks, row locks in primary-key order, validated saves and
snapshots of field values for the audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import models

from .errors import ApplicationError, Conflict


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


def validated_save(obj: models.Model, *, update_fields: list[str] | None = None, exclude: list[str] | None = None) -> None:
    """``full_clean`` then save; model and constraint errors become an ApplicationError with field messages."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        first = next(iter(errors.values()))[0] if errors else "Invalid input."
        raise ApplicationError(first, errors={("non_field_errors" if k == "__all__" else k): v
                                              for k, v in errors.items()}) from exc
    obj.save(update_fields=update_fields)


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """Field values for the audit trail (foreign keys by id)."""
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        if isinstance(field, models.FileField):
            value = value.name if value else ""
        out[name] = value
    return out
