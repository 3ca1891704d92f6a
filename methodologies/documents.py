"""The documents about the methodologies (read by the documents app through core.registries).

The methodology approval notice (``MA``), made when a version is approved (a new methodology or a
revision).
"""

from __future__ import annotations

from committee.documents import committee_names
from committee.models import User
from committee.roles import is_secretariat
from core.document_kinds import Content, DocumentKindSpec, day, fact, names, register_kinds
from core.errors import Conflict

from .models import MethodologyVersion


def methodology_approval(version: MethodologyVersion, key: str) -> Content:
    if version.approval_decision_id is None or version.approved_on is None:
        raise Conflict(f"{version} has not been approved.", field="status")
    methodology = version.methodology
    jc = methodology.joint_committee
    decision = version.approval_decision
    revision = f" as a revision of {version.revises.version}" if version.revises_id else ""
    return Content(
        title="Methodology approval notice",
        fictitious=methodology.is_fictitious,
        issuer=committee_names(jc),
        addressee=methodology.proponent,
        statement=(f"The {jc.name} approved the methodology {methodology.number} {version.version}{revision} on "
                   f"{day(version.approved_on)} by its decision {decision.reference}."),
        facts=[
            fact("Methodology", methodology.number),
            fact("Version", version.version),
            fact("Title", methodology.title),
            fact("Sectoral scope", names(str(methodology.sectoral_scope), methodology.sectoral_scope.name_ja)),
            fact("Joint Committee", committee_names(jc)),
            fact("Approved on", day(version.approved_on)),
            fact("Decision", decision.reference),
            fact("Proponent", methodology.proponent or "—"),
            *([fact("Revises", version.revises.version)] if version.revises_id else []),
        ],
    )


def may_reissue_approval(user: User, version: MethodologyVersion) -> bool:
    """The secretariat of the methodology's Joint Committee issues a new version of its approval notice."""
    return is_secretariat(user, version.methodology.joint_committee)


register_kinds(
    DocumentKindSpec("methodology_approval", "MA", "methodologies.MethodologyVersion", methodology_approval,
                     may_reissue=may_reissue_approval,
                     events=(("methodologies.version.approved", "version_id"),)),
)
