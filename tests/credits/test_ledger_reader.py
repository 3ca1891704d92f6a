"""The ledger's one reader (``selectors.ledger_movements``) and what reads through it.

One registry's year of movements, each transaction completed at a known instant: issuances, a transfer
across two blocks (one split), a transfer in and its reversal, an external transfer, the three kinds of
cancellation, a retirement at the last second of the year and a transfer at the first second of the next.
The CSV statement and ``selectors.account_statement`` of one account and period agree line by line;
reconciliation and the Article 6.2 report read the same movements and find what they found before.
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from credits import article6, selectors, services
from credits.choices import AccountType, Authorization, TransactionKind, TransactionStatus
from credits.models import Account, CreditBlock, CreditTransaction
from credits.reconcile import reconcile
from tests.credits.conftest import move_approved

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
YEAR_START, YEAR_END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)


def at(txn: CreditTransaction, *args: int) -> CreditTransaction:
    """Record the transaction as completed at the given UTC instant (year, month, day, hour, ...)."""
    when = datetime.datetime(*args, tzinfo=UTC)
    CreditTransaction.objects.filter(pk=txn.pk).update(completed_at=when)
    txn.completed_at = when
    return txn


@pytest.fixture
def year(accounts, issue, registry_admin_jp, registry_admin_jp2, holder_rep):
    """Japan's registry in 2025 (and one movement before and after it); returns the transactions by name."""
    jp = accounts["jp_gov"].registry
    accounts["jp_voluntary"] = services.account_open(actor=registry_admin_jp, registry=jp, name="Voluntary",
                                                     type=AccountType.VOLUNTARY_CANCELLATION)
    accounts["jp_omge"] = services.account_open(actor=registry_admin_jp, registry=jp, name="OMGE",
                                                type=AccountType.OMGE_CANCELLATION)
    admin = registry_admin_jp

    def move(actor, kind, source, target, quantity, **extra):
        return services.transaction_initiate(actor=actor, kind=kind, from_account=accounts[source],
                                             to_account=accounts[target], quantity=quantity, **extra)

    def move_gov(kind, source, target, quantity):  # by the government account's two representatives
        return move_approved(kind=kind, from_account=accounts[source], to_account=accounts[target],
                             quantity=quantity)

    t = {}
    t["issued_before"] = at(issue(accounts["jp_pp"], 1000, vintage=2023).transaction, 2024, 6, 1, 12)  # 1-1000
    ndc = issue(accounts["jp_gov"], 500, vintage=2024)  # 1001-1500
    CreditBlock.objects.filter(issuance=ndc).update(authorization=Authorization.NDC)
    t["issued_ndc"] = at(ndc.transaction, 2025, 1, 1, 0, 0, 0)
    t["issued"] = at(issue(accounts["jp_pp"], 200, vintage=2024).transaction, 2025, 2, 1, 10)  # 1501-1700
    t["sent"] = at(move(holder_rep, TransactionKind.TRANSFER, "jp_pp", "jp_other", 1100), 2025, 3, 15, 9)
    received = move_gov(TransactionKind.TRANSFER, "jp_gov", "jp_pp", 50)
    # reversed within the reversal window (proposed by one administrator, approved by another), then dated
    reversal = services.transaction_reverse(actor=admin, txn=received, reason="Wrong account")
    reversal = services.transaction_approve(actor=registry_admin_jp2, txn=reversal)
    t["received"] = at(received, 2025, 4, 1, 9)
    t["reversal"] = at(reversal, 2025, 5, 1, 9)
    t["external"] = at(move_gov(TransactionKind.EXTERNAL_TRANSFER, "jp_gov", "mn_gov", 100), 2025, 6, 1, 9)
    CreditBlock.objects.filter(account=accounts["mn_gov"]).update(
        first_transferred_at=datetime.datetime(2025, 6, 1, 9, tzinfo=UTC))
    t["cancelled"] = at(move_gov(TransactionKind.CANCELLATION, "jp_gov", "jp_cancel", 20), 2025, 7, 1)
    t["voluntary"] = at(move_gov(TransactionKind.CANCELLATION, "jp_gov", "jp_voluntary", 10), 2025, 7, 2)
    t["omge"] = at(move_gov(TransactionKind.CANCELLATION, "jp_gov", "jp_omge", 5), 2025, 7, 3)
    t["retired"] = at(move(holder_rep, TransactionKind.RETIREMENT, "jp_pp", "jp_retire", 30, purpose="NDC",
                           beneficiary="Demo Solar Japan K.K."), 2025, 12, 31, 23, 59, 59)
    t["sent_after"] = at(move(holder_rep, TransactionKind.TRANSFER, "jp_pp", "jp_other", 10), 2026, 1, 1, 0, 0, 0)
    return t


def csv_statement(client, user, account: Account, start: datetime.date, end: datetime.date) -> list[dict]:
    client.force_login(user)
    response = client.get(reverse("credits:account-statement", args=[account.number]),
                          {"start": start.isoformat(), "end": end.isoformat()})
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def assert_agree(rows: list[dict], statement: selectors.Statement) -> None:
    """The CSV's rows are the statement's opening, lines and closing, line by line."""
    number = statement.account.number
    assert rows[0] == {"date": statement.start.isoformat(), "transaction": "", "kind": "opening balance",
                       "counterparty": number, "serial_numbers": "", "credits_in": "", "credits_out": "",
                       "balance": str(statement.opening)}
    assert rows[-1] == {"date": statement.end.isoformat(), "transaction": "", "kind": "closing balance",
                        "counterparty": number, "serial_numbers": "", "credits_in": "", "credits_out": "",
                        "balance": str(statement.closing)}
    assert len(rows) == len(statement.lines) + 2
    for row, line in zip(rows[1:-1], statement.lines, strict=True):
        assert row == {
            "date": line.day.isoformat(), "transaction": line.transaction.reference, "kind": line.transaction.kind,
            "counterparty": line.counterparty.number if line.counterparty else "", "serial_numbers": line.serials,
            "credits_in": str(line.credits_in), "credits_out": str(line.credits_out), "balance": str(line.balance)}


def test_the_csv_and_the_statement_of_one_account_and_period_agree_line_by_line(client, accounts, year,
                                                                                holder_rep):
    account = accounts["jp_pp"]
    statement = selectors.account_statement(account, YEAR_START, YEAR_END)
    rows = csv_statement(client, holder_rep, account, YEAR_START, YEAR_END)
    assert_agree(rows, statement)
    # what they both say: the issuance before the year opens it; the transfer after it is not in it
    assert statement.opening == 1000 and statement.closing == 70
    assert [(line.transaction, line.credits_in, line.credits_out, line.balance) for line in statement.lines] == [
        (year["issued"], 200, 0, 1200),
        (year["sent"], 0, 1000, 200), (year["sent"], 0, 100, 100),  # a whole block, then part of the next
        (year["received"], 50, 0, 150), (year["reversal"], 0, 50, 100),
        (year["retired"], 0, 30, 70),
    ]
    assert [line.serials for line in statement.lines[1:3]] == [
        "JP-MN001-01-2023-000000000001-000000001000", "JP-MN001-03-2024-000000001501-000000001600"]
    assert [row["counterparty"] for row in rows[1:-1]] == [
        "", *[accounts[key].number for key in ("jp_other", "jp_other", "jp_gov", "jp_gov", "jp_retire")]]
    assert [row["transaction"] for row in rows[1:-1]] == [
        f"JP-TX-{year[name].pk:08d}" for name in ("issued", "sent", "sent", "received", "reversal", "retired")]
    assert (statement.credits_in, statement.credits_out) == (250, 1180)


def test_statements_agree_for_every_account_and_for_periods_cut_at_the_day_bounds(client, accounts, year,
                                                                                 registry_admin_jp):
    periods = [(YEAR_START, YEAR_END), (YEAR_START, YEAR_START), (datetime.date(2024, 12, 31),) * 2,
               (datetime.date(2026, 1, 1),) * 2, (datetime.date(2025, 3, 15), datetime.date(2025, 6, 1)),
               (datetime.date.min, datetime.date.max)]
    for key in ("jp_gov", "jp_pp", "jp_other", "jp_retire"):
        for start, end in periods:
            statement = selectors.account_statement(accounts[key], start, end)
            assert_agree(csv_statement(client, registry_admin_jp, accounts[key], start, end), statement)
    # the issuance at midnight opening the year is in the day it starts, not in the day before
    assert [line.transaction for line in selectors.account_statement(accounts["jp_gov"], YEAR_START,
                                                                     YEAR_START).lines] == [year["issued_ndc"]]
    assert selectors.account_statement(accounts["jp_gov"], datetime.date(2024, 12, 31),
                                       datetime.date(2024, 12, 31)).lines == []


def test_statements_agree_in_another_time_zone_whose_days_bound_the_period(client, accounts, year, holder_rep):
    with timezone.override("Asia/Tokyo"):  # the retirement at 23:59:59 UTC is on 1 January in Tokyo
        statement = selectors.account_statement(accounts["jp_pp"], YEAR_START, YEAR_END)
        assert_agree(csv_statement(client, holder_rep, accounts["jp_pp"], YEAR_START, YEAR_END), statement)
        assert statement.lines[-1].transaction == year["reversal"] and statement.closing == 100
        early = selectors.account_statement(accounts["jp_pp"], datetime.date(2026, 1, 1), datetime.date(2026, 1, 1))
        assert [(line.transaction, line.day) for line in early.lines] == [
            (year["retired"], datetime.date(2026, 1, 1)), (year["sent_after"], datetime.date(2026, 1, 1))]


def test_movements_of_an_account_or_a_registry_in_a_period(accounts, year):
    jp, mn = accounts["jp_gov"].registry, accounts["mn_gov"].registry
    mine = selectors.ledger_movements(account=accounts["jp_gov"], start=YEAR_START, end=YEAR_END)
    assert [(m.transaction_id, m.delta, m.counterparty_id) for m in mine] == [
        (year["issued_ndc"].pk, 500, None),
        (year["received"].pk, -50, accounts["jp_pp"].pk), (year["reversal"].pk, 50, accounts["jp_pp"].pk),
        (year["external"].pk, -50, accounts["mn_gov"].pk), (year["external"].pk, -50, accounts["mn_gov"].pk),
        (year["cancelled"].pk, -20, accounts["jp_cancel"].pk), (year["voluntary"].pk, -10,
                                                                accounts["jp_voluntary"].pk),
        (year["omge"].pk, -5, accounts["jp_omge"].pk),
    ]
    assert [(m.account_id, m.delta) for m in selectors.ledger_movements(registry=mn)] == [
        (accounts["mn_gov"].pk, 50), (accounts["mn_gov"].pk, 50)]
    # an internal transfer is one movement out and one in, both in the registry
    sent = selectors.ledger_movements(registry=jp).filter(transaction=year["sent_after"])
    assert [(m.account_id, m.incoming, m.delta) for m in sent] == [
        (accounts["jp_pp"].pk, False, -10), (accounts["jp_other"].pk, True, 10)]
    # the ledger replayed for each account is its balance
    for account in Account.objects.all():
        replayed = sum(m.delta for m in selectors.ledger_movements(account=account))
        assert replayed == account.balance == selectors.account_statement(
            account, datetime.date(2000, 1, 1), datetime.date(2100, 1, 1)).closing


def test_day_bounds_are_the_midnights_of_the_registry_time_zone():
    assert selectors.day_bounds(YEAR_START, YEAR_END) == (datetime.datetime(2025, 1, 1, tzinfo=UTC),
                                                         datetime.datetime(2026, 1, 1, tzinfo=UTC))
    assert selectors.year_bounds(2025) == selectors.day_bounds(YEAR_START, YEAR_END)
    with timezone.override("Asia/Tokyo"):
        start, end = selectors.day_bounds(YEAR_START, YEAR_START)
    assert (start, end) == (datetime.datetime(2024, 12, 31, 15, tzinfo=UTC), datetime.datetime(2025, 1, 1, 15,
                                                                                             tzinfo=UTC))


def test_reconciliation_replays_the_same_movements_and_finds_a_transaction_that_lost_its_completion(accounts,
                                                                                                   year):
    assert reconcile() == []
    # the ledger still holds the transfer's entries, but a transaction that is not completed moves nothing
    with connection.cursor() as cursor:  # past PostgreSQL's own checks: they run now, then a superuser
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # turns the triggers off for the tampering
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE credits_credittransaction SET status = %s WHERE id = %s",
                       [TransactionStatus.CANCELLED, year["received"].pk])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    found = sorted((d.check, d.subject, d.expected, d.found) for d in reconcile())
    gov, pp = (Account.objects.get(pk=accounts[key].pk) for key in ("jp_gov", "jp_pp"))
    assert found == sorted([
        ("replay", f"account {gov.number}", f"{gov.balance + 50} (replay)", f"{gov.balance} (balance)"),
        ("replay", f"account {pp.number}", f"{pp.balance - 50} (replay)", f"{pp.balance} (balance)"),
    ])


def test_article6_report_counts_the_registrys_movements_of_the_year(accounts, year):
    rows = [(r["category"], r["authorization"], r["vintage"], r["quantity"])
            for r in article6.annual_report(accounts["jp_gov"].registry, 2025)]
    assert rows == [
        ("authorization", "ndc", 2024, 500),
        ("transfer", "ndc", 2024, 100),
        ("cancellation", "ndc", 2024, 20),
        ("voluntary_cancellation", "ndc", 2024, 10),
        ("omge_cancellation", "ndc", 2024, 5),
        ("use_towards_ndc", "none", 2024, 30),  # at the last second of the year
        ("first_transfer", "ndc", 2024, 100),
        ("holdings:cancellation", "ndc", 2024, 20),
        ("holdings:government_holding", "ndc", 2024, 365),
        ("holdings:omge_cancellation", "ndc", 2024, 5),
        ("holdings:participant_holding", "none", 2023, 1000),
        ("holdings:participant_holding", "none", 2024, 170),  # the transfer of the next year not yet
        ("holdings:retirement", "none", 2024, 30),
        ("holdings:voluntary_cancellation", "ndc", 2024, 10),
    ]
    mn = [(r["category"], r["quantity"]) for r in article6.annual_report(accounts["mn_gov"].registry, 2025)]
    assert mn == [("acquisition", 100), ("holdings:government_holding", 100)]
    # the year before: only the first issuance, held
    before = [(r["category"], r["quantity"]) for r in article6.annual_report(accounts["jp_gov"].registry, 2024)]
    assert before == [("holdings:participant_holding", 1000)]
