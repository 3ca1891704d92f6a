"""Reads of the documents, scoped to the user."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from committee.roles import Viewer
from core.access import is_authenticated, is_system_admin
from core.registries import document_batches
from documents.models import Document, DocumentBatch, DocumentKind


def versions(number: str) -> QuerySet[Document]:
    """Every version of one document, newest first."""
    return Document.objects.filter(number=number).order_by("-version")


def documents_of(subject: Model, kind: str | None = None) -> QuerySet[Document]:
    qs = Document.objects.filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=str(subject.pk))
    return qs.filter(kind=kind) if kind else qs


def statements_of(account: Model) -> QuerySet[Document]:
    return documents_of(account, DocumentKind.ACCOUNT_STATEMENT).order_by("-key", "-version")


def batches_for(user: Viewer) -> QuerySet[DocumentBatch]:
    qs = DocumentBatch.objects.select_related("requested_by")
    if is_system_admin(user):
        return qs
    return qs.filter(requested_by=user) if is_authenticated(user) else qs.none()


def batch_scopes(user: Viewer) -> QuerySet[Any] | None:
    """What the user may start registry-wide batches over (the registries whose administrators or ministry
    they are), as the batch kinds declare it; None when no kind is started from the batches page."""
    providers = {spec.scopes for spec in document_batches.values() if spec.scopes is not None}
    querysets = [scopes(user) for scopes in providers]
    return reduce(operator.or_, querysets) if querysets else None
