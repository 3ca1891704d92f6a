"""Who may act on a registry, an account or a transaction."""

from __future__ import annotations

from committee.choices import Role
from committee.roles import has_role, is_system_admin

from .choices import AccountType


def is_registry_admin(user, registry) -> bool:
    return is_system_admin(user) or has_role(user, Role.REGISTRY_ADMIN, country=registry.country)


def is_ministry_of(user, registry) -> bool:
    return has_role(user, Role.MINISTRY_API, country=registry.country)


def _representative(user, account):
    if not getattr(user, "is_authenticated", False):
        return None
    return account.representative_links.filter(user=user).first()


def may_initiate(user, account) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_registry_admin(user, account.registry):
        return True
    if account.type == AccountType.GOVERNMENT_HOLDING and is_ministry_of(user, account.registry):
        return True
    link = _representative(user, account)
    return bool(link and link.can_initiate)


def may_approve(user, account) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_registry_admin(user, account.registry):
        return True
    if account.type == AccountType.GOVERNMENT_HOLDING and is_ministry_of(user, account.registry):
        return True
    link = _representative(user, account)
    return bool(link and link.can_approve)


def may_view_account(user, account) -> bool:
    """Holdings by block and statements: representatives, the registry's administrators and ministry."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (is_registry_admin(user, account.registry) or is_ministry_of(user, account.registry)
            or account.representative_links.filter(user=user).exists())
