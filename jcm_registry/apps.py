from django.apps import AppConfig


class JcmRegistryConfig(AppConfig):
    name = "jcm_registry"
    verbose_name = "JCM Registry (core)"
