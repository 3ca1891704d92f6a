"""Documents are made after the action commits (through the domain events), exactly once, even when
the task runs twice or concurrently. Real transactions: on_commit callbacks run as in production
(tasks run eagerly in the tests; tests/integration runs a real worker)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections, transaction

from documents import tasks
from documents.models import Document, DocumentKind, DocumentNumber

from .conftest import JAPANESE_BENEFICIARY, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)


def _documents(kind):
    return Document.objects.filter(kind=kind)


def test_a_completed_retirement_gets_exactly_one_certificate_even_if_the_task_runs_twice(accounts, issue, retire):
    issue(accounts["jp_pp"], 1000)
    txn = retire(300)  # commits; the subscriber queues the certificate (eagerly here)
    certificate = _documents(DocumentKind.RETIREMENT_CERTIFICATE).get()
    assert certificate.subject == txn
    assert JAPANESE_BENEFICIARY in pdf_text(certificate)
    # the task delivered again (a retry, or a redelivery after a worker died) changes nothing
    assert tasks.generate_document.delay(DocumentKind.RETIREMENT_CERTIFICATE, txn.pk).get() == certificate.pk
    assert tasks.generate_document.apply(args=[DocumentKind.RETIREMENT_CERTIFICATE, txn.pk]).get() == certificate.pk
    assert _documents(DocumentKind.RETIREMENT_CERTIFICATE).count() == 1
    # the issuance made its notification too
    assert _documents(DocumentKind.ISSUANCE_NOTIFICATION).count() == 1


def test_a_rolled_back_retirement_makes_no_certificate(accounts, issue, retire):
    issue(accounts["jp_pp"], 1000)
    with pytest.raises(RuntimeError), transaction.atomic():
        retire(300)
        raise RuntimeError("the action fails after the retirement")
    assert not _documents(DocumentKind.RETIREMENT_CERTIFICATE).exists()


def test_a_cancellation_gets_its_certificate(accounts, issue, cancel):
    issue(accounts["jp_pp"], 1000)
    txn = cancel(40)
    assert _documents(DocumentKind.CANCELLATION_CERTIFICATE).get().subject == txn


def test_published_decisions_get_their_record_and_drafts_wait_for_publication(jc, secretariat):
    import datetime

    from committee import services as committee_services
    from committee.choices import DecisionKind, DecisionMode

    published = committee_services.decision_record(
        actor=secretariat, joint_committee=jc, decided_on=datetime.date(2024, 3, 1), mode=DecisionMode.ELECTRONIC,
        kind=DecisionKind.OTHER, title="Adoption of the agenda")
    draft = committee_services.decision_record(
        actor=secretariat, joint_committee=jc, decided_on=datetime.date(2024, 3, 2), mode=DecisionMode.ELECTRONIC,
        kind=DecisionKind.OTHER, title="A decision still in draft", publish=False)
    assert [d.subject for d in _documents(DocumentKind.DECISION_RECORD)] == [published]
    committee_services.decision_publish(actor=secretariat, decision=draft)
    assert {d.subject_id for d in _documents(DocumentKind.DECISION_RECORD)} == {str(published.pk), str(draft.pk)}


def test_registering_a_project_makes_its_letter_and_the_methodology_its_approval_notice(registered, solar):
    letter = _documents(DocumentKind.REGISTRATION_LETTER).get()
    assert letter.subject == registered
    assert _documents(DocumentKind.METHODOLOGY_APPROVAL).get().subject == solar
    # their decisions were recorded (and published) on the way
    assert _documents(DocumentKind.DECISION_RECORD).count() >= 2


def test_concurrent_tasks_for_one_certificate_make_one(accounts, issue, retire):
    issue(accounts["jp_pp"], 1000)
    txn = retire(300)
    # as if the certificate's task had not run yet (its file stays behind, as after a worker's death)
    Document.objects.filter(kind=DocumentKind.RETIREMENT_CERTIFICATE).delete()
    DocumentNumber.objects.filter(kind=DocumentKind.RETIREMENT_CERTIFICATE).delete()
    n, barrier, results = 6, threading.Barrier(6), []

    def run():
        try:
            barrier.wait()
            results.append(tasks.generate_document.apply(args=[DocumentKind.RETIREMENT_CERTIFICATE, txn.pk]).get())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == n
    assert len(set(results)) == 1
    assert _documents(DocumentKind.RETIREMENT_CERTIFICATE).count() == 1
    assert DocumentNumber.objects.filter(kind=DocumentKind.RETIREMENT_CERTIFICATE).count() == 1
