"""The hot path (credits.services.moves, credits/sql/moves.sql): the units move in one statement, a new
block copies every column of the block it comes from, and the SQL takes its statuses as parameters."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credits import services
from credits.choices import AccountStatus, BlockStatus, TransactionKind, TransactionStatus
from credits.models import CreditBlock

pytestmark = pytest.mark.django_db

MOVES_SQL = Path(__file__).resolve().parents[2] / "credits" / "sql" / "moves.sql"
# what a move gives a new block; every other column is the origin's
SET_BY_THE_MOVE = {"id", "first_serial", "last_serial", "quantity", "account", "status", "first_transferred_at",
                   "origin", "created_by", "created_at",
                   "split_from_first", "split_from_last"}  # the origin's range at the split (migration 0007)


def test_the_units_move_in_one_statement(accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 1000)
    with CaptureQueriesContext(connection) as captured:
        services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER,
                                      from_account=accounts["jp_pp"], to_account=accounts["jp_other"], quantity=300,
                                      first_serial=401, last_serial=700)
    sql = [q["sql"] for q in captured.captured_queries]
    # credits_move, wrapped by the check of whether it needs a second approval (credits/sql/authority.sql)
    assert sum("credits_move(" in s or "credits_move_unless_approval(" in s for s in sql) == 1
    assert not [s for s in sql if "credits_creditblock" in s or "credits_ledgerentry" in s
                or "UPDATE credits_account" in s or "INSERT INTO credits_credittransaction" in s]


def test_a_new_block_copies_every_column_of_its_origin(accounts, issue, holder_rep):
    """Each field of CreditBlock is either set by the move (SET_BY_THE_MOVE) or the origin's, for the moved
    part and for the upper remainder of a range cut from the middle."""
    issue(accounts["jp_pp"], 1000)
    origin = CreditBlock.objects.get(account=accounts["jp_pp"])
    CreditBlock.objects.filter(pk=origin.pk).update(corresponding_adjustment="pending")
    txn = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER,
                                        from_account=accounts["jp_pp"], to_account=accounts["jp_other"],
                                        quantity=100, first_serial=401, last_serial=500)
    origin.refresh_from_db()
    moved = CreditBlock.objects.get(account=accounts["jp_other"])
    remainder = CreditBlock.objects.get(account=accounts["jp_pp"], first_serial=501)
    assert [(b.first_serial, b.last_serial) for b in (origin, moved, remainder)] == [(1, 400), (401, 500),
                                                                                     (501, 1000)]
    assert (moved.origin_id, remainder.origin_id) == (origin.pk, origin.pk)
    assert {(b.split_from_first, b.split_from_last) for b in (moved, remainder)} == {(1, 1000)}
    assert (moved.created_by_id, remainder.created_by_id) == (txn.pk, txn.pk)
    assert (moved.status, remainder.status, remainder.account_id) == (BlockStatus.ACTIVE, BlockStatus.ACTIVE,
                                                                      accounts["jp_pp"].pk)
    fields = {f.name for f in CreditBlock._meta.concrete_fields}
    assert SET_BY_THE_MOVE <= fields, "the test names a field CreditBlock does not have"
    for field in sorted(fields - SET_BY_THE_MOVE):
        expected = getattr(origin, field if not CreditBlock._meta.get_field(field).is_relation else f"{field}_id")
        for block in (moved, remainder):
            name = field if not CreditBlock._meta.get_field(field).is_relation else f"{field}_id"
            assert getattr(block, name) == expected, (field, block)


@pytest.mark.parametrize("selection", [{"quantity": 300}, {"quantity": 100, "first_serial": 401, "last_serial": 500}])
def test_a_column_added_to_the_blocks_is_copied_by_a_move(accounts, issue, holder_rep, selection):
    """As if CreditBlock gained a column: the moved part and the remainder carry the origin's value.
    (The DDL is rolled back with the test's transaction; it comes before any block is written, as
    PostgreSQL alters no table with pending trigger events.)"""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE credits_creditblock ADD COLUMN probe text")
    issue(accounts["jp_pp"], 1000)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE credits_creditblock SET probe = 'carried' WHERE account_id = %s", [accounts["jp_pp"].pk])
    services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER, from_account=accounts["jp_pp"],
                                  to_account=accounts["jp_other"], **selection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT first_serial, probe FROM credits_creditblock ORDER BY first_serial")
        blocks = cursor.fetchall()
    assert len(blocks) == (2 if "first_serial" not in selection else 3)
    assert {probe for _first, probe in blocks} == {"carried"}


def test_a_proposal_is_completed_by_the_same_path(accounts, issue, holder_rep, holder_rep2):
    account = accounts["jp_pp"]
    account.requires_approval = True
    account.save(update_fields=["requires_approval"])
    issue(account, 100)
    txn = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.EXTERNAL_TRANSFER,
                                        from_account=account, to_account=accounts["mn_gov"], quantity=100)
    assert txn.status == TransactionStatus.PROPOSED
    txn = services.transaction_approve(actor=holder_rep2, txn=txn)
    txn.refresh_from_db()
    assert (txn.status, txn.approver, txn.completed_at is not None) == (TransactionStatus.COMPLETED, holder_rep2, True)
    moved = CreditBlock.objects.get(account=accounts["mn_gov"])  # the whole block: no split
    assert moved.first_transferred_at == txn.completed_at and moved.origin_id is None
    assert list(txn.entries.values_list("first_serial", "last_serial")) == [(moved.first_serial, moved.last_serial)]


def test_the_sql_takes_its_statuses_as_parameters():
    sql = MOVES_SQL.read_text()
    for status in [*AccountStatus.values, *BlockStatus.values, *TransactionStatus.values]:
        assert f"'{status}'" not in sql, status
