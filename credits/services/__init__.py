"""Every write of the registry. One function per business action, named ``<entity>_<verb>``.

Each runs in one transaction, locks the rows it changes in a fixed order (accounts by
primary key, then blocks by serial number), checks the actor and the transition, saves,
writes one audit event and defers notifications to commit. PostgreSQL guards the same
invariants again (constraints in credits.models; triggers in credits/migrations and credits/sql,
among them the ledger's checks at commit).

The package is split along the registry's sections; every public name is importable from
``credits.services``:

- :mod:`.registries`: registries and accounts (opening, status, representatives);
- :mod:`.issuance`: issuing a Joint Committee decision into accounts;
- :mod:`.transactions`: transfers, cancellations and retirements, their approval and reversal;
- :mod:`.moves`: the hot path that moves the units of a transaction.

``issue`` and ``reserve_serials`` are the older names of ``issuance_create`` and ``serials_reserve``.
"""

from .common import MAX_QUANTITY, reversal_window, trusted_account_delay
from .issuance import (
    Share,
    issuance_create,
    issuance_execute,
    issuance_plan,
    issue,
    reserve_serials,
    serials_reserve,
)
from .registries import (
    account_change_status,
    account_open,
    account_remove_representative,
    account_set_approval_threshold,
    account_set_representative,
    registry_open,
    trusted_account_add,
    trusted_account_remove,
)
from .transactions import (
    KIND_TARGETS,
    correction_propose,
    needs_second_approval,
    transaction_approve,
    transaction_cancel,
    transaction_initiate,
    transaction_reject,
    transaction_reverse,
)

__all__ = [
    "KIND_TARGETS",
    "MAX_QUANTITY",
    "Share",
    "account_change_status",
    "account_open",
    "account_remove_representative",
    "account_set_approval_threshold",
    "account_set_representative",
    "correction_propose",
    "issuance_create",
    "issuance_execute",
    "issuance_plan",
    "issue",
    "needs_second_approval",
    "registry_open",
    "reserve_serials",
    "reversal_window",
    "serials_reserve",
    "transaction_approve",
    "transaction_cancel",
    "transaction_initiate",
    "transaction_reject",
    "transaction_reverse",
    "trusted_account_add",
    "trusted_account_delay",
    "trusted_account_remove",
]
