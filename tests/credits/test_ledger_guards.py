"""PostgreSQL guards the ledger, whoever writes: raw SQL that breaks an invariant is refused.

- An account's balance equals the units of the blocks it holds, and a transaction's ledger entries add up to
  its quantity (completed) or to nothing (not completed): deferred constraint triggers, checked at commit.
  Here ``SET CONSTRAINTS ALL IMMEDIATE`` checks them as a commit would, inside the test's transaction; one
  transactional test commits for real.
- The counters these checks compare belong to the database: nobody writes them.
- TRUNCATE of the audit trail, the blocks and the ledger is refused.

(credits/sql/ledger_invariants.sql, core migration 0002_audit_never_truncated; docs/credits.md.)
"""

from __future__ import annotations

import psycopg
import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from credits import services
from credits.choices import TransactionKind
from credits.models import Account, CreditTransaction
from credits.reconcile import reconcile
from tests.core.test_upgrade import _connect, _manage, old_database  # noqa: F401 - old_database is a fixture


def checked_at_commit(*statements: str, params: dict | None = None) -> None:
    """Run ``statements``, then the deferred checks, as the commit would; roll back either way."""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, params)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        transaction.set_rollback(True)


@pytest.fixture
def moved(accounts, issue, holder_rep):
    """100 credits issued into the company's account, 30 of them transferred (a split)."""
    issue(accounts["jp_pp"], 100)
    txn = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER,
                                        from_account=accounts["jp_pp"], to_account=accounts["jp_other"], quantity=30)
    return {"sender": accounts["jp_pp"], "receiver": accounts["jp_other"], "transfer": txn}


@pytest.mark.django_db
def test_what_the_services_write_passes_the_checks(moved):
    checked_at_commit("SELECT 1")
    assert reconcile() == []


# --- an account's balance equals the units of its blocks ------------------------------------------

@pytest.mark.django_db
def test_a_balance_changed_alone_is_refused(moved):
    with pytest.raises(IntegrityError, match="has a balance of 71 credits but holds 70 in its blocks"):
        checked_at_commit("UPDATE credits_account SET balance = balance + 1 WHERE id = %(id)s",
                          params={"id": moved["sender"].pk})


@pytest.mark.django_db
def test_a_block_moved_alone_is_refused(moved):
    with pytest.raises(IntegrityError, match="account_balance_is_its_blocks|has a balance of"):
        checked_at_commit("UPDATE credits_creditblock SET account_id = %(to)s WHERE account_id = %(from)s",
                          params={"from": moved["sender"].pk, "to": moved["receiver"].pk})


@pytest.mark.django_db
def test_a_block_inserted_alone_is_refused(moved):
    with pytest.raises(IntegrityError, match="has a balance of 70 credits but holds 80 in its blocks"):
        checked_at_commit(
            """INSERT INTO credits_creditblock (first_serial, last_serial, status, project_code,
                   monitoring_period_number, vintage, "authorization", corresponding_adjustment, created_at,
                   account_id, created_by_id, issuance_id, issuing_registry_id)
               SELECT 10001, 10010, status, project_code, monitoring_period_number, vintage, "authorization",
                   corresponding_adjustment, now(), account_id, created_by_id, issuance_id, issuing_registry_id
                 FROM credits_creditblock WHERE account_id = %(id)s""", params={"id": moved["sender"].pk})


@pytest.mark.django_db
def test_the_balance_and_the_blocks_moved_together_pass(moved):
    """The same move as the refused ones, done completely (the check is the invariant, not who writes)."""
    sender, receiver = moved["sender"], moved["receiver"]
    checked_at_commit("UPDATE credits_creditblock SET account_id = %(to)s WHERE account_id = %(from)s",
                      "UPDATE credits_account SET balance = balance - 70 WHERE id = %(from)s",
                      "UPDATE credits_account SET balance = balance + 70 WHERE id = %(to)s",
                      params={"from": sender.pk, "to": receiver.pk})


@pytest.mark.django_db
def test_the_counter_of_block_units_belongs_to_the_database(moved):
    with pytest.raises(IntegrityError, match="block_units is kept by the triggers"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE credits_account SET balance = balance + 1, block_units = block_units + 1 "
                           "WHERE id = %s", [moved["sender"].pk])
    # an account starts with no units, whatever its INSERT says
    with pytest.raises(IntegrityError, match="has a balance of 5 credits but holds 0"):
        checked_at_commit(
            """INSERT INTO credits_account (registry_id, number, type, name, status, requires_approval, balance,
                   opened_at, block_units)
               SELECT registry_id, 'JP-100-000099', type, 'Forged', status, false, 5, now(), 5
                 FROM credits_account WHERE id = %(id)s""", params={"id": moved["sender"].pk})


# --- a transaction's entries add up to its quantity -----------------------------------------------

@pytest.mark.django_db
def test_an_entry_added_to_a_completed_transaction_is_refused(moved):
    txn = moved["transfer"]
    with pytest.raises(IntegrityError, match=f"the ledger entries of transaction {txn.pk} .* add up to 31 credits"):
        checked_at_commit(
            """INSERT INTO credits_ledgerentry (transaction_id, block_id, first_serial, last_serial,
                   from_account_id, to_account_id, created_at)
               SELECT transaction_id, block_id, last_serial + 1, last_serial + 1, from_account_id, to_account_id,
                   now() FROM credits_ledgerentry WHERE transaction_id = %(txn)s""", params={"txn": txn.pk})


@pytest.mark.django_db
def test_a_quantity_changed_alone_is_refused(moved):
    with pytest.raises(IntegrityError, match="quantity 29\\) add up to 30 credits"):
        checked_at_commit("UPDATE credits_credittransaction SET quantity = 29 WHERE id = %(txn)s",
                          params={"txn": moved["transfer"].pk})


@pytest.mark.django_db
def test_a_completed_transaction_without_entries_is_refused(moved):
    with pytest.raises(IntegrityError, match="completed, quantity 5\\) add up to 0 credits"):
        checked_at_commit(
            """INSERT INTO credits_credittransaction (registry_id, kind, status, from_account_id, to_account_id,
                   quantity, selection, purpose, beneficiary, note, initiator_id, request_fingerprint,
                   created_at, completed_at, refusal_reason)
               SELECT registry_id, kind, status, from_account_id, to_account_id, 5, '{}', '', '', '',
                   initiator_id, '', now(), now(), '' FROM credits_credittransaction WHERE id = %(txn)s""",
            params={"txn": moved["transfer"].pk})


@pytest.mark.django_db
def test_a_transaction_that_did_not_execute_has_no_entries(moved):
    with pytest.raises(IntegrityError, match="proposed, quantity 30\\) add up to 30 credits"):
        checked_at_commit("UPDATE credits_credittransaction SET status = 'proposed' WHERE id = %(txn)s",
                          params={"txn": moved["transfer"].pk})


@pytest.mark.django_db
def test_the_counter_of_entry_units_belongs_to_the_database(moved):
    with pytest.raises(IntegrityError, match="entry_units is kept by the trigger"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE credits_credittransaction SET quantity = 31, entry_units = 31 WHERE id = %s",
                           [moved["transfer"].pk])


# --- TRUNCATE ---------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("statement, refusal", [
    ("TRUNCATE jcm_registry_auditevent", "the audit trail is append-only: TRUNCATE"),
    ("TRUNCATE credits_ledgerentry", "the credit ledger is append-only: TRUNCATE is not allowed"),
    ("TRUNCATE credits_creditblock CASCADE", "credit blocks are never deleted: TRUNCATE is not allowed"),
    ("TRUNCATE credits_account CASCADE", "TRUNCATE is not allowed"),
])
def test_truncate_is_refused(moved, statement, refusal):
    with pytest.raises(DatabaseError, match=refusal), transaction.atomic(), connection.cursor() as cursor:
        # first the checks queued by the fixture's writes: PostgreSQL truncates no table with pending ones
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)


# --- at a real commit -----------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_checks_run_at_commit(moved):
    sender = moved["sender"]
    with pytest.raises(IntegrityError, match="account_balance_is_its_blocks|has a balance of 69 credits"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE credits_account SET balance = balance - 1 WHERE id = %s", [sender.pk])
            # nothing is checked before the commit
            cursor.execute("SELECT balance FROM credits_account WHERE id = %s", [sender.pk])
            assert cursor.fetchone() == (69,)
    assert Account.objects.get(pk=sender.pk).balance == 70
    assert CreditTransaction.objects.filter(kind=TransactionKind.TRANSFER).count() == 1
    assert reconcile() == []


# --- an existing database ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_existing_database_counts_what_it_holds_and_is_guarded(old_database):  # noqa: F811 - the fixture
    """The demo database of the old layout (tests/core/test_upgrade.py) migrates: the counters hold the
    units of each account's blocks and of each transaction's entries, and a wrong balance is refused."""
    settings, name = old_database
    migrated = _manage(settings, name, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    with _connect(settings, name) as conn:
        accounts = conn.execute(
            """SELECT count(*), count(*) FILTER (WHERE block_units <> coalesce(b.units, 0)), sum(block_units)
                 FROM credits_account a
                 LEFT JOIN (SELECT account_id, sum(quantity) AS units FROM credits_creditblock GROUP BY account_id) b
                   ON b.account_id = a.id""").fetchone()
        transactions = conn.execute(
            """SELECT count(*), count(*) FILTER (WHERE entry_units <> coalesce(e.units, 0))
                 FROM credits_credittransaction t
                 LEFT JOIN (SELECT transaction_id, sum(quantity) AS units FROM credits_ledgerentry
                             GROUP BY transaction_id) e ON e.transaction_id = t.id""").fetchone()
        assert accounts[0] > 0 and accounts[1] == 0 and accounts[2] > 0, accounts
        assert transactions[0] > 0 and transactions[1] == 0, transactions
        with pytest.raises(psycopg.IntegrityError, match="has a balance of"):
            with conn.transaction():
                conn.execute("UPDATE credits_account SET balance = balance + 1 WHERE block_units > 0")
