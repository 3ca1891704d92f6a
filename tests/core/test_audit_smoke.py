import datetime

from committee import services
from committee.choices import DecisionKind, DecisionMode
from core.audit import verify_chain
from core.models import AuditEvent


def test_recording_a_decision_writes_one_chained_audit_event(secretariat, jc):
    before = AuditEvent.objects.count()
    decision = services.decision_record(
        actor=secretariat, joint_committee=jc, decided_on=datetime.date(2024, 5, 1), mode=DecisionMode.ELECTRONIC,
        kind=DecisionKind.OTHER, title="Adoption of the revised glossary",
    )
    assert decision.reference == "MN-ED2024-01"
    events = AuditEvent.objects.order_by("seq")[before:]
    assert [e.action for e in events] == ["committee.decision.record"]
    assert events[0].actor == secretariat
    count, problems = verify_chain()
    assert problems == [] and count == before + 1
