"""Public pages: the project register, a project and its monitoring periods, public comments, and the downloads
of project files (after checking who may read them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from committee import selectors as committee_selectors
from committee.roles import is_system_admin
from core.errors import ApplicationError
from core.forms import add_service_error
from methodologies import selectors as methodology_selectors

from .. import access, forms, selectors, services
from ..choices import (
    PDD_REVISABLE_STATUSES,
    MonitoringStatus,
    PDDStatus,
    ProjectStatus,
    RecordStatus,
    ReportStatus,
)
from ..filters import ProjectFilter
from ..models import Project
from .actions import CHANGE_ACTIONS, ISSUANCE_ACTIONS, PERIOD_ACTIONS, PROJECT_ACTIONS
from .common import Roles, _period, _project, _value_rows

PAGE_SIZE = 50


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
