"""The documents about the projects (read by the documents app through core.registries).

The project registration letter (``RL``), made when the Joint Committee registers the project; the accepted
project form (``PF``: a Project Idea Note, an Assessment of Reference Emissions, a Project Implementation
Report, a sustainable-development contribution plan or report), made when its reviewer accepts it.
"""

from __future__ import annotations

from committee.documents import committee_names
from committee.models import User
from committee.roles import is_secretariat
from core.document_kinds import Content, DocumentKindSpec, Table, day, fact, names, register_kinds
from core.errors import Conflict

from .access import can_see_confidential
from .models import Project, ProjectForm


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


def accepted_project_form(form: ProjectForm, key: str) -> Content:
    """The form as accepted: who submitted it, who accepted it and when, and its text (confidential: read by
    those who see the project's confidential documents)."""
    if form.status != "accepted" or form.reviewed_at is None:
        raise Conflict(f"This {form.get_kind_display()} has not been accepted.", field="status")
    project, jc = form.project, form.project.joint_committee
    side = "the partner country's side of the secretariat" if form.is_sd else "the secretariat"
    facts = [
        fact("Form", form.get_kind_display()),
        fact("Project", f"{project.project_id} {project.title}"),
        fact("Joint Committee", committee_names(jc)),
        fact("Title", form.title),
        fact("Revision", form.revision),
        fact("Submitted on", day(form.submitted_at)),
        fact("Accepted on", day(form.reviewed_at)),
    ]
    if form.period_start and form.period_end:
        facts.append(fact("Period", f"{day(form.period_start)} – {day(form.period_end)}"))
    if form.monitoring_period_id:
        facts.append(fact("Monitoring period", form.monitoring_period.number if form.monitoring_period else ""))
    if form.methodology_version_id and form.methodology_version:
        facts.append(fact("Methodology", form.methodology_version.code))
    tables = [Table("Content", ["Text"], [[line] for line in form.content.splitlines() if line.strip()])]
    if form.comments:
        tables.append(Table("Comments of the reviewer", ["Text"], [[form.comments]]))
    return Content(
        title=f"{form.get_kind_display()} (accepted)",
        issuer=committee_names(jc),
        statement=(f"{side.capitalize()} of the {jc.name} accepted the {form.get_kind_display()} “{form.title}” "
                   f"of the project {project.project_id}, revision {form.revision}, on {day(form.reviewed_at)}."),
        facts=facts, tables=tables, public=False,
    )


def may_read_project_form(user: User, form: ProjectForm) -> bool:
    return can_see_confidential(user, form.project)


def may_reissue_project_form(user: User, form: ProjectForm) -> bool:
    return is_secretariat(user, form.project.joint_committee)


register_kinds(
    DocumentKindSpec("project_form", "PF", "projects.ProjectForm", accepted_project_form,
                     may_read=may_read_project_form, may_reissue=may_reissue_project_form,
                     events=(("projects.project_form.accepted", "form_id"),)),
    DocumentKindSpec("registration_letter", "RL", "projects.Project", registration_letter,
                     may_reissue=may_reissue_registration_letter,
                     events=(("projects.project.registered", "project_id"),)),
)
