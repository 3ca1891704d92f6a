"""The one base of the API's viewsets: reads through a selector scoped to the user, writes through a service.

- Reads (GET) list and retrieve what the viewset's ``selector(user)`` returns, i.e. what this user may see;
  to anyone else an object does not exist (404). Lists are paged (page numbers by default, keyset pagination
  where a viewset names it, core.api.pagination) and filtered by the viewset's FilterSet (the default filter
  backend, core.api.filters, refuses an invalid filter with a 400).
- A write validates its body with an input serializer (``self.input``: a malformed body is a 400 with messages
  per field) and calls ONE service with ``actor=request.user``; the service decides whether this user may act
  (403) and whether the object's state allows it (409). The object a write addresses is looked up among all
  rows (``write_queryset``), so that a write by someone who may not make it is refused with 403, not hidden
  behind a 404.
- The answer of a write is the object as a read returns it, read again through the selector
  (``self.output``); an object of another kind is shown as the service returned it (``self.respond``).
- By default anyone reads, and writes need a session or a token, except the viewset's ``public_actions``.
- ``write_responses`` documents a write's answer and the refusals every write may give.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiResponse
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from .inputs import validated_input
from .parsers import PARSERS
from .serializers import ErrorSerializer

# The refusals every write may give, as the schema describes them; an app may word them for its resources.
REFUSALS: dict[int, str] = {
    400: "Invalid input (messages per field).",
    401: "Not logged in and no token.",
    403: "This user may not make this change.",
    404: "No such object.",
    409: "The object's state does not allow this.",
}


def write_responses(
    output: Any,
    *,
    created: bool = False,
    extra: Mapping[Any, Any] | None = None,
    refusals: Mapping[int, str] | None = None,
) -> dict:
    """The documented responses of a write: its output (201 if ``created``), ``extra`` answers, and the
    refusals every write may give, with the error body (``refusals`` rewords some of them)."""
    described = {**REFUSALS, **(refusals or {})}
    refused = {code: OpenApiResponse(ErrorSerializer, description=text) for code, text in described.items()}
    return {201 if created else 200: output, **(extra or {}), **refused}


class ServiceGenericViewSet(viewsets.GenericViewSet):
    """The plumbing of ServiceViewSet, without its list and detail (for a resource that has other reads)."""

    # Anyone reads (the selector decides what); writes need a login or a token, and the service decides
    # whether this user may make this change. (DRF's own class lets drf-spectacular mark reads as public.)
    permission_classes: list[type[BasePermission]] = [IsAuthenticatedOrReadOnly]
    parser_classes = PARSERS
    model: type[Model]
    # the selector of the resource: ``selector = staticmethod(selectors.<resource>_list)``, called with the user
    selector: Callable[[Any], QuerySet]
    # the output of a retrieve, when it shows more than the list
    detail_serializer_class: type[serializers.Serializer] | None = None
    # input serializers of create / partial_update, shown by the browsable API's forms
    input_serializers: dict[str, type[serializers.Serializer]] = {}
    # actions anyone may call, logged in or not
    public_actions: tuple[str, ...] = ()
    # write actions that address only what the user may read, like a read (e.g. a calculation)
    read_actions: tuple[str, ...] = ()

    def get_permissions(self) -> Sequence[Any]:
        if self.action in self.public_actions:
            return [AllowAny()]
        return super().get_permissions()

    # --- what a request addresses

    def get_queryset(self) -> QuerySet:
        if self.request.method in SAFE_METHODS or self.action in self.read_actions:
            return self.read_queryset()
        return self.write_queryset()

    def read_queryset(self) -> QuerySet:
        """What the user may read (the selector), with the relations the output needs."""
        return self.selector(self.request.user)

    def write_queryset(self) -> QuerySet:
        """Where a write looks for the object it addresses: every row (the service decides who may act)."""
        return self.model._default_manager.all()

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        method = self.request.method if self.request is not None else "GET"
        if method == "POST" and self.action in ("list", "create") and "create" in self.input_serializers:
            return self.input_serializers["create"]
        if (method in ("PATCH", "PUT") and self.action in ("retrieve", "partial_update")
                and "partial_update" in self.input_serializers):
            return self.input_serializers["partial_update"]
        if self.action == "retrieve" and self.detail_serializer_class is not None:
            return self.detail_serializer_class
        return super().get_serializer_class()

    # --- a write: input, then output

    def input_context(self) -> dict[str, Any]:
        """The context of an input serializer: the request and the view (nothing read for the output, which
        comes after the write)."""
        return {"request": self.request, "format": self.format_kwarg, "view": self}

    def input(self, serializer_class: type[serializers.Serializer], *, partial: bool = False) -> dict:
        """The request body validated by ``serializer_class``; a malformed one is refused with a 400."""
        return validated_input(serializer_class, self.request.data, partial=partial,
                               context=self.input_context())

    def respond(
        self,
        obj: Any,
        serializer_class: type[serializers.BaseSerializer] | None = None,
        *,
        status_code: int = status.HTTP_200_OK,
        context: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """``obj`` as ``serializer_class`` shows it (by default the resource's detail), as it is."""
        # the class's own serializers: an action's ``serializer_class`` is its input
        serializer_class = (serializer_class or type(self).detail_serializer_class
                            or type(self).serializer_class)
        if serializer_class is None:
            raise ImproperlyConfigured(f"{type(self).__name__} names no serializer_class")
        data = serializer_class(obj, context={**self.get_serializer_context(), **(context or {})}).data
        return Response(data, status=status_code, headers=headers)

    def output(
        self,
        obj: Any,
        serializer_class: type[serializers.BaseSerializer] | None = None,
        *,
        status_code: int = status.HTTP_200_OK,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """The object a service wrote, as a read returns it: read again through the selector."""
        return self.respond(self.reread(obj), serializer_class, status_code=status_code, headers=headers)

    def reread(self, obj: Any) -> Any:
        """``obj`` read again through the selector (as the service returned it if the selector does not show
        it to this user)."""
        return self.read_queryset().filter(pk=obj.pk).first() or obj

    # --- an action's own list

    def listing(self, queryset: QuerySet, serializer_class: type[serializers.BaseSerializer]) -> Response:
        """``queryset`` as a list: paged with the view's paginator if it has one."""
        page = self.paginate_queryset(queryset)
        if page is not None:
            data = serializer_class(page, many=True, context=self.get_serializer_context()).data
            return self.get_paginated_response(data)
        return Response(serializer_class(queryset, many=True, context=self.get_serializer_context()).data)


class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceGenericViewSet):
    """Shared behaviour: scoped reads through a selector, writes through one service each."""

    # Keep the docstring above one line: drf-spectacular describes the operations of a subclass without a
    # docstring of its own with it.
