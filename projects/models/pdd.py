"""PDDs with their eligibility answers, public comments, validation reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.constraints import choices_check

from ..choices import (
    Conclusion,
    PDDStatus,
)
from .common import StoredFileMixin, _sha256_check, upload_pdd, upload_validation
from .project import Project


class PDD(models.Model):
    """One version of the Project Design Document: a public version and (optionally) a confidential one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="pdds")
    version = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=PDDStatus.choices, default=PDDStatus.DRAFT)
    public_file = models.FileField(upload_to=upload_pdd, blank=True)
    public_sha256 = models.CharField(max_length=64, blank=True)
    public_size = models.PositiveBigIntegerField(default=0)
    confidential_file = models.FileField(upload_to=upload_pdd, blank=True)
    confidential_sha256 = models.CharField(max_length=64, blank=True)
    confidential_size = models.PositiveBigIntegerField(default=0)
    ex_ante_values = models.JSONField(default=dict, blank=True,
                                      help_text=_("Values of the methodology's ex-ante parameters set in the PDD."))
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    saved_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "-version"]
        verbose_name = "PDD"
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="pdd_version_unique"),
            models.UniqueConstraint(fields=["project"], condition=Q(status=PDDStatus.DRAFT), name="pdd_one_draft"),
            models.CheckConstraint(condition=choices_check("status", PDDStatus), name="pdd_status_valid"),
            models.CheckConstraint(condition=_sha256_check("public_sha256"), name="pdd_public_sha256_format"),
            models.CheckConstraint(condition=_sha256_check("confidential_sha256"),
                                   name="pdd_confidential_sha256_format"),
            models.CheckConstraint(condition=Q(status=PDDStatus.DRAFT) | ~Q(public_sha256=""),
                                   name="pdd_submitted_has_public_file"),
        ]

    def __str__(self) -> str:
        return f"PDD {self.project.project_id} v{self.version}"

    def project_for_files(self) -> Project:
        return self.project


class EligibilityAnswer(models.Model):
    """The PDD's answer to one eligibility criterion of an applied methodology version."""

    pdd = models.ForeignKey(PDD, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey("methodologies.EligibilityCriterion", on_delete=models.PROTECT, related_name="+")
    meets = models.BooleanField(_("criterion met"), null=True)
    justification = models.TextField(blank=True)

    class Meta:
        ordering = ["pdd", "criterion__version", "criterion__number"]
        constraints = [models.UniqueConstraint(fields=["pdd", "criterion"], name="answer_unique")]

    def __str__(self) -> str:
        answer = {True: "yes", False: "no", None: "unanswered"}[self.meets]
        return f"{self.criterion}: {answer}"


class ProjectComment(models.Model):
    """A public comment on a PDD during its public input period. Published; the e-mail address never is."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="comments")
    pdd = models.ForeignKey(PDD, null=True, blank=True, on_delete=models.PROTECT, related_name="comments")
    name = models.CharField(max_length=200)
    organization = models.CharField(max_length=200, blank=True)
    email = models.EmailField(help_text=_("Not published."))
    text = models.TextField()
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["project", "submitted_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="project_comment_has_text")]

    def __str__(self) -> str:
        return f"Comment by {self.name} on {self.project.project_id}"


class ValidationReport(StoredFileMixin):
    """The TPE's validation report: positive or negative, with its findings (CARs, CLs, FARs)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="validation_reports")
    tpe = models.ForeignKey("committee.ThirdPartyEntity", on_delete=models.PROTECT, related_name="validation_reports")
    pdd = models.ForeignKey(PDD, on_delete=models.PROTECT, related_name="validation_reports")
    reference = models.CharField(max_length=100, blank=True)
    report_date = models.DateField()
    conclusion = models.CharField(max_length=10, choices=Conclusion.choices)
    summary = models.TextField(blank=True)
    file = models.FileField(upload_to=upload_validation, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "submitted_at", "id"]
        constraints = [
            models.CheckConstraint(condition=choices_check("conclusion", Conclusion),
                                   name="validation_conclusion_valid"),
            models.CheckConstraint(condition=_sha256_check("sha256"), name="validation_sha256_format"),
        ]

    def __str__(self) -> str:
        return f"Validation report {self.project.project_id} ({self.get_conclusion_display()})"

    def project_for_files(self) -> Project:
        return self.project
