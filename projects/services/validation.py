"""Validation: the participants choose their TPE and start the validation; the TPE reports."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from committee.models import ThirdPartyEntity, User
from core import audit
from core.errors import ApplicationError, Conflict
from core.workflow import check_transition, required, validated_save

from .. import files
from ..access import (
    participant_users,
    require_validation_report_submit,
    require_validation_start,
    require_validation_tpe_choose,
    secretariat_users,
    tpe_users,
)
from ..choices import (
    PROJECT_TRANSITIONS,
    TPE_CHOICE_STATUSES,
    Conclusion,
    PDDStatus,
    ProjectStatus,
)
from ..models import (
    Project,
    ValidationReport,
)
from .common import (
    PROJECT_LABELS,
    FindingInput,
    _attach,
    _check_tpe,
    _findings,
    _lock_project,
    _move,
    _now,
    _open_blocking,
    _store_findings,
    _tell,
    _today,
    project_url,
)


@transaction.atomic
def validation_tpe_choose(*, actor: User, project: Project, tpe: ThirdPartyEntity) -> Project:
    """The participants choose the TPE that validates the project (designated for its scope)."""
    project = _lock_project(project)
    require_validation_tpe_choose(actor, project)
    if project.status not in TPE_CHOICE_STATUSES:
        raise Conflict(f"The validating TPE of {project.project_id} cannot change while the project is "
                       f"{PROJECT_LABELS[project.status].lower()}.", field="status")
    _check_tpe(tpe, project, purpose="validation")
    before = project.validation_tpe_id
    project.validation_tpe = tpe
    project.save(update_fields=["validation_tpe"])
    event = audit.record(actor=actor, action="projects.validation.choose_tpe", target=project,
                         data={"before": before, "tpe": tpe.tpe_id})
    _tell(event, tpe_users(tpe), kind="projects.validation.tpe_chosen",
          subject=f"{project.project_id}: your TPE was chosen to validate “{project.title}”", url=project_url(project))
    return project


@transaction.atomic
def validation_start(*, actor: User, project: Project, now: datetime.datetime | None = None) -> Project:
    """The participants hand the published PDD to their TPE (again, after a negative validation)."""
    project = _lock_project(project)
    require_validation_start(actor, project)
    tpe = _check_tpe(project.validation_tpe, project, purpose="validation")
    before = _move(project, ProjectStatus.UNDER_VALIDATION)
    project.validation_started_at = _now(now)
    project.save(update_fields=["status", "validation_started_at"])
    event = audit.record(actor=actor, action="projects.validation.start", target=project,
                         data={"from": before, "tpe": tpe.tpe_id})
    _tell(event, [*tpe_users(tpe), *secretariat_users(project.joint_committee)],
          kind="projects.validation.started", subject=f"{project.project_id}: validation started",
          url=project_url(project))
    return project


@transaction.atomic
def validation_report_submit(*, actor: User, project: Project, conclusion: str, report_date: datetime.date,
                             findings: Iterable[FindingInput | Mapping[str, Any]] = (), file: File | None = None,
                             reference: str = "", summary: str = "",
                             now: datetime.datetime | None = None) -> ValidationReport:
    """The validating TPE concludes: positive (no CAR or CL open) or negative."""
    project = _lock_project(project)
    require_validation_report_submit(actor, project)
    if conclusion not in Conclusion.values:
        raise ApplicationError("The conclusion is positive or negative.", field="conclusion")
    target = ProjectStatus.VALIDATED if conclusion == Conclusion.POSITIVE else ProjectStatus.VALIDATION_NEGATIVE
    check_transition(PROJECT_TRANSITIONS, project.status, target, what=f"Project {project.project_id}",
                     labels=PROJECT_LABELS)
    _check_tpe(project.validation_tpe, project, purpose="validation")
    now = _now(now)
    if project.public_input_closes_at is None or now < project.public_input_closes_at:
        raise Conflict("The validation report waits for the end of the public input period "
                       f"({timezone.localtime(project.public_input_closes_at):%d %B %Y}).", field="report_date")
    if report_date > _today(now):
        raise ApplicationError("The report cannot be dated in the future.", field="report_date")
    findings = _findings(findings)
    pdd = required(project.pdds.filter(status=PDDStatus.SUBMITTED).first(),
                   f"Project {project.project_id} has no submitted PDD to validate.", field="pdd")
    if conclusion == Conclusion.POSITIVE:
        still_open = _open_blocking(findings)
        if still_open:
            raise ApplicationError(f"A positive validation needs every CAR and CL closed; "
                                   f"{len(still_open)} remain open.", field="findings")
        unmet = list(pdd.answers.filter(meets=False).select_related("criterion"))
        if unmet:
            raise ApplicationError(f"A positive validation needs every eligibility criterion met; criterion "
                                   f"{unmet[0].criterion.number} is answered “no” in the PDD.", field="conclusion")
    report = ValidationReport(project=project, tpe=project.validation_tpe, pdd=pdd, reference=reference or "",
                              report_date=report_date, conclusion=conclusion, summary=summary or "",
                              submitted_by=actor, submitted_at=now)
    if file is not None:
        checked = files.checked_upload(file, allowed=files.REPORT_TYPES, field="file")
        _attach(report, "file", checked)
        report.original_name, report.content_type = checked.name, checked.content_type
        report.size, report.sha256 = checked.size, checked.sha256
    validated_save(report)
    _store_findings(findings, validation_report=report)
    before = _move(project, target)
    project.save(update_fields=["status"])
    event = audit.record(actor=actor, action=f"projects.validation.{conclusion}", target=project, data={
        "from": before, "report": report.pk, "tpe": report.tpe.tpe_id, "pdd_version": pdd.version,
        "findings": len(findings), "sha256": report.sha256})
    _tell(event, [*participant_users(project), *secretariat_users(project.joint_committee)],
          kind=f"projects.validation.{conclusion}",
          subject=f"{project.project_id}: {conclusion} validation report by {report.tpe.tpe_id}",
          url=project_url(project))
    return report
