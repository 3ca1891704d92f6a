"""Every write of the documents: generate, supersede, batches; and the check of an uploaded file.

Generation is idempotent under retries, duplicated tasks and a worker killed mid-task:

1. the number is reserved once per (kind, subject, key) in its own short transaction, so a
   retry prints the same number;
2. the version is made in one transaction that holds an advisory lock on (kind, subject, key):
   if the current version exists, nothing is done; else the PDF is rendered, written to storage
   under a name fixed by number and version, and its row inserted. A worker that dies before
   the commit leaves no row (and at most a file that the next attempt overwrites);
3. the unique constraints on (kind, subject, key, version) and on one current version per
   document guard the same thing again in PostgreSQL.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any, Protocol

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Max, Model, QuerySet
from django.utils import timezone, translation

from committee.models import User
from core import audit, events
from core.access import require_authenticated
from core.document_kinds import Content, DocumentKindSpec
from core.errors import ApplicationError, Conflict
from documents.models import (
    BatchKind,
    BatchStatus,
    Document,
    DocumentBatch,
    DocumentKind,
    DocumentNumber,
    DocumentStatus,
)

from . import access
from .kinds import batch_spec_for, number_code, spec_for, template_for
from .render import render_pdf, verification_url

logger = logging.getLogger(__name__)

_LOCK_NAMESPACE = 0x4A434D44  # "JCMD": advisory locks of the documents


def lock_key(*parts: object) -> tuple[int, int]:
    """The two-int advisory lock key of ``parts`` (our namespace, a hash of the parts)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return _LOCK_NAMESPACE, int.from_bytes(digest[:4], "big", signed=True)


def document_lock_key(kind: str, subject_type_id: int, subject_id: str, key: str) -> tuple[int, int]:
    """The lock held while a version of the document of ``kind`` about a subject is made."""
    return lock_key("document", kind, subject_type_id, subject_id, key)


def _advisory_lock(*parts: object) -> None:
    """A transaction-level advisory lock on ``parts`` (released at commit or rollback)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(lock_key(*parts)))


def _subject_ref(subject: Model) -> tuple[ContentType, str]:
    return ContentType.objects.get_for_model(subject), str(subject.pk)


def _current(kind: str, subject_type: ContentType, subject_id: str, key: str) -> QuerySet[Document]:
    return Document.objects.filter(kind=kind, subject_type=subject_type, subject_id=subject_id, key=key,
                                   status=DocumentStatus.CURRENT)


def current_document(kind: str, subject: Model, key: str = "") -> Document | None:
    subject_type, subject_id = _subject_ref(subject)
    return _current(kind, subject_type, subject_id, key).first()


# --- numbers -------------------------------------------------------------------------------

def reserve_number(kind: str, subject_type: ContentType, subject_id: str, key: str) -> str:
    """The document's number, reserved once: ``JCM-RC-2026-000123`` (kind code, year, sequence)."""
    where = {"kind": kind, "subject_type": subject_type, "subject_id": subject_id, "key": key}
    with transaction.atomic():
        found = DocumentNumber.objects.filter(**where).values_list("number", flat=True).first()
        if found:
            return found
        year, code = timezone.now().year, number_code(kind)
        _advisory_lock("number", code, year)  # serialises numbering per kind and year, briefly
        found = DocumentNumber.objects.filter(**where).values_list("number", flat=True).first()
        if found:
            return found
        last = DocumentNumber.objects.filter(kind=kind, year=year).aggregate(last=Max("sequence"))["last"] or 0
        number = f"JCM-{code}-{year}-{last + 1:06d}"
        DocumentNumber.objects.create(number=number, year=year, sequence=last + 1, **where)
        return number


# --- generating and superseding ------------------------------------------------------------------

def document_generate(*, kind: str, subject: Model, key: str = "", actor: User | None = None,
                      refresh: bool = False) -> Document:
    """Make the document of ``kind`` about ``subject`` unless its current version exists (idempotent).

    With ``refresh`` (statements), a current version whose facts no longer match the data is
    superseded by a new version.
    """
    spec = spec_for(kind)
    subject_type, subject_id = _subject_ref(subject)
    existing = _current(kind, subject_type, subject_id, key).first()
    if existing is not None and not refresh:
        return existing
    number = reserve_number(kind, subject_type, subject_id, key)
    with transaction.atomic():
        _advisory_lock("document", kind, subject_type.pk, subject_id, key)
        current = _current(kind, subject_type, subject_id, key).select_for_update().first()
        if current is None:
            return _make(spec, subject, key=key, number=number, version=1, actor=actor)
        if not refresh:
            return current
        content = _build(spec, subject, key)
        if content.facts == current.facts:
            return current
        return _supersede(current, spec, subject, content=content, actor=actor,
                          reason="The movements of the period changed since the previous version.")


@transaction.atomic
def document_supersede(*, actor: User, document: Document, reason: str) -> Document:
    """Issue a new version of a document from the current data; the version it replaces is superseded."""
    access.require_reissue(actor, document)
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the new version.", field="reason")
    subject = document.subject
    if subject is None:
        raise Conflict(f"The subject of {document.number} no longer exists.", field="status")
    spec = spec_for(document.kind)
    _advisory_lock("document", document.kind, document.subject_type_id, document.subject_id, document.key)
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status != DocumentStatus.CURRENT:
        raise Conflict(f"Version {document.version} of {document.number} is already superseded.", field="status")
    return _supersede(document, spec, subject, content=_build(spec, subject, document.key), actor=actor,
                      reason=reason.strip())


def _supersede(current: Document, spec: DocumentKindSpec, subject: Model, *, content: Content, actor: User | None,
               reason: str) -> Document:
    current.status = DocumentStatus.SUPERSEDED
    current.save(update_fields=["status"])
    return _make(spec, subject, key=current.key, number=current.number, version=current.version + 1,
                 supersedes=current, content=content, actor=actor, reason=reason)


def _build(spec: DocumentKindSpec, subject: Model, key: str) -> Content:
    with translation.override("en"):
        return spec.build(subject, key)


def _name_key(*parts: object) -> str:
    """A keyed part of a stored file's name: the same for the same file (a retry overwrites its leftover),
    not derivable from the number without the secret key (docs/security.md, "Private files")."""
    message = "|".join(str(part) for part in parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def storage_name(kind: str, number: str, version: int) -> str:
    key = _name_key("document", kind, number, version)
    return f"documents/{number_code(kind)}/{number.rsplit('-', 2)[1]}/{number}-v{version}-{key}.pdf"


def batch_storage_name(pk: int) -> str:
    return f"documents/batches/batch-{pk}-{_name_key('batch', pk)}.zip"


def _make(spec: DocumentKindSpec, subject: Model, *, key: str, number: str, version: int, actor: User | None,
          supersedes: Document | None = None, content: Content | None = None, reason: str = "") -> Document:
    """Render, store and record one version. Runs inside the caller's transaction and lock."""
    content = content or _build(spec, subject, key)
    issued_at = timezone.now()
    with translation.override("en"):
        pdf = render_pdf(template_for(spec), {
            "content": content, "number": number, "version": version, "issued_at": issued_at,
            "kind_label": str(DocumentKind(spec.kind).label), "supersedes": supersedes, "reason": reason})
    sha256 = hashlib.sha256(pdf).hexdigest()
    name = storage_name(spec.kind, number, version)
    if default_storage.exists(name):  # left by an attempt that died before its commit: no row refers to it
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(pdf))
    try:
        subject_type, subject_id = _subject_ref(subject)
        document = Document.objects.create(
            kind=spec.kind, number=number, version=version, title=content.title, subject_type=subject_type,
            subject_id=subject_id, key=key, file=saved, sha256=sha256, size=len(pdf), supersedes=supersedes,
            reason=reason, facts=content.facts, public=content.public, created_at=issued_at,
            verification_url=verification_url(number, version),
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        audit.record(actor=actor, action="documents.document.supersede" if supersedes else "documents.document.generate",
                     target=document, data={"number": number, "version": version, "kind": spec.kind,
                                            "subject": f"{subject_type.app_label}.{subject_type.model}:{subject_id}",
                                            "key": key, "sha256": sha256}, message=reason)
    except Exception:
        default_storage.delete(saved)
        raise
    events.emit("documents.document.generated", document_id=document.pk, kind=spec.kind)
    return document


def document_reissue_request(*, actor: User, document: Document, reason: str) -> None:
    """Check that ``actor`` may reissue ``document`` and queue the new version (made by a worker)."""
    access.require_reissue(actor, document)
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the new version.", field="reason")
    if document.status != DocumentStatus.CURRENT:
        raise Conflict(f"Version {document.version} of {document.number} is already superseded.", field="status")
    from .tasks import supersede_document

    document_id, actor_id, reason = document.pk, actor.pk, reason.strip()
    transaction.on_commit(lambda: enqueue(supersede_document, document_id, actor_id, reason))


class Task(Protocol):
    """What :func:`enqueue` needs of a Celery task."""

    name: str

    def delay(self, *args: Any) -> object: ...


def enqueue(task: Task, *args: Any) -> None:
    """Queue a task; a failure to queue (or, when tasks run eagerly, to run) is logged, never raised:
    the action that asked for the document has committed, and the task can be run again."""
    try:
        task.delay(*args)
    except Exception:
        logger.exception("documents: %s%r failed", task.name, args)


# --- verification ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    sha256: str
    document: Document | None

    @property
    def verdict(self) -> str:
        """``current`` (genuine and current), ``superseded`` (genuine, replaced) or ``unknown``."""
        if self.document is None:
            return "unknown"
        return "current" if self.document.is_current else "superseded"

    @property
    def current(self) -> Document | None:
        if self.document is None:
            return None
        return Document.objects.filter(number=self.document.number, status=DocumentStatus.CURRENT).first()


def verify_file(fileobj: File | IO[bytes]) -> Verification:
    """Whether an uploaded file is a document this registry issued: looked up by its SHA-256."""
    digest = hashlib.sha256()
    chunks: Iterable[bytes] = (fileobj.chunks() if isinstance(fileobj, File)
                               else iter(lambda: fileobj.read(1 << 16), b""))
    for chunk in chunks:
        digest.update(chunk)
    return verify_sha256(digest.hexdigest())


def verify_sha256(sha256: str) -> Verification:
    sha256 = (sha256 or "").strip().lower()
    return Verification(sha256, Document.objects.filter(sha256=sha256).first() if sha256 else None)


# --- batches ----------------------------------------------------------------------------------------

@transaction.atomic
def batch_request(*, actor: User, kind: str, registry: Model | None = None, account: Model | None = None,
                  year: int | None = None, start: datetime.date | None = None,
                  end: datetime.date | None = None) -> DocumentBatch:
    """Queue a long job: a year's retirement certificates, every account's statement for a period,
    the Article 6.2 annual report, or one account's statement. A worker runs it; its page shows progress.

    What the job runs over (its scope: a ``registry`` or an ``account``), who may ask for it, and what it
    checks of the year or period are its kind's (``core.document_kinds.DocumentBatchSpec``)."""
    require_authenticated(actor)
    spec = batch_spec_for(kind)
    scope = {"registry": registry, "account": account}[spec.scope]
    if scope is None:
        raise ApplicationError(f"Choose the {spec.scope}.", field=spec.scope)
    access.require_start_batch(actor, kind, scope)
    params, title = spec.params(scope, year=year, start=start, end=end)
    batch = DocumentBatch.objects.create(kind=kind, title=title, params=params, requested_by=actor)
    audit.record(actor=actor, action="documents.batch.request", target=batch, data={"kind": kind, **params})
    from .tasks import run_batch

    transaction.on_commit(lambda: enqueue(run_batch, batch.pk))
    return batch


def statement_request(*, actor: User, account: Model, start: datetime.date, end: datetime.date) -> DocumentBatch:
    """A representative (or the registry) asks for an account's statement for a period."""
    return batch_request(actor=actor, kind=BatchKind.ACCOUNT_STATEMENT, account=account, start=start, end=end)


def batch_run(*, batch: DocumentBatch) -> DocumentBatch:
    """Run a batch (called by its Celery task). Resumable: documents already made are not made again."""
    spec = batch_spec_for(batch.kind)
    with transaction.atomic():
        batch = DocumentBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == BatchStatus.DONE:
            return batch
        items = spec.items(batch.params)
        total = len(items) + spec.file_count
        batch.status, batch.total, batch.done, batch.error = BatchStatus.RUNNING, total, 0, ""
        batch.started_at = batch.started_at or timezone.now()
        batch.save(update_fields=["status", "total", "done", "error", "started_at"])
    extra: list[tuple[str, bytes]] = []
    for done, (kind, subject, key) in enumerate(items, 1):
        document = document_generate(kind=kind, subject=subject, key=key, actor=batch.requested_by,
                                     refresh=spec.refresh)
        batch.documents.add(document)
        DocumentBatch.objects.filter(pk=batch.pk).update(done=done)
    if spec.files is not None:
        for done, file in enumerate(spec.files(batch.params), len(items) + 1):
            extra.append(file)
            DocumentBatch.objects.filter(pk=batch.pk).update(done=done)
    return _batch_finish(batch, extra)


def _zip(batch: DocumentBatch, extra: list[tuple[str, bytes]]) -> IO[bytes]:
    archive = tempfile.TemporaryFile()
    sums = []
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for document in batch.documents.filter(status=DocumentStatus.CURRENT).order_by("number"):
            with document.file.open("rb") as pdf:
                zf.writestr(document.filename, pdf.read())
            sums.append(f"{document.sha256}  {document.filename}")
        for name, data in extra:
            zf.writestr(name, data)
            sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
        zf.writestr("SHA256SUMS", "\n".join(sums) + "\n")
    archive.seek(0)
    return archive


@transaction.atomic
def _batch_finish(batch: DocumentBatch, extra: list[tuple[str, bytes]]) -> DocumentBatch:
    batch = DocumentBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == BatchStatus.DONE:  # a redelivered copy of the task finished first
        return batch
    name = batch_storage_name(batch.pk)
    if default_storage.exists(name):
        default_storage.delete(name)
    with _zip(batch, extra) as archive:
        batch.file = default_storage.save(name, File(archive, name=name))
    batch.status, batch.done, batch.finished_at = BatchStatus.DONE, batch.total, timezone.now()
    batch.save(update_fields=["file", "status", "done", "finished_at"])
    audit.record(actor=None, action="documents.batch.complete", target=batch,
                 data={"kind": batch.kind, "documents": batch.documents.count(), "total": batch.total})
    events.emit("documents.batch.completed", batch_id=batch.pk)
    return batch


@transaction.atomic
def batch_fail(*, batch_id: int, error: str) -> None:
    """Record that a batch failed for good (the task gave up); its page says so."""
    batch = DocumentBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None or batch.status == BatchStatus.DONE:
        return
    batch.status, batch.error, batch.finished_at = BatchStatus.FAILED, error[:2000], timezone.now()
    batch.save(update_fields=["status", "error", "finished_at"])
    audit.record(actor=None, action="documents.batch.fail", target=batch, message=batch.error)


def read_bytes(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()

