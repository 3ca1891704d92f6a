"""The one domain error type that every service raises when it refuses an action.

The API maps it to a 4xx response with field messages (core.api.exceptions);
the browser shows it on the form (core.forms.run_service and place_error).
"""

from __future__ import annotations


class ApplicationError(Exception):
    """A refused action. ``errors`` maps field names to messages for forms and the API."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, list[str]] | None = None,
                 code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.errors: dict[str, list[str]] = dict(errors or {})
        if field:
            self.errors.setdefault(field, []).append(message)

    def __str__(self) -> str:
        return self.message


class NotAllowed(ApplicationError):
    """The actor may not do this (HTTP 403)."""

    status_code = 403
    default_code = "permission_denied"


class NotFound(ApplicationError):
    status_code = 404
    default_code = "not_found"


class Conflict(ApplicationError):
    """The object is not in a state that allows the action (HTTP 409)."""

    status_code = 409
    default_code = "conflict"
