"""Issuance requests: the focal point requests, the Joint Committee decides the amount (recorded by the
secretariat), the registries then issue it."""

from __future__ import annotations

import datetime

from django.db import transaction

from committee.choices import DecisionKind
from committee.models import User
from core import audit
from core.errors import ApplicationError, Conflict
from core.workflow import check_transition, relock, validated_save
from methodologies.services import DecisionInput  # the same "how the Joint Committee decided" everywhere

from ..access import (
    participant_users,
    registry_admin_users,
    require_issuance_request_decide,
    require_issuance_request_reject,
    require_issuance_request_submit,
    require_issuance_request_withdraw,
    secretariat_users,
)
from ..choices import (
    DEFAULT_ISSUANCE_DECISION_DAYS,
    ISSUANCE_TRANSITIONS,
    MONITORING_TRANSITIONS,
    Conclusion,
    IssuanceStatus,
    MonitoringStatus,
    ProjectStatus,
    RecordStatus,
)
from ..models import (
    IssuanceRequest,
    MonitoringPeriod,
    Project,
)
from .common import (
    ISSUANCE_LABELS,
    MONITORING_LABELS,
    _decision,
    _jc_days,
    _lock_period,
    _now,
    _require_period_ended,
    _tell,
    _today,
    project_url,
)


@transaction.atomic
def issuance_request_submit(*, actor: User, period: MonitoringPeriod) -> IssuanceRequest:
    """The focal point requests issuance of the verified reductions of one monitoring period."""
    project, period = _lock_period(period)
    require_issuance_request_submit(actor, period)
    check_transition(MONITORING_TRANSITIONS, period.status, MonitoringStatus.ISSUANCE_REQUESTED,
                     what=f"Monitoring period {period.number}", labels=MONITORING_LABELS)
    if project.status != ProjectStatus.REGISTERED:
        raise Conflict(f"{project.project_id} is not registered.", field="status")
    _require_period_ended(period, "issuance can be requested")
    verification = period.verification_reports.filter(conclusion=Conclusion.POSITIVE).order_by("-pk").first()
    if verification is None or verification.verified_reductions < 1:
        raise ApplicationError("There are no verified emission reductions to issue for this period.",
                               field="verified_reductions")
    allocation = project.allocations.filter(status=RecordStatus.CURRENT).first()
    if allocation is None:
        raise ApplicationError("Enter the credit allocation first.", field="allocation")
    request = IssuanceRequest(
        period=period, project=project, verification=verification, requested_amount=verification.verified_reductions,
        allocation=allocation, requested_by=actor,
        due_on=_today() + datetime.timedelta(days=_jc_days(project.joint_committee, "issuance_decision_days",
                                                           DEFAULT_ISSUANCE_DECISION_DAYS)))
    validated_save(request)
    period.status = MonitoringStatus.ISSUANCE_REQUESTED
    period.save(update_fields=["status"])
    event = audit.record(actor=actor, action="projects.issuance.request", target=request, data={
        "project": project.project_id, "period": period.number, "requested_amount": request.requested_amount,
        "allocation_version": allocation.version})
    _tell(event, secretariat_users(project.joint_committee), kind="projects.issuance.requested",
          subject=f"{project.project_id}: issuance of {request.requested_amount} credits requested "
                  f"(monitoring period {period.number})", url=project_url(project))
    return request


def _lock_issuance(request: IssuanceRequest) -> tuple[Project, MonitoringPeriod, IssuanceRequest]:
    project, period = _lock_period(request.period)
    request = relock(request)
    request.project = project
    return project, period, request


def _period_back_to_verified(period: MonitoringPeriod) -> None:
    check_transition(MONITORING_TRANSITIONS, period.status, MonitoringStatus.VERIFIED,
                     what=f"Monitoring period {period.number}", labels=MONITORING_LABELS)
    period.status = MonitoringStatus.VERIFIED
    period.save(update_fields=["status"])


@transaction.atomic
def issuance_request_withdraw(*, actor: User, request: IssuanceRequest, reason: str = "") -> IssuanceRequest:
    """The focal point withdraws a pending issuance request; the period is verified again."""
    project, period, request = _lock_issuance(request)
    require_issuance_request_withdraw(actor, request)
    check_transition(ISSUANCE_TRANSITIONS, request.status, IssuanceStatus.WITHDRAWN, what="The issuance request",
                     labels=ISSUANCE_LABELS)
    request.status, request.reason, request.decided_at = IssuanceStatus.WITHDRAWN, (reason or "").strip(), _now()
    request.save(update_fields=["status", "reason", "decided_at"])
    _period_back_to_verified(period)
    event = audit.record(actor=actor, action="projects.issuance.withdraw", target=request,
                         data={"project": project.project_id, "period": period.number}, message=request.reason)
    _tell(event, secretariat_users(project.joint_committee), kind="projects.issuance.withdrawn",
          subject=f"{project.project_id}: issuance request for period {period.number} withdrawn",
          url=project_url(project))
    return request


def issuance_decision_title(request: IssuanceRequest) -> str:
    """The title of the Joint Committee's decision on an issuance request."""
    period = request.period
    return (f"Decision on issuance of credits: {request.project.project_id} {request.project.title} for the "
            f"monitoring period of {period.start_date:%d %b %y} - {period.end_date:%d %b %y}")


@transaction.atomic
def issuance_request_decide(*, actor: User, request: IssuanceRequest, amount: int,
                            decision: DecisionInput) -> IssuanceRequest:
    """The Joint Committee decides the amount to issue (at most the verified reductions); the registries
    then issue it by the project's credit allocation (the credits app)."""
    project, period, request = _lock_issuance(request)
    require_issuance_request_decide(actor, request)
    check_transition(ISSUANCE_TRANSITIONS, request.status, IssuanceStatus.DECIDED, what="The issuance request",
                     labels=ISSUANCE_LABELS)
    _require_period_ended(period, "the issuance of its credits can be decided")
    if decision.decided_on is not None and decision.decided_on <= period.end_date:
        raise ApplicationError(f"The decision cannot be dated before the end of monitoring period {period.number} "
                               f"({period.end_date}).", field="decided_on")
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        raise ApplicationError("The amount is a whole number of credits.", field="amount") from None
    if amount < 1 or amount > request.requested_amount:
        raise ApplicationError(f"The amount must be between 1 and the verified reductions "
                               f"({request.requested_amount} tCO2e).", field="amount")
    check_transition(MONITORING_TRANSITIONS, period.status, MonitoringStatus.ISSUANCE_DECIDED,
                     what=f"Monitoring period {period.number}", labels=MONITORING_LABELS)
    record = _decision(actor, project, decision, kind=DecisionKind.ISSUE_CREDITS,
                       title=issuance_decision_title(request), subject=request,
                       subject_label=f"{project.project_id} monitoring period {period.number}: {amount} credits")
    request.status, request.decision, request.decided_amount = IssuanceStatus.DECIDED, record, amount
    request.decided_at = _now()
    validated_save(request)
    period.status = MonitoringStatus.ISSUANCE_DECIDED
    period.save(update_fields=["status"])
    event = audit.record(actor=actor, action="projects.issuance.decide", target=request, data={
        "project": project.project_id, "period": period.number, "amount": amount, "decision": record.reference,
        "allocation_version": request.allocation.version,
        "split": [{"share": share.pk, "credits": credits} for share, credits in request.allocation.split(amount)]})
    _tell(event, [*participant_users(project), *registry_admin_users(project.joint_committee)],
          kind="projects.issuance.decided",
          subject=f"{project.project_id}: the Joint Committee decided to issue {amount} credits "
                  f"(monitoring period {period.number})",
          body=f"Decision {record.reference} of {record.decided_on:%d %B %Y}.", url=project_url(project))
    return request


@transaction.atomic
def issuance_request_reject(*, actor: User, request: IssuanceRequest, decision: DecisionInput,
                            reason: str) -> IssuanceRequest:
    """The Joint Committee refuses issuance (recorded by the secretariat), with the reason; the period is
    verified again."""
    project, period, request = _lock_issuance(request)
    require_issuance_request_reject(actor, request)
    check_transition(ISSUANCE_TRANSITIONS, request.status, IssuanceStatus.REJECTED, what="The issuance request",
                     labels=ISSUANCE_LABELS)
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the rejection.", field="reason")
    record = _decision(actor, project, decision, kind=DecisionKind.ISSUE_CREDITS,
                       title=f"Rejection of the issuance request of {project.project_id} for monitoring period "
                             f"{period.number}", subject=request,
                       subject_label=f"{project.project_id} monitoring period {period.number}")
    request.status, request.decision, request.reason, request.decided_at = (IssuanceStatus.REJECTED, record,
                                                                            reason.strip(), _now())
    request.save(update_fields=["status", "decision", "reason", "decided_at"])
    _period_back_to_verified(period)
    event = audit.record(actor=actor, action="projects.issuance.reject", target=request, data={
        "project": project.project_id, "period": period.number, "decision": record.reference}, message=request.reason)
    _tell(event, participant_users(project), kind="projects.issuance.rejected",
          subject=f"{project.project_id}: issuance request for period {period.number} rejected", body=request.reason,
          url=project_url(project))
    return request
