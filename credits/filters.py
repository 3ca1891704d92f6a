"""FilterSets of the registry: one per list, shared by the REST API and the browser's list pages.

They only narrow a queryset that a selector already scoped to the user; they never widen it.
Registries are named by their country's ISO code (``?registry=MN``), projects by project ID
(``?project=MN001``), accounts by account number (``?account=JP-200-000001``). A serial number
is written as printed (``JP-MN001-01-2015-000000000007``, or a whole block's range) or as a bare
number (``7``); a malformed one makes the filter invalid (400 in the API, a form error in a page).
"""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError

from . import selectors
from .choices import (
    AccountStatus,
    AccountType,
    Authorization,
    BlockStatus,
    TransactionKind,
    TransactionStatus,
)
from .models import Account, CreditBlock, CreditTransaction, Issuance
from .serials import parse


class SerialFormField(forms.CharField):
    """A printed serial number, range or bare number; cleaned to the normalized text."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            parse(value)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code="invalid") from exc
        return value.strip().upper()


class SerialFilter(filters.CharFilter):
    field_class = SerialFormField


def _registry_code(field_name: str) -> filters.CharFilter:
    return filters.CharFilter(field_name=field_name, lookup_expr="iexact",
                              label=_("Registry (country ISO code, e.g. JP)"))


class AccountFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search (number, name, holder)"))
    registry = _registry_code("registry__country__code")
    type = filters.MultipleChoiceFilter(choices=AccountType.choices)
    status = filters.MultipleChoiceFilter(choices=AccountStatus.choices)
    holder = filters.NumberFilter(field_name="holder_id", label=_("Holder organization (id)"))

    class Meta:
        model = Account
        fields = ["q", "registry", "type", "status", "holder"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__iexact=value) | Q(name__icontains=value) | Q(holder__name__icontains=value))


class BlockFilter(filters.FilterSet):
    serial = SerialFilter(method="by_serial", label=_("Serial number (any unit), e.g. JP-MN001-01-2015-000000000007"))
    project = filters.CharFilter(field_name="project_code", lookup_expr="iexact", label=_("Project ID"))
    vintage = filters.NumberFilter()
    period = filters.NumberFilter(field_name="monitoring_period_number", label=_("Monitoring period number"))
    account_type = filters.MultipleChoiceFilter(field_name="account__type", choices=AccountType.choices)
    registry = _registry_code("account__registry__country__code")
    issuing_registry = _registry_code("issuing_registry__country__code")
    status = filters.MultipleChoiceFilter(choices=BlockStatus.choices)
    authorization = filters.MultipleChoiceFilter(choices=Authorization.choices)
    issuance = filters.NumberFilter(field_name="issuance_id", label=_("Issuance (id)"))

    class Meta:
        model = CreditBlock
        fields = ["serial", "project", "vintage", "period", "account_type", "registry", "issuing_registry",
                  "status", "authorization", "issuance"]

    def by_serial(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The blocks holding any unit of the serial number or range (index probes, never a scan)."""
        if not value:
            return queryset
        return queryset.filter(pk__in=[block.pk for block in selectors.lookup(value)])


class TransactionFilter(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=TransactionKind.choices)
    status = filters.MultipleChoiceFilter(choices=TransactionStatus.choices)
    registry = _registry_code("registry__country__code")
    account = filters.CharFilter(method="by_account", label=_("Account number (sending or receiving)"))
    year = filters.NumberFilter(field_name="created_at__year", min_value=1, max_value=9999, label=_("Year initiated"))

    class Meta:
        model = CreditTransaction
        fields = ["kind", "status", "registry", "account", "year"]

    def by_account(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip().upper()
        if not value:
            return queryset
        return queryset.filter(Q(from_account__number=value) | Q(to_account__number=value))


class IssuanceFilter(filters.FilterSet):
    registry = _registry_code("registry__country__code")
    project = filters.CharFilter(field_name="project_code", lookup_expr="iexact", label=_("Project ID"))
    vintage = filters.NumberFilter()
    authorization = filters.MultipleChoiceFilter(choices=Authorization.choices)
    year = filters.NumberFilter(field_name="issued_at__year", min_value=1, max_value=9999, label=_("Year issued"))

    class Meta:
        model = Issuance
        fields = ["registry", "project", "vintage", "authorization", "year"]


class RetirementFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search (beneficiary, purpose)"))
    registry = _registry_code("registry__country__code")
    year = filters.NumberFilter(field_name="completed_at__year", min_value=1, max_value=9999, label=_("Year retired"))

    class Meta:
        model = CreditTransaction
        fields = ["q", "registry", "year"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(beneficiary__icontains=value) | Q(purpose__icontains=value))
