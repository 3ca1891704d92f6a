"""Reads of the registry, scoped to the user.

Public: registries, the list of holding accounts (number, type, holder — as the Japanese JCM
registry publishes), totals per account type, blocks and their history (no balances per
account), the annual transaction summary, retirements with their beneficiaries.
Representatives, the registry's administrators and its ministry also see balances, blocks by
account and transactions of their accounts.

The ledger has one reader, ``ledger_movements`` (the SQL view of completed movements per account),
bounded by one helper, ``day_bounds``: account statements (CSV and PDF), reconciliation and the
Article 6.2 report all replay the ledger through it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TypedDict

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from committee.choices import Role
from committee.roles import Viewer, active_roles, is_authenticated, is_system_admin
from projects.choices import IssuanceStatus
from projects.models import IssuanceRequest

from .choices import HOLDING_TYPES, AccountType, TransactionKind, TransactionStatus
from .models import (
    Account,
    AccountRepresentative,
    CreditBlock,
    CreditTransaction,
    Issuance,
    LedgerEntry,
    LedgerMovement,
    Registry,
)
from .serials import format_range, parse


def registry_list() -> QuerySet[Registry]:
    return Registry.objects.select_related("country", "operated_by")


def _operated_country_ids(user: Viewer) -> set[int] | None:
    """Countries whose registry's accounts the user sees in full (None = all)."""
    if is_system_admin(user):
        return None
    return {r.country_id for r in active_roles(user)
            if r.role in (Role.REGISTRY_ADMIN, Role.MINISTRY_API) and r.country_id is not None}


def account_list(user: Viewer) -> QuerySet[Account]:
    """Every user sees the public account list; ``visible_balances`` tells whose balance to show."""
    return Account.objects.select_related("registry__country", "holder").order_by("registry__country__code", "number")


def private_account_ids(user: Viewer) -> set[int] | None:
    """Accounts whose balances, blocks and transactions the user may see (None = all)."""
    if not is_authenticated(user):
        return set()
    countries = _operated_country_ids(user)
    if countries is None:
        return None
    where = Q(representative_links__user=user)
    if countries:
        where |= Q(registry__country_id__in=countries)
    return set(Account.objects.filter(where).values_list("pk", flat=True))  # one query


def my_accounts(user: Viewer) -> QuerySet[Account]:
    ids = private_account_ids(user)
    qs = account_list(user)
    return qs if ids is None else qs.filter(pk__in=ids)


def holdings(account: Account) -> QuerySet[CreditBlock]:
    return account.blocks.select_related("issuing_registry__country").order_by("first_serial")


def transactions_for(user: Viewer) -> QuerySet[CreditTransaction]:
    ids = private_account_ids(user)
    qs = CreditTransaction.objects.select_related("registry__country", "from_account", "to_account", "initiator",
                                                  "approver")
    if ids is None:
        return qs
    if not is_authenticated(user):
        return qs.none()
    # an issuance names its accounts in its ledger entries only
    issued = LedgerEntry.objects.filter(to_account_id__in=ids, from_account__isnull=True).values("transaction_id")
    return qs.filter(Q(from_account_id__in=ids) | Q(to_account_id__in=ids) | Q(initiator=user) | Q(pk__in=issued))


def block_search() -> QuerySet[CreditBlock]:
    """Public block search (project, vintage, account type, registry, status)."""
    return CreditBlock.objects.select_related("issuing_registry__country", "account__registry__country")


def block_containing(serial: int) -> CreditBlock | None:
    """The block holding one unit: the block with the greatest first serial <= ``serial``.

    Blocks never overlap, so one index probe on ``first_serial`` answers it."""
    block = next(iter(CreditBlock.objects.raw(_CONTAINING_SQL, [serial])), None)
    return block if block is not None and block.last_serial >= serial else None


# One index probe; the issuing registry's code comes along for the printed serial number.
_CONTAINING_SQL = """
SELECT b.*, c.code AS registry_code
  FROM credits_creditblock b
  JOIN credits_registry r ON r.id = b.issuing_registry_id
  JOIN committee_country c ON c.id = r.country_id
 WHERE b.first_serial <= %s
 ORDER BY b.first_serial DESC
 LIMIT 1
"""


def lookup(text: str) -> list[CreditBlock]:
    """Blocks holding any unit of a printed serial number or range (ApplicationError if unparsable)."""
    parsed = parse(text)
    if parsed.first == parsed.last:
        block = block_containing(parsed.first)
        return [block] if block else []
    head = block_containing(parsed.first)
    rest = list(block_search().filter(first_serial__gt=parsed.first, first_serial__lte=parsed.last)
                .order_by("first_serial")[:1000])
    return ([head] if head else []) + rest


def block_history(block: CreditBlock) -> QuerySet[LedgerEntry]:
    """Every movement of any unit of the block, oldest first (issuance, splits, transfers, retirement)."""
    # int8range && int8range is served by the GiST index on the ledger's serial ranges
    overlaps = "int8range(credits_ledgerentry.first_serial, credits_ledgerentry.last_serial, '[]') && int8range(%s, %s, '[]')"
    # constant SQL, the serials bound as parameters (the ORM has no && on an expression): hence noqa S610
    entries = LedgerEntry.objects.extra(where=[overlaps], params=[block.first_serial, block.last_serial])  # noqa: S610
    return entries.select_related("transaction", "from_account", "to_account").order_by("id")


class AccountTypeTotal(TypedDict):
    registry__country__code: str
    type: str
    accounts: int
    credits: int


class YearKindSummary(TypedDict):
    year: int
    kind: str
    transactions: int
    credits: int


def totals_by_account_type(registry: Registry | None = None) -> list[AccountTypeTotal]:
    qs = Account.objects.all()
    if registry is not None:
        qs = qs.filter(registry=registry)
    return list(qs.values("registry__country__code", "type").annotate(accounts=Count("id"), credits=Sum("balance"))
                .order_by("registry__country__code", "type"))


def annual_summary(registry: Registry) -> list[YearKindSummary]:
    """Completed transactions per year and kind (the "Annual Transactions Summary (tCO2)")."""
    return list(CreditTransaction.objects.filter(Q(registry=registry) | Q(to_account__registry=registry),
                                                 status=TransactionStatus.COMPLETED)
                .annotate(year=ExtractYear("completed_at")).values("year", "kind")
                .annotate(transactions=Count("id"), credits=Sum("quantity")).order_by("-year", "kind"))


def retirements(registry: Registry | None = None) -> QuerySet[CreditTransaction]:
    qs = CreditTransaction.objects.filter(kind=TransactionKind.RETIREMENT, status=TransactionStatus.COMPLETED)
    if registry is not None:
        qs = qs.filter(registry=registry)
    return qs.select_related("registry__country", "to_account").prefetch_related("entries").order_by("-completed_at")


def holding_accounts_public(registry: Registry) -> QuerySet[Account]:
    return account_list(None).filter(registry=registry, type__in=list(HOLDING_TYPES))


# --- Reads for the browser pages ------------------------------------------------------------

# Completed transactions of these kinds are public (the registry publishes issuances, cancellations and
# retirements); transfers and anything not completed only to the people of the accounts concerned.
PUBLIC_KINDS = {TransactionKind.ISSUANCE, TransactionKind.CANCELLATION, TransactionKind.RETIREMENT}


_UNKNOWN: set[int] = set()


def transaction_visible(user: Viewer, txn: CreditTransaction,
                        account_ids: set[int] | None = _UNKNOWN) -> bool:
    """Whether the user may see the transaction's details (``account_ids``: ``private_account_ids(user)``
    when the caller already has it)."""
    if txn.kind in PUBLIC_KINDS and txn.status == TransactionStatus.COMPLETED:
        return True
    if not is_authenticated(user):
        return False
    ids = private_account_ids(user) if account_ids is _UNKNOWN else account_ids
    return (ids is None or txn.initiator_id == user.pk or txn.from_account_id in ids
            or txn.to_account_id in ids)


def awaiting_approval(user: Viewer) -> QuerySet[CreditTransaction]:
    """Proposed transactions, initiated by someone else, that the user may approve or reject
    (the same rule as ``access.can_approve``)."""
    qs = CreditTransaction.objects.filter(status=TransactionStatus.PROPOSED).select_related(
        "registry__country", "from_account", "to_account", "initiator")
    if not is_authenticated(user):
        return qs.none()
    qs = qs.exclude(initiator=user)
    if is_system_admin(user):
        return qs
    roles = active_roles(user)
    admin_countries = [r.country_id for r in roles if r.role == Role.REGISTRY_ADMIN and r.country_id]
    ministry_countries = [r.country_id for r in roles if r.role == Role.MINISTRY_API and r.country_id]
    represented = AccountRepresentative.objects.filter(user=user, can_approve=True).values("account_id")
    return qs.filter(Q(from_account__registry__country_id__in=admin_countries)
                     | Q(from_account__type=AccountType.GOVERNMENT_HOLDING,
                         from_account__registry__country_id__in=ministry_countries)
                     | Q(from_account_id__in=represented))


def proposals_by(user: Viewer) -> QuerySet[CreditTransaction]:
    """The user's own proposals still awaiting a second person."""
    if not is_authenticated(user):
        return CreditTransaction.objects.none()
    return CreditTransaction.objects.filter(initiator=user, status=TransactionStatus.PROPOSED).select_related(
        "registry__country", "from_account", "to_account")


def account_transactions(account: Account) -> QuerySet[CreditTransaction]:
    """Transactions from or to one account (issuances through their ledger entries), newest first."""
    issued = LedgerEntry.objects.filter(to_account=account, transaction__kind=TransactionKind.ISSUANCE)
    return (CreditTransaction.objects
            .filter(Q(from_account=account) | Q(to_account=account) | Q(pk__in=issued.values("transaction_id")))
            .select_related("registry__country", "from_account", "to_account", "initiator", "approver")
            .order_by("-created_at", "-id"))


def issuance_queue(registry: Registry) -> QuerySet[IssuanceRequest]:
    """Issuance requests decided by a Joint Committee that this registry has not issued yet, oldest first.

    Japan's registry takes part in every Joint Committee; a partner's registry in its own."""
    qs = IssuanceRequest.objects.filter(status=IssuanceStatus.DECIDED,  # no credits for a period not yet over
                                        period__end_date__lt=timezone.localdate()).select_related(
        "project__joint_committee__partner", "period", "decision", "allocation")
    if not registry.country.is_japan:
        qs = qs.filter(project__joint_committee__partner=registry.country)
    issued = Issuance.objects.filter(registry=registry, decision_id=OuterRef("decision_id"))
    return qs.exclude(Exists(issued)).order_by("decided_at", "id")


# --- The ledger's one reader: movements, periods and account statements ---------------------------

ONE_DAY = datetime.timedelta(days=1)


def day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants ``[from, until)`` of the days from ``start`` to ``end`` (both inclusive) in the registry's
    time zone. Every period of the ledger (statements, reports, certificates of a year) is bounded by it."""
    tz = timezone.get_current_timezone()
    return (datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
            datetime.datetime.combine(end + ONE_DAY, datetime.time.min, tzinfo=tz))


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants of one calendar year (``day_bounds`` of 1 January to 31 December)."""
    return day_bounds(datetime.date(year, 1, 1), datetime.date(year, 12, 31))


def ledger_movements(*, account: Account | None = None, registry: Registry | None = None,
                     start: datetime.date | None = None, end: datetime.date | None = None
                     ) -> QuerySet[LedgerMovement]:
    """Units moved into (``delta`` > 0) and out of (``delta`` < 0) one account, or every account of one
    registry, by the transactions completed on the days from ``start`` to ``end`` (inclusive; either may be
    left open), oldest first. The one reader of the ledger: summing ``delta`` replays it."""
    movements = LedgerMovement.objects.all()
    if account is not None:
        movements = movements.filter(account=account)
    if registry is not None:
        movements = movements.filter(account__registry=registry)
    if start is not None:  # from the first instant of the start day
        movements = movements.filter(completed_at__gte=day_bounds(start, start)[0])
    if end is not None and end < datetime.date.max:  # until the first instant after the end day
        movements = movements.filter(completed_at__lt=day_bounds(end, end)[1])
    return movements.order_by("completed_at", "entry_id", "incoming")


@dataclass(frozen=True)
class StatementLine:
    completed_at: datetime.datetime
    transaction: CreditTransaction
    counterparty: Account | None
    serials: str
    credits_in: int
    credits_out: int
    balance: int

    @property
    def day(self) -> datetime.date:
        """The day of the movement in the registry's time zone (the zone of the statement's period)."""
        return timezone.localdate(self.completed_at)


@dataclass(frozen=True)
class Statement:
    account: Account
    start: datetime.date
    end: datetime.date
    opening: int
    lines: list[StatementLine]

    @property
    def closing(self) -> int:
        return self.lines[-1].balance if self.lines else self.opening

    @property
    def credits_in(self) -> int:
        return sum(line.credits_in for line in self.lines)

    @property
    def credits_out(self) -> int:
        return sum(line.credits_out for line in self.lines)


def account_statement(account: Account, start: datetime.date, end: datetime.date) -> Statement:
    """Movements of one account between two dates (inclusive) from the ledger, with the balance before
    and after each; one line per serial range moved."""
    opening = 0
    if start > datetime.date.min:
        before = ledger_movements(account=account, end=start - ONE_DAY).aggregate(units=Sum("delta"))
        opening = before["units"] or 0
    movements = ledger_movements(account=account, start=start, end=end).select_related(
        "transaction__registry__country", "counterparty", "block__issuing_registry__country")
    balance, lines = opening, []
    for movement in movements:
        balance += movement.delta
        block = movement.block
        lines.append(StatementLine(
            completed_at=movement.completed_at, transaction=movement.transaction, counterparty=movement.counterparty,
            serials=format_range(registry=block.issuing_registry.code, project=block.project_code,
                                 period=block.monitoring_period_number, vintage=block.vintage,
                                 first=movement.first_serial, last=movement.last_serial),
            credits_in=movement.quantity if movement.incoming else 0,
            credits_out=0 if movement.incoming else movement.quantity,
            balance=balance))
    return Statement(account=account, start=start, end=end, opening=opening, lines=lines)
