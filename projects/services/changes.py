"""Post-registration changes and the renewal of the crediting period, decided by the Joint Committee."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from committee.choices import DecisionKind
from committee.models import User
from core import audit
from core.errors import ApplicationError, Conflict
from core.workflow import check_transition, relock, snapshot, validated_save
from methodologies.services import DecisionInput  # the same "how the Joint Committee decided" everywhere

from ..access import (
    participant_users,
    require_change_request_approve,
    require_change_request_reject,
    require_change_request_submit,
    require_change_request_withdraw,
    secretariat_users,
)
from ..choices import (
    CHANGE_REQUEST_TRANSITIONS,
    DEFAULT_CHANGE_REQUEST_DECISION_DAYS,
    POST_REGISTRATION_CHANGEABLE,
    ChangeRequestKind,
    ChangeRequestStatus,
    ProjectStatus,
)
from ..models import (
    ChangeRequest,
    Project,
)
from .common import (
    CHANGE_LABELS,
    _decision,
    _jc_days,
    _lock_project,
    _now,
    _tell,
    _today,
    project_url,
)
from .project import _check_dates


def _clean_changes(project: Project, changes: Mapping[str, Any] | None) -> dict[str, Any]:
    changes = dict(changes or {})
    unknown = set(changes) - set(POST_REGISTRATION_CHANGEABLE)
    if unknown:
        raise ApplicationError(f"A post-registration change cannot alter: {', '.join(sorted(unknown))}.",
                               field="changes")
    cleaned = {}
    for key, value in changes.items():
        if key == "expected_annual_reductions":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise ApplicationError("The expected annual reductions are a whole number.", field="changes") from None
            if value < 0:
                raise ApplicationError("The expected annual reductions cannot be negative.", field="changes")
        elif key == "start_of_operation":
            try:
                value = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
            except ValueError:
                raise ApplicationError("The start of operation is a date (YYYY-MM-DD).", field="changes") from None
            value = value.isoformat()
        else:
            value = str(value).strip()
            if key == "title" and not value:
                raise ApplicationError("The title cannot be empty.", field="changes")
        cleaned[key] = value
    return cleaned


@transaction.atomic
def change_request_submit(*, actor: User, project: Project, kind: str, description: str,
                          changes: Mapping[str, Any] | None = None,
                          new_crediting_end: datetime.date | None = None) -> ChangeRequest:
    """The focal point requests a post-registration change or the renewal of the crediting period."""
    project = _lock_project(project)
    require_change_request_submit(actor, project)
    if project.status != ProjectStatus.REGISTERED:
        raise Conflict("Post-registration changes and renewals are for registered projects.", field="status")
    if kind not in ChangeRequestKind.values:
        raise ApplicationError("Choose a post-registration change or a renewal.", field="kind")
    if not (description or "").strip():
        raise ApplicationError("Describe the request.", field="description")
    request = ChangeRequest(project=project, kind=kind, description=description.strip(), requested_by=actor,
                            due_on=_today() + datetime.timedelta(days=_jc_days(
                                project.joint_committee, "change_request_decision_days",
                                DEFAULT_CHANGE_REQUEST_DECISION_DAYS)))
    if kind == ChangeRequestKind.RENEWAL:
        if new_crediting_end is None or (project.crediting_end and new_crediting_end <= project.crediting_end):
            raise ApplicationError("The renewed crediting period must end after the current one "
                                   f"({project.crediting_end}).", field="new_crediting_end")
        request.new_crediting_end = new_crediting_end
        request.previous_crediting_end = project.crediting_end
    else:
        request.changes = _clean_changes(project, changes)
        if not request.changes:
            raise ApplicationError("Say what changes.", field="changes")
    if project.change_requests.filter(kind=kind, status=ChangeRequestStatus.REQUESTED).exists():
        raise Conflict("A request of this kind is already pending.", field="kind")
    validated_save(request)
    event = audit.record(actor=actor, action="projects.change_request.submit", target=request, data={
        "project": project.project_id, "kind": kind, "changes": request.changes,
        "new_crediting_end": request.new_crediting_end})
    _tell(event, secretariat_users(project.joint_committee), kind="projects.change_request.submitted",
          subject=f"{project.project_id}: {request.get_kind_display().lower()} requested", url=project_url(project))
    return request


def _lock_request(request: ChangeRequest) -> tuple[Project, ChangeRequest]:
    project = _lock_project(request.project)
    request = relock(request)
    request.project = project
    return project, request


@transaction.atomic
def change_request_withdraw(*, actor: User, request: ChangeRequest, reason: str = "") -> ChangeRequest:
    """The focal point withdraws a pending request."""
    project, request = _lock_request(request)
    require_change_request_withdraw(actor, request)
    check_transition(CHANGE_REQUEST_TRANSITIONS, request.status, ChangeRequestStatus.WITHDRAWN,
                     what="The request", labels=CHANGE_LABELS)
    request.status, request.reason, request.decided_at = ChangeRequestStatus.WITHDRAWN, (reason or "").strip(), _now()
    request.save(update_fields=["status", "reason", "decided_at"])
    event = audit.record(actor=actor, action="projects.change_request.withdraw", target=request,
                         data={"project": project.project_id}, message=request.reason)
    _tell(event, secretariat_users(project.joint_committee), kind="projects.change_request.withdrawn",
          subject=f"{project.project_id}: {request.get_kind_display().lower()} request withdrawn",
          url=project_url(project))
    return request


@transaction.atomic
def change_request_approve(*, actor: User, request: ChangeRequest, decision: DecisionInput) -> ChangeRequest:
    """The Joint Committee approves: the changes apply to the project (or its crediting period is renewed)."""
    project, request = _lock_request(request)
    require_change_request_approve(actor, request)
    check_transition(CHANGE_REQUEST_TRANSITIONS, request.status, ChangeRequestStatus.APPROVED,
                     what="The request", labels=CHANGE_LABELS)
    if project.status != ProjectStatus.REGISTERED:
        raise Conflict(f"{project.project_id} is no longer registered.", field="status")
    title = (f"Renewal of the crediting period of {project.project_id} {project.title}"
             if request.kind == ChangeRequestKind.RENEWAL
             else f"Post-registration changes of {project.project_id} {project.title}")
    record = _decision(actor, project, decision, kind=DecisionKind.OTHER, title=title, subject=request,
                       subject_label=f"{project.project_id}: {request.get_kind_display()}")
    before = snapshot(project, ["crediting_end", *request.changes])
    if request.kind == ChangeRequestKind.RENEWAL:
        project.crediting_end = request.new_crediting_end
    else:
        for key, value in request.changes.items():
            setattr(project, key, datetime.date.fromisoformat(value) if key == "start_of_operation" else value)
    _check_dates(project)
    validated_save(project)
    request.status, request.decision, request.decided_at = ChangeRequestStatus.APPROVED, record, _now()
    request.save(update_fields=["status", "decision", "decided_at"])
    event = audit.record(actor=actor, action="projects.change_request.approve", target=request, data={
        "project": project.project_id, "decision": record.reference, "before": before,
        "after": snapshot(project, ["crediting_end", *request.changes])})
    _tell(event, participant_users(project), kind="projects.change_request.approved",
          subject=f"{project.project_id}: {request.get_kind_display().lower()} approved", url=project_url(project))
    return request


@transaction.atomic
def change_request_reject(*, actor: User, request: ChangeRequest, decision: DecisionInput,
                          reason: str) -> ChangeRequest:
    """The Joint Committee refuses the request (recorded by the secretariat), with the reason."""
    project, request = _lock_request(request)
    require_change_request_reject(actor, request)
    check_transition(CHANGE_REQUEST_TRANSITIONS, request.status, ChangeRequestStatus.REJECTED,
                     what="The request", labels=CHANGE_LABELS)
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the rejection.", field="reason")
    record = _decision(actor, project, decision, kind=DecisionKind.OTHER,
                       title=f"Rejection of the {request.get_kind_display().lower()} request of {project.project_id}",
                       subject=request, subject_label=f"{project.project_id}: {request.get_kind_display()}")
    request.status, request.decision, request.decided_at = ChangeRequestStatus.REJECTED, record, _now()
    request.reason = reason.strip()
    request.save(update_fields=["status", "decision", "decided_at", "reason"])
    event = audit.record(actor=actor, action="projects.change_request.reject", target=request,
                         data={"project": project.project_id, "decision": record.reference}, message=request.reason)
    _tell(event, participant_users(project), kind="projects.change_request.rejected",
          subject=f"{project.project_id}: {request.get_kind_display().lower()} rejected", body=request.reason,
          url=project_url(project))
    return request
