"""Partner countries, Joint Committees and what they adopt, TPEs, organizations and people.

Data and constraints only; every write goes through committee.services.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import BigIntegerRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from core.constraints import choices_check

from .choices import (
    DecisionKind,
    DecisionMode,
    MemberRole,
    OrganizationKind,
    PublicationStatus,
    Role,
    RuleKind,
    RuleStatus,
    Side,
    TPEFunction,
    TPEStatus,
)


class Country(models.Model):
    """Japan or a partner country of the JCM."""

    code = models.CharField(_("ISO 3166-1 alpha-2 code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_ja = models.CharField(_("name in Japanese"), max_length=100, blank=True)
    name_local = models.CharField(_("name in the local language"), max_length=100, blank=True)
    is_japan = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2}$"), name="country_code_iso2"),
            models.UniqueConstraint(fields=["is_japan"], condition=Q(is_japan=True), name="country_one_japan"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("committee:country-detail", args=[self.code])


class BilateralDocument(models.Model):
    """The document by which Japan and a partner country established the JCM."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="bilateral_documents")
    title = models.CharField(max_length=300)
    signed_on = models.DateField()
    place = models.CharField(max_length=100, blank=True)
    japan_signatory = models.CharField(max_length=200, blank=True)
    japan_signatory_title = models.CharField(max_length=300, blank=True)
    partner_signatory = models.CharField(max_length=200, blank=True)
    partner_signatory_title = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to="committee/bilateral/", blank=True)

    class Meta:
        ordering = ["country", "signed_on"]
        constraints = [models.UniqueConstraint(fields=["country", "signed_on", "title"], name="bilateral_unique")]

    def __str__(self) -> str:
        return f"{self.title} ({self.signed_on:%Y-%m-%d})"


class SectoralScope(models.Model):
    """The 15 JCM sectoral scopes (reference data)."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=150)
    name_ja = models.CharField(max_length=150, blank=True)
    name_mn = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.CheckConstraint(condition=Q(number__gte=1) & Q(number__lte=99), name="scope_number_range")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class CountryScopeLabel(models.Model):
    """A partner country's own label for a scope (e.g. Indonesia lists 14 as REDD-plus)."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="scope_labels")
    scope = models.ForeignKey(SectoralScope, on_delete=models.CASCADE, related_name="country_labels")
    label = models.CharField(max_length=150)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["country", "scope"], name="scope_label_unique")]

    def __str__(self) -> str:
        return f"{self.country.code} {self.scope.number}: {self.label}"


class Organization(models.Model):
    name = models.CharField(max_length=200)
    name_ja = models.CharField(max_length=200, blank=True)
    short_name = models.CharField(max_length=30, blank=True)
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    country = models.ForeignKey(Country, null=True, blank=True, on_delete=models.PROTECT, related_name="organizations")
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    address = models.TextField(blank=True)
    is_fictitious = models.BooleanField(_("fictitious (demo data)"), default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="organization_unique_name"),
            models.CheckConstraint(condition=choices_check("kind", OrganizationKind), name="organization_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("committee:organization-detail", args=[self.pk])

    def _name_row_on(self, on_date: datetime.date | None) -> OrganizationName | None:
        """The recorded name in force on ``on_date`` (see :meth:`name_on`), or None."""
        if on_date is None:
            return None
        best, best_key = None, None
        for row in self.name_history.all():
            if (row.valid_from and row.valid_from > on_date) or (row.valid_until and row.valid_until < on_date):
                continue
            known = [d for d in (row.valid_from, row.attested_on) if d and d <= on_date]
            if known:
                key = max(known)
            elif row.valid_until is not None:  # bounded above only: in force up to then
                key = datetime.date.min
            else:
                continue
            if best_key is None or key > best_key:
                best, best_key = row, key
        return best

    def name_on(self, on_date: datetime.date | None) -> str:
        """The name in force on ``on_date``: of the recorded names whose known dates allow it, the one most
        recently known to be in force (from its ``valid_from`` or the date a source shows it in use); the
        current name when none is recorded for that date."""
        row = self._name_row_on(on_date)
        return row.name if row else self.name

    def name_ja_on(self, on_date: datetime.date | None) -> str:
        row = self._name_row_on(on_date)
        if row is None:
            return self.name_ja
        return row.name_ja


class OrganizationName(models.Model):
    """A name an organization had, with the dates it was in force (blank where no source gives them) and
    the source that shows it. Organization.name stays the current name."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="name_history")
    name = models.CharField(_("name"), max_length=200)
    name_ja = models.CharField(_("name in Japanese"), max_length=200, blank=True)
    valid_from = models.DateField(_("in force from"), null=True, blank=True)
    valid_until = models.DateField(_("in force until"), null=True, blank=True)
    attested_on = models.DateField(_("shown in use on"), null=True, blank=True,
                                   help_text=_("A date on which the source shows the name in use."))
    source = models.CharField(_("source"), max_length=500)

    class Meta:
        ordering = ["organization", "attested_on", "valid_from", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_from__isnull=True)
                                   | Q(valid_until__gte=F("valid_from")), name="organization_name_dates_ordered"),
            models.CheckConstraint(condition=~Q(source=""), name="organization_name_has_source"),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in (browser) or a ministry's API client (token)."""

    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="users")
    language = models.CharField(_("preferred language"), max_length=8, default="en",
                                choices=[("en", "English"), ("ja", "日本語"), ("mn", "Монгол")])

    _jcm_roles: list[RoleAssignment]  # the roles valid today, cached for the request by committee.roles

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class JointCommittee(models.Model):
    """The Joint Committee of Japan and one partner country."""

    partner = models.OneToOneField(Country, on_delete=models.PROTECT, related_name="joint_committee")
    name = models.CharField(max_length=200)
    established_on = models.DateField(null=True, blank=True)
    # Time limits of the cycles (days). The methodology limits are from the Project Cycle Procedure;
    # the PDD public-input length was not found for the JCM, 30 days is the CDM/JI norm.
    methodology_completeness_days = models.PositiveSmallIntegerField(
        _("methodology completeness check (days)"), default=7)
    methodology_public_input_days = models.PositiveSmallIntegerField(
        _("methodology public input (days)"), default=15)
    methodology_consideration_days = models.PositiveSmallIntegerField(
        _("methodology consideration by the Joint Committee (days)"), default=60)
    methodology_consideration_max_days = models.PositiveSmallIntegerField(
        _("methodology consideration, extended (days)"), default=90)
    pdd_public_input_days = models.PositiveSmallIntegerField(_("PDD public input (days)"), default=30)

    class Meta:
        ordering = ["partner__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(methodology_consideration_max_days__gte=F("methodology_consideration_days")),
                name="jc_consideration_max_not_below_normal",
            ),
            models.CheckConstraint(
                condition=Q(methodology_completeness_days__gte=1) & Q(methodology_public_input_days__gte=1)
                & Q(methodology_consideration_days__gte=1) & Q(pdd_public_input_days__gte=1),
                name="jc_cycle_days_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The recorded (English) name; in Japanese, the committee named after the partner's Japanese name;
        in Mongolian, after Mongolia's own name (its name in the local language) or the recorded name of
        another partner."""
        language = get_language() or ""
        if language.startswith("ja"):
            return gettext("Japan–%(partner)s Joint Committee") % {"partner": self.partner.name_ja or self.partner.name}
        if language.startswith("mn"):
            own = self.partner.name_local if self.partner.code == "MN" else ""
            return gettext("Japan–%(partner)s Joint Committee") % {"partner": own or self.partner.name}
        return self.name

    @property
    def code(self) -> str:
        return self.partner.code

    def get_absolute_url(self) -> str:
        return reverse("committee:jc-detail", args=[self.partner.code])


class RoleAssignment(models.Model):
    """What a user may do, and where. Checked by services and selectors (committee.roles)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=30, choices=Role.choices)
    joint_committee = models.ForeignKey(JointCommittee, null=True, blank=True, on_delete=models.CASCADE,
                                        related_name="role_assignments")
    side = models.CharField(max_length=10, choices=Side.choices, blank=True)
    country = models.ForeignKey(Country, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="role_assignments",
                                help_text=_("Government served (registry administrator, ministry)."))
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="role_assignments",
                                     help_text=_("Company or TPE acted for (participant, TPE auditor)."))
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=choices_check("role", Role), name="role_valid"),
            models.CheckConstraint(
                condition=~Q(role=Role.SECRETARIAT) | (Q(joint_committee__isnull=False) & ~Q(side="")),
                name="role_secretariat_needs_committee_and_side",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.COMMITTEE_MEMBER) | Q(joint_committee__isnull=False),
                name="role_member_needs_committee",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=[Role.REGISTRY_ADMIN, Role.MINISTRY_API]) | Q(country__isnull=False),
                name="role_government_needs_country",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=[Role.PROJECT_PARTICIPANT, Role.TPE_AUDITOR]) | Q(organization__isnull=False),
                name="role_participant_needs_organization",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_from__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="role_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        where = self.joint_committee or self.country or self.organization or ""
        return f"{self.user}: {self.get_role_display()} {where}".strip()


# Rules of Procedures of the Japan–Mongolia Joint Committee (JCM_MN_RoP_JC_ver02.0): up to ten members per
# country, one co-chair per side, each side names a secretary.
MAX_MEMBERS_PER_SIDE = 10


class SeatDayRange(Func):
    """``int8range`` of a seat's days, offset by its committee and side: ``(committee * 2 + side) * 10^7 + day``.

    The embedded PostgreSQL has no btree_gist (no GiST ``=`` on bigint), so, as for monitoring periods
    (projects.models.common.ProjectDayRange), each committee side's days lie in their own stretch of one bigint
    line and a plain ``&&`` exclusion constraint refuses overlapping seats of the same side only. An open end
    runs to the end of the stretch. Day numbers count from 2000-01-01 (earlier dates stay within the stretch).
    """

    arity = 4
    output_field = BigIntegerRangeField()

    def as_sql(self, compiler, connection, **extra_context):
        jc, side, start, end = (compiler.compile(e) for e in self.get_source_expressions())
        key = f"((({jc[0]})::bigint * 2 + (CASE WHEN ({side[0]}) = 'partner' THEN 1 ELSE 0 END)) * 10000000 + 5000000)"
        sql = (f"int8range({key} + (({start[0]})::date - DATE '2000-01-01'), "
               f"{key} + COALESCE((({end[0]})::date - DATE '2000-01-01'), 4999999), '[]')")
        return sql, (*jc[1], *side[1], *start[1], *jc[1], *side[1], *end[1])


class CommitteeMember(models.Model):
    joint_committee = models.ForeignKey(JointCommittee, on_delete=models.CASCADE, related_name="members")
    side = models.CharField(max_length=10, choices=Side.choices)
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=300, blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="committee_seats")
    role = models.CharField(max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="committee_seats")

    # Not stored: set on the instance for a page.
    can_end: bool  # whether the user of the page may end the membership (committee.views)

    class Meta:
        ordering = ["side", "role", "name"]
        constraints = [
            models.CheckConstraint(condition=choices_check("side", Side), name="member_side_valid"),
            models.CheckConstraint(condition=choices_check("role", MemberRole), name="member_role_valid"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                                   name="member_dates_ordered"),
            ExclusionConstraint(
                name="member_one_co_chair_per_side",
                expressions=[(SeatDayRange("joint_committee_id", "side", "start_date", "end_date"),
                              RangeOperators.OVERLAPS)],
                condition=Q(role=MemberRole.CO_CHAIR),
                violation_error_message=_("Each side has one co-chair at any date."),
            ),
            ExclusionConstraint(
                name="member_one_secretary_per_side",
                expressions=[(SeatDayRange("joint_committee_id", "side", "start_date", "end_date"),
                              RangeOperators.OVERLAPS)],
                condition=Q(role=MemberRole.SECRETARY),
                violation_error_message=_("Each side names one secretary at any date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()}, {self.organization})"


class Meeting(models.Model):
    joint_committee = models.ForeignKey(JointCommittee, on_delete=models.CASCADE, related_name="meetings")
    number = models.PositiveIntegerField()
    date = models.DateField()
    city = models.CharField(max_length=100, blank=True)
    is_online = models.BooleanField(_("held online"), default=False)
    summary = models.TextField(blank=True)
    report = models.FileField(upload_to="committee/meetings/", blank=True)
    attendees = models.ManyToManyField(Organization, blank=True, related_name="meetings_attended")
    attendance_note = models.CharField(_("attendance note"), max_length=300, blank=True,
                                       help_text=_("As the source words it, e.g. “and others from each side”."))
    source = models.CharField(_("source"), max_length=500, blank=True,
                              help_text=_("Where a real fact comes from (reference data); empty for entries made here."))
    status = models.CharField(max_length=10, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)

    # Not stored: set on the instance for a page.
    display_title: str  # the translated “1st Joint Committee” title (committee.views)

    class Meta:
        ordering = ["joint_committee", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["joint_committee", "number"], name="meeting_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="meeting_number_positive"),
            models.CheckConstraint(condition=choices_check("status", PublicationStatus), name="meeting_status_valid"),
            models.CheckConstraint(condition=~Q(city="") | Q(is_online=True), name="meeting_has_place"),
        ]

    def __str__(self) -> str:
        return f"{ordinal(self.number)} Joint Committee {self.place}"

    @property
    def place(self) -> str:
        if self.city and self.is_online:
            return f"in {self.city} and online"
        return f"in {self.city}" if self.city else "online"

    def get_absolute_url(self) -> str:
        return reverse("committee:meeting-detail", args=[self.joint_committee.partner.code, self.number])


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class Decision(models.Model):
    joint_committee = models.ForeignKey(JointCommittee, on_delete=models.CASCADE, related_name="decisions")
    reference = models.CharField(max_length=50)
    decided_on = models.DateField()
    mode = models.CharField(max_length=12, choices=DecisionMode.choices)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=25, choices=DecisionKind.choices)
    title = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_label = models.CharField(_("object decided"), max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(_("source"), max_length=500, blank=True,
                              help_text=_("Where a real fact comes from (reference data); empty for entries made here."))

    class Meta:
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["joint_committee", "reference"], name="decision_reference_unique"),
            models.CheckConstraint(condition=choices_check("mode", DecisionMode), name="decision_mode_valid"),
            models.CheckConstraint(condition=choices_check("kind", DecisionKind), name="decision_kind_valid"),
            models.CheckConstraint(condition=choices_check("status", PublicationStatus), name="decision_status_valid"),
            models.CheckConstraint(
                condition=(Q(mode=DecisionMode.MEETING) & Q(meeting__isnull=False))
                | (Q(mode=DecisionMode.ELECTRONIC) & Q(meeting__isnull=True)),
                name="decision_meeting_matches_mode",
            ),
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="decision_subject_idx")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("committee:decision-detail", args=[self.joint_committee.partner.code, self.pk])


class RuleDocument(models.Model):
    """One version of a rule, guideline or form adopted by a Joint Committee."""

    joint_committee = models.ForeignKey(JointCommittee, on_delete=models.CASCADE, related_name="rule_documents")
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    series = models.CharField(max_length=80, help_text=_("Document code without the version, e.g. JCM_MN_RoI."))
    code = models.CharField(max_length=100, unique=True, help_text=_("e.g. JCM_MN_RoI_ver02.0"))
    title = models.CharField(max_length=300)
    version_major = models.PositiveSmallIntegerField()
    version_minor = models.PositiveSmallIntegerField(default=0)
    effective_date = models.DateField(null=True, blank=True, help_text=_("Empty where no source gives it."))
    file = models.FileField(upload_to="committee/rules/", blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True,
                              help_text=_("Where a real fact comes from (reference data); empty for entries made here."))
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    adopted_by = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="rule_documents")
    status = models.CharField(max_length=12, choices=RuleStatus.choices, default=RuleStatus.IN_FORCE)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joint_committee", "series", "-version_major", "-version_minor"]
        constraints = [
            models.CheckConstraint(condition=choices_check("kind", RuleKind), name="rule_kind_valid"),
            models.CheckConstraint(condition=choices_check("status", RuleStatus), name="rule_status_valid"),
            models.UniqueConstraint(fields=["series", "version_major", "version_minor"], name="rule_version_unique"),
            models.UniqueConstraint(fields=["series"], condition=Q(status=RuleStatus.IN_FORCE),
                                    name="rule_one_version_in_force"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def version(self) -> str:
        return f"{self.version_major:02d}.{self.version_minor}"

    def get_absolute_url(self) -> str:
        return reverse("committee:rule-detail", args=[self.joint_committee.partner.code, self.code])


class ThirdPartyEntity(models.Model):
    """A TPE designated by a Joint Committee to validate and verify JCM projects."""

    joint_committee = models.ForeignKey(JointCommittee, on_delete=models.PROTECT, related_name="tpes")
    tpe_id = models.CharField(_("TPE ID"), max_length=20, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="tpe_designations")
    status = models.CharField(max_length=12, choices=TPEStatus.choices, default=TPEStatus.DESIGNATED)
    designated_on = models.DateField()
    status_changed_on = models.DateField(null=True, blank=True)
    accreditation = models.CharField(max_length=300, blank=True,
                                     help_text=_("e.g. ISO 14065 accreditation by an IAF member body"))
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="tpes")
    scopes_validation = models.ManyToManyField(SectoralScope, blank=True, related_name="tpes_validation")
    scopes_verification = models.ManyToManyField(SectoralScope, blank=True, related_name="tpes_verification")
    source = models.CharField(_("source"), max_length=500, blank=True,
                              help_text=_("Where a real fact comes from (reference data); empty for entries made here."))
    note = models.CharField(_("note"), max_length=300, blank=True, help_text=_("e.g. “scopes reduced”, as the source says."))

    class Meta:
        ordering = ["tpe_id"]
        verbose_name = "third-party entity"
        verbose_name_plural = "third-party entities"
        constraints = [
            models.CheckConstraint(condition=choices_check("status", TPEStatus), name="tpe_status_valid"),
            models.CheckConstraint(condition=Q(tpe_id__regex=r"^TPE-[A-Z]{2}-[0-9]{3,4}$"), name="tpe_id_format"),
            models.UniqueConstraint(fields=["joint_committee", "organization"], name="tpe_one_per_committee"),
        ]

    def __str__(self) -> str:
        return f"{self.tpe_id} {self.organization.name}"

    @property
    def is_fictitious(self) -> bool:
        """A demo TPE: its organization is fictitious (its ID has four digits, never a real TPE's)."""
        return self.organization.is_fictitious

    def get_absolute_url(self) -> str:
        return reverse("committee:tpe-detail", args=[self.tpe_id])


class TPEStatusChange(models.Model):
    """History of a TPE's status: designation, suspension, reinstatement, withdrawal."""

    tpe = models.ForeignKey(ThirdPartyEntity, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=TPEStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=TPEStatus.choices)
    effective_on = models.DateField()
    reason = models.TextField(blank=True)
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tpe", "effective_on", "id"]

    def __str__(self) -> str:
        return f"{self.tpe.tpe_id}: {self.from_status or '-'} -> {self.to_status} on {self.effective_on}"


class TPEScopeValidity(models.Model):
    """The "until" date of a TPE's designation in one sectoral scope, for validation or for verification
    (jcm.go.jp TPE lists show one per scope). No row: the designation in that scope has no end date."""

    tpe = models.ForeignKey(ThirdPartyEntity, on_delete=models.CASCADE, related_name="scope_validity")
    scope = models.ForeignKey(SectoralScope, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=12, choices=TPEFunction.choices)
    valid_until = models.DateField(_("valid until"))
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["tpe", "purpose", "scope__number"]
        verbose_name = "TPE scope validity"
        verbose_name_plural = "TPE scope validities"
        constraints = [
            models.UniqueConstraint(fields=["tpe", "scope", "purpose"], name="tpe_scope_validity_unique"),
            models.CheckConstraint(condition=choices_check("purpose", TPEFunction), name="tpe_scope_purpose_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.tpe.tpe_id} {self.purpose} scope {self.scope.number} until {self.valid_until}"
