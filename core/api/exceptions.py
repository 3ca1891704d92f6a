"""Map every refusal to one error body: ``{"detail": message, "code": code, "errors": {field: [messages]}}``.

The domain error (ApplicationError), Django's ValidationError and DRF's own exceptions (a malformed body,
a filter or page that is not valid, not logged in, no such object, method not allowed, ...) all answer
with the same shape, so a client reads every 4xx the same way; ``errors`` is there when fields are named.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError

from .inputs import flatten_errors


def _invalid(errors: dict[str, list[str]]) -> dict[str, Any]:
    first_field, first_messages = next(iter(errors.items()), ("non_field_errors", ["Invalid input."]))
    where = "" if first_field == "non_field_errors" else f"{first_field}: "
    return {"detail": f"Invalid input. {where}{first_messages[0]}", "code": "invalid", "errors": errors}


def _code(exc: Exception, status_code: int) -> str:
    """The code of a DRF exception; for Django's Http404 and PermissionDenied, DRF's equivalent's."""
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        return codes if isinstance(codes, str) else exc.default_code
    return {404: exceptions.NotFound.default_code, 403: exceptions.PermissionDenied.default_code}.get(
        status_code, "error")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        if exc.errors:
            body["errors"] = exc.errors
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(_invalid(errors), status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _invalid(flatten_errors(exc.detail))
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {**response.data, "detail": str(response.data["detail"]),
                         "code": response.data.get("code") or _code(exc, response.status_code)}
    return response
