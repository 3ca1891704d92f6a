"""Monitoring periods and reports, evidence, verification reports, findings, issuance requests."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.constraints import choices_check

from ..choices import (
    ACTIVE_ISSUANCE_STATUSES,
    Conclusion,
    EntryMethod,
    FindingKind,
    FindingStatus,
    IssuanceStatus,
    MonitoringStatus,
    ReportStatus,
)
from .common import (
    RESULT_DECIMAL,
    ProjectDayRange,
    StoredFileMixin,
    _sha256_check,
    upload_evidence,
    upload_monitoring,
    upload_verification,
)
from .moc import CreditAllocation
from .pdd import ValidationReport
from .project import Project


class MonitoringPeriod(models.Model):
    """A monitoring period: inside the crediting period, consecutive with the previous one, never overlapping.

    Overlaps are refused by an exclusion constraint; a trigger (migration ``monitoring_period_guard``)
    refuses a period outside its project's crediting period.
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="monitoring_periods")
    number = models.PositiveSmallIntegerField()
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=20, choices=MonitoringStatus.choices, default=MonitoringStatus.OPEN)
    verification_tpe = models.ForeignKey("committee.ThirdPartyEntity", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="verified_periods",
                                         verbose_name=_("TPE assigned for verification"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="monitoring_period_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="monitoring_period_number_positive"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="monitoring_period_ordered"),
            models.CheckConstraint(condition=choices_check("status", MonitoringStatus),
                                   name="monitoring_period_status_valid"),
            ExclusionConstraint(
                name="monitoring_period_no_overlap",
                expressions=[(ProjectDayRange("project_id", "start_date", "end_date"), RangeOperators.OVERLAPS)],
                index_type="gist",
                violation_error_message=_("Monitoring periods of a project must not overlap."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.project_id} monitoring period {self.number} ({self.start_date} – {self.end_date})"

    def project_for_files(self) -> Project:
        return self.project

    def get_absolute_url(self) -> str:
        return reverse("projects:period-detail", args=[self.project.project_id, self.number])

    @property
    def label(self) -> str:
        return f"{self.start_date:%d %b %Y} – {self.end_date:%d %b %Y}"

    @property
    def has_ended(self) -> bool:
        """Whether the period is over (its last day is before today): only then did its reductions happen,
        so only then may its report be submitted, verified, and credits be decided and issued for it."""
        return self.end_date < timezone.localdate()

    @property
    def reportable_from(self) -> datetime.date:
        """The first day the monitoring report of the period may be submitted: the day after it ends."""
        return self.end_date + datetime.timedelta(days=1)


class MonitoringReport(models.Model):
    """The monitored values of one period. On submission the engine computes the reductions and their
    trace, and the report is frozen: values, results, trace and the methodology version stay as computed."""

    # set by monitoring_report_save/upload (not stored): the values outside their allowed range, per symbol,
    # kept in the draft with this warning and refused on submission (selectors.value_warnings)
    warnings: dict[str, list[str]]

    period = models.ForeignKey(MonitoringPeriod, on_delete=models.PROTECT, related_name="reports")
    version = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    methodology_version = models.ForeignKey("methodologies.MethodologyVersion", on_delete=models.PROTECT,
                                            related_name="monitoring_reports")
    entry_method = models.CharField(max_length=6, choices=EntryMethod.choices, default=EntryMethod.FORM)
    values = models.JSONField(default=dict, blank=True,
                              help_text=_("{symbol: value} or, for per-site parameters, {symbol: {site: value}}."))
    source_file = models.FileField(_("uploaded monitoring spreadsheet"), upload_to=upload_monitoring, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)
    # RE, PE and ER as computed, to 12 decimals (ER rounded down); the exact engine output is in ``results``.
    reference_emissions = models.DecimalField(null=True, blank=True, **RESULT_DECIMAL)
    project_emissions = models.DecimalField(null=True, blank=True, **RESULT_DECIMAL)
    emission_reductions = models.DecimalField(null=True, blank=True, **RESULT_DECIMAL)
    results = models.JSONField(default=dict, blank=True,
                               help_text=_("The engine's exact results (RE, PE, ER as text, credits, sites, inputs)."))
    reported_reductions = models.PositiveBigIntegerField(
        _("emission reductions (whole tCO2e, rounded down)"), null=True, blank=True)
    negative = models.BooleanField(default=False)
    trace = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    spec_fingerprint = models.CharField(
        max_length=64, blank=True, help_text=_("Fingerprint of the parameters and formulas the engine applied."))
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    saved_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["period", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["period", "version"], name="monitoring_report_version_unique"),
            models.UniqueConstraint(fields=["period"], condition=Q(status=ReportStatus.DRAFT),
                                    name="monitoring_report_one_draft"),
            models.CheckConstraint(condition=choices_check("status", ReportStatus),
                                   name="monitoring_report_status_valid"),
            models.CheckConstraint(condition=choices_check("entry_method", EntryMethod),
                                   name="monitoring_report_entry_valid"),
            models.CheckConstraint(
                condition=Q(status=ReportStatus.DRAFT)
                | (Q(reported_reductions__isnull=False) & Q(emission_reductions__isnull=False)
                   & Q(submitted_at__isnull=False)),
                name="monitoring_report_submitted_is_computed",
            ),
            models.CheckConstraint(condition=_sha256_check("source_sha256"), name="monitoring_source_sha256_format"),
        ]

    def __str__(self) -> str:
        return f"Monitoring report {self.period.project.project_id}-{self.period.number} v{self.version}"

    def project_for_files(self) -> Project:
        return self.period.project


class EvidenceFile(StoredFileMixin):
    """A file supporting a monitoring report (invoices, meter readings, photographs...)."""

    report = models.ForeignKey(MonitoringReport, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=upload_evidence)
    description = models.CharField(max_length=300, blank=True)
    parameter = models.CharField(_("parameter supported"), max_length=40, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report", "uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty"),
            models.CheckConstraint(condition=_sha256_check("sha256", optional=False), name="evidence_sha256_format"),
        ]

    def __str__(self) -> str:
        return self.original_name or self.file.name

    def project_for_files(self) -> Project:
        return self.report.period.project


class VerificationReport(StoredFileMixin):
    """The assigned TPE's verification of one submitted monitoring report."""

    period = models.ForeignKey(MonitoringPeriod, on_delete=models.PROTECT, related_name="verification_reports")
    report = models.ForeignKey(MonitoringReport, on_delete=models.PROTECT, related_name="verification_reports")
    tpe = models.ForeignKey("committee.ThirdPartyEntity", on_delete=models.PROTECT,
                            related_name="verification_reports")
    reference = models.CharField(max_length=100, blank=True)
    report_date = models.DateField()
    conclusion = models.CharField(max_length=10, choices=Conclusion.choices)
    verified_reductions = models.PositiveBigIntegerField(_("verified emission reductions (tCO2e)"), default=0)
    reason_lower = models.TextField(_("reason the verified reductions are lower than reported"), blank=True)
    summary = models.TextField(blank=True)
    file = models.FileField(upload_to=upload_verification, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["period", "submitted_at", "id"]
        constraints = [
            models.CheckConstraint(condition=choices_check("conclusion", Conclusion),
                                   name="verification_conclusion_valid"),
            models.CheckConstraint(condition=_sha256_check("sha256"), name="verification_sha256_format"),
            models.UniqueConstraint(fields=["report"], name="verification_one_per_report"),
        ]

    def __str__(self) -> str:
        return f"Verification report {self.period} ({self.get_conclusion_display()})"

    def project_for_files(self) -> Project:
        return self.period.project


class Finding(models.Model):
    """A finding raised by a TPE in a validation or a verification report."""

    validation_report = models.ForeignKey(ValidationReport, null=True, blank=True, on_delete=models.CASCADE,
                                          related_name="findings")
    verification_report = models.ForeignKey(VerificationReport, null=True, blank=True, on_delete=models.CASCADE,
                                            related_name="findings")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=4, choices=FindingKind.choices)
    status = models.CharField(max_length=6, choices=FindingStatus.choices)
    text = models.TextField()
    response = models.TextField(_("participants' response and the TPE's assessment"), blank=True)

    class Meta:
        ordering = ["validation_report", "verification_report", "number"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(validation_report__isnull=False) & Q(verification_report__isnull=True))
                | (Q(validation_report__isnull=True) & Q(verification_report__isnull=False)),
                name="finding_belongs_to_one_report",
            ),
            models.CheckConstraint(condition=choices_check("kind", FindingKind), name="finding_kind_valid"),
            models.CheckConstraint(condition=choices_check("status", FindingStatus), name="finding_status_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="finding_has_text"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} ({self.get_status_display()})"


class IssuanceRequest(models.Model):
    """The focal point's request for issuance for one verified monitoring period, and the Joint
    Committee's decision on the amount (at most the verified reductions). At most one request per
    period is requested or decided at a time (a partial unique constraint)."""

    period = models.ForeignKey(MonitoringPeriod, on_delete=models.PROTECT, related_name="issuance_requests")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="issuance_requests")
    verification = models.ForeignKey(VerificationReport, on_delete=models.PROTECT, related_name="issuance_requests")
    status = models.CharField(max_length=12, choices=IssuanceStatus.choices, default=IssuanceStatus.REQUESTED)
    requested_amount = models.PositiveBigIntegerField()
    allocation = models.ForeignKey(CreditAllocation, on_delete=models.PROTECT, related_name="issuance_requests",
                                   help_text=_("The credit allocation in force when the request was made."))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(null=True, blank=True)
    decision = models.OneToOneField("committee.Decision", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="issuance_request")
    decided_amount = models.PositiveBigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["period"], condition=Q(status__in=ACTIVE_ISSUANCE_STATUSES),
                                    name="issuance_one_per_period"),
            models.CheckConstraint(condition=choices_check("status", IssuanceStatus), name="issuance_status_valid"),
            models.CheckConstraint(condition=Q(requested_amount__gte=1), name="issuance_requested_positive"),
            models.CheckConstraint(
                condition=~Q(status=IssuanceStatus.DECIDED)
                | (Q(decision__isnull=False) & Q(decided_amount__gte=1)
                   & Q(decided_amount__lte=F("requested_amount"))),
                name="issuance_decided_has_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"Issuance request {self.project.project_id}-{self.period.number} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return self.period.get_absolute_url()
