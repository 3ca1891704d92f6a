"""Notification models: the in-app inbox, preferences, webhook endpoints and deliveries.

The in-app inbox is ``Notification``. Besides it a user may receive a notice by e-mail, and a ministry's
systems receive events by webhook:

- ``NotificationPreference``: per user and *scope* (a notification kind such as ``credits.issued``, a
  category such as ``credits``, or ``*`` for everything) whether e-mail and webhooks are wanted. The
  inbox always gets the notice. The most specific scope wins; without any row both are on.
- ``WebhookEndpoint``: an HTTPS URL of a partner-country (or Japanese) ministry, with the secret that
  signs the payloads, for the events of that country.
- ``WebhookDelivery``: one event for one endpoint, unique per event key and endpoint, so that a
  re-run task never sends a second, different delivery; ``WebhookAttempt`` logs every try.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["DeliveryStatus", "Notification", "NotificationPreference", "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint"]


class Notification(models.Model):
    """A notice to one user: stored (the in-app inbox) and e-mailed by a Celery task after commit.

    ``key`` is unique per event and recipient, so queuing the same notice twice stores it once.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=80)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "jcm_registry_notification"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_recipient")]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"


class NotificationPreference(models.Model):
    """Whether a user wants notices of one kind or category by e-mail (and, for ministries, by webhook)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    scope = models.CharField(
        _("kind or category"), max_length=80,
        help_text=_("A notification kind (credits.issued), a category (credits) or * for all."))
    email = models.BooleanField(_("by e-mail"), default=True)
    webhook = models.BooleanField(_("to my webhooks"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "jcm_registry_notificationpreference"
        ordering = ["user", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["user", "scope"], name="notification_preference_once"),
            models.CheckConstraint(condition=Q(scope__regex=r"^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*)$"),
                                   name="notification_preference_scope_format"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.scope}"


class WebhookEndpoint(models.Model):
    """Where a ministry's system receives the registry's events for its country, signed with ``secret``."""

    country = models.ForeignKey("committee.Country", on_delete=models.PROTECT,
                                related_name="webhook_endpoints",
                                help_text=_("The government whose events this endpoint receives."))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="webhook_endpoints",
                              help_text=_("The ministry user whose own notifications are also sent here."))
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(max_length=100, editable=False)
    description = models.CharField(max_length=200, blank=True)
    event_kinds = models.JSONField(_("events"), default=list, blank=True,
                                   help_text=_("Event patterns such as credits.* ; empty means every event."))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "jcm_registry_webhookendpoint"
        ordering = ["country__code", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(url__startswith="https://") | Q(url__startswith="http://"),
                                   name="webhook_endpoint_url_http"),
        ]

    def __str__(self) -> str:
        return f"{self.country.code} {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint. ``delivery_id`` is sent as ``X-JCM-Delivery``: receivers use it to
    recognise a delivery they have already processed (a retry or a replay carries the same id)."""

    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries")
    event = models.CharField(max_length=100, db_index=True)
    event_key = models.CharField(max_length=200,
                                 help_text=_("Identifies the event: one delivery per endpoint."))
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "jcm_registry_webhookdelivery"
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_key"], name="webhook_delivery_once_per_event"),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values),
                                   name="webhook_delivery_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="webhook_delivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint.url}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what the endpoint answered, or why it could not be reached."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    replay = models.BooleanField(default=False,
                                 help_text=_("Sent because someone asked to replay the delivery."))

    class Meta:
        db_table = "jcm_registry_webhookattempt"
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"],
                                               name="webhook_attempt_number_unique")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error[:40]}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
