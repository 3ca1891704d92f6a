"""Domain events that make documents. Each handler runs after the action's commit and only queues
a Celery task (see core.events); a failure to queue is logged, never raised."""

from __future__ import annotations

from core.events import subscriber
from documents.models import DocumentKind

from .services import enqueue
from .tasks import generate_document


def _make(kind: str, subject_id) -> None:
    enqueue(generate_document, kind, subject_id)


@subscriber("credits.issuance.completed")
def issuance_notification(event: str, payload: dict) -> None:
    _make(DocumentKind.ISSUANCE_NOTIFICATION, payload["issuance_id"])


@subscriber("credits.retirement.completed")
def retirement_certificate(event: str, payload: dict) -> None:
    _make(DocumentKind.RETIREMENT_CERTIFICATE, payload["transaction_id"])


@subscriber("credits.cancellation.completed")
def cancellation_certificate(event: str, payload: dict) -> None:
    _make(DocumentKind.CANCELLATION_CERTIFICATE, payload["transaction_id"])


@subscriber("committee.decision.recorded")
def decision_record(event: str, payload: dict) -> None:
    _make(DocumentKind.DECISION_RECORD, payload["decision_id"])


@subscriber("methodologies.version.approved")
def methodology_approval(event: str, payload: dict) -> None:
    _make(DocumentKind.METHODOLOGY_APPROVAL, payload["version_id"])


@subscriber("projects.project.registered")
def registration_letter(event: str, payload: dict) -> None:
    _make(DocumentKind.REGISTRATION_LETTER, payload["project_id"])
