"""Workflow steps taken with a confirmation or a short form: one page per step, calling ONE service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.forms import add_service_error

from .. import forms, selectors, services
from ..choices import (
    CHANGE_REQUEST_TRANSITIONS,
    ISSUANCE_TRANSITIONS,
    PROJECT_TRANSITIONS,
    ChangeRequestStatus,
    IssuanceStatus,
    MonitoringStatus,
    ProjectStatus,
)
from ..models import Project
from .common import Roles, _period, _project, _safe_next


@dataclass(frozen=True)
class Action:
    """One step offered on a page: who may take it, its form and the ONE service it calls."""

    name: str
    label: str
    who: str  # a Roles attribute
    call: Callable[..., Any]
    statuses: frozenset[str]
    form: type[django_forms.Form] = forms.NoFieldsForm
    target: str = "project"  # the keyword the service takes the object by
    intro: str = ""
    danger: bool = False
    primary: bool = False
    initial: Callable[[Any], dict] | None = None  # the form's initial values, from the target

    def offered(self, obj, roles: Roles) -> bool:
        return obj.status in self.statuses and getattr(roles, self.who)

    def make_form(self, data, project: Project, target):
        initial = self.initial(target) if self.initial else None
        if issubclass(self.form, forms.ProjectDecisionForm):
            return self.form(data, joint_committee=project.joint_committee, initial=initial)
        if issubclass(self.form, forms.ChooseTPEForm):
            return self.form(data, tpes=selectors.tpe_choices(project, "validation"),
                             initial={"tpe": project.validation_tpe_id})
        return self.form(data, initial=initial)

    @staticmethod
    def kwargs(form) -> dict:
        return form.service_kwargs() if hasattr(form, "service_kwargs") else dict(form.cleaned_data)


P = ProjectStatus
_NOT_CLOSED = frozenset(s for s in P.values if P.WITHDRAWN in PROJECT_TRANSITIONS[s])
PROJECT_ACTIONS = {a.name: a for a in [
    Action("submit-pdd", gettext_lazy("Submit the PDD"), "participant", services.pdd_submit,
           frozenset({P.DRAFT, P.UNDER_VALIDATION, P.VALIDATION_NEGATIVE}),
           intro=gettext_lazy("The PDD draft goes to the secretariat's completeness check (during validation, "
                              "the revised PDD goes to the TPE). Sites, crediting period, expected reductions, the "
                              "public PDD, every eligibility criterion and the ex-ante values must be given."),
           primary=True),
    Action("choose-tpe", gettext_lazy("Choose the validating TPE"), "participant", services.validation_tpe_choose,
           frozenset({P.DRAFT, P.PDD_SUBMITTED, P.PUBLIC_INPUT, P.VALIDATION_NEGATIVE}), forms.ChooseTPEForm),
    Action("start-validation", gettext_lazy("Start the validation"), "participant", services.validation_start,
           frozenset({P.PUBLIC_INPUT, P.VALIDATION_NEGATIVE}),
           intro=gettext_lazy("The published PDD goes to the TPE you chose."), primary=True),
    Action("request-registration", gettext_lazy("Request registration"), "focal_point",
           services.registration_request, frozenset({P.VALIDATED}),
           intro=gettext_lazy("Needs the MoC statement and the credit allocation. The secretariat puts the request "
                              "before the Joint Committee."), primary=True),
    Action("withdraw-registration", gettext_lazy("Withdraw the registration request"), "focal_point",
           services.registration_request_withdraw, frozenset({P.REGISTRATION_REQUESTED}), forms.OptionalReasonForm),
    Action("withdraw", gettext_lazy("Withdraw the project"), "focal_point", services.project_withdraw,
           _NOT_CLOSED, forms.ReasonForm, danger=True),
    Action("publish", gettext_lazy("Complete: publish for public input"), "secretariat", services.pdd_publish,
           frozenset({P.PDD_SUBMITTED}),
           intro=gettext_lazy("The PDD is published and anyone may comment during the Joint Committee's public "
                              "input period (30 days unless it set another)."), primary=True),
    Action("return-pdd", gettext_lazy("Incomplete: return to the participants"), "secretariat", services.pdd_return,
           frozenset({P.PDD_SUBMITTED}), forms.ReasonForm, danger=True),
    Action("register", gettext_lazy("Register (record the decision)"), "secretariat", services.project_register,
           frozenset({P.REGISTRATION_REQUESTED}), forms.ProjectDecisionForm,
           intro=gettext_lazy("Records the Joint Committee's decision to register the project."), primary=True),
    Action("reject", gettext_lazy("Not registered (record the decision)"), "secretariat", services.project_reject,
           frozenset({P.REGISTRATION_REQUESTED}), forms.DecisionReasonForm, danger=True),
]}

M = MonitoringStatus
PERIOD_ACTIONS = {a.name: a for a in [
    Action("request-issuance", gettext_lazy("Request issuance"), "focal_point", services.issuance_request_submit,
           frozenset({M.VERIFIED}), target="period",
           intro=gettext_lazy("The verified emission reductions of this period are put to the Joint Committee, "
                              "to be issued by the credit allocation in force."), primary=True),
]}

I = IssuanceStatus  # noqa: E741
ISSUANCE_ACTIONS = {a.name: a for a in [
    Action("decide", gettext_lazy("Decide the amount (record the decision)"), "secretariat", services.issuance_decide,
           frozenset(s for s in I.values if I.DECIDED in ISSUANCE_TRANSITIONS[s]), forms.IssuanceDecideForm,
           target="request", primary=True, initial=lambda request: {"amount": request.requested_amount},
           intro=gettext_lazy("Records the Joint Committee's decision; the registries then issue the amount by the "
                              "project's credit allocation.")),
    Action("reject", gettext_lazy("Refuse issuance (record the decision)"), "secretariat", services.issuance_reject,
           frozenset({I.REQUESTED}), forms.DecisionReasonForm, target="request", danger=True),
    Action("withdraw", gettext_lazy("Withdraw the issuance request"), "focal_point",
           services.issuance_request_withdraw, frozenset({I.REQUESTED}), forms.OptionalReasonForm, target="request"),
]}

C = ChangeRequestStatus
CHANGE_ACTIONS = {a.name: a for a in [
    Action("approve", gettext_lazy("Approve (record the decision)"), "secretariat", services.change_request_approve,
           frozenset(s for s in C.values if C.APPROVED in CHANGE_REQUEST_TRANSITIONS[s]), forms.ProjectDecisionForm,
           target="request", primary=True),
    Action("reject", gettext_lazy("Reject (record the decision)"), "secretariat", services.change_request_reject,
           frozenset({C.REQUESTED}), forms.DecisionReasonForm, target="request", danger=True),
    Action("withdraw", gettext_lazy("Withdraw the request"), "focal_point", services.change_request_withdraw,
           frozenset({C.REQUESTED}), forms.OptionalReasonForm, target="request"),
]}


def _action_page(request: HttpRequest, *, project: Project, action: Action, target, back_url: str,
                 subject: str = "") -> HttpResponse:
    roles = Roles.of(request.user, project)
    roles.require(action.who)
    data = request.POST if request.method == "POST" else None
    form = action.make_form(data, project, target)
    problems: dict[str, list[str]] = {}
    if data is not None and form.is_valid():
        try:
            action.call(actor=request.user, **{action.target: target}, **action.kwargs(form))
        except ApplicationError as exc:
            add_service_error(form, exc)
            problems = {k: v for k, v in exc.errors.items() if k not in form.fields} if len(exc.errors) > 1 else {}
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": action.label})
            return redirect(_safe_next(request) or back_url)
    return render(request, "projects/action.html", {
        "project": project, "action": action, "form": form, "subject": subject, "back_url": back_url,
        "available": target.status in action.statuses, "problems": problems,
        "next": request.GET.get("next", ""),
    }, status=400 if data is not None else 200)


@login_required
def project_action(request: HttpRequest, project_id: str, action: str) -> HttpResponse:
    if action not in PROJECT_ACTIONS:
        raise Http404()
    project = _project(request, project_id)
    return _action_page(request, project=project, action=PROJECT_ACTIONS[action], target=project,
                        back_url=project.get_absolute_url())


@login_required
def period_action(request: HttpRequest, project_id: str, number: int, action: str) -> HttpResponse:
    if action not in PERIOD_ACTIONS:
        raise Http404()
    project = _project(request, project_id)
    period = _period(request, project, number)
    return _action_page(request, project=project, action=PERIOD_ACTIONS[action], target=period,
                        back_url=period.get_absolute_url(),
                        subject=_("Monitoring period %(n)s (%(label)s)") % {"n": period.number, "label": period.label})


@login_required
def issuance_action(request: HttpRequest, project_id: str, pk: int, action: str) -> HttpResponse:
    if action not in ISSUANCE_ACTIONS:
        raise Http404()
    project = _project(request, project_id)
    issuance = selectors.issuance_request_list(request.user, project).filter(pk=pk).first()
    if issuance is None:
        raise Http404(_("There is no such issuance request."))
    issuance.project = project
    return _action_page(request, project=project, action=ISSUANCE_ACTIONS[action], target=issuance,
                        back_url=issuance.period.get_absolute_url(),
                        subject=_("Issuance request for monitoring period %(n)s: %(amount)s tCO2e verified") % {
                            "n": issuance.period.number, "amount": issuance.requested_amount})


@login_required
def change_action(request: HttpRequest, project_id: str, pk: int, action: str) -> HttpResponse:
    if action not in CHANGE_ACTIONS:
        raise Http404()
    project = _project(request, project_id)
    change = selectors.change_request_list(request.user, project).filter(pk=pk).first()
    if change is None:
        raise Http404(_("There is no such request."))
    return _action_page(request, project=project, action=CHANGE_ACTIONS[action], target=change,
                        back_url=project.get_absolute_url() + "#changes",
                        subject=f"{change.get_kind_display()}: {change.description}")
