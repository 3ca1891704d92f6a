"""Methodologies, their versions and content (eligibility criteria, parameters, formulas), public comments.

Data and constraints only; every write goes through methodologies.services. The cycle and its
allowed transitions are in methodologies.choices.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.constraints import choices_check

from .choices import MethodologyStatus, MonitoringOption, ParameterKind, VersionStatus

PROPOSED_NUMBER_RE = r"^[A-Z]{2}_PM[0-9]{3,4}$"
APPROVED_NUMBER_RE = r"^[A-Z]{2}_AM[0-9]{3,4}$"
VERSION_RE = r"^ver[0-9]{2}\.[0-9]$"
SYMBOL_RE = r"^[A-Za-z][A-Za-z0-9_]{0,39}$"
SYMBOL_MESSAGE = _("A symbol starts with a letter and has only letters, digits and _ (e.g. EF_grid).")

DECIMAL = {"max_digits": 30, "decimal_places": 12}




@dataclass(frozen=True)
class Deadline:
    """The time limit of the step a methodology is in."""

    step: str
    due: datetime.date
    closes_at: datetime.datetime | None = None  # public input closes at an instant, not a day

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.closes_at is not None:
            return now >= self.closes_at
        return timezone.localdate(now) > self.due

    def days_left(self, now: datetime.datetime | None = None) -> int:
        return (self.due - timezone.localdate(now or timezone.now())).days


class Methodology(models.Model):
    """A methodology proposed to (and perhaps approved by) one Joint Committee."""

    joint_committee = models.ForeignKey("committee.JointCommittee", on_delete=models.PROTECT,
                                        related_name="methodologies")
    proposed_number = models.CharField(_("proposed methodology number"), max_length=12, unique=True,
                                       help_text=_("e.g. MN_PM004"))
    approved_number = models.CharField(_("approved methodology number"), max_length=12, blank=True,
                                       help_text=_("e.g. MN_AM003, assigned at approval"))
    title = models.CharField(max_length=300)
    summary = models.TextField(help_text=_("Reduction measures, reference emissions, project emissions, "
                                           "monitoring parameters."))
    sectoral_scope = models.ForeignKey("committee.SectoralScope", on_delete=models.PROTECT,
                                       related_name="methodologies")
    proponent_organization = models.ForeignKey("committee.Organization", null=True, blank=True,
                                               on_delete=models.PROTECT, related_name="methodologies_proposed")
    proponent_name = models.CharField(_("proponent"), max_length=300, blank=True,
                                      help_text=_("As the proponent wishes to be named, e.g. a consortium."))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="methodologies_submitted")
    status = models.CharField(max_length=20, choices=MethodologyStatus.choices,
                              default=MethodologyStatus.SUBMITTED)
    status_reason = models.TextField(_("reason for the last return or rejection"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True,
                              help_text=_("Where a real fact comes from (reference data); empty for entries made here."))
    is_fictitious = models.BooleanField(_("fictitious (demo data)"), default=False)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completeness_due_on = models.DateField(null=True, blank=True)
    completeness_checked_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the proposal was first published for public input."))
    public_input_opens_at = models.DateTimeField(null=True, blank=True)
    public_input_closes_at = models.DateTimeField(null=True, blank=True)
    consideration_started_at = models.DateTimeField(null=True, blank=True)
    consideration_due_on = models.DateField(null=True, blank=True)
    consideration_extended_at = models.DateTimeField(null=True, blank=True)
    decided_on = models.DateField(_("date of the decision"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set by the deadline task when the current step ran over its time."))

    # Not stored: set on the instance for a page.
    can_resubmit: bool  # whether the user of the page may resubmit it (methodologies.views)

    class Meta:
        ordering = ["joint_committee", "proposed_number"]
        verbose_name_plural = "methodologies"
        constraints = [
            models.CheckConstraint(condition=choices_check("status", MethodologyStatus),
                                   name="methodology_status_valid"),
            models.CheckConstraint(condition=Q(proposed_number__regex=PROPOSED_NUMBER_RE),
                                   name="methodology_proposed_number_format"),
            models.CheckConstraint(condition=Q(approved_number="") | Q(approved_number__regex=APPROVED_NUMBER_RE),
                                   name="methodology_approved_number_format"),
            models.UniqueConstraint(fields=["approved_number"], condition=~Q(approved_number=""),
                                    name="methodology_approved_number_unique"),
            models.CheckConstraint(
                condition=~Q(status__in=[MethodologyStatus.APPROVED, MethodologyStatus.INACTIVE])
                | ~Q(approved_number=""),
                name="methodology_approved_has_number",
            ),
            models.CheckConstraint(
                condition=Q(public_input_closes_at__isnull=True) | Q(public_input_opens_at__isnull=True)
                | Q(public_input_closes_at__gt=F("public_input_opens_at")),
                name="methodology_public_input_ordered",
            ),
            models.CheckConstraint(condition=Q(proponent_organization__isnull=False) | ~Q(proponent_name="")
                                   | ~Q(source=""), name="methodology_has_proponent"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("methodologies:detail", args=[self.number])

    @property
    def number(self) -> str:
        """The approved number once there is one, else the proposed number."""
        return self.approved_number or self.proposed_number

    @property
    def proponent(self) -> str:
        if self.proponent_name:
            return self.proponent_name
        return str(self.proponent_organization or "")

    @property
    def is_open_for_comments(self) -> bool:
        return (self.status == MethodologyStatus.PUBLIC_INPUT and self.public_input_closes_at is not None
                and timezone.now() < self.public_input_closes_at)

    def deadline(self) -> Deadline | None:
        """The time limit of the current step (None when nothing is waiting)."""
        if self.status == MethodologyStatus.SUBMITTED and self.completeness_due_on:
            return Deadline(step=str(_("Completeness check")), due=self.completeness_due_on)
        if self.status == MethodologyStatus.PUBLIC_INPUT and self.public_input_closes_at:
            closes = self.public_input_closes_at
            return Deadline(step=str(_("Public input")), due=timezone.localdate(closes), closes_at=closes)
        if self.status == MethodologyStatus.CONSIDERATION and self.consideration_due_on:
            return Deadline(step=str(_("Consideration by the Joint Committee")), due=self.consideration_due_on)
        return None

    @property
    def is_overdue(self) -> bool:
        deadline = self.deadline()
        return deadline is not None and deadline.is_overdue()


class MethodologyVersion(models.Model):
    """One version of a methodology: the proposal (a draft until approved), then each revision."""

    methodology = models.ForeignKey(Methodology, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=8, help_text=_("e.g. ver01.0"))
    status = models.CharField(max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    revises = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="revisions")
    document = models.FileField(_("methodology document"), upload_to="methodologies/documents/", blank=True)
    approval_decision = models.ForeignKey("committee.Decision", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="methodology_versions")
    approved_on = models.DateField(null=True, blank=True)
    valid_until = models.DateField(
        null=True, blank=True,
        help_text=_("A superseded version may still be used until this transition date."))
    inactive_since = models.DateField(null=True, blank=True)
    # a revision of an approved methodology (Approved Methodology Revision Request)
    revision_reason = models.TextField(blank=True)
    revision_request_url = models.URLField(_("revision request (link)"), blank=True)
    revision_request_file = models.FileField(_("revision request (file)"), upload_to="methodologies/revisions/",
                                             blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(null=True, blank=True)
    consideration_due_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    # Not stored: set on the instance for a page.
    can_approve: bool  # whether the user of the page may approve the revision (methodologies.views)
    can_reject: bool  # ... or reject it

    class Meta:
        ordering = ["methodology", "version"]
        constraints = [
            models.UniqueConstraint(fields=["methodology", "version"], name="methodology_version_unique"),
            models.CheckConstraint(condition=choices_check("status", VersionStatus),
                                   name="methodology_version_status_valid"),
            models.CheckConstraint(condition=Q(version__regex=VERSION_RE), name="methodology_version_format"),
            models.UniqueConstraint(fields=["methodology"], condition=Q(status=VersionStatus.VALID),
                                    name="methodology_one_valid_version"),
            models.UniqueConstraint(fields=["methodology"], condition=Q(status=VersionStatus.DRAFT),
                                    name="methodology_one_draft_version"),
            models.CheckConstraint(
                condition=~Q(status__in=[VersionStatus.VALID, VersionStatus.SUPERSEDED])
                | Q(approval_decision__isnull=False) | Q(approved_on__isnull=False),
                name="methodology_version_approved_by_decision",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(approved_on__isnull=True)
                | Q(valid_until__gte=F("approved_on")),
                name="methodology_version_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.methodology.number} {self.version}"

    def get_absolute_url(self) -> str:
        return reverse("methodologies:version-detail", args=[self.methodology.number, self.version])

    @property
    def code(self) -> str:
        return f"{self.methodology.number} ({self.version})"

    def is_usable_on(self, day: datetime.date | None = None) -> bool:
        """Whether a project may apply this version on ``day``: valid, or superseded within its transition."""
        day = day or timezone.localdate()
        if self.status == VersionStatus.VALID:
            return True
        return self.status == VersionStatus.SUPERSEDED and self.valid_until is not None and day <= self.valid_until

    @property
    def is_overdue(self) -> bool:
        return (self.status == VersionStatus.DRAFT and self.consideration_due_on is not None
                and timezone.localdate() > self.consideration_due_on)


class EligibilityCriterion(models.Model):
    """A statement a project must meet (answered yes/no with a justification in the PDD)."""

    version = models.ForeignKey(MethodologyVersion, on_delete=models.CASCADE, related_name="criteria")
    number = models.PositiveSmallIntegerField()
    statement = models.TextField()

    class Meta:
        ordering = ["version", "number"]
        verbose_name_plural = "eligibility criteria"
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="criterion_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="criterion_number_positive"),
        ]

    def __str__(self) -> str:
        return f"Criterion {self.number}"


class Parameter(models.Model):
    """An input of the calculation: a fixed default, an ex-ante value set in the PDD, or a monitored value."""

    version = models.ForeignKey(MethodologyVersion, on_delete=models.CASCADE, related_name="parameters")
    order = models.PositiveSmallIntegerField(default=0)
    symbol = models.CharField(max_length=40)
    description = models.CharField(max_length=500)
    unit = models.CharField(max_length=40, blank=True, help_text=_("Empty for a dimensionless number."))
    kind = models.CharField(max_length=10, choices=ParameterKind.choices)
    per_site = models.BooleanField(_("given per site or unit of equipment"), default=False)
    min_value = models.DecimalField(_("lowest allowed value"), null=True, blank=True, **DECIMAL)
    max_value = models.DecimalField(_("highest allowed value"), null=True, blank=True, **DECIMAL)
    default_value = models.DecimalField(null=True, blank=True, **DECIMAL)
    source = models.CharField(_("source of data"), max_length=500, blank=True)
    monitoring_option = models.CharField(max_length=1, choices=MonitoringOption.choices, blank=True)
    measurement_method = models.TextField(blank=True)
    frequency = models.CharField(_("monitoring frequency"), max_length=200, blank=True)

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "symbol"], name="parameter_symbol_unique"),
            models.CheckConstraint(condition=Q(symbol__regex=SYMBOL_RE), name="parameter_symbol_format",
                                   violation_error_message=SYMBOL_MESSAGE),
            models.CheckConstraint(condition=choices_check("kind", ParameterKind), name="parameter_kind_valid"),
            models.CheckConstraint(condition=Q(monitoring_option="") | choices_check("monitoring_option",
                                                                                    MonitoringOption),
                                   name="parameter_monitoring_option_valid"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(min_value__lte=F("max_value")),
                name="parameter_min_not_above_max",
                violation_error_message=_("The lowest allowed value is above the highest."),
            ),
            models.CheckConstraint(condition=~Q(kind=ParameterKind.DEFAULT) | Q(default_value__isnull=False),
                                   name="parameter_default_has_value",
                                   violation_error_message=_("A fixed default parameter needs its default value.")),
            models.CheckConstraint(
                condition=Q(default_value__isnull=True)
                | ((Q(min_value__isnull=True) | Q(default_value__gte=F("min_value")))
                   & (Q(max_value__isnull=True) | Q(default_value__lte=F("max_value")))),
                name="parameter_default_in_range",
                violation_error_message=_("The default value is outside the allowed range."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.symbol} [{self.unit}]"


class Formula(models.Model):
    """One line of the calculation: ``symbol = expression``. RE, PE and ER must be defined."""

    version = models.ForeignKey(MethodologyVersion, on_delete=models.CASCADE, related_name="formulas")
    order = models.PositiveSmallIntegerField(default=0)
    symbol = models.CharField(max_length=40)
    expression = models.TextField()
    description = models.CharField(max_length=500, blank=True)
    unit = models.CharField(max_length=40, default="tCO2e", blank=True)
    per_site = models.BooleanField(_("evaluated per site"), default=False)

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "symbol"], name="formula_symbol_unique"),
            models.CheckConstraint(condition=Q(symbol__regex=SYMBOL_RE), name="formula_symbol_format",
                                   violation_error_message=SYMBOL_MESSAGE),
        ]

    def __str__(self) -> str:
        return f"{self.symbol} = {self.expression}"


class PublicComment(models.Model):
    """A comment received during the public input period. Published; the e-mail address never is."""

    methodology = models.ForeignKey(Methodology, on_delete=models.PROTECT, related_name="comments")
    version = models.ForeignKey(MethodologyVersion, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="comments")
    name = models.CharField(max_length=200)
    organization = models.CharField(max_length=200, blank=True)
    email = models.EmailField(help_text=_("Not published."))
    text = models.TextField()
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published = models.BooleanField(default=True)
    unpublished_reason = models.TextField(blank=True)

    # Not stored: set on the instance for a page.
    can_unpublish: bool  # whether the user of the page may unpublish it (methodologies.views)

    class Meta:
        ordering = ["methodology", "submitted_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="comment_has_text",
                                   violation_error_message=_("Write your comment.")),
            models.CheckConstraint(condition=Q(published=True) | ~Q(unpublished_reason=""),
                                   name="comment_unpublished_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Comment by {self.name} on {self.methodology.proposed_number}"
