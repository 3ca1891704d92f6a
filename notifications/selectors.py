"""Reads of the inbox and the webhooks, scoped to the user: one's own notices only; the webhooks of the
countries whose ministry the user is (system administrators: all), as notifications.access allows."""

from __future__ import annotations

from django.db.models import QuerySet

from committee.models import Country
from committee.roles import Viewer
from core.access import is_authenticated, is_system_admin
from core.errors import NotFound

from .access import ministry_country_ids
from .models import Notification, NotificationPreference, WebhookDelivery, WebhookEndpoint


def inbox(user: Viewer, *, unread: bool = False) -> QuerySet[Notification]:
    if not is_authenticated(user):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(read_at__isnull=True) if unread else qs


def unread_count(user: Viewer) -> int:
    return inbox(user, unread=True).count()


def as_pk(pk: object) -> int | None:
    """An object id from a URL or a form: a positive whole number, else None (no object has that id)."""
    text = str(pk).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def notification_get(user: Viewer, pk: object) -> Notification:
    number = as_pk(pk)
    notification = inbox(user).filter(pk=number).first() if number is not None else None
    if notification is None:
        raise NotFound("There is no such notification in your inbox.")
    return notification


def preferences(user: Viewer) -> QuerySet[NotificationPreference]:
    if not is_authenticated(user):
        return NotificationPreference.objects.none()
    return NotificationPreference.objects.filter(user=user)


def webhook_countries(user: Viewer) -> QuerySet[Country]:
    """The countries whose webhooks the user manages (access.can_manage_webhooks)."""
    if is_system_admin(user):
        return Country.objects.all()
    return Country.objects.filter(pk__in=ministry_country_ids(user))


def endpoints(user: Viewer) -> QuerySet[WebhookEndpoint]:
    qs = WebhookEndpoint.objects.select_related("country", "owner")
    if is_system_admin(user):
        return qs
    return qs.filter(country_id__in=ministry_country_ids(user))


def endpoint_get(user: Viewer, pk: object) -> WebhookEndpoint:
    number = as_pk(pk)
    endpoint = endpoints(user).filter(pk=number).first() if number is not None else None
    if endpoint is None:
        raise NotFound("There is no such webhook endpoint among yours.")
    return endpoint


def deliveries(user: Viewer) -> QuerySet[WebhookDelivery]:
    qs = WebhookDelivery.objects.select_related("endpoint__country")
    if is_system_admin(user):
        return qs
    return qs.filter(endpoint__country_id__in=ministry_country_ids(user))


def delivery_get(user: Viewer, pk: object) -> WebhookDelivery:
    number = as_pk(pk)
    delivery = deliveries(user).filter(pk=number).first() if number is not None else None
    if delivery is None:
        raise NotFound("There is no such webhook delivery among yours.")
    return delivery
