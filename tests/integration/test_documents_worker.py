"""Documents made by a real Celery worker process (tests/integration/conftest.py).

A completed retirement is certified by the worker; a worker killed after it has written the PDF but
before its transaction commits is restarted, and the certificate then exists exactly once, with the
number reserved the first time. The worker is stopped at the exact point by PostgreSQL advisory locks
that this test holds (the same locks the documents service takes), so nothing depends on timing.
"""

from __future__ import annotations

import hashlib
import subprocess

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django.utils import timezone

from core import audit
from credits import services as credit_services
from credits.choices import TransactionKind
from documents import services as documents
from documents.kinds import number_code
from documents.models import Document, DocumentKind, DocumentNumber
from tests.credits import conftest as credits_fixtures

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

registry_admin_jp = credits_fixtures.registry_admin_jp
registry_admin_mn = credits_fixtures.registry_admin_mn
registries = credits_fixtures.registries
company = credits_fixtures.company
holder_rep = credits_fixtures.holder_rep
holder_rep2 = credits_fixtures.holder_rep2
accounts = credits_fixtures.accounts
issuance_decision = credits_fixtures.issuance_decision
issue = credits_fixtures.issue

CERTIFICATE = DocumentKind.RETIREMENT_CERTIFICATE
BENEFICIARY = "株式会社デモ太陽光"
MASK = 0xFFFFFFFF


def _retire(accounts, holder_rep, quantity=300):
    return credit_services.transaction_initiate(
        actor=holder_rep, kind=TransactionKind.RETIREMENT, from_account=accounts["jp_pp"],
        to_account=accounts["jp_retire"], quantity=quantity, purpose="Offsetting", beneficiary=BENEFICIARY)


def _certificates():
    return Document.objects.filter(kind=CERTIFICATE)


class Locks:
    """Advisory locks held by a connection of this test (session locks, released explicitly)."""

    def __init__(self):
        self.wrapper = connections.create_connection("default")

    def take(self, key) -> None:
        with self.wrapper.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_lock({', '.join(['%s'] * len(key))})", list(key))

    def release(self, key) -> None:
        with self.wrapper.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_unlock({', '.join(['%s'] * len(key))})", list(key))

    def close(self) -> None:
        self.wrapper.close()


def _someone_waits_for(key) -> bool:
    """Whether another session waits for the advisory lock ``key`` (one bigint, or two ints)."""
    if len(key) == 1:
        classid, objid, objsubid = key[0] >> 32, key[0] & MASK, 1
    else:
        classid, objid, objsubid = key[0] & MASK, key[1] & MASK, 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                       "AND classid::bigint = %s AND objid::bigint = %s AND objsubid = %s)",
                       [classid, objid, objsubid])
        return cursor.fetchone()[0]


@pytest.fixture
def locks():
    held = Locks()
    yield held
    held.close()


def test_the_worker_certifies_a_completed_retirement(celery_worker, accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 1000)
    txn = _retire(accounts, holder_rep)
    certificate = celery_worker.wait_until(lambda: _certificates().filter(subject_id=str(txn.pk)).first(),
                                           "the worker to make the retirement certificate")
    path = celery_worker.media_dir / certificate.file.name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == certificate.sha256
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert BENEFICIARY in text and certificate.number in text
    celery_worker.wait_idle()
    assert _certificates().count() == 1


def test_a_worker_killed_before_its_commit_is_restarted_and_the_certificate_exists_once(
        celery_worker, locks, accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 1000)
    celery_worker.wait_idle()  # the issuance's own documents and notices are done

    # 1. Hold the numbering of retirement certificates: the worker's task will wait there.
    number_key = documents.lock_key("number", number_code(CERTIFICATE), timezone.now().year)
    locks.take(number_key)
    txn = _retire(accounts, holder_rep)
    celery_worker.wait_until(lambda: _someone_waits_for(number_key), "the worker to start the certificate")

    # 2. Hold this certificate's own lock, then let the number be reserved: the worker waits for it.
    doc_key = documents.document_lock_key(CERTIFICATE, ContentType.objects.get_for_model(txn).pk, str(txn.pk), "")
    locks.take(doc_key)
    locks.release(number_key)
    celery_worker.wait_until(lambda: _someone_waits_for(doc_key), "the worker to reserve the number")
    number = DocumentNumber.objects.get(kind=CERTIFICATE, subject_id=str(txn.pk)).number

    # 3. Hold the audit trail and let the worker render: it writes the PDF and its row, then waits to audit.
    audit_key = (audit._LOCK_KEY,)
    locks.take(audit_key)
    locks.release(doc_key)
    celery_worker.wait_until(lambda: _someone_waits_for(audit_key), "the worker to write the certificate")
    written = celery_worker.media_dir / documents.storage_name(CERTIFICATE, number, 1)
    assert written.read_bytes().startswith(b"%PDF")  # the file is on disk ...
    assert not _certificates().exists()  # ... its row is not committed

    # 4. The worker dies there. Its transaction is rolled back; the message is delivered again.
    celery_worker.kill()
    locks.release(audit_key)
    assert not _certificates().exists()
    celery_worker.start()

    certificate = celery_worker.wait_until(lambda: _certificates().first(),
                                           "the restarted worker to make the certificate")
    celery_worker.wait_idle()
    assert _certificates().count() == 1
    assert DocumentNumber.objects.filter(kind=CERTIFICATE).count() == 1
    assert (certificate.number, certificate.version, certificate.subject) == (number, 1, txn)
    assert hashlib.sha256(written.read_bytes()).hexdigest() == certificate.sha256  # the file the row describes
    assert sorted(p.name for p in written.parent.iterdir()) == [written.name]  # no second copy
