"""The project forms in the demo (``manage.py seed_demo``, after ``projects.demo``): on the fictitious demo
projects only, found by their demo titles; nothing is attached to any other project.

- ``MN003`` (under validation): a Project Idea Note accepted by the secretariat, a sustainable
  development contribution plan accepted by the Mongolian side of the secretariat (the demo login
  ``secretariat-mn``), and an Assessment of Reference Emissions by the validating TPE awaiting review;
- ``MN001`` (registered): a plan accepted, a contribution report for its (ended) monitoring period returned
  with comments, and a Project Implementation Report for the same ended period awaiting review.

Every step goes through projects.services.project_forms by the demo user who would take it; a second run
changes nothing (a project that has forms is skipped).
"""

from __future__ import annotations

from committee import services as committee_services
from committee.choices import Role, Side
from committee.demo import DEMO_PASSWORD
from committee.models import JointCommittee, Organization, RoleAssignment, User

from .demo import MN001_TITLE, MN003_TITLE, _Cast
from .form_choices import ProjectFormKind, ProjectFormStatus
from .models import Project
from .services import project_forms as services

MN_SECRETARIAT_USERNAME = "secretariat-mn"
DEMO_LOGINS = [(MN_SECRETARIAT_USERNAME, "Secretariat, Mongolian side of the Japan–Mongolia Joint Committee "
                                         "(reviews the sustainable development contribution plans and reports)")]
FICTITIOUS = "Demo content of a fictitious project."


def _mongolian_secretariat(actor: User, jc: JointCommittee) -> User:
    user = User.objects.filter(username=MN_SECRETARIAT_USERNAME).first()
    if user is None:  # accounts are created like the committee demo creates them (no account service)
        organization = Organization.objects.filter(name="JCM Secretariat (Mongolian side)").first()
        user = User.objects.create_user(MN_SECRETARIAT_USERNAME, f"{MN_SECRETARIAT_USERNAME}@example.org",
                                        DEMO_PASSWORD, first_name="Demo", last_name="Secretariat (Mongolia)",
                                        organization=organization)
    if not RoleAssignment.objects.filter(user=user, role=Role.SECRETARIAT, joint_committee=jc,
                                         side=Side.PARTNER).exists():
        committee_services.role_assign(actor=actor, user=user, role=Role.SECRETARIAT, joint_committee=jc,
                                       side=Side.PARTNER)
    return user


def _accept_sd_plan(project: Project, mn_secretariat: User) -> None:
    """The SD contribution plan went with the PDD (projects.demo); the Mongolian side accepts it."""
    plan = project.project_forms.filter(kind=ProjectFormKind.SD_PLAN, status=ProjectFormStatus.SUBMITTED).first()
    if plan is not None:
        services.project_form_accept(actor=mn_secretariat, form=plan)


def _mn003(cast: _Cast, project: Project, mn_secretariat: User) -> None:
    pin = services.project_form_submit(
        actor=cast.focal, project=project, kind=ProjectFormKind.PIN, title="Heat-only boilers for Erdenet",
        content=f"{FICTITIOUS}\nReplace low-efficiency coal-fired heat-only boilers in two boiler houses.")
    services.project_form_accept(actor=cast.secretariat, form=pin, comments="Thank you; please proceed to the PDD.")
    _accept_sd_plan(project, mn_secretariat)
    services.project_form_submit(
        actor=cast.auditor, project=project, kind=ProjectFormKind.ARE, title="Reference emissions of the boilers",
        content=f"{FICTITIOUS}\nReference boiler efficiency taken conservatively from the methodology's default.",
        methodology_version=project.methodology_versions.first())


def _mn001(cast: _Cast, project: Project, mn_secretariat: User) -> None:
    period = project.monitoring_periods.order_by("number").first()
    _accept_sd_plan(project, mn_secretariat)
    if period is None:
        return
    report = services.project_form_submit(
        actor=cast.focal, project=project, kind=ProjectFormKind.SD_REPORT, title="Contribution, first period",
        content=f"{FICTITIOUS}\nOperators from Darkhan employed.", monitoring_period=period)
    services.project_form_return(actor=mn_secretariat, form=report, comments="Please give the number of local jobs.")
    services.project_form_submit(
        actor=cast.focal, project=project, kind=ProjectFormKind.PIR, title="Implementation, first period",
        content=f"{FICTITIOUS}\nThe plant operated as planned.", period_start=period.start_date,
        period_end=period.end_date)


def seed_project_forms(actor: User) -> list[str]:
    """Load the demo forms (idempotent). Returns what was created."""
    jc = JointCommittee.objects.get(partner__code="MN")
    cast = _Cast(actor, jc)
    mn_secretariat = _mongolian_secretariat(actor, jc)
    created: list[str] = []
    for title, build in ((MN003_TITLE, _mn003), (MN001_TITLE, _mn001)):
        project = Project.objects.filter(joint_committee=jc, title=title).first()
        if project is None or project.project_forms.exclude(kind=ProjectFormKind.SD_PLAN).exists():
            continue
        build(cast, project, mn_secretariat)
        created.append(f"forms of {project.project_id} ({project.project_forms.count()})")
    return created
