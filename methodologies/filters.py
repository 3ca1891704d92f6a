"""One FilterSet for the public methodology list: the API and the HTML page use the same one."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from committee.models import Country, SectoralScope

from .choices import MethodologyStatus, VersionStatus
from .models import Methodology, MethodologyVersion, PublicComment


class MethodologyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    country = django_filters.ModelChoiceFilter(
        field_name="joint_committee__partner", to_field_name="code", label=_("Country"),
        queryset=Country.objects.filter(is_japan=False, joint_committee__isnull=False))
    scope = django_filters.ModelChoiceFilter(field_name="sectoral_scope", to_field_name="number",
                                             queryset=SectoralScope.objects.all(), label=_("Sectoral scope"))
    status = django_filters.ChoiceFilter(choices=MethodologyStatus.choices, label=_("Status"))

    class Meta:
        model = Methodology
        fields = ["q", "country", "scope", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value) | Q(summary__icontains=value) | Q(proposed_number__icontains=value)
            | Q(approved_number__icontains=value) | Q(proponent_name__icontains=value)
            | Q(proponent_organization__name__icontains=value)
        )


class VersionFilter(django_filters.FilterSet):
    methodology = django_filters.CharFilter(method="by_number", label=_("Methodology number"))
    status = django_filters.ChoiceFilter(choices=VersionStatus.choices, label=_("Status"))

    class Meta:
        model = MethodologyVersion
        fields = ["methodology", "status"]

    def by_number(self, queryset, name, value):
        value = value.strip().upper()
        return queryset.filter(Q(methodology__approved_number=value) | Q(methodology__proposed_number=value))


class CommentFilter(django_filters.FilterSet):
    methodology = django_filters.CharFilter(method="by_number", label=_("Methodology number"))

    class Meta:
        model = PublicComment
        fields = ["methodology", "published"]

    def by_number(self, queryset, name, value):
        value = value.strip().upper()
        return queryset.filter(Q(methodology__approved_number=value) | Q(methodology__proposed_number=value))
