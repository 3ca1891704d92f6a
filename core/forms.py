"""Browser forms call services; a refused action lands on the page, every message of it.

A view validates its form (and formsets), then calls ONE service through :func:`run_service`. If the
service refuses (``ApplicationError``), :func:`place_error` puts each message where it belongs: on the
field it names (after renaming the service's field names to the form's with ``aliases``), on the formset
row that ``rows`` maps the name to, on the formset of that name, else on the form as a non-field error.
No message is ever dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from django import forms

from .errors import ApplicationError

T = TypeVar("T")


def place_error(error: ApplicationError, form: forms.BaseForm, *,
                formsets: Mapping[str, forms.BaseFormSet] | None = None,
                rows: Mapping[str, forms.BaseForm] | None = None,
                aliases: Mapping[str, str] | None = None) -> None:
    """Put every message of ``error`` on the page (see the module's docstring)."""
    if not error.errors:
        form.add_error(None, error.message)
        return
    for key, messages in error.errors.items():
        name = (aliases or {}).get(key, key)
        for message in messages:
            if name in form.fields:
                form.add_error(name, message)
            elif rows and name in rows:
                rows[name].add_error(None, message)
            elif formsets and name in formsets:
                formsets[name].non_form_errors().append(message)
            else:
                form.add_error(None, message)


def all_valid(form: forms.BaseForm, *formsets: forms.BaseFormSet) -> bool:
    """Validate the form and every formset (all of them, so that every error shows at once)."""
    valid = form.is_valid()
    for formset in formsets:
        valid = formset.is_valid() and valid
    return valid


def run_service(form: forms.BaseForm, call: Callable[[], T], *formsets: forms.BaseFormSet,
                aliases: Mapping[str, str] | None = None,
                rows: Mapping[str, forms.BaseForm] | None = None,
                named_formsets: Mapping[str, forms.BaseFormSet] | None = None) -> T | None:
    """If the form and formsets are valid, call the ONE service and return what it returns; on invalid input
    or a refusal (placed on the page), ``None``."""
    if not all_valid(form, *formsets, *(named_formsets or {}).values()):
        return None
    try:
        return call()
    except ApplicationError as exc:
        place_error(exc, form, formsets=named_formsets, rows=rows, aliases=aliases)
        return None


def add_service_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Put an ApplicationError on a form (every message: named fields, else non-field)."""
    place_error(error, form)


__all__ = ["add_service_error", "all_valid", "place_error", "run_service"]
