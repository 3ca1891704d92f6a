"""Issuance: a Joint Committee decision becomes blocks of consecutive serial numbers in accounts.

:func:`issuance_execute` executes one registry's share of an issuance request that a Joint Committee
decided (projects app); :func:`issuance_create` issues given shares into given accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from committee.models import Decision, User
from core import audit, events
from core.errors import ApplicationError, Conflict
from core.workflow import lock
from projects.choices import AllocationParty, IssuanceStatus, RegistrySide
from projects.models import IssuanceRequest

from .. import access
from ..choices import (
    HOLDING_TYPES,
    AccountStatus,
    AccountType,
    Authorization,
    TransactionKind,
    TransactionStatus,
)
from ..models import Account, CreditBlock, CreditTransaction, Issuance, LedgerEntry, Registry
from .common import MAX_QUANTITY, has_url, notify_accounts


@dataclass(frozen=True)
class Share:
    """Credits of one issuance going into one account of the issuing registry."""

    account: Account
    quantity: int


def serials_reserve(quantity: int) -> int:
    """Reserve ``quantity`` consecutive serials from the system-wide counter; return the first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE credits_serialcounter SET next_serial = next_serial + %s WHERE id = 1 RETURNING next_serial - %s",
            [quantity, quantity],
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute("INSERT INTO credits_serialcounter (id, next_serial) VALUES (1, %s) "
                           "ON CONFLICT (id) DO UPDATE SET next_serial = credits_serialcounter.next_serial + %s "
                           "RETURNING next_serial - %s", [1 + quantity, quantity, quantity])
            row = cursor.fetchone()
    return row[0]


@transaction.atomic
def issuance_create(*, actor: User, registry: Registry, decision: Decision, project_code: str,
                    monitoring_period_number: int, monitoring_period_key: str, vintage: int, shares: list[Share],
                    decided_quantity: int, authorization: str = Authorization.NONE,
                    already_issued: int = 0) -> Issuance:
    """Issue one registry's share of a Joint Committee issuance decision.

    Each share becomes one block of consecutive serials in its account. The work is the same
    for one credit or a billion: one counter update, one block and one ledger row per share.
    ``already_issued`` is what other registries issued for the same decision, so that the
    total never exceeds ``decided_quantity``.
    """
    access.require_issue(actor, registry)
    shares = [s for s in shares if s.quantity]
    total = _check_shares(shares, decided_quantity=decided_quantity, already_issued=already_issued)
    if authorization not in Authorization.values:
        raise ApplicationError("Choose the Article 6.2 authorization.", field="authorization")
    if vintage > timezone.localdate().year:  # no credits before the reductions happen
        raise ApplicationError(f"Credits of vintage {vintage} cannot be issued before {vintage}.", field="vintage")
    by_pk = _lock_receiving_accounts(shares, registry)
    if Issuance.objects.filter(monitoring_period_key=monitoring_period_key, registry=registry).exists():
        raise Conflict(f"The {registry} has already issued credits for {monitoring_period_key}.",
                       field="monitoring_period")
    now = timezone.now()
    txn = CreditTransaction.objects.create(registry=registry, kind=TransactionKind.ISSUANCE,
                                           status=TransactionStatus.COMPLETED, quantity=total, initiator=actor,
                                           decided_at=now, completed_at=now,
                                           selection={"decision": decision.pk, "period": monitoring_period_key})
    try:
        with transaction.atomic():
            issuance = Issuance.objects.create(
                registry=registry, decision=decision, project_code=project_code,
                monitoring_period_number=monitoring_period_number, monitoring_period_key=monitoring_period_key,
                vintage=vintage, quantity=total, authorization=authorization, transaction=txn, issued_by=actor)
    except IntegrityError as exc:
        raise Conflict(f"The {registry} has already issued credits for {monitoring_period_key}.",
                       field="monitoring_period") from exc
    first = serials_reserve(total)
    blocks, entries = [], []
    for share in shares:
        account = by_pk[share.account.pk]
        block = CreditBlock(first_serial=first, last_serial=first + share.quantity - 1, account=account,
                            issuance=issuance, issuing_registry=registry, project_code=project_code,
                            monitoring_period_number=monitoring_period_number, vintage=vintage,
                            authorization=authorization, created_by=txn)
        blocks.append(block)
        first += share.quantity
    CreditBlock.objects.bulk_create(blocks)
    for block in blocks:
        entries.append(LedgerEntry(transaction=txn, block=block, first_serial=block.first_serial,
                                   last_serial=block.last_serial, from_account=None, to_account=block.account))
        Account.objects.filter(pk=block.account_id).update(balance=F("balance") + (block.last_serial -
                                                                                  block.first_serial + 1))
    LedgerEntry.objects.bulk_create(entries)
    audit.record(actor=actor, action="credits.issuance.execute", target=issuance,
                 data={"registry": registry.code, "decision": decision.pk, "period": monitoring_period_key,
                       "quantity": total, "vintage": vintage, "authorization": authorization,
                       "blocks": [[b.account.number, b.first_serial, b.last_serial] for b in blocks]})
    events.emit("credits.issuance.completed", issuance_id=issuance.pk, transaction_id=txn.pk)
    notify_accounts({b.account for b in blocks}, kind="credits.issued", key=f"issuance:{issuance.pk}",
                    subject=f"{total:,} JCM credits issued for {monitoring_period_key}",
                    url=issuance.registry.get_absolute_url() if has_url("credits:registry-detail") else "")
    return issuance


def _check_shares(shares: list[Share], *, decided_quantity: int, already_issued: int) -> int:
    """The total of ``shares``, if they may be issued."""
    if not shares:
        raise ApplicationError("Nothing to issue into this registry.", field="quantity")
    total = sum(s.quantity for s in shares)
    if any(s.quantity < 0 for s in shares) or total > MAX_QUANTITY:
        raise ApplicationError("Share quantities must be positive whole credits.", field="quantity")
    if already_issued + total > decided_quantity:
        raise Conflict(f"Issuing {total:,} would exceed the {decided_quantity:,} credits decided "
                       f"({already_issued:,} already issued).", field="quantity")
    return total


def _lock_receiving_accounts(shares: list[Share], registry: Registry) -> dict[int, Account]:
    """The accounts of ``shares``, locked (by primary key), if each may receive issued credits."""
    by_pk = {a.pk: a for a in lock(Account.objects.filter(pk__in=[s.account.pk for s in shares]))}
    for share in shares:
        account = by_pk[share.account.pk]
        if account.registry_id != registry.pk:
            raise ApplicationError(f"Account {account.number} is not in the {registry}.", field="account")
        if account.type not in HOLDING_TYPES or account.status != AccountStatus.OPEN:
            raise ApplicationError(f"Account {account.number} cannot receive issued credits.", field="account")
    return by_pk


# --- Issuance from a Joint Committee decision ---------------------------------------------

def issuance_plan(request: IssuanceRequest, registry: Registry) -> list[Share]:
    """The shares of a decided issuance request that go into ``registry``, mapped to its accounts.

    The decided amount is split by the request's credit allocation (largest-remainder rule, see
    projects.models.split_amount); government shares go to the registry's government holding
    account, a participant's share to that participant's open holding account in the registry.
    """
    if request.decided_amount is None:
        raise Conflict(f"{request} has no Joint Committee decision on the amount yet.", field="status")
    jc = request.project.joint_committee
    if registry.country.is_japan:
        side = RegistrySide.JAPAN
    elif registry.country_id == jc.partner_id:
        side = RegistrySide.PARTNER
    else:
        raise ApplicationError(f"The {registry} takes no part in the issuance for {request.project.project_id}.",
                               field="registry")
    accounts = Account.objects.filter(registry=registry, status=AccountStatus.OPEN)
    plan: list[Share] = []
    for share, credits in request.allocation.split(request.decided_amount):
        if share.registry != side or credits == 0:
            continue
        if share.party == AllocationParty.PARTICIPANT:
            account = accounts.filter(type=AccountType.PARTICIPANT_HOLDING, holder=share.organization).order_by(
                "number").first()
            missing = f"{share.organization} has no open holding account in the {registry}."
        else:
            account = accounts.filter(type=AccountType.GOVERNMENT_HOLDING).order_by("number").first()
            missing = f"The {registry} has no open government holding account."
        if account is None:
            raise Conflict(missing, field="account")
        plan.append(Share(account, credits))
    return plan


@transaction.atomic
def issuance_execute(*, actor: User, request: IssuanceRequest, registry: Registry,
                     authorization: str = Authorization.NONE) -> Issuance:
    """Execute one registry's share of the Joint Committee's decision on an issuance request."""
    access.require_issue(actor, registry)  # the actor first: a refused caller learns nothing about the request
    request = lock(IssuanceRequest.objects.select_related("project__joint_committee", "period", "allocation",
                                                          "decision"), request.pk)
    decision = request.decision
    if request.status != IssuanceStatus.DECIDED or not request.decided_amount or decision is None:
        raise Conflict(f"{request} has no Joint Committee decision on the amount yet.", field="status")
    period = request.period
    if period.end_date >= timezone.localdate():  # no credits before the reductions happen
        message = (f"Monitoring period {period.number} of {request.project.project_id} runs until {period.end_date}: "
                   f"its credits can be issued only after it has ended.")
        raise ApplicationError(message, field="end_date", errors={"end_date": [message]})
    already = sum(Issuance.objects.filter(decision=decision).values_list("quantity", flat=True))
    return issuance_create(actor=actor, registry=registry, decision=decision,
                           project_code=request.project.project_id, monitoring_period_number=period.number,
                           monitoring_period_key=f"{request.project.project_id}/{period.number:02d}",
                           vintage=period.end_date.year, shares=issuance_plan(request, registry),
                           decided_quantity=request.decided_amount, authorization=authorization,
                           already_issued=already)


# the names callers used before the services were named <entity>_<verb>
issue = issuance_create
reserve_serials = serials_reserve
