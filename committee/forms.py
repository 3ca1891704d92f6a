"""Browser forms of the committee app.

Forms only check the shape of the input; every rule of the registry is checked by the one
service each form calls (committee.services), whose refusals are put back on the form by
``core.forms.run_service``. Field names match the service's keyword arguments, so a view can pass
``form.cleaned_data`` straight through. ``RegistryForm``, ``DateInput`` and ``localized_name`` live in
``core.fields`` (imported here too, for the apps that still import them from this module).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields import DateInput, RegistryForm, localized_name

from . import selectors
from .choices import (
    TPE_TRANSITIONS,
    DecisionKind,
    DecisionMode,
    MemberRole,
    RuleKind,
    Side,
    TPEFunction,
    TPEStatus,
)
from .models import Decision, JointCommittee, Meeting, Organization, SectoralScope, ThirdPartyEntity, ordinal

DOCUMENT_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "odt", "ods"]


# --- labels shown in choices (and reused by the views) ------------------------------

def meeting_title(meeting: Meeting) -> str:
    """“1st Joint Committee” in English, “第1回合同委員会” in Japanese."""
    number = meeting.number
    # xgettext:no-python-format
    return gettext("%(ordinal)s Joint Committee") % {"ordinal": ordinal(number), "number": number}


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        name = localized_name(obj)
        return f"{name} ({obj.short_name})" if obj.short_name and obj.short_name != name else name


class OrganizationMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return OrganizationChoiceField.label_from_instance(self, obj)


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Meeting) -> str:
        return f"{meeting_title(obj)} ({obj.date:%Y-%m-%d})"


class ScopeMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.number}. {localized_name(obj)}"


class DecisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.reference}: {obj.title}"


def committee_organizations(joint_committee: JointCommittee):
    """Organizations of Japan and of the committee's partner country (and international ones)."""
    return selectors.organization_list().filter(
        Q(country__is_japan=True) | Q(country=joint_committee.partner) | Q(country__isnull=True)
    ).order_by("country__is_japan", "name")


def committee_decisions(user, joint_committee: JointCommittee):
    return selectors.decision_list(user).filter(joint_committee=joint_committee).order_by("-decided_on", "-id")


def validate_document_file(file) -> None:
    if file and file.size > settings.JCM_DOCUMENT_MAX_BYTES:
        raise forms.ValidationError(
            _("The file is larger than %(limit)s."), params={"limit": filesizeformat(settings.JCM_DOCUMENT_MAX_BYTES)}
        )


def document_file_field(*, required: bool, label) -> forms.FileField:
    return forms.FileField(
        label=label, required=required,
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS), validate_document_file],
        help_text=_("PDF, Word or Excel file."),
    )


# --- Meetings ------------------------------------------------------------------------

class MeetingForm(RegistryForm):
    number = forms.IntegerField(
        label=_("Meeting number"), min_value=1, required=False,
        help_text=_("Leave empty to use the next number."),
    )
    date = forms.DateField(label=_("Date"), widget=DateInput())
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    is_online = forms.BooleanField(label=_("Held online (also)"), required=False)
    attendees = OrganizationMultipleChoiceField(
        label=_("Attending organizations"), queryset=Organization.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    report = document_file_field(required=False, label=_("Meeting report"))

    def __init__(self, *args, joint_committee: JointCommittee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = committee_organizations(joint_committee)


# --- Decisions -----------------------------------------------------------------------

class DecisionForm(RegistryForm):
    mode = forms.ChoiceField(label=_("How the decision was taken"), choices=DecisionMode.choices,
                             widget=forms.RadioSelect, initial=DecisionMode.MEETING)
    meeting = MeetingChoiceField(label=_("Meeting"), queryset=Meeting.objects.none(), required=False,
                                 help_text=_("For a decision taken at a meeting."))
    decided_on = forms.DateField(label=_("Date of the decision"), widget=DateInput(), required=False,
                                 help_text=_("A decision taken at a meeting is dated the day of the meeting."))
    kind = forms.ChoiceField(label=_("Kind of decision"), choices=DecisionKind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    subject_label = forms.CharField(
        label=_("Object decided"), max_length=300, required=False,
        help_text=_("What the decision is about, e.g. a methodology, project or document."),
    )
    text = forms.CharField(label=_("Text of the decision"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    reference = forms.CharField(label=_("Reference"), max_length=50, required=False,
                                help_text=_("Leave empty to number the decision automatically."))

    def __init__(self, *args, joint_committee: JointCommittee, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = selectors.meeting_list(user).filter(joint_committee=joint_committee)

    def clean(self):
        data = super().clean()
        meeting = data.get("meeting")
        if not data.get("decided_on"):
            if data.get("mode") == DecisionMode.MEETING and meeting is not None:
                data["decided_on"] = meeting.date
            elif "decided_on" not in self.errors:
                self.add_error("decided_on", _("Give the date of the decision."))
        return data


# --- Rules and guidelines ------------------------------------------------------------

class RuleDocumentForm(RegistryForm):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=RuleKind.choices)
    form_code = forms.CharField(
        label=_("Form code"), max_length=41, required=False,
        help_text=_("Only for forms and other documents: the short code, e.g. F_Iss_Req."),
    )
    version = forms.CharField(label=_("Version"), max_length=10, help_text=_("e.g. 02.0"))
    title = forms.CharField(label=_("Title"), max_length=300)
    effective_date = forms.DateField(label=_("Effective date"), widget=DateInput())
    adopted_by = DecisionChoiceField(label=_("Adopted by decision"), queryset=Decision.objects.none(),
                                     required=False)
    file = document_file_field(required=True, label=_("Document file"))

    def __init__(self, *args, joint_committee: JointCommittee, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["adopted_by"].queryset = committee_decisions(user, joint_committee)


# --- Third-party entities ------------------------------------------------------------

class TPEDesignateForm(RegistryForm):
    organization = OrganizationChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(),
        help_text=_("The entity must first be registered as an organization of kind “Third-party entity”."),
    )
    designated_on = forms.DateField(label=_("Designated on"), widget=DateInput())
    scopes_validation = ScopeMultipleChoiceField(
        label=_("Sectoral scopes for validation"), queryset=selectors.scope_list(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    scopes_verification = ScopeMultipleChoiceField(
        label=_("Sectoral scopes for verification"), queryset=selectors.scope_list(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    accreditation = forms.CharField(label=_("Accreditation"), max_length=300, required=False,
                                    help_text=_("e.g. ISO 14065 accreditation by an IAF member body"))
    decision = DecisionChoiceField(label=_("Designating decision"), queryset=Decision.objects.none(),
                                   required=False)

    def __init__(self, *args, joint_committee: JointCommittee, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = selectors.organization_list().filter(kind="tpe").order_by("name")
        self.fields["decision"].queryset = committee_decisions(user, joint_committee)


class TPEStatusForm(RegistryForm):
    status = forms.ChoiceField(label=_("New status"), choices=())
    effective_on = forms.DateField(label=_("Effective on"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                             help_text=_("Required for a suspension or withdrawal."))
    decision = DecisionChoiceField(label=_("Decision"), queryset=Decision.objects.none(), required=False)

    def __init__(self, *args, tpe: ThirdPartyEntity, user, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = TPE_TRANSITIONS.get(tpe.status, set())
        self.fields["status"].choices = [(v, label) for v, label in TPEStatus.choices if v in allowed]
        self.fields["decision"].queryset = committee_decisions(user, tpe.joint_committee)


class TPEScopeUntilForm(RegistryForm):
    scope = forms.ModelChoiceField(label=_("Sectoral scope"), queryset=SectoralScope.objects.none())
    purpose = forms.ChoiceField(label=_("Designated for"), choices=TPEFunction.choices, widget=forms.RadioSelect)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput(), required=False,
                                  help_text=_("Leave empty for no end date."))
    decision = DecisionChoiceField(label=_("Decision"), queryset=Decision.objects.none(), required=False)

    def __init__(self, *args, tpe: ThirdPartyEntity, user, **kwargs):
        super().__init__(*args, **kwargs)
        held = tpe.scopes_validation.all() | tpe.scopes_verification.all()
        self.fields["scope"].queryset = SectoralScope.objects.filter(pk__in=held.values("pk")).order_by("number")
        self.fields["decision"].queryset = committee_decisions(user, tpe.joint_committee)


# --- Members -------------------------------------------------------------------------

class MemberAppointForm(RegistryForm):
    side = forms.ChoiceField(label=_("Side"), choices=Side.choices, widget=forms.RadioSelect)
    name = forms.CharField(label=_("Name"), max_length=200)
    title = forms.CharField(label=_("Position"), max_length=300, required=False,
                            help_text=_("e.g. Director, Climate Change Division"))
    organization = OrganizationChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)
    start_date = forms.DateField(label=_("From"), widget=DateInput())
    end_date = forms.DateField(label=_("Until"), widget=DateInput(), required=False)

    def __init__(self, *args, joint_committee: JointCommittee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = committee_organizations(joint_committee)


class MemberEndForm(RegistryForm):
    end_date = forms.DateField(label=_("Membership ends on"), widget=DateInput())
