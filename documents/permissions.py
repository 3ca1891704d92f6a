"""Who may read, reissue and request documents."""

from __future__ import annotations

from committee.roles import is_secretariat, is_system_admin
from credits import permissions as credit_perms
from documents.models import BatchKind, DocumentKind

from .content import spec_for


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def may_read(user, document) -> bool:
    """Download the PDF and see its facts without holding it. Statements: the account's readers."""
    if document.public:
        return True
    if document.kind == DocumentKind.ACCOUNT_STATEMENT and document.subject is not None:
        return credit_perms.may_view_account(user, document.subject)
    return is_system_admin(user)


def may_reissue(user, document) -> bool:
    """Issue a new version: the registry's administrators (credits documents), the Joint Committee's
    secretariat (decisions, letters, notices) and system administrators."""
    if not _authenticated(user):
        return False
    if is_system_admin(user):
        return True
    subject = document.subject
    if subject is None:
        return False
    spec = spec_for(document.kind)
    registry = spec.registry(subject)
    if registry is not None:
        return credit_perms.is_registry_admin(user, registry)
    jc = spec.joint_committee(subject)
    return jc is not None and is_secretariat(user, jc)


def may_run_for_registry(user, registry) -> bool:
    """Registry-wide batches: the registry's administrators and its ministry."""
    return _authenticated(user) and (credit_perms.is_registry_admin(user, registry)
                                     or credit_perms.is_ministry_of(user, registry))


def may_view_batch(user, batch) -> bool:
    if not _authenticated(user):
        return False
    if is_system_admin(user) or batch.requested_by_id == user.pk:
        return True
    from credits.models import Registry

    registry = Registry.objects.filter(country__code=batch.params.get("registry", "")).first()
    return (registry is not None and batch.kind != BatchKind.ACCOUNT_STATEMENT
            and may_run_for_registry(user, registry))
