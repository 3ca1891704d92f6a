"""The API's pagination: page numbers by default (settings ``DEFAULT_PAGINATION_CLASS``), keyset (cursor)
pagination for the long lists that clients walk to the end."""

from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection
from rest_framework import exceptions, pagination
from rest_framework.request import Request


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class InvalidCursor(exceptions.APIException):
    status_code = 400
    default_code = "invalid_cursor"
    default_detail = ("The cursor is not valid: follow the “next” or “previous” link of a page "
                      "instead of writing a cursor.")


class KeysetPagination(pagination.CursorPagination):
    """Keyset pagination on a unique column: each page is one index range scan, never an OFFSET.

    A subclass names the column (``ordering``); follow ``next``: page 10,000 costs what page 1 costs.
    A cursor that is not one the API made (not base64, an offset that is not a number, a position the
    column cannot hold) is refused with a 400 ``invalid_cursor`` before any query runs."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_cursor_message = InvalidCursor.default_detail

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list | None:
        self._model = getattr(queryset, "model", None)
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise InvalidCursor() from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: Any) -> None:
        ordering = self.ordering[0] if isinstance(self.ordering, list | tuple) else self.ordering
        model = getattr(self, "_model", None)
        if model is None or not isinstance(ordering, str):
            return
        try:
            field = model._meta.get_field(ordering.lstrip("-"))
        except FieldDoesNotExist:
            return
        try:
            value = field.to_python(position)
        except (ValidationError, ValueError, TypeError):
            raise InvalidCursor() from None
        if isinstance(value, int):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            if (low is not None and value < low) or (high is not None and value > high):
                raise InvalidCursor()
