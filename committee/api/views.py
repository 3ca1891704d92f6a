"""REST API of the committee app (registered under /api/v1/ by committee.api.urls).

Reads are public and go through ``committee.selectors``: drafts and other internal rows appear only
to insiders (the secretariat and members of that Joint Committee, the ministry of its partner
country, Japan's ministries, system administrators); to anyone else they do not exist (404).

Writes need a session or a token. Each write validates the request body with an input serializer
and calls ONE ``committee.services`` function with ``actor=request.user``; the service decides
whether this actor may act (403) and whether the object is in a state that allows it (409). The
response is the object as a read returns it (201 on create). Objects addressed by a write are
looked up among all rows, so that a write by someone who may not make it is refused with 403.

Lookups: countries by ISO code (``/countries/MN/``), Joint Committees by their partner country's
ISO code (``/joint-committees/MN/``), rule documents by document code
(``/rule-documents/JCM_MN_RoI_ver02.0/``), TPEs by TPE ID (``/tpes/TPE-MN-014/``), sectoral
scopes by number; members, meetings, decisions and organizations by numeric id.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from committee import selectors, services
from committee.filters import (
    CommitteeMemberFilter,
    CountryFilter,
    DecisionFilter,
    JointCommitteeFilter,
    MeetingFilter,
    OrganizationFilter,
    RuleDocumentFilter,
    SectoralScopeFilter,
    ThirdPartyEntityFilter,
)
from committee.models import (
    CommitteeMember,
    Country,
    Decision,
    JointCommittee,
    Meeting,
    Organization,
    RuleDocument,
    SectoralScope,
    ThirdPartyEntity,
    TPEStatusChange,
)
from committee.roles import acting_user
from core.api.serializers import NoInput
from core.api.views import ServiceViewSet, write_responses

from . import serializers as s

# --- countries, organizations, scopes --------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List countries"),
    retrieve=extend_schema(summary="A country, with its bilateral documents and their signatories"),
)
class CountryViewSet(ServiceViewSet):
    """Japan and the partner countries of the JCM, looked up by ISO 3166-1 alpha-2 code (``MN``).

    Each partner country lists the bilateral documents that established the JCM (date, place,
    signatories) and names its Joint Committee by the same code.
    """

    model = Country
    selector = staticmethod(selectors.country_list)
    serializer_class = s.CountrySerializer
    input_serializers = {"create": s.CountryCreateInput, "partial_update": s.CountryUpdateInput}
    lookup_field = "code"
    lookup_value_regex = "[A-Z]{2}"
    filterset_class = CountryFilter
    search_fields = ["code", "name", "name_ja", "name_local"]
    ordering_fields = ["code", "name"]

    @extend_schema(
        summary="Add a country (system administrators)",
        request=s.CountryCreateInput,
        responses=write_responses(s.CountrySerializer, created=True),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.CountryCreateInput)
        country = services.country_create(actor=acting_user(request.user), **data)
        return self.output(country, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Rename a country (system administrators, secretariat of its committee)",
        request=s.CountryUpdateInput,
        responses=write_responses(s.CountrySerializer),
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.CountryUpdateInput, partial=True)
        country = services.country_update(actor=acting_user(request.user), country=self.get_object(), **data)
        return self.output(country)

    @extend_schema(
        summary="Record a bilateral document (secretariat of the country's committee)",
        request=s.BilateralDocumentInput,
        responses=write_responses(s.BilateralDocumentSerializer, created=True),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="bilateral-documents",
        serializer_class=s.BilateralDocumentInput,
    )
    def bilateral_documents(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.BilateralDocumentInput)
        document = services.bilateral_document_record(actor=acting_user(request.user),
                                                      country=self.get_object(), **data)
        return self.respond(document, s.BilateralDocumentSerializer, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List organizations"), retrieve=extend_schema(summary="An organization")
)
class OrganizationViewSet(ServiceViewSet):
    """Ministries, embassies, companies, TPEs and secretariats, looked up by numeric id."""

    model = Organization
    selector = staticmethod(selectors.organization_list)
    serializer_class = s.OrganizationSerializer
    input_serializers = {"create": s.OrganizationCreateInput}
    filterset_class = OrganizationFilter
    search_fields = ["name", "name_ja", "short_name"]
    ordering_fields = ["name", "kind"]

    @extend_schema(
        summary="Register an organization (system administrators, any secretariat)",
        request=s.OrganizationCreateInput,
        responses=write_responses(s.OrganizationSerializer, created=True),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.OrganizationCreateInput)
        organization = services.organization_create(actor=acting_user(request.user), **data)
        return self.output(organization, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List the sectoral scopes"), retrieve=extend_schema(summary="A sectoral scope")
)
class SectoralScopeViewSet(ServiceViewSet):
    """The 15 JCM sectoral scopes (reference data, read-only), looked up by number, with the labels
    that partner countries give them."""

    model = SectoralScope
    selector = staticmethod(selectors.scope_list)
    serializer_class = s.SectoralScopeSerializer
    lookup_field = "number"
    lookup_value_regex = "[0-9]+"
    filterset_class = SectoralScopeFilter
    search_fields = ["name", "name_ja"]
    ordering_fields = ["number"]

    def read_queryset(self) -> QuerySet:
        return super().read_queryset().prefetch_related("country_labels__country")


# --- Joint Committees and members -----------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List the Joint Committees"),
    retrieve=extend_schema(summary="A Joint Committee"),
)
class JointCommitteeViewSet(ServiceViewSet):
    """The Joint Committee of Japan and one partner country, looked up by the partner's ISO code
    (``/joint-committees/MN/``). ``links`` point to its members, meetings, decisions, rules and TPEs."""

    model = JointCommittee
    selector = staticmethod(selectors.joint_committee_list)
    serializer_class = s.JointCommitteeSerializer
    input_serializers = {"create": s.JointCommitteeCreateInput}
    lookup_field = "partner__code"
    lookup_url_kwarg = "code"
    lookup_value_regex = "[A-Z]{2}"
    filterset_class = JointCommitteeFilter
    search_fields = ["name", "partner__name", "partner__code"]
    ordering_fields = ["name", "established_on", "partner__code"]

    @extend_schema(
        summary="Establish a Joint Committee (system administrators)",
        request=s.JointCommitteeCreateInput,
        responses=write_responses(s.JointCommitteeSerializer, created=True),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.JointCommitteeCreateInput)
        jc = services.joint_committee_create(actor=acting_user(request.user), **data)
        return self.output(jc, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List Joint Committee members"),
    retrieve=extend_schema(summary="A Joint Committee member"),
)
class CommitteeMemberViewSet(ServiceViewSet):
    """Members of the Joint Committees by side (Japan / partner), role and term; by numeric id.
    ``?active=true`` lists those serving today."""

    model = CommitteeMember
    selector = staticmethod(selectors.member_list)
    serializer_class = s.CommitteeMemberSerializer
    input_serializers = {"create": s.MemberAppointInput}
    filterset_class = CommitteeMemberFilter
    search_fields = ["name", "title", "organization__name", "organization__short_name"]
    ordering_fields = ["name", "start_date", "end_date", "role", "side"]

    @extend_schema(
        summary="Appoint a member (secretariat of the committee)",
        request=s.MemberAppointInput,
        responses=write_responses(s.CommitteeMemberSerializer, created=True),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.MemberAppointInput)
        member = services.member_appoint(actor=acting_user(request.user), **data)
        return self.output(member, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="End a membership (secretariat of the committee)",
        request=s.MemberEndInput,
        responses=write_responses(s.CommitteeMemberSerializer),
    )
    @action(detail=True, methods=["post"], serializer_class=s.MemberEndInput)
    def end(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.MemberEndInput)
        member = services.member_end(actor=acting_user(request.user), member=self.get_object(), **data)
        return self.output(member, serializer_class=s.CommitteeMemberSerializer)


# --- meetings and decisions ------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List Joint Committee meetings"),
    retrieve=extend_schema(summary="A meeting, with the organizations that attended"),
)
class MeetingViewSet(ServiceViewSet):
    """Meetings of the Joint Committees (number, date, city or online, report, attendees); by id.
    Drafts are visible to the committee's insiders only. A report may be uploaded as multipart."""

    model = Meeting
    selector = staticmethod(selectors.meeting_list)
    serializer_class = s.MeetingSerializer
    input_serializers = {"create": s.MeetingRecordInput, "partial_update": s.MeetingUpdateInput}
    filterset_class = MeetingFilter
    search_fields = ["city", "summary"]
    ordering_fields = ["date", "number", "published_at"]

    @extend_schema(
        summary="Record a meeting (secretariat of the committee)",
        request=s.MeetingRecordInput,
        responses=write_responses(s.MeetingSerializer, created=True),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.MeetingRecordInput)
        meeting = services.meeting_record(actor=acting_user(request.user), **data)
        return self.output(meeting, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct a meeting (secretariat of the committee)",
        request=s.MeetingUpdateInput,
        responses=write_responses(s.MeetingSerializer),
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.MeetingUpdateInput, partial=True)
        report = data.pop("report", None)
        attendees = data.pop("attendees", None)
        meeting = services.meeting_update(
            actor=acting_user(request.user),
            meeting=self.get_object(), report=report, attendees=attendees, **data
        )
        return self.output(meeting)

    @extend_schema(
        summary="Publish a draft meeting (secretariat of the committee)",
        request=None,
        responses=write_responses(s.MeetingSerializer),
    )
    @action(detail=True, methods=["post"], serializer_class=NoInput)
    def publish(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        meeting = services.meeting_publish(actor=acting_user(request.user), meeting=self.get_object())
        return self.output(meeting, serializer_class=s.MeetingSerializer)


@extend_schema_view(
    list=extend_schema(summary="List Joint Committee decisions"), retrieve=extend_schema(summary="A decision")
)
class DecisionViewSet(ServiceViewSet):
    """Decisions of the Joint Committees, taken at a meeting or electronically; by numeric id.
    Drafts are visible to the committee's insiders only."""

    model = Decision
    selector = staticmethod(selectors.decision_list)
    serializer_class = s.DecisionSerializer
    input_serializers = {"create": s.DecisionRecordInput, "partial_update": s.DecisionUpdateInput}
    filterset_class = DecisionFilter
    search_fields = ["reference", "title", "text", "subject_label"]
    ordering_fields = ["decided_on", "reference", "published_at"]

    @extend_schema(
        summary="Record a decision (secretariat of the committee)",
        request=s.DecisionRecordInput,
        responses=write_responses(s.DecisionSerializer, created=True),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.DecisionRecordInput)
        decision = services.decision_record(actor=acting_user(request.user), **data)
        return self.output(decision, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct a draft decision (secretariat of the committee)",
        request=s.DecisionUpdateInput,
        responses=write_responses(s.DecisionSerializer),
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.DecisionUpdateInput, partial=True)
        decision = services.decision_update(actor=acting_user(request.user),
                                            decision=self.get_object(), **data)
        return self.output(decision)

    @extend_schema(
        summary="Publish a draft decision (secretariat of the committee)",
        request=None,
        responses=write_responses(s.DecisionSerializer),
    )
    @action(detail=True, methods=["post"], serializer_class=NoInput)
    def publish(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        decision = services.decision_publish(actor=acting_user(request.user), decision=self.get_object())
        return self.output(decision, serializer_class=s.DecisionSerializer)


# --- rules and guidelines --------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List rules, guidelines and forms"),
    retrieve=extend_schema(
        summary="One version of a rule document",
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="Document code, e.g. JCM_MN_RoI_ver02.0",
            )
        ],
    ),
)
class RuleDocumentViewSet(ServiceViewSet):
    """Versions of the rules, guidelines and forms adopted by a Joint Committee, looked up by
    document code (``JCM_MN_RoI_ver02.0``), with the codes of the version each supersedes and is
    superseded by. Publishing a new version (multipart, with the file) supersedes the one in force."""

    model = RuleDocument
    selector = staticmethod(selectors.rule_document_list)
    serializer_class = s.RuleDocumentSerializer
    input_serializers = {"create": s.RuleDocumentPublishInput}
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filterset_class = RuleDocumentFilter
    search_fields = ["code", "title"]
    ordering_fields = ["code", "effective_date", "published_at"]

    def read_queryset(self) -> QuerySet:
        return super().read_queryset().select_related("superseded_by")

    @extend_schema(
        summary="Publish a new version of a rule document (secretariat of the committee)",
        request={
            "multipart/form-data": s.RuleDocumentPublishInput,
            "application/json": s.RuleDocumentPublishInput,
        },
        responses=write_responses(s.RuleDocumentSerializer, created=True),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.RuleDocumentPublishInput)
        document = services.rule_document_publish(actor=acting_user(request.user), **data)
        return self.output(document, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Withdraw a rule document (secretariat of the committee)",
        request=s.RuleDocumentWithdrawInput,
        responses=write_responses(s.RuleDocumentSerializer),
    )
    @action(detail=True, methods=["post"], serializer_class=s.RuleDocumentWithdrawInput)
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.RuleDocumentWithdrawInput)
        document = services.rule_document_withdraw(actor=acting_user(request.user),
                                                   document=self.get_object(), **data)
        return self.output(document, serializer_class=s.RuleDocumentSerializer)


# --- third-party entities --------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List third-party entities"),
    retrieve=extend_schema(summary="A third-party entity, with its scopes and status history"),
)
class ThirdPartyEntityViewSet(ServiceViewSet):
    """Third-party entities designated by a Joint Committee, looked up by TPE ID (``TPE-MN-014``),
    with their sectoral scopes for validation and for verification and their status history."""

    model = ThirdPartyEntity
    selector = staticmethod(selectors.tpe_list)
    serializer_class = s.ThirdPartyEntitySerializer
    input_serializers = {"create": s.TPEDesignateInput}
    lookup_field = "tpe_id"
    lookup_value_regex = "[^/]+"
    filterset_class = ThirdPartyEntityFilter
    search_fields = ["tpe_id", "organization__name", "organization__short_name"]
    ordering_fields = ["tpe_id", "designated_on", "status_changed_on"]

    def read_queryset(self) -> QuerySet:
        history = TPEStatusChange.objects.select_related("decision")
        return (
            super()
            .read_queryset()
            .select_related("decision")
            .prefetch_related(Prefetch("status_changes", queryset=history))
        )

    @extend_schema(
        summary="Designate a TPE (secretariat of the committee)",
        request=s.TPEDesignateInput,
        responses=write_responses(s.ThirdPartyEntitySerializer, created=True),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.TPEDesignateInput)
        tpe = services.tpe_designate(actor=acting_user(request.user), **data)
        return self.output(tpe, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Suspend, reinstate or withdraw a TPE (secretariat of the committee)",
        request=s.TPEStatusInput,
        responses=write_responses(s.ThirdPartyEntitySerializer),
    )
    @action(detail=True, methods=["post"], url_path="status", serializer_class=s.TPEStatusInput)
    def change_status(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.TPEStatusInput)
        tpe = services.tpe_change_status(actor=acting_user(request.user), tpe=self.get_object(), **data)
        return self.output(tpe, serializer_class=s.ThirdPartyEntitySerializer)

    @extend_schema(
        summary="Replace a TPE's sectoral scopes (secretariat of the committee)",
        request=s.TPEScopesInput,
        responses=write_responses(s.ThirdPartyEntitySerializer),
    )
    @action(detail=True, methods=["post"], serializer_class=s.TPEScopesInput)
    def scopes(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.TPEScopesInput)
        tpe = services.tpe_update_scopes(actor=acting_user(request.user), tpe=self.get_object(), **data)
        return self.output(tpe, serializer_class=s.ThirdPartyEntitySerializer)


    @extend_schema(
        summary="Set or clear the \"until\" date of a TPE's designation in one sectoral scope (secretariat)",
        request=s.TPEScopeUntilInput,
        responses=write_responses(s.ThirdPartyEntitySerializer),
    )
    @action(detail=True, methods=["post"], url_path="scope-until", serializer_class=s.TPEScopeUntilInput)
    def scope_until(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.TPEScopeUntilInput)
        tpe = services.tpe_set_scope_until(actor=acting_user(request.user), tpe=self.get_object(), **data)
        return self.output(selectors.tpe_list(request.user).get(pk=tpe.pk), serializer_class=s.ThirdPartyEntitySerializer)


ROUTES = [
    ("countries", CountryViewSet, "country"),
    ("joint-committees", JointCommitteeViewSet, "joint-committee"),
    ("committee-members", CommitteeMemberViewSet, "committee-member"),
    ("meetings", MeetingViewSet, "meeting"),
    ("decisions", DecisionViewSet, "decision"),
    ("rule-documents", RuleDocumentViewSet, "rule-document"),
    ("tpes", ThirdPartyEntityViewSet, "tpe"),
    ("sectoral-scopes", SectoralScopeViewSet, "sectoral-scope"),
    ("organizations", OrganizationViewSet, "organization"),
]
