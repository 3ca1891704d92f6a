"""Browser pages of the projects app: the public project register, the participants' submissions, the
TPEs' reports and the secretariat's work queues and decision forms.

Every read goes through ``projects.selectors`` (a project the user may not see does not exist for them:
404). Every page that changes something checks the user's role on the project first (403 otherwise),
validates its form and calls ONE service in ``try/except ApplicationError``; a refusal is shown on the
form (status 400) and nothing is written, because the service runs in one transaction. Files are served
only through :func:`download`, which checks who may read them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from committee import selectors as committee_selectors
from committee.roles import is_secretariat, is_system_admin
from core.errors import ApplicationError, NotFound
from core.forms import add_service_error
from methodologies import selectors as methodology_selectors
from methodologies.choices import ParameterKind

from . import access, forms, selectors, services
from .choices import (
    CHANGE_REQUEST_TRANSITIONS,
    ISSUANCE_TRANSITIONS,
    PDD_REVISABLE_STATUSES,
    PROJECT_TRANSITIONS,
    AllocationParty,
    ChangeRequestStatus,
    IssuanceStatus,
    MonitoringStatus,
    PDDStatus,
    ProjectStatus,
    RecordStatus,
    RegistrySide,
    ReportStatus,
)
from .filters import ProjectFilter
from .models import MonitoringPeriod, Project

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


# --- who is who on a project -------------------------------------------------------------------------

@dataclass(frozen=True)
class Roles:
    """The user's roles on one project (a system administrator holds them all)."""

    participant: bool = False
    focal_point: bool = False
    secretariat: bool = False
    validator: bool = False  # an auditor of the TPE chosen to validate the project
    confidential: bool = False  # may see the confidential PDD, evidence, MoC and allocation

    @classmethod
    def of(cls, user, project: Project) -> Roles:
        if not getattr(user, "is_authenticated", False):
            return cls()
        if is_system_admin(user):
            return cls(True, True, True, True, True)
        return cls(participant=access.is_participant(user, project), focal_point=access.is_focal_point(user, project),
                   secretariat=is_secretariat(user, project.joint_committee),
                   validator=access.is_tpe_auditor(user, project.validation_tpe),
                   confidential=access.can_see_confidential(user, project))

    def require(self, who: str) -> None:
        if not getattr(self, who):
            raise PermissionDenied(FORBIDDEN[who])


FORBIDDEN = {
    "participant": gettext_lazy("Only a participant of this project may do this."),
    "focal_point": gettext_lazy("Only the focal point of this project may do this."),
    "secretariat": gettext_lazy("Only the secretariat of this project's Joint Committee may do this."),
    "validator": gettext_lazy("Only an auditor of the TPE chosen to validate this project may do this."),
}


# --- helpers ---------------------------------------------------------------------------------------------

def _project(request: HttpRequest, project_id: str) -> Project:
    try:
        return selectors.project_get(request.user, project_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _period(request: HttpRequest, project: Project, number: int) -> MonitoringPeriod:
    period = selectors.monitoring_period_list(request.user, project).filter(number=number).first()
    if period is None:
        raise Http404(_("There is no such monitoring period."))
    period.project = project
    return period


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else ""


def _filled(formset) -> list[dict]:
    """The cleaned rows of a valid formset, without the rows ticked for removal or left empty."""
    rows = (getattr(f, "cleaned_data", None) or {} for f in formset.forms)
    return [{k: v for k, v in row.items() if k != "DELETE"} for row in rows if row and not row.get("DELETE")]


def _unbound(data, rows: list[dict]) -> list[dict] | None:
    """A formset's initial rows, for the page shown before a POST only: a posted row equal to its initial
    value would otherwise count as unchanged, and be dropped, instead of being saved again."""
    return (rows or None) if data is None else None


def _all_valid(form, *formsets) -> bool:
    valid = form.is_valid()
    for formset in formsets:
        valid = formset.is_valid() and valid
    return valid


def _submitted(request: HttpRequest, form, *formsets, call: Callable[[], Any],
               aliases: dict[str, str] | None = None) -> Any | None:
    """On a POST whose forms are valid, call the ONE service and return what it returns (the object it
    wrote); on a GET, invalid input or a refusal (put on the form), None."""
    if request.method != "POST" or not _all_valid(form, *formsets):
        return None
    try:
        return call()
    except ApplicationError as exc:
        _show_error(form, exc, aliases)
        return None


def _contacts(formset) -> list[dict]:
    return [{k: r[k] for k in ("name", "organization", "email", "phone")} for r in _filled(formset)]


def _show_error(form, exc: ApplicationError, aliases: dict[str, str] | None = None) -> None:
    """``add_service_error`` after renaming the service's field names to the form's."""
    if aliases:
        renamed = {}
        for key, messages_ in exc.errors.items():
            renamed.setdefault(aliases.get(key, key), []).extend(messages_)
        exc = ApplicationError(exc.message, errors=renamed)
    add_service_error(form, exc)


def _form_page(request: HttpRequest, project: Project, *, heading: str, form, formsets=(), submit: str,
               intro: str = "", back_url: str = "", available: bool = True, template: str = "projects/form_page.html",
               **extra) -> HttpResponse:
    bound = form.is_bound
    return render(request, template, {
        "project": project, "heading": heading, "form": form, "formsets": list(formsets), "submit": submit,
        "intro": intro, "back_url": back_url or project.get_absolute_url(), "available": available,
        "has_errors": bool(form.errors) or any(fs.total_error_count() for _t, _h, fs in formsets), **extra,
    }, status=400 if bound else 200)


# --- public pages ------------------------------------------------------------------------------------------

def project_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.project_list(request.user)
    params = request.GET.copy()
    for key in list(params):  # a filter left at "All" sends an empty value
        values = [v for v in params.getlist(key) if v.strip()]
        if values and key != "page":
            params.setlist(key, values)
        else:
            del params[key]
    flt = ProjectFilter(params or None, queryset=qs)
    bad = flt.is_bound and not flt.is_valid()
    projects = flt.qs if flt.is_bound and not bad else qs
    page = Paginator(projects.order_by("project_id"), PAGE_SIZE).get_page(request.GET.get("page"))
    user = request.user
    return render(request, "projects/list.html", {
        "page": page, "projects": page.object_list, "filter": flt, "selected": request.GET,
        "committees": committee_selectors.joint_committee_list(user),
        "scopes": committee_selectors.scope_list(user), "statuses": ProjectStatus.choices,
        "methodologies": methodology_selectors.methodology_list(user).exclude(approved_number="")
        .order_by("approved_number"),
        "query": _query_without_page(request),
        "is_participant": bool(access.participant_organization_ids(user)) or is_system_admin(user),
        "is_tpe": bool(access.tpe_organization_ids(user)),
        "is_secretariat": bool(access.secretariat_committee_ids(user)) or is_system_admin(user),
    }, status=400 if bad else 200)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def project_detail(request: HttpRequest, project_id: str, comment_form=None, status: int = 200) -> HttpResponse:
    project = _project(request, project_id)
    user = request.user
    roles = Roles.of(user, project)
    pdds = list(selectors.pdd_list(user, project).order_by("-version"))
    current = next((p for p in pdds if p.status == PDDStatus.SUBMITTED), None)
    draft = next((p for p in pdds if p.status == PDDStatus.DRAFT), None)
    shown = current or draft
    allocation = selectors.allocation_list(user, project).filter(status=RecordStatus.CURRENT).first()
    moc = list(selectors.moc_list(user, project).order_by("-version"))
    if comment_form is None and project.is_open_for_comments:
        comment_form = forms.CommentForm()
    return render(request, "projects/detail.html", {
        "project": project, "roles": roles,
        "participants": [p for p in project.participants.all() if p.active],
        "former_participants": [p for p in project.participants.all() if not p.active],
        "versions": project.methodology_versions.all(),
        "pdd": current, "draft_pdd": draft if roles.participant else None, "pdd_versions": pdds,
        "answers": shown.answers.all() if shown else [],
        "comments": selectors.comment_list(user, project),
        "show_emails": selectors.may_see_commenter_email(user, project),
        "comment_form": comment_form,
        "validation_reports": selectors.validation_report_list(user, project).order_by("-submitted_at"),
        "moc": moc,
        "current_moc": next((m for m in moc if m.status == RecordStatus.CURRENT), None),
        "allocation": allocation,
        "allocation_shares": allocation.shares.all() if allocation else [],
        "change_requests": _with_actions(selectors.change_request_list(user, project), CHANGE_ACTIONS, roles),
        "periods": selectors.period_summaries(user, project),
        "issuances": selectors.issuance_request_list(user, project).order_by("-requested_at"),
        "actions": [a for a in PROJECT_ACTIONS.values() if a.offered(project, roles)],
        "can_edit": roles.participant and project.status == ProjectStatus.DRAFT,
        "can_edit_pdd": roles.participant and project.status in PDD_REVISABLE_STATUSES,
        "can_moc": roles.focal_point and project.status not in (ProjectStatus.WITHDRAWN, ProjectStatus.REJECTED),
        "can_open_period": roles.participant and project.status == ProjectStatus.REGISTERED,
        "can_request_change": roles.focal_point and project.status == ProjectStatus.REGISTERED,
        "can_validate": roles.validator and project.status == ProjectStatus.UNDER_VALIDATION,
        "registration_requested": project.status == ProjectStatus.REGISTRATION_REQUESTED,
    }, status=status)


@require_POST
def comment_submit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_submit(actor=request.user, project=project, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Thank you. Your comment is published below."))
            return redirect(project.get_absolute_url() + "#comments")
    return project_detail(request, project.project_id, comment_form=form, status=400)


def period_detail(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    project = _project(request, project_id)
    period = _period(request, project, number)
    user = request.user
    roles = Roles.of(user, project)
    reports = list(selectors.monitoring_report_list(user, period).order_by("-version"))
    draft = next((r for r in reports if r.status == ReportStatus.DRAFT), None)
    submitted = next((r for r in reports if r.status == ReportStatus.SUBMITTED), None)
    verifier = access.is_tpe_auditor(user, period.verification_tpe) or is_system_admin(user)
    return render(request, "projects/period.html", {
        "project": project, "period": period, "roles": roles, "reports": reports, "draft": draft,
        "report": submitted, "values": _value_rows(submitted) if submitted else [],
        "evidence": selectors.evidence_list(user, submitted) if submitted and roles.confidential else [],
        "verifications": selectors.verification_report_list(user, period).order_by("-submitted_at"),
        "issuances": _with_actions(selectors.issuance_request_list(user, project).filter(period=period)
                                   .order_by("-requested_at"), ISSUANCE_ACTIONS, roles),
        "can_enter": roles.participant and period.status == MonitoringStatus.OPEN,
        "can_verify": verifier and period.status == MonitoringStatus.SUBMITTED,
        "actions": [a for a in PERIOD_ACTIONS.values() if a.offered(period, roles)],
    })


def _with_actions(objects, actions: dict, roles: Roles) -> list[tuple[Any, list]]:
    """Each object with the steps the user may take on it."""
    return [(obj, [a for a in actions.values() if a.offered(obj, roles)]) for obj in objects]


def _value_rows(report) -> list[tuple[str, str, str]]:
    """(symbol, site, value) of a report's values, in a stable order for display."""
    rows = []
    for symbol, value in (report.values or {}).items():
        if isinstance(value, dict) and not ({"value"} <= set(value)):
            rows.extend((symbol, site, str(v)) for site, v in value.items())
        else:
            rows.append((symbol, "", str(value.get("value") if isinstance(value, dict) else value)))
    return rows


DOWNLOADS: dict[str, tuple[Callable, str, bool]] = {
    # kind: (selector, file field, confidential)
    "pdd-public": (selectors.pdd_list, "public_file", False),
    "pdd-confidential": (selectors.pdd_list, "confidential_file", True),
    "validation": (selectors.validation_report_list, "file", False),
    "verification": (selectors.verification_report_list, "file", False),
    "evidence": (selectors.evidence_list, "file", True),
    "moc": (selectors.moc_list, "file", True),
    "spreadsheet": (selectors.monitoring_report_list, "source_file", True),
}


def _owner(obj) -> Project:
    return obj.project_for_files()


def download(request: HttpRequest, kind: str, pk: int) -> FileResponse:
    """A project file, after checking that the user may see it (never by a guessable media URL)."""
    if kind not in DOWNLOADS:
        raise Http404()
    selector, field, confidential = DOWNLOADS[kind]
    obj = selector(request.user).filter(pk=pk).first()
    if obj is None or (confidential and not access.can_see_confidential(request.user, _owner(obj))):
        raise Http404(_("There is no such file."))
    stored = getattr(obj, field)
    if not stored:
        raise Http404(_("There is no such file."))
    name = getattr(obj, "original_name", "") or stored.name.rsplit("/", 1)[-1]
    return FileResponse(stored.open("rb"), as_attachment=True, filename=name)


# --- work lists ----------------------------------------------------------------------------------------

@login_required
def my_projects(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (access.participant_organization_ids(user) or is_system_admin(user)):
        raise PermissionDenied(_("“My projects” is for project participants."))
    return render(request, "projects/mine.html", {"work": selectors.my_projects(user)})


@login_required
def tpe_work(request: HttpRequest) -> HttpResponse:
    if not access.tpe_organization_ids(request.user):
        raise PermissionDenied(_("This page is for the auditors of third-party entities."))
    return render(request, "projects/tpe.html", {"work": selectors.tpe_assignments(request.user)})


QUEUE_TITLES = {
    "completeness": gettext_lazy("Completeness checks"),
    "public_input": gettext_lazy("Public input periods closing"),
    "registration": gettext_lazy("Registration requests"),
    "issuance": gettext_lazy("Issuance requests"),
    "changes": gettext_lazy("Post-registration changes and renewals"),
}


@login_required
def secretariat_queues(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (access.secretariat_committee_ids(user) or is_system_admin(user)):
        raise PermissionDenied(_("The work queues are for the secretariat."))
    queues = selectors.secretariat_queues(user)
    return render(request, "projects/queues.html", {
        "queues": [(name, QUEUE_TITLES[name], items) for name, items in queues.items()],
        "overdue": sum(1 for items in queues.values() for item in items if item.overdue),
    })


# --- workflow steps taken with a confirmation or a short form --------------------------------------------

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


# --- participants: the project and its PDD ---------------------------------------------------------------

@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    organizations = (forms.participant_organizations() if is_system_admin(user)
                     else selectors.participant_organizations_of(user))
    if not organizations.exists():
        raise PermissionDenied(_("Only project participants may start a project."))
    data = request.POST if request.method == "POST" else None
    form = forms.ProjectCreateForm(data, organizations=organizations)
    if data is not None and form.is_valid():
        d = form.cleaned_data
        try:
            project = services.project_create(
                actor=user, joint_committee=d["joint_committee"], title=d["title"], description=d["description"],
                sectoral_scope=d["sectoral_scope"], methodology_versions=list(d["methodology_versions"]),
                participants=[{"organization": d["organization"], "side": d["side"]}], focal_point=d["organization"],
                expected_annual_reductions=d["expected_annual_reductions"] or 0,
                start_of_operation=d["start_of_operation"], crediting_start=d["crediting_start"],
                crediting_end=d["crediting_end"])
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(id)s was created as a draft. Add its sites and participants, then the "
                                        "PDD.") % {"id": project.project_id})
            return redirect(project)
    return render(request, "projects/form_page.html", {
        "heading": _("Start a project"), "form": form, "formsets": [], "submit": _("Create the draft"),
        "intro": _("The project gets its ID (e.g. MN001) now; nothing is published until the secretariat has "
                   "checked the submitted PDD."),
        "back_url": reverse("projects:mine"), "available": True, "has_errors": bool(form.errors),
    }, status=400 if data is not None else 200)


EDIT_FIELDS = ("title", "description", "sectoral_scope", "expected_annual_reductions", "start_of_operation",
               "crediting_start", "crediting_end")


@login_required
def project_edit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    Roles.of(request.user, project).require("participant")
    data = request.POST if request.method == "POST" else None
    initial = {name: getattr(project, name) for name in EDIT_FIELDS}
    initial["methodology_versions"] = list(project.methodology_versions.all())
    form = forms.ProjectEditForm(data, initial=initial, joint_committee=project.joint_committee)
    if data is not None and form.is_valid():
        d = form.cleaned_data
        try:
            services.project_update(actor=request.user, project=project,
                                    methodology_versions=list(d["methodology_versions"]),
                                    **{name: d[name] for name in EDIT_FIELDS})
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The project description was saved."))
            return redirect(project)
    return _form_page(request, project, heading=_("Edit the project"), form=form, submit=_("Save"),
                      available=project.status == ProjectStatus.DRAFT)


@login_required
def sites_edit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    Roles.of(request.user, project).require("participant")
    data = request.POST if request.method == "POST" else None
    form = forms.NoFieldsForm(data)
    formset = forms.SiteFormSet(data, prefix="sites", initial=_unbound(data, [
        {"name": s.name, "latitude": s.latitude, "longitude": s.longitude, "description": s.description}
        for s in project.sites.all()]))
    if _submitted(request, form, formset,
                  call=lambda: services.project_update(actor=request.user, project=project, sites=_filled(formset))):
        messages.success(request, _("The sites were saved."))
        return redirect(project.get_absolute_url() + "#sites")
    return _form_page(request, project, heading=_("Sites"), form=form, submit=_("Save the sites"),
                      formsets=[(_("Sites"), _("Latitude and longitude in decimal degrees (WGS 84). Each site's name "
                                               "is the key of its monitoring values."), formset)],
                      available=project.status == ProjectStatus.DRAFT)


@login_required
def participants_edit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    Roles.of(request.user, project).require("participant")
    data = request.POST if request.method == "POST" else None
    current = [p for p in project.participants.all() if p.active]
    focal = next((p.organization_id for p in current if p.is_focal_point), None)
    form = forms.FocalPointForm(data, initial={"focal_point": focal})
    formset = forms.ParticipantFormSet(data, prefix="participants", initial=_unbound(data, [
        {"organization": p.organization_id, "side": p.side, "name": p.name} for p in current]))
    if _submitted(request, form, formset, call=lambda: services.project_update(
            actor=request.user, project=project, focal_point=form.cleaned_data["focal_point"],
            participants=[{k: r[k] for k in ("organization", "side", "name")} for r in _filled(formset)])):
        messages.success(request, _("The participants were saved."))
        return redirect(project.get_absolute_url() + "#participants")
    return _form_page(request, project, heading=_("Participants and focal point"), form=form,
                      submit=_("Save the participants"),
                      formsets=[(_("Participants"), _("Japanese and partner-country organizations taking part."),
                                 formset)],
                      intro=_("After the PDD is submitted, participants change through MoC statements and Annex 1 "
                              "changes."),
                      available=project.status == ProjectStatus.DRAFT)


@login_required
def pdd_edit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    Roles.of(request.user, project).require("participant")
    pdds = selectors.pdd_list(request.user, project).order_by("-version")
    draft = pdds.filter(status=PDDStatus.DRAFT).first()
    base = draft or pdds.first()
    data = request.POST if request.method == "POST" else None
    form = forms.PDDForm(data, request.FILES or None, criteria=selectors.eligibility_criteria(project),
                         ex_ante=selectors.ex_ante_parameters(project),
                         answers={a.criterion_id: a for a in base.answers.all()} if base else {},
                         values=base.ex_ante_values if base else {})
    if data is not None and form.is_valid():
        try:
            pdd = services.pdd_save(actor=request.user, project=project, **form.service_kwargs())
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("PDD version %(v)s was saved as a draft. Submit it when it is complete.")
                             % {"v": pdd.version})
            return redirect(project.get_absolute_url() + "#pdd")
    return _form_page(request, project, heading=_("PDD"), form=form, submit=_("Save the draft"),
                      template="projects/pdd_form.html", draft=draft, base=base,
                      available=project.status in PDD_REVISABLE_STATUSES)


# --- participants: MoC statement and credit allocation --------------------------------------------------

@login_required
def moc_submit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    Roles.of(request.user, project).require("focal_point")
    current = selectors.moc_list(request.user, project).filter(status=RecordStatus.CURRENT).first()
    focal = project.participants.filter(is_focal_point=True).values_list("organization_id", flat=True).first()
    initial: dict[str, Any] = {"focal_point": focal}
    contacts = []
    if current is not None:
        initial.update({"primary_name": current.primary_signatory_name, "primary_title": current.primary_signatory_title,
                        "primary_email": current.primary_signatory_email,
                        "alternate_name": current.alternate_signatory_name,
                        "alternate_title": current.alternate_signatory_title,
                        "alternate_email": current.alternate_signatory_email, "tpes": list(current.tpes.all())})
        contacts = current.contacts
    data = request.POST if request.method == "POST" else None
    form = forms.MoCForm(data, request.FILES or None, project=project, initial=initial)
    formset = forms.ContactFormSet(data, prefix="contacts", initial=_unbound(data, contacts))
    statement = _submitted(request, form, formset, call=lambda: services.moc_submit(
        actor=request.user, project=project, contacts=_contacts(formset), **form.service_kwargs()),
        aliases={"primary_signatory": "primary_name", "alternate_signatory": "alternate_name"})
    if statement:
        messages.success(request, _("MoC statement version %(v)s was submitted.") % {"v": statement.version})
        return redirect(project.get_absolute_url() + "#moc")
    return _form_page(request, project, heading=_("MoC statement"), form=form, submit=_("Submit the MoC statement"),
                      formsets=[(_("Contact persons"), "", formset)],
                      intro=_("A new statement supersedes the current one; every version is kept."),
                      available=project.status not in (ProjectStatus.WITHDRAWN, ProjectStatus.REJECTED))


@login_required
def moc_annex_change(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    Roles.of(request.user, project).require("focal_point")
    current = selectors.moc_list(request.user, project).filter(status=RecordStatus.CURRENT).first()
    data = request.POST if request.method == "POST" else None
    form = forms.AnnexChangeForm(data)
    formset = forms.ContactFormSet(data, prefix="contacts",
                                   initial=_unbound(data, current.contacts if current else []))
    change = _submitted(request, form, formset, call=lambda: services.moc_annex_change(
        actor=request.user, project=project, **form.service_kwargs(_contacts(formset))))
    if change:
        messages.success(request, _("Annex 1 change %(n)s to MoC statement version %(v)s was recorded.") % {
            "n": change.number, "v": change.statement.version})
        return redirect(project.get_absolute_url() + "#moc")
    return _form_page(
        request, project, heading=_("MoC Annex 1 change"), form=form, submit=_("Record the Annex 1 change"),
        formsets=[(_("Contact persons"), _("For a change of contact details: the full new list of contacts."),
                   formset)],
        intro=_("Adds, renames or withdraws a project participant, or changes the contacts, under the current MoC "
                "statement (version %(v)s). A new focal point needs a new MoC statement.") % {
                    "v": current.version if current else "—"},
        available=current is not None and project.status not in (ProjectStatus.WITHDRAWN, ProjectStatus.REJECTED))


def _allocation_initial(project: Project, current) -> list[dict]:
    if current is not None:
        return [{"party": s.party, "organization": s.organization_id, "registry": s.registry,
                 "percent": s.percent} for s in current.shares.all()]
    rows = [{"party": AllocationParty.JAPAN_GOVERNMENT, "registry": RegistrySide.JAPAN},
            {"party": AllocationParty.PARTNER_GOVERNMENT, "registry": RegistrySide.PARTNER}]
    for p in project.participants.filter(active=True).select_related("organization"):
        rows.append({"party": AllocationParty.PARTICIPANT, "organization": p.organization_id,
                     "registry": RegistrySide.JAPAN if p.side == "japanese" else RegistrySide.PARTNER})
    return rows


@login_required
def allocation_submit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    Roles.of(request.user, project).require("focal_point")
    current = selectors.allocation_list(request.user, project).filter(status=RecordStatus.CURRENT).first()
    data = request.POST if request.method == "POST" else None
    form = forms.AllocationForm(data)
    formset = forms.ShareFormSet(data, prefix="shares", project=project,
                                 initial=_unbound(data, _allocation_initial(project, current)))
    allocation = _submitted(request, form, formset, call=lambda: services.allocation_submit(
        actor=request.user, project=project, note=form.cleaned_data["note"],
        shares=[{k: r[k] for k in ("party", "organization", "registry", "percent")} for r in _filled(formset)]))
    if allocation:
        messages.success(request, _("Credit allocation version %(v)s was saved.") % {"v": allocation.version})
        return redirect(project.get_absolute_url() + "#allocation")
    return _form_page(request, project, heading=_("Credit allocation"), form=form,
                      submit=_("Save the credit allocation"),
                      formsets=[(_("Shares"), _("The share of each issuance per party and the registry it goes into. "
                                                "Percentages with up to four decimals, adding up to exactly 100. "
                                                "Credits are split by the largest-remainder rule."), formset)],
                      intro=_("A new version replaces the current one for future issuance requests."),
                      available=project.status not in (ProjectStatus.WITHDRAWN, ProjectStatus.REJECTED))


# --- participants: post-registration changes and renewal ----------------------------------------------

@login_required
def change_request_create(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    Roles.of(request.user, project).require("focal_point")
    data = request.POST if request.method == "POST" else None
    form = forms.ChangeRequestForm(data, project=project)
    change = _submitted(request, form, call=lambda: services.change_request_submit(
        actor=request.user, project=project, **form.service_kwargs()))
    if change:
        messages.success(request, _("Your request (%(kind)s) was sent to the secretariat.") % {
            "kind": change.get_kind_display().lower()})
        return redirect(project.get_absolute_url() + "#changes")
    return _form_page(
        request, project, heading=_("Request a change or a renewal"), form=form, submit=_("Send the request"),
        intro=_("A post-registration change alters the fields you edit below; a renewal extends the crediting "
                "period (now ending %(end)s). The Joint Committee decides; nothing changes until it approves.") % {
                    "end": project.crediting_end.isoformat() if project.crediting_end else "—"},
        available=project.status == ProjectStatus.REGISTERED)


# --- TPEs: validation and verification -------------------------------------------------------------

def _findings(formset) -> list[dict]:
    return [{k: r[k] for k in ("kind", "status", "text", "response")} for r in _filled(formset)]


FINDINGS_HELP = gettext_lazy("Corrective action requests (CAR) and clarification requests (CL) must be closed for a "
                             "positive conclusion; forward action requests (FAR) may stay open.")


@login_required
def validation_report(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    Roles.of(request.user, project).require("validator")
    data = request.POST if request.method == "POST" else None
    form = forms.ValidationReportForm(data, request.FILES or None)
    formset = forms.FindingFormSet(data, prefix="findings")
    if _submitted(request, form, formset, call=lambda: services.validation_report_submit(
            actor=request.user, project=project, findings=_findings(formset), **form.cleaned_data)):
        messages.success(request, _("The validation report was submitted."))
        return redirect(project.get_absolute_url() + "#validation")
    return _form_page(request, project, heading=_("Validation report"), form=form, submit=_("Submit the report"),
                      formsets=[(_("Findings"), FINDINGS_HELP, formset)],
                      intro=_("Validation of %(id)s by %(tpe)s.") % {"id": project.project_id,
                                                                    "tpe": project.validation_tpe.tpe_id},
                      available=project.status == ProjectStatus.UNDER_VALIDATION and project.public_input_closed)


@login_required
def verification_report(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    project = _project(request, project_id)
    period = _period(request, project, number)
    if not (access.is_tpe_auditor(request.user, period.verification_tpe) or is_system_admin(request.user)):
        raise PermissionDenied(_("Only an auditor of the TPE assigned to verify this period may do this."))
    report = selectors.monitoring_report_list(request.user, period).filter(status=ReportStatus.SUBMITTED).first()
    data = request.POST if request.method == "POST" else None
    form = forms.VerificationReportForm(data, request.FILES or None, initial={
        "verified_reductions": report.reported_reductions if report else None})
    formset = forms.FindingFormSet(data, prefix="findings")
    if _submitted(request, form, formset, call=lambda: services.verification_report_submit(
            actor=request.user, period=period, findings=_findings(formset), **form.cleaned_data)):
        messages.success(request, _("The verification report was submitted."))
        return redirect(period.get_absolute_url())
    return _form_page(request, project, heading=_("Verification report"), form=form, submit=_("Submit the report"),
                      formsets=[(_("Findings"), FINDINGS_HELP, formset)], back_url=period.get_absolute_url(), period=period,
                      report=report, available=period.status == MonitoringStatus.SUBMITTED)


# --- participants: monitoring ---------------------------------------------------------------------------

@login_required
def period_create(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    Roles.of(request.user, project).require("participant")
    last = selectors.monitoring_period_list(request.user, project).order_by("-end_date").first()
    start = (last.end_date + datetime.timedelta(days=1)) if last else project.crediting_start
    data = request.POST if request.method == "POST" else None
    form = forms.PeriodForm(data, initial={"start_date": start})
    if data is not None and form.is_valid():
        try:
            period = services.monitoring_period_create(actor=request.user, project=project, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Monitoring period %(n)s was opened.") % {"n": period.number})
            return redirect("projects:report", project.project_id, period.number)
    return _form_page(request, project, heading=_("Open a monitoring period"), form=form,
                      submit=_("Open the period"),
                      intro=_("Periods lie inside the crediting period (%(start)s – %(end)s) and follow each other "
                              "without gaps or overlaps.") % {"start": project.crediting_start,
                                                              "end": project.crediting_end},
                      available=project.status == ProjectStatus.REGISTERED)


def _report_version(request: HttpRequest, project: Project, draft):
    applied = list(project.methodology_versions.select_related("methodology"))
    wanted = request.POST.get("methodology_version") or request.GET.get("version")
    chosen = next((v for v in applied if str(v.pk) == str(wanted)), None)
    if chosen is None and draft is not None:
        chosen = next((v for v in applied if v.pk == draft.methodology_version_id), None)
    return chosen or (applied[0] if applied else None), applied


def _report_context(request: HttpRequest, project: Project, period: MonitoringPeriod):
    reports = selectors.monitoring_report_list(request.user, period).order_by("-version")
    draft = reports.filter(status=ReportStatus.DRAFT).first()
    last = draft or reports.first()
    version, applied = _report_version(request, project, draft)
    parameters = list(version.parameters.all()) if version else []
    sites = [s.name for s in project.sites.all()]
    return draft, last, version, applied, parameters, sites


def _place_value_errors(form: forms.MonitoringValuesForm, exc: ApplicationError) -> None:
    """Engine and service refusals name the parameter: show them beside its first value."""
    placed = False
    for key, messages_ in exc.errors.items():
        targets = form.fields_of(key) or ([key] if key in form.fields else [])
        for message in messages_:
            form.add_error(targets[0] if targets else None, message)
        placed = True
    if not placed:
        add_service_error(form, exc)


def _report_page(request: HttpRequest, project: Project, period: MonitoringPeriod, *, values_form=None,
                 upload_form=None, evidence_form=None, status: int = 200) -> HttpResponse:
    draft, last, version, applied, parameters, sites = _report_context(request, project, period)
    pdd = selectors.current_pdd(project)
    return render(request, "projects/report.html", {
        "project": project, "period": period, "draft": draft, "version": version, "applied": applied,
        "values_form": values_form or forms.MonitoringValuesForm(parameters=parameters, sites=sites,
                                                                 values=(last.values if last else {})),
        "upload_form": upload_form or forms.SpreadsheetForm(),
        "evidence_form": evidence_form or forms.EvidenceForm(parameters=parameters),
        "evidence": selectors.evidence_list(request.user, draft) if draft else [],
        "fixed": [p for p in parameters if p.kind == ParameterKind.DEFAULT],
        "ex_ante": [(p, (pdd.ex_ante_values if pdd else {}).get(p.symbol)) for p in parameters
                    if p.kind == ParameterKind.EX_ANTE],
        "open": period.status == MonitoringStatus.OPEN, "sites": sites,
    }, status=status)


def _report_access(request: HttpRequest, project_id: str, number: int) -> tuple[Project, MonitoringPeriod]:
    project = _project(request, project_id)
    period = _period(request, project, number)
    Roles.of(request.user, project).require("participant")
    return project, period


@login_required
def report_edit(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    """The monitoring report draft: values by form (saved and resumed), or from the filled spreadsheet,
    and its evidence files."""
    project, period = _report_access(request, project_id, number)
    if request.method != "POST":
        return _report_page(request, project, period)
    _draft, _last, version, applied, parameters, sites = _report_context(request, project, period)
    form = forms.MonitoringValuesForm(request.POST, parameters=parameters, sites=sites, values={})
    if form.is_valid():
        try:
            services.monitoring_report_save(actor=request.user, period=period, values=form.values(), replace=True,
                                            methodology_version=version if len(applied) > 1 else None)
        except ApplicationError as exc:
            _place_value_errors(form, exc)
        else:
            messages.success(request, _("The draft report was saved. You can come back to it, or review and "
                                        "submit it."))
            return redirect("projects:report", project.project_id, period.number)
    return _report_page(request, project, period, values_form=form, status=400)


@login_required
@require_POST
def report_upload(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    project, period = _report_access(request, project_id, number)
    _draft, _last, version, applied, _parameters, _sites = _report_context(request, project, period)
    form = forms.SpreadsheetForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.monitoring_report_upload(actor=request.user, period=period, file=form.cleaned_data["file"],
                                              methodology_version=version if len(applied) > 1 else None)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The values were read from the spreadsheet into the draft report."))
            return redirect("projects:report", project.project_id, period.number)
    return _report_page(request, project, period, upload_form=form, status=400)


@login_required
@require_POST
def evidence_add(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    project, period = _report_access(request, project_id, number)
    _draft, _last, _version, _applied, parameters, _sites = _report_context(request, project, period)
    form = forms.EvidenceForm(request.POST, request.FILES, parameters=parameters)
    if form.is_valid():
        try:
            services.evidence_add(actor=request.user, period=period, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The evidence file was added."))
            return redirect(reverse("projects:report", args=[project.project_id, period.number]) + "#evidence")
    return _report_page(request, project, period, evidence_form=form, status=400)


@login_required
@require_POST
def evidence_remove(request: HttpRequest, project_id: str, number: int, pk: int) -> HttpResponse:
    project, period = _report_access(request, project_id, number)
    evidence = selectors.evidence_list(request.user).filter(pk=pk, report__period=period).first()
    if evidence is None:
        raise Http404(_("There is no such file."))
    try:
        services.evidence_remove(actor=request.user, evidence=evidence)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The evidence file was removed."))
    return redirect(reverse("projects:report", args=[project.project_id, period.number]) + "#evidence")


@login_required
def report_submit(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    """Review the saved draft and submit it: the engine computes the reductions, frozen with the report."""
    project, period = _report_access(request, project_id, number)
    draft = selectors.monitoring_report_list(request.user, period).filter(status=ReportStatus.DRAFT).first()
    tpes = selectors.tpe_choices(project, "verification")
    data = request.POST if request.method == "POST" else None
    form = forms.ReportSubmitForm(data, tpes=tpes, initial={
        "verification_tpe": project.validation_tpe_id if tpes.filter(pk=project.validation_tpe_id).exists() else None})
    problems: dict[str, list[str]] = {}
    if data is not None and form.is_valid():
        try:
            report = services.monitoring_report_submit(actor=request.user, period=period, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_error(form, exc)
            problems = {k: v for k, v in exc.errors.items() if k not in form.fields}
        else:
            messages.success(request, _("The monitoring report was submitted for verification: %(er)s tCO2e of "
                                        "emission reductions, %(credits)s credits.") % {
                                            "er": report.results.get("emission_reductions"),
                                            "credits": report.reported_reductions})
            return redirect(period.get_absolute_url())
    return render(request, "projects/report_submit.html", {
        "project": project, "period": period, "draft": draft, "form": form, "problems": problems,
        "values": _value_rows(draft) if draft else [],
        "evidence": selectors.evidence_list(request.user, draft) if draft else [],
        "available": period.status == MonitoringStatus.OPEN and draft is not None,
    }, status=400 if data is not None else 200)


def workbook_download(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    """The methodology's monitoring spreadsheet with the project's sites, to fill in and upload."""
    project = _project(request, project_id)
    period = _period(request, project, number)
    version, _applied = _report_version(request, project, None)
    name, data = selectors.monitoring_workbook(period, version)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
