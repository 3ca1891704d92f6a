"""The forms of the current rule set that had no workflow object before: Project Idea Note (PIN), Assessment
of Reference Emissions (ARE), Project Implementation Report (PIR), and the sustainable-development
contribution plan and report of the Japan–Mongolia Joint Committee. Their kinds, statuses, transitions and
deadlines (the choices where the rules are silent are in docs/decisions.md, "Project forms")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectFormKind(models.TextChoices):
    PIN = "pin", _("Project Idea Note")
    ARE = "are", _("Assessment of Reference Emissions")
    PIR = "pir", _("Project Implementation Report")
    SD_PLAN = "sd_plan", _("Sustainable development contribution plan")
    SD_REPORT = "sd_report", _("Sustainable development contribution report")


class ProjectFormStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned with comments")
    ACCEPTED = "accepted", _("Accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


PROJECT_FORM_TRANSITIONS: dict[str, set[str]] = {
    ProjectFormStatus.SUBMITTED: {ProjectFormStatus.ACCEPTED, ProjectFormStatus.RETURNED,
                                  ProjectFormStatus.WITHDRAWN},
    ProjectFormStatus.RETURNED: {ProjectFormStatus.SUBMITTED, ProjectFormStatus.WITHDRAWN},
    ProjectFormStatus.ACCEPTED: set(),
    ProjectFormStatus.WITHDRAWN: set(),
}
PENDING_FORM_STATUSES = frozenset({ProjectFormStatus.SUBMITTED, ProjectFormStatus.RETURNED})

# Kinds covering a period (from, to), kinds reviewed by the partner country's side of the secretariat.
PERIOD_FORM_KINDS = frozenset({ProjectFormKind.PIR, ProjectFormKind.SD_REPORT})
SD_FORM_KINDS = frozenset({ProjectFormKind.SD_PLAN, ProjectFormKind.SD_REPORT})

# The rules give no review deadline for these forms: days from submission, per kind (settings override:
# JCM_PROJECT_FORM_REVIEW_DAYS = {"pin": 30, ...}).
DEFAULT_PROJECT_FORM_REVIEW_DAYS: dict[str, int] = {
    ProjectFormKind.PIN: 30, ProjectFormKind.ARE: 30, ProjectFormKind.PIR: 30,
    ProjectFormKind.SD_PLAN: 30, ProjectFormKind.SD_REPORT: 30,
}
# The partner countries whose Joint Committee uses the sustainable-development contribution plan and report
# (settings override: JCM_SD_FORM_COUNTRIES). Sources: the Mongolian forms list (jcm-domain.md).
DEFAULT_SD_FORM_COUNTRIES = ("MN",)


def review_days(kind: str) -> int:
    configured = getattr(settings, "JCM_PROJECT_FORM_REVIEW_DAYS", None) or {}
    return int(configured.get(kind) or DEFAULT_PROJECT_FORM_REVIEW_DAYS[kind])


def sd_form_countries() -> tuple[str, ...]:
    return tuple(getattr(settings, "JCM_SD_FORM_COUNTRIES", None) or DEFAULT_SD_FORM_COUNTRIES)
