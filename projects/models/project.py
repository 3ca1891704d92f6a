"""The project, its sites and its participants."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.constraints import choices_check

from ..choices import (
    ParticipantSide,
    ProjectStatus,
)
from .common import PROJECT_ID_RE, _page


class Project(models.Model):
    """A JCM project of one Joint Committee, from its draft to registration (and withdrawal)."""

    project_id = models.CharField(_("project ID"), max_length=10, unique=True, editable=False,
                                  help_text=_("Partner country code and a number, e.g. MN001."))
    number = models.PositiveIntegerField(editable=False)
    joint_committee = models.ForeignKey("committee.JointCommittee", on_delete=models.PROTECT,
                                        related_name="projects")
    title = models.CharField(max_length=300)
    is_fictitious = models.BooleanField(_("fictitious (demo data)"), default=False, editable=False,
                                        help_text=_("Demo projects: numbered from 9001, never a real JCM ID."))
    description = models.TextField(blank=True)
    sectoral_scope = models.ForeignKey("committee.SectoralScope", on_delete=models.PROTECT, related_name="projects")
    methodology_versions = models.ManyToManyField("methodologies.MethodologyVersion", related_name="projects",
                                                  verbose_name=_("methodology versions applied"))
    expected_annual_reductions = models.PositiveIntegerField(
        _("expected annual emission reductions (tCO2e/year)"), default=0)
    start_of_operation = models.DateField(null=True, blank=True)
    crediting_start = models.DateField(_("crediting period start"), null=True, blank=True)
    crediting_end = models.DateField(_("crediting period end"), null=True, blank=True)
    status = models.CharField(max_length=30, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT)
    status_reason = models.TextField(_("reason for the last return, rejection or withdrawal"), blank=True)
    validation_tpe = models.ForeignKey("committee.ThirdPartyEntity", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="validated_projects",
                                       verbose_name=_("TPE chosen for validation"))

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    pdd_submitted_at = models.DateTimeField(null=True, blank=True)
    completeness_due_on = models.DateField(null=True, blank=True)
    public_input_opens_at = models.DateTimeField(null=True, blank=True)
    public_input_closes_at = models.DateTimeField(null=True, blank=True)
    public_input_closed_noted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the participants and the secretariat were told the period closed."))
    validation_started_at = models.DateTimeField(null=True, blank=True)
    registration_requested_at = models.DateTimeField(null=True, blank=True)
    registration_due_on = models.DateField(null=True, blank=True)
    registration_decision = models.ForeignKey("committee.Decision", null=True, blank=True, on_delete=models.PROTECT,
                                              related_name="registered_projects")
    registered_on = models.DateField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project_id"]
        constraints = [
            models.CheckConstraint(condition=Q(project_id__regex=PROJECT_ID_RE), name="project_id_format"),
            models.UniqueConstraint(fields=["joint_committee", "number"], name="project_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="project_number_positive"),
            models.CheckConstraint(condition=choices_check("status", ProjectStatus), name="project_status_valid"),
            models.CheckConstraint(
                condition=Q(crediting_end__isnull=True) | Q(crediting_start__isnull=True)
                | Q(crediting_end__gte=F("crediting_start")),
                name="project_crediting_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(public_input_closes_at__isnull=True) | Q(public_input_opens_at__isnull=True)
                | Q(public_input_closes_at__gt=F("public_input_opens_at")),
                name="project_public_input_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProjectStatus.REGISTERED)
                | (Q(registration_decision__isnull=False) & Q(registered_on__isnull=False)),
                name="project_registered_by_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.title}"

    def get_absolute_url(self) -> str:
        return _page("projects:detail", [self.project_id], f"/projects/{self.project_id}/")

    def project_for_files(self) -> Project:
        return self

    @property
    def partner(self):
        return self.joint_committee.partner

    @property
    def is_public(self) -> bool:
        """Published for public input once; then its public documents stay public (even if withdrawn)."""
        return self.public_input_opens_at is not None

    @property
    def is_open_for_comments(self) -> bool:
        now = timezone.now()
        return (self.status in (ProjectStatus.PUBLIC_INPUT, ProjectStatus.UNDER_VALIDATION)
                and self.public_input_opens_at is not None and self.public_input_closes_at is not None
                and self.public_input_opens_at <= now < self.public_input_closes_at)

    @property
    def public_input_closed(self) -> bool:
        return self.public_input_closes_at is not None and timezone.now() >= self.public_input_closes_at


class Site(models.Model):
    """A place (or unit of equipment) where the project is implemented and monitored."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sites")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100, help_text=_("Also the site's key in per-site monitoring values."))
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["project", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="site_name_unique"),
            models.CheckConstraint(condition=Q(latitude__gte=-90) & Q(latitude__lte=90), name="site_latitude_range"),
            models.CheckConstraint(condition=Q(longitude__gte=-180) & Q(longitude__lte=180),
                                   name="site_longitude_range"),
            models.CheckConstraint(condition=~Q(name=""), name="site_has_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.latitude}, {self.longitude})"


class ProjectParticipant(models.Model):
    """A company or other organization taking part in a project, on the Japanese or the partner side."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="participants")
    organization = models.ForeignKey("committee.Organization", on_delete=models.PROTECT,
                                     related_name="project_participations")
    side = models.CharField(max_length=10, choices=ParticipantSide.choices)
    name = models.CharField(_("name in the MoC"), max_length=200)
    is_focal_point = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    joined_on = models.DateField(default=timezone.localdate)
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["project", "-is_focal_point", "side", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "organization"], name="participant_unique"),
            models.UniqueConstraint(fields=["project"], condition=Q(is_focal_point=True),
                                    name="participant_one_focal_point"),
            models.CheckConstraint(condition=choices_check("side", ParticipantSide), name="participant_side_valid"),
            models.CheckConstraint(condition=Q(active=True) | Q(is_focal_point=False),
                                   name="participant_focal_point_active"),
            models.CheckConstraint(condition=Q(active=True) | Q(left_on__isnull=False),
                                   name="participant_withdrawn_has_date"),
        ]

    def __str__(self) -> str:
        return f"{self.name}{' (focal point)' if self.is_focal_point else ''}"
