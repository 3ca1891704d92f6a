"""Transactions: transfers, external transfers, cancellations and retirements proposed, approved,
rejected, cancelled and reversed. The units move in :mod:`credits.services.moves`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from committee.models import User
from core import audit, events
from core.access import require_authenticated
from core.errors import ApplicationError, Conflict
from core.notices import notify
from core.workflow import check_transition, lock, relock

from .. import access
from ..choices import (
    HOLDING_TYPES,
    TRANSACTION_TRANSITIONS,
    AccountStatus,
    AccountType,
    BlockStatus,
    TransactionKind,
    TransactionStatus,
)
from ..models import Account, CreditBlock, CreditTransaction, LedgerEntry
from .common import MAX_QUANTITY, accounts_of, txn_data, url_of
from .moves import check_holdings, execute

KIND_TARGETS: dict[str, Collection[str]] = {
    TransactionKind.TRANSFER: HOLDING_TYPES,
    TransactionKind.EXTERNAL_TRANSFER: HOLDING_TYPES,
    TransactionKind.CANCELLATION: {AccountType.CANCELLATION, AccountType.OMGE_CANCELLATION,
                                   AccountType.VOLUNTARY_CANCELLATION},
    TransactionKind.RETIREMENT: {AccountType.RETIREMENT},
}


def transaction_initiate(*, actor: User, kind: str, from_account: Account, to_account: Account, quantity: int,
                         first_serial: int | None = None, last_serial: int | None = None,
                         project_code: str = "", vintage: int | None = None, purpose: str = "",
                         beneficiary: str = "", note: str = "", idempotency_key: str | None = None
                         ) -> CreditTransaction:
    """Propose a transfer, external transfer, cancellation or retirement.

    Executes at once unless the sending account needs a second representative's approval.
    With ``idempotency_key``, the same request sent again (even concurrently) returns the
    first transaction, marked ``replayed = True``, and never executes twice; the same key with a
    different request is refused.
    """
    request = {"kind": kind, "from": from_account.pk, "to": to_account.pk, "quantity": quantity,
               "first_serial": first_serial, "last_serial": last_serial, "project_code": project_code,
               "vintage": vintage, "purpose": purpose, "beneficiary": beneficiary}
    fingerprint = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
    # A key is looked up only when the attempt fails: the unique (initiator, key) constraint refuses the
    # second transaction row, which rolls the whole attempt back; a refused attempt may be the replay of
    # a request that did execute (the credits have gone since).
    try:
        return _initiate(actor=actor, kind=kind, from_account=from_account, to_account=to_account, quantity=quantity,
                         first_serial=first_serial, last_serial=last_serial, project_code=project_code,
                         vintage=vintage, purpose=purpose, beneficiary=beneficiary, note=note,
                         idempotency_key=idempotency_key or None, fingerprint=fingerprint)
    except IntegrityError as exc:
        if idempotency_key and "txn_idempotency_key_unique" in str(exc):
            existing = _replay(actor, idempotency_key, fingerprint)
            if existing is not None:
                return existing
        raise
    except ApplicationError:
        existing = _replay(actor, idempotency_key, fingerprint) if idempotency_key else None
        if existing is not None:
            return existing
        raise


def _replay(actor: User, key: str, fingerprint: str) -> CreditTransaction | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    existing = CreditTransaction.objects.filter(initiator=actor, idempotency_key=key).first()
    if existing is not None and existing.request_fingerprint != fingerprint:
        raise Conflict("This idempotency key was already used for a different request.", field="idempotency_key")
    if existing is not None:
        existing.replayed = True  # tells the API to answer 200 (this request was already served), not 201
    return existing


@transaction.atomic
def _initiate(*, actor: User, kind: str, from_account: Account, to_account: Account, quantity: int,
              first_serial: int | None, last_serial: int | None, project_code: str, vintage: int | None, purpose: str,
              beneficiary: str, note: str, idempotency_key: str | None, fingerprint: str) -> CreditTransaction:
    require_authenticated(actor)
    if kind not in KIND_TARGETS:
        raise ApplicationError("Choose transfer, external transfer, cancellation or retirement.", field="kind")
    _check_quantity(quantity, first_serial, last_serial)
    if first_serial is not None:
        quantity = (last_serial if last_serial is not None else first_serial + quantity - 1) - first_serial + 1
    _check_accounts(kind, from_account, to_account)
    if kind == TransactionKind.RETIREMENT and not (purpose.strip() and beneficiary.strip()):
        raise ApplicationError("A retirement states its purpose and its beneficiary.",
                               errors={**({"purpose": ["State the purpose of the retirement."]} if not purpose.strip()
                                          else {}),
                                       **({"beneficiary": ["Name the beneficiary."]} if not beneficiary.strip()
                                          else {})})
    access.require_initiate(actor, from_account)
    selection = {k: v for k, v in {"first_serial": first_serial, "last_serial": last_serial,
                                   "project_code": project_code or None, "vintage": vintage}.items() if v is not None}
    txn = CreditTransaction(
        registry=from_account.registry, kind=kind, status=TransactionStatus.PROPOSED, from_account=from_account,
        to_account=to_account, quantity=quantity, selection=selection, purpose=purpose.strip(),
        beneficiary=beneficiary.strip(), note=note, initiator=actor, idempotency_key=idempotency_key,
        request_fingerprint=fingerprint)
    if from_account.requires_approval:
        txn.save(force_insert=True)
        # Check now that the units exist, so that a hopeless proposal is refused at once.
        _lock_pair(from_account, to_account)
        check_holdings(relock(from_account), quantity)
        audit.record(actor=actor, action=f"credits.{kind}.propose", target=txn, data=txn_data(txn))
        approvers = [link.user for link in from_account.representative_links.select_related("user")
                     if link.can_approve and link.user_id != actor.pk]
        notify(recipients=approvers, kind="credits.approval_needed", key=f"txn:{txn.pk}:approval",
               subject=f"Transaction {txn.reference} awaits your approval", url=url_of(txn))
        return txn
    execute(txn, actor=actor, action=f"credits.{kind}.complete")
    return txn


@transaction.atomic
def transaction_approve(*, actor: User, txn: CreditTransaction) -> CreditTransaction:
    txn = relock(txn)
    require_authenticated(actor)
    check_transition(TRANSACTION_TRANSITIONS, txn.status, TransactionStatus.COMPLETED, what=f"Transaction {txn.reference}",
                     labels=dict(TransactionStatus.choices))
    access.require_approve(actor, txn)
    txn.approver = actor
    txn.decided_at = timezone.now()
    execute(txn, actor=actor, action=f"credits.{txn.kind}.approve")
    return txn


@transaction.atomic
def transaction_reject(*, actor: User, txn: CreditTransaction, reason: str) -> CreditTransaction:
    txn = relock(txn)
    require_authenticated(actor)
    check_transition(TRANSACTION_TRANSITIONS, txn.status, TransactionStatus.REJECTED, what=f"Transaction {txn.reference}",
                     labels=dict(TransactionStatus.choices))
    access.require_reject(actor, txn)
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the rejection.", field="reason")
    txn.status = TransactionStatus.REJECTED
    txn.approver = actor
    txn.decided_at = timezone.now()
    txn.refusal_reason = reason.strip()
    txn.save(update_fields=["status", "approver", "decided_at", "refusal_reason"])
    audit.record(actor=actor, action=f"credits.{txn.kind}.reject", target=txn, message=reason)
    notify(recipients=[txn.initiator], kind="credits.rejected", key=f"txn:{txn.pk}:rejected",
           subject=f"Transaction {txn.reference} was rejected", body=reason, url=url_of(txn))
    return txn


@transaction.atomic
def transaction_cancel(*, actor: User, txn: CreditTransaction) -> CreditTransaction:
    txn = relock(txn)
    require_authenticated(actor)
    check_transition(TRANSACTION_TRANSITIONS, txn.status, TransactionStatus.CANCELLED,
                     what=f"Transaction {txn.reference}", labels=dict(TransactionStatus.choices))
    access.require_cancel(actor, txn)
    txn.status = TransactionStatus.CANCELLED
    txn.decided_at = timezone.now()
    txn.save(update_fields=["status", "decided_at"])
    audit.record(actor=actor, action=f"credits.{txn.kind}.cancel", target=txn)
    return txn


@transaction.atomic
def transaction_reverse(*, actor: User, txn: CreditTransaction, reason: str) -> CreditTransaction:
    """Correct a completed transfer by moving exactly the same serial numbers back.

    Only a registry administrator may do it, only while the receiving account still holds all
    of those units; cancellations and retirements are final and cannot be reversed.
    """
    txn = relock(txn)
    access.require_reverse(actor, txn)
    if txn.kind not in (TransactionKind.TRANSFER, TransactionKind.EXTERNAL_TRANSFER):
        raise Conflict("Only transfers can be reversed; cancellations and retirements are final.", field="kind")
    if txn.status != TransactionStatus.COMPLETED:
        raise Conflict(f"Transaction {txn.reference} is not completed.", field="status")
    if CreditTransaction.objects.filter(reverses=txn).exists():
        raise Conflict(f"Transaction {txn.reference} has already been reversed.", field="status")
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the correction.", field="reason")
    sender, receiver = accounts_of(txn)
    _lock_pair(receiver, sender)
    receiver, sender = relock(receiver), relock(sender)
    for account in (receiver, sender):
        if account.status == AccountStatus.CLOSED:
            raise Conflict(f"Account {account.number} is closed.", field="status")
    ranges = list(txn.entries.values_list("first_serial", "last_serial"))
    blocks = []
    for first, last in ranges:
        covering = lock(CreditBlock.objects.filter(last_serial__gte=first, first_serial__lte=last))
        if (sum(b.last_serial - b.first_serial + 1 for b in covering if b.account_id == receiver.pk
                and b.status == BlockStatus.ACTIVE and b.first_serial >= first and b.last_serial <= last)
                != last - first + 1):
            raise Conflict(f"Account {receiver.number} no longer holds all the units of {txn.reference}; "
                           "it cannot be reversed.", field="status")
        blocks.extend(covering)
    quantity = sum(last - first + 1 for first, last in ranges)
    reversal = CreditTransaction.objects.create(
        registry=txn.registry, kind=TransactionKind.REVERSAL, status=TransactionStatus.COMPLETED,
        from_account=receiver, to_account=sender, quantity=quantity, reverses=txn, initiator=actor,
        note=reason.strip(), decided_at=timezone.now(), completed_at=timezone.now(),
        selection={"reverses": txn.pk})
    block_ids = [b.pk for b in blocks]
    CreditBlock.objects.filter(pk__in=block_ids).update(account=sender)
    LedgerEntry.objects.bulk_create([
        LedgerEntry(transaction=reversal, block=b, first_serial=b.first_serial, last_serial=b.last_serial,
                    from_account=receiver, to_account=sender) for b in blocks])
    Account.objects.filter(pk=receiver.pk).update(balance=F("balance") - quantity)
    Account.objects.filter(pk=sender.pk).update(balance=F("balance") + quantity)
    events.emit("credits.reversal.completed", transaction_id=reversal.pk, reverses_id=txn.pk)
    audit.record(actor=actor, action="credits.reversal.complete", target=reversal,
                 data={**txn_data(reversal), "reverses": txn.pk}, message=reason)
    return reversal


# --- checks -------------------------------------------------------------------------------

def _check_quantity(quantity: int, first_serial: int | None, last_serial: int | None) -> None:
    if first_serial is None:
        if last_serial is not None:
            raise ApplicationError("Give the first serial number of the range.", field="first_serial")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1 or quantity > MAX_QUANTITY:
            raise ApplicationError("The quantity is a positive whole number of credits.", field="quantity")
        return
    if last_serial is None:
        if not isinstance(quantity, int) or quantity < 1:
            raise ApplicationError("Give the last serial number or the quantity.", field="last_serial")
        last_serial = first_serial + quantity - 1
    if first_serial < 1 or last_serial < first_serial:
        raise ApplicationError("The serial range is empty or reversed.", field="last_serial")
    if quantity and quantity != last_serial - first_serial + 1:
        raise ApplicationError("The quantity does not match the serial range.", field="quantity")


def _check_accounts(kind: str, from_account: Account, to_account: Account) -> None:
    if from_account.pk == to_account.pk:
        raise ApplicationError("Choose a different receiving account.", field="to_account")
    if from_account.type not in HOLDING_TYPES:
        raise Conflict(f"Credits in {from_account.get_type_display().lower()} {from_account.number} never move again.",
                       field="from_account")
    if to_account.type not in KIND_TARGETS[kind]:
        raise ApplicationError(f"A {TransactionKind(kind).label.lower()} goes to a "
                               f"{' or '.join(sorted(str(AccountType(t).label).lower() for t in KIND_TARGETS[kind]))}"
                               f"; {to_account.number} is a {to_account.get_type_display().lower()}.",
                               field="to_account")
    same_registry = from_account.registry_id == to_account.registry_id
    if kind == TransactionKind.EXTERNAL_TRANSFER and same_registry:
        raise ApplicationError("An external transfer goes to an account of another registry.", field="to_account")
    if kind != TransactionKind.EXTERNAL_TRANSFER and not same_registry:
        raise ApplicationError("The receiving account is in another registry: use an external transfer.",
                               field="to_account")


def _lock_pair(a: Account, b: Account) -> None:
    lock(Account.objects.filter(pk__in=[a.pk, b.pk]))
