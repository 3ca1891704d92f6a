"""Django admin: the base class every app's admin uses, and the admin of the core models.

The admin is the system administrator's escape hatch, so its writes are audited like the
services' writes: :class:`AuditedModelAdmin` saves and deletes inside one transaction together
with an ``admin.<app>.<model>.create|change|delete`` audit event naming the changed fields.
Workflow fields (status, publication time...) are read-only here: transitions go through the
services, which the admin reaches through actions (:func:`service_action`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.utils.html import format_html
from rest_framework.authtoken.models import TokenProxy

from . import audit
from .errors import ApplicationError
from .models import ApiToken, AuditEvent

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _jsonable(value: Any) -> Any:
    """A value of a form or model field as it is stored in an audit event (objects by id)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, models.QuerySet | list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    return value


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose every save and delete writes an audit event in the same transaction.

    ``workflow_fields`` are shown but never editable: their changes are transitions that only
    services make. ``audit_exclude`` names fields whose values never enter the audit trail.
    """

    workflow_fields: tuple[str, ...] = ()
    audit_exclude: tuple[str, ...] = ("password",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + [f for f in self.workflow_fields if f not in readonly]

    # --- audit helpers ----------------------------------------------------------------

    def audit_action(self, verb: str) -> str:
        opts = self.model._meta
        return f"admin.{opts.app_label}.{opts.model_name}.{verb}"

    def _audited_names(self, names: Iterable[str]) -> list[str]:
        model_fields = {f.name for f in self.model._meta.get_fields() if f.concrete or f.many_to_many}
        return [n for n in names if n in model_fields and n not in self.audit_exclude]

    def _value(self, obj: models.Model, form: forms.ModelForm, name: str) -> Any:
        field = self.model._meta.get_field(name)
        if field.many_to_many:
            return _jsonable(form.cleaned_data.get(name, []))
        return _jsonable(field.value_from_object(obj))

    def audit_snapshot(self, obj: models.Model) -> dict[str, Any]:
        """All concrete field values of ``obj`` (for deletions)."""
        names = self._audited_names(f.name for f in self.model._meta.concrete_fields)
        return {n: _jsonable(self.model._meta.get_field(n).value_from_object(obj)) for n in names}

    def audit_record(self, request: HttpRequest, verb: str, obj: models.Model, data: dict[str, Any],
                     message: str = "") -> None:
        audit.record(actor=request.user, action=self.audit_action(verb), target=obj, data=data, message=message)

    # --- writes -----------------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: models.Model, form: forms.ModelForm,
                   change: bool) -> None:
        names = self._audited_names(form.changed_data if change else form.cleaned_data)
        if change and not form.changed_data:
            return  # nothing changed: nothing written, nothing to audit
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            after = {n: self._value(obj, form, n) for n in names}
            if change:
                data = {"changes": after, "before": {n: _jsonable(form.initial.get(n)) for n in names}}
            else:
                data = {"fields": after}
            self.audit_record(request, "change" if change else "create", obj, data)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            self.audit_record(request, "delete", obj, {"fields": self.audit_snapshot(obj)})
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset.order_by("pk"):
                self.audit_record(request, "delete", obj, {"fields": self.audit_snapshot(obj)})
            super().delete_queryset(request, queryset)


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Viewable, never added, changed or deleted in the admin (histories and the audit trail)."""

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


AdminAction = Callable[[admin.ModelAdmin, HttpRequest, models.QuerySet[Any]], None]


def service_action(service: Callable[..., object], *, description: StrOrPromise, arg: str,
                   **extra: Any) -> AdminAction:
    """An admin action that calls ``service(actor=request.user, <arg>=obj, **extra)`` for each selected row.

    Each call is its own transaction (the service's); refusals are shown as messages.
    """

    @admin.action(description=description)
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        done = 0
        for obj in queryset.order_by("pk"):
            try:
                service(actor=request.user, **{arg: obj}, **extra)
                done += 1
            except ApplicationError as exc:
                modeladmin.message_user(request, f"{obj}: {exc}", messages.ERROR)
        if done:
            modeladmin.message_user(request, f"{description}: {done} done.", messages.SUCCESS)

    action.__name__ = f"{getattr(service, '__name__', 'service')}_action"
    return action


# --- the audit trail ---------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = ("seq", "created_at", "action", "actor_name", "target_type", "target_repr")
    list_filter = ("action", "target_type")
    search_fields = ("action", "actor_name", "target_repr", "target_id", "request_id", "message")
    date_hierarchy = "created_at"
    list_select_related = ("target_type",)
    fields = ("seq", "created_at", "actor", "actor_name", "action", "target_type", "target_id", "target_repr",
              "pretty_data", "message", "request_id", "prev_hash", "hash")
    readonly_fields = fields

    @admin.display(description="data")
    def pretty_data(self, obj: AuditEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=2, ensure_ascii=False, sort_keys=True))


# --- third-party models: the same admin pages, with audited writes -----------------------


def _reregister(model: type[models.Model], admin_class: type[admin.ModelAdmin]) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, admin_class)


class AuditedGroupAdmin(AuditedModelAdmin, BaseGroupAdmin):
    pass


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyModelAdmin):
    """API tokens, seen and revoked (audited); their owners make them in the browser (/accounts/tokens/), where
    the key is shown once. Only the digest is stored, and it is not shown here."""

    list_display = ("name", "user", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("name", "user__username", "prefix")
    exclude = ("digest",)
    readonly_fields = ("user", "name", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: models.QuerySet[ApiToken]) -> None:
        from .auth import tokens

        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke(token, actor=request.user)
        self.message_user(request, "Revoked.", messages.SUCCESS)


_reregister(Group, AuditedGroupAdmin)
if admin.site.is_registered(TokenProxy):  # the plain tokens are gone (core.0003 hashed them)
    admin.site.unregister(TokenProxy)
