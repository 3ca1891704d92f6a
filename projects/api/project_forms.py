"""API of the project forms (``/api/v1/project-forms/``): Project Idea Note, Assessment of Reference
Emissions, Project Implementation Report, sustainable-development contribution plan and report. List and
read (the confidential circle of the project), submit (POST), resubmit, withdraw, accept, return: one
service each; refusals are 400 (with the field), 403 or 409."""

from __future__ import annotations

from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from committee.roles import acting_user
from core.api.views import ServiceViewSet
from core.errors import ApplicationError

from .. import selectors
from ..form_choices import ProjectFormKind, ProjectFormStatus
from ..models import MonitoringPeriod, Project, ProjectForm
from ..services import project_forms as services
from .serializers import MethodologyVersionField


class ProjectFormFilter(filters.FilterSet):
    project = filters.CharFilter(field_name="project__project_id", lookup_expr="iexact", label="Project ID")
    kind = filters.ChoiceFilter(choices=ProjectFormKind.choices)
    status = filters.MultipleChoiceFilter(choices=ProjectFormStatus.choices)

    class Meta:
        model = ProjectForm
        fields = ["project", "kind", "status"]


class ProjectFormSerializer(serializers.ModelSerializer):
    project: serializers.SlugRelatedField[Project] = serializers.SlugRelatedField(slug_field="project_id",
                                                                                  read_only=True)
    methodology_version = MethodologyVersionField(read_only=True)
    monitoring_period = serializers.SerializerMethodField()

    class Meta:
        model = ProjectForm
        fields = ["id", "project", "kind", "status", "revision", "title", "content", "period_start", "period_end",
                  "monitoring_period", "methodology_version", "submitted_as", "submitted_at", "due_on",
                  "reviewed_at", "comments"]

    def get_monitoring_period(self, form: ProjectForm) -> int | None:
        return form.monitoring_period.number if form.monitoring_period else None


class ProjectFormFieldsInput(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    content = serializers.CharField()
    period_start = serializers.DateField(required=False, allow_null=True, default=None)
    period_end = serializers.DateField(required=False, allow_null=True, default=None)
    monitoring_period = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                                 help_text="The number of the project's monitoring period.")
    methodology_version = MethodologyVersionField(required=False, allow_null=True, default=None)


class ProjectFormInput(ProjectFormFieldsInput):
    project = serializers.CharField(help_text="Project ID, e.g. MN001.")
    kind = serializers.ChoiceField(choices=ProjectFormKind.choices)


class CommentsInput(serializers.Serializer):
    comments = serializers.CharField()


class OptionalCommentsInput(serializers.Serializer):
    comments = serializers.CharField(required=False, allow_blank=True, default="")


class ProjectFormReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


def _period(project: Project, number: int | None) -> MonitoringPeriod | None:
    if number is None:
        return None
    period = project.monitoring_periods.filter(number=number).first()
    if period is None:
        raise ApplicationError(f"{project.project_id} has no monitoring period {number}.", field="monitoring_period")
    return period


@extend_schema_view(list=extend_schema(summary="List project forms (PIN, ARE, PIR, SD contribution plan/report)"),
                    retrieve=extend_schema(summary="A project form"))
class ProjectFormViewSet(ServiceViewSet):
    model = ProjectForm
    selector = staticmethod(selectors.project_form_list)
    serializer_class = ProjectFormSerializer
    filterset_class = ProjectFormFilter
    ordering = ["-submitted_at"]
    input_serializers = {"create": ProjectFormInput}

    @extend_schema(summary="Submit a form (participant; an ARE also the validating TPE)", request=ProjectFormInput,
                   responses={201: ProjectFormSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(ProjectFormInput)
        project = selectors.project_list(request.user).filter(project_id=data.pop("project").strip().upper()).first()
        if project is None:
            raise ApplicationError("There is no such project.", field="project")
        data["monitoring_period"] = _period(project, data["monitoring_period"])
        form = services.project_form_submit(actor=acting_user(request.user), project=project, **data)
        return self.output(form, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Resubmit a returned form (the submitting side)", request=ProjectFormFieldsInput)
    @action(detail=True, methods=["post"], serializer_class=ProjectFormFieldsInput)
    def resubmit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = self.get_object()
        data = self.input(ProjectFormFieldsInput)
        data["monitoring_period"] = _period(target.project, data["monitoring_period"])
        return self.output(services.project_form_resubmit(actor=acting_user(request.user), form=target, **data))

    @extend_schema(summary="Withdraw the form (the submitting side)", request=ProjectFormReasonInput)
    @action(detail=True, methods=["post"], serializer_class=ProjectFormReasonInput)
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.output(services.project_form_withdraw(actor=acting_user(request.user), form=self.get_object(),
                                                          **self.input(ProjectFormReasonInput)))

    @extend_schema(summary="Accept the form (the reviewing secretariat)", request=OptionalCommentsInput)
    @action(detail=True, methods=["post"], serializer_class=OptionalCommentsInput)
    def accept(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.output(services.project_form_accept(actor=acting_user(request.user), form=self.get_object(),
                                                        **self.input(OptionalCommentsInput)))

    @extend_schema(summary="Return the form with comments (the reviewing secretariat)", request=CommentsInput)
    @action(detail=True, methods=["post"], url_path="return", serializer_class=CommentsInput)
    def return_(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.output(services.project_form_return(actor=acting_user(request.user), form=self.get_object(),
                                                        **self.input(CommentsInput)))
