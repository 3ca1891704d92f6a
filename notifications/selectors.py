"""Reads of the inbox and the webhooks, scoped to the user: one's own notices only; the webhooks of the
countries whose ministry the user is (system administrators: all)."""

from __future__ import annotations

from django.db.models import QuerySet

from committee.choices import Role
from committee.models import Country
from committee.roles import active_roles, is_system_admin
from core.errors import NotFound

from .models import Notification, NotificationPreference, WebhookDelivery, WebhookEndpoint


def inbox(user, *, unread: bool = False) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(read_at__isnull=True) if unread else qs


def unread_count(user) -> int:
    return inbox(user, unread=True).count()


def as_pk(pk) -> int | None:
    """An object id from a URL or a form: a positive whole number, else None (no object has that id)."""
    text = str(pk).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def notification_get(user, pk) -> Notification:
    pk = as_pk(pk)
    notification = inbox(user).filter(pk=pk).first() if pk is not None else None
    if notification is None:
        raise NotFound("There is no such notification in your inbox.")
    return notification


def preferences(user) -> QuerySet[NotificationPreference]:
    if not getattr(user, "is_authenticated", False):
        return NotificationPreference.objects.none()
    return NotificationPreference.objects.filter(user=user)


def ministry_country_ids(user) -> set[int]:
    return {r.country_id for r in active_roles(user) if r.role == Role.MINISTRY_API and r.country_id}


def is_ministry(user) -> bool:
    return bool(ministry_country_ids(user))


def may_use_webhooks(user) -> bool:
    return is_system_admin(user) or is_ministry(user)


def webhook_countries(user) -> QuerySet[Country]:
    """The countries whose webhooks the user manages."""
    if is_system_admin(user):
        return Country.objects.all()
    return Country.objects.filter(pk__in=ministry_country_ids(user))


def endpoints(user) -> QuerySet[WebhookEndpoint]:
    qs = WebhookEndpoint.objects.select_related("country", "owner")
    if is_system_admin(user):
        return qs
    return qs.filter(country_id__in=ministry_country_ids(user))


def endpoint_get(user, pk) -> WebhookEndpoint:
    pk = as_pk(pk)
    endpoint = endpoints(user).filter(pk=pk).first() if pk is not None else None
    if endpoint is None:
        raise NotFound("There is no such webhook endpoint among yours.")
    return endpoint


def deliveries(user) -> QuerySet[WebhookDelivery]:
    qs = WebhookDelivery.objects.select_related("endpoint__country")
    if is_system_admin(user):
        return qs
    return qs.filter(endpoint__country_id__in=ministry_country_ids(user))


def delivery_get(user, pk) -> WebhookDelivery:
    pk = as_pk(pk)
    delivery = deliveries(user).filter(pk=pk).first() if pk is not None else None
    if delivery is None:
        raise NotFound("There is no such webhook delivery among yours.")
    return delivery
