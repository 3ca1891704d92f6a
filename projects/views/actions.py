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
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.forms import place_error
from core.views import form_status, safe_next

from .. import access, forms, selectors, services
from ..models import Project
from .common import _forbid_unless, _period, _project


@dataclass(frozen=True)
class Action:
    """One step offered on a page: the ONE service it calls, the access rule of that service (who may take it,
    in which states it is open), its form and its wording."""

    name: str
    label: str | Promise
    rule: access.Rule[Any]
    call: Callable[..., Any]
    form: type[django_forms.Form] = forms.NoFieldsForm
    target: str = "project"  # the keyword the service takes the object by
    intro: str | Promise = ""
    danger: bool = False
    primary: bool = False
    initial: Callable[[Any], dict[str, Any]] | None = None  # the form's initial values, from the target

    @property
    def who(self) -> str:
        """The party the step is reserved for (the project page groups its buttons by it)."""
        return self.rule.party.name

    def make_form(self, data: Any, project: Project, target: Any) -> django_forms.Form:
        initial = self.initial(target) if self.initial else None
        if issubclass(self.form, forms.ProjectDecisionForm):
            return self.form(data, joint_committee=project.joint_committee, initial=initial)
        if issubclass(self.form, forms.ChooseTPEForm):
            return self.form(data, tpes=selectors.tpe_choices(project, "validation"),
                             initial={"tpe": project.validation_tpe_id})
        return self.form(data, initial=initial)

    @staticmethod
    def kwargs(form: django_forms.Form) -> dict[str, Any]:
        return form.service_kwargs() if hasattr(form, "service_kwargs") else dict(form.cleaned_data)


PROJECT_ACTIONS = {a.name: a for a in [
    Action("submit-pdd", gettext_lazy("Submit the PDD to the TPE"), access.PDD_SUBMIT, services.pdd_submit,
           intro=gettext_lazy("The PDD goes with the MoC statement to the TPE you chose for validation, which has it "
                              "published for public input (during validation, the revised PDD goes to the same "
                              "TPE). Sites, crediting period, expected reductions, the public PDD, every "
                              "eligibility criterion and the ex-ante values must be given."),
           primary=True),
    Action("choose-tpe", gettext_lazy("Choose the validating TPE"), access.VALIDATION_TPE_CHOOSE,
           services.validation_tpe_choose, forms.ChooseTPEForm),
    Action("start-validation", gettext_lazy("Start the validation"), access.VALIDATION_START, services.validation_start,
           intro=gettext_lazy("The published PDD goes to the TPE you chose."), primary=True),
    Action("request-registration", gettext_lazy("Request registration"), access.REGISTRATION_REQUEST,
           services.registration_request,
           intro=gettext_lazy("Needs the MoC statement and the credit allocation. The secretariat puts the request "
                              "before the Joint Committee."), primary=True),
    Action("withdraw-registration", gettext_lazy("Withdraw the registration request"),
           access.REGISTRATION_REQUEST_WITHDRAW, services.registration_request_withdraw, forms.OptionalReasonForm),
    Action("withdraw", gettext_lazy("Withdraw the project"), access.PROJECT_WITHDRAW, services.project_withdraw,
           forms.ReasonForm, danger=True),
    Action("request-publication", gettext_lazy("Request publication for public input"),
           access.PDD_PUBLICATION_REQUEST, services.pdd_publication_request,
           intro=gettext_lazy("The secretariat publishes the PDD on the JCM website for public input."),
           primary=True),
    Action("publish", gettext_lazy("Publish for public input"), access.PDD_PUBLISH, services.pdd_publish,
           intro=gettext_lazy("The PDD is published and anyone may comment during the Joint Committee's public "
                              "input period (30 days unless it set another)."), primary=True),
    Action("return-pdd", gettext_lazy("Return the PDD to the participants"), access.PDD_RETURN,
           services.pdd_return, forms.ReasonForm, danger=True),
    Action("register", gettext_lazy("Register (record the decision)"), access.PROJECT_REGISTER,
           services.project_register, forms.ProjectDecisionForm,
           intro=gettext_lazy("Records the Joint Committee's decision to register the project."), primary=True),
    Action("reject", gettext_lazy("Not registered (record the decision)"), access.PROJECT_REJECT,
           services.project_reject, forms.DecisionReasonForm, danger=True),
]}

PERIOD_ACTIONS = {a.name: a for a in [
    Action("request-issuance", gettext_lazy("Request issuance"), access.ISSUANCE_REQUEST_SUBMIT,
           services.issuance_request_submit, target="period",
           intro=gettext_lazy("The verified emission reductions of this period are put to the Joint Committee, "
                              "to be issued by the credit allocation in force."), primary=True),
]}

ISSUANCE_ACTIONS = {a.name: a for a in [
    Action("decide", gettext_lazy("Decide the amount (record the decision)"), access.ISSUANCE_REQUEST_DECIDE,
           services.issuance_request_decide, forms.IssuanceDecideForm, target="request", primary=True,
           initial=lambda request: {"amount": request.requested_amount},
           intro=gettext_lazy("Records the Joint Committee's decision; the registries then issue the amount by the "
                              "project's credit allocation.")),
    Action("reject", gettext_lazy("Refuse issuance (record the decision)"), access.ISSUANCE_REQUEST_REJECT,
           services.issuance_request_reject, forms.DecisionReasonForm, target="request", danger=True),
    Action("withdraw", gettext_lazy("Withdraw the issuance request"), access.ISSUANCE_REQUEST_WITHDRAW,
           services.issuance_request_withdraw, forms.OptionalReasonForm, target="request"),
]}

CHANGE_ACTIONS = {a.name: a for a in [
    Action("approve", gettext_lazy("Approve (record the decision)"), access.CHANGE_REQUEST_APPROVE,
           services.change_request_approve, forms.ProjectDecisionForm, target="request", primary=True),
    Action("reject", gettext_lazy("Reject (record the decision)"), access.CHANGE_REQUEST_REJECT,
           services.change_request_reject, forms.DecisionReasonForm, target="request", danger=True),
    Action("withdraw", gettext_lazy("Withdraw the request"), access.CHANGE_REQUEST_WITHDRAW,
           services.change_request_withdraw, forms.OptionalReasonForm, target="request"),
]}


def _action_page(request: HttpRequest, *, project: Project, action: Action, target: Any, back_url: str,
                 subject: str = "") -> HttpResponse:
    _forbid_unless(action.rule, request, target)
    data = request.POST if request.method == "POST" else None
    form = action.make_form(data, project, target)
    problems: dict[str, list[str]] = {}
    if data is not None and form.is_valid():
        try:
            action.call(actor=request.user, **{action.target: target}, **action.kwargs(form))
        except ApplicationError as exc:
            place_error(exc, form)
            problems = {k: v for k, v in exc.errors.items() if k not in form.fields} if len(exc.errors) > 1 else {}
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": action.label})
            return redirect(safe_next(request) or back_url)
    return render(request, "projects/action.html", {
        "project": project, "action": action, "form": form, "subject": subject, "back_url": back_url,
        "available": action.rule.open(target), "problems": problems,
        "next": request.GET.get("next", ""),
    }, status=form_status(form))


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
