"""Celery tasks of the documents: load by id, call one service; idempotent, ``acks_late``, retried.

A task that dies with its worker is delivered again (``acks_late`` + ``reject_on_worker_lost``);
the services make the second run find the document already made, or make it exactly once.
"""

from __future__ import annotations

import datetime
import logging

from celery import Task
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from core.errors import ApplicationError
from core.registries import document_kinds
from core.tasks import task
from documents.models import Document, DocumentBatch

from . import services
from .kinds import spec_for

logger = logging.getLogger(__name__)

TRANSIENT = (OSError, OperationalError, InterfaceError)
RETRIED = {"bind": True, "acks_late": True, "reject_on_worker_lost": True, "autoretry_for": TRANSIENT,
           "retry_backoff": 5, "retry_backoff_max": 600, "retry_jitter": True, "max_retries": 8}


@task(legacy_name="jcm_registry.documents.tasks.generate_document", **RETRIED)
def generate_document(self, kind: str, subject_id, key: str = "") -> int | None:
    """Make the document of ``kind`` about the subject with ``subject_id`` (once)."""
    spec = spec_for(kind)
    subject = spec.load(subject_id)
    if subject is None:
        logger.warning("documents: no %s %s for a %s", spec.model, subject_id, kind)
        return None
    try:
        return services.document_generate(kind=kind, subject=subject, key=key).pk
    except ApplicationError as exc:
        logger.warning("documents: no %s for %s %s: %s", kind, spec.model, subject_id, exc)
        return None


@task(legacy_name="jcm_registry.documents.tasks.supersede_document", **RETRIED)
def supersede_document(self, document_id: int, actor_id: int, reason: str) -> int | None:
    """Issue the next version of a document (asked for by ``actor_id``); nothing if already superseded."""
    document = Document.objects.filter(pk=document_id).first()
    actor = get_user_model().objects.filter(pk=actor_id).first()
    if document is None or actor is None or not document.is_current:
        return None
    try:
        return services.document_supersede(actor=actor, document=document, reason=reason).pk
    except ApplicationError as exc:
        logger.warning("documents: %s not reissued: %s", document, exc)
        return None


class BatchTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """The retries are exhausted (or the error is not transient): the batch's page says it failed."""
        services.batch_fail(batch_id=args[0] if args else kwargs["batch_id"], error=str(exc) or type(exc).__name__)


@task(legacy_name="jcm_registry.documents.tasks.run_batch", base=BatchTask, **RETRIED)
def run_batch(self, batch_id: int) -> int | None:
    batch = DocumentBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return None
    try:
        return services.batch_run(batch=batch).pk
    except ApplicationError as exc:
        services.batch_fail(batch_id=batch_id, error=str(exc))
        return None


@task(legacy_name="jcm_registry.documents.tasks.monthly_account_statements", acks_late=True)
def monthly_account_statements(today: str | None = None) -> int:
    """Celery beat, monthly: queue the documents every kind makes each month (its ``monthly`` subjects):
    last month's statement of every account that is not closed. Each document is its own task (so workers
    share the work) and is made once. Returns how many were queued."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    due = [(kind, pk, key) for kind, spec in document_kinds.items() if spec.monthly is not None
           for pk, key in spec.monthly(day)]
    for kind, pk, key in due:
        services.enqueue(generate_document, kind, pk, key)
    return len(due)
