"""What the services of the registry share: the audit data of a transaction and the notices they send."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from core.errors import Conflict
from core.notices import notify

from ..choices import AccountType
from ..models import Account, CreditTransaction

MAX_QUANTITY = 10**15  # far above any real issuance; keeps arithmetic well inside 64 bits


def txn_data(txn: CreditTransaction, *, ranges: list[list[int]] | None = None) -> dict[str, Any]:
    """What the audit event of a transaction records (``ranges``: the ranges just moved, else its entries)."""
    return {"reference": txn.reference, "kind": txn.kind, "status": txn.status, "quantity": txn.quantity,
            "from": txn.from_account.number if txn.from_account is not None else None,
            "to": txn.to_account.number if txn.to_account is not None else None, "selection": txn.selection,
            "purpose": txn.purpose, "beneficiary": txn.beneficiary,
            "ranges": ranges or [[e.first_serial, e.last_serial] for e in txn.entries.all()]}


def accounts_of(txn: CreditTransaction) -> tuple[Account, Account]:
    """The sending and receiving accounts of a transaction that moves credits: every kind but an issuance
    has both (the database's ``txn_accounts_consistent`` constraint)."""
    if txn.from_account is None or txn.to_account is None:
        raise Conflict(f"Transaction {txn.reference} moves no credits between two accounts.", field="kind")
    return txn.from_account, txn.to_account


def has_url(name: str) -> bool:
    """Whether the URL ``name`` (of a page taking a registry code) is mounted."""
    try:
        reverse(name, args=["XX"])
    except NoReverseMatch:
        return False
    return True


def url_of(txn: CreditTransaction) -> str:
    """The transaction's page for a notice, or nothing where the registry's pages are not mounted."""
    try:
        return txn.get_absolute_url()
    except NoReverseMatch:
        return ""


def notify_accounts(accounts: Iterable[Account], *, kind: str, key: str, subject: str, url: str = "") -> None:
    users = [link.user for account in accounts for link in account.representative_links.select_related("user")]
    notify(recipients=users, kind=kind, key=key, subject=subject, url=url)



# --- authority over credits (docs/credits.md, "Who may move credits") -------------------------------------

def trusted_account_delay() -> datetime.timedelta:
    """How long an addition to a trusted-account list waits before it takes effect
    (``CREDITS_TRUSTED_ACCOUNT_DELAY_DAYS``, default 7 days as in the EU Registry)."""
    return datetime.timedelta(days=getattr(settings, "CREDITS_TRUSTED_ACCOUNT_DELAY_DAYS", 7))


def reversal_window() -> datetime.timedelta:
    """How long after a transfer completed its reversal may be proposed and approved
    (``CREDITS_REVERSAL_WINDOW_DAYS``, default 30 days)."""
    return datetime.timedelta(days=getattr(settings, "CREDITS_REVERSAL_WINDOW_DAYS", 30))


def holders_of(account: Account) -> list[Any]:
    """Who is told when someone else acts on ``account``: its representatives and, for a government holding
    account, its government's ministry."""
    from committee.choices import Role
    from committee.models import User

    users = [link.user for link in account.representative_links.select_related("user")]
    if account.type == AccountType.GOVERNMENT_HOLDING:
        users += list(User.objects.filter(role_assignments__role=Role.MINISTRY_API,
                                          role_assignments__country=account.registry.country_id).distinct())
    return users


def registry_admins(registry: Any, *, besides: Any = None) -> list[Any]:
    """The administrators of ``registry`` (valid today), but ``besides``."""
    from committee.choices import Role
    from committee.models import User
    from committee.roles import has_role

    candidates = User.objects.filter(role_assignments__role=Role.REGISTRY_ADMIN,
                                     role_assignments__country=registry.country_id).distinct()
    return [u for u in candidates if u.pk != getattr(besides, "pk", None)
            and has_role(u, Role.REGISTRY_ADMIN, country=registry.country)]
