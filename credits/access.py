"""Who may act on a registry, an account or a transaction, written once.

``can_<action>(user, obj) -> bool`` is for pages and templates (whether to offer the action);
``require_<action>(user, obj)`` is for services: it raises ``core.errors.NotAllowed`` with the reason
exactly when ``can_<action>`` is False, because it checks the same rule. A page therefore never offers
what the service would refuse. The state of the object (whether an account is open, a transaction still
proposed) is the service's transition check and the page's own condition, not a rule of who may act.

The people of a registry:

- its administrators: role ``registry_admin`` with the registry's country (valid today), or a system
  administrator;
- its ministry: role ``ministry_api`` with the registry's country; it operates the government holding
  accounts of its registry;
- an account's representatives (``AccountRepresentative``): each may initiate (``can_initiate``) and/or
  approve (``can_approve``) the account's transactions.
"""

from __future__ import annotations

from committee.choices import Role
from committee.roles import Viewer, has_role
from core.access import is_authenticated, is_system_admin, require, require_authenticated

from .choices import AccountType
from .models import Account, CreditTransaction, Registry


def _require(user: Viewer, allowed: bool, message: str) -> None:
    require_authenticated(user)
    require(allowed, message)


# --- the people of a registry ---------------------------------------------------------------------

def is_registry_admin(user: Viewer, registry: Registry) -> bool:
    return is_system_admin(user) or has_role(user, Role.REGISTRY_ADMIN, country=registry.country)


def is_ministry_of(user: Viewer, registry: Registry) -> bool:
    return has_role(user, Role.MINISTRY_API, country=registry.country)


def _operates(user: Viewer, account: Account) -> bool:
    """The registry's administrators, and its ministry for a government holding account."""
    return is_registry_admin(user, account.registry) or (
        account.type == AccountType.GOVERNMENT_HOLDING and is_ministry_of(user, account.registry))


def is_account_initiator(user: Viewer, account: Account) -> bool:
    """May start transactions from ``account``: a representative with ``can_initiate``, or who operates it."""
    if not is_authenticated(user):
        return False
    if _operates(user, account):
        return True
    link = account.representative_links.filter(user=user).first()
    return bool(link and link.can_initiate)


def is_account_approver(user: Viewer, account: Account) -> bool:
    """May approve or reject ``account``'s proposals: a representative with ``can_approve``, or who
    operates it (the second person is checked by :func:`can_approve`)."""
    if not is_authenticated(user):
        return False
    if _operates(user, account):
        return True
    link = account.representative_links.filter(user=user).first()
    return bool(link and link.can_approve)


# --- registries and accounts ----------------------------------------------------------------------

def can_open_registry(user: Viewer) -> bool:
    return is_system_admin(user)


def require_open_registry(user: Viewer) -> None:
    _require(user, can_open_registry(user), "Only a system administrator may do this.")


def can_open_account(user: Viewer, registry: Registry) -> bool:
    return is_authenticated(user) and is_registry_admin(user, registry)


def require_open_account(user: Viewer, registry: Registry) -> None:
    _require(user, can_open_account(user, registry), f"Only an administrator of the {registry} may open accounts.")


def can_change_account_status(user: Viewer, account: Account) -> bool:
    """Block, unblock or close the account."""
    return is_authenticated(user) and is_registry_admin(user, account.registry)


def require_change_account_status(user: Viewer, account: Account) -> None:
    _require(user, can_change_account_status(user, account),
             "Only a registry administrator may block, unblock or close accounts.")


def can_manage_representatives(user: Viewer, account: Account) -> bool:
    """Name representatives of the account, change their rights, remove them."""
    return is_authenticated(user) and is_registry_admin(user, account.registry)


def require_name_representative(user: Viewer, account: Account) -> None:
    _require(user, can_manage_representatives(user, account),
             "Only a registry administrator may name account representatives.")


def require_remove_representative(user: Viewer, account: Account) -> None:
    _require(user, can_manage_representatives(user, account),
             "Only a registry administrator may remove account representatives.")


def can_view_account(user: Viewer, account: Account) -> bool:
    """Holdings by block and statements: representatives, the registry's administrators and ministry."""
    if not is_authenticated(user):
        return False
    return (is_registry_admin(user, account.registry) or is_ministry_of(user, account.registry)
            or account.representative_links.filter(user=user).exists())


def can_report(user: Viewer, registry: Registry) -> bool:
    """The registry's Article 6.2 annual report: its administrators and its ministry."""
    return is_authenticated(user) and (is_registry_admin(user, registry) or is_ministry_of(user, registry))


# --- issuance -------------------------------------------------------------------------------------

def can_issue(user: Viewer, registry: Registry) -> bool:
    """Execute the registry's share of an issuance decided by a Joint Committee."""
    return is_authenticated(user) and is_registry_admin(user, registry)


def require_issue(user: Viewer, registry: Registry) -> None:
    _require(user, can_issue(user, registry), f"Only an administrator of the {registry} may issue credits.")


# --- transactions ---------------------------------------------------------------------------------

def can_initiate(user: Viewer, account: Account) -> bool:
    """Start a transfer, external transfer, cancellation or retirement from ``account``."""
    return is_account_initiator(user, account)


def require_initiate(user: Viewer, account: Account) -> None:
    _require(user, can_initiate(user, account), f"You may not initiate transactions from account {account.number}.")


def _is_initiator(user: Viewer, txn: CreditTransaction) -> bool:
    return is_authenticated(user) and user.pk == txn.initiator_id


def _decides(user: Viewer, txn: CreditTransaction) -> bool:
    return txn.from_account is not None and is_account_approver(user, txn.from_account)


def can_approve(user: Viewer, txn: CreditTransaction) -> bool:
    """Approve a proposal: someone who may approve for the sending account, other than its initiator."""
    return is_authenticated(user) and not _is_initiator(user, txn) and _decides(user, txn)


def require_approve(user: Viewer, txn: CreditTransaction) -> None:
    require_authenticated(user)
    require(not _is_initiator(user, txn),
            "A transaction is approved by a different person from the one who initiated it.")
    require(_decides(user, txn), f"You may not approve transactions from account {_from_number(txn)}.")


def can_reject(user: Viewer, txn: CreditTransaction) -> bool:
    """Reject a proposal: the same people as :func:`can_approve` (the initiator cancels instead)."""
    return can_approve(user, txn)


def require_reject(user: Viewer, txn: CreditTransaction) -> None:
    require_authenticated(user)
    require(not _is_initiator(user, txn), "The initiator cancels a proposal; rejection is for the approver.")
    require(_decides(user, txn), f"You may not reject transactions from account {_from_number(txn)}.")


def can_cancel(user: Viewer, txn: CreditTransaction) -> bool:
    """Cancel a proposal: its initiator or an administrator of its registry."""
    return _is_initiator(user, txn) or (is_authenticated(user) and is_registry_admin(user, txn.registry))


def require_cancel(user: Viewer, txn: CreditTransaction) -> None:
    _require(user, can_cancel(user, txn),
             "Only the initiator or a registry administrator may cancel a proposed transaction.")


def can_reverse(user: Viewer, txn: CreditTransaction) -> bool:
    """Correct a completed transfer by reversal: an administrator of its registry."""
    return is_authenticated(user) and is_registry_admin(user, txn.registry)


def require_reverse(user: Viewer, txn: CreditTransaction) -> None:
    _require(user, can_reverse(user, txn), "Only a registry administrator may reverse a transaction.")


def _from_number(txn: CreditTransaction) -> str:
    return txn.from_account.number if txn.from_account is not None else ""
