"""Browser forms of the methodologies app.

Forms only check the shape of the input; the rules (who may act, which step comes next, whether
the formulas are sound) are checked by the one service each page calls, and its refusals are put
back on the form. A methodology's content is entered in three formsets: eligibility criteria,
parameters and formulas, one row each.
"""

from __future__ import annotations

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committee.choices import DecisionMode
from committee.forms import MeetingChoiceField
from committee.models import JointCommittee, Meeting, SectoralScope
from core.fields import DateInput, localized_name

from . import services
from .choices import MonitoringOption, ParameterKind, RevisionKind
from .content import FORMULA_FIELDS, PARAMETER_FIELDS, MethodologyContent
from .models import DECIMAL, SYMBOL_RE

DOCUMENT_EXTENSIONS = ["pdf", "doc", "docx", "odt"]
SYMBOL_HELP = _("Letters, digits and _; starts with a letter (e.g. EG_i, EF_grid).")


class ScopeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SectoralScope) -> str:
        return f"{obj.number}. {localized_name(obj)}"


class CommitteeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: JointCommittee) -> str:
        return str(obj)


# --- the proposal and its content -------------------------------------------------------------

class MethodologyForm(forms.Form):
    joint_committee = CommitteeChoiceField(label=_("Joint Committee"),
                                           queryset=JointCommittee.objects.select_related("partner"))
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Reduction measures, how reference and project emissions are calculated, "
                                          "the parameters to monitor."))
    sectoral_scope = ScopeChoiceField(label=_("Sectoral scope"), queryset=SectoralScope.objects.all())
    proponent_name = forms.CharField(
        label=_("Proponent"), max_length=300, required=False,
        help_text=_("Leave empty to propose in the name of your organization."))
    document = forms.FileField(label=_("Methodology document"), required=False,
                               validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS)],
                               help_text=_("The proposed methodology form (PDF or Word), optional."))


class ResubmitForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    sectoral_scope = ScopeChoiceField(label=_("Sectoral scope"), queryset=SectoralScope.objects.all())
    document = forms.FileField(label=_("Revised methodology document"), required=False,
                               validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS)])


class RevisionRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RevisionKind.choices, widget=forms.RadioSelect,
                             initial=RevisionKind.MAJOR)
    reason = forms.CharField(label=_("What should change and why"), widget=forms.Textarea(attrs={"rows": 4}))
    request_url = forms.URLField(label=_("Revision request (link)"), required=False, assume_scheme="https",
                                 help_text=_("Link to the Approved Methodology Revision Request form, if published."))
    request_file = forms.FileField(label=_("Revision request (file)"), required=False,
                                   validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS)])
    document = forms.FileField(label=_("Revised methodology document"), required=False,
                               validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS)])


class VersionDocumentForm(forms.Form):
    document = forms.FileField(label=_("Methodology document"), required=False,
                               validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS)])


class CriterionForm(forms.Form):
    statement = forms.CharField(label=_("Eligibility criterion"), widget=forms.Textarea(attrs={"rows": 2}))


class ParameterForm(forms.Form):
    symbol = forms.RegexField(label=_("Symbol"), regex=SYMBOL_RE, max_length=40, help_text=SYMBOL_HELP,
                              error_messages={"invalid": SYMBOL_HELP})
    description = forms.CharField(label=_("Description"), max_length=500)
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False, help_text=_("e.g. MWh, tCO2/MWh; empty if none."))
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *ParameterKind.choices])
    per_site = forms.BooleanField(label=_("Per site / unit"), required=False)
    min_value = forms.DecimalField(label=_("Min"), required=False, **DECIMAL)
    max_value = forms.DecimalField(label=_("Max"), required=False, **DECIMAL)
    default_value = forms.DecimalField(label=_("Default value"), required=False, **DECIMAL,
                                       help_text=_("Required for a fixed default value."))
    source = forms.CharField(label=_("Source of data"), max_length=500, required=False)
    monitoring_option = forms.ChoiceField(label=_("Option"), choices=[("", "—"), *MonitoringOption.choices],
                                          required=False)
    measurement_method = forms.CharField(label=_("Measurement method"), required=False)
    frequency = forms.CharField(label=_("Frequency"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        low, high = data.get("min_value"), data.get("max_value")
        if low is not None and high is not None and low > high:
            self.add_error("max_value", _("The highest allowed value is below the lowest."))
        if data.get("kind") == ParameterKind.DEFAULT and data.get("default_value") is None:
            self.add_error("default_value", _("A fixed default parameter needs its default value."))
        return data


class FormulaForm(forms.Form):
    symbol = forms.RegexField(label=_("Symbol"), regex=SYMBOL_RE, max_length=40, help_text=SYMBOL_HELP,
                              error_messages={"invalid": SYMBOL_HELP})
    expression = forms.CharField(label=_("Expression"),
        max_length=1000, widget=forms.TextInput(attrs={"class": "code", "spellcheck": "false"}),
        help_text=_("Numbers, symbols, + - * /, parentheses, min(a, b), max(a, b), sum(…) over the sites."))
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False, initial="tCO2e")
    per_site = forms.BooleanField(label=_("Per site"), required=False)


CriterionFormSet = forms.formset_factory(CriterionForm, extra=2, can_delete=True)
ParameterFormSet = forms.formset_factory(ParameterForm, extra=3, can_delete=True)
FormulaFormSet = forms.formset_factory(FormulaForm, extra=2, can_delete=True)

NEW_FORMULAS = [{"symbol": "RE", "description": _("Reference emissions"), "unit": "tCO2e"},
                {"symbol": "PE", "description": _("Project emissions"), "unit": "tCO2e"},
                {"symbol": "ER", "expression": "RE - PE", "description": _("Emission reductions"), "unit": "tCO2e"}]


def content_formsets(data=None, content: MethodologyContent | None = None) -> dict[str, forms.BaseFormSet]:
    """The three formsets, filled from ``data`` (POST) or from existing ``content``."""
    if content is None:
        initial = {"criteria": [], "parameters": [], "formulas": NEW_FORMULAS}
    else:
        initial = {"criteria": [{"statement": c} for c in content.criteria],
                   "parameters": [{k: p.get(k) for k in PARAMETER_FIELDS} for p in content.parameters],
                   "formulas": [{k: f.get(k) for k in FORMULA_FIELDS} for f in content.formulas]}
    return {
        "criteria": CriterionFormSet(data, prefix="criteria", initial=initial["criteria"] or None),
        "parameters": ParameterFormSet(data, prefix="parameters", initial=initial["parameters"] or None),
        "formulas": FormulaFormSet(data, prefix="formulas", initial=initial["formulas"] or None),
    }


def _filled(formset) -> list[dict]:
    """Cleaned rows, without the rows ticked for deletion and the extra rows left empty."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if data and not data.get("DELETE"):
            rows.append(data)
    return rows


def content_from(formsets: dict[str, forms.BaseFormSet]) -> MethodologyContent:
    """The content entered in valid formsets (rows left empty are ignored)."""
    return MethodologyContent(
        criteria=[row["statement"] for row in _filled(formsets["criteria"])],
        parameters=[{k: row.get(k) for k in PARAMETER_FIELDS} for row in _filled(formsets["parameters"])],
        formulas=[{k: row.get(k) for k in FORMULA_FIELDS} for row in _filled(formsets["formulas"])],
    )


# --- workflow ---------------------------------------------------------------------------------------

class NoFieldsForm(forms.Form):
    """A confirmation: the action takes no input."""


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}))


class ExtendForm(forms.Form):
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput(),
                            help_text=_("Leave empty for the latest date allowed."))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    """How the Joint Committee decided; the decision is recorded in the committee app."""

    decided_on = forms.DateField(label=_("Date of the decision"), widget=DateInput())
    mode = forms.ChoiceField(label=_("Taken"), choices=DecisionMode.choices, widget=forms.RadioSelect,
                             initial=DecisionMode.ELECTRONIC)
    meeting = MeetingChoiceField(label=_("Meeting"), queryset=Meeting.objects.none(), required=False,
                                 help_text=_("For a decision taken at a meeting."))
    reference = forms.CharField(label=_("Reference"), max_length=50, required=False,
                                help_text=_("Leave empty for the next reference."))
    text = forms.CharField(label=_("Text of the decision"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, joint_committee: JointCommittee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(joint_committee=joint_committee)
        self.fields["decided_on"].initial = timezone.localdate()

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        decision = services.DecisionInput(**{k: data.pop(k) for k in ("decided_on", "mode", "meeting", "reference",
                                                                        "text")})
        return {**data, "decision": decision}


class ApproveForm(DecisionForm):
    approved_number = forms.CharField(label=_("Approved number"), max_length=12, required=False,
                                      help_text=_("Leave empty for the committee's next number."))


class DecisionWithReasonForm(DecisionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class RevisionApproveForm(DecisionForm):
    previous_valid_until = forms.DateField(
        label=_("The superseded version may be used until"), required=False, widget=DateInput(),
        help_text=_("Transition date; leave empty to end it with the decision."))


class CommentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    organization = forms.CharField(label=_("Organization"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), help_text=_("Not published; the secretariat may contact you."))
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 5}))


# --- calculation --------------------------------------------------------------------------------------

class CalculationForm(forms.Form):
    """One field per value to enter: ``v:<symbol>`` or ``v:<symbol>:<site number>`` for per-site values."""

    sites = forms.CharField(label=_("Sites"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("One site or unit of equipment per line; then “Update sites”."))
    workbook = forms.FileField(label=_("…or upload a filled monitoring spreadsheet"), required=False,
                               validators=[FileExtensionValidator(["xlsx"])])

    def __init__(self, *args, parameters, sites: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.site_names = sites
        self.rows = []
        for p in parameters:
            if p.kind == ParameterKind.DEFAULT:
                continue
            names = ([(f"v:{p.symbol}:{i}", site) for i, site in enumerate(sites)] if p.per_site
                     else [(f"v:{p.symbol}", None)])
            for name, site in names:
                label = f"{p.symbol} ({site})" if site else p.symbol
                self.fields[name] = forms.CharField(label=label, required=False, max_length=64,
                                                    widget=forms.TextInput(attrs={"inputmode": "decimal"}))
                self.rows.append((p, site, name))

    def value_rows(self) -> list:
        """(parameter, site, bound field) for each value to enter, in the methodology's order."""
        return [(p, site, self[name]) for p, site, name in self.rows]

    def values(self) -> dict:
        """Values in the shape the engine takes (text is passed as is: the engine parses it exactly)."""
        values: dict = {}
        for p, site, name in self.rows:
            raw = (self.cleaned_data.get(name) or "").strip()
            if site is None:
                if raw:
                    values[p.symbol] = raw
            else:
                values.setdefault(p.symbol, {})
                if raw:
                    values[p.symbol][site] = raw
        return values


def parse_sites(text: str) -> list[str]:
    sites: list[str] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line and line not in sites:
            sites.append(line)
    return sites
