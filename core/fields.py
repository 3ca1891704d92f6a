"""Form pieces every app's browser forms share: the registry's form base (labels above their fields, no
colon), a date input the browser shows as a date picker, and the name of an object in the page's
language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language


class RegistryForm(forms.Form):
    """Labels sit above their fields, so they carry no colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def localized_name(obj: Any, attribute: str = "name") -> str:
    """The Japanese or Mongolian name (``<attribute>_ja``, ``<attribute>_mn``) of a country, organization
    or scope when the page is in that language and it has one, else ``<attribute>``."""
    language = (get_language() or "")[:2]
    if language in ("ja", "mn"):
        translated = getattr(obj, f"{attribute}_{language}", "")
        if translated:
            return translated
    return getattr(obj, attribute)


__all__ = ["DateInput", "RegistryForm", "localized_name"]
