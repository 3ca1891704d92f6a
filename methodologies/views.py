"""Browser pages of the methodologies app.

Public pages read through ``methodologies.selectors``. Every page that changes something
validates its form and calls ONE service; a refused action is shown on the form (status 400).
Workflow pages are for the secretariat of the methodology's Joint Committee; the service checks
the actor again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committee.models import JointCommittee, SectoralScope
from committee.roles import is_secretariat, is_system_admin
from core.errors import ApplicationError, NotFound
from core.forms import add_service_error

from . import engine, forms, selectors, services
from .choices import EDITABLE_STATUSES, MethodologyStatus, VersionStatus
from .content import MethodologyContent
from .filters import MethodologyFilter
from .models import Methodology, MethodologyVersion, PublicComment

REASON_STATUSES = {MethodologyStatus.RETURNED, MethodologyStatus.REVISION_REQUESTED, MethodologyStatus.REJECTED,
                   MethodologyStatus.INACTIVE}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- helpers ----------------------------------------------------------------------------------------

def can_manage(user, methodology: Methodology) -> bool:
    return is_system_admin(user) or is_secretariat(user, methodology.joint_committee)


def _methodology(request: HttpRequest, number: str) -> Methodology:
    try:
        return selectors.methodology_get(request.user, number)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _version(request: HttpRequest, methodology: Methodology, version: str | None) -> MethodologyVersion:
    try:
        return selectors.version_get(request.user, methodology, version)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _readable(expression: str) -> str:
    try:
        return engine.describe(expression)
    except engine.EngineError:
        return expression


def place_service_error(exc: ApplicationError, form, formsets: dict) -> None:
    """Put a refusal where it belongs: a field of the main form, the formset row of the symbol it
    names, or the formset it concerns; anything else on the main form."""
    rows = {}
    for name in ("parameters", "formulas"):
        if name not in formsets:
            continue
        for row in formsets[name].forms:
            symbol = (getattr(row, "cleaned_data", None) or {}).get("symbol")
            if symbol:
                rows.setdefault(symbol, row)
    placed = False
    for key, messages_ in exc.errors.items():
        for message in messages_:
            if key in form.fields:
                form.add_error(key, message)
            elif key in rows:
                rows[key].add_error(None, message)
            elif key in formsets:
                formsets[key]._non_form_errors.append(message)
            else:
                form.add_error(None, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else ""


def _content_page(request, template_context: dict, status: int = 200) -> HttpResponse:
    return render(request, "methodologies/content_form.html", template_context, status=status)


def _bound_valid(form, formsets: dict) -> bool:
    valid = form.is_valid()
    for formset in formsets.values():
        valid = formset.is_valid() and valid
    return valid


# --- public pages -----------------------------------------------------------------------------------

def methodology_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.methodology_list(request.user)
    flt = MethodologyFilter(request.GET or None, queryset=qs)
    methodologies = list(flt.qs) if flt.is_bound and flt.is_valid() else list(qs)
    return render(request, "methodologies/list.html", {
        "methodologies": methodologies, "filter": flt, "selected": request.GET,
        "committees": JointCommittee.objects.select_related("partner"),
        "scopes": SectoralScope.objects.all(), "statuses": MethodologyStatus.choices,
        "is_secretariat": bool(selectors.secretariat_committee_ids(request.user)),
        "can_propose": request.user.is_authenticated and any(
            services.may_propose(request.user, jc) for jc in JointCommittee.objects.all()),
    }, status=400 if flt.is_bound and not flt.is_valid() else 200)


def methodology_detail(request: HttpRequest, number: str, version: str | None = None,
                       comment_form: forms.CommentForm | None = None, status: int = 200) -> HttpResponse:
    methodology = _methodology(request, number)
    if number.upper() != methodology.number and version is None:
        return redirect(methodology)  # a proposed number leads to the approved methodology
    shown = _version(request, methodology, version)
    manage = can_manage(request.user, methodology)
    comments = selectors.comment_list(request.user, methodology).select_related("version")
    context = {
        "methodology": methodology, "version": shown,
        "versions": list(selectors.version_list(request.user).filter(methodology=methodology).order_by("-version")),
        "formulas": [(f, _readable(f.expression)) for f in shown.formulas.all()],
        "comments": comments, "can_manage": manage,
        "show_emails": selectors.may_see_commenter_email(request.user, methodology),
        "deadline": methodology.deadline(),
        "comment_form": comment_form or (forms.CommentForm() if methodology.is_open_for_comments else None),
        "actions": [a for a in ACTIONS.values() if a.shown(methodology)] if manage else [],
        "version_actions": ([a for a in VERSION_ACTIONS.values() if shown.status == VersionStatus.DRAFT
                             and shown.revises_id] if manage else []),
        "show_reason": bool(methodology.status_reason) and methodology.status in REASON_STATUSES,
        "can_edit_draft": (shown.status == VersionStatus.DRAFT and shown.revises_id is not None
                           and (manage or shown.requested_by_id == request.user.pk)),
        "can_resubmit": (methodology.status in EDITABLE_STATUSES
                         and (manage or services.is_proponent(request.user, methodology))),
        "can_request_revision": (methodology.status == MethodologyStatus.APPROVED
                                 and request.user.is_authenticated
                                 and services.may_propose(request.user, methodology.joint_committee)
                                 and not methodology.versions.filter(status=VersionStatus.DRAFT).exists()),
    }
    return render(request, "methodologies/detail.html", context, status=status)


def comment_submit(request: HttpRequest, number: str) -> HttpResponse:
    methodology = _methodology(request, number)
    if request.method != "POST":
        return redirect(methodology.get_absolute_url() + "#comments")
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_submit(actor=request.user, methodology=methodology, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Thank you. Your comment is published below."))
            return redirect(methodology.get_absolute_url() + "#comments")
    return methodology_detail(request, methodology.number, comment_form=form, status=400)


def spreadsheet_download(request: HttpRequest, number: str, version: str) -> HttpResponse:
    methodology = _methodology(request, number)
    shown = _version(request, methodology, version)
    sites = forms.parse_sites(request.GET.get("sites", "").replace(",", "\n")) or None
    try:
        data = selectors.monitoring_workbook(shown, sites=sites)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(shown)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{methodology.number}_{shown.version}.xlsx"'
    return response


def calculate(request: HttpRequest, number: str, version: str) -> HttpResponse:
    """Enter values (or upload a filled spreadsheet) and see ER with its step-by-step trace."""
    methodology = _methodology(request, number)
    shown = _version(request, methodology, version)
    parameters = list(shown.parameters.all())
    data = request.POST if request.method == "POST" else None
    sites = forms.parse_sites((data or request.GET).get("sites", ""))
    if not sites and any(p.per_site for p in parameters):
        sites = ["Site 1"]
    form = forms.CalculationForm(data, request.FILES or None, parameters=parameters, sites=sites,
                                 initial={"sites": "\n".join(sites)})
    result = None
    status = 200
    if data is not None and "update_sites" not in data and form.is_valid():
        try:
            upload = form.cleaned_data.get("workbook")
            values = (selectors.read_monitoring_workbook(shown, upload.read()) if upload else form.values())
            result = selectors.calculate(shown, values, sites=None if upload else sites).as_dict()
        except ApplicationError as exc:
            for key, msgs in exc.errors.items():
                targets = [name for p, _site, name in form.rows if p.symbol == key]
                if key in form.fields:
                    targets = [key]
                for message in msgs:
                    form.add_error(targets[0] if targets else None, message)
            if not exc.errors:
                form.add_error(None, exc.message)
            status = 400
    elif data is not None and "update_sites" not in data:
        status = 400
    return render(request, "methodologies/calculate.html", {
        "methodology": methodology, "version": shown, "form": form, "result": result,
        "defaults": [p for p in parameters if p.kind == "default"],
        "formulas": [(f, _readable(f.expression)) for f in shown.formulas.all()],
    }, status=status)


# --- proponent pages ------------------------------------------------------------------------------

@login_required
def methodology_propose(request: HttpRequest) -> HttpResponse:
    allowed = [jc for jc in JointCommittee.objects.select_related("partner") if services.may_propose(request.user, jc)]
    if not allowed:
        raise PermissionDenied(_("Only project participants and the secretariat may propose a methodology."))
    data = request.POST if request.method == "POST" else None
    form = forms.MethodologyForm(data, request.FILES or None)
    form.fields["joint_committee"].queryset = JointCommittee.objects.filter(pk__in=[jc.pk for jc in allowed])
    if services.participant_organization(request.user) is None:
        form.fields["proponent_name"].required = True
        form.fields["proponent_name"].help_text = _("The organization or person proposing the methodology.")
    formsets = forms.content_formsets(data)
    if data is not None and _bound_valid(form, formsets):
        cleaned = form.cleaned_data
        try:
            methodology = services.methodology_submit(
                actor=request.user, joint_committee=cleaned["joint_committee"], title=cleaned["title"],
                summary=cleaned["summary"], sectoral_scope=cleaned["sectoral_scope"],
                proponent_name=cleaned["proponent_name"], document=cleaned["document"],
                content=forms.content_from(formsets))
        except ApplicationError as exc:
            place_service_error(exc, form, formsets)
        else:
            messages.success(request, _("%(number)s was submitted. The secretariat checks it for completeness "
                                        "by %(due)s.") % {"number": methodology.proposed_number,
                                                          "due": methodology.completeness_due_on})
            return redirect(methodology)
    return _content_page(request, {
        "heading": _("Propose a methodology"), "form": form, "formsets": formsets, "submit": _("Submit"),
        "intro": _("The secretariat checks the proposal for completeness within 7 days; public input follows."),
        "back_url": "methodologies:list",
    }, status=400 if data is not None else 200)


@login_required
def methodology_resubmit(request: HttpRequest, number: str) -> HttpResponse:
    methodology = _methodology(request, number)
    if not (can_manage(request.user, methodology) or services.is_proponent(request.user, methodology)):
        raise PermissionDenied(_("Only the proponent or the secretariat may resubmit this methodology."))
    draft = methodology.versions.filter(status=VersionStatus.DRAFT).first()
    data = request.POST if request.method == "POST" else None
    form = forms.ResubmitForm(data, request.FILES or None, initial={
        "title": methodology.title, "summary": methodology.summary, "sectoral_scope": methodology.sectoral_scope})
    formsets = forms.content_formsets(data, MethodologyContent.of_version(draft) if draft else None)
    if data is not None and _bound_valid(form, formsets):
        try:
            services.methodology_resubmit(actor=request.user, methodology=methodology,
                                          content=forms.content_from(formsets), **form.cleaned_data)
        except ApplicationError as exc:
            place_service_error(exc, form, formsets)
        else:
            messages.success(request, _("%(number)s was resubmitted.") % {"number": methodology.number})
            return redirect(methodology)
    return _content_page(request, {
        "heading": _("Revise and resubmit %(number)s") % {"number": methodology.number}, "form": form,
        "formsets": formsets, "submit": _("Resubmit"), "methodology": methodology,
        "intro": methodology.status_reason, "back_url": methodology.get_absolute_url(),
    }, status=400 if data is not None else 200)


@login_required
def revision_request(request: HttpRequest, number: str) -> HttpResponse:
    methodology = _methodology(request, number)
    current = methodology.versions.filter(status=VersionStatus.VALID).first()
    if current is None:
        raise Http404(_("%(number)s has no valid version to revise.") % {"number": methodology.number})
    data = request.POST if request.method == "POST" else None
    form = forms.RevisionRequestForm(data, request.FILES or None)
    formsets = forms.content_formsets(data, MethodologyContent.of_version(current))
    if data is not None and _bound_valid(form, formsets):
        try:
            version = services.revision_request(actor=request.user, methodology=methodology,
                                                content=forms.content_from(formsets), **form.cleaned_data)
        except ApplicationError as exc:
            place_service_error(exc, form, formsets)
        else:
            messages.success(request, _("Revision %(version)s was requested.") % {"version": version.version})
            return redirect(version)
    return _content_page(request, {
        "heading": _("Request a revision of %(number)s") % {"number": methodology.number}, "form": form,
        "formsets": formsets, "submit": _("Request the revision"), "methodology": methodology,
        "intro": _("The content below is a copy of %(version)s; change what the revision changes.")
        % {"version": current.version}, "back_url": methodology.get_absolute_url(),
    }, status=400 if data is not None else 200)


@login_required
def version_edit(request: HttpRequest, number: str, version: str) -> HttpResponse:
    methodology = _methodology(request, number)
    shown = _version(request, methodology, version)
    data = request.POST if request.method == "POST" else None
    form = forms.VersionDocumentForm(data, request.FILES or None)
    formsets = forms.content_formsets(data, MethodologyContent.of_version(shown))
    if data is not None and _bound_valid(form, formsets):
        try:
            services.version_update_content(actor=request.user, version=shown, content=forms.content_from(formsets),
                                            document=form.cleaned_data["document"])
        except ApplicationError as exc:
            place_service_error(exc, form, formsets)
        else:
            messages.success(request, _("%(version)s was saved.") % {"version": shown})
            return redirect(shown)
    return _content_page(request, {
        "heading": _("Edit the draft %(version)s") % {"version": shown}, "form": form, "formsets": formsets,
        "submit": _("Save"), "methodology": methodology, "back_url": shown.get_absolute_url(),
    }, status=400 if data is not None else 200)


# --- secretariat pages ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    """One workflow step offered to the secretariat: its form and the ONE service it calls."""

    name: str
    label: str
    form: type[django_forms.Form]
    call: Callable[..., Any]
    statuses: frozenset[str]
    intro: str = ""
    danger: bool = False
    decision: bool = False  # the form records a Joint Committee decision
    when: Callable[[Methodology], bool] | None = None  # offered only when this holds too

    def shown(self, methodology: Methodology) -> bool:
        return methodology.status in self.statuses and (self.when is None or self.when(methodology))

    def make_form(self, data, joint_committee: JointCommittee):
        if self.decision:
            return self.form(data, joint_committee=joint_committee)
        return self.form(data)

    def kwargs(self, form) -> dict:
        return form.service_kwargs() if self.decision else dict(form.cleaned_data)


S = MethodologyStatus
ACTIONS = {a.name: a for a in [
    Action("accept-complete", gettext_lazy("Complete: open public input"), forms.NoFieldsForm,
           services.methodology_accept_complete, frozenset({S.SUBMITTED}),
           gettext_lazy("The proposal is published and anyone may comment during the public input period.")),
    Action("return-incomplete", gettext_lazy("Incomplete: return to the proponent"), forms.ReasonForm,
           services.methodology_return_incomplete, frozenset({S.SUBMITTED}), danger=True),
    Action("close-public-input", gettext_lazy("Close public input"), forms.NoFieldsForm,
           services.methodology_close_public_input, frozenset({S.PUBLIC_INPUT}),
           gettext_lazy("Normally done by the deadline task when the period is over; consideration by the Joint "
                        "Committee starts."), when=lambda m: m.is_overdue),
    Action("extend-consideration", gettext_lazy("Extend the consideration"), forms.ExtendForm,
           services.methodology_extend_consideration, frozenset({S.CONSIDERATION}),
           gettext_lazy("Once, up to 90 days from the start of the consideration.")),
    Action("approve", gettext_lazy("Approve (record the decision)"), forms.ApproveForm,
           services.methodology_approve, frozenset({S.CONSIDERATION}),
           gettext_lazy("Records the Joint Committee's decision; the methodology gets its approved number and "
                        "ver01.0 becomes valid."), decision=True),
    Action("reject", gettext_lazy("Not approved (record the decision)"), forms.DecisionWithReasonForm,
           services.methodology_reject, frozenset({S.CONSIDERATION}), danger=True, decision=True),
    Action("return-for-revision", gettext_lazy("Return for revision"), forms.ReasonForm,
           services.methodology_request_revision, frozenset({S.CONSIDERATION})),
    Action("inactivate", gettext_lazy("Make inactive (record the decision)"), forms.DecisionWithReasonForm,
           services.methodology_inactivate, frozenset({S.APPROVED}), danger=True, decision=True),
]}
VERSION_ACTIONS = {a.name: a for a in [
    Action("approve", gettext_lazy("Approve the revision (record the decision)"), forms.RevisionApproveForm,
           services.revision_approve, frozenset(), decision=True),
    Action("reject", gettext_lazy("Revision not approved (record the decision)"), forms.DecisionWithReasonForm,
           services.revision_reject, frozenset(), danger=True, decision=True),
]}


def _action_page(request, *, action: Action, target, methodology: Methodology, arg: str,
                 available: bool = True) -> HttpResponse:
    if not can_manage(request.user, methodology):
        raise PermissionDenied(_("Only the secretariat of this Joint Committee may do this."))
    data = request.POST if request.method == "POST" else None
    form = action.make_form(data, methodology.joint_committee)
    if data is not None and form.is_valid():
        try:
            action.call(actor=request.user, **{arg: target}, **action.kwargs(form))
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": action.label})
            return redirect(_safe_next(request) or target.get_absolute_url())
    return render(request, "methodologies/action.html", {
        "action": action, "form": form, "methodology": methodology, "target": target,
        "deadline": methodology.deadline(), "next": request.GET.get("next", ""), "available": available,
    }, status=400 if data is not None else 200)


@login_required
def workflow_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404()
    methodology = _methodology(request, number)
    return _action_page(request, action=ACTIONS[action], target=methodology, methodology=methodology,
                        arg="methodology", available=ACTIONS[action].shown(methodology))


@login_required
def version_action(request: HttpRequest, number: str, version: str, action: str) -> HttpResponse:
    if action not in VERSION_ACTIONS:
        raise Http404()
    methodology = _methodology(request, number)
    shown = _version(request, methodology, version)
    return _action_page(request, action=VERSION_ACTIONS[action], target=shown, methodology=methodology,
                        arg="version", available=shown.status == VersionStatus.DRAFT and shown.revises_id is not None)


@login_required
def comment_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(PublicComment.objects.select_related("methodology__joint_committee"), pk=pk)
    methodology = comment.methodology
    if not can_manage(request.user, methodology):
        raise PermissionDenied(_("Only the secretariat of this Joint Committee may do this."))
    data = request.POST if request.method == "POST" else None
    form = forms.ReasonForm(data)
    if data is not None and form.is_valid():
        try:
            services.comment_unpublish(actor=request.user, comment=comment, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The comment was unpublished."))
            return redirect(methodology.get_absolute_url() + "#comments")
    action = Action("unpublish", _("Unpublish the comment"), forms.ReasonForm, services.comment_unpublish,
                    frozenset(), danger=True)
    return render(request, "methodologies/action.html", {
        "action": action, "form": form, "methodology": methodology, "target": comment, "comment": comment,
        "available": comment.published,
    }, status=400 if data is not None else 200)


@login_required
def workflow_queue(request: HttpRequest) -> HttpResponse:
    """The secretariat's work: every open step of its committees, the most urgent first."""
    ids = selectors.secretariat_committee_ids(request.user)
    if not ids:
        raise PermissionDenied(_("The workflow pages are for the secretariat."))
    queue = selectors.workflow_queue(request.user)
    return render(request, "methodologies/queue.html", {
        "queue": [(m, m.deadline(), [a for a in ACTIONS.values() if a.shown(m)]) for m in queue],
        "returned": selectors.returned_to_proponents(request.user),
        "revisions": selectors.draft_revisions(request.user),
    })


@login_required
def my_proposals(request: HttpRequest) -> HttpResponse:
    return render(request, "methodologies/mine.html", {"methodologies": selectors.my_proposals(request.user)})
