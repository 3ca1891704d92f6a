"""FilterSets of the projects app: one per list, shared by the REST API and the browser's list pages.

They only narrow a queryset that a selector already scoped to the user; they never widen it.
``country`` is the partner country's ISO code (``?country=MN``), ``scope`` a sectoral scope number,
``methodology`` an approved or proposed methodology number (``MN_AM003``).
"""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet

from .choices import ChangeRequestKind, ChangeRequestStatus, IssuanceStatus, MonitoringStatus, ProjectStatus
from .models import ChangeRequest, IssuanceRequest, MonitoringPeriod, Project


class ProjectFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search (ID, title, participant, site)")
    country = filters.CharFilter(field_name="joint_committee__partner__code", lookup_expr="iexact",
                                 label="Partner country (ISO code, e.g. MN)")
    scope = filters.NumberFilter(field_name="sectoral_scope__number", label="Sectoral scope (number)")
    status = filters.MultipleChoiceFilter(choices=ProjectStatus.choices)
    methodology = filters.CharFilter(method="by_methodology", label="Methodology number (e.g. MN_AM003)")
    registered = filters.DateFromToRangeFilter(field_name="registered_on", label="Registered between")

    class Meta:
        model = Project
        fields = ["q", "country", "scope", "status", "methodology", "registered"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return queryset
        matches = Project.objects.filter(
            Q(project_id__iexact=value) | Q(title__icontains=value) | Q(description__icontains=value)
            | Q(participants__name__icontains=value) | Q(participants__organization__name__icontains=value)
            | Q(sites__name__icontains=value)).values("pk")
        return queryset.filter(pk__in=matches)

    def by_methodology(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip().upper()
        if not value:
            return queryset
        matches = Project.objects.filter(
            Q(methodology_versions__methodology__approved_number=value)
            | Q(methodology_versions__methodology__proposed_number=value)).values("pk")
        return queryset.filter(pk__in=matches)


class MonitoringPeriodFilter(filters.FilterSet):
    project = filters.CharFilter(field_name="project__project_id", lookup_expr="iexact", label="Project ID")
    country = filters.CharFilter(field_name="project__joint_committee__partner__code", lookup_expr="iexact")
    status = filters.MultipleChoiceFilter(choices=MonitoringStatus.choices)

    class Meta:
        model = MonitoringPeriod
        fields = ["project", "country", "status"]


class IssuanceRequestFilter(filters.FilterSet):
    project = filters.CharFilter(field_name="project__project_id", lookup_expr="iexact", label="Project ID")
    country = filters.CharFilter(field_name="project__joint_committee__partner__code", lookup_expr="iexact")
    status = filters.MultipleChoiceFilter(choices=IssuanceStatus.choices)
    decided = filters.DateFromToRangeFilter(field_name="decision__decided_on", label="Decided between")

    class Meta:
        model = IssuanceRequest
        fields = ["project", "country", "status", "decided"]


class ChangeRequestFilter(filters.FilterSet):
    project = filters.CharFilter(field_name="project__project_id", lookup_expr="iexact", label="Project ID")
    kind = filters.ChoiceFilter(choices=ChangeRequestKind.choices)
    status = filters.MultipleChoiceFilter(choices=ChangeRequestStatus.choices)

    class Meta:
        model = ChangeRequest
        fields = ["project", "kind", "status"]
