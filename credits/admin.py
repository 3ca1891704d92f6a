"""Django admin of the registry: the system administrator's view of every row.

Nothing that holds or moves credits is edited here. Balances, statuses, account numbers and serial
ranges are read-only; blocks, transactions, issuances and the ledger are never added, changed or deleted
in the admin (they change only through credits.services, which lock, check and audit). Registries and
accounts are opened through the services too (the API or the registry pages); the admin may only
correct an account's name, audited by ``AuditedModelAdmin``. Who may move credits (second approval,
thresholds, trusted accounts) is not the system administrator's to change: see docs/credits.md.
"""

from __future__ import annotations

from django.contrib import admin

from core.admin import AuditedModelAdmin, ReadOnlyModelAdmin

from .models import (
    Account,
    AccountRepresentative,
    CreditBlock,
    CreditTransaction,
    Issuance,
    LedgerEntry,
    Registry,
    SerialCounter,
)


class NoAddOrDelete:
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Registry)
class RegistryAdmin(NoAddOrDelete, AuditedModelAdmin):
    list_display = ("name", "country", "operated_by", "created_at")
    list_select_related = ("country", "operated_by")
    search_fields = ("name", "country__code", "country__name")
    readonly_fields = ("country", "operated_by", "created_at")
    fields = ("name", "country", "operated_by", "created_at")


class RepresentativeInline(admin.TabularInline):
    """Representatives are named and removed by the registry administrators through the services."""

    model = AccountRepresentative
    extra = 0
    fields = ("user", "can_initiate", "can_approve")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(NoAddOrDelete, AuditedModelAdmin):
    list_display = ("number", "name", "type", "registry", "holder", "status", "balance", "requires_approval")
    list_filter = ("registry", "type", "status", "requires_approval")
    search_fields = ("number", "name", "holder__name")
    list_select_related = ("registry__country", "holder")
    fields = ("number", "registry", "type", "name", "holder", "requires_approval", "approval_threshold", "status",
              "balance", "opened_at", "closed_at")
    readonly_fields = ("number", "registry", "type", "holder", "requires_approval", "approval_threshold", "balance",
                       "opened_at", "closed_at")
    workflow_fields = ("status",)
    inlines = [RepresentativeInline]


class LedgerInline(admin.TabularInline):
    model = LedgerEntry
    fk_name = "transaction"
    extra = 0
    fields = ("block", "first_serial", "last_serial", "quantity", "from_account", "to_account", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditTransaction)
class CreditTransactionAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "reference", "kind", "status", "from_account", "to_account", "quantity", "initiator",
                    "created_at", "completed_at")
    list_filter = ("kind", "status", "registry")
    search_fields = ("id", "beneficiary", "purpose", "from_account__number", "to_account__number",
                     "idempotency_key")
    list_select_related = ("registry__country", "from_account", "to_account", "initiator")
    date_hierarchy = "created_at"
    inlines = [LedgerInline]


@admin.register(CreditBlock)
class CreditBlockAdmin(ReadOnlyModelAdmin):
    list_display = ("__str__", "quantity", "status", "account", "project_code", "vintage", "authorization")
    list_filter = ("status", "authorization", "issuing_registry", "vintage")
    search_fields = ("project_code", "account__number")
    list_select_related = ("issuing_registry__country", "account")


@admin.register(Issuance)
class IssuanceAdmin(ReadOnlyModelAdmin):
    list_display = ("monitoring_period_key", "registry", "quantity", "vintage", "authorization", "issued_at")
    list_filter = ("registry", "authorization", "vintage")
    search_fields = ("monitoring_period_key", "project_code")
    list_select_related = ("registry__country",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "transaction", "first_serial", "last_serial", "quantity", "from_account", "to_account",
                    "created_at")
    list_select_related = ("transaction__registry__country", "from_account", "to_account")
    search_fields = ("transaction__id",)


@admin.register(SerialCounter)
class SerialCounterAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "next_serial")
