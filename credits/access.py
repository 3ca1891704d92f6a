"""Who may act on a registry, an account or a transaction, written once.

``can_<action>(user, obj) -> bool`` is for pages and templates (whether to offer the action);
``require_<action>(user, obj)`` is for services: it raises ``core.errors.NotAllowed`` with the reason
exactly when ``can_<action>`` is False, because it checks the same rule. A page therefore never offers
what the service would refuse. The state of the object (whether an account is open, a transaction still
proposed) is the service's transition check and the page's own condition, not a rule of who may act.

The people of a registry:

- its administrators: role ``registry_admin`` with the registry's country (valid today). The system
  administrator (superuser) is not one unless given that role; it only reads what they read;
- its ministry: role ``ministry_api`` with the registry's country; it represents the government holding
  accounts of its registry;
- an account's representatives (``AccountRepresentative``): each may initiate (``can_initiate``) and/or
  approve (``can_approve``) the account's transactions.

Who may move credits (docs/credits.md): only an account's representatives start ordinary transactions from
it; administrators act on it only by an administrative correction (with its legal basis) that a second
administrator approves; a reversal is approved by an administrator of the registry the units come back from.
"""

from __future__ import annotations

from committee.choices import Role
from committee.roles import Viewer, has_role
from core.access import is_authenticated, is_system_admin, require, require_authenticated

from .choices import HOLDING_TYPES, AccountType, TransactionKind
from .models import Account, CreditTransaction, Registry


def _require(user: Viewer, allowed: bool, message: str) -> None:
    require_authenticated(user)
    require(allowed, message)


# --- the people of a registry ---------------------------------------------------------------------

def is_registry_admin(user: Viewer, registry: Registry) -> bool:
    """Role ``registry_admin`` with the registry's country. The system administrator (superuser) is not one
    unless given that role: operating the system gives no authority over anyone's credits."""
    return has_role(user, Role.REGISTRY_ADMIN, country=registry.country)


def is_registry_overseer(user: Viewer, registry: Registry) -> bool:
    """Reads what the registry's administrators read: its administrators and the system administrator."""
    return is_system_admin(user) or is_registry_admin(user, registry)


def is_ministry_of(user: Viewer, registry: Registry) -> bool:
    return has_role(user, Role.MINISTRY_API, country=registry.country)


def _represents(user: Viewer, account: Account, right: str) -> bool:
    """A representative of ``account`` with ``right`` (``can_initiate`` or ``can_approve``); for a government
    holding account, its government's ministry is a representative with both rights."""
    if not is_authenticated(user):
        return False
    if account.type == AccountType.GOVERNMENT_HOLDING and is_ministry_of(user, account.registry):
        return True
    link = account.representative_links.filter(user=user).first()
    return bool(link and getattr(link, right))


def is_account_initiator(user: Viewer, account: Account) -> bool:
    """May start ordinary transactions from ``account``: only its authorised representatives (with
    ``can_initiate``). A registry administrator acts on it only by an administrative correction."""
    return _represents(user, account, "can_initiate")


def is_account_approver(user: Viewer, account: Account) -> bool:
    """May approve or reject ``account``'s ordinary proposals: a representative with ``can_approve`` (the
    second person is checked by :func:`can_approve`)."""
    return _represents(user, account, "can_approve")


# --- registries and accounts ----------------------------------------------------------------------

def can_open_registry(user: Viewer) -> bool:
    return is_system_admin(user)


def require_open_registry(user: Viewer) -> None:
    _require(user, can_open_registry(user), "Only a system administrator may do this.")


def can_set_approval_threshold(user: Viewer, account: Account) -> bool:
    """Set the quantity from which the account's outgoing transactions need a second approval."""
    return is_authenticated(user) and is_registry_admin(user, account.registry)


def require_set_approval_threshold(user: Viewer, account: Account) -> None:
    _require(user, can_set_approval_threshold(user, account),
             "Only a registry administrator may change an account's approval threshold.")


def can_manage_trusted_accounts(user: Viewer, account: Account) -> bool:
    """Add accounts to the trusted-account list of ``account`` or remove them: its representatives who may
    initiate (an addition becomes active only after the delay)."""
    return account.type in HOLDING_TYPES and is_account_initiator(user, account)


def require_manage_trusted_accounts(user: Viewer, account: Account) -> None:
    _require(user, can_manage_trusted_accounts(user, account),
             f"Only a representative of account {account.number} may change its trusted accounts.")


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
    return (is_registry_overseer(user, account.registry) or is_ministry_of(user, account.registry)
            or account.representative_links.filter(user=user).exists())


def can_report(user: Viewer, registry: Registry) -> bool:
    """The registry's Article 6.2 annual report: its administrators and its ministry."""
    return is_authenticated(user) and (is_registry_overseer(user, registry) or is_ministry_of(user, registry))


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


def can_propose_correction(user: Viewer, account: Account) -> bool:
    """Propose an administrative correction on ``account`` (a transfer, cancellation or retirement out of it,
    with its legal basis): an administrator of its registry. A second administrator approves it."""
    return is_authenticated(user) and account.type in HOLDING_TYPES and is_registry_admin(user, account.registry)


def require_propose_correction(user: Viewer, account: Account) -> None:
    _require(user, can_propose_correction(user, account),
             f"Only an administrator of the {account.registry} may propose a correction on account {account.number}.")


def _decides(user: Viewer, txn: CreditTransaction) -> bool:
    """Who decides on a proposal besides its initiator:

    - a reversal: an administrator of the registry the units come back from (the receiving registry of the
      transfer reversed, which for an external transfer is the other government's);
    - an administrative correction: another administrator of the account's registry;
    - an issuance: another administrator of the issuing registry;
    - an ordinary transaction: a representative of the sending account who may approve.
    """
    if txn.kind == TransactionKind.ISSUANCE:
        return is_registry_admin(user, txn.registry)
    if txn.from_account is None:
        return False
    if txn.kind == TransactionKind.REVERSAL or txn.is_correction:
        return is_registry_admin(user, txn.from_account.registry)
    return is_account_approver(user, txn.from_account)


def can_approve(user: Viewer, txn: CreditTransaction) -> bool:
    """Approve a proposal: someone who decides on it (:func:`_decides`), other than its initiator."""
    return is_authenticated(user) and not _is_initiator(user, txn) and _decides(user, txn)


def require_approve(user: Viewer, txn: CreditTransaction) -> None:
    require_authenticated(user)
    require(not _is_initiator(user, txn),
            "A transaction is approved by a different person from the one who initiated it.")
    require(_decides(user, txn), _refusal(txn, "approve"))


def can_reject(user: Viewer, txn: CreditTransaction) -> bool:
    """Reject a proposal: the same people as :func:`can_approve` (the initiator cancels instead)."""
    return can_approve(user, txn)


def require_reject(user: Viewer, txn: CreditTransaction) -> None:
    require_authenticated(user)
    require(not _is_initiator(user, txn), "The initiator cancels a proposal; rejection is for the approver.")
    require(_decides(user, txn), _refusal(txn, "reject"))


def _refusal(txn: CreditTransaction, verb: str) -> str:
    if txn.kind == TransactionKind.REVERSAL and txn.from_account is not None:
        return f"Only an administrator of the {txn.from_account.registry} may {verb} this reversal."
    if txn.is_correction and txn.from_account is not None:
        return f"Only another administrator of the {txn.from_account.registry} may {verb} this correction."
    if txn.kind == TransactionKind.ISSUANCE:
        return f"Only another administrator of the {txn.registry} may {verb} this issuance."
    return f"You may not {verb} transactions from account {_from_number(txn)}."


def can_cancel(user: Viewer, txn: CreditTransaction) -> bool:
    """Cancel a proposal: its initiator or an administrator of its registry."""
    return _is_initiator(user, txn) or (is_authenticated(user) and is_registry_admin(user, txn.registry))


def require_cancel(user: Viewer, txn: CreditTransaction) -> None:
    _require(user, can_cancel(user, txn),
             "Only the initiator or a registry administrator may cancel a proposed transaction.")


def can_reverse(user: Viewer, txn: CreditTransaction) -> bool:
    """Propose the correction of a completed transfer by reversal: an administrator of its registry (an
    administrator of the receiving registry approves it)."""
    return is_authenticated(user) and is_registry_admin(user, txn.registry)


def require_reverse(user: Viewer, txn: CreditTransaction) -> None:
    _require(user, can_reverse(user, txn), "Only a registry administrator may reverse a transaction.")


def _from_number(txn: CreditTransaction) -> str:
    return txn.from_account.number if txn.from_account is not None else ""
