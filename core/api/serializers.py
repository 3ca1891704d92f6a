"""Serializers every app's API uses: the error body of a refusal, the input of an action without a body."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """A refused request: a message, a code and, where they apply, messages per field."""

    detail = serializers.CharField()
    code = serializers.CharField(help_text=_("invalid, permission_denied, not_found, conflict, ..."))
    # a field, not Serializer.errors: DRF's metaclass takes declared fields out of the class
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False)


class NoInput(serializers.Serializer):
    """An action without a request body."""
