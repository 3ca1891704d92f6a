"""The hot path: moving units from one account to another (transfers, cancellations, retirements)."""

from __future__ import annotations

import functools

from django.db import connection
from django.utils import timezone
from psycopg.pq import ExecStatus

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
from .common import txn_data, url_of


def check_holdings(account: Account, quantity: int) -> None:
    if account.status != AccountStatus.OPEN:
        raise Conflict(f"Account {account.number} is {account.get_status_display().lower()}.", field="from_account")
    if account.balance < quantity:
        raise Conflict(f"Account {account.number} holds {account.balance:,} credits; {quantity:,} requested.",
                       field="quantity")


class _Batch:
    """Statements sent to PostgreSQL in one round trip (simple query protocol) and run there one after
    another, each with its own snapshot; the first that fails aborts the rest and raises."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.params: list = []

    def add(self, sql: str, params=()) -> int:
        """Queue one statement; returns its index in :meth:`run`'s result."""
        self.sql.append(sql)
        self.params.extend(params)
        return len(self.sql) - 1

    def run(self) -> list:
        """Each statement's rows (a list) or, for one that returns none, the number of rows it changed."""
        results = []
        with connection.cursor() as cursor:
            cursor.execute(";\n".join(self.sql), self.params)  # raises (as Django's errors) if any failed
            results_of = cursor.cursor  # psycopg's cursor holds every statement's result by now
            for n in range(len(self.sql)):
                if n:
                    results_of.nextset()
                rows = results_of.pgresult.status == ExecStatus.TUPLES_OK
                results.append(results_of.fetchall() if rows else results_of.rowcount)
        return results


@functools.cache
def _columns(model) -> tuple[str, list]:
    """The quoted columns the ORM writes for a new ``model`` row (no primary key), and their fields."""
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.local_concrete_fields if not f.generated and not f.primary_key]
    return ", ".join(quote(f.column) for f in fields), fields


def _values(obj, fields) -> list:
    """What the ORM would write for ``obj`` (defaults, ``auto_now_add``, JSON)."""
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


_BATCH = 200  # blocks locked per statement when the selection is a quantity
# The sender's debit checks its holdings and status; the transaction row is written only if it passed
# (a refused move takes no transaction number). Each returns the transaction's id, or no row.
_DEBIT = "UPDATE credits_account SET balance = balance - %s WHERE id = %s AND status = 'open' AND balance >= %s"
_DEBIT_AND_INSERT = ("WITH debit AS (" + _DEBIT + " RETURNING id) "
                     "INSERT INTO credits_credittransaction ({columns}) SELECT {values} FROM debit RETURNING id")
_DEBIT_AND_COMPLETE = ("WITH debit AS (" + _DEBIT + " RETURNING id) "
                       "UPDATE credits_credittransaction SET status = %s, completed_at = %s, decided_at = %s, "
                       "approver_id = %s WHERE id = %s AND EXISTS (SELECT FROM debit) RETURNING id")
# the receiver's representatives come back with its new balance: they are told of the move
_CREDIT = ("UPDATE credits_account SET balance = balance + %s WHERE id = %s AND status = 'open' "
           "RETURNING balance, ARRAY(SELECT r.user_id FROM credits_accountrepresentative r "
           "WHERE r.account_id = credits_account.id ORDER BY r.id)")
_RANGE_BLOCK = ("SELECT id, first_serial, last_serial FROM credits_creditblock WHERE account_id = %s "
                "AND status = 'active' AND first_serial <= %s AND last_serial >= %s "
                "ORDER BY first_serial DESC LIMIT 1 FOR UPDATE")
# A split, in one statement: the block keeps [kept first, kept last]; the part that moves becomes a new
# block (``origin`` = the block; account, status and first external transfer given) with its ledger row.
# The moved part is inserted only after the block has shrunk (it reads the UPDATE's RETURNING), so the
# exclusion constraint sees no overlap.
_SPLIT = """WITH kept AS (
    UPDATE credits_creditblock SET first_serial = %s, last_serial = %s WHERE id = %s
    RETURNING id, issuance_id, issuing_registry_id, project_code, monitoring_period_number, vintage,
              "authorization", corresponding_adjustment, first_transferred_at),
moved AS (
    INSERT INTO credits_creditblock (first_serial, last_serial, account_id, status, issuance_id, issuing_registry_id,
        project_code, monitoring_period_number, vintage, "authorization", corresponding_adjustment,
        first_transferred_at, origin_id, created_by_id, created_at)
    SELECT %s, %s, %s, %s, issuance_id, issuing_registry_id, project_code, monitoring_period_number, vintage,
           "authorization", corresponding_adjustment, {stamp}, id, %s, %s FROM kept
    RETURNING id, first_serial, last_serial)
INSERT INTO credits_ledgerentry (transaction_id, block_id, first_serial, last_serial, from_account_id, to_account_id,
    created_at)
SELECT %s, id, first_serial, last_serial, %s, %s, %s FROM moved"""
_SPLIT_LOCAL = _SPLIT.format(stamp="first_transferred_at")
_SPLIT_EXTERNAL = _SPLIT.format(stamp="coalesce(first_transferred_at, %s)")
# The upper remainder of a range cut from the middle of a block: a new block, everything else kept.
_REMAINDER = """INSERT INTO credits_creditblock (first_serial, last_serial, account_id, status, issuance_id,
    issuing_registry_id, project_code, monitoring_period_number, vintage, "authorization", corresponding_adjustment,
    first_transferred_at, origin_id, created_by_id, created_at)
SELECT %s, %s, account_id, status, issuance_id, issuing_registry_id, project_code, monitoring_period_number, vintage,
       "authorization", corresponding_adjustment, first_transferred_at, id, %s, %s
  FROM credits_creditblock WHERE id = %s"""
# Whole blocks change account (and status), each with its ledger row, in serial order.
_MOVE_WHOLE = """WITH moved AS (
    UPDATE credits_creditblock SET account_id = %s, status = %s{stamp} WHERE id = ANY(%s)
    RETURNING id, first_serial, last_serial)
INSERT INTO credits_ledgerentry (transaction_id, block_id, first_serial, last_serial, from_account_id, to_account_id,
    created_at)
SELECT %s, id, first_serial, last_serial, %s, %s, %s FROM moved ORDER BY first_serial"""
_MOVE_WHOLE_LOCAL = _MOVE_WHOLE.format(stamp="")
_MOVE_WHOLE_EXTERNAL = _MOVE_WHOLE.format(stamp=", first_transferred_at = coalesce(first_transferred_at, %s)")


def execute(txn: CreditTransaction, *, actor, action: str) -> None:
    """Move the units and append the audit event ``action``: two round trips to the database.

    First the two balance updates, in primary-key order: the sender's ``UPDATE ... WHERE balance >=
    quantity`` both checks the holdings and locks the account, so concurrent moves from one account queue
    there. With them go the transaction row (an unsaved ``txn``, with no approval needed, is inserted
    already completed) and the lock of the sender's blocks to move, in serial order. A refusal raises
    after this round trip and everything rolls back.

    Then, together: at most one split per end of the selection (the block keeps the serials below the
    moved part if that starts inside the block, else the serials above it; the moved part, and the upper
    remainder of a range cut from the middle, become new blocks whose ``origin`` is the block), the whole
    blocks moved, one ledger row per block moved, and the audit event (advisory lock, last event, insert).
    """
    sender, receiver = txn.from_account, txn.to_account
    quantity, sel = txn.quantity, txn.selection
    now = timezone.now()
    txn.status = TransactionStatus.COMPLETED
    txn.completed_at = now
    txn.decided_at = txn.decided_at or now
    first_pass = _Batch()
    for pk in sorted({sender.pk, receiver.pk}):
        if pk == receiver.pk:
            credited = first_pass.add(_CREDIT, [quantity, pk])
        elif txn.pk is None:
            columns, fields = _columns(CreditTransaction)
            debited = first_pass.add(_DEBIT_AND_INSERT.format(columns=columns, values=", ".join(["%s"] * len(fields))),
                                     [quantity, pk, quantity, *_values(txn, fields)])
        else:
            debited = first_pass.add(_DEBIT_AND_COMPLETE, [quantity, pk, quantity, txn.status, txn.completed_at,
                                                           txn.decided_at, txn.approver_id, txn.pk])
    if "first_serial" in sel:
        first = sel["first_serial"]
        last = sel.get("last_serial", first + quantity - 1)
        found = first_pass.add(_RANGE_BLOCK, [sender.pk, first, last])
    else:
        where, params = ["account_id = %s", "status = 'active'"], [sender.pk]
        if sel.get("project_code"):
            where.append("project_code = %s")
            params.append(sel["project_code"])
        if sel.get("vintage"):
            where.append("vintage = %s")
            params.append(sel["vintage"])
        blocks_sql = (f"SELECT id, first_serial, last_serial FROM credits_creditblock WHERE {' AND '.join(where)} "
                      f"AND first_serial > %s ORDER BY first_serial LIMIT {_BATCH} FOR UPDATE")
        found = first_pass.add(blocks_sql, [*params, 0])
    rows = first_pass.run()
    if not rows[debited]:
        check_holdings(Account.objects.get(pk=sender.pk), quantity)  # raises with the reason
        raise Conflict(f"Account {sender.number} cannot send {quantity:,} credits now.", field="quantity")
    if not rows[credited]:
        raise Conflict(f"Account {receiver.number} is not open.", field="to_account")
    recipient_ids = rows[credited][0][1]
    txn.pk = rows[debited][0][0]
    txn._state.adding, txn._state.db = False, connection.alias

    moves: list[tuple[tuple[int, int, int], int, int]] = []  # ((id, first, last) of a block, first, last to move)
    blocks = rows[found]
    if "first_serial" in sel:
        if not blocks:
            raise Conflict(f"Account {sender.number} does not hold all of serials {first}–{last} in one block.",
                           field="first_serial")
        moves.append((blocks[0], first, last))
    else:
        remaining = quantity  # oldest serials first
        while True:
            for block in blocks:
                take = min(remaining, block[2] - block[1] + 1)
                moves.append((block, block[1], block[1] + take - 1))
                remaining -= take
                if remaining == 0:
                    break
            if remaining == 0:
                break
            if len(blocks) == _BATCH:  # more blocks than one batch: lock the next ones
                next_batch = _Batch()
                next_batch.add(blocks_sql, [*params, blocks[-1][1]])
                blocks = next_batch.run()[0]
            else:
                blocks = []
            if not blocks:
                raise Conflict(f"Account {sender.number} holds fewer than {quantity:,} matching credits.",
                               field="quantity")

    new_status = (BlockStatus.RETIRED if receiver.type == AccountType.RETIREMENT
                  else BlockStatus.CANCELLED if receiver.type in TERMINAL_TYPES else BlockStatus.ACTIVE)
    external = txn.kind == TransactionKind.EXTERNAL_TRANSFER
    stamp = [now] if external else []
    entry = [txn.pk, sender.pk, receiver.pk, now]  # the ledger row's transaction, accounts and time
    second_pass, ledger = _Batch(), []
    whole_ids = [block[0] for block, first, last in moves if (first, last) == (block[1], block[2])]
    if whole_ids:  # first: the ledger rows follow the serial order of the moves
        ledger.append(second_pass.add(_MOVE_WHOLE_EXTERNAL if external else _MOVE_WHOLE_LOCAL,
                                      [receiver.pk, new_status, *stamp, whole_ids, *entry]))
    for (block_id, old_first, old_last), first, last in moves:
        if (first, last) == (old_first, old_last):
            continue
        kept = (old_first, first - 1) if first > old_first else (last + 1, old_last)
        ledger.append(second_pass.add(_SPLIT_EXTERNAL if external else _SPLIT_LOCAL,
                                      [*kept, block_id, first, last, receiver.pk, new_status, *stamp, txn.pk, now,
                                       *entry]))
        if first > old_first and last < old_last:
            second_pass.add(_REMAINDER, [last + 1, old_last, txn.pk, now, block_id])
    txn._ranges = [[first, last] for _block, first, last in moves]
    append = audit.prepare(actor=actor, action=action, target=txn, data=txn_data(txn))
    for sql, params in append.statements:
        event = second_pass.add(sql, params)
    done = second_pass.run()
    written = sum(done[n] for n in ledger)
    if written != len(moves):  # cannot happen while the blocks are locked; never commit half a ledger
        raise RuntimeError(f"{txn.reference}: {written} ledger rows written for {len(moves)} ranges moved")
    append.done(done[event][0])

    events.emit(f"credits.{txn.kind}.completed", transaction_id=txn.pk)
    if recipient_ids:  # the inbox notices are stored with the transaction (e-mailed after commit)
        from committee.models import User

        users = {u.pk: u for u in User.objects.filter(pk__in=recipient_ids)}
        notify(recipients=[users[pk] for pk in recipient_ids if pk in users], kind=f"credits.{txn.kind}",
               key=f"txn:{txn.pk}:completed",
               subject=f"{txn.get_kind_display()} {txn.reference}: {txn.quantity:,} credits to {receiver.number}",
               url=url_of(txn))
