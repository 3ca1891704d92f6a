"""Public pages: the project register, a project and its monitoring periods, public comments, and the downloads
of project files (after checking who may read them)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from committee import selectors as committee_selectors
from core.forms import run_service
from core.views import paginate, query_without_page
from methodologies import selectors as methodology_selectors

from .. import access, forms, selectors, services
from ..choices import PDDStatus, ProjectStatus, RecordStatus, ReportStatus
from ..filters import ProjectFilter
from .actions import CHANGE_ACTIONS, ISSUANCE_ACTIONS, PERIOD_ACTIONS, PROJECT_ACTIONS, Action
from .common import _period, _project, _value_rows


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
    page = paginate(request, projects.order_by("project_id"))
    user = request.user
    return render(request, "projects/list.html", {
        "page": page, "projects": page.object_list, "filter": flt, "selected": request.GET,
        "committees": committee_selectors.joint_committee_list(user),
        "scopes": committee_selectors.scope_list(user), "statuses": ProjectStatus.choices,
        "methodologies": methodology_selectors.methodology_list(user).exclude(approved_number="")
        .order_by("approved_number"),
        "query": query_without_page(request),
        "is_participant": access.can_see_my_projects(user),
        "is_tpe": access.can_see_tpe_work(user),
        "is_secretariat": access.can_see_secretariat_queues(user),
    }, status=400 if bad else 200)


def _offered(actions: dict[str, Action], can: access.Permissions) -> list[Action]:
    """The steps a page offers the user on the object of ``can``."""
    return [a for a in actions.values() if can.offers(a.rule)]


def _with_actions(objects: Iterable[Any], actions: dict[str, Action],
                  can: access.Permissions) -> list[tuple[Any, list[Action]]]:
    """Each object (a row of the page) with the steps the user may take on it."""
    return [(obj, _offered(actions, can.of(obj))) for obj in objects]


def project_detail(request: HttpRequest, project_id: str, comment_form: forms.CommentForm | None = None,
                   status: int = 200) -> HttpResponse:
    project = _project(request, project_id)
    user = request.user
    can = access.Permissions(user, project)
    pdds = list(selectors.pdd_list(user, project).order_by("-version"))  # drafts only for the participants
    current = next((p for p in pdds if p.status == PDDStatus.SUBMITTED), None)
    draft = next((p for p in pdds if p.status == PDDStatus.DRAFT), None)
    shown = current or draft
    allocation = selectors.allocation_list(user, project).filter(status=RecordStatus.CURRENT).first()
    moc = list(selectors.moc_list(user, project).order_by("-version"))
    if comment_form is None and access.can_comment_submit(user, project):
        comment_form = forms.CommentForm()
    return render(request, "projects/detail.html", {
        "project": project, "can": can,
        "participants": [p for p in project.participants.all() if p.active],
        "former_participants": [p for p in project.participants.all() if not p.active],
        "versions": project.methodology_versions.all(),
        "pdd": current, "draft_pdd": draft, "pdd_versions": pdds,
        "answers": shown.answers.all() if shown else [],
        "comments": selectors.comment_list(user, project),
        "show_emails": access.can_see_commenter_email(user, project),
        "comment_form": comment_form,
        "validation_reports": selectors.validation_report_list(user, project).order_by("-submitted_at"),
        "moc": moc,
        "current_moc": next((m for m in moc if m.status == RecordStatus.CURRENT), None),
        "allocation": allocation,
        "allocation_shares": allocation.shares.all() if allocation else [],
        "change_requests": _with_actions(selectors.change_request_list(user, project), CHANGE_ACTIONS, can),
        "periods": selectors.period_summaries(user, project),
        "issuances": selectors.issuance_request_list(user, project).order_by("-requested_at"),
        "actions": _offered(PROJECT_ACTIONS, can),
        "registration_requested": project.status == ProjectStatus.REGISTRATION_REQUESTED,
        "waiting": selectors.waiting_project(project),
        # why "Submit the PDD" is not offered yet: the SD contribution plan goes with it (Mongolia's rules)
        "pdd_needs_sd_plan": (access.PDD_SUBMIT.allows(user, project) and access.sd_plan_missing(project)),
    }, status=status)


@require_POST
def comment_submit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    form = forms.CommentForm(request.POST)
    if run_service(form, lambda: services.comment_submit(actor=request.user, project=project, **form.cleaned_data)):
        messages.success(request, _("Thank you. Your comment is published below."))
        return redirect(project.get_absolute_url() + "#comments")
    return project_detail(request, project.project_id, comment_form=form, status=400)


def period_detail(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    project = _project(request, project_id)
    period = _period(request, project, number)
    user = request.user
    can = access.Permissions(user, period)
    reports = list(selectors.monitoring_report_list(user, period).order_by("-version"))
    draft = next((r for r in reports if r.status == ReportStatus.DRAFT), None)
    submitted = next((r for r in reports if r.status == ReportStatus.SUBMITTED), None)
    issuances = selectors.issuance_request_list(user, project).filter(period=period).order_by("-requested_at")
    return render(request, "projects/period.html", {
        "project": project, "period": period, "can": can, "reports": reports, "draft": draft,
        "report": submitted, "values": _value_rows(submitted) if submitted else [],
        "evidence": selectors.evidence_list(user, submitted) if submitted and can["see_confidential"] else [],
        "verifications": selectors.verification_report_list(user, period).order_by("-submitted_at"),
        "issuances": _with_actions(issuances, ISSUANCE_ACTIONS, can),
        "actions": _offered(PERIOD_ACTIONS, can), "waiting": selectors.waiting_period(period),
    })


DOWNLOADS: dict[str, tuple[Callable[..., QuerySet[Any]], str, bool]] = {
    # kind: (selector, file field, confidential)
    "pdd-public": (selectors.pdd_list, "public_file", False),
    "pdd-confidential": (selectors.pdd_list, "confidential_file", True),
    "validation": (selectors.validation_report_list, "file", False),
    "verification": (selectors.verification_report_list, "file", False),
    "evidence": (selectors.evidence_list, "file", True),
    "moc": (selectors.moc_list, "file", True),
    "spreadsheet": (selectors.monitoring_report_list, "source_file", True),
}


def download(request: HttpRequest, kind: str, pk: int) -> FileResponse:
    """A project file, after checking that the user may see it (never by a guessable media URL)."""
    if kind not in DOWNLOADS:
        raise Http404()
    selector, field, confidential = DOWNLOADS[kind]
    obj = selector(request.user).filter(pk=pk).first()
    if obj is None or (confidential and not access.can_see_confidential(request.user, obj.project_for_files())):
        raise Http404(_("There is no such file."))
    stored = getattr(obj, field)
    if not stored:
        raise Http404(_("There is no such file."))
    name = getattr(obj, "original_name", "") or stored.name.rsplit("/", 1)[-1]
    return FileResponse(stored.open("rb"), as_attachment=True, filename=name)
