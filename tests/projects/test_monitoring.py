"""Monitoring periods, reports (form, API values, XLSX), evidence, verification and issuance requests."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from openpyxl import load_workbook

from committee.choices import DecisionKind
from core.errors import ApplicationError, Conflict, NotAllowed
from core.models import AuditEvent
from notifications.models import Notification
from projects import selectors, services
from projects.choices import (
    Conclusion,
    FindingKind,
    FindingStatus,
    IssuanceStatus,
    MonitoringStatus,
    ReportStatus,
)
from projects.models import IssuanceRequest, MonitoringPeriod

from . import cycle
from .test_services import events, refused

SOLAR_VALUES = {"EG_i": {"Darkhan": "1000.5"}}  # 1000.5 MWh x 0.9 tCO2/MWh = 900.45 tCO2e -> 900 credits


def _period(project, pp, start=cycle.CREDITING_START, end=datetime.date(2024, 12, 31)):
    return services.monitoring_period_create(actor=pp, project=project, start_date=start, end_date=end)


# --- monitoring periods ---------------------------------------------------------------------------

def test_monitoring_periods_are_consecutive_inside_the_crediting_period(registered, pp, pp_other):
    refused(NotAllowed, lambda: _period(registered, pp_other), "projects.monitoring_period.create")
    first = _period(registered, pp)
    assert (first.number, first.status) == (1, MonitoringStatus.OPEN)
    assert events("projects.monitoring_period.create", first) == 1
    with pytest.raises(ApplicationError, match="overlaps monitoring period 1"):
        _period(registered, pp, datetime.date(2024, 12, 1), datetime.date(2025, 6, 30))
    with pytest.raises(ApplicationError, match="must start on 2025-01-01"):
        _period(registered, pp, datetime.date(2025, 2, 1), datetime.date(2025, 6, 30))
    with pytest.raises(ApplicationError, match="inside the crediting period"):
        _period(registered, pp, datetime.date(2025, 1, 1), datetime.date(2034, 6, 30))
    with pytest.raises(ApplicationError, match="cannot end before"):
        _period(registered, pp, datetime.date(2025, 1, 1), datetime.date(2024, 12, 31))
    second = _period(registered, pp, datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))
    assert second.number == 2
    assert registered.monitoring_periods.count() == 2


def test_first_period_cannot_start_before_the_crediting_period(registered, pp):
    refused(ApplicationError, lambda: _period(registered, pp, datetime.date(2023, 12, 1), datetime.date(2024, 3, 31)),
            "projects.monitoring_period.create")


def test_monitoring_periods_are_for_registered_projects(draft, pp):
    refused(Conflict, lambda: _period(draft, pp), "projects.monitoring_period.create")


def _raw_insert(project_id: int, number: int, start: str, end: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO projects_monitoringperiod (project_id, number, start_date, end_date, status, created_at) "
            "VALUES (%s, %s, %s, %s, 'open', now())", [project_id, number, start, end])


def test_database_refuses_overlapping_periods_of_one_project(registered, pp, draft_two):
    _period(registered, pp)  # 2024-01-01 .. 2024-12-31
    with pytest.raises(IntegrityError, match="monitoring_period_no_overlap"):
        _raw_insert(registered.pk, 2, "2024-12-31", "2025-03-31")
    with pytest.raises(IntegrityError, match="monitoring_period_no_overlap"):
        _raw_insert(registered.pk, 2, "2024-03-01", "2024-04-30")  # inside the first one
    _raw_insert(registered.pk, 2, "2025-01-01", "2025-03-31")  # adjacent: allowed
    # the same dates in another project are no overlap
    _raw_insert(draft_two.pk, 1, "2024-01-01", "2024-12-31")
    assert MonitoringPeriod.objects.count() == 3


def test_database_refuses_a_period_outside_the_crediting_period(registered):
    with pytest.raises(IntegrityError, match="outside the crediting period"):
        _raw_insert(registered.pk, 1, "2023-06-01", "2024-05-31")
    with pytest.raises(IntegrityError, match="outside the crediting period"):
        _raw_insert(registered.pk, 1, "2033-06-01", "2034-05-31")
    _raw_insert(registered.pk, 1, "2033-06-01", "2033-12-31")
    # nor may the crediting period shrink under an existing monitoring period
    with pytest.raises(IntegrityError, match="would leave a monitoring period outside"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE projects_project SET crediting_end = '2033-06-30' WHERE id = %s", [registered.pk])


@pytest.fixture
def draft_two(pp, jc, solar, scope1, japanese_company, partner_company):
    return cycle.create_project(pp, jc, version=solar, scope=scope1, japanese=japanese_company,
                                partner=partner_company, title="Second project")


# --- reports and the engine -----------------------------------------------------------------------

def test_report_is_computed_by_the_engine_and_frozen_on_submission(registered, pp, tpe, auditor):
    period = _period(registered, pp)
    draft = services.monitoring_report_save(actor=pp, period=period, values={"EG_i": {"Darkhan": "10"}})
    draft = services.monitoring_report_save(actor=pp, period=period, values=SOLAR_VALUES)  # resumed, corrected
    assert draft.version == 1 and draft.reported_reductions is None
    report = services.monitoring_report_submit(actor=pp, period=period, verification_tpe=tpe)
    # hand calculation: RE = 1000.5 MWh x 0.9 tCO2/MWh = 900.45 tCO2e; PE = 0; ER = 900.45 -> 900 credits
    assert report.reference_emissions == Decimal("900.45")
    assert report.project_emissions == 0
    assert report.emission_reductions == Decimal("900.45")
    assert report.reported_reductions == 900
    assert report.results["emission_reductions"] == "900.45"
    assert [step["symbol"] for step in report.trace][-1] == "ER"
    assert any("1000.5 × 0.9" in step["substituted"] for step in report.trace)
    assert len(report.spec_fingerprint) == 64
    period.refresh_from_db()
    assert (period.status, period.verification_tpe) == (MonitoringStatus.SUBMITTED, tpe)
    assert events("projects.monitoring_report.submit", report) == 1
    assert Notification.objects.filter(recipient=auditor, kind="projects.monitoring_report.submitted").exists()
    # frozen: no more values, evidence or second submission
    refused(Conflict, lambda: services.monitoring_report_save(actor=pp, period=period, values=SOLAR_VALUES),
            "projects.monitoring_report.save")
    refused(Conflict, lambda: services.evidence_add(actor=pp, period=period, file=cycle.pdf("late.pdf")),
            "projects.evidence.add")
    refused(Conflict, lambda: services.monitoring_report_submit(actor=pp, period=period, verification_tpe=tpe),
            "projects.monitoring_report.submit")


def test_hand_calculated_reductions_of_a_boiler_project(pp, jc, boiler, scope3, japanese_company, partner_company,
                                                         secretariat, auditor, tpe):
    project = cycle.create_project(pp, jc, version=boiler, scope=scope3, japanese=japanese_company,
                                   partner=partner_company, title="Heat-only boilers",
                                   sites=[{"name": "B1", "latitude": "49.03", "longitude": "104.04"},
                                          {"name": "B2", "latitude": "49.04", "longitude": "104.08"}])
    project = cycle.to_registered(project, pp=pp, secretariat=secretariat, auditor=auditor, tpe=tpe,
                                  japanese=japanese_company, partner=partner_company, ex_ante={"NCV": "14.5"})
    period = _period(project, pp)
    services.monitoring_report_save(actor=pp, period=period, values={
        "HG_i": {"B1": "12000", "B2": "8000.5"}, "FC_i": {"B1": "620.25", "B2": "410"}})
    report = services.monitoring_report_submit(actor=pp, period=period, verification_tpe=tpe)
    # By hand, with eta_ref = 0.68, EF_fuel = 0.0909 tCO2/GJ (defaults) and NCV = 14.5 GJ/t (ex ante, PDD):
    #   RE = 12000 / 0.68 x 0.0909 + 8000.5 / 0.68 x 0.0909 = (1090.8 + 727.24545) / 0.68 = 2673.59625 tCO2e
    #   PE = (620.25 + 410) x 14.5 x 0.0909 = 1030.25 x 1.31805 = 1357.9210125 tCO2e
    #   ER = 2673.59625 - 1357.9210125 = 1315.6752375 tCO2e -> 1315 credits (rounded down)
    assert abs(report.reference_emissions - Decimal("2673.59625")) < Decimal("1e-11")
    assert report.project_emissions == Decimal("1357.9210125")
    assert abs(report.emission_reductions - Decimal("1315.6752375")) < Decimal("1e-11")
    assert report.reported_reductions == 1315
    assert report.values["NCV"] == "14.5"  # taken from the PDD


def test_report_cannot_change_an_ex_ante_value_fixed_in_the_pdd(pp, jc, boiler, scope3, japanese_company,
                                                                 partner_company, secretariat, auditor, tpe):
    project = cycle.create_project(pp, jc, version=boiler, scope=scope3, japanese=japanese_company,
                                   partner=partner_company, title="Boilers",
                                   sites=[{"name": "B1", "latitude": "49.03", "longitude": "104.04"}])
    project = cycle.to_registered(project, pp=pp, secretariat=secretariat, auditor=auditor, tpe=tpe,
                                  japanese=japanese_company, partner=partner_company, ex_ante={"NCV": "14.5"})
    period = _period(project, pp)
    services.monitoring_report_save(actor=pp, period=period, values={
        "HG_i": {"B1": "100"}, "FC_i": {"B1": "1"}, "NCV": "20"})
    with pytest.raises(ApplicationError, match="fixed in the PDD"):
        services.monitoring_report_submit(actor=pp, period=period, verification_tpe=tpe)


def test_engine_refusals_reach_the_participant_with_the_parameter_named(registered, pp, tpe):
    period = _period(registered, pp)
    with pytest.raises(ApplicationError, match="not a parameter"):
        services.monitoring_report_save(actor=pp, period=period, values={"EG": "5"})
    with pytest.raises(ApplicationError, match="not a site"):
        services.monitoring_report_save(actor=pp, period=period, values={"EG_i": {"Elsewhere": "5"}})
    with pytest.raises(ApplicationError, match="floating-point"):
        services.monitoring_report_save(actor=pp, period=period, values={"EG_i": {"Darkhan": 5.5}})
    services.monitoring_report_save(actor=pp, period=period, values={"EG_i": {"Darkhan": "-3"}})
    with pytest.raises(ApplicationError) as error:
        services.monitoring_report_submit(actor=pp, period=period, verification_tpe=tpe)
    assert "EG_i" in error.value.errors
    period.refresh_from_db()
    assert period.status == MonitoringStatus.OPEN


def test_report_submission_refuses_a_tpe_without_the_verification_scope(registered, pp, pp_other, tpe_wrong_scope,
                                                                        tpe):
    period = _period(registered, pp)
    services.monitoring_report_save(actor=pp, period=period, values=SOLAR_VALUES)
    refused(ApplicationError, lambda: services.monitoring_report_submit(actor=pp, period=period,
                                                                        verification_tpe=tpe_wrong_scope),
            "projects.monitoring_report.submit")
    refused(NotAllowed, lambda: services.monitoring_report_submit(actor=pp_other, period=period,
                                                                  verification_tpe=tpe),
            "projects.monitoring_report.submit")


def _filled_workbook(period, values: dict[tuple[str, str | None], str]) -> SimpleUploadedFile:
    """The period's downloaded workbook with the Value cells filled like a participant would."""
    from methodologies.spreadsheet import COLUMN, HEADER_ROW, PLAN_SHEET, VALUE_COLUMN

    name, data = selectors.monitoring_workbook(period)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[PLAN_SHEET]
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        symbol = sheet.cell(row=row, column=COLUMN["Symbol"]).value
        site = sheet.cell(row=row, column=COLUMN["Site"]).value
        key = (symbol, site if site not in ("", None, "all sites") else None)
        if key in values:
            sheet.cell(row=row, column=VALUE_COLUMN, value=values[key])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_xlsx_upload_fills_the_report(registered, pp, tpe):
    period = _period(registered, pp)
    upload = _filled_workbook(period, {("EG_i", "Darkhan"): "2000.25"})
    assert upload.name == "MN001-MP01-MN_AM003-ver01.0.xlsx"
    report = services.monitoring_report_upload(actor=pp, period=period, file=upload)
    assert report.entry_method == "xlsx"
    assert report.values == {"EG_i": {"Darkhan": "2000.25"}}
    assert len(report.source_sha256) == 64
    assert events("projects.monitoring_report.upload", report) == 1
    report = services.monitoring_report_submit(actor=pp, period=period, verification_tpe=tpe)
    assert report.reported_reductions == 1800  # 2000.25 x 0.9 = 1800.225


def test_xlsx_upload_refuses_a_tampered_or_foreign_file(registered, pp):
    period = _period(registered, pp)
    with pytest.raises(ApplicationError, match="only xlsx"):
        services.monitoring_report_upload(actor=pp, period=period, file=cycle.pdf("values.pdf"))
    upload = _filled_workbook(period, {("EG_i", "Darkhan"): "=1+1"})
    with pytest.raises(ApplicationError, match="formula"):
        services.monitoring_report_upload(actor=pp, period=period, file=upload)
    assert not period.reports.exclude(values={}).exists()


def test_evidence_files_are_checked_and_kept_with_their_digest(registered, pp, pp_other, settings):
    period = _period(registered, pp)
    evidence = services.evidence_add(actor=pp, period=period, file=cycle.pdf("meter.pdf"), parameter="EG_i",
                                     description="January meter readings")
    import hashlib

    evidence.file.open("rb")
    assert hashlib.sha256(evidence.file.read()).hexdigest() == evidence.sha256
    evidence.file.close()
    assert events("projects.evidence.add", evidence) == 1
    csv = SimpleUploadedFile("readings.csv", b"month,MWh\n2024-01,80.5\n")
    assert services.evidence_add(actor=pp, period=period, file=csv).content_type == "text/csv"
    with pytest.raises(ApplicationError, match="only csv"):
        services.evidence_add(actor=pp, period=period, file=SimpleUploadedFile("run.sh", b"#!/bin/sh"))
    with pytest.raises(ApplicationError, match="not a valid .png"):
        services.evidence_add(actor=pp, period=period, file=SimpleUploadedFile("photo.png", b"GIF89a"))
    settings.JCM_DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(ApplicationError, match="larger than the limit"):
        services.evidence_add(actor=pp, period=period, file=cycle.pdf("big.pdf", b"x" * 2000))
    refused(NotAllowed, lambda: services.evidence_add(actor=pp_other, period=period, file=cycle.pdf()),
            "projects.evidence.add")
    services.evidence_remove(actor=pp, evidence=evidence)
    assert period.reports.get().evidence.count() == 1
    assert events("projects.evidence.remove") == 1


# --- verification -------------------------------------------------------------------------------------

@pytest.fixture
def submitted_period(registered, pp, tpe):
    return cycle.submitted_period(registered, pp=pp, tpe=tpe, values=SOLAR_VALUES)


def _verify(actor, period, **extra):
    data = {"conclusion": Conclusion.POSITIVE, "verified_reductions": 900, "report_date": timezone.localdate()}
    return services.verification_report_submit(actor=actor, period=period, **{**data, **extra})


def test_only_the_assigned_tpe_verifies(submitted_period, auditor, other_auditor, pp, secretariat):
    for actor in (other_auditor, pp, secretariat):
        refused(NotAllowed, lambda actor=actor: _verify(actor, submitted_period), "projects.verification.positive")
    verification = _verify(auditor, submitted_period)
    submitted_period.refresh_from_db()
    assert submitted_period.status == MonitoringStatus.VERIFIED
    assert verification.verified_reductions == 900
    assert events("projects.verification.positive", verification) == 1
    assert Notification.objects.filter(recipient=pp, kind="projects.verification.positive").exists()
    refused(Conflict, lambda: _verify(auditor, submitted_period), "projects.verification.positive")


def test_verified_reductions_never_exceed_the_reported_and_lower_needs_a_reason(submitted_period, auditor):
    refused(ApplicationError, lambda: _verify(auditor, submitted_period, verified_reductions=901),
            "projects.verification.positive")
    refused(ApplicationError, lambda: _verify(auditor, submitted_period, verified_reductions=850),
            "projects.verification.positive")
    open_cl = [{"kind": FindingKind.CL, "status": FindingStatus.OPEN, "text": "Meter gap in May"}]
    refused(ApplicationError, lambda: _verify(auditor, submitted_period, findings=open_cl),
            "projects.verification.positive")
    verification = _verify(auditor, submitted_period, verified_reductions=850,
                           reason_lower="Meter out of tolerance in May; conservative value applied.")
    assert verification.verified_reductions == 850


def test_negative_verification_returns_the_period_for_a_revised_report(submitted_period, auditor, pp, tpe):
    _verify(auditor, submitted_period, conclusion=Conclusion.NEGATIVE, verified_reductions=0,
            findings=[{"kind": FindingKind.CAR, "status": FindingStatus.OPEN, "text": "Meter not calibrated"}])
    submitted_period.refresh_from_db()
    assert submitted_period.status == MonitoringStatus.OPEN
    revised = services.monitoring_report_save(actor=pp, period=submitted_period,
                                              values={"EG_i": {"Darkhan": "990"}})
    assert revised.version == 2
    report = services.monitoring_report_submit(actor=pp, period=submitted_period, verification_tpe=tpe)
    assert report.reported_reductions == 891
    assert list(submitted_period.reports.values_list("version", "status")) == [
        (2, ReportStatus.SUBMITTED), (1, ReportStatus.SUPERSEDED)]


# --- issuance requests ----------------------------------------------------------------------------

@pytest.fixture
def verified(registered, pp, tpe, auditor):
    return cycle.verified_period(registered, pp=pp, tpe=tpe, auditor=auditor, values=SOLAR_VALUES)


def test_issuance_request_by_the_focal_point(verified, pp, pp_partner, secretariat):
    refused(NotAllowed, lambda: services.issuance_request_submit(actor=pp_partner, period=verified),
            "projects.issuance.request")
    request = services.issuance_request_submit(actor=pp, period=verified)
    assert (request.status, request.requested_amount) == (IssuanceStatus.REQUESTED, 900)
    assert request.allocation.version == 1
    assert events("projects.issuance.request", request) == 1
    assert Notification.objects.filter(recipient=secretariat, kind="projects.issuance.requested").exists()
    refused(Conflict, lambda: services.issuance_request_submit(actor=pp, period=verified), "projects.issuance.request")


def test_issuance_request_needs_a_verified_period(registered, pp):
    period = _period(registered, pp)
    refused(Conflict, lambda: services.issuance_request_submit(actor=pp, period=period), "projects.issuance.request")


def test_joint_committee_decides_the_amount_at_most_the_verified(verified, pp, secretariat, other_secretariat,
                                                                registry_admin):
    request = services.issuance_request_submit(actor=pp, period=verified)
    refused(NotAllowed, lambda: services.issuance_request_decide(actor=other_secretariat, request=request, amount=900,
                                                         decision=cycle.decision()), "projects.issuance.decide")
    refused(ApplicationError, lambda: services.issuance_request_decide(actor=secretariat, request=request, amount=901,
                                                               decision=cycle.decision()), "projects.issuance.decide")
    request = services.issuance_request_decide(actor=secretariat, request=request, amount=880, decision=cycle.decision())
    assert (request.status, request.decided_amount) == (IssuanceStatus.DECIDED, 880)
    decision = request.decision
    assert decision.kind == DecisionKind.ISSUE_CREDITS and decision.subject == request
    assert decision.title.startswith("Decision on issuance of credits: MN001")
    assert "for the monitoring period of 01 Jan 24 - 31 Dec 24" in decision.title
    verified.refresh_from_db()
    assert verified.status == MonitoringStatus.ISSUANCE_DECIDED
    assert events("projects.issuance.decide", request) == 1
    assert Notification.objects.filter(recipient=registry_admin, kind="projects.issuance.decided").exists()
    # the split by the allocation (10 / 40 / 25 / 25 %) sums to the amount: 88, 352, 220, 220
    assert [credits for _share, credits in request.allocation.split(880)] == [88, 352, 220, 220]
    refused(Conflict, lambda: services.issuance_request_decide(actor=secretariat, request=request, amount=880,
                                                       decision=cycle.decision()), "projects.issuance.decide")


def test_issuance_request_withdrawn_or_rejected_returns_to_verified(verified, pp, pp_partner, secretariat):
    request = services.issuance_request_submit(actor=pp, period=verified)
    refused(NotAllowed, lambda: services.issuance_request_withdraw(actor=pp_partner, request=request),
            "projects.issuance.withdraw")
    services.issuance_request_withdraw(actor=pp, request=request, reason="Allocation to update")
    verified.refresh_from_db()
    assert verified.status == MonitoringStatus.VERIFIED
    second = services.issuance_request_submit(actor=pp, period=verified)
    services.issuance_request_reject(actor=secretariat, request=second, decision=cycle.decision(), reason="Missing form")
    verified.refresh_from_db()
    assert verified.status == MonitoringStatus.VERIFIED
    assert events("projects.issuance.reject", second) == 1
    refused(Conflict, lambda: services.issuance_request_withdraw(actor=pp, request=second),
            "projects.issuance.withdraw")


def test_database_allows_one_active_issuance_request_per_period(verified, pp, secretariat):
    request = services.issuance_request_submit(actor=pp, period=verified)
    services.issuance_request_decide(actor=secretariat, request=request, amount=900, decision=cycle.decision())
    duplicate = IssuanceRequest(period=verified, project=verified.project, verification=request.verification,
                                requested_amount=900, allocation=request.allocation, status=IssuanceStatus.REQUESTED)
    with pytest.raises(IntegrityError, match="issuance_one_per_period"), transaction.atomic():
        duplicate.save()
    assert AuditEvent.objects.filter(action="projects.issuance.decide").count() == 1


def test_withdrawing_the_project_waits_for_a_pending_issuance_request(verified, pp):
    services.issuance_request_submit(actor=pp, period=verified)
    refused(Conflict, lambda: services.project_withdraw(actor=pp, project=verified.project, reason="Stop"),
            "projects.project.withdraw")
