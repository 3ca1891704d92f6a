"""Who may read and reissue documents, ask for batches and follow them.

What depends on the subject is its domain app's rule, declared with the kind (``core.document_kinds``):
who may read a document that is not public (an account's statements: whoever may see the account), who
may issue a new version (the registry's administrators for credits documents, the Joint Committee's
secretariat for decisions, letters and notices), who may start a batch over a scope and who may follow it.
Here they meet the rules every document shares: a public document is for everyone, and system
administrators may do everything. ``can_<action>`` serves the pages, ``require_<action>`` the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from core.access import is_authenticated, is_system_admin, require, require_authenticated
from core.registries import document_batches

from .kinds import batch_spec_for, spec_for
from .models import Document, DocumentBatch

Viewer = AbstractBaseUser | AnonymousUser


def can_read(user: Viewer, document: Document) -> bool:
    """Download the PDF and see its facts without holding it. Not public (statements): per the kind."""
    if document.public:
        return True
    subject = document.subject
    if subject is not None and spec_for(document.kind).may_read(user, subject):
        return True
    return is_system_admin(user)


def can_see_pending(user: Viewer, kind: str, subject: object) -> bool:
    """Learn that a document about ``subject`` is still being made (only who may read it once made)."""
    return spec_for(kind).may_read(user, subject) or is_system_admin(user)


def can_reissue(user: Viewer, document: Document) -> bool:
    """Issue a new version of the document (from the current data, with a reason)."""
    if not is_authenticated(user):
        return False
    if is_system_admin(user):
        return True
    subject = document.subject
    return subject is not None and spec_for(document.kind).may_reissue(user, subject)


def require_reissue(user: Viewer, document: Document) -> None:
    require_authenticated(user)
    require(can_reissue(user, document), "Only the registry's administrators or the Joint Committee's secretariat "
                                         "may reissue this document.")


def can_start_batch(user: Viewer, kind: str, scope: Any) -> bool:
    """Ask for a batch of ``kind`` over ``scope`` (a registry, an account)."""
    return is_authenticated(user) and batch_spec_for(kind).may_start(user, scope)


def require_start_batch(user: Viewer, kind: str, scope: Any) -> None:
    require_authenticated(user)
    spec = batch_spec_for(kind)
    require(spec.may_start(user, scope), spec.refusal(scope))


def can_view_batch(user: Viewer, batch: DocumentBatch) -> bool:
    """Follow a batch and download its archive: whoever asked for it, and per the kind (a registry's job:
    its administrators and ministry)."""
    if not is_authenticated(user):
        return False
    if is_system_admin(user) or batch.requested_by_id == user.pk:
        return True
    spec = document_batches.get(batch.kind)
    return spec is not None and spec.may_view(user, batch.params)
