"""Monitoring: periods, the draft report (values by form, API or spreadsheet), its evidence, and its submission
(the engine computes the reductions, frozen with the report)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django.core.files import File
from django.db import IntegrityError, transaction

from committee.models import ThirdPartyEntity, User
from core import audit
from core.errors import ApplicationError, Conflict
from core.workflow import check_transition, lock, relock, required, validated_save
from methodologies import engine
from methodologies.content import version_spec
from methodologies.models import MethodologyVersion
from methodologies.selectors import read_monitoring_workbook

from .. import files, selectors
from ..access import (
    participant_users,
    require_evidence_add,
    require_evidence_remove,
    require_monitoring_period_create,
    require_monitoring_report_save,
    require_monitoring_report_submit,
    require_monitoring_report_upload,
    tpe_users,
)
from ..choices import (
    MONITORING_TRANSITIONS,
    EntryMethod,
    MonitoringStatus,
    PDDStatus,
    ProjectStatus,
    ReportStatus,
)
from ..models import (
    EvidenceFile,
    MonitoringPeriod,
    MonitoringReport,
    Project,
)
from .common import (
    MONITORING_LABELS,
    _attach,
    _check_tpe,
    _json_value,
    _lock_period,
    _lock_project,
    _now,
    _require_period_ended,
    _tell,
    project_url,
)

RESULT_QUANTUM = Decimal("1e-12")


@transaction.atomic
def monitoring_period_create(*, actor: User, project: Project, start_date: datetime.date, end_date: datetime.date
                             ) -> MonitoringPeriod:
    """A participant opens the next monitoring period: inside the crediting period, starting the day after
    the previous period ended (the first one at or after the start of the crediting period)."""
    project = _lock_project(project)
    require_monitoring_period_create(actor, project)
    if project.status != ProjectStatus.REGISTERED:
        raise Conflict("Monitoring periods are for registered projects.", field="status")
    if start_date is None or end_date is None:
        raise ApplicationError("Give the first and the last day of the period.", field="start_date")
    if end_date < start_date:
        raise ApplicationError("The period cannot end before it starts.", field="end_date")
    crediting_start = required(project.crediting_start, f"Project {project.project_id} has no crediting period.")
    crediting_end = required(project.crediting_end, f"Project {project.project_id} has no crediting period.")
    if start_date < crediting_start or end_date > crediting_end:
        raise ApplicationError(f"The monitoring period must lie inside the crediting period "
                               f"({crediting_start} – {crediting_end}).", field="start_date")
    last = project.monitoring_periods.order_by("-end_date").first()
    if last is not None:
        expected = last.end_date + datetime.timedelta(days=1)
        if start_date <= last.end_date:
            raise ApplicationError(f"The period overlaps monitoring period {last.number} ({last.label}).",
                                   field="start_date")
        if start_date != expected:
            raise ApplicationError(f"Monitoring periods are consecutive: this one must start on {expected} "
                                   f"(the day after period {last.number} ends).", field="start_date")
    number = (last.number + 1) if last else 1
    period = MonitoringPeriod(project=project, number=number, start_date=start_date, end_date=end_date,
                              created_by=actor)
    try:
        with transaction.atomic():
            validated_save(period)
    except IntegrityError as exc:  # a concurrent insert: the database guards the same rules
        raise Conflict("The period overlaps another monitoring period of the project.", field="start_date") from exc
    event = audit.record(actor=actor, action="projects.monitoring_period.create", target=period,
                         data={"project": project.project_id, "number": number, "start_date": start_date,
                               "end_date": end_date})
    _tell(event, participant_users(project), kind="projects.monitoring_period.created",
          subject=f"{project.project_id}: monitoring period {number} opened ({period.label})",
          url=project_url(project))
    return period


def _clean_values(period: MonitoringPeriod, version: MethodologyVersion, values: Mapping) -> dict:
    if not isinstance(values, Mapping):
        raise ApplicationError("Give the values as {parameter symbol: value}.", field="values")
    parameters = {p.symbol: p for p in version.parameters.all()}
    sites = set(period.project.sites.values_list("name", flat=True))
    cleaned = {}
    for symbol, value in values.items():
        parameter = parameters.get(symbol)
        if parameter is None:
            raise ApplicationError(f"{symbol} is not a parameter of {version}.", field="values",
                                   errors={str(symbol): [f"{symbol} is not a parameter of {version}."]})
        value = _json_value(value, symbol)
        if parameter.per_site and isinstance(value, dict) and not ({"value"} <= set(value) <= {"value", "unit"}):
            unknown = set(value) - sites
            if unknown:
                raise ApplicationError(f"{symbol}: {', '.join(sorted(unknown))} is not a site of the project.",
                                       field="values", errors={symbol: ["Unknown site."]})
        cleaned[symbol] = value
    return cleaned


def _report_version(period: MonitoringPeriod, methodology_version: MethodologyVersion | None) -> MethodologyVersion:
    applied = list(period.project.methodology_versions.all())
    if methodology_version is None:
        if len(applied) != 1:
            raise ApplicationError("Say which applied methodology version the report follows.",
                                   field="methodology_version")
        return applied[0]
    if methodology_version.pk not in {v.pk for v in applied}:
        raise ApplicationError(f"{methodology_version} is not applied by {period.project.project_id}.",
                               field="methodology_version")
    return methodology_version


def _with_ex_ante(project: Project, spec: engine.MethodologySpec, values: dict[str, Any]) -> dict[str, Any]:
    """The report's values with the ex-ante values fixed in the PDD (a report may repeat them, not change them)."""
    pdd = project.pdds.filter(status=PDDStatus.SUBMITTED).first()
    fixed = pdd.ex_ante_values if pdd else {}
    merged = dict(values)
    for parameter in spec.parameters:
        if parameter.kind != "ex_ante" or parameter.symbol not in fixed:
            continue
        given = merged.get(parameter.symbol)
        if given not in (None, "") and _as_decimal(given) != _as_decimal(fixed[parameter.symbol]):
            message = (f"{parameter.symbol} is an ex-ante value fixed in the PDD ({fixed[parameter.symbol]} "
                       f"{parameter.unit}); the report gives {given}.")
            raise ApplicationError(message, field="values", errors={parameter.symbol: [message]})
        merged[parameter.symbol] = fixed[parameter.symbol]
    return merged


def _as_decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value.get("value") if isinstance(value, Mapping) else value))
    except (InvalidOperation, TypeError):
        return None


def _stored(value: Decimal, rounding: str) -> Decimal:
    """A result as the decimal column keeps it (12 decimals); the exact text stays in ``results``."""
    return value.quantize(RESULT_QUANTUM, rounding=rounding)


def _draft_report(period: MonitoringPeriod, actor: User, methodology_version: MethodologyVersion | None
                  ) -> MonitoringReport:
    if period.status != MonitoringStatus.OPEN:
        raise Conflict(f"The monitoring report of period {period.number} is "
                       f"{MONITORING_LABELS[period.status].lower()}; it can no longer change.", field="status")
    draft = period.reports.filter(status=ReportStatus.DRAFT).first()
    if draft is not None:
        draft = lock(MonitoringReport, draft.pk)
        if methodology_version is not None:
            draft.methodology_version = _report_version(period, methodology_version)
        return draft
    last = period.reports.order_by("-version").first()
    version = _report_version(period, methodology_version or (last.methodology_version if last else None))
    draft = MonitoringReport(period=period, version=(last.version + 1) if last else 1, methodology_version=version,
                             values=dict(last.values) if last else {}, saved_by=actor)
    draft.save()
    if last is not None:  # a revised report starts with the evidence of the previous one
        for evidence in last.evidence.all():
            EvidenceFile.objects.create(report=draft, file=evidence.file.name, original_name=evidence.original_name,
                                        content_type=evidence.content_type, size=evidence.size,
                                        sha256=evidence.sha256, description=evidence.description,
                                        parameter=evidence.parameter, uploaded_by=evidence.uploaded_by,
                                        uploaded_at=evidence.uploaded_at)
    return draft


@transaction.atomic
def monitoring_report_save(*, actor: User, period: MonitoringPeriod, values: Mapping[str, Any], replace: bool = False,
                           methodology_version: MethodologyVersion | None = None,
                           entry_method: str = EntryMethod.FORM) -> MonitoringReport:
    """Save monitored values in the draft report (by form or by the API); drafts can be resumed.

    Values are merged into the draft unless ``replace``; they are checked in full when the report is submitted.
    """
    project, period = _lock_period(period)
    require_monitoring_report_save(actor, period)
    if entry_method not in (EntryMethod.FORM, EntryMethod.API):
        raise ApplicationError("Values are entered by form or by the API.", field="entry_method")
    report = _draft_report(period, actor, methodology_version)
    cleaned = _clean_values(period, report.methodology_version, values)
    report.values = cleaned if replace else {**report.values, **cleaned}
    report.entry_method, report.saved_by, report.saved_at = entry_method, actor, _now()
    validated_save(report)
    report.warnings = selectors.value_warnings(report)  # out of range: saved with a warning, refused on submit
    audit.record(actor=actor, action="projects.monitoring_report.save", target=report, data={
        "period": period.pk, "version": report.version, "entry_method": entry_method, "values": cleaned,
        "replace": replace, "warnings": report.warnings})
    return report


@transaction.atomic
def monitoring_report_upload(*, actor: User, period: MonitoringPeriod, file: File,
                             methodology_version: MethodologyVersion | None = None) -> MonitoringReport:
    """Read the methodology's filled monitoring spreadsheet (XLSX) into the draft report's values."""
    project, period = _lock_period(period)
    require_monitoring_report_upload(actor, period)
    checked = files.checked_upload(file, allowed=files.SPREADSHEET_TYPES, field="file")
    report = _draft_report(period, actor, methodology_version)
    version = report.methodology_version
    values = read_monitoring_workbook(version, files.file_bytes(file))
    report.values = _clean_values(period, version, values)
    report.entry_method = EntryMethod.XLSX
    _attach(report, "source_file", checked)
    report.source_sha256 = checked.sha256
    report.saved_by, report.saved_at = actor, _now()
    validated_save(report)
    report.warnings = selectors.value_warnings(report)
    audit.record(actor=actor, action="projects.monitoring_report.upload", target=report, data={
        "period": period.pk, "version": report.version, "file": checked.name, "sha256": checked.sha256,
        "values": report.values, "warnings": report.warnings})
    return report


@transaction.atomic
def evidence_add(*, actor: User, period: MonitoringPeriod, file: File, description: str = "", parameter: str = ""
                 ) -> EvidenceFile:
    """Attach an evidence file to the draft report (types and size limited; kept with its SHA-256)."""
    project, period = _lock_period(period)
    require_evidence_add(actor, period)
    checked = files.checked_upload(file, allowed=files.EVIDENCE_TYPES, field="file")
    report = _draft_report(period, actor, None)
    if parameter and not report.methodology_version.parameters.filter(symbol=parameter).exists():
        raise ApplicationError(f"{parameter} is not a parameter of {report.methodology_version}.", field="parameter")
    evidence = EvidenceFile(report=report, description=(description or "").strip(), parameter=parameter or "",
                            original_name=checked.name, content_type=checked.content_type, size=checked.size,
                            sha256=checked.sha256, uploaded_by=actor)
    _attach(evidence, "file", checked)
    validated_save(evidence)
    audit.record(actor=actor, action="projects.evidence.add", target=evidence, data={
        "report": report.pk, "name": checked.name, "size": checked.size, "sha256": checked.sha256})
    return evidence


@transaction.atomic
def evidence_remove(*, actor: User, evidence: EvidenceFile) -> None:
    """Remove an evidence file from a draft report (a submitted report keeps its evidence)."""
    project, period = _lock_period(evidence.report.period)
    evidence = relock(evidence)
    require_evidence_remove(actor, evidence)
    if evidence.report.status != ReportStatus.DRAFT:
        raise Conflict("Evidence of a submitted report cannot be removed.", field="status")
    audit.record(actor=actor, action="projects.evidence.remove", target=evidence.report, data={
        "evidence": evidence.pk, "name": evidence.original_name, "sha256": evidence.sha256})
    evidence.delete()


@transaction.atomic
def monitoring_report_submit(*, actor: User, period: MonitoringPeriod, verification_tpe: ThirdPartyEntity
                             ) -> MonitoringReport:
    """Submit the report for verification: the engine computes RE, PE, ER and the trace, which are frozen
    with the report; the TPE chosen for verification (designated for the project's scope) is assigned."""
    project, period = _lock_period(period)
    require_monitoring_report_submit(actor, period)
    check_transition(MONITORING_TRANSITIONS, period.status, MonitoringStatus.SUBMITTED,
                     what=f"Monitoring period {period.number}", labels=MONITORING_LABELS)
    if project.status != ProjectStatus.REGISTERED:
        raise Conflict(f"{project.project_id} is not registered.", field="status")
    _require_period_ended(period, "its monitoring report can be submitted")
    _check_tpe(verification_tpe, project, purpose="verification")
    report = period.reports.filter(status=ReportStatus.DRAFT).first()
    if report is None:
        raise ApplicationError("Enter the monitored values first.", field="values")
    report = lock(MonitoringReport, report.pk)
    spec = version_spec(report.methodology_version)
    values = _with_ex_ante(project, spec, report.values)
    sites = list(project.sites.values_list("name", flat=True))
    result = engine.calculate(spec, values, sites=sites)
    period.reports.filter(status=ReportStatus.SUBMITTED).update(status=ReportStatus.SUPERSEDED)
    exact = result.as_dict()
    report.values = values
    report.reference_emissions = _stored(result.reference_emissions, ROUND_HALF_EVEN)
    report.project_emissions = _stored(result.project_emissions, ROUND_HALF_EVEN)
    report.emission_reductions = _stored(result.emission_reductions, ROUND_FLOOR)
    report.reported_reductions = result.credits
    report.negative = result.negative
    report.trace = exact.pop("trace")
    report.notes = exact.pop("notes")
    report.results = exact
    report.spec_fingerprint = engine.spec_fingerprint(spec)
    report.status, report.submitted_by, report.submitted_at = ReportStatus.SUBMITTED, actor, _now()
    validated_save(report)
    period.status, period.verification_tpe, period.submitted_at = (MonitoringStatus.SUBMITTED, verification_tpe,
                                                                   report.submitted_at)
    period.save(update_fields=["status", "verification_tpe", "submitted_at"])
    event = audit.record(actor=actor, action="projects.monitoring_report.submit", target=report, data={
        "project": project.project_id, "period": period.number, "version": report.version,
        "emission_reductions": report.emission_reductions, "reported_reductions": report.reported_reductions,
        "tpe": verification_tpe.tpe_id, "spec_fingerprint": report.spec_fingerprint})
    _tell(event, [*tpe_users(verification_tpe), *participant_users(project)],
          kind="projects.monitoring_report.submitted",
          subject=f"{project.project_id}: monitoring report for period {period.number} submitted for verification "
                  f"({report.reported_reductions} tCO2e)", url=project_url(project))
    return report
