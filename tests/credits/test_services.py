import pytest
from django.db import IntegrityError, connection, transaction

from core.errors import ApplicationError, Conflict, NotAllowed
from core.models import AuditEvent
from credits import services
from credits.choices import BlockStatus, TransactionKind, TransactionStatus
from credits.models import CreditBlock, CreditTransaction, LedgerEntry
from credits.reconcile import reconcile
from tests.credits.conftest import move_approved


def last_action():
    return AuditEvent.objects.order_by("-seq").values_list("action", flat=True).first()


def held(account):
    account.refresh_from_db()
    return account.balance


def test_issuance_creates_one_block_of_consecutive_serials(accounts, issue):
    issuance = issue(accounts["jp_pp"], 1_000)
    block = issuance.blocks.get()
    assert (block.first_serial, block.last_serial, block.quantity) == (1, 1000, 1000)
    assert held(accounts["jp_pp"]) == 1000
    assert last_action() == "credits.issuance.execute"
    second = issue(accounts["jp_gov"], 10**9)
    assert second.blocks.get().first_serial == 1001  # one system-wide sequence
    assert second.blocks.get().last_serial == 1000 + 10**9
    assert reconcile() == []


def test_issuance_is_once_per_period_and_registry_and_never_above_the_decision(accounts, issue,
                                                                               registry_admin_jp,
                                                                               issuance_decision):
    issue(accounts["jp_pp"], 100, period=1)
    with pytest.raises(Conflict):
        issue(accounts["jp_gov"], 100, period=1)
    with pytest.raises(Conflict, match="exceed"):
        services.issue(actor=registry_admin_jp, registry=accounts["jp_gov"].registry, decision=issuance_decision,
                       project_code="MN001", monitoring_period_number=2, monitoring_period_key="MN001/02",
                       vintage=2023, shares=[services.Share(accounts["jp_gov"], 101)], decided_quantity=100)
    assert CreditBlock.objects.count() == 1


def test_only_the_registry_administrator_issues(accounts, issuance_decision, registry_admin_mn):
    with pytest.raises(NotAllowed):
        services.issue(actor=registry_admin_mn, registry=accounts["jp_gov"].registry, decision=issuance_decision,
                       project_code="MN001", monitoring_period_number=1, monitoring_period_key="MN001/01",
                       vintage=2023, shares=[services.Share(accounts["jp_gov"], 1)], decided_quantity=1)


def test_partial_transfer_splits_the_block_and_the_sender_keeps_the_higher_serials(accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 1000)
    txn = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER,
                                        from_account=accounts["jp_pp"], to_account=accounts["jp_other"], quantity=300)
    assert txn.status == TransactionStatus.COMPLETED
    assert last_action() == "credits.transfer.complete"
    kept = CreditBlock.objects.get(account=accounts["jp_pp"])
    moved = CreditBlock.objects.get(account=accounts["jp_other"])
    assert (moved.first_serial, moved.last_serial) == (1, 300)
    assert (kept.first_serial, kept.last_serial) == (301, 1000)
    assert moved.origin == kept
    assert (held(accounts["jp_pp"]), held(accounts["jp_other"])) == (700, 300)
    assert list(txn.entries.values_list("first_serial", "last_serial")) == [(1, 300)]
    assert reconcile() == []


def test_transfer_of_an_explicit_range_from_the_middle(accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 1000)
    services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER, from_account=accounts["jp_pp"],
                                  to_account=accounts["jp_other"], quantity=100, first_serial=401, last_serial=500)
    assert list(CreditBlock.objects.filter(account=accounts["jp_pp"]).values_list("first_serial", "last_serial")) == [
        (1, 400), (501, 1000)]
    assert reconcile() == []


def test_refused_transfer_writes_nothing(accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 10)
    events = AuditEvent.objects.count()
    with pytest.raises(Conflict, match="holds 10"):
        services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER, from_account=accounts["jp_pp"],
                                      to_account=accounts["jp_other"], quantity=11)
    assert AuditEvent.objects.count() == events
    assert CreditTransaction.objects.filter(kind=TransactionKind.TRANSFER).count() == 0
    assert held(accounts["jp_pp"]) == 10


def test_someone_who_is_not_a_representative_cannot_move_credits(accounts, issue, participant):
    issue(accounts["jp_pp"], 10)
    with pytest.raises(NotAllowed):
        services.transaction_initiate(actor=participant, kind=TransactionKind.TRANSFER, from_account=accounts["jp_pp"],
                                      to_account=accounts["jp_other"], quantity=1)


def test_retired_credits_never_move_again(accounts, issue, holder_rep, registry_admin_jp):
    issue(accounts["jp_pp"], 50)
    with pytest.raises(ApplicationError) as refused:
        services.transaction_initiate(actor=holder_rep, kind=TransactionKind.RETIREMENT,
                                      from_account=accounts["jp_pp"], to_account=accounts["jp_retire"], quantity=20)
    assert set(refused.value.errors) == {"purpose", "beneficiary"}
    services.transaction_initiate(actor=holder_rep, kind=TransactionKind.RETIREMENT, from_account=accounts["jp_pp"],
                                  to_account=accounts["jp_retire"], quantity=20, purpose="Voluntary offsetting",
                                  beneficiary="Ulaanbaatar Marathon 2025")
    retired = CreditBlock.objects.get(account=accounts["jp_retire"])
    assert retired.status == BlockStatus.RETIRED
    with pytest.raises(Conflict, match="never move again"):
        services.transaction_initiate(actor=registry_admin_jp, kind=TransactionKind.TRANSFER,
                                      from_account=accounts["jp_retire"], to_account=accounts["jp_gov"], quantity=1)
    # and the database refuses it too, even bypassing the services
    with pytest.raises(IntegrityError, match="never move again"), transaction.atomic():
        CreditBlock.objects.filter(pk=retired.pk).update(account=accounts["jp_gov"])
    assert reconcile() == []


def test_an_overlapping_block_inserted_in_raw_sql_is_rejected_by_the_database(accounts, issue):
    block = issue(accounts["jp_pp"], 100).blocks.get()
    with pytest.raises(IntegrityError, match="block_serials_never_overlap"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO credits_creditblock (first_serial, last_serial, status, project_code, "
                "monitoring_period_number, vintage, \"authorization\", corresponding_adjustment, created_at, "
                "account_id, created_by_id, issuance_id, issuing_registry_id) "
                "SELECT 50, 150, 'active', 'MN001', 1, 2023, 'none', 'not_applicable', now(), account_id, "
                "created_by_id, issuance_id, issuing_registry_id FROM credits_creditblock WHERE id = %s", [block.pk])


def test_approval_by_a_second_person(accounts, issue, holder_rep, holder_rep2, registry_admin_jp):
    account = accounts["jp_pp"]
    account.requires_approval = True
    account.save(update_fields=["requires_approval"])
    issue(account, 100)
    txn = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER, from_account=account,
                                        to_account=accounts["jp_other"], quantity=40)
    assert txn.status == TransactionStatus.PROPOSED and held(account) == 100
    with pytest.raises(NotAllowed, match="different person"):
        services.transaction_approve(actor=holder_rep, txn=txn)
    txn = services.transaction_approve(actor=holder_rep2, txn=txn)
    assert txn.status == TransactionStatus.COMPLETED and txn.approver == holder_rep2
    assert last_action() == "credits.transfer.approve"
    assert held(account) == 60
    with pytest.raises(Conflict):
        services.transaction_approve(actor=holder_rep2, txn=txn)


def test_idempotency_key_executes_once(accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 100)
    kwargs = dict(actor=holder_rep, kind=TransactionKind.TRANSFER, from_account=accounts["jp_pp"],
                  to_account=accounts["jp_other"], quantity=10, idempotency_key="req-1")
    first = services.transaction_initiate(**kwargs)
    again = services.transaction_initiate(**kwargs)
    assert first.pk == again.pk and held(accounts["jp_pp"]) == 90
    with pytest.raises(Conflict, match="different request"):
        services.transaction_initiate(**{**kwargs, "quantity": 11})


def test_reversal_moves_the_same_serials_back(accounts, issue, holder_rep, registry_admin_jp, registry_admin_jp2):
    issue(accounts["jp_pp"], 100)
    txn = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER,
                                        from_account=accounts["jp_pp"], to_account=accounts["jp_other"], quantity=30)
    with pytest.raises(NotAllowed):
        services.transaction_reverse(actor=holder_rep, txn=txn, reason="wrong account")
    reversal = services.transaction_reverse(actor=registry_admin_jp, txn=txn, reason="Sent to the wrong account")
    assert reversal.status == TransactionStatus.PROPOSED and held(accounts["jp_pp"]) == 70  # a second admin approves
    with pytest.raises(Conflict, match="already been reversed, or its reversal awaits approval"):
        services.transaction_reverse(actor=registry_admin_jp, txn=txn, reason="again")
    reversal = services.transaction_approve(actor=registry_admin_jp2, txn=reversal)
    assert reversal.kind == TransactionKind.REVERSAL and held(accounts["jp_pp"]) == 100
    assert held(accounts["jp_other"]) == 0
    with pytest.raises(Conflict, match="already been reversed"):
        services.transaction_reverse(actor=registry_admin_jp, txn=txn, reason="again")
    assert reconcile() == []


def test_external_transfer_between_registries_records_first_transfer(accounts, issue, registry_admin_jp):
    issue(accounts["jp_gov"], 100)
    move_approved(kind=TransactionKind.EXTERNAL_TRANSFER, from_account=accounts["jp_gov"],
                  to_account=accounts["mn_gov"], quantity=25)
    moved = CreditBlock.objects.get(account=accounts["mn_gov"])
    assert moved.first_transferred_at is not None and moved.quantity == 25
    with pytest.raises(ApplicationError, match="external transfer"):
        services.transaction_initiate(actor=registry_admin_jp, kind=TransactionKind.TRANSFER,
                                      from_account=accounts["jp_gov"], to_account=accounts["mn_gov"], quantity=1)
    assert reconcile() == []


def test_reconciliation_finds_a_tampered_balance(accounts, issue):
    issue(accounts["jp_pp"], 100)
    with connection.cursor() as cursor:  # past PostgreSQL's own checks: they run now, then a superuser
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # turns the triggers off
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE credits_account SET balance = balance + 1 WHERE id = %s", [accounts["jp_pp"].pk])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    found = reconcile()
    assert {d.check for d in found} == {"replay", "holdings"}
    assert all(accounts["jp_pp"].number in d.subject for d in found)


def test_ledger_is_append_only(accounts, issue):
    issue(accounts["jp_pp"], 5)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.all().delete()


def test_a_transfer_across_more_blocks_than_one_batch_moves_the_oldest_serials_in_order(accounts, issue, holder_rep):
    """Many blocks (205): the move locks as many as it needs in serial order and moves them all, whole
    blocks first and the last one split, with one ledger row per block in serial order."""
    for _ in range(205):
        issue(accounts["jp_pp"], 2)
    txn = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER,
                                        from_account=accounts["jp_pp"], to_account=accounts["jp_other"], quantity=403)
    ranges = list(txn.entries.order_by("id").values_list("first_serial", "last_serial"))
    assert ranges == [(2 * n + 1, 2 * n + 2) for n in range(201)] + [(403, 403)]
    assert list(CreditBlock.objects.filter(account=accounts["jp_pp"]).values_list("first_serial", "last_serial")) == [
        (404, 404), (405, 406), (407, 408), (409, 410)]
    assert (held(accounts["jp_pp"]), held(accounts["jp_other"])) == (7, 403)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "credits.transfer.complete" and len(event.data["ranges"]) == 202
    assert reconcile() == []


def test_the_receiving_accounts_representatives_find_the_transfer_in_their_inbox(accounts, issue, registry_admin_jp,
                                                                                 holder_rep, holder_rep2):
    from notifications.models import Notification

    issue(accounts["jp_gov"], 50)
    txn = move_approved(kind=TransactionKind.TRANSFER, from_account=accounts["jp_gov"], to_account=accounts["jp_pp"],
                        quantity=20)
    notices = Notification.objects.filter(key=f"txn:{txn.pk}:completed").order_by("recipient__username")
    assert [n.recipient for n in notices] == [holder_rep, holder_rep2]
    assert notices[0].subject == f"Transfer {txn.reference}: 20 credits to {accounts['jp_pp'].number}"
    # a move into an account without representatives tells nobody
    other = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER,
                                          from_account=accounts["jp_pp"], to_account=accounts["jp_other"], quantity=5)
    assert not Notification.objects.filter(key=f"txn:{other.pk}:completed").exists()
