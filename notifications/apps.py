from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import notices

        from . import services, webhooks  # noqa: F401  (webhooks subscribe to the domain events)

        notices.install(services.notify)
