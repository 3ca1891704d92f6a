"""Inputs and helpers shared by the services of this package (not part of its public API)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, fields
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Model
from django.utils import timezone

from committee.access import tpe_serve_refusal
from committee.models import Decision, JointCommittee, Organization, ThirdPartyEntity, User
from committee.services import decision_record
from core.errors import ApplicationError, Conflict
from core.models import AuditEvent
from core.notices import notify
from core.workflow import check_transition, relock
from methodologies.models import EligibilityCriterion
from methodologies.services import DecisionInput  # the same "how the Joint Committee decided" everywhere

from .. import files
from ..choices import (
    BLOCKING_FINDINGS,
    CLOSED_STATUSES,
    PROJECT_TRANSITIONS,
    ChangeRequestStatus,
    FindingKind,
    FindingStatus,
    IssuanceStatus,
    MonitoringStatus,
    ProjectStatus,
)
from ..models import (
    Finding,
    MonitoringPeriod,
    Project,
)

PROJECT_LABELS = dict(ProjectStatus.choices)
MONITORING_LABELS = dict(MonitoringStatus.choices)
ISSUANCE_LABELS = dict(IssuanceStatus.choices)
CHANGE_LABELS = dict(ChangeRequestStatus.choices)


# --- inputs ------------------------------------------------------------------------------------------

@dataclass
class SiteInput:
    name: str
    latitude: Decimal
    longitude: Decimal
    description: str = ""


@dataclass
class ParticipantInput:
    organization: Organization
    side: str
    name: str = ""


@dataclass
class ShareInput:
    party: str
    percent: Decimal
    registry: str = ""
    organization: Organization | None = None


@dataclass
class FindingInput:
    kind: str
    text: str
    status: str = FindingStatus.CLOSED
    response: str = ""


@dataclass
class AnswerInput:
    criterion: EligibilityCriterion
    meets: bool | None
    justification: str = ""


InputT = TypeVar("InputT", SiteInput, ParticipantInput, ShareInput, FindingInput, AnswerInput)

_INPUT_FIELDS: dict[type, tuple[str, str]] = {  # the input list's field, the noun of one item
    SiteInput: ("sites", "site"), ParticipantInput: ("participants", "participant"), ShareInput: ("shares", "share"),
    FindingInput: ("findings", "finding"), AnswerInput: ("answers", "answer")}


def _as(cls: type[InputT], value: Any) -> InputT:
    """Accept the dataclass or a dict of its fields (forms and serializers give dicts); anything else, or a
    dict without a required field or with an unknown one, is refused with the list's field named."""
    if isinstance(value, cls):
        return value
    field, noun = _INPUT_FIELDS.get(cls, (None, cls.__name__))
    if not isinstance(value, Mapping):
        raise ApplicationError(f"Each {noun} must be given as an object of its fields, not "
                               f"{type(value).__name__}.", field=field)
    known = fields(cls)
    missing = [f.name for f in known if f.name not in value and f.default is MISSING
               and f.default_factory is MISSING]
    unknown = sorted(set(map(str, value)) - {f.name for f in known})
    if missing:
        raise ApplicationError(f"Each {noun} needs: {', '.join(missing)}.", field=field)
    if unknown:
        raise ApplicationError(f"Unknown {noun} fields: {', '.join(unknown)}.", field=field)
    return cls(**value)


# --- small helpers -----------------------------------------------------------------------------------

def _now(now: datetime.datetime | None = None) -> datetime.datetime:
    """The time of the action: now, or an earlier time given to record a step taken before (seed data,
    migration of existing projects). Never in the future. Not offered by the API or the browser."""
    current = timezone.now()
    if now is None:
        return current
    if now > current:
        raise ApplicationError("A step cannot be recorded in the future.", field="now")
    return now


def _today(now: datetime.datetime | None = None) -> datetime.date:
    return timezone.localdate(now) if now is not None else timezone.localdate()


def _require_period_ended(period: MonitoringPeriod, step: str, on: datetime.date | None = None) -> None:
    """No credits before the reductions happen: ``step`` (a monitoring report, an issuance request or
    decision) is refused for a monitoring period that has not ended by ``on`` (today)."""
    on = on or _today()
    if period.end_date >= on:
        message = (f"Monitoring period {period.number} runs until {period.end_date}: {step} only after it has "
                   f"ended (from {period.reportable_from}).")
        raise ApplicationError(message, field="end_date", errors={"end_date": [message]})


def _jc_days(jc: JointCommittee, name: str, default: int) -> int:
    return int(getattr(jc, name, None) or default)


def project_url(project: Project) -> str:
    """The project's page (the link of its notifications)."""
    return project.get_absolute_url()


def _tell(event: AuditEvent, recipients: Iterable[User], *, kind: str, subject: str, body: str = "",
          url: str = "") -> None:
    """Queue one notification per recipient, keyed by the audit event (so each event notifies once)."""
    notify(recipients=list(recipients), kind=kind, key=f"{kind}:{event.seq}", subject=subject, body=body, url=url)


def _lock_project(project: Project) -> Project:
    return relock(project)


def _move(project: Project, target: str) -> str:
    check_transition(PROJECT_TRANSITIONS, project.status, target, what=f"Project {project.project_id}",
                     labels=PROJECT_LABELS)
    before = project.status
    project.status = target
    return before


def _require_open(project: Project) -> None:
    if project.status in CLOSED_STATUSES:
        raise Conflict(f"Project {project.project_id} is {PROJECT_LABELS[project.status].lower()}.", field="status")


def _decision(actor: User, project: Project, decision: DecisionInput | Mapping[str, Any], *, kind: str, title: str,
              subject: Model,
              subject_label: str = "") -> Decision:
    if isinstance(decision, Mapping):
        decision = DecisionInput(**decision)
    if not hasattr(decision, "decided_on") or not hasattr(decision, "mode"):
        raise ApplicationError("Say when and how the Joint Committee decided.", field="decided_on")
    return decision_record(
        actor=actor, joint_committee=project.joint_committee, decided_on=decision.decided_on, mode=decision.mode,
        meeting=decision.meeting, reference=decision.reference, text=decision.text, kind=kind, title=title,
        subject=subject, subject_label=subject_label or str(subject), publish=True)


def _check_tpe(tpe: ThirdPartyEntity | None, project: Project, *, purpose: str) -> ThirdPartyEntity:
    """The TPE belongs to the project's Joint Committee, is designated and holds the project's scope."""
    field = "validation_tpe" if purpose == "validation" else "verification_tpe"
    if tpe is None:
        raise ApplicationError(f"Choose the TPE for {purpose}.", field=field)
    if tpe.joint_committee_id != project.joint_committee_id:
        raise ApplicationError(f"{tpe.tpe_id} is not a TPE of the {project.joint_committee}.", field=field)
    refusal = tpe_serve_refusal(tpe, project.sectoral_scope, timezone.localdate(), purpose)
    if refusal:
        raise ApplicationError(refusal, field=field)
    return tpe


def _findings(findings: Iterable[FindingInput | Mapping[str, Any]]) -> list[FindingInput]:
    result = []
    for item in findings or ():
        finding = _as(FindingInput, item)
        if finding.kind not in FindingKind.values:
            raise ApplicationError("Each finding is a CAR, a CL or a FAR.", field="findings")
        if finding.status not in FindingStatus.values:
            raise ApplicationError("Each finding is open or closed.", field="findings")
        if not (finding.text or "").strip():
            raise ApplicationError("Describe each finding.", field="findings")
        result.append(finding)
    return result


def _open_blocking(findings: list[FindingInput]) -> list[FindingInput]:
    return [f for f in findings if f.kind in BLOCKING_FINDINGS and f.status == FindingStatus.OPEN]


def _store_findings(findings: list[FindingInput], **report: Model) -> None:
    for number, f in enumerate(findings, start=1):
        Finding.objects.create(number=number, kind=f.kind, status=f.status, text=f.text.strip(),
                               response=f.response or "", **report)


def _attach(obj: Model, field: str, checked: files.CheckedFile) -> None:
    upload = checked.upload
    if hasattr(upload, "seek"):
        upload.seek(0)
    getattr(obj, field).save(checked.name, upload, save=False)


def _json_value(value: Any, label: str) -> Any:
    """A monitored value as stored: numbers as exact decimal text; value objects and site maps kept."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ApplicationError(f"{label}: give numbers as exact decimals (text), not floating-point numbers.",
                               field="values")
    if isinstance(value, Decimal | int):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {str(k): _json_value(v, f"{label} {k}") for k, v in value.items()}
    raise ApplicationError(f"{label}: give a number.", field="values")


def _lock_period(period: MonitoringPeriod) -> tuple[Project, MonitoringPeriod]:
    project = _lock_project(period.project)
    period = relock(period)
    period.project = project
    return project, period
