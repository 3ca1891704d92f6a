from django.apps import AppConfig


class JcmRegistryConfig(AppConfig):
    """The composition root: settings, URLs, the Celery app and the commands that span apps. It has no models
    of its own; its migrations are the history of the models that moved to core, documents and notifications."""

    name = "jcm_registry"
    verbose_name = "JCM Registry"
