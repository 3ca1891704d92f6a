"""Browser forms of the registry (credits) app.

Forms only check the shape of the input; every rule of the registry (who may act, balances,
account types, the second person) is checked by the one service each form calls
(credits.services), whose refusals are put back on the form with
``core.forms.add_service_error``. Field names match the service's keyword arguments.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committee.forms import DateInput, RegistryForm
from committee.models import Organization
from core.errors import ApplicationError

from .choices import (
    ACCOUNT_TRANSITIONS,
    HOLDING_TYPES,
    AccountStatus,
    AccountType,
    Authorization,
    TransactionKind,
)
from .models import Account
from .serials import ParsedSerial, parse
from .services import KIND_TARGETS


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        # A fictitious organization's account says so in the list too (an option cannot carry the badge).
        fictitious = f", {_('Fictitious')}" if obj.holder_id and obj.holder.is_fictitious else ""
        return f"{obj.number} — {obj.name} ({obj.get_type_display()}{fictitious})"


class SerialField(forms.CharField):
    """A serial number as printed (one unit or a block range) or just the number."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse(value)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc


# --- public searches ------------------------------------------------------------------------

class SerialSearchForm(RegistryForm):
    q = forms.CharField(label=_("Serial number"), max_length=120, required=False,
                        help_text=_("A printed block or unit serial number, e.g. "
                                    "JP-MN001-01-2015-000000000001-000000001000, or just the number."))


# --- account representatives ----------------------------------------------------------------

class TransactionForm(RegistryForm):
    """Transfer, external transfer, cancellation or retirement from one account.

    Which units: a quantity (the lowest serials held first, optionally only one project or vintage),
    or an explicit serial range. The hidden idempotency key makes a double submission execute once.
    """

    to_account = AccountChoiceField(label=_("To account"), queryset=Account.objects.none())
    quantity = forms.IntegerField(label=_("Quantity (credits)"), min_value=1, required=False,
                                  help_text=_("Leave empty when you give the first and last serial numbers."))
    first_serial = SerialField(label=_("First serial number"), required=False,
                               help_text=_("Optional: move exactly these units. A printed block serial fills "
                                           "both ends."))
    last_serial = SerialField(label=_("Last serial number"), required=False)
    project_code = forms.CharField(label=_("Only credits of project"), max_length=10, required=False,
                                   help_text=_("With a quantity: take only credits of this project (e.g. MN001)."))
    vintage = forms.IntegerField(label=_("Only credits of vintage"), min_value=1990, max_value=2200, required=False)
    purpose = forms.CharField(label=_("Purpose of the retirement"), max_length=300, required=False,
                              help_text=_("E.g. use towards Japan's NDC, or voluntary offsetting of 2024 emissions."))
    beneficiary = forms.CharField(label=_("Beneficiary"), max_length=300, required=False,
                                  help_text=_("The person or organization on whose behalf the credits are retired."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, from_account: Account, kind: str, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        targets = Account.objects.filter(status=AccountStatus.OPEN, type__in=list(KIND_TARGETS[kind])).exclude(
            pk=from_account.pk).select_related("registry__country", "holder")
        if kind == TransactionKind.EXTERNAL_TRANSFER:
            targets = targets.exclude(registry=from_account.registry)
        else:
            targets = targets.filter(registry=from_account.registry)
        self.fields["to_account"].queryset = targets.order_by("registry__country__code", "number")
        if kind in (TransactionKind.RETIREMENT, TransactionKind.CANCELLATION) and len(targets) == 1:
            self.fields["to_account"].initial = targets[0].pk
        if kind == TransactionKind.RETIREMENT:
            for name in ("purpose", "beneficiary"):
                self.fields[name].widget.attrs["required"] = True
                self.fields[name].label = f"{self.fields[name].label} *"
        else:
            del self.fields["purpose"], self.fields["beneficiary"]

    def clean(self) -> dict:
        data = super().clean()
        first: ParsedSerial | None = data.get("first_serial")
        last: ParsedSerial | None = data.get("last_serial")
        if first is not None and last is None and first.last != first.first and not data.get("quantity"):
            data["last_serial"] = first.last  # a printed block range in the first field
        elif last is not None:
            data["last_serial"] = last.last
        if first is not None:
            data["first_serial"] = first.first
        data["project_code"] = (data.get("project_code") or "").strip().upper()
        return data


class CorrectionForm(TransactionForm):
    """An administrative correction on a holder's account: a transaction out of it with its legal basis."""

    legal_basis = forms.CharField(
        label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text=_("The decision, order or rule under which the registry acts on this account. The holder is "
                    "told; a second administrator must approve it."))

    field_order = ["legal_basis"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_basis"].required = False  # the service refuses an empty one with its own message


class TrustedAccountForm(RegistryForm):
    trusted = AccountChoiceField(label=_("Account to trust"), queryset=Account.objects.none())

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trusted"].queryset = (Account.objects.filter(status=AccountStatus.OPEN, type__in=list(HOLDING_TYPES))
                                           .exclude(pk=account.pk).exclude(pk__in=account.trusted_links.values("trusted"))
                                           .select_related("registry__country", "holder").order_by("registry__country__code",
                                                                                         "number"))


class ThresholdForm(RegistryForm):
    threshold = forms.IntegerField(
        label=_("Second approval from (credits)"), min_value=0, required=False,
        help_text=_("Outgoing transactions of at least this many credits need a second representative's approval. "
                    "0: every one. Empty: none by quantity (transfers to accounts off the trusted list still "
                    "need one)."))


class ReasonForm(RegistryForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class StatementForm(RegistryForm):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To (inclusive)"), widget=DateInput())

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end of the period is before its start."))
        return data

    @classmethod
    def this_year(cls) -> dict:
        today = timezone.localdate()
        return {"start": today.replace(month=1, day=1), "end": today}


# --- registry administrators ----------------------------------------------------------------

class UsernamesField(forms.CharField):
    """Usernames separated by commas or spaces -> users."""

    def clean(self, value):
        value = super().clean(value)
        names = [n for n in (value or "").replace(",", " ").split() if n]
        users = {u.username: u for u in get_user_model().objects.filter(username__in=names, is_active=True)}
        missing = [n for n in names if n not in users]
        if missing:
            raise forms.ValidationError(_("No active user named %(names)s.") % {"names": ", ".join(missing)})
        return [users[n] for n in dict.fromkeys(names)]


class AccountOpenForm(RegistryForm):
    type = forms.ChoiceField(label=_("Account type"), choices=AccountType.choices)
    name = forms.CharField(label=_("Account name"), max_length=200)
    holder = forms.ModelChoiceField(label=_("Holder organization"), required=False,
                                    queryset=Organization.objects.order_by("name"),
                                    help_text=_("Required for a participant holding account."))
    requires_approval = forms.BooleanField(label=_("Outgoing transactions need a second representative's approval"),
                                           required=False)
    representatives = UsernamesField(label=_("Representatives"), required=False,
                                     help_text=_("Usernames, separated by commas."))


class AccountStatusForm(RegistryForm):
    status = forms.ChoiceField(label=_("New status"), widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Required to block or close an account."))

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ACCOUNT_TRANSITIONS[AccountStatus(account.status)]
        self.fields["status"].choices = [(v, label) for v, label in AccountStatus.choices if v in allowed]


class RepresentativeForm(RegistryForm):
    user = forms.CharField(label=_("Username"), max_length=150)
    can_initiate = forms.BooleanField(label=_("May initiate transactions"), required=False, initial=True)
    can_approve = forms.BooleanField(label=_("May approve transactions"), required=False, initial=True)

    def clean_user(self):
        name = self.cleaned_data["user"].strip()
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active user named %(name)s.") % {"name": name})
        return user


class IssuanceExecuteForm(RegistryForm):
    authorization = forms.ChoiceField(label=_("Article 6.2 authorization"), choices=Authorization.choices,
                                      initial=Authorization.NONE, widget=forms.RadioSelect)


class Article6Form(RegistryForm):
    year = forms.IntegerField(label=_("Year"), min_value=2013, max_value=2200)
    format = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX")], initial="xlsx",
                               widget=forms.RadioSelect)
