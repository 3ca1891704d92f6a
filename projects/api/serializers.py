"""Serializers of the projects API.

Output serializers (``<Model>Serializer``) describe what a read returns; they never save. Input
serializers (``<Action>Input``) only check the shape of a write's body; whether the actor may act and
whether the transition is allowed is decided by the service.

Projects are named by project ID (``MN001``), Joint Committees and countries by ISO code, TPEs by TPE ID,
sectoral scopes by number, methodology versions by id or as ``MN_AM003 ver01.0``; organizations and
other objects by numeric id. Monitored values are exact decimals: send them as JSON numbers (read
exactly, never through floating point) or as text.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from committee.api.serializers import JointCommitteeField, organization_field
from committee.choices import DecisionMode
from committee.models import Meeting, SectoralScope, ThirdPartyEntity
from core.api.parsers import NUL_MESSAGE, nul_paths
from methodologies.models import EligibilityCriterion, MethodologyVersion

from .. import access, selectors
from ..choices import (
    AllocationParty,
    AnnexChangeKind,
    ChangeRequestKind,
    Conclusion,
    FindingKind,
    FindingStatus,
    ParticipantSide,
    RegistrySide,
)
from ..models import (
    PDD,
    AllocationShare,
    ChangeRequest,
    CreditAllocation,
    EligibilityAnswer,
    EvidenceFile,
    Finding,
    IssuanceRequest,
    MoCAnnexChange,
    MoCStatement,
    MonitoringPeriod,
    MonitoringReport,
    Project,
    ProjectComment,
    ProjectParticipant,
    Site,
    ValidationReport,
    VerificationReport,
)

# --- fields ----------------------------------------------------------------------------------------

VERSION_CODE_RE = re.compile(r"^\s*([A-Z]{2}_[AP]M[0-9]{3,4})\s*[ /(]*\s*(ver[0-9]{2}\.[0-9])\s*\)?\s*$", re.I)


@extend_schema_field(OpenApiTypes.STR)
class MethodologyVersionField(serializers.RelatedField):
    """A methodology version, by id or written as ``MN_AM003 ver01.0``."""

    default_error_messages = {
        "does_not_exist": _("There is no methodology version “{value}”."),
        "invalid": _("Give the version's id or write it as MN_AM003 ver01.0."),
    }

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", MethodologyVersion.objects.select_related("methodology"))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        qs = self.get_queryset()
        if isinstance(data, int) or (isinstance(data, str) and data.strip().isdigit()):
            version = qs.filter(pk=int(data)).first()
        elif isinstance(data, str) and VERSION_CODE_RE.match(data):
            number, version_code = VERSION_CODE_RE.match(data).groups()
            number = number.upper()
            version = qs.filter(version=version_code.lower()).filter(
                methodology__approved_number=number).first() or qs.filter(
                version=version_code.lower(), methodology__proposed_number=number).first()
        else:
            self.fail("invalid")
        if version is None:
            self.fail("does_not_exist", value=data)
        return version

    def to_representation(self, value) -> str:
        return f"{value.methodology.number} {value.version}"


def tpe_field(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="tpe_id", queryset=ThirdPartyEntity.objects.all(), **kwargs)


class JSONInputField(serializers.JSONField):
    """JSON, also accepted as a JSON text (for multipart bodies that carry files alongside); numbers may be
    exact decimals (the projects API reads JSON numbers as Decimal)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("encoder", DjangoJSONEncoder)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data, parse_float=Decimal)
            except (ValueError, RecursionError):  # RecursionError: nested too deep
                self.fail("invalid")
            if nul_paths(data):
                raise serializers.ValidationError(NUL_MESSAGE)
        return super().to_internal_value(data)


def _url(context, name: str, **kwargs) -> str | None:
    request = context.get("request")
    try:
        return reverse(name, kwargs=kwargs, request=request)
    except Exception:  # the router may not be mounted (e.g. serializers used outside the API)
        return None


# --- projects ------------------------------------------------------------------------------------------

class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["name", "latitude", "longitude", "description"]


class ParticipantSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = ProjectParticipant
        fields = ["organization", "organization_name", "name", "side", "is_focal_point", "active", "joined_on",
                  "left_on"]


class ProjectListSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="joint_committee.partner.code", read_only=True)
    joint_committee = serializers.CharField(source="joint_committee.name", read_only=True)
    sectoral_scope = serializers.IntegerField(source="sectoral_scope.number", read_only=True)
    sectoral_scope_name = serializers.CharField(source="sectoral_scope.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    methodology_versions = MethodologyVersionField(many=True, read_only=True)
    participants = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    # The demo's fictitious projects (MN9001...) say so; set only by the demo, never through the API.
    is_fictitious = serializers.BooleanField(read_only=True)

    class Meta:
        model = Project
        fields = ["project_id", "url", "title", "is_fictitious", "country", "joint_committee", "sectoral_scope", "sectoral_scope_name",
                  "methodology_versions", "status", "status_label", "expected_annual_reductions",
                  "start_of_operation", "crediting_start", "crediting_end", "registered_on", "participants"]

    def get_participants(self, project) -> list[dict]:
        return [{"name": p.name, "side": p.side, "is_focal_point": p.is_focal_point}
                for p in project.participants.all() if p.active]

    def get_url(self, project) -> str | None:
        return _url(self.context, "project-detail", project_id=project.project_id)


class ProjectDetailSerializer(ProjectListSerializer):
    sites = SiteSerializer(many=True, read_only=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    validation_tpe = serializers.SlugRelatedField(slug_field="tpe_id", read_only=True)
    registration_decision = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    is_open_for_comments = serializers.BooleanField(read_only=True)
    pdd = serializers.SerializerMethodField()
    may_see_confidential = serializers.SerializerMethodField()

    class Meta(ProjectListSerializer.Meta):
        fields = [*ProjectListSerializer.Meta.fields, "description", "sites", "status_reason", "validation_tpe",
                  "created_at", "pdd_submitted_at", "completeness_due_on", "public_input_opens_at",
                  "public_input_closes_at", "is_open_for_comments", "validation_started_at",
                  "registration_requested_at", "registration_due_on", "registration_decision", "withdrawn_at",
                  "pdd", "may_see_confidential"]

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_may_see_confidential(self, project) -> bool:
        return access.can_see_confidential(self._user(), project)

    def get_pdd(self, project) -> dict | None:
        pdd = selectors.current_pdd(project)
        if pdd is None:
            return None
        return PDDSerializer(pdd, context=self.context).data


# --- PDD, comments, validation ----------------------------------------------------------------------

class AnswerSerializer(serializers.ModelSerializer):
    criterion = serializers.PrimaryKeyRelatedField(read_only=True)
    number = serializers.IntegerField(source="criterion.number", read_only=True)
    statement = serializers.CharField(source="criterion.statement", read_only=True)
    methodology_version = MethodologyVersionField(source="criterion.version", read_only=True)

    class Meta:
        model = EligibilityAnswer
        fields = ["criterion", "methodology_version", "number", "statement", "meets", "justification"]


class PDDSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="project_id", read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)
    public_file = serializers.SerializerMethodField()
    confidential_file = serializers.SerializerMethodField()

    class Meta:
        model = PDD
        fields = ["id", "project", "version", "status", "public_file", "public_sha256", "public_size",
                  "confidential_file", "confidential_sha256", "confidential_size", "ex_ante_values", "answers",
                  "saved_at", "submitted_at"]

    def get_public_file(self, pdd) -> str | None:
        return _url(self.context, "project-pdd-public-file", pk=pdd.pk) if pdd.public_file else None

    def get_confidential_file(self, pdd) -> str | None:
        if not pdd.confidential_file:
            return None
        user = getattr(self.context.get("request"), "user", None)
        if not access.can_see_confidential(user, pdd.project):
            return None
        return _url(self.context, "project-pdd-confidential-file", pk=pdd.pk)


class ProjectCommentSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="project_id", read_only=True)

    class Meta:
        model = ProjectComment
        fields = ["id", "project", "name", "organization", "text", "submitted_at"]

    def to_representation(self, comment):
        data = super().to_representation(comment)
        user = getattr(self.context.get("request"), "user", None)
        if selectors.may_see_commenter_email(user, comment.project):
            data["email"] = comment.email
        return data


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["number", "kind", "status", "text", "response"]


class ValidationReportSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="project_id", read_only=True)
    tpe = serializers.SlugRelatedField(slug_field="tpe_id", read_only=True)
    pdd_version = serializers.IntegerField(source="pdd.version", read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    file = serializers.SerializerMethodField()

    class Meta:
        model = ValidationReport
        fields = ["id", "project", "tpe", "pdd_version", "reference", "report_date", "conclusion", "summary",
                  "findings", "file", "original_name", "size", "sha256", "submitted_at"]

    def get_file(self, report) -> str | None:
        return _url(self.context, "project-validation-report-file", pk=report.pk) if report.file else None


# --- MoC, allocation, change requests -------------------------------------------------------------

class AnnexChangeSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = MoCAnnexChange
        fields = ["number", "kind", "organization", "side", "new_name", "contacts", "details", "effective_on",
                  "recorded_at"]


class MoCSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="project_id", read_only=True)
    focal_point = serializers.PrimaryKeyRelatedField(read_only=True)
    focal_point_name = serializers.CharField(source="focal_point.name", read_only=True)
    tpes = serializers.SlugRelatedField(slug_field="tpe_id", many=True, read_only=True)
    supersedes = serializers.SlugRelatedField(slug_field="version", read_only=True)
    annex_changes = AnnexChangeSerializer(many=True, read_only=True)

    class Meta:
        model = MoCStatement
        fields = ["id", "project", "version", "status", "focal_point", "focal_point_name", "primary_signatory_name",
                  "primary_signatory_title", "primary_signatory_email", "alternate_signatory_name",
                  "alternate_signatory_title", "alternate_signatory_email", "tpes", "participants", "contacts",
                  "sha256", "supersedes", "submitted_at", "annex_changes"]


class ShareSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = AllocationShare
        fields = ["position", "party", "organization", "registry", "percent"]


class AllocationSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="project_id", read_only=True)
    shares = ShareSerializer(many=True, read_only=True)

    class Meta:
        model = CreditAllocation
        fields = ["id", "project", "version", "status", "note", "shares", "submitted_at"]


class ChangeRequestSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="project_id", read_only=True)
    decision = serializers.SlugRelatedField(slug_field="reference", read_only=True)

    class Meta:
        model = ChangeRequest
        fields = ["id", "project", "kind", "status", "description", "changes", "new_crediting_end",
                  "previous_crediting_end", "requested_at", "due_on", "decision", "decided_at", "reason"]


# --- monitoring ---------------------------------------------------------------------------------

class EvidenceSerializer(serializers.ModelSerializer):
    file = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = ["id", "original_name", "content_type", "size", "sha256", "description", "parameter", "file",
                  "uploaded_at"]

    def get_file(self, evidence) -> str | None:
        return _url(self.context, "monitoring-evidence-file", pk=evidence.pk)


class MonitoringReportSerializer(serializers.ModelSerializer):
    period = serializers.PrimaryKeyRelatedField(read_only=True)
    methodology_version = MethodologyVersionField(read_only=True)
    evidence = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField(
        help_text="Values of a draft outside their allowed range, per parameter: kept in the draft, refused when "
                  "the report is submitted.")

    class Meta:
        model = MonitoringReport
        fields = ["id", "period", "version", "status", "methodology_version", "entry_method", "values",
                  "source_sha256", "reference_emissions", "project_emissions", "emission_reductions",
                  "reported_reductions", "negative", "results", "trace", "notes", "spec_fingerprint", "saved_at",
                  "submitted_at", "evidence", "warnings"]

    def get_warnings(self, report) -> dict[str, list[str]]:
        return selectors.value_warnings(report)

    def get_evidence(self, report) -> list[dict] | None:
        user = getattr(self.context.get("request"), "user", None)
        if not access.can_see_confidential(user, report.period.project):
            return None
        return EvidenceSerializer(report.evidence.all(), many=True, context=self.context).data


class VerificationReportSerializer(serializers.ModelSerializer):
    period = serializers.PrimaryKeyRelatedField(read_only=True)
    report_version = serializers.IntegerField(source="report.version", read_only=True)
    tpe = serializers.SlugRelatedField(slug_field="tpe_id", read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    file = serializers.SerializerMethodField()

    class Meta:
        model = VerificationReport
        fields = ["id", "period", "report_version", "tpe", "reference", "report_date", "conclusion",
                  "verified_reductions", "reason_lower", "summary", "findings", "file", "original_name", "size",
                  "sha256", "submitted_at"]

    def get_file(self, report) -> str | None:
        return _url(self.context, "project-verification-report-file", pk=report.pk) if report.file else None


class MonitoringPeriodSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="project_id", read_only=True)
    verification_tpe = serializers.SlugRelatedField(slug_field="tpe_id", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = MonitoringPeriod
        fields = ["id", "project", "number", "start_date", "end_date", "status", "status_label",
                  "verification_tpe", "submitted_at", "verified_at"]


class MonitoringPeriodDetailSerializer(MonitoringPeriodSerializer):
    report = serializers.SerializerMethodField()
    verification_reports = VerificationReportSerializer(many=True, read_only=True)

    class Meta(MonitoringPeriodSerializer.Meta):
        fields = [*MonitoringPeriodSerializer.Meta.fields, "report", "verification_reports"]

    def get_report(self, period) -> dict | None:
        user = getattr(self.context.get("request"), "user", None)
        report = selectors.latest_report(period, user)
        return MonitoringReportSerializer(report, context=self.context).data if report else None


class IssuanceRequestSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="project_id", read_only=True)
    period = MonitoringPeriodSerializer(read_only=True)
    decision = serializers.SerializerMethodField()
    allocation = AllocationSerializer(read_only=True)
    split = serializers.SerializerMethodField()

    class Meta:
        model = IssuanceRequest
        fields = ["id", "project", "period", "status", "requested_amount", "requested_at", "due_on",
                  "decided_amount", "decided_at", "decision", "reason", "allocation", "split"]

    def get_decision(self, request) -> dict | None:
        d = request.decision
        if d is None:
            return None
        return {"reference": d.reference, "decided_on": d.decided_on, "title": d.title, "kind": d.kind}

    def get_split(self, request) -> list[dict] | None:
        """Whole credits per share of the decided amount (largest remainder, see docs/projects.md)."""
        if request.decided_amount is None:
            return None
        shares = list(request.allocation.shares.all())
        from ..models import split_amount

        return [{"position": s.position, "party": s.party, "organization": s.organization_id, "registry": s.registry,
                 "credits": credits} for s, credits in split_amount(shares, request.decided_amount)]


# --- inputs -----------------------------------------------------------------------------------------

class SiteInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ParticipantInput(serializers.Serializer):
    organization = organization_field()
    side = serializers.ChoiceField(choices=ParticipantSide.choices)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ProjectUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True)
    sectoral_scope = serializers.SlugRelatedField(slug_field="number", queryset=SectoralScope.objects.all())
    methodology_versions = MethodologyVersionField(many=True)
    participants = ParticipantInput(many=True)
    focal_point = organization_field()
    sites = SiteInput(many=True)
    expected_annual_reductions = serializers.IntegerField(min_value=0)
    start_of_operation = serializers.DateField(allow_null=True)
    crediting_start = serializers.DateField(allow_null=True)
    crediting_end = serializers.DateField(allow_null=True)


class ProjectCreateInput(ProjectUpdateInput):
    joint_committee = JointCommitteeField()
    sites = SiteInput(many=True, required=False, default=list)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    expected_annual_reductions = serializers.IntegerField(min_value=0, required=False, default=0)
    start_of_operation = serializers.DateField(allow_null=True, required=False, default=None)
    crediting_start = serializers.DateField(allow_null=True, required=False, default=None)
    crediting_end = serializers.DateField(allow_null=True, required=False, default=None)


class AnswerInput(serializers.Serializer):
    criterion = serializers.PrimaryKeyRelatedField(queryset=EligibilityCriterion.objects.all())
    meets = serializers.BooleanField(allow_null=True)
    justification = serializers.CharField(required=False, allow_blank=True, default="")


class PDDSaveInput(serializers.Serializer):
    public_file = serializers.FileField(required=False)
    confidential_file = serializers.FileField(required=False)
    remove_confidential = serializers.BooleanField(required=False, default=False)
    answers = JSONInputField(required=False, help_text=_("[{criterion, meets, justification}]"))
    ex_ante_values = JSONInputField(required=False, help_text=_("{symbol: value}"))

    def validate_answers(self, value):
        serializer = AnswerInput(data=value, many=True)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def validate_ex_ante_values(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Give the values as {symbol: value}."))
        return value


class OptionalReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RequiredReasonInput(serializers.Serializer):
    reason = serializers.CharField()


class ChooseTPEInput(serializers.Serializer):
    tpe = tpe_field()


class FindingInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FindingKind.choices)
    status = serializers.ChoiceField(choices=FindingStatus.choices)
    text = serializers.CharField()
    response = serializers.CharField(required=False, allow_blank=True, default="")


def _findings(value):
    serializer = FindingInput(data=value or [], many=True)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ValidationReportInput(serializers.Serializer):
    conclusion = serializers.ChoiceField(choices=Conclusion.choices)
    report_date = serializers.DateField()
    findings = JSONInputField(required=False, default=list)
    file = serializers.FileField(required=False, allow_null=True, default=None)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_findings(self, value):
        return _findings(value)


class DecisionFieldsInput(serializers.Serializer):
    decided_on = serializers.DateField()
    mode = serializers.ChoiceField(choices=DecisionMode.choices)
    meeting = serializers.PrimaryKeyRelatedField(queryset=Meeting.objects.all(), required=False, allow_null=True,
                                                 default=None)
    reference = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    text = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionRejectInput(DecisionFieldsInput):
    reason = serializers.CharField()


class IssuanceDecideInput(DecisionFieldsInput):
    amount = serializers.IntegerField(min_value=1)


class SignatoryInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class ContactInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    organization = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


def _nested(serializer_class, value, *, many=False):
    serializer = serializer_class(data=value, many=many)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class MoCInput(serializers.Serializer):
    focal_point = organization_field()
    primary_signatory = JSONInputField()
    alternate_signatory = JSONInputField()
    tpes = serializers.SlugRelatedField(slug_field="tpe_id", queryset=ThirdPartyEntity.objects.all(), many=True,
                                        required=False, default=list)
    contacts = JSONInputField(required=False, default=list)
    file = serializers.FileField(required=False, allow_null=True, default=None)

    def validate_primary_signatory(self, value):
        return _nested(SignatoryInput, value)

    def validate_alternate_signatory(self, value):
        return _nested(SignatoryInput, value)

    def validate_contacts(self, value):
        return _nested(ContactInput, value, many=True)


class AnnexChangeInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AnnexChangeKind.choices)
    organization = organization_field(required=False, allow_null=True, default=None)
    side = serializers.ChoiceField(choices=ParticipantSide.choices, required=False, allow_blank=True, default="")
    new_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contacts = ContactInput(many=True, required=False, default=None)
    details = serializers.CharField(required=False, allow_blank=True, default="")
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)


class ShareInput(serializers.Serializer):
    party = serializers.ChoiceField(choices=AllocationParty.choices)
    percent = serializers.DecimalField(max_digits=7, decimal_places=4)
    registry = serializers.ChoiceField(choices=RegistrySide.choices, required=False, allow_blank=True, default="")
    organization = organization_field(required=False, allow_null=True, default=None)


class AllocationInput(serializers.Serializer):
    shares = ShareInput(many=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ProjectCommentInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(help_text=_("Not published."))
    organization = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    text = serializers.CharField()


class ChangeRequestInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChangeRequestKind.choices)
    description = serializers.CharField()
    changes = serializers.DictField(required=False, default=dict)
    new_crediting_end = serializers.DateField(required=False, allow_null=True, default=None)


class PeriodCreateInput(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class ReportSaveInput(serializers.Serializer):
    values = JSONInputField(help_text=_("{symbol: value} or {symbol: {site: value}}; exact decimals."))
    replace = serializers.BooleanField(required=False, default=False)
    methodology_version = MethodologyVersionField(required=False, allow_null=True, default=None)


class ReportUploadInput(serializers.Serializer):
    file = serializers.FileField()
    methodology_version = MethodologyVersionField(required=False, allow_null=True, default=None)


class ReportUploadVersionInput(serializers.Serializer):
    methodology_version = MethodologyVersionField()


class EvidenceInput(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    parameter = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class ReportSubmitInput(serializers.Serializer):
    verification_tpe = tpe_field()


class VerificationInput(serializers.Serializer):
    conclusion = serializers.ChoiceField(choices=Conclusion.choices)
    verified_reductions = serializers.IntegerField(min_value=0)
    report_date = serializers.DateField()
    findings = JSONInputField(required=False, default=list)
    reason_lower = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField(required=False, allow_null=True, default=None)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_findings(self, value):
        return _findings(value)
