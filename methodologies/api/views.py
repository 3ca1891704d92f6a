"""REST API of the methodologies app (registered under /api/v1/ by methodologies.api.urls).

Reads are public and go through ``methodologies.selectors``: a proposal becomes public when its
public input opens; before that only its proponent and the insiders of its Joint Committee see it.

Writes need a session or a token, except two that anyone may make: a comment while public input
is open, and a calculation (which saves nothing). Each write validates the body with an input
serializer and calls ONE ``methodologies.services`` function with ``actor=request.user``; the
service decides whether this actor may act (403) and whether the methodology is in a state that
allows it (409). Workflow actions are for the secretariat of the methodology's Joint Committee.

Lookups: methodologies by number (``/methodologies/MN_AM003/`` or the proposed ``MN_PM004``),
versions and comments by numeric id.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from committee.roles import acting_user
from core.api.parsers import DECIMAL_PARSERS, BodyTooLarge, MultiPartParser
from core.api.serializers import NoInput
from core.api.views import ServiceViewSet
from core.errors import ApplicationError, NotFound

from .. import selectors, services, spreadsheet
from ..filters import CommentFilter, MethodologyFilter, VersionFilter
from ..models import Methodology, MethodologyVersion, PublicComment
from . import serializers as s

NUMBER_REGEX = "[A-Za-z]{2}_[APap][Mm][0-9]{3,4}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- methodologies ----------------------------------------------------------------------------

NUMBER = OpenApiParameter("number", OpenApiTypes.STR, OpenApiParameter.PATH,
                          description="Approved or proposed number, e.g. MN_AM003 or MN_PM004")


@extend_schema_view(
    list=extend_schema(summary="List methodologies (search with q; filter by country, scope, status)"),
    retrieve=extend_schema(summary="A methodology, with its versions, deadlines and status", parameters=[NUMBER]),
)
class MethodologyViewSet(ServiceViewSet):
    """Proposed and approved methodologies of the Joint Committees, by number.

    The cycle: submitted → completeness check (secretariat) → public input (anyone comments) →
    consideration by the Joint Committee → approved (a decision assigns MN_AM00n ver01.0), rejected or
    returned for revision. ``deadline`` gives the due date of the current step and whether it is overdue.
    """

    serializer_class = s.MethodologySerializer
    filterset_class = MethodologyFilter
    search_fields = ["title", "proposed_number", "approved_number", "proponent_name"]
    ordering_fields = ["proposed_number", "approved_number", "title", "submitted_at", "decided_on"]
    lookup_field = "number"
    lookup_value_regex = NUMBER_REGEX
    parser_classes = DECIMAL_PARSERS
    model = Methodology
    selector = staticmethod(selectors.methodology_list)
    input_serializers = {"create": s.MethodologySubmitInput}
    public_actions = ("comments",)
    read_actions = ("comments",)

    def get_object(self) -> Methodology:
        number = self.kwargs["number"].upper()
        if self.request.method in SAFE_METHODS or self.action in self.read_actions:
            return selectors.methodology_get(self.request.user, number)
        found = Methodology.objects.filter(Q(approved_number=number) | Q(proposed_number=number)).first()
        if found is None:
            raise NotFound(f"There is no methodology {number}.")
        return found

    @extend_schema(summary="Submit a proposed methodology (project participants, the secretariat)",
                   request=s.MethodologySubmitInput, responses={201: s.MethodologySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.MethodologySubmitInput)
        methodology = services.methodology_submit(actor=acting_user(request.user), **data)
        return self.output(methodology, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Resubmit a returned proposal, with its changes (the proponent)",
                   request=s.MethodologyResubmitInput, responses={200: s.MethodologySerializer}, parameters=[NUMBER])
    @action(detail=True, methods=["post"], serializer_class=s.MethodologyResubmitInput)
    def resubmit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.MethodologyResubmitInput)
        return self.output(services.methodology_resubmit(actor=acting_user(request.user),
                                                         methodology=self.get_object(), **data))

    @extend_schema(summary="Completeness check: complete, public input opens (secretariat)", request=None,
                   responses={200: s.MethodologySerializer}, parameters=[NUMBER])
    @action(detail=True, methods=["post"], url_path="accept-complete", serializer_class=NoInput)
    def accept_complete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.output(services.methodology_accept_complete(actor=acting_user(request.user),
                                                                methodology=self.get_object()))

    @extend_schema(summary="Completeness check: incomplete, returned to the proponent (secretariat)",
                   request=s.ReasonInput, responses={200: s.MethodologySerializer}, parameters=[NUMBER])
    @action(detail=True, methods=["post"], url_path="return-incomplete", serializer_class=s.ReasonInput)
    def return_incomplete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.ReasonInput)
        return self.output(services.methodology_return_incomplete(actor=acting_user(request.user),
                                                                  methodology=self.get_object(),
                                                                **data))

    @extend_schema(summary="Close public input once its period is over (secretariat)", request=None,
                   responses={200: s.MethodologySerializer}, parameters=[NUMBER])
    @action(detail=True, methods=["post"], url_path="close-public-input", serializer_class=NoInput)
    def close_public_input(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.output(services.methodology_close_public_input(actor=acting_user(request.user),
                                                                 methodology=self.get_object()))

    @extend_schema(summary="Extend the consideration once, up to 90 days (secretariat)", request=s.ExtendInput,
                   responses={200: s.MethodologySerializer}, parameters=[NUMBER])
    @action(detail=True, methods=["post"], url_path="extend-consideration", serializer_class=s.ExtendInput)
    def extend_consideration(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.ExtendInput)
        return self.output(services.methodology_extend_consideration(actor=acting_user(request.user),
                                                                   methodology=self.get_object(), **data))

    @extend_schema(summary="Approve by a Joint Committee decision: assigns MN_AM00n ver01.0 (secretariat)",
                   request=s.ApproveInput, responses={200: s.MethodologySerializer}, parameters=[NUMBER])
    @action(detail=True, methods=["post"], serializer_class=s.ApproveInput)
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.ApproveInput)
        return self.output(services.methodology_approve(actor=acting_user(request.user),
                                                        methodology=self.get_object(), **data))

    @extend_schema(summary="Not approved, by a Joint Committee decision (secretariat)",
                   request=s.DecisionWithReasonInput, responses={200: s.MethodologySerializer}, parameters=[NUMBER])
    @action(detail=True, methods=["post"], serializer_class=s.DecisionWithReasonInput)
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.DecisionWithReasonInput)
        return self.output(services.methodology_reject(actor=acting_user(request.user),
                                                       methodology=self.get_object(), **data))

    @extend_schema(summary="Return the proposal to the proponent for revision (secretariat)",
                   request=s.ReasonInput, responses={200: s.MethodologySerializer}, parameters=[NUMBER])
    @action(detail=True, methods=["post"], url_path="return-for-revision", serializer_class=s.ReasonInput)
    def return_for_revision(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.ReasonInput)
        return self.output(services.methodology_request_revision(actor=acting_user(request.user),
                                                                 methodology=self.get_object(),
                                                               **data))

    @extend_schema(summary="Make an approved methodology inactive, by a Joint Committee decision (secretariat)",
                   request=s.DecisionWithReasonInput, responses={200: s.MethodologySerializer}, parameters=[NUMBER])
    @action(detail=True, methods=["post"], serializer_class=s.DecisionWithReasonInput)
    def inactivate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.DecisionWithReasonInput)
        return self.output(services.methodology_inactivate(actor=acting_user(request.user),
                                                           methodology=self.get_object(),
                                                         **data))

    @extend_schema(summary="Request the revision of an approved methodology: a new draft version "
                           "(project participants, the secretariat)",
                   request=s.RevisionRequestInput, responses={201: s.VersionSerializer}, parameters=[NUMBER])
    @action(detail=True, methods=["post"], serializer_class=s.RevisionRequestInput)
    def revisions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.RevisionRequestInput)
        version = services.revision_request(actor=acting_user(request.user),
                                            methodology=self.get_object(), **data)
        return self.respond(version, s.VersionSerializer, status_code=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary="Public comments on a methodology", responses=s.CommentSerializer(many=True),
                   parameters=[NUMBER])
    @extend_schema(methods=["POST"], summary="Comment while public input is open (anyone, no login needed)",
                   request=s.CommentInput, responses={201: s.CommentSerializer}, parameters=[NUMBER])
    @action(detail=True, methods=["get", "post"], serializer_class=s.CommentInput, filterset_class=None,
            pagination_class=None)
    def comments(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        methodology = self.get_object()
        if request.method == "POST":
            data = self.input(s.CommentInput)
            comment = services.comment_submit(actor=request.user, methodology=methodology, **data)
            return self.respond(comment, s.CommentSerializer, status_code=status.HTTP_201_CREATED)
        comments = selectors.comment_list(request.user, methodology).select_related("version")
        output = (s.CommentWithEmailSerializer if selectors.may_see_commenter_email(request.user, methodology)
                  else s.CommentSerializer)
        return self.listing(comments, output)


# --- versions ------------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="List methodology versions (filter by methodology number, status)"),
    retrieve=extend_schema(summary="A version: eligibility criteria, parameters and formulas"),
)
class MethodologyVersionViewSet(ServiceViewSet):
    """Each version of a methodology with its content; the monitoring spreadsheet; the calculation."""

    serializer_class = s.VersionSerializer
    filterset_class = VersionFilter
    ordering_fields = ["version", "approved_on"]
    parser_classes = DECIMAL_PARSERS
    model = MethodologyVersion
    selector = staticmethod(selectors.version_list)
    public_actions = ("calculate", "read_spreadsheet")
    read_actions = ("calculate", "read_spreadsheet")

    def write_queryset(self) -> QuerySet:
        return MethodologyVersion.objects.select_related("methodology__joint_committee")

    @extend_schema(summary="Calculate emission reductions with their trace (anyone; nothing is saved)",
                   request=s.CalculateInput,
                   responses={200: OpenApiResponse(OpenApiTypes.OBJECT,
                                                   description="RE, PE, ER, credits (rounded down), trace, notes"),
                              400: OpenApiResponse(description="A refused value; errors name the parameter")})
    @action(detail=True, methods=["post"], serializer_class=s.CalculateInput)
    def calculate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.CalculateInput)
        result = selectors.calculate(self.get_object(), data["values"], sites=data["sites"])
        return Response(result.as_dict())

    @extend_schema(summary="The monitoring spreadsheet (XLSX) to fill in",
                   parameters=[OpenApiParameter("sites", OpenApiTypes.STR, description="Site names, comma-separated")],
                   responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def spreadsheet(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        version = self.get_object()
        sites = [x.strip() for x in request.query_params.get("sites", "").split(",") if x.strip()] or None
        data = selectors.monitoring_workbook(version, sites=sites)
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{version.methodology.number}_{version.version}.xlsx"'
        return response

    @extend_schema(summary="Read a filled monitoring spreadsheet back into parameter values, and calculate",
                   request={"multipart/form-data": {"type": "object", "properties": {
                       "file": {"type": "string", "format": "binary"}}}},
                   responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="values and result")})
    @action(detail=True, methods=["post"], url_path="read-spreadsheet", parser_classes=[MultiPartParser])
    def read_spreadsheet(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        version = self.get_object()
        # the size is checked before the body is parsed (Django would spool any upload to disk first)
        limit = spreadsheet.MAX_WORKBOOK_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit + 64 * 1024:  # the workbook and its multipart envelope
            raise BodyTooLarge(f"The workbook is larger than {limit // (1024 * 1024)} MB.")
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError("Attach the filled workbook as “file”.", field="file")
        if upload.size is not None and upload.size > limit:
            raise ApplicationError(f"The workbook is larger than {limit // (1024 * 1024)} MB.", field="workbook")
        values = selectors.read_monitoring_workbook(version, upload.read())
        result = selectors.calculate(version, values)
        return Response({"values": json.loads(json.dumps(values, default=str)), "result": result.as_dict()})

    @extend_schema(summary="Change the content of a draft revision (its requester, the secretariat)",
                   request=s.VersionContentInput, responses={200: s.VersionSerializer})
    @action(detail=True, methods=["post"], serializer_class=s.VersionContentInput)
    def content(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.VersionContentInput)
        version = services.version_update_content(actor=acting_user(request.user),
                                                  version=self.get_object(), **data)
        return self.output(version)

    @extend_schema(summary="Approve a revision by a Joint Committee decision; the valid version is superseded "
                           "(secretariat)", request=s.RevisionApproveInput, responses={200: s.VersionSerializer})
    @action(detail=True, methods=["post"], serializer_class=s.RevisionApproveInput)
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.RevisionApproveInput)
        return self.output(services.revision_approve(actor=acting_user(request.user),
                                                     version=self.get_object(), **data))

    @extend_schema(summary="Revision not approved, by a Joint Committee decision (secretariat)",
                   request=s.DecisionWithReasonInput, responses={200: s.VersionSerializer})
    @action(detail=True, methods=["post"], serializer_class=s.DecisionWithReasonInput)
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.DecisionWithReasonInput)
        return self.output(services.revision_reject(actor=acting_user(request.user),
                                                    version=self.get_object(), **data))


# --- comments ---------------------------------------------------------------------------------------

@extend_schema_view(list=extend_schema(summary="List public comments (filter by methodology number)"),
                    retrieve=extend_schema(summary="A public comment"))
class PublicCommentViewSet(ServiceViewSet):
    """Comments received during public input. Commenters' e-mail addresses are never published."""

    serializer_class = s.CommentSerializer
    filterset_class = CommentFilter
    ordering_fields = ["submitted_at"]
    parser_classes = DECIMAL_PARSERS
    model = PublicComment

    def read_queryset(self) -> QuerySet:
        return selectors.comment_list(self.request.user).select_related("version")

    def write_queryset(self) -> QuerySet:
        return PublicComment.objects.select_related("methodology__joint_committee")

    @extend_schema(summary="Unpublish an abusive comment; it stays on record (secretariat)", request=s.ReasonInput,
                   responses={200: s.CommentWithEmailSerializer})
    @action(detail=True, methods=["post"], serializer_class=s.ReasonInput)
    def unpublish(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.ReasonInput)
        comment = services.comment_unpublish(actor=acting_user(request.user),
                                             comment=self.get_object(), **data)
        return self.respond(comment, s.CommentWithEmailSerializer)


ROUTES = [
    ("methodologies", MethodologyViewSet, "methodology"),
    ("methodology-versions", MethodologyVersionViewSet, "methodology-version"),
    ("methodology-comments", PublicCommentViewSet, "methodology-comment"),
]
