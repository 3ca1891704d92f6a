"""Serializers of the committee API.

Output serializers (``<Model>Serializer``) describe what a read returns; they never save.
Input serializers (``<Action>Input``) only check the shape of a write's request body; what the
write means (may this actor do it, is the transition allowed) is decided by the service.

Joint Committees are named by their partner country's ISO code everywhere (``"MN"``), countries
by ISO code, rule documents by document code, TPEs by TPE ID, sectoral scopes by number; other
objects (members, meetings, decisions, organizations) by numeric id.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from committee.choices import (
    DecisionKind,
    DecisionMode,
    MemberRole,
    OrganizationKind,
    RuleKind,
    Side,
    TPEFunction,
    TPEStatus,
)
from committee.models import (
    BilateralDocument,
    CommitteeMember,
    Country,
    CountryScopeLabel,
    Decision,
    JointCommittee,
    Meeting,
    Organization,
    OrganizationName,
    RuleDocument,
    SectoralScope,
    ThirdPartyEntity,
    TPEScopeValidity,
    TPEStatusChange,
    User,
)
from core.api.fields import InputBooleanField

# Models a decision may name as "the object decided" (app label, or app label.model).
SUBJECT_APPS = {"methodologies", "projects", "credits"}
SUBJECT_MODELS = {"committee.thirdpartyentity", "committee.ruledocument", "committee.organization"}


# --- fields -----------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class JointCommitteeField(serializers.RelatedField):
    """A Joint Committee, written as its partner country's ISO code (e.g. ``MN``)."""

    default_error_messages = {
        "does_not_exist": _("There is no Joint Committee with the partner country “{value}”."),
        "invalid": _("Give the partner country's ISO code, e.g. MN."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", JointCommittee.objects.select_related("partner"))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return self.get_queryset().get(partner__code=data.strip().upper())
        except JointCommittee.DoesNotExist:
            self.fail("does_not_exist", value=data)

    def to_representation(self, value) -> str:
        return value.partner.code


def organization_field(**kwargs) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), **kwargs)


def scope_list_field(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="number", queryset=SectoralScope.objects.all(), many=True, **kwargs
    )


def decision_field(**kwargs) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=Decision.objects.all(), required=False, allow_null=True, **kwargs
    )


def committee_code() -> serializers.CharField:
    return serializers.CharField(
        source="joint_committee.partner.code",
        read_only=True,
        help_text=_("Partner country ISO code of the Joint Committee."),
    )


# --- outputs ----------------------------------------------------------------------------


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "short_name"]


class OrganizationNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrganizationName
        fields = ["name", "name_ja", "valid_from", "valid_until", "attested_on", "source"]


class OrganizationSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="organization-detail")
    country = serializers.CharField(source="country.code", read_only=True, allow_null=True)
    name_history = OrganizationNameSerializer(many=True, read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "url",
            "name",
            "name_ja",
            "short_name",
            "kind",
            "country",
            "email",
            "website",
            "address",
            "is_fictitious",
            "name_history",
        ]


class BilateralDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = BilateralDocument
        fields = [
            "id",
            "title",
            "signed_on",
            "place",
            "japan_signatory",
            "japan_signatory_title",
            "partner_signatory",
            "partner_signatory_title",
            "file",
        ]


class CountrySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="country-detail", lookup_field="code")
    joint_committee = serializers.CharField(
        source="joint_committee.partner.code",
        read_only=True,
        allow_null=True,
        help_text=_("ISO code naming the country's Joint Committee, if any."),
    )
    bilateral_documents = BilateralDocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Country
        fields = [
            "code",
            "url",
            "name",
            "name_ja",
            "name_local",
            "is_japan",
            "joint_committee",
            "bilateral_documents",
        ]


class CountryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = ["code", "name", "name_ja"]


class JointCommitteeSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="partner.code", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="joint-committee-detail", lookup_field="code")
    partner = CountryRefSerializer(read_only=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = JointCommittee
        fields = ["code", "url", "name", "partner", "established_on", "links"]

    def get_links(self, obj: JointCommittee) -> dict[str, str]:
        """The committee's members, meetings, decisions, rule documents and TPEs (filtered lists)."""
        request = self.context.get("request")
        code = obj.partner.code
        names = {
            "members": "committee-member-list",
            "meetings": "meeting-list",
            "decisions": "decision-list",
            "rule_documents": "rule-document-list",
            "tpes": "tpe-list",
        }
        return {
            key: f"{reverse(name, request=request)}?joint_committee={code}" for key, name in names.items()
        }


class CommitteeMemberSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="committee-member-detail")
    joint_committee = committee_code()
    organization = OrganizationRefSerializer(read_only=True)
    is_serving = serializers.SerializerMethodField()

    class Meta:
        model = CommitteeMember
        fields = [
            "id",
            "url",
            "joint_committee",
            "side",
            "name",
            "title",
            "organization",
            "role",
            "start_date",
            "end_date",
            "is_serving",
        ]

    def get_is_serving(self, obj: CommitteeMember) -> bool:
        return obj.end_date is None or obj.end_date >= timezone.localdate()


class MeetingSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="meeting-detail")
    joint_committee = committee_code()
    title = serializers.CharField(source="__str__", read_only=True)
    place = serializers.CharField(read_only=True)
    attendees = OrganizationRefSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "url",
            "joint_committee",
            "number",
            "title",
            "date",
            "city",
            "is_online",
            "place",
            "summary",
            "report",
            "attendees",
            "attendance_note",
            "source",
            "status",
            "published_at",
        ]


class DecisionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="decision-detail")
    joint_committee = committee_code()
    meeting_number = serializers.IntegerField(source="meeting.number", read_only=True, allow_null=True)
    subject_type = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "url",
            "joint_committee",
            "reference",
            "decided_on",
            "mode",
            "meeting",
            "meeting_number",
            "kind",
            "title",
            "text",
            "subject_type",
            "subject_id",
            "subject_label",
            "status",
            "published_at",
            "source",
        ]

    def get_subject_type(self, obj: Decision) -> str | None:
        """The kind of object decided, as ``app_label.model``."""
        if obj.subject_type_id is None:
            return None
        return f"{obj.subject_type.app_label}.{obj.subject_type.model}"


class RuleDocumentSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="rule-document-detail", lookup_field="code")
    joint_committee = committee_code()
    version = serializers.CharField(read_only=True)
    supersedes = serializers.CharField(
        source="supersedes.code",
        read_only=True,
        allow_null=True,
        help_text=_("Code of the version this one replaced."),
    )
    superseded_by = serializers.CharField(
        source="superseded_by.code",
        read_only=True,
        allow_null=True,
        help_text=_("Code of the version that replaced this one."),
    )
    adopted_by = serializers.CharField(
        source="adopted_by.reference",
        read_only=True,
        allow_null=True,
        help_text=_("Reference of the adopting decision."),
    )

    class Meta:
        model = RuleDocument
        fields = [
            "code",
            "url",
            "joint_committee",
            "kind",
            "series",
            "title",
            "version",
            "effective_date",
            "file",
            "supersedes",
            "superseded_by",
            "adopted_by",
            "status",
            "published_at",
            "source",
        ]


class TPEStatusChangeSerializer(serializers.ModelSerializer):
    decision = serializers.CharField(source="decision.reference", read_only=True, allow_null=True)

    class Meta:
        model = TPEStatusChange
        fields = ["from_status", "to_status", "effective_on", "reason", "decision"]


class TPEScopeValiditySerializer(serializers.ModelSerializer):
    scope = serializers.IntegerField(source="scope.number", read_only=True)
    decision = serializers.CharField(source="decision.reference", read_only=True, allow_null=True)

    class Meta:
        model = TPEScopeValidity
        fields = ["scope", "purpose", "valid_until", "decision"]


class ThirdPartyEntitySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="tpe-detail", lookup_field="tpe_id")
    joint_committee = committee_code()
    organization = OrganizationRefSerializer(read_only=True)
    decision = serializers.CharField(source="decision.reference", read_only=True, allow_null=True)
    scopes_validation = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    scopes_verification = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    status_history = TPEStatusChangeSerializer(source="status_changes", many=True, read_only=True)
    scope_validity = TPEScopeValiditySerializer(many=True, read_only=True)

    class Meta:
        model = ThirdPartyEntity
        fields = [
            "tpe_id",
            "url",
            "joint_committee",
            "organization",
            "status",
            "designated_on",
            "status_changed_on",
            "accreditation",
            "decision",
            "scopes_validation",
            "scopes_verification",
            "scope_validity",
            "status_history",
            "source",
            "note",
        ]


class CountryScopeLabelSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True)

    class Meta:
        model = CountryScopeLabel
        fields = ["country", "label"]


class SectoralScopeSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="sectoral-scope-detail", lookup_field="number")
    country_labels = CountryScopeLabelSerializer(many=True, read_only=True)

    class Meta:
        model = SectoralScope
        fields = ["number", "url", "name", "name_ja", "country_labels"]


# --- inputs -----------------------------------------------------------------------------


class CountryCreateInput(serializers.Serializer):
    code = serializers.RegexField(r"^[A-Za-z]{2}$", help_text=_("ISO 3166-1 alpha-2 code."))
    name = serializers.CharField(max_length=100)
    name_ja = serializers.CharField(max_length=100, required=False, allow_blank=True)
    name_local = serializers.CharField(max_length=100, required=False, allow_blank=True)


class CountryUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    name_ja = serializers.CharField(max_length=100, required=False, allow_blank=True)
    name_local = serializers.CharField(max_length=100, required=False, allow_blank=True)


class BilateralDocumentInput(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    signed_on = serializers.DateField()
    place = serializers.CharField(max_length=100, required=False, allow_blank=True)
    japan_signatory = serializers.CharField(max_length=200, required=False, allow_blank=True)
    japan_signatory_title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    partner_signatory = serializers.CharField(max_length=200, required=False, allow_blank=True)
    partner_signatory_title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    file = serializers.FileField(required=False)


class JointCommitteeCreateInput(serializers.Serializer):
    partner = serializers.SlugRelatedField(
        slug_field="code", queryset=Country.objects.all(), help_text=_("ISO code of the partner country.")
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    established_on = serializers.DateField(required=False, allow_null=True)


class OrganizationCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=OrganizationKind.choices)
    country = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Country.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("ISO code of the organization's country."),
    )
    name_ja = serializers.CharField(max_length=200, required=False, allow_blank=True)
    short_name = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)


class MemberAppointInput(serializers.Serializer):
    joint_committee = JointCommitteeField()
    side = serializers.ChoiceField(choices=Side.choices)
    name = serializers.CharField(max_length=200)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    organization = organization_field()
    role = serializers.ChoiceField(choices=MemberRole.choices, default=MemberRole.MEMBER)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Username of the member's login, if any."),
    )


class MemberEndInput(serializers.Serializer):
    end_date = serializers.DateField()


class MeetingRecordInput(serializers.Serializer):
    joint_committee = JointCommitteeField()
    date = serializers.DateField()
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    is_online = InputBooleanField(default=False)
    number = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text=_("Defaults to the next number.")
    )
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    report = serializers.FileField(required=False, allow_null=True)
    attendees = organization_field(many=True, required=False)
    publish = InputBooleanField(default=True, help_text=_("Publish now (default) or keep as a draft."))


class MeetingUpdateInput(serializers.Serializer):
    date = serializers.DateField(required=False)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_online = serializers.BooleanField(required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    report = serializers.FileField(required=False, allow_null=True)
    attendees = organization_field(many=True, required=False)


class DecisionRecordInput(serializers.Serializer):
    joint_committee = JointCommitteeField()
    decided_on = serializers.DateField()
    mode = serializers.ChoiceField(choices=DecisionMode.choices)
    kind = serializers.ChoiceField(choices=DecisionKind.choices)
    title = serializers.CharField(max_length=300)
    text = serializers.CharField(required=False, allow_blank=True, default="")
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.all(), required=False, allow_null=True
    )
    subject_type = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Kind of object decided, as app_label.model.")
    )
    subject_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    subject_label = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    reference = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Defaults to the next reference, e.g. MN-JC01-02."),
    )
    publish = InputBooleanField(default=True, help_text=_("Publish now (default) or keep as a draft."))

    def validate(self, attrs: dict) -> dict:
        subject_type = attrs.pop("subject_type", "")
        subject_id = attrs.pop("subject_id", "")
        attrs["subject"] = None
        if subject_type or subject_id:
            attrs["subject"] = _resolve_subject(subject_type, subject_id)
        return attrs


def _resolve_subject(label: str, pk: str):
    app_label, _dot, model = (label or "").lower().partition(".")
    if app_label not in SUBJECT_APPS and f"{app_label}.{model}" not in SUBJECT_MODELS:
        raise serializers.ValidationError({"subject_type": _("A decision cannot name that kind of object.")})
    try:
        model_class = ContentType.objects.get_by_natural_key(app_label, model).model_class()
    except ContentType.DoesNotExist:
        model_class = None
    if model_class is None:
        raise serializers.ValidationError({"subject_type": _("Unknown kind of object.")})
    try:
        return model_class._default_manager.get(pk=pk)
    except (model_class.DoesNotExist, ValueError) as exc:
        raise serializers.ValidationError({"subject_id": _("No such object.")}) from exc


class DecisionUpdateInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DecisionKind.choices, required=False)
    title = serializers.CharField(max_length=300, required=False)
    text = serializers.CharField(required=False, allow_blank=True)
    subject_label = serializers.CharField(max_length=300, required=False, allow_blank=True)


class RuleDocumentPublishInput(serializers.Serializer):
    joint_committee = JointCommitteeField()
    kind = serializers.ChoiceField(choices=RuleKind.choices)
    version = serializers.CharField(max_length=12, help_text=_("e.g. 02.0 or ver02.0"))
    title = serializers.CharField(max_length=300)
    effective_date = serializers.DateField()
    file = serializers.FileField(required=False, allow_null=True)
    form_code = serializers.CharField(
        max_length=41,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Forms and other documents: short code such as F_Iss_Req."),
    )
    adopted_by = decision_field(help_text=_("Id of the adopting decision."))


class RuleDocumentWithdrawInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class TPEDesignateInput(serializers.Serializer):
    joint_committee = JointCommitteeField()
    organization = organization_field()
    designated_on = serializers.DateField()
    scopes_validation = scope_list_field(required=False)
    scopes_verification = scope_list_field(required=False)
    accreditation = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    decision = decision_field(help_text=_("Id of the designating decision."))
    number = serializers.IntegerField(
        min_value=1,
        max_value=999,
        required=False,
        allow_null=True,
        help_text=_("Defaults to the next number of the committee."),
    )


class TPEStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=TPEStatus.choices)
    effective_on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    decision = decision_field()


class TPEScopeUntilInput(serializers.Serializer):
    scope = serializers.SlugRelatedField(slug_field="number", queryset=SectoralScope.objects.all(),
                                         help_text=_("Number of the sectoral scope."))
    purpose = serializers.ChoiceField(choices=TPEFunction.choices)
    valid_until = serializers.DateField(allow_null=True, help_text=_("Empty: no end date."))
    decision = decision_field()


class TPEScopesInput(serializers.Serializer):
    scopes_validation = scope_list_field(allow_empty=True)
    scopes_verification = scope_list_field(allow_empty=True)
    decision = decision_field()
