"""Serializer fields every app's API uses."""

from rest_framework import serializers
from rest_framework.fields import empty


class InputBooleanField(serializers.BooleanField):
    """A boolean whose default also applies to HTML forms and multipart bodies that omit it.

    (DRF's BooleanField reads an HTML form's missing checkbox as ``False``, whatever its default.)"""

    default_empty_html = empty
