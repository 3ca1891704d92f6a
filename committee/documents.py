"""The documents about the committee's objects (read by the documents app through core.registries).

The Joint Committee decision record (``DR``), made when a decision is recorded as published (or
published later); and the names of countries, organizations and Joint Committees as every document
prints them.
"""

from __future__ import annotations

from core.document_kinds import Content, DocumentKindSpec, day, fact, names, register_kinds
from core.errors import Conflict

from .choices import PublicationStatus
from .models import Country, Decision, JointCommittee, Organization, User
from .roles import is_secretariat


def country_names(country: Country) -> str:
    return names(country.name, country.name_local, country.name_ja)


def organization_names(org: Organization | None) -> str:
    return names(org.name, org.name_ja) if org is not None else "—"


def committee_names(jc: JointCommittee) -> str:
    return f"{jc.name} ({names('Japan', '日本')} – {country_names(jc.partner)})"


def _meeting(decision: Decision) -> str:
    if decision.meeting_id is None:
        return "Electronic decision"
    return str(decision.meeting)


def decision_record(decision: Decision, key: str) -> Content:
    if decision.status != PublicationStatus.PUBLISHED:
        raise Conflict(f"Decision {decision.reference} is not published.", field="status")
    jc = decision.joint_committee
    return Content(
        title="Record of a decision of the Joint Committee",
        issuer=committee_names(jc),
        statement=(f"The {jc.name} decided on {day(decision.decided_on)}: {decision.title}."),
        facts=[
            fact("Reference", decision.reference),
            fact("Joint Committee", committee_names(jc)),
            fact("Date of the decision", day(decision.decided_on)),
            fact("Taken", f"{decision.get_mode_display()}: {_meeting(decision)}"),
            fact("Kind", decision.get_kind_display()),
            fact("Title", decision.title),
            fact("Object decided", decision.subject_label or "—"),
            fact("Published on", day(decision.published_at)),
            *([fact("Text", decision.text)] if decision.text else []),
        ],
    )


def may_reissue_decision_record(user: User, decision: Decision) -> bool:
    """The Joint Committee's secretariat issues a new version of its decision's record."""
    return is_secretariat(user, decision.joint_committee)


register_kinds(
    DocumentKindSpec("decision_record", "DR", "committee.Decision", decision_record,
                     may_reissue=may_reissue_decision_record,
                     events=(("committee.decision.recorded", "decision_id"),)),
)
