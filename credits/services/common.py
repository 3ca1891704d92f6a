"""What the services of the registry share: the audit data of a transaction and the notices they send."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import NoReverseMatch, reverse

from core.errors import Conflict
from core.notices import notify

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

