"""Admin pages of the notification channels. Endpoints, deliveries and attempts are read-only here: they
change through their services (notifications.webhooks), as the replay and rotate-secret actions do.
Preferences are personal settings, editable with an audited save. """

from django.contrib import admin

from core.admin import AuditedModelAdmin, ReadOnlyModelAdmin, service_action
from notifications import webhooks

from .models import Notification, NotificationPreference, WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(Notification)
class NotificationAdmin(AuditedModelAdmin):
    list_display = ("created_at", "recipient", "kind", "subject", "read_at", "emailed_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter), ("emailed_at", admin.EmptyFieldListFilter))
    search_fields = ("subject", "key", "recipient__username", "recipient__email")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient",)
    readonly_fields = ("created_at",)
    workflow_fields = ("key", "emailed_at")

    def has_add_permission(self, request):
        return False  # notices are queued by services (notifications.services.notify)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(AuditedModelAdmin):
    list_display = ("user", "scope", "email", "webhook", "updated_at")
    list_filter = ("email", "webhook")
    search_fields = ("user__username", "user__email", "scope")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyModelAdmin):
    list_display = ("url", "country", "owner", "is_active", "created_at")
    list_filter = ("is_active", "country")
    search_fields = ("url", "description", "country__name", "country__code", "owner__username")
    list_select_related = ("country", "owner")
    exclude = ("secret",)
    actions = [service_action(webhooks.webhook_endpoint_rotate_secret, description="Make a new signing secret",
                              arg="endpoint")]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "duration_ms", "status_code", "error", "replay")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyModelAdmin):
    list_display = ("event", "endpoint", "status", "attempt_count", "created_at", "delivered_at")
    list_filter = ("status", "event")
    search_fields = ("event", "event_key", "delivery_id", "endpoint__url", "endpoint__country__name")
    list_select_related = ("endpoint__country",)
    date_hierarchy = "created_at"
    inlines = [WebhookAttemptInline]
    actions = [service_action(webhooks.webhook_delivery_replay, description="Replay", arg="delivery")]


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyModelAdmin):
    list_display = ("delivery", "number", "started_at", "status_code", "duration_ms", "replay")
    list_filter = ("replay",)
    search_fields = ("error", "delivery__event", "delivery__endpoint__url")
    list_select_related = ("delivery__endpoint",)
