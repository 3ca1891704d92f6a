"""The documents about the projects (read by the documents app through core.registries).

The project registration letter (``RL``), made when the Joint Committee registers the project.
"""

from __future__ import annotations

from committee.documents import committee_names
from committee.models import User
from committee.roles import is_secretariat
from core.document_kinds import Content, DocumentKindSpec, Table, day, fact, names, register_kinds
from core.errors import Conflict

from .models import Project


def registration_letter(project: Project, key: str) -> Content:
    if project.registration_decision_id is None or project.registered_on is None:
        raise Conflict(f"{project.project_id} is not registered.", field="status")
    jc = project.joint_committee
    decision = project.registration_decision
    participants = list(project.participants.filter(active=True).select_related("organization"))
    focal = next((p for p in participants if p.is_focal_point), None)
    methodologies = ", ".join(v.code for v in project.methodology_versions.select_related("methodology"))
    return Content(
        title="Project registration letter",
        issuer=committee_names(jc),
        addressee=names(focal.name, focal.organization.name_ja) if focal else "",
        statement=(f"The {jc.name} registered the project {project.project_id} “{project.title}” as a JCM project "
                   f"on {day(project.registered_on)} by its decision {decision.reference}."),
        facts=[
            fact("Project ID", project.project_id),
            fact("Title", project.title),
            fact("Joint Committee", committee_names(jc)),
            fact("Registered on", day(project.registered_on)),
            fact("Decision", decision.reference),
            fact("Sectoral scope", names(str(project.sectoral_scope), project.sectoral_scope.name_ja)),
            fact("Methodologies", methodologies or "—"),
            fact("Focal point", names(focal.name, focal.organization.name_ja) if focal else "—"),
            fact("Project participants", "; ".join(names(p.name, p.organization.name_ja) for p in participants)),
        ],
        tables=[Table("Project participants", ["Participant", "Side", "Focal point"],
                      [[names(p.name, p.organization.name_ja), p.get_side_display(), "yes" if p.is_focal_point else ""]
                       for p in participants], widths=(55, 30, 15))],
        fictitious=project.is_fictitious,
    )


def may_reissue_registration_letter(user: User, project: Project) -> bool:
    """The secretariat of the project's Joint Committee issues a new version of its registration letter."""
    return is_secretariat(user, project.joint_committee)


register_kinds(
    DocumentKindSpec("registration_letter", "RL", "projects.Project", registration_letter,
                     may_reissue=may_reissue_registration_letter,
                     events=(("projects.project.registered", "project_id"),)),
)
