"""REST API of the inbox and the webhooks (put under /api/v1/ by ``register``, from the root URLconf).

- ``/notifications/``: the caller's own notices (``?unread=true``); ``POST /notifications/{id}/read/`` and
  ``POST /notifications/read-all/`` mark them read.
- ``/notification-preferences/``: the caller's channels per kind or category (POST sets one scope).
- ``/webhook-endpoints/``: a ministry's endpoints (its country's; administrators: all); the secret only in
  the answer to registering one and to
  ``POST /webhook-endpoints/{id}/rotate-secret/``.
- ``/webhook-deliveries/``: the delivery log with every attempt; ``POST /webhook-deliveries/{id}/replay/``.

Every resource is the caller's own (login or token needed). Each write validates its body and calls one
service (notifications.services / notifications.webhooks); core.api.views.ServiceViewSet is the plumbing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from committee.models import Country
from committee.roles import acting_user
from core.api.views import ServiceGenericViewSet, ServiceViewSet
from core.errors import ApplicationError, NotFound

from . import selectors, webhooks
from . import services as notifications
from .models import (
    DeliveryStatus,
    Notification,
    NotificationPreference,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

TRUE = {"1", "true", "yes", "on"}


class NotificationSerializer(serializers.ModelSerializer):
    category = serializers.SerializerMethodField()
    absolute_url = serializers.SerializerMethodField()
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "category", "subject", "body", "url", "absolute_url", "created_at", "read_at",
                  "is_read", "emailed_at"]

    def get_category(self, obj: Notification) -> str:
        return notifications.category_of(obj.kind)

    def get_absolute_url(self, obj: Notification) -> str:
        return notifications.absolute_url(obj.url)

    def get_is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


@extend_schema(tags=["notifications"])
class NotificationViewSet(ServiceViewSet):
    """Your notifications, newest first. ``?unread=true`` lists the unread ones (``count``: how many)."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    lookup_value_regex = "[0-9]+"
    model = Notification

    def read_queryset(self) -> QuerySet:
        unread = str(self.request.query_params.get("unread", "")).lower() in TRUE
        return selectors.inbox(self.request.user, unread=unread)

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="Only unread notifications")])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = notifications.notification_mark_read(
            actor=acting_user(request.user), notification=selectors.notification_get(request.user, pk))
        return self.respond(notification)

    @extend_schema(request=None,
                   responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": notifications.notification_mark_all_read(actor=acting_user(request.user))})


class PreferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = NotificationPreference
        fields = ["id", "scope", "email", "webhook", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class PreferenceInput(serializers.Serializer):
    scope = serializers.CharField(max_length=80)
    email = serializers.BooleanField(default=True)
    webhook = serializers.BooleanField(default=True)


@extend_schema(tags=["notifications"])
class PreferenceViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, ServiceGenericViewSet):
    """Your choice of channels per notification kind (``credits.issued``), category (``credits``) or ``*``.
    The most specific scope applies; without one, e-mail and webhooks are on. The inbox always gets the
    notice."""

    serializer_class = PreferenceSerializer
    input_serializers = {"create": PreferenceInput}
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    lookup_value_regex = "[0-9]+"
    model = NotificationPreference
    selector = staticmethod(selectors.preferences)
    read_actions = ("destroy",)  # one's own preferences only

    @extend_schema(request=PreferenceInput, responses=PreferenceSerializer)
    def create(self, request: Request) -> Response:
        preference = notifications.preference_set(actor=acting_user(request.user),
                                                  **self.input(PreferenceInput))
        return self.respond(preference, status_code=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: NotificationPreference) -> None:
        notifications.preference_delete(actor=acting_user(self.request.user), preference=instance)


class EndpointSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "country", "owner", "url", "description", "event_kinds", "is_active",
                  "created_at", "updated_at"]
        read_only_fields = fields


class EndpointWithSecretSerializer(EndpointSerializer):
    """The answer to registering an endpoint and to a new secret: the only times the secret is shown."""

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class EndpointInput(serializers.Serializer):
    country = serializers.SlugRelatedField(slug_field="code", queryset=Country.objects.all())
    url = serializers.CharField(max_length=500)
    event_kinds = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class EndpointUpdateInput(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False)
    event_kinds = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


@extend_schema(tags=["webhooks"])
class EndpointViewSet(ServiceViewSet):
    """The webhook endpoints of your ministry's country (system administrators: all). The ``secret`` signs
    every payload (Standard Webhooks: ``webhook-signature``; docs/notifications.md). It is in the answer to
    registering an endpoint and to ``rotate-secret`` only."""

    serializer_class = EndpointSerializer
    input_serializers = {"create": EndpointInput, "partial_update": EndpointUpdateInput}
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    lookup_value_regex = "[0-9]+"
    model = WebhookEndpoint
    selector = staticmethod(selectors.endpoints)

    def write_queryset(self) -> QuerySet:
        return WebhookEndpoint.objects.select_related("country")

    @extend_schema(request=EndpointInput, responses={201: EndpointWithSecretSerializer})
    def create(self, request: Request) -> Response:
        endpoint = webhooks.webhook_endpoint_create(actor=acting_user(request.user),
                                                    **self.input(EndpointInput))
        return self.respond(endpoint, EndpointWithSecretSerializer, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=EndpointUpdateInput, responses=EndpointSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        data = self.input(EndpointUpdateInput, partial=True)
        endpoint = webhooks.webhook_endpoint_update(actor=acting_user(request.user),
                                                    endpoint=self._endpoint(pk), **data)
        return self.respond(endpoint)

    @extend_schema(request=None, responses=EndpointWithSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        endpoint = webhooks.webhook_endpoint_rotate_secret(actor=acting_user(request.user),
                                                           endpoint=self._endpoint(pk))
        return self.respond(endpoint, EndpointWithSecretSerializer)

    def _endpoint(self, pk: str | None) -> WebhookEndpoint:
        # Writes look among all endpoints, so that someone else's endpoint answers 403 (the service), not 404.
        number = selectors.as_pk(pk)
        endpoint = self.write_queryset().filter(pk=number).first() if number else None
        if endpoint is None:
            raise NotFound("There is no such webhook endpoint.")
        return endpoint


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "duration_ms", "status_code", "error", "replay"]


class DeliverySerializer(serializers.ModelSerializer):
    delivery_id = serializers.UUIDField(read_only=True)
    attempts = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "delivery_id", "endpoint", "event", "event_key", "status", "attempt_count",
                  "created_at", "last_attempt_at", "delivered_at", "payload", "attempts"]


@extend_schema(tags=["webhooks"], parameters=[
    OpenApiParameter("endpoint", int), OpenApiParameter("status", str, enum=DeliveryStatus.values),
    OpenApiParameter("event", str)])
class DeliveryViewSet(ServiceViewSet):
    """The delivery log of your endpoints, newest first, with every attempt (status code, error, duration)."""

    serializer_class = DeliverySerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    lookup_value_regex = "[0-9]+"
    model = WebhookDelivery

    def read_queryset(self) -> QuerySet:
        qs = selectors.deliveries(self.request.user).prefetch_related("attempts")
        params = self.request.query_params
        if params.get("endpoint"):
            endpoint = selectors.as_pk(params["endpoint"])
            if endpoint is None:
                raise ApplicationError("Give the endpoint's id (a number).", field="endpoint")
            qs = qs.filter(endpoint_id=endpoint)
        if params.get("status"):
            if params["status"] not in DeliveryStatus.values:
                raise ApplicationError(f"The status is one of {', '.join(DeliveryStatus.values)}.", field="status")
            qs = qs.filter(status=params["status"])
        if params.get("event"):
            if "\x00" in params["event"]:
                raise ApplicationError("Null characters are not allowed.", field="event")
            qs = qs.filter(event=params["event"])
        return qs

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str | None = None) -> Response:
        number = selectors.as_pk(pk)
        delivery = self.write_queryset().filter(pk=number).first() if number else None
        if delivery is None:
            raise NotFound("There is no such webhook delivery.")
        webhooks.webhook_delivery_replay(actor=acting_user(request.user), delivery=delivery)
        delivery = self.read_queryset().filter(pk=number).first() or delivery
        return self.respond(delivery, status_code=status.HTTP_202_ACCEPTED)


def register(api_router: BaseRouter) -> None:
    api_router.register("notifications", NotificationViewSet, basename="notification")
    api_router.register("notification-preferences", PreferenceViewSet, basename="notification-preference")
    api_router.register("webhook-endpoints", EndpointViewSet, basename="webhook-endpoint")
    api_router.register("webhook-deliveries", DeliveryViewSet, basename="webhook-delivery")
