"""Post-registration changes and renewals of the crediting period."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.constraints import choices_check

from ..choices import (
    ChangeRequestKind,
    ChangeRequestStatus,
)
from .project import Project


class ChangeRequest(models.Model):
    """A post-registration change or a crediting-period renewal, decided by the Joint Committee."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="change_requests")
    kind = models.CharField(max_length=30, choices=ChangeRequestKind.choices)
    status = models.CharField(max_length=12, choices=ChangeRequestStatus.choices,
                              default=ChangeRequestStatus.REQUESTED)
    description = models.TextField()
    changes = models.JSONField(default=dict, blank=True, help_text=_("Project fields to change, when approved."))
    new_crediting_end = models.DateField(null=True, blank=True)
    previous_crediting_end = models.DateField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(null=True, blank=True)
    decision = models.ForeignKey("committee.Decision", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="project_change_requests")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=choices_check("kind", ChangeRequestKind), name="change_kind_valid"),
            models.CheckConstraint(condition=choices_check("status", ChangeRequestStatus),
                                   name="change_status_valid"),
            models.CheckConstraint(condition=~Q(kind=ChangeRequestKind.RENEWAL) | Q(new_crediting_end__isnull=False),
                                   name="change_renewal_has_end"),
            models.UniqueConstraint(fields=["project", "kind"], condition=Q(status=ChangeRequestStatus.REQUESTED),
                                    name="change_one_open_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.project.project_id} ({self.get_status_display()})"
