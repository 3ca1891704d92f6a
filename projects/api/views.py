"""REST API of the projects app (registered under /api/v1/ by projects.api.urls).

Reads go through ``projects.selectors``: a project is public once its PDD was published for public
input; before that, and for confidential material (the confidential PDD, evidence, MoC statements,
credit allocations), only the people concerned see it — to anyone else it does not exist (404).

Writes need a session or a token (public comments excepted). Each write validates the body with an
input serializer and calls ONE ``projects.services`` function with ``actor=request.user``; the service
decides whether this actor may act (403) and whether the object's state allows it (409). Objects a write
addresses are looked up among all rows, so a refused write answers 403, never a misleading 404. A write
answers the project, period, issuance or change request as a read returns it (read again through the
selector); a record it creates (a PDD, a report, a comment, ...) as the service returned it.

Lookups: projects by project ID (``/projects/MN001/``), everything else by numeric id. Monitored values
are exact: JSON numbers are read as decimals, never through floating point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from committee.roles import acting_user
from core.api.inputs import validated_input
from core.api.parsers import DECIMAL_PARSERS
from core.api.serializers import NoInput
from core.api.views import ServiceViewSet
from core.errors import NotFound

from .. import access, selectors, services
from ..choices import EntryMethod
from ..filters import ChangeRequestFilter, IssuanceRequestFilter, MonitoringPeriodFilter, ProjectFilter
from ..models import (
    PDD,
    ChangeRequest,
    EvidenceFile,
    IssuanceRequest,
    MonitoringPeriod,
    MonitoringReport,
    Project,
    ValidationReport,
    VerificationReport,
)
from . import serializers as s


def _decision(data: dict) -> services.DecisionInput:
    return services.DecisionInput(decided_on=data.pop("decided_on"), mode=data.pop("mode"),
                                  meeting=data.pop("meeting", None), reference=data.pop("reference", ""),
                                  text=data.pop("text", ""))


def _download(field: FieldFile, name: str = "") -> FileResponse:
    if not field:
        raise NotFound("There is no file.")
    return FileResponse(field.open("rb"), as_attachment=True,
                        filename=name or (field.name or "").rsplit("/", 1)[-1])


# --- projects -------------------------------------------------------------------------------------------

@extend_schema_view(list=extend_schema(summary="List projects (search and filter by country, scope, status, "
                                               "methodology)"),
                    retrieve=extend_schema(summary="A project, with its sites, participants and current PDD"))
class ProjectViewSet(ServiceViewSet):
    """JCM projects, looked up by project ID (``MN001``). Each step of the project cycle is an action."""

    model = Project
    parser_classes = DECIMAL_PARSERS
    selector = staticmethod(selectors.project_list)
    serializer_class = s.ProjectListSerializer
    detail_serializer_class = s.ProjectDetailSerializer
    input_serializers = {"create": s.ProjectCreateInput, "partial_update": s.ProjectUpdateInput}
    public_actions = ("comments",)
    lookup_field = "project_id"
    lookup_value_regex = "[A-Za-z]{2}[0-9]{3,}"
    filterset_class = ProjectFilter
    ordering_fields = ["project_id", "title", "registered_on", "expected_annual_reductions"]
    ordering = ["project_id"]

    def get_object(self) -> Project:
        project = self.get_queryset().filter(project_id=self.kwargs["project_id"].upper()).first()
        if project is None:
            raise NotFound(f"There is no project {self.kwargs['project_id']}.")
        return project

    @extend_schema(summary="Start a draft project (project participants)", request=s.ProjectCreateInput,
                   responses={201: s.ProjectDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.ProjectCreateInput)
        project = services.project_create(actor=acting_user(request.user), **data)
        return self.output(project, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Edit a draft project (its participants)", request=s.ProjectUpdateInput,
                   responses={200: s.ProjectDetailSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.ProjectUpdateInput, partial=True)
        project = services.project_update(actor=acting_user(request.user), project=self.get_object(), **data)
        return self.output(project)

    def _act(self, service: Callable[..., Project], input_class: type[serializers.Serializer] | None = None,
             **extra: Any) -> Response:
        data = self.input(input_class) if input_class is not None else {}
        project = service(actor=acting_user(self.request.user), project=self.get_object(), **data, **extra)
        return self.output(project)

    @extend_schema(summary="The PDD versions (GET), or save the PDD draft: files, eligibility answers, ex-ante "
                           "values (POST, participants)", request=s.PDDSaveInput, responses={200: s.PDDSerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=s.PDDSaveInput)
    def pdd(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        if request.method == "GET":
            return self.listing(selectors.pdd_list(request.user, project), s.PDDSerializer)
        pdd = services.pdd_save(actor=acting_user(request.user),
                                project=project, **self.input(s.PDDSaveInput))
        return self.respond(pdd, serializer_class=s.PDDSerializer)

    @extend_schema(summary="Submit the PDD with the MoC to the chosen TPE (participants)", request=NoInput)
    @action(detail=True, methods=["post"], url_path="submit-pdd", serializer_class=NoInput)
    def submit_pdd(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act(services.pdd_submit)

    @extend_schema(summary="Return the submitted PDD to the participants (the validating TPE)",
                   request=s.RequiredReasonInput)
    @action(detail=True, methods=["post"], url_path="return-pdd", serializer_class=s.RequiredReasonInput)
    def return_pdd(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act(services.pdd_return, s.RequiredReasonInput)

    @extend_schema(summary="Ask for the PDD to be published for public input (the validating TPE)", request=NoInput)
    @action(detail=True, methods=["post"], url_path="request-publication", serializer_class=NoInput)
    def request_publication(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act(services.pdd_publication_request)

    @extend_schema(summary="Publish the PDD for public input, as its TPE requested (secretariat)", request=NoInput)
    @action(detail=True, methods=["post"], serializer_class=NoInput)
    def publish(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act(services.pdd_publish)

    @extend_schema(summary="Public comments (GET), or comment while public input is open (POST, anyone)",
                   request=s.ProjectCommentInput, responses={200: s.ProjectCommentSerializer, 201: s.ProjectCommentSerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=s.ProjectCommentInput)
    def comments(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        if request.method == "GET":
            return self.listing(selectors.comment_list(request.user, project), s.ProjectCommentSerializer)
        comment = services.comment_submit(actor=request.user, project=project, **self.input(s.ProjectCommentInput))
        return self.respond(comment, serializer_class=s.ProjectCommentSerializer, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Choose the TPE that validates the project (participants)", request=s.ChooseTPEInput)
    @action(detail=True, methods=["post"], url_path="choose-tpe", serializer_class=s.ChooseTPEInput)
    def choose_tpe(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act(services.validation_tpe_choose, s.ChooseTPEInput)

    @extend_schema(summary="Start the validation (participants)", request=NoInput)
    @action(detail=True, methods=["post"], url_path="start-validation", serializer_class=NoInput)
    def start_validation(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act(services.validation_start)

    @extend_schema(summary="Validation reports (GET), or submit one (POST, the validating TPE)",
                   request=s.ValidationReportInput, responses={201: s.ValidationReportSerializer})
    @action(detail=True, methods=["get", "post"], url_path="validation-reports",
            serializer_class=s.ValidationReportInput)
    def validation_reports(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        if request.method == "GET":
            return self.listing(selectors.validation_report_list(request.user, project), s.ValidationReportSerializer)
        report = services.validation_report_submit(actor=acting_user(request.user), project=project,
                                                   **self.input(s.ValidationReportInput))
        return self.respond(report, serializer_class=s.ValidationReportSerializer,
                           status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Request registration (focal point)", request=NoInput)
    @action(detail=True, methods=["post"], url_path="request-registration", serializer_class=NoInput)
    def request_registration(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act(services.registration_request)

    @extend_schema(summary="Withdraw the registration request (focal point)", request=s.OptionalReasonInput)
    @action(detail=True, methods=["post"], url_path="withdraw-registration-request", serializer_class=s.OptionalReasonInput)
    def withdraw_registration_request(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act(services.registration_request_withdraw, s.OptionalReasonInput)

    @extend_schema(summary="Record the Joint Committee's registration decision (secretariat)",
                   request=s.DecisionFieldsInput)
    @action(detail=True, methods=["post"], serializer_class=s.DecisionFieldsInput)
    def register(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.DecisionFieldsInput)
        project = services.project_register(actor=acting_user(request.user),
                                            project=self.get_object(), decision=_decision(data))
        return self.output(project)

    @extend_schema(summary="Record the Joint Committee's decision not to register (secretariat)",
                   request=s.DecisionRejectInput)
    @action(detail=True, methods=["post"], serializer_class=s.DecisionRejectInput)
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.DecisionRejectInput)
        project = services.project_reject(actor=acting_user(request.user),
                                          project=self.get_object(), decision=_decision(data),
                                          reason=data["reason"])
        return self.output(project)

    @extend_schema(summary="Withdraw the project (focal point)", request=s.RequiredReasonInput)
    @action(detail=True, methods=["post"], serializer_class=s.RequiredReasonInput)
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act(services.project_withdraw, s.RequiredReasonInput)

    @extend_schema(summary="MoC statements, all versions (GET), or submit a new one (POST, focal point)",
                   request=s.MoCInput, responses={201: s.MoCSerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=s.MoCInput)
    def moc(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        if request.method == "GET":
            return self.listing(selectors.moc_list(request.user, project), s.MoCSerializer)
        statement = services.moc_submit(actor=acting_user(request.user),
                                        project=project, **self.input(s.MoCInput))
        return self.respond(statement, serializer_class=s.MoCSerializer, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Record an MoC Annex 1 change (focal point)", request=s.AnnexChangeInput,
                   responses={201: s.AnnexChangeSerializer})
    @action(detail=True, methods=["post"], url_path="moc-annex", serializer_class=s.AnnexChangeInput)
    def moc_annex(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change = services.moc_annex_change(actor=acting_user(request.user), project=self.get_object(),
                                           **self.input(s.AnnexChangeInput))
        return self.respond(change, serializer_class=s.AnnexChangeSerializer, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Credit allocations, all versions (GET), or enter a new one (POST, focal point)",
                   request=s.AllocationInput, responses={201: s.AllocationSerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=s.AllocationInput)
    def allocations(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        if request.method == "GET":
            return self.listing(selectors.allocation_list(request.user, project), s.AllocationSerializer)
        allocation = services.allocation_submit(actor=acting_user(request.user),
                                                project=project, **self.input(s.AllocationInput))
        return self.respond(allocation, serializer_class=s.AllocationSerializer, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Post-registration changes and renewals (GET), or request one (POST, focal point)",
                   request=s.ChangeRequestInput, responses={201: s.ChangeRequestSerializer})
    @action(detail=True, methods=["get", "post"], url_path="change-requests", serializer_class=s.ChangeRequestInput)
    def change_requests(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        if request.method == "GET":
            return self.listing(selectors.change_request_list(request.user, project), s.ChangeRequestSerializer)
        change = services.change_request_submit(actor=acting_user(request.user), project=project,
                                                **self.input(s.ChangeRequestInput))
        return self.respond(change, serializer_class=s.ChangeRequestSerializer, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Monitoring periods (GET), or open the next one (POST, participants)",
                   request=s.PeriodCreateInput, responses={201: s.MonitoringPeriodDetailSerializer})
    @action(detail=True, methods=["get", "post"], url_path="monitoring-periods", serializer_class=s.PeriodCreateInput)
    def monitoring_periods(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        if request.method == "GET":
            return self.listing(selectors.monitoring_period_list(request.user, project),
                                s.MonitoringPeriodSerializer)
        period = services.monitoring_period_create(actor=acting_user(request.user), project=project,
                                                   **self.input(s.PeriodCreateInput))
        return self.respond(period, serializer_class=s.MonitoringPeriodDetailSerializer,
                           status_code=status.HTTP_201_CREATED)


# --- monitoring -----------------------------------------------------------------------------------------

@extend_schema_view(list=extend_schema(summary="List monitoring periods"),
                    retrieve=extend_schema(summary="A monitoring period with its report and verification"))
class MonitoringPeriodViewSet(ServiceViewSet):
    """Monitoring periods by id: the report's values (form, API, XLSX), evidence, submission, verification and
    the issuance request."""

    model = MonitoringPeriod
    parser_classes = DECIMAL_PARSERS
    selector = staticmethod(selectors.monitoring_period_list)
    serializer_class = s.MonitoringPeriodSerializer
    detail_serializer_class = s.MonitoringPeriodDetailSerializer
    filterset_class = MonitoringPeriodFilter
    ordering = ["project__project_id", "number"]

    @extend_schema(summary="All report versions visible to you", responses={200: s.MonitoringReportSerializer})
    @action(detail=True, methods=["get"])
    def reports(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.listing(selectors.monitoring_report_list(request.user, self.get_object()),
                            s.MonitoringReportSerializer)

    @extend_schema(summary="Download the monitoring spreadsheet (XLSX) for this period and the project's sites")
    @action(detail=True, methods=["get"])
    def workbook(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        period = self.get_object()
        version = None
        if request.query_params.get("methodology_version"):
            version = validated_input(s.ReportUploadVersionInput, request.query_params)["methodology_version"]
        name, data = selectors.monitoring_workbook(period, version)
        response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @extend_schema(summary="Save monitored values in the draft report (participants)", request=s.ReportSaveInput,
                   responses={200: s.MonitoringReportSerializer})
    @action(detail=True, methods=["post"], serializer_class=s.ReportSaveInput)
    def values(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = services.monitoring_report_save(actor=acting_user(request.user), period=self.get_object(),
                                                 entry_method=EntryMethod.API, **self.input(s.ReportSaveInput))
        return self.respond(report, serializer_class=s.MonitoringReportSerializer)

    @extend_schema(summary="Upload the filled monitoring spreadsheet (XLSX) into the draft report (participants)",
                   request=s.ReportUploadInput, responses={200: s.MonitoringReportSerializer})
    @action(detail=True, methods=["post"], serializer_class=s.ReportUploadInput)
    def upload(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = services.monitoring_report_upload(actor=acting_user(request.user), period=self.get_object(),
                                                   **self.input(s.ReportUploadInput))
        return self.respond(report, serializer_class=s.MonitoringReportSerializer)

    @extend_schema(summary="Attach an evidence file to the draft report (participants)", request=s.EvidenceInput,
                   responses={201: s.EvidenceSerializer})
    @action(detail=True, methods=["post"], serializer_class=s.EvidenceInput)
    def evidence(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        evidence = services.evidence_add(actor=acting_user(request.user),
                                         period=self.get_object(), **self.input(s.EvidenceInput))
        return self.respond(evidence, serializer_class=s.EvidenceSerializer, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Submit the report for verification: reductions computed and frozen (participants)",
                   request=s.ReportSubmitInput, responses={200: s.MonitoringPeriodDetailSerializer})
    @action(detail=True, methods=["post"], serializer_class=s.ReportSubmitInput)
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        period = self.get_object()
        services.monitoring_report_submit(actor=acting_user(request.user),
                                          period=period, **self.input(s.ReportSubmitInput))
        return self.output(period)

    @extend_schema(summary="Submit the verification report (the assigned TPE)", request=s.VerificationInput,
                   responses={201: s.VerificationReportSerializer})
    @action(detail=True, methods=["post"], serializer_class=s.VerificationInput)
    def verification(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = services.verification_report_submit(actor=acting_user(request.user),
                                                     period=self.get_object(),
                                                     **self.input(s.VerificationInput))
        return self.respond(report, serializer_class=s.VerificationReportSerializer,
                           status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Request issuance of the verified reductions (focal point)", request=NoInput,
                   responses={201: s.IssuanceRequestSerializer})
    @action(detail=True, methods=["post"], url_path="request-issuance", serializer_class=NoInput)
    def request_issuance(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        issuance = services.issuance_request_submit(actor=acting_user(request.user), period=self.get_object())
        return self.respond(issuance, serializer_class=s.IssuanceRequestSerializer, status_code=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="List issuance requests and the Joint Committee's decisions"),
                    retrieve=extend_schema(summary="An issuance request, its decision and the split by allocation"))
class IssuanceRequestViewSet(ServiceViewSet):
    model = IssuanceRequest
    parser_classes = DECIMAL_PARSERS
    selector = staticmethod(selectors.issuance_request_list)
    serializer_class = s.IssuanceRequestSerializer
    filterset_class = IssuanceRequestFilter
    ordering = ["-requested_at"]

    def read_queryset(self) -> QuerySet:
        return super().read_queryset().prefetch_related("allocation__shares")

    @extend_schema(summary="Withdraw the issuance request (focal point)", request=s.OptionalReasonInput)
    @action(detail=True, methods=["post"], serializer_class=s.OptionalReasonInput)
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        issuance = services.issuance_request_withdraw(actor=acting_user(request.user),
                                                      request=self.get_object(),
                                                      **self.input(s.OptionalReasonInput))
        return self.output(issuance)

    @extend_schema(summary="Record the Joint Committee's decision on the amount (secretariat)",
                   request=s.IssuanceDecideInput)
    @action(detail=True, methods=["post"], serializer_class=s.IssuanceDecideInput)
    def decide(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.IssuanceDecideInput)
        issuance = services.issuance_decide(actor=acting_user(request.user),
                                            request=self.get_object(), amount=data.pop("amount"),
                                            decision=_decision(data))
        return self.output(issuance)

    @extend_schema(summary="Record the Joint Committee's refusal to issue (secretariat)",
                   request=s.DecisionRejectInput)
    @action(detail=True, methods=["post"], serializer_class=s.DecisionRejectInput)
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.DecisionRejectInput)
        issuance = services.issuance_reject(actor=acting_user(request.user),
                                            request=self.get_object(), reason=data.pop("reason"),
                                            decision=_decision(data))
        return self.output(issuance)


@extend_schema_view(list=extend_schema(summary="List post-registration changes and renewals"),
                    retrieve=extend_schema(summary="A change request"))
class ChangeRequestViewSet(ServiceViewSet):
    model = ChangeRequest
    parser_classes = DECIMAL_PARSERS
    selector = staticmethod(selectors.change_request_list)
    serializer_class = s.ChangeRequestSerializer
    filterset_class = ChangeRequestFilter
    ordering = ["-requested_at"]

    @extend_schema(summary="Withdraw the request (focal point)", request=s.OptionalReasonInput)
    @action(detail=True, methods=["post"], serializer_class=s.OptionalReasonInput)
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change = services.change_request_withdraw(actor=acting_user(request.user), request=self.get_object(),
                                                  **self.input(s.OptionalReasonInput))
        return self.output(change)

    @extend_schema(summary="Record the Joint Committee's approval (secretariat)", request=s.DecisionFieldsInput)
    @action(detail=True, methods=["post"], serializer_class=s.DecisionFieldsInput)
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.DecisionFieldsInput)
        change = services.change_request_approve(actor=acting_user(request.user), request=self.get_object(),
                                                 decision=_decision(data))
        return self.output(change)

    @extend_schema(summary="Record the Joint Committee's rejection (secretariat)", request=s.DecisionRejectInput)
    @action(detail=True, methods=["post"], serializer_class=s.DecisionRejectInput)
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.DecisionRejectInput)
        change = services.change_request_reject(actor=acting_user(request.user), request=self.get_object(),
                                                reason=data.pop("reason"), decision=_decision(data))
        return self.output(change)


# --- documents (read-only, files downloaded through a permission check) --------------------------------

@extend_schema_view(list=extend_schema(summary="List PDD versions"), retrieve=extend_schema(summary="A PDD version"))
class PDDViewSet(ServiceViewSet):
    model = PDD
    parser_classes = DECIMAL_PARSERS
    selector = staticmethod(selectors.pdd_list)
    serializer_class = s.PDDSerializer
    ordering = ["project__project_id", "-version"]

    @extend_schema(summary="Download the public PDD")
    @action(detail=True, methods=["get"], url_path="public-file")
    def public_file(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        pdd = self.get_object()
        return _download(pdd.public_file)

    @extend_schema(summary="Download the confidential PDD (participants, secretariat, TPE, ministries)")
    @action(detail=True, methods=["get"], url_path="confidential-file")
    def confidential_file(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        pdd = self.get_object()
        if not access.can_see_confidential(request.user, pdd.project):
            raise NotFound("There is no file.")
        return _download(pdd.confidential_file)


@extend_schema_view(list=extend_schema(summary="List validation reports"),
                    retrieve=extend_schema(summary="A validation report"))
class ValidationReportViewSet(ServiceViewSet):
    model = ValidationReport
    parser_classes = DECIMAL_PARSERS
    selector = staticmethod(selectors.validation_report_list)
    serializer_class = s.ValidationReportSerializer
    ordering = ["-submitted_at"]

    @extend_schema(summary="Download the validation report")
    @action(detail=True, methods=["get"])
    def file(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        report = self.get_object()
        return _download(report.file, report.original_name)


@extend_schema_view(list=extend_schema(summary="List verification reports"),
                    retrieve=extend_schema(summary="A verification report"))
class VerificationReportViewSet(ServiceViewSet):
    model = VerificationReport
    parser_classes = DECIMAL_PARSERS
    selector = staticmethod(selectors.verification_report_list)
    serializer_class = s.VerificationReportSerializer
    ordering = ["-submitted_at"]

    @extend_schema(summary="Download the verification report")
    @action(detail=True, methods=["get"])
    def file(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        report = self.get_object()
        return _download(report.file, report.original_name)


@extend_schema_view(list=extend_schema(summary="List monitoring reports (all versions)"),
                    retrieve=extend_schema(summary="A monitoring report with its frozen calculation trace"))
class MonitoringReportViewSet(ServiceViewSet):
    model = MonitoringReport
    parser_classes = DECIMAL_PARSERS
    selector = staticmethod(selectors.monitoring_report_list)
    serializer_class = s.MonitoringReportSerializer
    ordering = ["period", "-version"]

    def read_queryset(self) -> QuerySet:
        return super().read_queryset().prefetch_related("evidence")

    @extend_schema(summary="Download the uploaded monitoring spreadsheet (participants, secretariat, TPE, ministries)")
    @action(detail=True, methods=["get"], url_path="source-file")
    def source_file(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        report = self.get_object()
        if not access.can_see_confidential(request.user, report.period.project):
            raise NotFound("There is no file.")
        return _download(report.source_file)


@extend_schema_view(retrieve=extend_schema(summary="An evidence file's record"),
                    list=extend_schema(summary="List evidence files you may see"))
class EvidenceViewSet(mixins.DestroyModelMixin, ServiceViewSet):
    model = EvidenceFile
    parser_classes = DECIMAL_PARSERS
    selector = staticmethod(selectors.evidence_list)
    serializer_class = s.EvidenceSerializer
    ordering = ["report", "uploaded_at"]

    @extend_schema(summary="Remove an evidence file from a draft report (participants)")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.evidence_remove(actor=acting_user(request.user), evidence=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Download the evidence file")
    @action(detail=True, methods=["get"])
    def file(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        evidence = self.get_object()
        return _download(evidence.file, evidence.original_name)


ROUTES = [
    ("projects", ProjectViewSet, "project"),
    ("monitoring-periods", MonitoringPeriodViewSet, "monitoring-period"),
    ("monitoring-reports", MonitoringReportViewSet, "monitoring-report"),
    ("monitoring-evidence", EvidenceViewSet, "monitoring-evidence"),
    ("issuance-requests", IssuanceRequestViewSet, "issuance-request"),
    ("project-change-requests", ChangeRequestViewSet, "project-change-request"),
    ("project-pdds", PDDViewSet, "project-pdd"),
    ("project-validation-reports", ValidationReportViewSet, "project-validation-report"),
    ("project-verification-reports", VerificationReportViewSet, "project-verification-report"),
]
