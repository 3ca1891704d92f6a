"""Transactions: transfers, external transfers, cancellations and retirements proposed, approved,
rejected, cancelled and reversed. The units move in :mod:`credits.services.moves`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection

from django.db import IntegrityError, connection, transaction
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
from .common import (
    MAX_QUANTITY,
    accounts_of,
    holders_of,
    registry_admins,
    reversal_window,
    txn_data,
    url_of,
)
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
                         beneficiary: str = "", note: str = "", idempotency_key: str | None = None,
                         legal_basis: str = "") -> CreditTransaction:
    """Propose a transfer, external transfer, cancellation or retirement.

    Started by a representative of the sending account, it executes at once unless it needs a second
    representative's approval (:func:`needs_second_approval`). With ``legal_basis`` it is an administrative
    correction (:func:`correction_propose`).
    With ``idempotency_key``, the same request sent again (even concurrently) returns the
    first transaction, marked ``replayed = True``, and never executes twice; the same key with a
    different request is refused.
    """
    request = {"kind": kind, "from": from_account.pk, "to": to_account.pk, "quantity": quantity,
               "first_serial": first_serial, "last_serial": last_serial, "project_code": project_code,
               "vintage": vintage, "purpose": purpose, "beneficiary": beneficiary, "legal_basis": legal_basis}
    fingerprint = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
    # A key is looked up only when the attempt fails: the unique (initiator, key) constraint refuses the
    # second transaction row, which rolls the whole attempt back; a refused attempt may be the replay of
    # a request that did execute (the credits have gone since).
    try:
        return _initiate(actor=actor, kind=kind, from_account=from_account, to_account=to_account, quantity=quantity,
                         first_serial=first_serial, last_serial=last_serial, project_code=project_code,
                         vintage=vintage, purpose=purpose, beneficiary=beneficiary, note=note,
                         idempotency_key=idempotency_key or None, fingerprint=fingerprint,
                         legal_basis=(legal_basis or "").strip())
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
              beneficiary: str, note: str, idempotency_key: str | None, fingerprint: str,
              legal_basis: str = "") -> CreditTransaction:
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
    if legal_basis:
        access.require_propose_correction(actor, from_account)
    else:
        access.require_initiate(actor, from_account)
    selection = {k: v for k, v in {"first_serial": first_serial, "last_serial": last_serial,
                                   "project_code": project_code or None, "vintage": vintage}.items() if v is not None}
    txn = CreditTransaction(
        registry=from_account.registry, kind=kind, status=TransactionStatus.PROPOSED, from_account=from_account,
        to_account=to_account, quantity=quantity, selection=selection, purpose=purpose.strip(),
        beneficiary=beneficiary.strip(), note=note, initiator=actor, idempotency_key=idempotency_key,
        request_fingerprint=fingerprint, legal_basis=legal_basis)
    # the ordinary transaction moves at once in one statement unless it needs a second approval
    if not legal_basis and execute(txn, actor=actor, action=f"credits.{kind}.complete", unless_approval_needed=True):
        return txn
    # proposed: a correction, or an ordinary transaction that needs a second approval
    txn.save(force_insert=True)
    # Check now that the units exist, so that a hopeless proposal is refused at once.
    _lock_pair(from_account, to_account)
    check_holdings(relock(from_account), quantity)
    if legal_basis:
        audit.record(actor=actor, action=f"credits.{kind}.correction_propose", target=txn,
                     data={**txn_data(txn), "legal_basis": legal_basis})
        approvers = registry_admins(from_account.registry, besides=actor)
        notify(recipients=holders_of(from_account), kind="credits.correction_proposed",
               key=f"txn:{txn.pk}:correction", url=url_of(txn),
               subject=f"A registry administrator proposes a correction on account {from_account.number}",
               body=f"{txn.get_kind_display()} of {quantity:,} credits to {to_account.number}. "
                    f"Legal basis: {legal_basis}")
    else:
        audit.record(actor=actor, action=f"credits.{kind}.propose", target=txn, data=txn_data(txn))
        approvers = [user for user in _account_approvers(from_account) if user.pk != actor.pk]
    notify(recipients=approvers, kind="credits.approval_needed", key=f"txn:{txn.pk}:approval",
           subject=f"Transaction {txn.reference} awaits your approval", url=url_of(txn))
    return txn


def correction_propose(*, actor: User, kind: str, from_account: Account, to_account: Account, quantity: int,
                       legal_basis: str, first_serial: int | None = None, last_serial: int | None = None,
                       project_code: str = "", vintage: int | None = None, purpose: str = "",
                       beneficiary: str = "", note: str = "", idempotency_key: str | None = None
                       ) -> CreditTransaction:
    """A registry administrator proposes an administrative correction on a holder's account: a transfer,
    external transfer, cancellation or retirement out of it, on the stated ``legal_basis``. It stays proposed
    until a second administrator of the account's registry approves it (never its proposer, never the system
    administrator without that role); the account's holders are told at once and again when it completes."""
    if not (legal_basis or "").strip():
        raise ApplicationError("State the legal basis of the correction.", field="legal_basis")
    return transaction_initiate(actor=actor, kind=kind, from_account=from_account, to_account=to_account,
                                quantity=quantity, first_serial=first_serial, last_serial=last_serial,
                                project_code=project_code, vintage=vintage, purpose=purpose,
                                beneficiary=beneficiary, note=note, idempotency_key=idempotency_key,
                                legal_basis=legal_basis)


_NEEDS_APPROVAL = """SELECT a.requires_approval OR coalesce(%(quantity)s >= a.approval_threshold, false)
    OR (%(transfer)s AND NOT EXISTS (SELECT 1 FROM credits_trustedaccount t WHERE t.account_id = a.id
                                      AND t.trusted_id = %(to)s AND t.active_from <= %(now)s))
    FROM credits_account a WHERE a.id = %(from)s"""


def needs_second_approval(from_account: Account, to_account: Account, *, kind: str, quantity: int) -> bool:
    """Whether an ordinary transaction from ``from_account`` waits for a second representative's approval:

    - the account requires it for every outgoing transaction (``requires_approval``), or
    - the quantity reaches the account's ``approval_threshold`` (0 for government holding accounts by
      default: always), or
    - it is a transfer to an account that is not (yet) active on the sending account's trusted-account list.

    Read from the database in one query (never from a possibly stale instance).
    """
    with connection.cursor() as cursor:
        cursor.execute(_NEEDS_APPROVAL, {
            "quantity": quantity, "to": to_account.pk, "now": timezone.now(), "from": from_account.pk,
            "transfer": kind in (TransactionKind.TRANSFER, TransactionKind.EXTERNAL_TRANSFER)})
        row = cursor.fetchone()
    return bool(row is None or row[0])


def _account_approvers(account: Account) -> list[User]:
    return [user for user in holders_of(account)
            if access.is_account_approver(user, account)]


@transaction.atomic
def transaction_approve(*, actor: User, txn: CreditTransaction) -> CreditTransaction:
    txn = relock(txn)
    require_authenticated(actor)
    check_transition(TRANSACTION_TRANSITIONS, txn.status, TransactionStatus.COMPLETED, what=f"Transaction {txn.reference}",
                     labels=dict(TransactionStatus.choices))
    access.require_approve(actor, txn)
    txn.approver = actor
    txn.decided_at = timezone.now()
    if txn.kind == TransactionKind.REVERSAL:
        return _reversal_execute(actor=actor, reversal=txn)
    if txn.kind == TransactionKind.ISSUANCE:
        from .issuance import issuance_approve

        return issuance_approve(actor=actor, proposal=txn).transaction
    execute(txn, actor=actor, action=f"credits.{txn.kind}.{'correction_approve' if txn.is_correction else 'approve'}")
    if txn.is_correction:
        from_account, _to = accounts_of(txn)
        notify(recipients=holders_of(from_account), kind="credits.correction_completed",
               key=f"txn:{txn.pk}:correction_completed", url=url_of(txn),
               subject=f"Correction {txn.reference} on account {from_account.number} completed",
               body=f"{txn.get_kind_display()} of {txn.quantity:,} credits. Legal basis: {txn.legal_basis}")
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
    txn.reverses = None  # a rejected reversal leaves the transfer open to another proposal
    txn.save(update_fields=["status", "approver", "decided_at", "refusal_reason", "reverses"])
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
    txn.reverses = None
    txn.save(update_fields=["status", "decided_at", "reverses"])
    audit.record(actor=actor, action=f"credits.{txn.kind}.cancel", target=txn)
    return txn


@transaction.atomic
def transaction_reverse(*, actor: User, txn: CreditTransaction, reason: str) -> CreditTransaction:
    """Propose the correction of a completed transfer by moving exactly the same serial numbers back.

    An administrator of the transfer's registry proposes it, with its reason as the legal basis, within
    ``CREDITS_REVERSAL_WINDOW_DAYS`` of the transfer; an administrator of the registry the units come back
    from (the receiving registry: the other government's for an external transfer) approves it within the
    same window (:func:`transaction_approve`), never the proposer. Both accounts' holders are told.
    Cancellations and retirements are final and cannot be reversed.
    """
    txn = relock(txn)
    access.require_reverse(actor, txn)
    if txn.kind not in (TransactionKind.TRANSFER, TransactionKind.EXTERNAL_TRANSFER):
        raise Conflict("Only transfers can be reversed; cancellations and retirements are final.", field="kind")
    if txn.status != TransactionStatus.COMPLETED:
        raise Conflict(f"Transaction {txn.reference} is not completed.", field="status")
    if CreditTransaction.objects.filter(reverses=txn).exists():
        raise Conflict(f"Transaction {txn.reference} has already been reversed, or its reversal awaits approval.",
                       field="status")
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the correction.", field="reason")
    _check_reversal_window(txn)
    sender, receiver = accounts_of(txn)
    _lock_pair(receiver, sender)
    _reversal_blocks(txn, receiver=relock(receiver), sender=relock(sender))  # refuses a hopeless proposal now
    quantity = sum(last - first + 1 for first, last in txn.entries.values_list("first_serial", "last_serial"))
    reversal = CreditTransaction.objects.create(
        registry=txn.registry, kind=TransactionKind.REVERSAL, status=TransactionStatus.PROPOSED,
        from_account=receiver, to_account=sender, quantity=quantity, reverses=txn, initiator=actor,
        note=reason.strip(), legal_basis=reason.strip(), selection={"reverses": txn.pk})
    audit.record(actor=actor, action="credits.reversal.propose", target=reversal,
                 data={**txn_data(reversal), "reverses": txn.pk}, message=reason)
    notify(recipients=registry_admins(receiver.registry, besides=actor), kind="credits.approval_needed",
           key=f"txn:{reversal.pk}:approval", url=url_of(reversal),
           subject=f"Reversal {reversal.reference} of {txn.reference} awaits your approval")
    _notify_reversal(reversal, txn, what="proposed")
    return reversal


def _reversal_execute(*, actor: User, reversal: CreditTransaction) -> CreditTransaction:
    """Move the units of an approved reversal back (the caller locked it and checked the approver)."""
    txn = reversal.reverses
    if txn is None:
        raise Conflict(f"Reversal {reversal.reference} reverses no transaction.", field="status")
    _check_reversal_window(txn)
    sender, receiver = accounts_of(txn)
    _lock_pair(receiver, sender)
    receiver, sender = relock(receiver), relock(sender)
    blocks = _reversal_blocks(txn, receiver=receiver, sender=sender)
    quantity = reversal.quantity
    now = timezone.now()
    reversal.status = TransactionStatus.COMPLETED
    reversal.completed_at = now
    reversal.save(update_fields=["status", "approver", "decided_at", "completed_at"])
    block_ids = [b.pk for b in blocks]
    CreditBlock.objects.filter(pk__in=block_ids).update(account=sender)
    LedgerEntry.objects.bulk_create([
        LedgerEntry(transaction=reversal, block=b, first_serial=b.first_serial, last_serial=b.last_serial,
                    from_account=receiver, to_account=sender) for b in blocks])
    Account.objects.filter(pk=receiver.pk).update(balance=F("balance") - quantity)
    Account.objects.filter(pk=sender.pk).update(balance=F("balance") + quantity)
    events.emit("credits.reversal.completed", transaction_id=reversal.pk, reverses_id=txn.pk)
    audit.record(actor=actor, action="credits.reversal.complete", target=reversal,
                 data={**txn_data(reversal), "reverses": txn.pk}, message=reversal.legal_basis)
    _notify_reversal(reversal, txn, what="completed")
    return reversal


def _check_reversal_window(txn: CreditTransaction) -> None:
    if txn.completed_at is None or timezone.now() > txn.completed_at + reversal_window():
        raise Conflict(f"Transaction {txn.reference} completed more than {reversal_window().days} days ago; "
                       "it can no longer be reversed.", field="status")


def _reversal_blocks(txn: CreditTransaction, *, receiver: Account, sender: Account) -> list[CreditBlock]:
    """The blocks holding the units of ``txn``, locked, if the receiving account still holds them all."""
    for account in (receiver, sender):
        if account.status == AccountStatus.CLOSED:
            raise Conflict(f"Account {account.number} is closed.", field="status")
    blocks = []
    for first, last in txn.entries.values_list("first_serial", "last_serial"):
        covering = lock(CreditBlock.objects.filter(last_serial__gte=first, first_serial__lte=last))
        if (sum(b.last_serial - b.first_serial + 1 for b in covering if b.account_id == receiver.pk
                and b.status == BlockStatus.ACTIVE and b.first_serial >= first and b.last_serial <= last)
                != last - first + 1):
            raise Conflict(f"Account {receiver.number} no longer holds all the units of {txn.reference}; "
                           "it cannot be reversed.", field="status")
        blocks.extend(covering)
    return blocks


def _notify_reversal(reversal: CreditTransaction, txn: CreditTransaction, *, what: str) -> None:
    sender, receiver = accounts_of(txn)
    notify(recipients=holders_of(receiver) + holders_of(sender), kind=f"credits.reversal_{what}",
           key=f"txn:{reversal.pk}:reversal_{what}", url=url_of(reversal),
           subject=f"Reversal of {txn.reference} {what}: {reversal.quantity:,} credits from {receiver.number} "
                   f"back to {sender.number}", body=f"Reason: {reversal.legal_basis}")


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
