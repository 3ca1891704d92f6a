"""Generating is idempotent; a new version supersedes the old one; an uploaded file is genuine and
current, superseded, or unknown (one changed byte is enough)."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError, NotAllowed
from core.models import AuditEvent
from documents import services, tasks
from documents.models import Document, DocumentKind, DocumentNumber, DocumentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def retirement(accounts, issue, retire):
    issue(accounts["jp_pp"], 1000)
    return retire(250)


@pytest.fixture
def certificate(retirement):
    return services.document_generate(kind=DocumentKind.RETIREMENT_CERTIFICATE, subject=retirement)


def _generate_events(document):
    return AuditEvent.objects.filter(action="documents.document.generate", target_id=str(document.pk))


def test_generating_twice_makes_one_document(retirement):
    first = services.document_generate(kind=DocumentKind.RETIREMENT_CERTIFICATE, subject=retirement)
    second = services.document_generate(kind=DocumentKind.RETIREMENT_CERTIFICATE, subject=retirement)
    again = tasks.generate_document.delay(DocumentKind.RETIREMENT_CERTIFICATE, retirement.pk).get()
    assert first.pk == second.pk == again
    assert Document.objects.count() == 1
    assert DocumentNumber.objects.count() == 1
    event = _generate_events(first).get()
    assert event.actor_name == "system"
    assert event.data["sha256"] == first.sha256


def test_the_stored_file_is_the_one_hashed(certificate):
    import hashlib

    assert hashlib.sha256(services.read_bytes(certificate)).hexdigest() == certificate.sha256
    assert certificate.size == len(services.read_bytes(certificate))


def test_numbers_run_per_kind_and_year(accounts, issue, retire):
    issue(accounts["jp_pp"], 1000)
    numbers = [services.document_generate(kind=DocumentKind.RETIREMENT_CERTIFICATE, subject=retire(10)).number
               for _ in range(3)]
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == [1, 2, 3]
    assert len({n.rsplit("-", 1)[0] for n in numbers}) == 1


def test_a_retry_after_a_worker_died_reuses_the_number_and_overwrites_the_leftover_file(retirement, media):
    """A worker that reserved the number and wrote the file but died before its commit left no row:
    the retry prints the same number, replaces the file and records one document."""
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(retirement)
    number = services.reserve_number(DocumentKind.RETIREMENT_CERTIFICATE, ct, str(retirement.pk), "")
    leftover = media / services.storage_name(DocumentKind.RETIREMENT_CERTIFICATE, number, 1)
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a PDF")
    document = services.document_generate(kind=DocumentKind.RETIREMENT_CERTIFICATE, subject=retirement)
    assert document.number == number
    assert document.file.name == services.storage_name(DocumentKind.RETIREMENT_CERTIFICATE, number, 1)
    assert leftover.read_bytes().startswith(b"%PDF")
    assert Document.objects.count() == 1


def test_the_database_refuses_a_second_copy_of_a_version(certificate):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(kind=certificate.kind, number="JCM-RC-2000-999999", version=1, title="copy",
                                subject_type=certificate.subject_type, subject_id=certificate.subject_id,
                                file="x.pdf", sha256="0" * 64, verification_url="x")


# --- new versions --------------------------------------------------------------------------------

def test_a_registry_administrator_supersedes_a_certificate(certificate, registry_admin_jp):
    new = services.document_supersede(actor=registry_admin_jp, document=certificate, reason="Holder renamed")
    certificate.refresh_from_db()
    assert (new.number, new.version, new.status) == (certificate.number, 2, DocumentStatus.CURRENT)
    assert certificate.status == DocumentStatus.SUPERSEDED
    assert new.supersedes == certificate
    assert new.sha256 != certificate.sha256
    event = AuditEvent.objects.get(action="documents.document.supersede")
    assert (event.actor, event.message, event.data["version"]) == (registry_admin_jp, "Holder renamed", 2)
    from .conftest import pdf_text

    assert "replaces version 1" in pdf_text(new)
    # generating again returns the current version, not a third one
    assert services.document_generate(kind=certificate.kind, subject=certificate.subject).pk == new.pk


@pytest.mark.parametrize("who", ["holder_rep", "registry_admin_mn", "secretariat"])
def test_others_may_not_supersede_a_certificate(certificate, who, request):
    actor = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        services.document_supersede(actor=actor, document=certificate, reason="Because")
    certificate.refresh_from_db()
    assert certificate.status == DocumentStatus.CURRENT
    assert not AuditEvent.objects.filter(action="documents.document.supersede").exists()


def test_a_superseded_version_cannot_be_superseded_again(certificate, registry_admin_jp):
    from core.errors import Conflict

    services.document_supersede(actor=registry_admin_jp, document=certificate, reason="Correction")
    certificate.refresh_from_db()
    with pytest.raises(Conflict):
        services.document_supersede(actor=registry_admin_jp, document=certificate, reason="Again")
    assert Document.objects.filter(number=certificate.number).count() == 2


def test_a_reason_is_required(certificate, registry_admin_jp):
    with pytest.raises(ApplicationError) as exc:
        services.document_supersede(actor=registry_admin_jp, document=certificate, reason="  ")
    assert "reason" in exc.value.errors


def test_the_secretariat_reissues_a_decision_record(issuance_decision, secretariat, other_secretariat):
    record = services.document_generate(kind=DocumentKind.DECISION_RECORD, subject=issuance_decision)
    with pytest.raises(NotAllowed):
        services.document_supersede(actor=other_secretariat, document=record, reason="Not mine")
    assert services.document_supersede(actor=secretariat, document=record, reason="Typo").version == 2


def test_a_statement_refreshed_after_new_movements_becomes_a_new_version(accounts, issue):
    import datetime

    from django.utils import timezone

    from credits.documents import statement_key

    today = timezone.localdate()
    key = statement_key(today - datetime.timedelta(days=7), today)
    issue(accounts["jp_pp"], 100)
    first = services.document_generate(kind=DocumentKind.ACCOUNT_STATEMENT, subject=accounts["jp_pp"], key=key)
    same = services.document_generate(kind=DocumentKind.ACCOUNT_STATEMENT, subject=accounts["jp_pp"], key=key,
                                      refresh=True)
    assert same.pk == first.pk  # nothing changed: no new version
    issue(accounts["jp_pp"], 50)
    second = services.document_generate(kind=DocumentKind.ACCOUNT_STATEMENT, subject=accounts["jp_pp"], key=key,
                                        refresh=True)
    assert (second.number, second.version) == (first.number, 2)
    assert {"label": "Closing balance", "value": "150"} in second.facts


# --- verification ----------------------------------------------------------------------------------

def test_verify_a_genuine_current_document(certificate):
    import io

    result = services.verify_file(io.BytesIO(services.read_bytes(certificate)))
    assert (result.verdict, result.document, result.sha256) == ("current", certificate, certificate.sha256)


def test_verify_a_superseded_document(certificate, registry_admin_jp):
    import io

    old_bytes = services.read_bytes(certificate)
    new = services.document_supersede(actor=registry_admin_jp, document=certificate, reason="Correction")
    result = services.verify_file(io.BytesIO(old_bytes))
    assert result.verdict == "superseded"
    assert result.current == new


def test_one_changed_byte_makes_a_document_unknown(certificate):
    import io

    data = bytearray(services.read_bytes(certificate))
    data[len(data) // 2] ^= 0x01
    result = services.verify_file(io.BytesIO(bytes(data)))
    assert (result.verdict, result.document) == ("unknown", None)


# --- tasks ---------------------------------------------------------------------------------------

def test_a_task_for_a_missing_subject_does_nothing(db):
    assert tasks.generate_document.delay(DocumentKind.RETIREMENT_CERTIFICATE, 987654).get() is None
    assert not Document.objects.exists()


def test_queuing_never_breaks_the_action_that_asked(caplog):
    services.enqueue(tasks.generate_document, "no_such_kind", 1)  # raises inside the (eager) task
    assert "no_such_kind" in caplog.text


def test_monthly_statements_for_every_open_account(accounts, issue, registry_admin_jp):
    import datetime

    from django.utils import timezone

    from credits import services as credit_services
    from credits.choices import AccountStatus
    from credits.documents import statement_key

    issue(accounts["jp_pp"], 100)
    credit_services.account_change_status(actor=registry_admin_jp, account=accounts["jp_other"],
                                          status=AccountStatus.CLOSED, reason="Company dissolved")
    today = timezone.localdate()
    last_month_end = today.replace(day=1) - datetime.timedelta(days=1)
    queued = tasks.monthly_account_statements.delay(today.isoformat()).get()
    statements = Document.objects.filter(kind=DocumentKind.ACCOUNT_STATEMENT)
    assert queued == statements.count() == len(accounts) - 1  # not the closed account
    assert {s.key for s in statements} == {statement_key(last_month_end.replace(day=1), last_month_end)}
    tasks.monthly_account_statements.delay(today.isoformat())
    assert statements.count() == len(accounts) - 1  # once per account and month


def test_a_batch_that_cannot_run_says_why(registries, registry_admin_jp):
    from documents.models import BatchKind, BatchStatus, DocumentBatch

    batch = services.batch_request(actor=registry_admin_jp, kind=BatchKind.RETIREMENT_CERTIFICATES,
                                   registry=registries["JP"], year=2025)
    DocumentBatch.objects.filter(pk=batch.pk).update(params={**batch.params, "registry": "ZZ"})
    tasks.run_batch.apply(args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert "no registry ZZ" in batch.error
    assert AuditEvent.objects.filter(action="documents.batch.fail", target_id=str(batch.pk)).exists()


@pytest.mark.parametrize(("kind", "year", "field"), [("retirement_certificates", 1999, "year"),
                                                     ("nonsense", 2025, "kind")])
def test_batch_requests_are_checked(registries, registry_admin_jp, kind, year, field):
    with pytest.raises(ApplicationError) as exc:
        services.batch_request(actor=registry_admin_jp, kind=kind, registry=registries["JP"], year=year)
    assert field in exc.value.errors
