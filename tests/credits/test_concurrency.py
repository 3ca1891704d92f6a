"""Real parallel transactions on separate database connections."""

import threading

import pytest
from celery._state import _set_task_join_will_block
from django.db import connections

from core.errors import ApplicationError
from credits import services
from credits.choices import TransactionKind, TransactionStatus
from credits.models import CreditTransaction
from credits.reconcile import reconcile

pytestmark = pytest.mark.django_db(transaction=True)


def run_parallel(n, work):
    barrier = threading.Barrier(n)
    results = [None] * n

    def runner(i):
        try:
            barrier.wait()
            results[i] = ("ok", work(i))
        except ApplicationError as exc:
            results[i] = ("refused", exc)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    # Each commit runs its after-commit tasks eagerly (tests), and Celery marks "inside a task" in one
    # process-wide flag that tasks running at the same moment in several threads can leave set; later
    # tests that wait for a task result would then be refused. Clear it.
    _set_task_join_will_block(False)
    return results


def test_fifty_simultaneous_transfers_from_an_account_that_covers_ten(accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 10)
    results = run_parallel(50, lambda i: services.transaction_initiate(
        actor=holder_rep, kind=TransactionKind.TRANSFER, from_account=accounts["jp_pp"],
        to_account=accounts["jp_other"], quantity=1))
    outcomes = [r[0] for r in results]
    assert outcomes.count("ok") == 10, [r for r in results if r[0] == "error"]
    assert outcomes.count("refused") == 40
    assert all("holds" in str(r[1]) for r in results if r[0] == "refused")
    accounts["jp_pp"].refresh_from_db()
    accounts["jp_other"].refresh_from_db()
    assert (accounts["jp_pp"].balance, accounts["jp_other"].balance) == (0, 10)
    assert reconcile() == []


def test_the_same_idempotency_key_sent_concurrently_executes_once(accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 100)
    results = run_parallel(8, lambda i: services.transaction_initiate(
        actor=holder_rep, kind=TransactionKind.TRANSFER, from_account=accounts["jp_pp"],
        to_account=accounts["jp_other"], quantity=7, idempotency_key="ministry-req-42"))
    assert [r[0] for r in results] == ["ok"] * 8, results
    assert len({r[1].pk for r in results}) == 1
    assert CreditTransaction.objects.filter(kind=TransactionKind.TRANSFER,
                                            status=TransactionStatus.COMPLETED).count() == 1
    accounts["jp_pp"].refresh_from_db()
    assert accounts["jp_pp"].balance == 93
    assert reconcile() == []
