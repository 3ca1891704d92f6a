"""Small helpers every service uses: transition checks, row locks in primary-key order, values that a state
guarantees, validated saves and snapshots of field values for the audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet

from .errors import ApplicationError, Conflict

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # str or a lazy translation: the labels of a TextChoices

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")


def check_transition(transitions: Mapping[Any, Iterable[str]], current: str, target: str, *, what: str,
                     labels: Mapping[str, StrOrPromise] | None = None) -> None:
    """Raise ``Conflict`` unless ``current -> target`` is listed in ``transitions``.

    ``transitions`` maps a status to the statuses it may go to; its keys are typed ``Any`` because the maps
    are keyed by a TextChoices class (a ``str`` subclass) and a mapping's key type is invariant.
    """
    if target not in set(transitions.get(current, ())):
        labels = labels or {}
        raise Conflict(
            f"{what} cannot go from “{labels.get(current, current)}” to “{labels.get(target, target)}”.",
            field="status",
        )


@overload
def lock(model_or_qs: type[M] | QuerySet[M, Any], pk: Any) -> M: ...
@overload
def lock(model_or_qs: QuerySet[M, Any]) -> list[M]: ...
def lock(model_or_qs: type[M] | QuerySet[M, Any], pk: Any = None) -> M | list[M]:
    """Lock rows with SELECT ... FOR UPDATE in primary-key order (a fixed order avoids deadlocks).

    ``lock(Model, pk)`` or ``lock(queryset, pk)`` returns one locked instance; ``lock(queryset)`` returns
    a list.
    """
    qs = model_or_qs._default_manager.all() if isinstance(model_or_qs, type) else model_or_qs
    if pk is not None:
        return qs.select_for_update(of=("self",)).get(pk=pk)
    return list(qs.select_for_update(of=("self",)).order_by("pk"))


def relock(instance: M) -> M:
    """Re-read ``instance`` under a row lock, so that the service checks the current state."""
    return lock(type(instance), instance.pk)


def required(value: T | None, message: str, *, field: str = "status") -> T:
    """``value`` (a field that the object's state guarantees, such as the closing time of an open period);
    if it is missing after all, ``Conflict`` with ``message`` rather than a failure further on."""
    if value is None:
        raise Conflict(message, field=field)
    return value


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


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """Field values for the audit trail (foreign keys by id)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if not isinstance(field, models.Field):
            raise TypeError(f"{type(obj).__name__}.{name} is a reverse relation, not a field with a value.")
        value = getattr(obj, field.attname)
        if isinstance(field, models.FileField):
            value = value.name if value else ""
        out[name] = value
    return out
