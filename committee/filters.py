"""FilterSets of the committee app: one per list, shared by the REST API and the browser's list pages.

They only narrow a queryset that a selector already scoped to the user; they never widen it.
A Joint Committee is named by its partner country's ISO code (``?joint_committee=MN``); date
ranges use ``<field>_after`` / ``<field>_before`` (inclusive, ``YYYY-MM-DD``).
"""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from .choices import (
    DecisionKind,
    DecisionMode,
    MemberRole,
    OrganizationKind,
    PublicationStatus,
    RuleKind,
    RuleStatus,
    Side,
    TPEStatus,
)
from .models import (
    CommitteeMember,
    Country,
    Decision,
    JointCommittee,
    Meeting,
    Organization,
    RuleDocument,
    SectoralScope,
    ThirdPartyEntity,
)


def committee_code_filter(field_name: str = "joint_committee__partner__code") -> filters.CharFilter:
    return filters.CharFilter(field_name=field_name, lookup_expr="iexact",
                              label="Joint Committee (partner country ISO code, e.g. MN)")


class CountryFilter(filters.FilterSet):
    code = filters.CharFilter(lookup_expr="iexact", label="ISO code")
    has_joint_committee = filters.BooleanFilter(field_name="joint_committee", lookup_expr="isnull", exclude=True,
                                                label="Has a Joint Committee")
    signed = filters.DateFromToRangeFilter(field_name="bilateral_documents__signed_on", distinct=True,
                                           label="Bilateral document signed between")

    class Meta:
        model = Country
        fields = ["code", "is_japan", "has_joint_committee", "signed"]


class JointCommitteeFilter(filters.FilterSet):
    code = committee_code_filter("partner__code")
    established = filters.DateFromToRangeFilter(field_name="established_on")

    class Meta:
        model = JointCommittee
        fields = ["code", "established"]


class CommitteeMemberFilter(filters.FilterSet):
    joint_committee = committee_code_filter()
    side = filters.ChoiceFilter(choices=Side.choices)
    role = filters.ChoiceFilter(choices=MemberRole.choices)
    organization = filters.ModelChoiceFilter(queryset=Organization.objects.all())
    active = filters.BooleanFilter(method="filter_active", label="Serving today")
    start_date = filters.DateFromToRangeFilter()

    class Meta:
        model = CommitteeMember
        fields = ["joint_committee", "side", "role", "organization", "active", "start_date"]

    def filter_active(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        serving = Q(start_date__lte=timezone.localdate()) & (
            Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate()))
        return queryset.filter(serving) if value else queryset.exclude(serving)


class MeetingFilter(filters.FilterSet):
    joint_committee = committee_code_filter()
    status = filters.ChoiceFilter(choices=PublicationStatus.choices)
    date = filters.DateFromToRangeFilter()
    is_online = filters.BooleanFilter()
    city = filters.CharFilter(lookup_expr="icontains")
    attendee = filters.ModelChoiceFilter(field_name="attendees", queryset=Organization.objects.all(),
                                         label="Attended by (organization id)")

    class Meta:
        model = Meeting
        fields = ["joint_committee", "status", "date", "is_online", "city", "attendee", "number"]


class DecisionFilter(filters.FilterSet):
    joint_committee = committee_code_filter()
    kind = filters.ChoiceFilter(choices=DecisionKind.choices)
    mode = filters.ChoiceFilter(choices=DecisionMode.choices)
    status = filters.ChoiceFilter(choices=PublicationStatus.choices)
    decided_on = filters.DateFromToRangeFilter()
    reference = filters.CharFilter(lookup_expr="iexact")
    meeting = filters.NumberFilter(field_name="meeting_id", label="Meeting (id)")

    class Meta:
        model = Decision
        fields = ["joint_committee", "kind", "mode", "status", "decided_on", "reference", "meeting"]


class RuleDocumentFilter(filters.FilterSet):
    joint_committee = committee_code_filter()
    kind = filters.ChoiceFilter(choices=RuleKind.choices)
    status = filters.ChoiceFilter(choices=RuleStatus.choices)
    series = filters.CharFilter(lookup_expr="iexact")
    effective_date = filters.DateFromToRangeFilter()

    class Meta:
        model = RuleDocument
        fields = ["joint_committee", "kind", "status", "series", "effective_date"]


class ThirdPartyEntityFilter(filters.FilterSet):
    joint_committee = committee_code_filter()
    status = filters.ChoiceFilter(choices=TPEStatus.choices)
    organization = filters.ModelChoiceFilter(queryset=Organization.objects.all())
    scope = filters.NumberFilter(method="filter_scope", label="Sectoral scope (validation or verification)")
    scope_validation = filters.NumberFilter(field_name="scopes_validation__number", distinct=True,
                                            label="Sectoral scope for validation")
    scope_verification = filters.NumberFilter(field_name="scopes_verification__number", distinct=True,
                                              label="Sectoral scope for verification")
    designated_on = filters.DateFromToRangeFilter()

    class Meta:
        model = ThirdPartyEntity
        fields = ["joint_committee", "status", "organization", "scope", "scope_validation", "scope_verification",
                  "designated_on"]

    def filter_scope(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return queryset
        by_scope = Q(scopes_validation__number=value) | Q(scopes_verification__number=value)
        return queryset.filter(pk__in=ThirdPartyEntity.objects.filter(by_scope).values("pk"))


class OrganizationFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=OrganizationKind.choices)
    country = filters.CharFilter(field_name="country__code", lookup_expr="iexact", label="Country (ISO code)")

    class Meta:
        model = Organization
        fields = ["kind", "country"]


class SectoralScopeFilter(filters.FilterSet):
    class Meta:
        model = SectoralScope
        fields = ["number"]
