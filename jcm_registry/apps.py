from django.apps import AppConfig


class JcmRegistryConfig(AppConfig):
    name = "jcm_registry"
    verbose_name = "JCM Registry (core)"

    def ready(self):
        from . import webhooks  # noqa: F401  (subscribes the webhooks to the domain events)
        from .documents import admin, subscribers  # noqa: F401  (documents made after the actions that commit)
        from .inbox import admin as inbox_admin  # noqa: F401  (admin pages of the notification channels)
