"""The Project Idea Note, the Assessment of Reference Emissions, the Project Implementation Report and the
sustainable-development contribution plan and report: one row per form submitted about a project."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core.constraints import choices_check

from ..form_choices import PENDING_FORM_STATUSES, ProjectFormKind, ProjectFormStatus
from .project import Project


class ProjectForm(models.Model):
    """One form of one kind about a project: submitted, returned with comments (then resubmitted), accepted
    or withdrawn. ``revision`` counts the submissions."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="project_forms")
    kind = models.CharField(max_length=12, choices=ProjectFormKind.choices)
    status = models.CharField(max_length=12, choices=ProjectFormStatus.choices, default=ProjectFormStatus.SUBMITTED)
    revision = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=300)
    content = models.TextField()
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    monitoring_period = models.ForeignKey("projects.MonitoringPeriod", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="sd_reports")
    methodology_version = models.ForeignKey("methodologies.MethodologyVersion", null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="reference_assessments")
    submitted_as = models.CharField(max_length=12, blank=True)  # "participant" or "tpe" (an ARE)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    comments = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "kind", "-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=choices_check("kind", ProjectFormKind), name="project_form_kind_valid"),
            models.CheckConstraint(condition=choices_check("status", ProjectFormStatus),
                                   name="project_form_status_valid"),
            models.CheckConstraint(
                condition=~Q(kind__in=[ProjectFormKind.PIR, ProjectFormKind.SD_REPORT])
                | (Q(period_start__isnull=False) & Q(period_end__isnull=False)),
                name="project_form_period_given"),
            models.CheckConstraint(condition=Q(period_end__isnull=True) | Q(period_start__isnull=True)
                                   | Q(period_end__gte=F("period_start")), name="project_form_period_ordered"),
            models.CheckConstraint(condition=~Q(kind=ProjectFormKind.ARE) | Q(methodology_version__isnull=False),
                                   name="project_form_are_methodology"),
            models.CheckConstraint(condition=~Q(kind=ProjectFormKind.SD_REPORT) | Q(monitoring_period__isnull=False),
                                   name="project_form_sd_report_period"),
            models.CheckConstraint(
                condition=Q(status__in=sorted(PENDING_FORM_STATUSES)) | Q(status=ProjectFormStatus.WITHDRAWN)
                | Q(reviewed_at__isnull=False), name="project_form_accepted_reviewed"),
            models.UniqueConstraint(fields=["project", "kind"], condition=Q(status__in=sorted(PENDING_FORM_STATUSES)),
                                    name="project_form_one_pending_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.project.project_id} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("projects:form-detail", args=[self.project.project_id, self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_FORM_STATUSES

    @property
    def is_sd(self) -> bool:
        return self.kind in (ProjectFormKind.SD_PLAN, ProjectFormKind.SD_REPORT)
