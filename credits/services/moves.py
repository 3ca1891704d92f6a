"""The hot path: the units of a transfer, external transfer, cancellation or retirement move.

The move itself is one statement, so one round trip to PostgreSQL: the PL/pgSQL function
``credits_move`` of ``credits/sql/moves.sql`` (its steps, locks and refusals are described there). This
module gives it the transaction row, built from the model's fields, and the statuses, from
``credits.choices``; raises its refusal; then appends the audit event (a second round trip) and stores
the notices, all in the caller's database transaction.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from typing import Any

from django.db import connection, models
from django.utils import timezone

from committee.models import User
from core import audit, events
from core.errors import Conflict
from core.notices import notify

from ..choices import (
    TERMINAL_TYPES,
    AccountStatus,
    AccountType,
    BlockStatus,
    TransactionKind,
    TransactionStatus,
)
from ..models import Account, CreditTransaction
from .common import accounts_of, txn_data, url_of

MOVED = "moved"  # credits_move's outcome when the units moved; any other names the refusal
APPROVAL = "approval"  # credits_move_unless_approval's outcome when the transaction needs a second approval

_MOVE = """SELECT outcome, txn_id, recipients, firsts, lasts FROM credits_move(
    p_txn => %(txn)s::jsonb, p_sender => %(sender)s, p_receiver => %(receiver)s, p_quantity => %(quantity)s,
    p_first => %(first)s, p_last => %(last)s, p_project => %(project)s, p_vintage => %(vintage)s,
    p_open => %(open)s, p_active => %(active)s, p_moved_status => %(moved_status)s,
    p_first_transfer => %(first_transfer)s, p_now => %(now)s)"""


_MOVE_UNLESS_APPROVAL = _MOVE.replace("credits_move(", "credits_move_unless_approval(").replace(
    "p_now => %(now)s)", "p_now => %(now)s, p_transfer => %(transfer)s)")


def execute(txn: CreditTransaction, *, actor: User, action: str, unless_approval_needed: bool = False) -> bool:
    """Complete ``txn`` (new, or a proposal being approved): move its units and append the audit event
    ``action``. Raises :class:`Conflict`, writing nothing, when the units cannot move.

    With ``unless_approval_needed`` (a new ordinary transaction), nothing is written and False is returned when
    it needs a second approval (``services.needs_second_approval``'s rule, checked in the same statement)."""
    (sender, receiver), selection = accounts_of(txn), txn.selection
    now = timezone.now()
    txn.status = TransactionStatus.COMPLETED
    txn.completed_at = now
    txn.decided_at = txn.decided_at or now
    first = selection.get("first_serial")
    last = selection.get("last_serial", first + txn.quantity - 1) if first is not None else None
    with connection.cursor() as cursor:
        cursor.execute(_MOVE_UNLESS_APPROVAL if unless_approval_needed else _MOVE, {
            "txn": _row(txn), "sender": sender.pk, "receiver": receiver.pk, "quantity": txn.quantity,
            "first": first, "last": last, "project": selection.get("project_code") or None,
            "vintage": selection.get("vintage") or None, "open": AccountStatus.OPEN, "active": BlockStatus.ACTIVE,
            "moved_status": _moved_status(receiver),
            "first_transfer": txn.kind == TransactionKind.EXTERNAL_TRANSFER, "now": now,
            "transfer": txn.kind in (TransactionKind.TRANSFER, TransactionKind.EXTERNAL_TRANSFER)})
        outcome, txn_id, recipient_ids, firsts, lasts = cursor.fetchone()
    if outcome == APPROVAL:
        txn.status, txn.completed_at, txn.decided_at = TransactionStatus.PROPOSED, None, None
        return False
    if outcome != MOVED:
        _refuse(outcome, txn, first=first, last=last)
    txn.pk = txn_id
    txn._state.adding, txn._state.db = False, connection.alias
    ranges = [[f, la] for f, la in zip(firsts, lasts, strict=True)]
    audit.record(actor=actor, action=action, target=txn, data=txn_data(txn, ranges=ranges))

    events.emit(f"credits.{txn.kind}.completed", transaction_id=txn.pk)
    if recipient_ids:  # the inbox notices are stored with the transaction (e-mailed after commit)
        users = {u.pk: u for u in User.objects.filter(pk__in=recipient_ids)}
        notify(recipients=[users[pk] for pk in recipient_ids if pk in users], kind=f"credits.{txn.kind}",
               key=f"txn:{txn.pk}:completed",
               subject=f"{txn.get_kind_display()} {txn.reference}: {txn.quantity:,} credits to {receiver.number}",
               url=url_of(txn))
    return True


def check_holdings(account: Account, quantity: int) -> None:
    if account.status != AccountStatus.OPEN:
        raise Conflict(f"Account {account.number} is {account.get_status_display().lower()}.", field="from_account")
    if account.balance < quantity:
        raise Conflict(f"Account {account.number} holds {account.balance:,} credits; {quantity:,} requested.",
                       field="quantity")


def _moved_status(receiver: Account) -> str:
    if receiver.type == AccountType.RETIREMENT:
        return BlockStatus.RETIRED
    return BlockStatus.CANCELLED if receiver.type in TERMINAL_TYPES else BlockStatus.ACTIVE


def _refuse(outcome: str, txn: CreditTransaction, *, first: int | None, last: int | None) -> None:
    (sender, receiver), quantity = accounts_of(txn), txn.quantity
    if outcome == "sender":
        check_holdings(Account.objects.get(pk=sender.pk), quantity)  # raises with the reason
        raise Conflict(f"Account {sender.number} cannot send {quantity:,} credits now.", field="quantity")
    if outcome == "receiver":
        raise Conflict(f"Account {receiver.number} is not open.", field="to_account")
    if outcome == "range":
        raise Conflict(f"Account {sender.number} does not hold all of serials {first}–{last} in one block.",
                       field="first_serial")
    if outcome == "quantity":
        raise Conflict(f"Account {sender.number} holds fewer than {quantity:,} matching credits.", field="quantity")
    raise RuntimeError(f"credits_move answered {outcome!r}")


def _row(obj: models.Model) -> str:
    """The row the ORM would write for ``obj`` (defaults, ``auto_now_add``; no primary key while it is new),
    as JSON for ``jsonb_populate_record``: one value per concrete column, read from the model's fields."""
    adding = obj._state.adding
    row: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.column is None or field.generated or (field.primary_key and adding):
            continue  # (a concrete field always has its column)
        value = field.pre_save(obj, adding)
        row[field.column] = value if isinstance(field, models.JSONField) else field.get_prep_value(value)
    return json.dumps(row, default=_json_value)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.time):  # datetimes too, to the microsecond
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no JSON form for a row")
