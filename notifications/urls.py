"""Pages of the inbox and the webhooks (under /inbox/). The API viewsets are registered by
``notifications.api.register`` (called from the root URLconf)."""

from django.urls import path

from . import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox_list, name="list"),
    path("<int:pk>/open/", views.inbox_open, name="open"),
    path("<int:pk>/read/", views.inbox_mark_read, name="mark-read"),
    path("read-all/", views.inbox_mark_all_read, name="mark-all-read"),
    path("preferences/", views.preferences, name="preferences"),
    path("webhooks/", views.webhook_list, name="webhook-list"),
    path("webhooks/new/", views.webhook_create, name="webhook-create"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="webhook-detail"),
    path("webhooks/<int:pk>/edit/", views.webhook_edit, name="webhook-edit"),
    path("webhooks/<int:pk>/rotate-secret/", views.webhook_rotate_secret, name="webhook-rotate-secret"),
    path("webhooks/deliveries/<int:pk>/", views.delivery_detail, name="delivery-detail"),
    path("webhooks/deliveries/<int:pk>/replay/", views.delivery_replay, name="delivery-replay"),
]
