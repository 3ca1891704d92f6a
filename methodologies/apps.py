from django.apps import AppConfig


class MethodologiesConfig(AppConfig):
    name = "methodologies"
