"""JCM projects and their MRV: participants, MoC statements, credit allocations, PDDs, public comments,
validation, registration, post-registration changes, monitoring periods and reports, verification and
issuance requests.

Data and constraints only; every write goes through projects.services, every read through
projects.selectors. The allowed transitions are in projects.choices.
"""

from __future__ import annotations

import uuid
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import BigIntegerRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.constraints import choices_check

from .choices import (
    ACTIVE_ISSUANCE_STATUSES,
    AllocationParty,
    AnnexChangeKind,
    ChangeRequestKind,
    ChangeRequestStatus,
    Conclusion,
    EntryMethod,
    FindingKind,
    FindingStatus,
    IssuanceStatus,
    MonitoringStatus,
    ParticipantSide,
    PDDStatus,
    ProjectStatus,
    RecordStatus,
    RegistrySide,
    ReportStatus,
)

PROJECT_ID_RE = r"^[A-Z]{2}[0-9]{3,}$"
SHA256_RE = r"^[0-9a-f]{64}$"
RESULT_DECIMAL = {"max_digits": 60, "decimal_places": 12}




def _sha256_check(field: str, *, optional: bool = True) -> Q:
    check = Q(**{f"{field}__regex": SHA256_RE})
    return (Q(**{field: ""}) | check) if optional else check


class ProjectDayRange(Func):
    """``int8range`` of a monitoring period, offset by its project: ``project * 10^7 + day number``.

    PostgreSQL's GiST indexes have no ``=`` operator for bigint without the btree_gist extension, which
    the embedded server does not have. Placing each project's days in its own stretch of one bigint line
    lets a plain ``&&`` exclusion constraint refuse overlapping periods of the same project only. Day
    numbers count from 2000-01-01 and stay far below 10^7 (27,000 years), so stretches never meet.
    """

    arity = 3
    output_field = BigIntegerRangeField()

    def as_sql(self, compiler, connection, **extra_context):
        project, start, end = (compiler.compile(e) for e in self.get_source_expressions())
        key = f"({project[0]})::bigint * 10000000"
        sql = (f"int8range({key} + (({start[0]})::date - DATE '2000-01-01'), "
               f"{key} + (({end[0]})::date - DATE '2000-01-01'), '[]')")
        return sql, (*project[1], *start[1], *project[1], *end[1])


def _page(name: str, args: list, fallback: str) -> str:
    """The browser page of an object (the projects pages may be mounted later than the API)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def _upload_to(folder: str):
    """Files live under ``projects/<project ID>/<folder>/<random>/``: their URLs cannot be guessed, and
    every download goes through a view that checks who may read them."""

    def path(instance, filename: str) -> str:
        project = instance.project_for_files()
        return f"projects/{project.project_id}/{folder}/{uuid.uuid4().hex[:16]}/{filename}"

    path.__qualname__ = path.__name__ = f"upload_{folder}"
    return path


# Named functions so that migrations can reference them.
upload_pdd = _upload_to("pdd")
upload_moc = _upload_to("moc")
upload_validation = _upload_to("validation")
upload_monitoring = _upload_to("monitoring")
upload_evidence = _upload_to("evidence")
upload_verification = _upload_to("verification")


class StoredFileMixin(models.Model):
    """A file kept with its SHA-256, size and type (checked and computed by the service on upload)."""

    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    class Meta:
        abstract = True


# --- The project ---------------------------------------------------------------------------------

class Project(models.Model):
    """A JCM project of one Joint Committee, from its draft to registration (and withdrawal)."""

    project_id = models.CharField(_("project ID"), max_length=10, unique=True, editable=False,
                                  help_text=_("Partner country code and a number, e.g. MN001."))
    number = models.PositiveIntegerField(editable=False)
    joint_committee = models.ForeignKey("committee.JointCommittee", on_delete=models.PROTECT,
                                        related_name="projects")
    title = models.CharField(max_length=300)
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


# --- MoC statements and credit allocation ---------------------------------------------------------

class MoCStatement(models.Model):
    """A Modalities of Communication statement: valid until the focal point supersedes it with a new one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="moc_statements")
    version = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=RecordStatus.choices, default=RecordStatus.CURRENT)
    focal_point = models.ForeignKey("committee.Organization", on_delete=models.PROTECT, related_name="+")
    primary_signatory_name = models.CharField(_("primary authorized signatory"), max_length=200)
    primary_signatory_title = models.CharField(max_length=200, blank=True)
    primary_signatory_email = models.EmailField(blank=True)
    alternate_signatory_name = models.CharField(_("alternate authorized signatory"), max_length=200)
    alternate_signatory_title = models.CharField(max_length=200, blank=True)
    alternate_signatory_email = models.EmailField(blank=True)
    tpes = models.ManyToManyField("committee.ThirdPartyEntity", blank=True, related_name="+",
                                  verbose_name=_("TPEs"))
    participants = models.JSONField(default=list, blank=True,
                                    help_text=_("Other participants at signature: [{organization, name, side}]."))
    contacts = models.JSONField(default=list, blank=True,
                                help_text=_("Contact persons: [{name, organization, email, phone}]."))
    file = models.FileField(upload_to=upload_moc, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "-version"]
        verbose_name = "MoC statement"
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="moc_version_unique"),
            models.UniqueConstraint(fields=["project"], condition=Q(status=RecordStatus.CURRENT),
                                    name="moc_one_current"),
            models.CheckConstraint(condition=choices_check("status", RecordStatus), name="moc_status_valid"),
            models.CheckConstraint(condition=Q(version__gte=1), name="moc_version_positive"),
            models.CheckConstraint(condition=_sha256_check("sha256"), name="moc_sha256_format"),
        ]

    def __str__(self) -> str:
        return f"MoC statement {self.project.project_id} v{self.version}"

    def project_for_files(self) -> Project:
        return self.project


class MoCAnnexChange(models.Model):
    """An Annex 1 change to the current MoC statement: participant added, renamed or withdrawn, contacts."""

    statement = models.ForeignKey(MoCStatement, on_delete=models.PROTECT, related_name="annex_changes")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=25, choices=AnnexChangeKind.choices)
    organization = models.ForeignKey("committee.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    side = models.CharField(max_length=10, choices=ParticipantSide.choices, blank=True)
    new_name = models.CharField(max_length=200, blank=True)
    contacts = models.JSONField(default=list, blank=True)
    details = models.TextField(blank=True)
    effective_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["statement", "number"]
        verbose_name = "MoC Annex 1 change"
        constraints = [
            models.UniqueConstraint(fields=["statement", "number"], name="moc_annex_number_unique"),
            models.CheckConstraint(condition=choices_check("kind", AnnexChangeKind), name="moc_annex_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=AnnexChangeKind.CONTACT_CHANGE) | Q(organization__isnull=False),
                name="moc_annex_names_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"Annex 1 change {self.number} to {self.statement}: {self.get_kind_display()}"


class CreditAllocation(models.Model):
    """One version of the project's credit allocation: the percentage of each issuance per party.

    Shares are percentages with four decimals summing to exactly 100 (checked by the service).
    :meth:`split` turns an issued amount into whole credits per share by the largest-remainder rule.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="allocations")
    version = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=RecordStatus.choices, default=RecordStatus.CURRENT)
    note = models.TextField(blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="allocation_version_unique"),
            models.UniqueConstraint(fields=["project"], condition=Q(status=RecordStatus.CURRENT),
                                    name="allocation_one_current"),
            models.CheckConstraint(condition=choices_check("status", RecordStatus), name="allocation_status_valid"),
            models.CheckConstraint(condition=Q(version__gte=1), name="allocation_version_positive"),
        ]

    def __str__(self) -> str:
        return f"Credit allocation {self.project.project_id} v{self.version}"

    def split(self, amount: int) -> list[tuple[AllocationShare, int]]:
        """Whole credits per share for ``amount`` credits, summing exactly to ``amount``.

        Largest-remainder rule: every share first gets the floor of ``amount * percent / 100``; the
        credits left over go one each to the shares with the largest fractional remainders; equal
        remainders go to the share listed first (lowest ``position``).
        """
        return split_amount(list(self.shares.order_by("position", "pk")), amount)


def split_amount(shares: list, amount: int) -> list[tuple]:
    """The largest-remainder split of ``amount`` over ``shares`` (objects with ``percent``), in order."""
    if amount < 0:
        raise ValueError("The amount to split must not be negative.")
    exact = [Decimal(amount) * share.percent / 100 for share in shares]
    floors = [int(value.to_integral_value(rounding=ROUND_FLOOR)) for value in exact]
    left = amount - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return list(zip(shares, floors, strict=True))


class AllocationShare(models.Model):
    allocation = models.ForeignKey(CreditAllocation, on_delete=models.CASCADE, related_name="shares")
    position = models.PositiveSmallIntegerField()
    party = models.CharField(max_length=20, choices=AllocationParty.choices)
    organization = models.ForeignKey("committee.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", help_text=_("The participant, for a participant's share."))
    registry = models.CharField(_("registry"), max_length=10, choices=RegistrySide.choices,
                                help_text=_("Which government's registry the share is issued into."))
    percent = models.DecimalField(max_digits=7, decimal_places=4)

    class Meta:
        ordering = ["allocation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "position"], name="share_position_unique"),
            models.CheckConstraint(condition=Q(percent__gt=0) & Q(percent__lte=100), name="share_percent_range"),
            models.CheckConstraint(condition=choices_check("party", AllocationParty), name="share_party_valid"),
            models.CheckConstraint(condition=choices_check("registry", RegistrySide), name="share_registry_valid"),
            models.CheckConstraint(
                condition=(Q(party=AllocationParty.PARTICIPANT) & Q(organization__isnull=False))
                | (~Q(party=AllocationParty.PARTICIPANT) & Q(organization__isnull=True)),
                name="share_participant_has_organization",
            ),
            models.CheckConstraint(
                condition=~Q(party=AllocationParty.JAPAN_GOVERNMENT) | Q(registry=RegistrySide.JAPAN),
                name="share_japan_government_in_japan_registry",
            ),
            models.CheckConstraint(
                condition=~Q(party=AllocationParty.PARTNER_GOVERNMENT) | Q(registry=RegistrySide.PARTNER),
                name="share_partner_government_in_partner_registry",
            ),
        ]

    def __str__(self) -> str:
        who = self.organization if self.organization_id else self.get_party_display()
        return f"{who}: {self.percent}% ({self.get_registry_display()})"


# --- PDD, public comments, validation ------------------------------------------------------------

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


# --- Monitoring, verification, issuance ----------------------------------------------------------

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


class MonitoringReport(models.Model):
    """The monitored values of one period. On submission the engine computes the reductions and their
    trace, and the report is frozen: values, results, trace and the methodology version stay as computed."""

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
