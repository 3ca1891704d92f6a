"""Reads of the registry, scoped to the user.

Public: registries, the list of holding accounts (number, type, holder — as the Japanese JCM
registry publishes), totals per account type, blocks and their history (no balances per
account), the annual transaction summary, retirements with their beneficiaries.
Representatives, the registry's administrators and its ministry also see balances, blocks by
account and transactions of their accounts.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from committee.choices import Role
from jcm_registry.permissions import active_roles, is_system_admin

from .choices import HOLDING_TYPES, TransactionKind, TransactionStatus
from .models import Account, CreditBlock, CreditTransaction, LedgerEntry, Registry
from .serials import parse


def registry_list() -> QuerySet[Registry]:
    return Registry.objects.select_related("country", "operated_by")


def _operator_registry_ids(user) -> set[int] | None:
    """Registries whose accounts the user sees in full (None = all)."""
    if is_system_admin(user):
        return None
    country_ids = {r.country_id for r in active_roles(user) if r.role in (Role.REGISTRY_ADMIN, Role.MINISTRY_API)}
    return set(Registry.objects.filter(country_id__in=country_ids).values_list("pk", flat=True))


def account_list(user) -> QuerySet[Account]:
    """Every user sees the public account list; ``visible_balances`` tells whose balance to show."""
    return Account.objects.select_related("registry__country", "holder").order_by("registry__country__code", "number")


def private_account_ids(user) -> set[int] | None:
    """Accounts whose balances, blocks and transactions the user may see (None = all)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    operated = _operator_registry_ids(user)
    if operated is None:
        return None
    ids = set(Account.objects.filter(Q(registry_id__in=operated) | Q(representative_links__user=user))
              .values_list("pk", flat=True))
    return ids


def my_accounts(user) -> QuerySet[Account]:
    ids = private_account_ids(user)
    qs = account_list(user)
    return qs if ids is None else qs.filter(pk__in=ids)


def holdings(account: Account) -> QuerySet[CreditBlock]:
    return account.blocks.select_related("issuing_registry__country").order_by("first_serial")


def transactions_for(user) -> QuerySet[CreditTransaction]:
    ids = private_account_ids(user)
    qs = CreditTransaction.objects.select_related("registry__country", "from_account", "to_account", "initiator",
                                                  "approver")
    if ids is None:
        return qs
    return qs.filter(Q(from_account_id__in=ids) | Q(to_account_id__in=ids) | Q(initiator=user)
                     if getattr(user, "is_authenticated", False) else Q(pk__in=[]))


def block_search() -> QuerySet[CreditBlock]:
    """Public block search (project, vintage, account type, registry, status)."""
    return CreditBlock.objects.select_related("issuing_registry__country", "account__registry__country")


def block_containing(serial: int) -> CreditBlock | None:
    """The block holding one unit: the block with the greatest first serial <= ``serial``.

    Blocks never overlap, so one index probe on ``first_serial`` answers it."""
    block = block_search().filter(first_serial__lte=serial).order_by("-first_serial").first()
    return block if block is not None and block.last_serial >= serial else None


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
    return (LedgerEntry.objects.filter(first_serial__lte=block.last_serial, last_serial__gte=block.first_serial)
            .select_related("transaction", "from_account", "to_account").order_by("id"))


def totals_by_account_type(registry: Registry | None = None) -> list[dict]:
    qs = Account.objects.all()
    if registry is not None:
        qs = qs.filter(registry=registry)
    return list(qs.values("registry__country__code", "type").annotate(accounts=Count("id"), credits=Sum("balance"))
                .order_by("registry__country__code", "type"))


def annual_summary(registry: Registry) -> list[dict]:
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


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime(year, 1, 1, tzinfo=datetime.UTC)
    return start, datetime.datetime(year + 1, 1, 1, tzinfo=datetime.UTC)
