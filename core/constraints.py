"""Helpers for model constraints shared by every app."""

from django.db.models import Choices, Q


def choices_check(field: str, choices: type[Choices]) -> Q:
    """A CheckConstraint condition: ``field`` holds one of the values of a TextChoices class."""
    return Q(**{f"{field}__in": [value for value, _label in choices.choices]})
