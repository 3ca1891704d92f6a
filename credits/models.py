"""Each government's registry of JCM credits: accounts, serial-numbered blocks, and the ledger.

A credit block is a closed range of serial numbers ``[first_serial, last_serial]`` from one
system-wide counter, so ranges are unique across registries. Blocks are never deleted: a
partial move shrinks the block and creates a new one for the part that moves (``origin``
points back). Every movement is a row of the append-only ledger (``LedgerEntry``), so the
history of any single unit can be traced. PostgreSQL guards the invariants (see Meta).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.db.models import F, Func, Q, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.constraints import choices_check

from .choices import (
    AccountStatus,
    AccountType,
    Authorization,
    BlockStatus,
    CorrespondingAdjustment,
    TransactionKind,
    TransactionStatus,
)


class Int8Range(Func):
    """``int8range(first, last, '[]')``: the closed serial range of a block or ledger entry."""

    function = "int8range"
    output_field = models.BigIntegerField()  # only used inside constraints and indexes

    def __init__(self, first, last, **extra):
        super().__init__(first, last, Value("[]"), **extra)


class SerialCounter(models.Model):
    """The one system-wide serial number counter. ``next_serial`` is the first unused serial.

    Issuance reserves ``n`` serials with one ``UPDATE ... SET next_serial = next_serial + n``,
    so issuing a billion credits costs the same as issuing one.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    next_serial = models.BigIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="serial_counter_singleton"),
            models.CheckConstraint(condition=Q(next_serial__gte=1), name="serial_counter_positive"),
        ]

    def __str__(self) -> str:
        return f"next serial {self.next_serial}"


class Registry(models.Model):
    """One government's registry (Japan and each partner country)."""

    country = models.OneToOneField("committee.Country", on_delete=models.PROTECT, related_name="registry")
    name = models.CharField(max_length=200)
    operated_by = models.ForeignKey("committee.Country", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="operated_registries",
                                    help_text=_("Set when the registry runs on another government's system "
                                                "(e.g. Mongolia on Japan's); it stays a distinct registry."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["country__name"]
        verbose_name_plural = "registries"

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        return self.country.code

    def get_absolute_url(self) -> str:
        return reverse("credits:registry-detail", args=[self.country.code])


class Account(models.Model):
    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="accounts")
    number = models.CharField(max_length=20, unique=True)
    type = models.CharField(max_length=30, choices=AccountType.choices)
    name = models.CharField(max_length=200)
    holder = models.ForeignKey("committee.Organization", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="credit_accounts")
    status = models.CharField(max_length=10, choices=AccountStatus.choices, default=AccountStatus.OPEN)
    requires_approval = models.BooleanField(
        _("outgoing transactions need a second representative's approval"), default=False)
    balance = models.BigIntegerField(default=0, editable=False)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    representatives = models.ManyToManyField(settings.AUTH_USER_MODEL, through="AccountRepresentative",
                                             related_name="credit_accounts")

    # Not stored: set on the instance for a page.
    shown_blocks: list[CreditBlock]  # the first blocks of a represented account (credits.views)
    block_count: int  # ... and how many it holds
    actions: list[tuple[str, str]]  # the transactions the user may start from it (slug, label)

    class Meta:
        ordering = ["registry", "number"]
        constraints = [
            models.CheckConstraint(condition=choices_check("type", AccountType), name="account_type_valid"),
            models.CheckConstraint(condition=choices_check("status", AccountStatus), name="account_status_valid"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="account_balance_not_negative"),
            models.CheckConstraint(condition=Q(number__regex=r"^[A-Z]{2}-[0-9]{3}-[0-9]{6}$"),
                                   name="account_number_format"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("credits:account-detail", args=[self.number])


class AccountRepresentative(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="representative_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_links")
    can_initiate = models.BooleanField(default=True)
    can_approve = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "user"], name="account_representative_unique")]

    def __str__(self) -> str:
        return f"{self.user} for {self.account.number}"


class Issuance(models.Model):
    """One registry's issuance for one monitoring period, executing a Joint Committee decision."""

    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="issuances")
    decision = models.ForeignKey("committee.Decision", on_delete=models.PROTECT, related_name="issuances")
    project_code = models.CharField(max_length=10)
    monitoring_period_number = models.PositiveSmallIntegerField()
    monitoring_period_key = models.CharField(
        max_length=40, help_text=_("Identifies the monitoring period across apps, e.g. MN001/01."))
    vintage = models.PositiveSmallIntegerField()
    quantity = models.BigIntegerField()
    authorization = models.CharField(max_length=10, choices=Authorization.choices, default=Authorization.NONE)
    transaction = models.OneToOneField("CreditTransaction", on_delete=models.PROTECT, related_name="issuance_record")
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["monitoring_period_key", "registry"], name="issuance_once_per_period"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="issuance_quantity_positive"),
            models.CheckConstraint(condition=choices_check("authorization", Authorization), name="issuance_auth_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.registry.code} issuance {self.monitoring_period_key}: {self.quantity:,}"


class CreditTransaction(models.Model):
    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    status = models.CharField(max_length=10, choices=TransactionStatus.choices, default=TransactionStatus.PROPOSED)
    from_account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   help_text=_("Empty for an issuance, whose ledger entries name each account."))
    quantity = models.BigIntegerField()
    selection = models.JSONField(default=dict, blank=True,
                                 help_text=_("Which units: explicit serial range, block, project or vintage."))
    purpose = models.CharField(max_length=300, blank=True)
    beneficiary = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    initiator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)

    # Not stored: set on the transaction that transaction_initiate returns again for a repeated
    # idempotency key.
    replayed: bool

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=choices_check("kind", TransactionKind), name="txn_kind_valid"),
            models.CheckConstraint(condition=choices_check("status", TransactionStatus), name="txn_status_valid"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="txn_quantity_positive"),
            models.CheckConstraint(condition=Q(approver__isnull=True) | ~Q(approver=F("initiator")),
                                   name="txn_approver_is_another_person"),
            models.CheckConstraint(
                condition=Q(kind=TransactionKind.ISSUANCE, from_account__isnull=True)
                | (~Q(kind=TransactionKind.ISSUANCE) & Q(from_account__isnull=False) & Q(to_account__isnull=False)
                   & ~Q(from_account=F("to_account"))),
                name="txn_accounts_consistent",
            ),
            models.UniqueConstraint(fields=["initiator", "idempotency_key"], condition=Q(idempotency_key__isnull=False),
                                    name="txn_idempotency_key_unique"),
        ]
        indexes = [
            models.Index(fields=["from_account", "-created_at"], name="txn_from_idx"),
            models.Index(fields=["to_account", "-created_at"], name="txn_to_idx"),
            models.Index(fields=["status"], name="txn_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()} {self.quantity:,}"

    @property
    def reference(self) -> str:
        return f"{self.registry.code}-TX-{self.pk:08d}" if self.pk else "(new)"

    def get_absolute_url(self) -> str:
        return reverse("credits:transaction-detail", args=[self.pk])


class CreditBlock(models.Model):
    """A range of serial numbers held together in one account."""

    first_serial = models.BigIntegerField()
    last_serial = models.BigIntegerField()
    quantity = models.GeneratedField(expression=F("last_serial") - F("first_serial") + 1,
                                     output_field=models.BigIntegerField(), db_persist=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="blocks")
    status = models.CharField(max_length=10, choices=BlockStatus.choices, default=BlockStatus.ACTIVE)
    issuance = models.ForeignKey(Issuance, on_delete=models.PROTECT, related_name="blocks")
    issuing_registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="issued_blocks")
    project_code = models.CharField(max_length=10)
    monitoring_period_number = models.PositiveSmallIntegerField()
    vintage = models.PositiveSmallIntegerField()
    authorization = models.CharField(max_length=10, choices=Authorization.choices, default=Authorization.NONE)
    corresponding_adjustment = models.CharField(max_length=15, choices=CorrespondingAdjustment.choices,
                                                default=CorrespondingAdjustment.NOT_APPLICABLE)
    first_transferred_at = models.DateTimeField(null=True, blank=True)
    origin = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="splits")
    # the range of ``origin`` when this block was cut from it (the origin shrinks, and may shrink again):
    # recorded by the database at the split (migration credits 0007), empty for issued blocks
    split_from_first = models.BigIntegerField(null=True, blank=True, editable=False)
    split_from_last = models.BigIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(CreditTransaction, on_delete=models.PROTECT, related_name="created_blocks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_serial"]
        constraints = [
            models.CheckConstraint(condition=Q(first_serial__gte=1), name="block_first_serial_positive"),
            models.CheckConstraint(condition=Q(last_serial__gte=F("first_serial")), name="block_range_ordered"),
            models.CheckConstraint(condition=choices_check("status", BlockStatus), name="block_status_valid"),
            models.CheckConstraint(condition=choices_check("authorization", Authorization), name="block_auth_valid"),
            ExclusionConstraint(
                name="block_serials_never_overlap",
                expressions=[(Int8Range("first_serial", "last_serial"), RangeOperators.OVERLAPS)],
                violation_error_message="These serial numbers are already held in another block.",
            ),
            # With no overlaps the first serial identifies a block; the btree index serves lookups and order.
            models.UniqueConstraint(fields=["first_serial"], name="block_first_serial_unique"),
        ]
        indexes = [
            models.Index(fields=["account", "status", "first_serial"], name="block_account_idx"),
            models.Index(fields=["issuance"], name="block_issuance_idx"),
            models.Index(fields=["project_code", "vintage"], name="block_project_idx"),
        ]

    def __str__(self) -> str:
        from .serials import format_block

        return format_block(self)

    @property
    def split_from_label(self) -> str:
        """The printed range the block was cut from (its origin as it was then), if recorded."""
        if self.origin is None or self.split_from_first is None or self.split_from_last is None:
            return ""
        from .serials import format_range

        origin = self.origin
        return format_range(registry=origin.issuing_registry.country.code, project=origin.project_code,
                            period=origin.monitoring_period_number, vintage=origin.vintage,
                            first=self.split_from_first, last=self.split_from_last)

    def get_absolute_url(self) -> str:
        return reverse("credits:block-detail", args=[self.pk])


class LedgerEntry(models.Model):
    """One movement of one serial range (append-only). Replaying the entries of completed
    transactions gives every account's holdings; ``manage.py reconcile`` checks it."""

    transaction = models.ForeignKey(CreditTransaction, on_delete=models.PROTECT, related_name="entries")
    block = models.ForeignKey(CreditBlock, on_delete=models.PROTECT, related_name="entries")
    first_serial = models.BigIntegerField()
    last_serial = models.BigIntegerField()
    quantity = models.GeneratedField(expression=F("last_serial") - F("first_serial") + 1,
                                     output_field=models.BigIntegerField(), db_persist=True)
    from_account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(last_serial__gte=F("first_serial")), name="entry_range_ordered"),
            models.CheckConstraint(condition=Q(first_serial__gte=1), name="entry_first_serial_positive"),
        ]
        indexes = [
            GistIndex(Int8Range("first_serial", "last_serial"), name="entry_serial_range_idx"),
            models.Index(fields=["from_account"], name="entry_from_idx"),
            models.Index(fields=["to_account"], name="entry_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id}: {self.first_serial}-{self.last_serial}"


class LedgerMovement(models.Model):
    """One side of a ledger entry of a completed transaction: units into (``incoming``) or out of one account.

    Read-only, from the SQL view ``credits_ledgermovement`` (migration ``0003``): each entry of a completed
    transaction gives one incoming row for its receiving account and, unless it is an issuance, one outgoing
    row for its sending account. Summing ``delta`` replays the ledger; ``credits.selectors.ledger_movements``
    is the one reader of it (statements, reconciliation, the Article 6.2 report).
    """

    pk = models.CompositePrimaryKey("entry", "incoming")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.DO_NOTHING, related_name="+")
    incoming = models.BooleanField()
    transaction = models.ForeignKey(CreditTransaction, on_delete=models.DO_NOTHING, related_name="+")
    block = models.ForeignKey(CreditBlock, on_delete=models.DO_NOTHING, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.DO_NOTHING, related_name="+")
    counterparty = models.ForeignKey(Account, null=True, on_delete=models.DO_NOTHING, related_name="+",
                                     help_text=_("The other account of the entry; none for an issuance."))
    first_serial = models.BigIntegerField()
    last_serial = models.BigIntegerField()
    quantity = models.BigIntegerField()
    delta = models.BigIntegerField(help_text=_("The quantity, negative when the units leave the account."))
    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    completed_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "credits_ledgermovement"

    def __str__(self) -> str:
        return f"{self.transaction_id}: {self.delta:+} in account {self.account_id}"
