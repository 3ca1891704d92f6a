"""Verification: the assigned TPE verifies the submitted monitoring report."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files import File
from django.db import transaction

from committee.models import User
from core import audit
from core.errors import ApplicationError
from core.workflow import check_transition, required, validated_save

from .. import files
from ..access import (
    participant_users,
    require_verification_report_submit,
    secretariat_users,
)
from ..choices import (
    MONITORING_TRANSITIONS,
    Conclusion,
    MonitoringStatus,
    ReportStatus,
)
from ..models import (
    MonitoringPeriod,
    VerificationReport,
)
from .common import (
    MONITORING_LABELS,
    FindingInput,
    _attach,
    _check_tpe,
    _findings,
    _lock_period,
    _now,
    _open_blocking,
    _store_findings,
    _tell,
    _today,
    project_url,
)


@transaction.atomic
def verification_report_submit(*, actor: User, period: MonitoringPeriod, conclusion: str, verified_reductions: int,
                               report_date: datetime.date, findings: Iterable[FindingInput | Mapping[str, Any]] = (),
                               reason_lower: str = "",
                               file: File | None = None, reference: str = "", summary: str = "") -> VerificationReport:
    """The assigned TPE verifies the submitted report: verified reductions at most the reported ones (with a
    reason when lower); a positive conclusion needs every CAR and CL closed; a negative one returns the
    period to the participants for a revised report."""
    project, period = _lock_period(period)
    require_verification_report_submit(actor, period)
    if conclusion not in Conclusion.values:
        raise ApplicationError("The conclusion is positive or negative.", field="conclusion")
    target = MonitoringStatus.VERIFIED if conclusion == Conclusion.POSITIVE else MonitoringStatus.OPEN
    check_transition(MONITORING_TRANSITIONS, period.status, target, what=f"Monitoring period {period.number}",
                     labels=MONITORING_LABELS)
    _check_tpe(period.verification_tpe, project, purpose="verification")
    report = period.reports.get(status=ReportStatus.SUBMITTED)
    reported = required(report.reported_reductions, f"The report for monitoring period {period.number} states no "
                        "emission reductions to verify.", field="verified_reductions")
    try:
        verified = int(verified_reductions)
    except (TypeError, ValueError):
        raise ApplicationError("The verified reductions are whole tCO2e.", field="verified_reductions") from None
    if verified < 0:
        raise ApplicationError("The verified reductions cannot be negative.", field="verified_reductions")
    if verified > reported:
        raise ApplicationError(f"The verified reductions cannot exceed the reported ones "
                               f"({reported} tCO2e).", field="verified_reductions")
    if conclusion == Conclusion.POSITIVE and verified < reported and not (reason_lower or "").strip():
        raise ApplicationError("Give the reason the verified reductions are lower than reported.",
                               field="reason_lower")
    if report_date > _today():
        raise ApplicationError("The report cannot be dated in the future.", field="report_date")
    if report_date < period.end_date:
        raise ApplicationError(f"A verification cannot be dated before the end of the monitoring period "
                               f"({period.end_date}).", field="report_date")
    findings = _findings(findings)
    if conclusion == Conclusion.POSITIVE and _open_blocking(findings):
        raise ApplicationError(f"A positive verification needs every CAR and CL closed; "
                               f"{len(_open_blocking(findings))} remain open.", field="findings")
    verification = VerificationReport(
        period=period, report=report, tpe=period.verification_tpe, reference=reference or "", report_date=report_date,
        conclusion=conclusion, verified_reductions=verified if conclusion == Conclusion.POSITIVE else 0,
        reason_lower=(reason_lower or "").strip(), summary=summary or "", submitted_by=actor)
    if file is not None:
        checked = files.checked_upload(file, allowed=files.REPORT_TYPES, field="file")
        _attach(verification, "file", checked)
        verification.original_name, verification.content_type = checked.name, checked.content_type
        verification.size, verification.sha256 = checked.size, checked.sha256
    validated_save(verification)
    _store_findings(findings, verification_report=verification)
    before = period.status
    period.status = target
    period.verified_at = _now() if target == MonitoringStatus.VERIFIED else None
    period.save(update_fields=["status", "verified_at"])
    event = audit.record(actor=actor, action=f"projects.verification.{conclusion}", target=verification, data={
        "project": project.project_id, "period": period.number, "from": before,
        "reported_reductions": report.reported_reductions, "verified_reductions": verification.verified_reductions,
        "findings": len(findings), "sha256": verification.sha256})
    _tell(event, [*participant_users(project), *secretariat_users(project.joint_committee)],
          kind=f"projects.verification.{conclusion}",
          subject=f"{project.project_id}: {conclusion} verification of monitoring period {period.number}"
                  + (f" ({verification.verified_reductions} tCO2e)" if conclusion == Conclusion.POSITIVE else ""),
          url=project_url(project))
    return verification
