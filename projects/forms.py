"""Browser forms of the projects app.

Forms only check the shape of the input (a date is a date, a value is an exact decimal); every rule of
the project cycle — who may act, which step is open, whether the shares add up to 100 %, whether the TPE
holds the scope — is checked by the one service each page calls, and its refusals are put back on the
form. Field names follow the services' keyword arguments where they can, so errors land on the field.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import cast

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from committee import selectors as committee_selectors
from committee.choices import OrganizationKind
from committee.forms import DateInput, OrganizationChoiceField, RegistryForm
from methodologies import selectors as methodology_selectors
from methodologies.choices import ParameterKind, VersionStatus
from methodologies.forms import CommitteeChoiceField, DecisionForm, ScopeChoiceField

from .choices import (
    POST_REGISTRATION_CHANGEABLE,
    AllocationParty,
    AnnexChangeKind,
    ChangeRequestKind,
    Conclusion,
    FindingKind,
    FindingStatus,
    ParticipantSide,
    RegistrySide,
)
from .files import EVIDENCE_TYPES, MOC_TYPES, PDD_TYPES, REPORT_TYPES, SPREADSHEET_TYPES


def participant_organizations():
    """Organizations that may take part in a project (companies and others; not ministries or TPEs)."""
    return committee_selectors.organization_list().filter(
        kind__in=[OrganizationKind.COMPANY, OrganizationKind.OTHER]).order_by("name")


def exact_decimal(raw: str, label: str = "") -> str:
    """A typed number kept as exact text (the engine reads it exactly); refuses anything else."""
    text = (raw or "").strip().replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("Enter a number, e.g. 1234.567.")) from None
    if not value.is_finite():
        raise ValidationError(_("Enter a number, e.g. 1234.567."))
    return text


class VersionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.methodology.number} {obj.version} — {obj.methodology.title}"


class TPEChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.tpe_id} — {obj.organization.name}"


class TPEMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.tpe_id} — {obj.organization.name}"


def usable_versions():
    return methodology_selectors.version_list(None).filter(status=VersionStatus.VALID).select_related(
        "methodology__joint_committee__partner").order_by("methodology__approved_number", "version")


# --- the project ---------------------------------------------------------------------------------

class ProjectEditForm(RegistryForm):
    """The description of a draft project (``project_update``)."""

    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    sectoral_scope = ScopeChoiceField(label=_("Sectoral scope"), queryset=committee_selectors.scope_list())
    methodology_versions = VersionChoiceField(
        label=_("Methodology versions applied"), queryset=usable_versions(),
        widget=forms.CheckboxSelectMultiple, help_text=_("Approved methodologies of the project's Joint Committee."))
    expected_annual_reductions = forms.IntegerField(label=_("Expected annual emission reductions (tCO2e/year)"),
                                                    min_value=0, initial=0)
    start_of_operation = forms.DateField(label=_("Start of operation"), required=False, widget=DateInput())
    crediting_start = forms.DateField(label=_("Crediting period start"), required=False, widget=DateInput())
    crediting_end = forms.DateField(label=_("Crediting period end"), required=False, widget=DateInput())

    def __init__(self, *args, joint_committee=None, **kwargs):
        super().__init__(*args, **kwargs)
        versions = usable_versions()
        if joint_committee is not None:
            versions = versions.filter(methodology__joint_committee=joint_committee)
        self.fields["methodology_versions"].queryset = versions
        self.fields["sectoral_scope"].queryset = committee_selectors.scope_list()


class ProjectCreateForm(ProjectEditForm):
    """A new draft project (``project_create``): the user's organization is its first participant and,
    until an MoC statement says otherwise, its focal point."""

    joint_committee = CommitteeChoiceField(label=_("Joint Committee"), queryset=committee_selectors.joint_committee_list())
    organization = OrganizationChoiceField(label=_("Your organization"), queryset=participant_organizations())
    side = forms.ChoiceField(label=_("Side of your organization"), choices=ParticipantSide.choices,
                             widget=forms.RadioSelect)

    field_order = ["joint_committee", "title", "description", "sectoral_scope", "methodology_versions",
                   "organization", "side", "expected_annual_reductions", "start_of_operation", "crediting_start",
                   "crediting_end"]

    def __init__(self, *args, organizations, committee=None, **kwargs):
        super().__init__(*args, **kwargs)
        committees = committee_selectors.joint_committee_list()
        self.fields["joint_committee"].queryset = committees
        if committee is None and not self.is_bound and committees.count() == 1:
            committee = committees.first()
        if committee is not None and not self.is_bound:  # offer the methodologies of that committee only
            self.fields["joint_committee"].initial = committee.pk
            self.fields["methodology_versions"].queryset = usable_versions().filter(
                methodology__joint_committee=committee)
        self.fields["methodology_versions"].help_text = _(
            "Approved methodologies of the chosen Joint Committee only (the code starts with its partner country's "
            "code, e.g. MN_AM001 for Japan–Mongolia).")
        self.fields["organization"].queryset = organizations
        self.fields["organization"].help_text = _("It takes part in the project and is its focal point until an "
                                                  "MoC statement names another.")
        first = organizations.first()
        if first is not None:
            self.fields["organization"].initial = first.pk
            self.fields["side"].initial = (ParticipantSide.JAPANESE if first.country_id and first.country.is_japan
                                           else ParticipantSide.PARTNER)


    def clean(self):
        cleaned = super().clean()
        committee, versions = cleaned.get("joint_committee"), cleaned.get("methodology_versions")
        if committee is not None and versions:
            foreign = [v for v in versions if v.methodology.joint_committee_id != committee.pk]
            if foreign:
                self.add_error("methodology_versions", _(
                    "%(versions)s: not a methodology of the %(committee)s. Choose one of its own methodologies.")
                    % {"versions": ", ".join(f"{v.methodology.number} {v.version}" for v in foreign),
                       "committee": committee})
        return cleaned


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Also the key of per-site monitoring values."))
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=10, decimal_places=6, min_value=-180, max_value=180)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


SiteFormSet = forms.formset_factory(SiteForm, extra=1, can_delete=True)


class ParticipantForm(forms.Form):
    organization = OrganizationChoiceField(label=_("Organization"), queryset=participant_organizations())
    side = forms.ChoiceField(label=_("Side"), choices=[("", "—"), *ParticipantSide.choices])
    name = forms.CharField(label=_("Name in the MoC"), max_length=200, required=False,
                           help_text=_("Leave empty for the organization's name."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = participant_organizations()


ParticipantFormSet = forms.formset_factory(ParticipantForm, extra=1, can_delete=True)


class FocalPointForm(RegistryForm):
    focal_point = OrganizationChoiceField(label=_("Focal point"), queryset=participant_organizations(),
                                          help_text=_("One of the participants listed below."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["focal_point"].queryset = participant_organizations()


# --- MoC statement and credit allocation ---------------------------------------------------------

class MoCForm(RegistryForm):
    focal_point = OrganizationChoiceField(label=_("Focal point"), queryset=participant_organizations(),
                                          help_text=_("Naming another participant here changes the focal point."))
    primary_name = forms.CharField(label=_("Primary authorized signatory"), max_length=200)
    primary_title = forms.CharField(label=_("Title of the primary signatory"), max_length=200, required=False)
    primary_email = forms.EmailField(label=_("E-mail of the primary signatory"), required=False)
    alternate_name = forms.CharField(label=_("Alternate authorized signatory"), max_length=200)
    alternate_title = forms.CharField(label=_("Title of the alternate signatory"), max_length=200, required=False)
    alternate_email = forms.EmailField(label=_("E-mail of the alternate signatory"), required=False)
    tpes = TPEMultipleChoiceField(label=_("TPEs"), queryset=committee_selectors.tpe_list().none(), required=False,
                                  widget=forms.CheckboxSelectMultiple)
    file = forms.FileField(label=_("Signed MoC statement (PDF)"), required=False,
                           validators=[FileExtensionValidator(list(MOC_TYPES))])

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["focal_point"].queryset = participant_organizations().filter(
            project_participations__project=project, project_participations__active=True)
        self.fields["tpes"].queryset = committee_selectors.tpe_list().filter(
            joint_committee=project.joint_committee).select_related("organization")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "focal_point": data["focal_point"], "tpes": list(data["tpes"]), "file": data.get("file"),
            "primary_signatory": {"name": data["primary_name"], "title": data["primary_title"],
                                  "email": data["primary_email"]},
            "alternate_signatory": {"name": data["alternate_name"], "title": data["alternate_title"],
                                    "email": data["alternate_email"]},
        }


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    organization = forms.CharField(label=_("Organization"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)


ContactFormSet = forms.formset_factory(ContactForm, extra=1, can_delete=True)


class AnnexChangeForm(RegistryForm):
    """An Annex 1 change to the current MoC statement (anything but the focal point)."""

    kind = forms.ChoiceField(label=_("Change"), choices=AnnexChangeKind.choices, widget=forms.RadioSelect)
    organization = OrganizationChoiceField(
        label=_("Participant"), queryset=participant_organizations(), required=False,
        help_text=_("The organization added, renamed or withdrawing (not needed for a change of contacts)."))
    side = forms.ChoiceField(label=_("Side"), choices=[("", "—"), *ParticipantSide.choices], required=False,
                             help_text=_("For an added participant: Japanese or partner-country side."))
    new_name = forms.CharField(label=_("Name in the MoC"), max_length=200, required=False,
                               help_text=_("The new name of a renamed participant; for an added one, leave empty "
                                           "for the organization's name."))
    effective_on = forms.DateField(label=_("Effective on"), required=False, widget=DateInput,
                                   help_text=_("Leave empty for today."))
    details = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = participant_organizations()

    def service_kwargs(self, contacts: list[dict]) -> dict:
        data = self.cleaned_data
        return {"kind": data["kind"], "organization": data["organization"], "side": data["side"],
                "new_name": data["new_name"], "effective_on": data["effective_on"], "details": data["details"],
                "contacts": contacts if data["kind"] == AnnexChangeKind.CONTACT_CHANGE else None}


class ChangeRequestForm(RegistryForm):
    """A post-registration change (the project fields shown with their current values) or a renewal."""

    kind = forms.ChoiceField(label=_("Request"), choices=ChangeRequestKind.choices, widget=forms.RadioSelect)
    description = forms.CharField(label=_("Reason and description of the request"),
                                  widget=forms.Textarea(attrs={"rows": 4}))
    title = forms.CharField(label=_("Title"), max_length=300, required=False,
                            help_text=_("The project's fields below show their current values: edit those that "
                                        "change; the others are not part of the request."))
    project_description = forms.CharField(label=_("Project description"), required=False,
                                          widget=forms.Textarea(attrs={"rows": 4}))
    expected_annual_reductions = forms.IntegerField(label=_("Expected emission reductions (tCO2e per year)"),
                                                    min_value=0, required=False)
    start_of_operation = forms.DateField(label=_("Start of operation"), required=False, widget=DateInput)
    new_crediting_end = forms.DateField(label=_("New end of the crediting period"), required=False,
                                        widget=DateInput, help_text=_("For a renewal only."))

    CHANGE_FIELDS = {"title": "title", "project_description": "description",
                     "expected_annual_reductions": "expected_annual_reductions",
                     "start_of_operation": "start_of_operation"}
    if set(CHANGE_FIELDS.values()) != set(POST_REGISTRATION_CHANGEABLE):
        raise ImproperlyConfigured("ChangeRequestForm.CHANGE_FIELDS names each POST_REGISTRATION_CHANGEABLE field.")

    def __init__(self, *args, project, **kwargs):
        self.project = project
        kwargs.setdefault("initial", {
            "kind": ChangeRequestKind.POST_REGISTRATION_CHANGE,
            **{name: getattr(project, attr) for name, attr in self.CHANGE_FIELDS.items()}})
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        """The project fields whose value differs from the project's current one (an emptied field counts
        as unchanged, except the description, which may be cleared)."""
        changes = {}
        for name, attr in self.CHANGE_FIELDS.items():
            value = self.cleaned_data.get(name)
            if isinstance(value, str):
                value = value.strip()
            if value in (None, "") and attr != "description":
                continue
            if value != (getattr(self.project, attr) or ("" if attr == "description" else None)):
                changes[attr] = value.isoformat() if hasattr(value, "isoformat") else value
        return changes

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        if data["kind"] == ChangeRequestKind.RENEWAL:
            return {"kind": data["kind"], "description": data["description"],
                    "new_crediting_end": data["new_crediting_end"]}
        return {"kind": data["kind"], "description": data["description"], "changes": self.changes()}


# Choice fields of formset rows start blank: a row left untouched then counts as unchanged and is ignored.

class ShareForm(forms.Form):
    party = forms.ChoiceField(label=_("Party"), choices=[("", "—"), *AllocationParty.choices])
    organization = OrganizationChoiceField(label=_("Participant"), queryset=participant_organizations(),
                                           required=False, help_text=_("For a participant's share."))
    registry = forms.ChoiceField(label=_("Registry"), choices=[("", _("— as the party implies —")), *RegistrySide.choices],
                                 required=False)
    percent = forms.DecimalField(label=_("Share (%)"), max_digits=7, decimal_places=4, min_value=0)

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["organization"].queryset = participant_organizations().filter(
                project_participations__project=project, project_participations__active=True)


class BaseShareFormSet(forms.BaseFormSet):
    def __init__(self, *args, project=None, **kwargs):
        self.project = project
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "project": self.project}


# formset_factory makes a subclass of ``formset``; its stub says only BaseFormSet.
ShareFormSet = cast(type[BaseShareFormSet],
                    forms.formset_factory(ShareForm, formset=BaseShareFormSet, extra=1, can_delete=True))


class AllocationForm(RegistryForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Optional: what changed from the previous version."))


# --- PDD -----------------------------------------------------------------------------------------

ANSWER_CHOICES = [("", _("Not answered yet")), ("yes", _("Yes, the project meets it")),
                  ("no", _("No"))]


class PDDForm(RegistryForm):
    """The PDD draft: its two files, one answer per eligibility criterion, the ex-ante values."""

    public_file = forms.FileField(label=_("Public PDD (PDF or Word)"), required=False,
                                  validators=[FileExtensionValidator(list(PDD_TYPES))],
                                  help_text=_("Published for public input. Leave empty to keep the file saved."))
    confidential_file = forms.FileField(label=_("Confidential PDD (PDF or Word)"), required=False,
                                        validators=[FileExtensionValidator(list(PDD_TYPES))],
                                        help_text=_("Seen only by the participants, the secretariat, the TPE and "
                                                    "the two governments' ministries."))
    remove_confidential = forms.BooleanField(label=_("Remove the confidential version"), required=False)

    def __init__(self, *args, criteria, ex_ante, answers: dict, values: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        self.ex_ante = list(ex_ante)
        for criterion in self.criteria:
            answer = answers.get(criterion.pk)
            meets = "" if answer is None or answer.meets is None else ("yes" if answer.meets else "no")
            self.fields[f"meets_{criterion.pk}"] = forms.ChoiceField(
                label=_("Criterion %(number)s of %(version)s") % {"number": criterion.number,
                                                                    "version": criterion.version},
                choices=ANSWER_CHOICES, required=False, initial=meets, widget=forms.RadioSelect)
            self.fields[f"why_{criterion.pk}"] = forms.CharField(
                label=_("Justification"), required=False, initial=answer.justification if answer else "",
                widget=forms.Textarea(attrs={"rows": 2}))
        for parameter in self.ex_ante:
            self.fields[f"exante_{parameter.symbol}"] = forms.CharField(
                label=parameter.symbol, required=False, max_length=64, initial=values.get(parameter.symbol, ""),
                widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def answer_rows(self) -> list:
        return [(c, self[f"meets_{c.pk}"], self[f"why_{c.pk}"]) for c in self.criteria]

    def ex_ante_rows(self) -> list:
        return [(p, self[f"exante_{p.symbol}"]) for p in self.ex_ante]

    def clean(self):
        data = super().clean()
        for parameter in self.ex_ante:
            name = f"exante_{parameter.symbol}"
            raw = (data.get(name) or "").strip()
            if raw:
                try:
                    data[name] = exact_decimal(raw)
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        answers = []
        for criterion in self.criteria:
            meets = {"yes": True, "no": False}.get(data.get(f"meets_{criterion.pk}") or "")
            answers.append({"criterion": criterion, "meets": meets,
                            "justification": data.get(f"why_{criterion.pk}") or ""})
        values = {p.symbol: data[f"exante_{p.symbol}"] for p in self.ex_ante
                  if (data.get(f"exante_{p.symbol}") or "").strip()}
        return {"public_file": data.get("public_file"), "confidential_file": data.get("confidential_file"),
                "remove_confidential": data.get("remove_confidential", False), "answers": answers,
                "ex_ante_values": values}


# --- workflow steps --------------------------------------------------------------------------------

class NoFieldsForm(RegistryForm):
    """A confirmation: the step takes no input."""


class ReasonForm(RegistryForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}))


class OptionalReasonForm(RegistryForm):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ChooseTPEForm(RegistryForm):
    tpe = TPEChoiceField(label=_("Third-party entity"), queryset=committee_selectors.tpe_list().none(),
                         help_text=_("Designated by the Joint Committee for validation in the project's sectoral "
                                     "scope."))

    def __init__(self, *args, tpes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tpe"].queryset = tpes


class ProjectDecisionForm(RegistryForm, DecisionForm):
    """How the Joint Committee decided (recorded in the committee app); ``service_kwargs()`` gives
    ``decision=DecisionInput(...)`` and the other fields."""


class DecisionReasonForm(ProjectDecisionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class IssuanceDecideForm(ProjectDecisionForm):
    amount = forms.IntegerField(label=_("Amount decided (credits)"), min_value=1,
                                help_text=_("At most the verified emission reductions."))

    field_order = ["amount", "decided_on", "mode", "meeting", "reference", "text"]


class CommentForm(RegistryForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    organization = forms.CharField(label=_("Organization"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), help_text=_("Not published; the secretariat may contact you."))
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 5}))


# --- validation and verification ---------------------------------------------------------------------

class FindingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *FindingKind.choices])
    status = forms.ChoiceField(label=_("Status"), choices=FindingStatus.choices, initial=FindingStatus.OPEN)
    text = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs={"rows": 2}))
    response = forms.CharField(label=_("Response and assessment"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))


FindingFormSet = forms.formset_factory(FindingForm, extra=2, can_delete=True)


class ReportForm(RegistryForm):
    conclusion = forms.ChoiceField(label=_("Conclusion"), choices=Conclusion.choices, widget=forms.RadioSelect)
    report_date = forms.DateField(label=_("Report date"), widget=DateInput())
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("Report (PDF)"), required=False,
                           validators=[FileExtensionValidator(list(REPORT_TYPES))])


class ValidationReportForm(ReportForm):
    """The validating TPE's report (``validation_report_submit``)."""


class VerificationReportForm(ReportForm):
    """The verifying TPE's report (``verification_report_submit``)."""

    verified_reductions = forms.IntegerField(label=_("Verified emission reductions (tCO2e)"), min_value=0,
                                             help_text=_("At most the reported reductions."))
    reason_lower = forms.CharField(label=_("Reason the verified reductions are lower than reported"),
                                   required=False, widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["conclusion", "verified_reductions", "reason_lower", "report_date", "reference", "summary",
                   "file"]


# --- monitoring ------------------------------------------------------------------------------------

class PeriodForm(RegistryForm):
    start_date = forms.DateField(label=_("First day"), widget=DateInput())
    end_date = forms.DateField(label=_("Last day"), widget=DateInput())


class MonitoringValuesForm(RegistryForm):
    """One field per monitored value: ``v:<symbol>``, or ``v:<symbol>:<site number>`` for per-site values.

    Fixed defaults come from the methodology and ex-ante values from the PDD, so they are shown, not asked.
    """

    def __init__(self, *args, parameters, sites: list[str], values: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for p in parameters:
            if p.kind != ParameterKind.MONITORED:
                continue
            given = values.get(p.symbol)
            targets = [(f"v:{p.symbol}:{i}", site) for i, site in enumerate(sites)] if p.per_site else [
                (f"v:{p.symbol}", None)]
            for name, site in targets:
                if site is None:
                    initial = given if not isinstance(given, dict) else given.get("value", "")
                else:
                    initial = given.get(site, "") if isinstance(given, dict) else ""
                label = f"{p.symbol} — {site}" if site else p.symbol
                self.fields[name] = forms.CharField(label=label, required=False, max_length=64, initial=initial,
                                                    widget=forms.TextInput(attrs={"inputmode": "decimal"}))
                self.rows.append((p, site, name))

    def value_rows(self) -> list:
        return [(p, site, self[name]) for p, site, name in self.rows]

    def fields_of(self, symbol: str) -> list[str]:
        return [name for p, _site, name in self.rows if p.symbol == symbol]

    def clean(self):
        data = super().clean()
        for _p, _site, name in self.rows:
            raw = (data.get(name) or "").strip()
            if raw:
                try:
                    data[name] = exact_decimal(raw)
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data

    def values(self) -> dict:
        """The values in the shape the service takes: exact text, per site as {site: value}."""
        values: dict = {}
        for p, site, name in self.rows:
            raw = (self.cleaned_data.get(name) or "").strip()
            if site is None:
                if raw:
                    values[p.symbol] = raw
            elif raw:
                values.setdefault(p.symbol, {})[site] = raw
        return values


class SpreadsheetForm(RegistryForm):
    file = forms.FileField(label=_("Filled monitoring spreadsheet (XLSX)"),
                           validators=[FileExtensionValidator(list(SPREADSHEET_TYPES))])


class EvidenceForm(RegistryForm):
    file = forms.FileField(label=_("Evidence file"), validators=[FileExtensionValidator(list(EVIDENCE_TYPES))],
                           help_text=_("PDF, XLSX, CSV, text, PNG, JPEG or ZIP; kept with its SHA-256."))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    parameter = forms.ChoiceField(label=_("Parameter supported"), required=False)

    def __init__(self, *args, parameters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parameter"].choices = [("", "—")] + [(p.symbol, f"{p.symbol} — {p.description}")
                                                          for p in parameters if p.kind != ParameterKind.DEFAULT]


class ReportSubmitForm(RegistryForm):
    verification_tpe = TPEChoiceField(label=_("TPE that verifies the report"),
                                      queryset=committee_selectors.tpe_list().none(),
                                      help_text=_("Designated for verification in the project's sectoral scope."))

    def __init__(self, *args, tpes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["verification_tpe"].queryset = tpes
