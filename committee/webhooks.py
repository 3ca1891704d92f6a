"""The committee's webhook events (read by the notifications app through ``core.registries.webhook_events``),
and the governments concerned by a Joint Committee's events, which the other apps' events share.

docs/notifications.md lists every event with its payload.
"""

from __future__ import annotations

from typing import Any

from core.webhook_events import EventFacts, webhook_event

from .models import Country, Decision, JointCommittee


def japan_ids() -> set[int]:
    """Japan's government (a party to every Joint Committee)."""
    return set(Country.objects.filter(is_japan=True).values_list("pk", flat=True))


def committee_countries(joint_committee: JointCommittee) -> set[int]:
    """Both governments of a Joint Committee: its partner country and Japan."""
    return {joint_committee.partner_id} | japan_ids()


@webhook_event("committee.decision.recorded", description="A Joint Committee decision was published.")
def decision_recorded(payload: dict[str, Any]) -> EventFacts | None:
    decision = (Decision.objects.select_related("joint_committee__partner")
                .filter(pk=payload.get("decision_id")).first())
    if decision is None:
        return None
    return EventFacts(countries=committee_countries(decision.joint_committee), data={"decision": {
        "id": decision.pk, "reference": decision.reference, "title": decision.title, "kind": decision.kind,
        "mode": decision.mode, "decided_on": decision.decided_on, "status": decision.status,
        "joint_committee": decision.joint_committee.code}})
