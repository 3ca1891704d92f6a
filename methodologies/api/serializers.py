"""Serializers of the methodologies API.

Output serializers (``<Model>Serializer``) describe what a read returns. Input serializers
(``<Action>Input``) only check the shape of a request body; whether the actor may act and whether
the methodology is in a state that allows it is decided by the service. Methodologies are named by
their number (``MN_AM003`` or, before approval, ``MN_PM004``); versions and comments by numeric id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from committee.api.serializers import JointCommitteeField
from committee.choices import DecisionMode
from committee.models import Meeting, Organization, SectoralScope

from .. import engine, services
from ..choices import MonitoringOption, ParameterKind, RevisionKind
from ..content import MethodologyContent
from ..models import EligibilityCriterion, Formula, Methodology, MethodologyVersion, Parameter, PublicComment

DECIMAL = {"max_digits": 30, "decimal_places": 12}


# --- output --------------------------------------------------------------------------------

class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EligibilityCriterion
        fields = ["number", "statement"]


class ParameterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Parameter
        fields = ["symbol", "description", "unit", "kind", "per_site", "min_value", "max_value", "default_value",
                  "source", "monitoring_option", "measurement_method", "frequency"]


class FormulaSerializer(serializers.ModelSerializer):
    readable = serializers.SerializerMethodField(help_text="The formula written readably, e.g. Σ(EG_i × EF_grid).")

    class Meta:
        model = Formula
        fields = ["symbol", "expression", "readable", "description", "unit", "per_site"]

    def get_readable(self, obj: Formula) -> str:
        try:
            return engine.describe(obj.expression)
        except engine.EngineError:
            return obj.expression


class VersionSummarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = MethodologyVersion
        fields = ["id", "version", "status", "approved_on", "valid_until", "url"]

    def get_url(self, obj) -> str:
        return reverse("methodology-version-detail", args=[obj.pk], request=self.context.get("request"))


class VersionSerializer(serializers.ModelSerializer):
    methodology = serializers.CharField(source="methodology.number", read_only=True)
    title = serializers.CharField(source="methodology.title", read_only=True)
    revises = serializers.CharField(source="revises.version", default=None, read_only=True)
    approval_decision = serializers.CharField(source="approval_decision.reference", default=None, read_only=True)
    usable_today = serializers.SerializerMethodField()
    criteria = CriterionSerializer(many=True, read_only=True)
    parameters = ParameterSerializer(many=True, read_only=True)
    formulas = FormulaSerializer(many=True, read_only=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = MethodologyVersion
        fields = ["id", "methodology", "title", "version", "status", "revises", "approval_decision", "approved_on",
                  "valid_until", "inactive_since", "usable_today", "revision_reason", "revision_request_url",
                  "requested_at", "consideration_due_on", "document", "criteria", "parameters", "formulas", "links"]

    def get_usable_today(self, obj) -> bool:
        return obj.is_usable_on()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_links(self, obj) -> dict:
        request = self.context.get("request")
        return {
            "spreadsheet": reverse("methodology-version-spreadsheet", args=[obj.pk], request=request),
            "calculate": reverse("methodology-version-calculate", args=[obj.pk], request=request),
            "page": obj.get_absolute_url(),
        }


class DeadlineSerializer(serializers.Serializer):
    step = serializers.CharField()
    due = serializers.DateField()
    closes_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()


class MethodologySerializer(serializers.ModelSerializer):
    joint_committee = serializers.CharField(source="joint_committee.code", read_only=True)
    country = serializers.CharField(source="joint_committee.partner.name", read_only=True)
    sectoral_scope = serializers.IntegerField(source="sectoral_scope.number", read_only=True)
    sectoral_scope_name = serializers.CharField(source="sectoral_scope.name", read_only=True)
    proponent = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    deadline = serializers.SerializerMethodField()
    open_for_comments = serializers.BooleanField(source="is_open_for_comments", read_only=True)
    versions = VersionSummarySerializer(many=True, read_only=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = Methodology
        fields = ["number", "proposed_number", "approved_number", "title", "summary", "joint_committee", "country",
                  "sectoral_scope", "sectoral_scope_name", "proponent", "status", "status_display", "status_reason",
                  "submitted_at", "completeness_due_on", "public_input_opens_at", "public_input_closes_at",
                  "consideration_started_at", "consideration_due_on", "consideration_extended_at", "decided_on",
                  "deadline", "overdue_flagged_at", "open_for_comments", "versions", "links", "source", "is_fictitious"]

    @extend_schema_field(DeadlineSerializer(allow_null=True))
    def get_deadline(self, obj):
        deadline = obj.deadline()
        return DeadlineSerializer(deadline).data if deadline else None

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_links(self, obj) -> dict:
        request = self.context.get("request")
        return {
            "self": reverse("methodology-detail", args=[obj.number], request=request),
            "comments": reverse("methodology-comments", args=[obj.number], request=request),
            "page": obj.get_absolute_url(),
        }


class CommentSerializer(serializers.ModelSerializer):
    methodology = serializers.CharField(source="methodology.number", read_only=True)
    version = serializers.CharField(source="version.version", default=None, read_only=True)

    class Meta:
        model = PublicComment
        fields = ["id", "methodology", "version", "name", "organization", "text", "submitted_at", "published"]


class CommentWithEmailSerializer(CommentSerializer):
    """For the secretariat of the methodology's committee only."""

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "email", "unpublished_reason"]


# --- input: content ---------------------------------------------------------------------------

class ParameterInput(serializers.Serializer):
    symbol = serializers.CharField(max_length=40)
    description = serializers.CharField(max_length=500)
    unit = serializers.CharField(max_length=40, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=ParameterKind.choices)
    per_site = serializers.BooleanField(default=False)
    min_value = serializers.DecimalField(**DECIMAL, required=False, allow_null=True, default=None)
    max_value = serializers.DecimalField(**DECIMAL, required=False, allow_null=True, default=None)
    default_value = serializers.DecimalField(**DECIMAL, required=False, allow_null=True, default=None)
    source = serializers.CharField(max_length=500, allow_blank=True, default="")
    monitoring_option = serializers.ChoiceField(choices=[("", "—"), *MonitoringOption.choices], allow_blank=True,
                                                default="")
    measurement_method = serializers.CharField(allow_blank=True, default="")
    frequency = serializers.CharField(max_length=200, allow_blank=True, default="")


class FormulaInput(serializers.Serializer):
    symbol = serializers.CharField(max_length=40)
    expression = serializers.CharField(max_length=1000)
    description = serializers.CharField(max_length=500, allow_blank=True, default="")
    unit = serializers.CharField(max_length=40, allow_blank=True, default="tCO2e")
    per_site = serializers.BooleanField(default=False)


class ContentInput(serializers.Serializer):
    """Eligibility criteria (statements in order), parameters and formulas (RE, PE and ER at least)."""

    criteria = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    parameters = ParameterInput(many=True)
    formulas = FormulaInput(many=True)

    @staticmethod
    def pop_content(attrs: dict) -> MethodologyContent | None:
        if not any(k in attrs for k in ("criteria", "parameters", "formulas")):
            return None
        missing = [k for k in ("criteria", "parameters", "formulas") if k not in attrs]
        if missing:
            raise serializers.ValidationError({k: ["Give the criteria, parameters and formulas together."]
                                               for k in missing})
        return MethodologyContent(criteria=attrs.pop("criteria"),
                                  parameters=[dict(p) for p in attrs.pop("parameters")],
                                  formulas=[dict(f) for f in attrs.pop("formulas")])

    def validate(self, attrs: dict) -> dict:
        attrs["content"] = self.pop_content(attrs)
        return attrs


class MethodologySubmitInput(ContentInput):
    joint_committee = JointCommitteeField()
    title = serializers.CharField(max_length=300)
    summary = serializers.CharField()
    sectoral_scope = serializers.SlugRelatedField(slug_field="number", queryset=SectoralScope.objects.all())
    proponent_organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False,
                                                                allow_null=True, default=None)
    proponent_name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    proposed_number = serializers.CharField(max_length=12, required=False, allow_blank=True, default="",
                                            help_text="Defaults to the committee's next number, e.g. MN_PM005.")


class MethodologyResubmitInput(ContentInput):
    """Changes to a returned proposal; the content (criteria, parameters, formulas) is replaced if given."""

    criteria = serializers.ListField(child=serializers.CharField(), allow_empty=False, required=False)
    parameters = ParameterInput(many=True, required=False)
    formulas = FormulaInput(many=True, required=False)
    title = serializers.CharField(max_length=300, required=False)
    summary = serializers.CharField(required=False)
    sectoral_scope = serializers.SlugRelatedField(slug_field="number", queryset=SectoralScope.objects.all(),
                                                  required=False)


class VersionContentInput(ContentInput):
    pass


# --- input: workflow ----------------------------------------------------------------------------

class ReasonInput(serializers.Serializer):
    reason = serializers.CharField()


class ExtendInput(serializers.Serializer):
    reason = serializers.CharField()
    until = serializers.DateField(required=False, allow_null=True, default=None,
                                  help_text="Defaults to the latest date allowed (90 days from the start).")


class DecisionFields(serializers.Serializer):
    """How the Joint Committee decided; the decision is recorded in the committee app."""

    decided_on = serializers.DateField()
    mode = serializers.ChoiceField(choices=DecisionMode.choices)
    meeting = serializers.PrimaryKeyRelatedField(queryset=Meeting.objects.all(), required=False, allow_null=True,
                                                 default=None)
    reference = serializers.CharField(max_length=50, required=False, allow_blank=True, default="",
                                      help_text="Defaults to the committee's next reference.")
    text = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict) -> dict:
        decision = services.DecisionInput(**{k: attrs.pop(k) for k in ("decided_on", "mode", "meeting",
                                                                        "reference", "text")})
        return {**attrs, "decision": decision}


class ApproveInput(DecisionFields):
    approved_number = serializers.CharField(max_length=12, required=False, allow_blank=True, default="",
                                            help_text="Defaults to the committee's next number, e.g. MN_AM004.")


class DecisionWithReasonInput(DecisionFields):
    reason = serializers.CharField()


class RevisionApproveInput(DecisionFields):
    previous_valid_until = serializers.DateField(
        required=False, allow_null=True, default=None,
        help_text="Transition date: the superseded version may still be used until then.")


class RevisionRequestInput(ContentInput):
    """An Approved Methodology Revision Request. Without content, the valid version's is copied."""

    kind = serializers.ChoiceField(choices=RevisionKind.choices)
    reason = serializers.CharField()
    request_url = serializers.URLField(required=False, allow_blank=True, default="")
    criteria = serializers.ListField(child=serializers.CharField(), allow_empty=False, required=False)
    parameters = ParameterInput(many=True, required=False)
    formulas = FormulaInput(many=True, required=False)


class CommentInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    organization = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(help_text="Not published.")
    text = serializers.CharField()


class CalculateInput(serializers.Serializer):
    """Parameter values for one monitoring period. Numbers may be JSON numbers (read exactly as
    decimals) or text; a value may carry its unit ``{"value": "1.2", "unit": "GWh"}``; per-site
    parameters take ``{site: value}``."""

    values = serializers.DictField(child=serializers.JSONField(encoder=DjangoJSONEncoder), allow_empty=True)
    sites = serializers.ListField(child=serializers.CharField(max_length=100), required=False, allow_null=True,
                                  default=None, help_text="The sites, in order (defaults to those in the values).")

    def to_internal_value(self, data: Any) -> Any:
        """Counts first: the number of sites and of values is refused over the engine's limits before any
        site or value is read (a public endpoint: its work stays bounded whatever the body)."""
        if isinstance(data, Mapping):
            sites, values = data.get("sites"), data.get("values")
            if isinstance(sites, list) and len(sites) > engine.MAX_SITES:
                raise serializers.ValidationError(
                    {"sites": [f"At most {engine.MAX_SITES} sites can be calculated at once."]})
            if isinstance(values, Mapping):
                if len(values) > engine.MAX_PARAMETERS:
                    raise serializers.ValidationError(
                        {"values": [f"At most {engine.MAX_PARAMETERS} values can be given."]})
                crowded = {str(symbol): [f"At most {engine.MAX_SITES} sites can be calculated at once."]
                           for symbol, value in values.items()
                           if isinstance(value, Mapping) and len(value) > engine.MAX_SITES}
                if crowded:
                    raise serializers.ValidationError({"values": crowded})
        return super().to_internal_value(data)
