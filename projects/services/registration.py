"""Registration: the focal point requests it, the Joint Committee decides (recorded by the secretariat)."""

from __future__ import annotations

import datetime

from django.db import transaction

from committee.choices import DecisionKind
from committee.models import User
from core import audit, events
from core.errors import ApplicationError, Conflict
from core.workflow import check_transition
from methodologies.services import DecisionInput  # the same "how the Joint Committee decided" everywhere

from ..access import (
    participant_users,
    require_project_register,
    require_project_reject,
    require_registration_request,
    require_registration_request_withdraw,
    secretariat_users,
)
from ..choices import (
    DEFAULT_REGISTRATION_DECISION_DAYS,
    PROJECT_TRANSITIONS,
    ProjectStatus,
    RecordStatus,
)
from ..models import (
    Project,
)
from .common import (
    PROJECT_LABELS,
    _decision,
    _jc_days,
    _lock_project,
    _move,
    _now,
    _tell,
    _today,
    project_url,
)


@transaction.atomic
def registration_request(*, actor: User, project: Project, now: datetime.datetime | None = None) -> Project:
    """The focal point requests registration of a positively validated project."""
    project = _lock_project(project)
    require_registration_request(actor, project)
    check_transition(PROJECT_TRANSITIONS, project.status, ProjectStatus.REGISTRATION_REQUESTED,
                     what=f"Project {project.project_id}", labels=PROJECT_LABELS)
    if not project.moc_statements.filter(status=RecordStatus.CURRENT).exists():
        raise ApplicationError("Submit the MoC statement before requesting registration.", field="moc")
    if not project.allocations.filter(status=RecordStatus.CURRENT).exists():
        raise ApplicationError("Enter the credit allocation before requesting registration.", field="allocation")
    before = _move(project, ProjectStatus.REGISTRATION_REQUESTED)
    project.registration_requested_at = _now(now)
    project.registration_due_on = _today(now) + datetime.timedelta(days=_jc_days(
        project.joint_committee, "registration_decision_days", DEFAULT_REGISTRATION_DECISION_DAYS))
    project.save(update_fields=["status", "registration_requested_at", "registration_due_on"])
    event = audit.record(actor=actor, action="projects.registration.request", target=project, data={"from": before})
    _tell(event, secretariat_users(project.joint_committee), kind="projects.registration.requested",
          subject=f"{project.project_id}: registration requested",
          body=f"To be put before the Joint Committee by {project.registration_due_on:%d %B %Y}.",
          url=project_url(project))
    return project


@transaction.atomic
def registration_request_withdraw(*, actor: User, project: Project, reason: str = "") -> Project:
    """The focal point withdraws the pending registration request; the project is validated again."""
    project = _lock_project(project)
    require_registration_request_withdraw(actor, project)
    if project.status != ProjectStatus.REGISTRATION_REQUESTED:
        raise Conflict(f"{project.project_id} has no pending registration request.", field="status")
    before = _move(project, ProjectStatus.VALIDATED)
    project.registration_requested_at = None
    project.registration_due_on = None
    project.save(update_fields=["status", "registration_requested_at", "registration_due_on"])
    event = audit.record(actor=actor, action="projects.registration.withdraw_request", target=project,
                         data={"from": before}, message=(reason or "").strip())
    _tell(event, secretariat_users(project.joint_committee), kind="projects.registration.request_withdrawn",
          subject=f"{project.project_id}: registration request withdrawn", body=(reason or "").strip(),
          url=project_url(project))
    return project


def _registration_title(project: Project) -> str:
    return f"Registration of a proposed JCM project: {project.project_id} {project.title}"


@transaction.atomic
def project_register(*, actor: User, project: Project, decision: DecisionInput) -> Project:
    """The Joint Committee registers the project (its decision is recorded in the committee app)."""
    project = _lock_project(project)
    require_project_register(actor, project)
    before = _move(project, ProjectStatus.REGISTERED)
    record = _decision(actor, project, decision, kind=DecisionKind.REGISTER_PROJECT,
                       title=_registration_title(project), subject=project)
    project.registration_decision = record
    project.registered_on = record.decided_on
    project.registration_due_on = None
    project.save(update_fields=["status", "registration_decision", "registered_on", "registration_due_on"])
    event = audit.record(actor=actor, action="projects.registration.register", target=project,
                         data={"from": before, "decision": record.reference, "registered_on": record.decided_on})
    events.emit("projects.project.registered", project_id=project.pk)
    _tell(event, participant_users(project), kind="projects.registration.registered",
          subject=f"{project.project_id} is registered as a JCM project",
          body=f"Joint Committee decision {record.reference} of {record.decided_on:%d %B %Y}.",
          url=project_url(project))
    return project


@transaction.atomic
def project_reject(*, actor: User, project: Project, decision: DecisionInput, reason: str) -> Project:
    """The Joint Committee decides not to register the project."""
    project = _lock_project(project)
    require_project_reject(actor, project)
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the rejection.", field="reason")
    before = _move(project, ProjectStatus.REJECTED)
    record = _decision(actor, project, decision, kind=DecisionKind.REGISTER_PROJECT,
                       title=f"Rejection of the registration of a proposed JCM project: {project.project_id} "
                             f"{project.title}", subject=project)
    project.status_reason = reason.strip()
    project.registration_due_on = None
    project.save(update_fields=["status", "status_reason", "registration_due_on"])
    event = audit.record(actor=actor, action="projects.registration.reject", target=project,
                         data={"from": before, "decision": record.reference}, message=project.status_reason)
    _tell(event, participant_users(project), kind="projects.registration.rejected",
          subject=f"{project.project_id}: registration rejected", body=project.status_reason,
          url=project_url(project))
    return project
