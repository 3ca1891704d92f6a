"""Helpers shared by the services of every app."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from .exceptions import ApplicationError


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
