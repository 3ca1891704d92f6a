"""Serializers of the registry (credits) API.

Output serializers (``<Model>Serializer``) describe what a read returns; they never save. Input
serializers (``<Action>Input``) only check the shape of a write's body; whether the actor may act and
whether the move is allowed is decided by ``credits.services``.

Registries are named by their country's ISO code (``MN``), accounts by account number
(``MN-200-000001``), users by username, organizations, blocks, transactions and issuances by numeric
id. A serial number may be sent as a number or as one printed unit (``JP-MN001-01-2015-000000000007``).

Who sees what: the public sees every account (number, type, holder, status) but a balance, a block's
account number and the account numbers of a block's history only where the reader may see that
account (``selectors.private_account_ids``, passed in the context as ``private_ids``); otherwise
those fields are ``null`` and only the account's type and registry are shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from committee.models import Organization, User
from core.api.fields import InputBooleanField
from core.errors import ApplicationError
from projects.models import IssuanceRequest

from ..choices import AccountStatus, AccountType, Authorization, TransactionKind
from ..models import Account, CreditBlock, CreditTransaction, Issuance, LedgerEntry, Registry
from ..serials import MAX_SERIAL, format_block, format_range, parse
from ..services import MAX_QUANTITY

if TYPE_CHECKING:
    from ..selectors import AccountTypeTotal

INITIATED_KINDS = [(k.value, k.label) for k in (TransactionKind.TRANSFER, TransactionKind.EXTERNAL_TRANSFER,
                                                   TransactionKind.CANCELLATION, TransactionKind.RETIREMENT)]


def visible(context: dict, account_id: int | None) -> bool:
    """May the reader see this account's number, balance and blocks?"""
    ids = context.get("private_ids", set())
    return account_id is not None and (ids is None or account_id in ids)


def _url(name: str, context: dict, *args) -> str:
    return reverse(name, args=args, request=context.get("request"))


# --- fields ---------------------------------------------------------------------------------------------

@extend_schema_field(OpenApiTypes.STR)
class RegistryField(serializers.RelatedField):
    """A registry, written as its country's ISO code (``JP``, ``MN``)."""

    default_error_messages = {
        "does_not_exist": _("There is no registry of the country “{value}”."),
        "invalid": _("Give the registry's country ISO code, e.g. JP."),
    }

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Registry.objects.select_related("country"))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return self.get_queryset().get(country__code=data.strip().upper())
        except Registry.DoesNotExist:
            self.fail("does_not_exist", value=data)

    def to_representation(self, value) -> str:
        return value.country.code


@extend_schema_field(OpenApiTypes.STR)
class AccountField(serializers.RelatedField):
    """An account, written as its number (``MN-200-000001``)."""

    default_error_messages = {
        "does_not_exist": _("There is no account {value}."),
        "invalid": _("Give the account number, e.g. MN-200-000001."),
    }

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Account.objects.select_related("registry__country"))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        number = data.strip().upper()
        found = getattr(self.parent, "accounts_found", None)  # the parent looked up its accounts at once
        if found is not None and number in found:
            return found[number]
        try:
            return self.get_queryset().get(number=number)
        except Account.DoesNotExist:
            self.fail("does_not_exist", value=data)

    def to_representation(self, value) -> str:
        return value.number


@extend_schema_field(OpenApiTypes.INT64)
class SerialNumberField(serializers.Field):
    """One serial number: a whole number, or one unit as printed (``JP-MN001-01-2015-000000000007``)."""

    default_error_messages = {
        "invalid": _("Give one serial number, e.g. 7 or JP-MN001-01-2015-000000000007."),
        "range": _("Give a single unit here, not a range."),
    }

    def to_internal_value(self, data) -> int:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            if not 1 <= data <= MAX_SERIAL:
                raise serializers.ValidationError(_("Serial numbers run from 1 to 9223372036854775807."))
            return data
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            parsed = parse(data)
        except ApplicationError as exc:
            raise serializers.ValidationError(exc.message) from exc
        if parsed.first != parsed.last:
            self.fail("range")
        return parsed.first

    def to_representation(self, value) -> int:
        return value


def username_field(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all(), **kwargs)


# --- registries -----------------------------------------------------------------------------------------

class TotalSerializer(serializers.Serializer):
    """Accounts and credits held per account type (what the registry publishes)."""

    type = serializers.ChoiceField(choices=AccountType.choices)
    label = serializers.CharField()
    accounts = serializers.IntegerField()
    credits = serializers.IntegerField()


class AnnualSummarySerializer(serializers.Serializer):
    """Completed transactions of one kind in one year (the annual transactions summary, tCO2e)."""

    year = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TransactionKind.choices)
    transactions = serializers.IntegerField()
    credits = serializers.IntegerField()


class RegistrySerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True, help_text=_("ISO code of the registry's country."))
    url = serializers.HyperlinkedIdentityField(view_name="registry-detail", lookup_field="code",
                                               lookup_url_kwarg="code")
    country = serializers.CharField(source="country.name", read_only=True)
    operated_by = serializers.CharField(source="operated_by.code", read_only=True, allow_null=True,
                                        help_text=_("Set when the registry runs on another government's system."))
    links = serializers.SerializerMethodField()

    class Meta:
        model = Registry
        fields = ["code", "url", "name", "country", "operated_by", "created_at", "links"]

    def get_links(self, obj: Registry) -> dict[str, str]:
        """Its totals, annual summary, Article 6.2 report, and the filtered lists of its rows."""
        code, c = obj.code, self.context
        return {
            "totals": _url("registry-totals", c, code),
            "annual_summary": _url("registry-annual-summary", c, code),
            "article6": _url("registry-article6", c, code),
            "accounts": f"{_url('account-list', c)}?registry={code}",
            "blocks": f"{_url('block-list', c)}?registry={code}",
            "issuances": f"{_url('issuance-list', c)}?registry={code}",
            "retirements": f"{_url('retirement-list', c)}?registry={code}",
        }


class RegistryDetailSerializer(RegistrySerializer):
    totals = serializers.SerializerMethodField()

    class Meta(RegistrySerializer.Meta):
        fields = [*RegistrySerializer.Meta.fields, "totals"]

    @extend_schema_field(TotalSerializer(many=True))
    def get_totals(self, obj: Registry) -> list[dict]:
        return self.context.get("totals", [])


def totals_rows(rows: list[AccountTypeTotal]) -> list[dict[str, Any]]:
    """Every account type (zeros included) from ``selectors.totals_by_account_type`` of one registry."""
    found = {row["type"]: row for row in rows}
    out = []
    for value, label in AccountType.choices:
        row = found.get(value)
        out.append({"type": value, "label": str(label), "accounts": row["accounts"] if row else 0,
                    "credits": (row["credits"] if row else 0) or 0})
    return out


# --- accounts ---------------------------------------------------------------------------------------------

class HolderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "short_name"]


class AccountSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="account-detail", lookup_field="number")
    registry = RegistryField(read_only=True)
    holder = HolderSerializer(read_only=True, allow_null=True)
    balance = serializers.SerializerMethodField()

    class Meta:
        model = Account
        fields = ["number", "url", "registry", "type", "name", "holder", "status", "requires_approval",
                  "approval_threshold", "opened_at", "closed_at", "balance"]

    def get_balance(self, obj: Account) -> int | None:
        """Credits held; null unless you represent the account or administer (or are the ministry of) its
        registry."""
        return obj.balance if visible(self.context, obj.pk) else None


class RepresentativeSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.get_full_name")
    can_initiate = serializers.BooleanField()
    can_approve = serializers.BooleanField()


class AccountDetailSerializer(AccountSerializer):
    representatives = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "representatives", "links"]

    @extend_schema_field(RepresentativeSerializer(many=True, allow_null=True))
    def get_representatives(self, obj: Account) -> list[dict] | None:
        """The people who act for the account (null unless you may see the account)."""
        if not visible(self.context, obj.pk):
            return None
        links = sorted(obj.representative_links.all(), key=lambda link: link.user.username)
        return RepresentativeSerializer(links, many=True).data

    def get_links(self, obj: Account) -> dict[str, str]:
        return {"blocks": _url("account-blocks", self.context, obj.number),
                "transactions": f"{_url('transaction-list', self.context)}?account={obj.number}"}


# --- blocks -----------------------------------------------------------------------------------------------

class BlockSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="block-detail")
    serial = serializers.SerializerMethodField()
    issuing_registry = RegistryField(read_only=True)
    project = serializers.CharField(source="project_code", read_only=True)
    monitoring_period = serializers.IntegerField(source="monitoring_period_number", read_only=True)
    registry = serializers.CharField(source="account.registry.country.code", read_only=True,
                                     help_text=_("The registry where the block is held."))
    account_type = serializers.CharField(source="account.type", read_only=True)
    account = serializers.SerializerMethodField()

    class Meta:
        model = CreditBlock
        fields = ["id", "url", "serial", "first_serial", "last_serial", "quantity", "status", "issuing_registry",
                  "project", "monitoring_period", "vintage", "authorization", "corresponding_adjustment",
                  "first_transferred_at", "registry", "account_type", "account", "issuance", "origin", "created_at"]

    def get_serial(self, obj: CreditBlock) -> str:
        """The printed serial number of the block (see docs/credits.md)."""
        return format_block(obj)

    def get_account(self, obj: CreditBlock) -> str | None:
        """The holding account's number (null unless you may see that account)."""
        return obj.account.number if visible(self.context, obj.account_id) else None


class HistoryEntrySerializer(serializers.Serializer):
    """One movement of a serial range: issuance, transfer, cancellation, retirement, reversal."""

    transaction = serializers.IntegerField(source="transaction_id")
    reference = serializers.CharField(source="transaction.reference")
    kind = serializers.CharField(source="transaction.kind")
    date = serializers.DateTimeField(source="created_at")
    serial = serializers.SerializerMethodField()
    first_serial = serializers.IntegerField()
    last_serial = serializers.IntegerField()
    quantity = serializers.IntegerField()
    from_registry = serializers.CharField(source="from_account.registry.country.code", allow_null=True)
    from_account_type = serializers.CharField(source="from_account.type", allow_null=True)
    from_account = serializers.SerializerMethodField()
    to_registry = serializers.CharField(source="to_account.registry.country.code")
    to_account_type = serializers.CharField(source="to_account.type")
    to_account = serializers.SerializerMethodField()

    def get_serial(self, obj: LedgerEntry) -> str:
        block = self.context["block"]
        return format_range(registry=block.issuing_registry.code, project=block.project_code,
                            period=block.monitoring_period_number, vintage=block.vintage, first=obj.first_serial,
                            last=obj.last_serial)

    def get_from_account(self, obj: LedgerEntry) -> str | None:
        return obj.from_account.number if visible(self.context, obj.from_account_id) else None

    def get_to_account(self, obj: LedgerEntry) -> str | None:
        return obj.to_account.number if visible(self.context, obj.to_account_id) else None


class BlockDetailSerializer(BlockSerializer):
    history = serializers.SerializerMethodField()

    class Meta(BlockSerializer.Meta):
        fields = [*BlockSerializer.Meta.fields, "history"]

    @extend_schema_field(HistoryEntrySerializer(many=True))
    def get_history(self, obj: CreditBlock) -> list[dict]:
        """Every movement of any unit of the block, oldest first."""
        return HistoryEntrySerializer(self.context.get("history", []), many=True,
                                      context={**self.context, "block": obj}).data


class SerialLookupSerializer(serializers.Serializer):
    query = serializers.CharField()
    first_serial = serializers.IntegerField()
    last_serial = serializers.IntegerField()
    context_matches = serializers.BooleanField(
        help_text=_("Whether the printed registry, project, period and vintage match the blocks found."))
    blocks = BlockSerializer(many=True)
    history = HistoryEntrySerializer(many=True, allow_null=True,
                                     help_text=_("For one unit: every movement of that unit."))


# --- transactions -----------------------------------------------------------------------------------------

class RangeSerializer(serializers.Serializer):
    serial = serializers.SerializerMethodField()
    first_serial = serializers.IntegerField()
    last_serial = serializers.IntegerField()
    quantity = serializers.IntegerField()
    to_account = serializers.SerializerMethodField()

    def get_serial(self, obj: LedgerEntry) -> str:
        return format_range(registry=obj.block.issuing_registry.code, project=obj.block.project_code,
                            period=obj.block.monitoring_period_number, vintage=obj.block.vintage,
                            first=obj.first_serial, last=obj.last_serial)

    def get_to_account(self, obj: LedgerEntry) -> str | None:
        """The receiving account (null unless you may see it or the transaction concerns you)."""
        shown = self.context.get("concerned") or visible(self.context, obj.to_account_id)
        return obj.to_account.number if shown else None


class TransactionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="transaction-detail")
    reference = serializers.CharField(read_only=True)
    registry = RegistryField(read_only=True)
    from_account = AccountField(read_only=True, allow_null=True)
    to_account = AccountField(read_only=True, allow_null=True)
    ranges = serializers.SerializerMethodField()
    initiator = serializers.SerializerMethodField()
    approver = serializers.SerializerMethodField()
    reversed_by = serializers.SerializerMethodField()

    class Meta:
        model = CreditTransaction
        fields = ["id", "reference", "url", "registry", "kind", "status", "from_account", "to_account", "quantity",
                  "selection", "ranges", "purpose", "beneficiary", "note", "legal_basis", "initiator", "approver",
                  "created_at",
                  "decided_at", "completed_at", "refusal_reason", "reverses", "reversed_by"]

    def _concerned(self, obj: CreditTransaction) -> bool:
        user = getattr(self.context.get("request"), "user", None)
        return (visible(self.context, obj.from_account_id) or visible(self.context, obj.to_account_id)
                or (user is not None and user.pk is not None and user.pk == obj.initiator_id))

    @extend_schema_field(RangeSerializer(many=True))
    def get_ranges(self, obj: CreditTransaction) -> list[dict]:
        """The serial ranges moved."""
        context = {**self.context, "concerned": self._concerned(obj)}
        return RangeSerializer(obj.entries.all(), many=True, context=context).data

    def get_initiator(self, obj: CreditTransaction) -> str | None:
        """Username of who initiated it (null unless the transaction concerns you)."""
        return obj.initiator.username if self._concerned(obj) else None

    def get_approver(self, obj: CreditTransaction) -> str | None:
        """Username of who approved or rejected it (null unless the transaction concerns you)."""
        return obj.approver.username if obj.approver_id and self._concerned(obj) else None

    def get_reversed_by(self, obj: CreditTransaction) -> int | None:
        """The id of the reversing transaction, if this one was corrected."""
        reversal = getattr(obj, "reversed_by", None)
        return reversal.pk if reversal is not None else None


class RetirementSerializer(serializers.ModelSerializer):
    """A completed retirement, public: who benefits and why."""

    url = serializers.HyperlinkedIdentityField(view_name="retirement-detail")
    reference = serializers.CharField(read_only=True)
    registry = RegistryField(read_only=True)
    retirement_account = serializers.CharField(source="to_account.number", read_only=True)
    retired_at = serializers.DateTimeField(source="completed_at", read_only=True)
    serials = serializers.SerializerMethodField()
    projects = serializers.SerializerMethodField()
    vintages = serializers.SerializerMethodField()

    class Meta:
        model = CreditTransaction
        fields = ["id", "reference", "url", "registry", "quantity", "beneficiary", "purpose", "retired_at",
                  "retirement_account", "serials", "projects", "vintages"]

    def get_serials(self, obj: CreditTransaction) -> list[str]:
        """The printed serial ranges retired."""
        return [format_range(registry=e.block.issuing_registry.code, project=e.block.project_code,
                             period=e.block.monitoring_period_number, vintage=e.block.vintage,
                             first=e.first_serial, last=e.last_serial) for e in obj.entries.all()]

    def get_projects(self, obj: CreditTransaction) -> list[str]:
        return sorted({e.block.project_code for e in obj.entries.all()})

    def get_vintages(self, obj: CreditTransaction) -> list[int]:
        return sorted({e.block.vintage for e in obj.entries.all()})


# --- issuances --------------------------------------------------------------------------------------------

class IssuedShareSerializer(RangeSerializer):
    """The block issued into one account."""

    account_type = serializers.CharField(source="to_account.type")


class IssuanceSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="issuance-detail")
    registry = RegistryField(read_only=True)
    project = serializers.CharField(source="project_code", read_only=True)
    monitoring_period = serializers.IntegerField(source="monitoring_period_number", read_only=True)
    decision = serializers.CharField(source="decision.reference", read_only=True)
    transaction = serializers.CharField(source="transaction.reference", read_only=True)
    shares = serializers.SerializerMethodField()

    class Meta:
        model = Issuance
        fields = ["id", "url", "registry", "project", "monitoring_period", "monitoring_period_key", "vintage",
                  "quantity", "authorization", "issued_at", "decision", "transaction", "shares"]

    @extend_schema_field(IssuedShareSerializer(many=True))
    def get_shares(self, obj: Issuance) -> list[dict]:
        """The serial range issued into each account (account numbers only where you may see them)."""
        return IssuedShareSerializer(obj.transaction.entries.all(), many=True, context=self.context).data


# --- inputs -----------------------------------------------------------------------------------------------

class TransactionReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AccountOpenInput(serializers.Serializer):
    registry = RegistryField()
    type = serializers.ChoiceField(choices=AccountType.choices)
    name = serializers.CharField(max_length=200)
    holder = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False, allow_null=True,
                                                help_text=_("The holder organization (id); required for a "
                                                            "participant holding account."))
    requires_approval = InputBooleanField(default=False,
                                          help_text=_("Outgoing transactions need a second representative."))
    representatives = username_field(many=True, required=False, help_text=_("Usernames."))
    approval_threshold = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=MAX_QUANTITY,
        help_text=_("Outgoing transactions of at least this many credits need a second approval (0: all; "
                    "a government holding account's default)."))


class AccountStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=AccountStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text=_("Required to block or close."))


class RepresentativeInput(serializers.Serializer):
    user = username_field(help_text=_("Username."))
    can_initiate = InputBooleanField(default=True)
    can_approve = InputBooleanField(default=True)


class TransactionInitiateInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=INITIATED_KINDS)
    from_account = AccountField()
    to_account = AccountField()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, required=False, allow_null=True,
                                        default=None,
                                        help_text=_("Credits to move; may be left out when a serial range is given."))
    first_serial = SerialNumberField(required=False, allow_null=True, default=None,
                                     help_text=_("Move exactly this range (one block must hold all of it)."))
    last_serial = SerialNumberField(required=False, allow_null=True, default=None)
    project_code = serializers.CharField(max_length=10, required=False, allow_blank=True, default="",
                                         help_text=_("Take only credits of this project."))
    vintage = serializers.IntegerField(min_value=1900, max_value=9999, required=False, allow_null=True, default=None,
                                       help_text=_("Take only credits of this vintage."))
    purpose = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    beneficiary = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def to_internal_value(self, data):
        # both accounts in one query; each field still refuses its own unknown number
        numbers = [data.get(name) for name in ("from_account", "to_account")] if hasattr(data, "get") else []
        numbers = [n.strip().upper() for n in numbers if isinstance(n, str)]
        self.accounts_found = ({a.number: a for a in Account.objects.select_related("registry__country")
                                .filter(number__in=numbers)} if numbers else {})
        return super().to_internal_value(data)


class CorrectionInput(TransactionInitiateInput):
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="",
                                        help_text=_("The legal basis on which the registry acts on the account "
                                                    "(required)."))


class ThresholdInput(serializers.Serializer):
    threshold = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0,
                                         max_value=MAX_QUANTITY,
                                         help_text=_("Empty: no second approval by quantity."))


class TrustedAccountInput(serializers.Serializer):
    account = AccountField(help_text=_("The number of the account to trust."))


class TrustedAccountSerializer(serializers.Serializer):
    account = serializers.CharField(source="trusted.number")
    name = serializers.CharField(source="trusted.name")
    added_by = serializers.CharField(source="added_by.username")
    added_at = serializers.DateTimeField()
    active_from = serializers.DateTimeField(help_text=_("When transfers to it stop needing a second approval."))
    active = serializers.SerializerMethodField()

    def get_active(self, obj: Any) -> bool:
        return bool(obj.active_from <= timezone.now())


class IssuanceExecuteInput(serializers.Serializer):
    issuance_request = serializers.PrimaryKeyRelatedField(
        queryset=IssuanceRequest.objects.select_related("project"),
        help_text=_("The issuance request decided by the Joint Committee (id)."))
    registry = RegistryField()
    authorization = serializers.ChoiceField(choices=Authorization.choices, default=Authorization.NONE,
                                            help_text=_("Article 6.2 authorization of the credits issued."))
