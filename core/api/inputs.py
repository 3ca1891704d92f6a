"""Input validation for write endpoints, with the same error body as a refused service call.

A view validates the request with an input serializer, then calls one service. Both kinds of
refusal reach the client as ``{"detail", "code", "errors": {field: [messages]}}``: a malformed
field (wrong type, missing) from here, a refused action from the service (ApplicationError).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.errors import ApplicationError


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"field" or "field.0.sub": [messages]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "non_field_errors" if key in ("non_field_errors", "__all__") and not prefix else key
            for field, messages in flatten_errors(value, f"{prefix}.{name}" if prefix else str(name)).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, item in enumerate(detail):
            if item:
                for field, messages in flatten_errors(item, f"{prefix}.{index}").items():
                    out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        out[prefix or "non_field_errors"] = [str(item) for item in detail]
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def validated_input(
    serializer_class: type[serializers.Serializer],
    data: Any,
    *,
    partial: bool = False,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate ``data`` with ``serializer_class``; raise ApplicationError (400) with field messages."""
    serializer = serializer_class(data=data, partial=partial, context=context or {})
    if not serializer.is_valid():
        errors = flatten_errors(serializer.errors)
        first_field, first_messages = next(iter(errors.items()))
        where = "" if first_field == "non_field_errors" else f"{first_field}: "
        raise ApplicationError(f"Invalid input. {where}{first_messages[0]}", errors=errors)
    return dict(serializer.validated_data)
