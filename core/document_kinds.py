"""Document kinds and document batches as the domain apps declare them, and the pieces of a document's content.

The documents app (at the top) numbers, renders, stores and verifies PDFs but knows nothing of the domain.
Each domain app declares what only it knows in its own ``documents.py`` (autodiscovered, see
:mod:`core.registries`):

- its **document kinds** (:class:`DocumentKindSpec`, in ``core.registries.document_kinds``): the code stored
  with the document and the code in its number, the model of the subject and how to find one, the content
  builder, who may read a document that is not public and who may issue a new version, the domain events
  after which the document is made, and the subjects whose documents are made every month;
- its **batches** (:class:`DocumentBatchSpec`, in ``core.registries.document_batches``): long jobs that make
  many documents (or report files) over one scope, e.g. a registry or an account.

A content builder takes the subject and the key (which tells apart documents of one kind about one subject,
e.g. a statement's period) and returns the :class:`Content`: the title, who issues it, one paragraph that
says what it certifies, the key facts (stored with the document and shown on its verification page) and
optional tables. It raises ``core.errors.Conflict`` when the subject cannot have the document (e.g. a draft
decision). Documents are written in English, the working language of the JCM, with names as recorded
(Japanese and Mongolian Cyrillic included). The PDF template of a kind is ``documents/pdf/<kind>.html``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Model, QuerySet
from django.utils import timezone

from .registries import document_batches, document_kinds

__all__ = ["Content", "DocumentBatchSpec", "DocumentKindSpec", "Table", "day", "fact", "names", "qty",
           "register_batches", "register_kinds"]


# --- content ---------------------------------------------------------------------------------

@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()  # columns aligned right
    widths: tuple[int, ...] = ()  # per cent of the width, per column (else equal columns)


@dataclass
class Content:
    title: str
    issuer: str
    statement: str
    facts: list[dict]
    tables: list[Table] = field(default_factory=list)
    addressee: str = ""
    public: bool = True
    fictitious: bool = False  # about the demo's fictitious entities: every page carries a "FICTITIOUS" banner


def fact(label: str, value: object) -> dict:
    return {"label": label, "value": "" if value is None else str(value)}


def qty(n: int) -> str:
    return f"{n:,}"


def day(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def names(*values: str) -> str:
    """Distinct non-empty names joined with a middle dot: "Mongolia · Монгол Улс · モンゴル"."""
    seen: list[str] = []
    for value in values:
        value = (value or "").strip()
        if value and value not in seen:
            seen.append(value)
    return " · ".join(seen)


# --- kinds and batches -------------------------------------------------------------------------

# Who (a user, possibly anonymous) may do something about an object.
Rule = Callable[[Any, Any], bool]


def _nobody(user: Any, obj: Any) -> bool:
    return False


@dataclass(frozen=True)
class DocumentKindSpec:
    """One kind of document about one kind of subject, as its domain app declares it."""

    kind: str  # stored in Document.kind (one of documents.models.DocumentKind)
    code: str  # in the document number: JCM-<code>-<year>-<sequence>
    model: str  # "app_label.ModelName" of the subject
    build: Callable[[Any, str], Content]  # (subject, key) -> what the document states
    # Who may read a document of this kind that is not public (system administrators always may).
    may_read: Rule = _nobody
    # Who may issue a new version of a document about the subject (system administrators always may).
    may_reissue: Rule = _nobody
    # The domain events after which the document is made: (event, payload field holding the subject's pk).
    events: tuple[tuple[str, str], ...] = ()
    # The documents due every month: day -> (subject pk, key) of each, for the month before ``day``.
    monthly: Callable[[datetime.date], Iterable[tuple[Any, str]]] | None = None
    # The subject by the reference people use for it (e.g. an account's number), or None.
    lookup: Callable[[str], Any] | None = None

    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    def load(self, pk: Any) -> Any:
        """The subject with primary key ``pk``, or None."""
        return self.model_class()._default_manager.filter(pk=pk).first()


# (document kind, subject, key) of one document a batch makes.
BatchItem = tuple[str, Any, str]


@dataclass(frozen=True)
class DocumentBatchSpec:
    """A long job that makes many documents (or report files) over one scope, as its domain app declares it.

    A request names the job's kind, its scope (the object it runs over) and, depending on the kind, a year
    or a period; ``params`` checks them and returns what the job stores (plain JSON) and its title.
    """

    kind: str  # stored in DocumentBatch.kind (one of documents.models.BatchKind)
    scope: str  # what the job runs over, as the request names it: "registry", "account"
    may_start: Rule  # (user, scope) -> whether the user may ask for the job
    refusal: Callable[[Any], str]  # scope -> why may_start says no
    params: Callable[..., tuple[dict, str]]  # (scope, *, year, start, end) -> (params, title); ApplicationError
    items: Callable[[dict], list[BatchItem]]  # params -> the documents to make; Conflict if the scope is gone
    # Who besides the requester (and system administrators) may follow the job: (user, params) -> bool.
    may_view: Rule = _nobody
    # The scopes the user may start the job for, offered on the batches page (None: asked for elsewhere).
    scopes: Callable[[Any], QuerySet] | None = None
    # Report files packed with the documents: params -> [(file name, bytes)], and how many there are.
    files: Callable[[dict], list[tuple[str, bytes]]] | None = None
    file_count: int = 0
    refresh: bool = False  # documents whose data may change (statements) get a new version when it did


def register_kinds(*specs: DocumentKindSpec) -> None:
    for spec in specs:
        document_kinds.register(spec.kind, spec)


def register_batches(*specs: DocumentBatchSpec) -> None:
    for spec in specs:
        document_batches.register(spec.kind, spec)
