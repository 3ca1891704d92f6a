"""Browser pages of the methodologies app.

Public pages read through ``methodologies.selectors`` and offer an action only when
``methodologies.access`` says the user may take it (and the methodology is at that step). Every page
that changes something asks the same rule (403 otherwise), validates its form and calls ONE service
through ``core.forms.run_service``; a refused action is shown on the form (status 400). The service
checks the actor again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committee import selectors as committee_selectors
from committee.access import Viewer
from committee.models import JointCommittee
from committee.roles import acting_user
from core.errors import ApplicationError, NotFound
from core.forms import all_valid, run_service
from core.views import form_status, safe_next

from . import access, engine, forms, selectors, services
from .choices import EDITABLE_STATUSES, MethodologyStatus, VersionStatus
from .content import MethodologyContent
from .filters import MethodologyFilter
from .models import Methodology, MethodologyVersion, PublicComment

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

T = TypeVar("T")
REASON_STATUSES = {MethodologyStatus.RETURNED, MethodologyStatus.REVISION_REQUESTED, MethodologyStatus.REJECTED,
                   MethodologyStatus.INACTIVE}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- helpers ----------------------------------------------------------------------------------------

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


def _rows_by_symbol(formsets: Mapping[str, django_forms.BaseFormSet]) -> dict[str, django_forms.Form]:
    """The parameter or formula row (of validated formsets) that defines each symbol: a refusal that names
    a symbol is shown on its row."""
    rows: dict[str, django_forms.Form] = {}
    for name in ("parameters", "formulas"):
        for row in formsets[name].forms:
            symbol = (getattr(row, "cleaned_data", None) or {}).get("symbol")
            if symbol:
                rows.setdefault(symbol, row)
    return rows


def _save_content(form: django_forms.Form, formsets: dict[str, django_forms.BaseFormSet],
                  call: Callable[[], T]) -> T | None:
    """Validate the form and the content formsets, then call the ONE service; a refusal lands on the field,
    the row of the symbol or the formset it names, else on the form (``core.forms.place_error``)."""
    if not all_valid(form, *formsets.values()):
        return None
    return run_service(form, call, rows=_rows_by_symbol(formsets), named_formsets=formsets)


def _content_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    return render(request, "methodologies/content_form.html", context,
                  status=form_status(context["form"], *context["formsets"].values()))


# --- public pages -----------------------------------------------------------------------------------

def methodology_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.methodology_list(request.user)
    flt = MethodologyFilter(request.GET or None, queryset=qs)
    methodologies = list(flt.qs) if flt.is_bound and flt.is_valid() else list(qs)
    return render(request, "methodologies/list.html", {
        "methodologies": methodologies, "filter": flt, "selected": request.GET,
        "committees": committee_selectors.joint_committee_list(request.user),
        "scopes": committee_selectors.scope_list(request.user), "statuses": MethodologyStatus.choices,
        "is_secretariat": bool(selectors.secretariat_committee_ids(request.user)),
        "can_propose": bool(selectors.proposal_committees(request.user)),
    }, status=400 if flt.is_bound and not flt.is_valid() else 200)


def _offered(user: Viewer, methodology: Methodology, shown: MethodologyVersion) -> dict[str, Any]:
    """What the detail page offers ``user``: each button only when ``methodologies.access`` allows the action
    and the methodology (or the version shown) is at its step."""
    draft_revision = shown.status == VersionStatus.DRAFT and shown.revises_id is not None
    return {
        "actions": [a for a in ACTIONS.values() if a.shown(methodology) and a.allowed(user, methodology)],
        "version_actions": [a for a in VERSION_ACTIONS.values() if draft_revision and a.allowed(user, shown)],
        "can_edit_draft": draft_revision and access.can_edit_version(user, shown),
        "can_resubmit": methodology.status in EDITABLE_STATUSES and access.can_resubmit(user, methodology),
        "can_request_revision": (methodology.status == MethodologyStatus.APPROVED
                                 and access.can_request_revision(user, methodology)
                                 and not methodology.versions.filter(status=VersionStatus.DRAFT).exists()),
    }


def methodology_detail(request: HttpRequest, number: str, version: str | None = None,
                       comment_form: forms.CommentForm | None = None, status: int = 200) -> HttpResponse:
    methodology = _methodology(request, number)
    if number.upper() != methodology.number and version is None:
        return redirect(methodology)  # a proposed number leads to the approved methodology
    if methodology.source and version is None and not methodology.versions.exists():
        # reference data whose source gives no version (MN_AM001): what the register says, and the source
        return render(request, "methodologies/reference_detail.html", {"methodology": methodology})
    shown = _version(request, methodology, version)
    comments = list(selectors.comment_list(request.user, methodology).select_related("version"))
    for comment in comments:
        comment.can_unpublish = access.can_unpublish_comment(request.user, comment)
    context = {
        "methodology": methodology, "version": shown,
        "versions": list(selectors.version_list(request.user).filter(methodology=methodology).order_by("-version")),
        "formulas": [(f, _readable(f.expression)) for f in shown.formulas.all()],
        "comments": comments,
        "show_emails": access.can_see_commenter_email(request.user, methodology),
        "deadline": methodology.deadline(),
        "comment_form": comment_form or (forms.CommentForm() if methodology.is_open_for_comments else None),
        "show_reason": bool(methodology.status_reason) and methodology.status in REASON_STATUSES,
        **_offered(request.user, methodology, shown),
    }
    return render(request, "methodologies/detail.html", context, status=status)


def comment_submit(request: HttpRequest, number: str) -> HttpResponse:
    methodology = _methodology(request, number)
    if request.method != "POST":
        return redirect(methodology.get_absolute_url() + "#comments")
    form = forms.CommentForm(request.POST)
    comment = run_service(form, lambda: services.comment_submit(actor=request.user, methodology=methodology,
                                                                **form.cleaned_data))
    if comment is not None:
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


def _calculation(version: MethodologyVersion, form: forms.CalculationForm, sites: list[str]) -> dict[str, Any]:
    """The calculation of the values entered (or of the uploaded spreadsheet), as the page shows it."""
    upload = form.cleaned_data.get("workbook")
    if upload:
        return selectors.calculate(version, selectors.read_monitoring_workbook(version, upload.read())).as_dict()
    return selectors.calculate(version, form.values(), sites=sites).as_dict()


def _value_fields(form: forms.CalculationForm) -> dict[str, str]:
    """A refusal that names a parameter goes on the first field of its values (unless a field has that name)."""
    fields: dict[str, str] = {}
    for parameter, _site, name in form.rows:
        if parameter.symbol not in form.fields:
            fields.setdefault(parameter.symbol, name)
    return fields


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
    if data is not None and "update_sites" not in data:
        result = run_service(form, lambda: _calculation(shown, form, sites), aliases=_value_fields(form))
        status = 200 if result is not None else 400
    return render(request, "methodologies/calculate.html", {
        "methodology": methodology, "version": shown, "form": form, "result": result,
        "defaults": [p for p in parameters if p.kind == "default"],
        "formulas": [(f, _readable(f.expression)) for f in shown.formulas.all()],
    }, status=status)


# --- proponent pages ------------------------------------------------------------------------------

def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


@login_required
def methodology_propose(request: HttpRequest) -> HttpResponse:
    allowed = selectors.proposal_committees(request.user)
    if not allowed:
        raise PermissionDenied(_("Only project participants and the secretariat may propose a methodology."))
    data = _posted(request)
    form = forms.MethodologyForm(data, request.FILES or None)
    committees = cast(ModelChoiceField, form.fields["joint_committee"])  # (declared so by MethodologyForm)
    committees.queryset = JointCommittee.objects.filter(pk__in=[jc.pk for jc in allowed])
    if selectors.participant_organization(request.user) is None:
        form.fields["proponent_name"].required = True
        form.fields["proponent_name"].help_text = _("The organization or person proposing the methodology.")
    formsets = forms.content_formsets(data)
    if data is not None:
        methodology = _save_content(form, formsets, lambda: services.methodology_submit(
            actor=acting_user(request.user), joint_committee=form.cleaned_data["joint_committee"],
            title=form.cleaned_data["title"], summary=form.cleaned_data["summary"],
            sectoral_scope=form.cleaned_data["sectoral_scope"], proponent_name=form.cleaned_data["proponent_name"],
            document=form.cleaned_data["document"], content=forms.content_from(formsets)))
        if methodology is not None:
            messages.success(request, _("%(number)s was submitted. The secretariat checks it for completeness "
                                        "by %(due)s.") % {"number": methodology.proposed_number,
                                                          "due": methodology.completeness_due_on})
            return redirect(methodology)
    return _content_page(request, {
        "heading": _("Propose a methodology"), "form": form, "formsets": formsets, "submit": _("Submit"),
        "intro": _("The secretariat checks the proposal for completeness within 7 days; public input follows."),
        "back_url": "methodologies:list",
    })


@login_required
def methodology_resubmit(request: HttpRequest, number: str) -> HttpResponse:
    methodology = _methodology(request, number)
    if not access.can_resubmit(request.user, methodology):
        raise PermissionDenied(_("Only the proponent or the secretariat may resubmit this methodology."))
    draft = methodology.versions.filter(status=VersionStatus.DRAFT).first()
    data = _posted(request)
    form = forms.ResubmitForm(data, request.FILES or None, initial={
        "title": methodology.title, "summary": methodology.summary, "sectoral_scope": methodology.sectoral_scope})
    formsets = forms.content_formsets(data, MethodologyContent.of_version(draft) if draft else None)
    if data is not None:
        done = _save_content(form, formsets, lambda: services.methodology_resubmit(
            actor=acting_user(request.user),
            methodology=methodology, content=forms.content_from(formsets), **form.cleaned_data))
        if done is not None:
            messages.success(request, _("%(number)s was resubmitted.") % {"number": methodology.number})
            return redirect(methodology)
    return _content_page(request, {
        "heading": _("Revise and resubmit %(number)s") % {"number": methodology.number}, "form": form,
        "formsets": formsets, "submit": _("Resubmit"), "methodology": methodology,
        "intro": methodology.status_reason, "back_url": methodology.get_absolute_url(),
    })


@login_required
def revision_request(request: HttpRequest, number: str) -> HttpResponse:
    methodology = _methodology(request, number)
    if not access.can_request_revision(request.user, methodology):
        raise PermissionDenied()
    current = methodology.versions.filter(status=VersionStatus.VALID).first()
    if current is None:
        raise Http404(_("%(number)s has no valid version to revise.") % {"number": methodology.number})
    data = _posted(request)
    form = forms.RevisionRequestForm(data, request.FILES or None)
    formsets = forms.content_formsets(data, MethodologyContent.of_version(current))
    if data is not None:
        version = _save_content(form, formsets, lambda: services.revision_request(
            actor=acting_user(request.user),
            methodology=methodology, content=forms.content_from(formsets), **form.cleaned_data))
        if version is not None:
            messages.success(request, _("Revision %(version)s was requested.") % {"version": version.version})
            return redirect(version)
    return _content_page(request, {
        "heading": _("Request a revision of %(number)s") % {"number": methodology.number}, "form": form,
        "formsets": formsets, "submit": _("Request the revision"), "methodology": methodology,
        "intro": _("The content below is a copy of %(version)s; change what the revision changes.")
        % {"version": current.version}, "back_url": methodology.get_absolute_url(),
    })


@login_required
def version_edit(request: HttpRequest, number: str, version: str) -> HttpResponse:
    methodology = _methodology(request, number)
    shown = _version(request, methodology, version)
    if not access.can_edit_version(request.user, shown):
        raise PermissionDenied()
    data = _posted(request)
    form = forms.VersionDocumentForm(data, request.FILES or None)
    formsets = forms.content_formsets(data, MethodologyContent.of_version(shown))
    if data is not None:
        done = _save_content(form, formsets, lambda: services.version_update_content(
            actor=acting_user(request.user), version=shown, content=forms.content_from(formsets),
            document=form.cleaned_data["document"]))
        if done is not None:
            messages.success(request, _("%(version)s was saved.") % {"version": shown})
            return redirect(shown)
    return _content_page(request, {
        "heading": _("Edit the draft %(version)s") % {"version": shown}, "form": form, "formsets": formsets,
        "submit": _("Save"), "methodology": methodology, "back_url": shown.get_absolute_url(),
    })


# --- secretariat pages ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    """One workflow step offered to the secretariat: its form, the ONE service it calls and the rule of
    ``methodologies.access`` that says who may take it."""

    name: str
    label: StrOrPromise
    form: type[django_forms.Form]
    call: Callable[..., Any]
    allowed: Callable[[Viewer, Any], bool]
    statuses: frozenset[str]
    intro: StrOrPromise = ""
    danger: bool = False
    decision: bool = False  # the form records a Joint Committee decision
    when: Callable[[Methodology], bool] | None = None  # offered only when this holds too

    def shown(self, methodology: Methodology) -> bool:
        return methodology.status in self.statuses and (self.when is None or self.when(methodology))

    def make_form(self, data: QueryDict | None, joint_committee: JointCommittee) -> django_forms.Form:
        if self.decision and issubclass(self.form, forms.DecisionForm):
            return self.form(data, joint_committee=joint_committee)
        return self.form(data)

    def kwargs(self, form: django_forms.Form) -> dict[str, Any]:
        if self.decision and isinstance(form, forms.DecisionForm):
            return form.service_kwargs()
        return dict(form.cleaned_data)


S = MethodologyStatus
ACTIONS = {a.name: a for a in [
    Action("accept-complete", gettext_lazy("Complete: open public input"), forms.NoFieldsForm,
           services.methodology_accept_complete, access.can_accept_complete, frozenset({S.SUBMITTED}),
           gettext_lazy("The proposal is published and anyone may comment during the public input period.")),
    Action("return-incomplete", gettext_lazy("Incomplete: return to the proponent"), forms.ReasonForm,
           services.methodology_return_incomplete, access.can_return_incomplete, frozenset({S.SUBMITTED}),
           danger=True),
    Action("close-public-input", gettext_lazy("Close public input"), forms.NoFieldsForm,
           services.methodology_close_public_input, access.can_close_public_input, frozenset({S.PUBLIC_INPUT}),
           gettext_lazy("Normally done by the deadline task when the period is over; consideration by the Joint "
                        "Committee starts."), when=lambda m: m.is_overdue),
    Action("extend-consideration", gettext_lazy("Extend the consideration"), forms.ExtendForm,
           services.methodology_extend_consideration, access.can_extend_consideration,
           frozenset({S.CONSIDERATION}), gettext_lazy("Once, up to 90 days from the start of the consideration.")),
    Action("approve", gettext_lazy("Approve (record the decision)"), forms.ApproveForm,
           services.methodology_approve, access.can_approve, frozenset({S.CONSIDERATION}),
           gettext_lazy("Records the Joint Committee's decision; the methodology gets its approved number and "
                        "ver01.0 becomes valid."), decision=True),
    Action("reject", gettext_lazy("Not approved (record the decision)"), forms.DecisionWithReasonForm,
           services.methodology_reject, access.can_reject, frozenset({S.CONSIDERATION}), danger=True,
           decision=True),
    Action("return-for-revision", gettext_lazy("Return for revision"), forms.ReasonForm,
           services.methodology_request_revision, access.can_return_for_revision, frozenset({S.CONSIDERATION})),
    Action("inactivate", gettext_lazy("Make inactive (record the decision)"), forms.DecisionWithReasonForm,
           services.methodology_inactivate, access.can_inactivate, frozenset({S.APPROVED}), danger=True,
           decision=True),
]}
VERSION_ACTIONS = {a.name: a for a in [
    Action("approve", gettext_lazy("Approve the revision (record the decision)"), forms.RevisionApproveForm,
           services.revision_approve, access.can_approve_revision, frozenset(), decision=True),
    Action("reject", gettext_lazy("Revision not approved (record the decision)"), forms.DecisionWithReasonForm,
           services.revision_reject, access.can_reject_revision, frozenset(), danger=True, decision=True),
]}
UNPUBLISH = Action("unpublish", gettext_lazy("Unpublish the comment"), forms.ReasonForm, services.comment_unpublish,
                   access.can_unpublish_comment, frozenset(), danger=True)


def _action_page(request: HttpRequest, *, action: Action, target: Methodology | MethodologyVersion | PublicComment,
                 methodology: Methodology, arg: str, available: bool = True,
                 done_url: str | None = None, extra: dict[str, Any] | None = None) -> HttpResponse:
    if not action.allowed(request.user, target):
        raise PermissionDenied(_("Only the secretariat of this Joint Committee may do this."))
    data = _posted(request)
    form = action.make_form(data, methodology.joint_committee)
    if data is not None:
        done = run_service(form, lambda: action.call(actor=acting_user(request.user), **{arg: target},
                                                     **action.kwargs(form)))
        if done is not None:
            messages.success(request, _done_message(action))
            page = methodology if isinstance(target, PublicComment) else target  # a comment: its methodology
            return redirect(done_url or safe_next(request) or page.get_absolute_url())
    return render(request, "methodologies/action.html", {
        "action": action, "form": form, "methodology": methodology, "target": target,
        "deadline": methodology.deadline(), "next": request.GET.get("next", ""), "available": available,
        **(extra or {}),
    }, status=form_status(form))


def _done_message(action: Action) -> str:
    if action is UNPUBLISH:
        return _("The comment was unpublished.")
    return _("Done: %(action)s.") % {"action": action.label}


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
    return _action_page(request, action=UNPUBLISH, target=comment, methodology=methodology, arg="comment",
                        available=comment.published, done_url=methodology.get_absolute_url() + "#comments",
                        extra={"comment": comment, "deadline": None, "next": ""})  # the comment, not the step


@login_required
def workflow_queue(request: HttpRequest) -> HttpResponse:
    """The secretariat's work: every open step of its committees, the most urgent first."""
    user = request.user
    if not selectors.secretariat_committee_ids(user):
        raise PermissionDenied(_("The workflow pages are for the secretariat."))
    revisions = list(selectors.draft_revisions(user))
    for revision in revisions:
        revision.can_approve = access.can_approve_revision(user, revision)
        revision.can_reject = access.can_reject_revision(user, revision)
    return render(request, "methodologies/queue.html", {
        "queue": [(m, m.deadline(), [a for a in ACTIONS.values() if a.shown(m) and a.allowed(user, m)])
                  for m in selectors.workflow_queue(user)],
        "returned": selectors.returned_to_proponents(user),
        "revisions": revisions,
    })


@login_required
def my_proposals(request: HttpRequest) -> HttpResponse:
    methodologies = list(selectors.my_proposals(request.user))
    for methodology in methodologies:
        methodology.can_resubmit = (methodology.status in EDITABLE_STATUSES
                                    and access.can_resubmit(request.user, methodology))
    return render(request, "methodologies/mine.html", {
        "methodologies": methodologies, "can_propose": bool(selectors.proposal_committees(request.user)),
    })
