"""The registries' webhook events (read by the notifications app through ``core.registries.webhook_events``):
an issuance, and every completed transaction, go to the governments concerned.

docs/notifications.md lists every event with its payload.
"""

from __future__ import annotations

from typing import Any

from committee.webhooks import committee_countries
from core.webhook_events import EventFacts, webhook_event

from .models import CreditTransaction, Issuance


def _transaction(pk: Any) -> CreditTransaction | None:
    return (CreditTransaction.objects
            .select_related("registry__country", "from_account", "to_account__registry")
            .filter(pk=pk).first())


def _transaction_data(txn: CreditTransaction) -> dict[str, Any]:
    return {
        "reference": txn.reference, "kind": txn.kind, "status": txn.status, "quantity": txn.quantity,
        "registry": txn.registry.code,
        "from_account": txn.from_account.number if txn.from_account_id else None,
        "to_account": txn.to_account.number if txn.to_account_id else None,
        "purpose": txn.purpose, "beneficiary": txn.beneficiary, "completed_at": txn.completed_at,
        "ranges": [[e.first_serial, e.last_serial] for e in txn.entries.order_by("first_serial")],
    }


@webhook_event("credits.issuance.completed", description="A registry issued credits for a monitoring period.")
def issuance_completed(payload: dict[str, Any]) -> EventFacts | None:
    issuance = (Issuance.objects.select_related("registry__country", "decision__joint_committee")
                .filter(pk=payload.get("issuance_id")).first())
    if issuance is None:
        return None
    txn = _transaction(issuance.transaction_id)
    if txn is None:  # cannot happen (the issuance's transaction is protected); for the type checker
        return None
    return EventFacts(
        countries={issuance.registry.country_id} | committee_countries(issuance.decision.joint_committee),
        data={"issuance": {"registry": issuance.registry.code, "project": issuance.project_code,
                           "monitoring_period": issuance.monitoring_period_key, "vintage": issuance.vintage,
                           "quantity": issuance.quantity, "authorization": issuance.authorization,
                           "decision": issuance.decision.reference or issuance.decision.title,
                           "issued_at": issuance.issued_at},
              "transaction": _transaction_data(txn)})


@webhook_event("credits.transfer.completed", "credits.external_transfer.completed",
               "credits.cancellation.completed", "credits.retirement.completed", "credits.reversal.completed",
               description="A transaction of a registry was completed.")
def transaction_completed(payload: dict[str, Any]) -> EventFacts | None:
    txn = _transaction(payload.get("transaction_id"))
    if txn is None:
        return None
    countries = {txn.registry.country_id}
    if txn.to_account_id:
        countries.add(txn.to_account.registry.country_id)
    data: dict[str, Any] = {"transaction": _transaction_data(txn)}
    if payload.get("reverses_id"):
        reversed_txn = _transaction(payload["reverses_id"])
        data["reverses"] = reversed_txn.reference if reversed_txn else None
    return EventFacts(countries=countries, data=data)
