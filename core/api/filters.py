"""The API's filter backend: django-filter, with an invalid filter refused like any invalid input.

It is the default filter backend of every API view (settings ``DEFAULT_FILTER_BACKENDS``, before DRF's
search and ordering filters). ``apply_filters`` does the same for a view that filters a queryset itself.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import FilterSet
from django_filters.rest_framework import DjangoFilterBackend

from core.errors import ApplicationError


class FilterBackend(DjangoFilterBackend):
    """django-filter, with an invalid filter refused with a 400 that names the field:
    ``{"detail": "Invalid filter. <field>: <message>", "code": "invalid", "errors": {field: [messages]}}``."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        filterset = self.get_filterset(request, queryset, view)
        return queryset if filterset is None else apply_filters(filterset)


def apply_filters(filterset: FilterSet) -> QuerySet:
    """The filtered queryset, or ApplicationError (400) with the messages of each invalid filter."""
    if not filterset.is_valid():
        errors = {field: [str(m) for m in messages] for field, messages in filterset.errors.items()}
        field, messages = next(iter(errors.items()))
        raise ApplicationError(f"Invalid filter. {field}: {messages[0]}", errors=errors)
    return filterset.qs
