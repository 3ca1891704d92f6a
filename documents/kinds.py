"""The kinds of documents and of batches, as the domain apps declare them (``<app>/documents.py``, read
through ``core.registries``), looked up by the code stored with a document or a batch."""

from __future__ import annotations

from core.document_kinds import DocumentBatchSpec, DocumentKindSpec
from core.errors import ApplicationError
from core.registries import document_batches, document_kinds


def spec_for(kind: str) -> DocumentKindSpec:
    spec = document_kinds.get(kind)
    if spec is None:
        raise ApplicationError(f"Unknown kind of document: {kind}.", field="kind")
    return spec


def batch_spec_for(kind: str) -> DocumentBatchSpec:
    spec = document_batches.get(kind)
    if spec is None:
        raise ApplicationError("Choose what to prepare.", field="kind")
    return spec


def number_code(kind: str) -> str:
    """The kind's code in the document number: JCM-<code>-<year>-<sequence>."""
    return spec_for(kind).code


def template_for(spec: DocumentKindSpec) -> str:
    return f"documents/pdf/{spec.kind}.html"
