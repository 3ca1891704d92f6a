"""MoC statements (with their Annex 1 changes) and credit allocations."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.constraints import choices_check

from ..choices import (
    AllocationParty,
    AnnexChangeKind,
    ParticipantSide,
    RecordStatus,
    RegistrySide,
)
from .common import _sha256_check, upload_moc
from .project import Project


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
