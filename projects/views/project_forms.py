"""Pages of the project forms: Project Idea Note, Assessment of Reference Emissions, Project Implementation
Report, sustainable-development contribution plan and report. Submitting and resubmitting (the submitting
side), accepting and returning with comments (the reviewing secretariat), withdrawing. Each page calls ONE
service and offers only what its access rule allows."""

from __future__ import annotations

from typing import Any, cast

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committee.roles import acting_user
from core.fields import DateInput, RegistryForm
from core.forms import run_service
from methodologies.models import MethodologyVersion

from .. import access, selectors
from ..form_choices import PENDING_FORM_STATUSES, ProjectFormKind, ProjectFormStatus
from ..models import MonitoringPeriod, Project, ProjectForm
from ..services import project_forms as services
from .actions import Action, _action_page
from .common import _forbid_unless, _form_page, _project

# what each form is, for the page that submits it
INTROS = {
    ProjectFormKind.PIN: gettext_lazy(
        "A Project Idea Note describes the planned project before its PDD, for the secretariat's early "
        "feedback. It precedes the registration of the project."),
    ProjectFormKind.ARE: gettext_lazy(
        "An Assessment of Reference Emissions explains how the reference emissions of this project follow "
        "from the methodology it applies. A project participant or the TPE chosen for validation submits it; "
        "the secretariat reviews it."),
    ProjectFormKind.PIR: gettext_lazy(
        "A Project Implementation Report tells the secretariat how the registered project was implemented "
        "over a period that has ended."),
    ProjectFormKind.SD_PLAN: gettext_lazy(
        "The sustainable development contribution plan says how the project contributes to the sustainable "
        "development of the partner country. It is submitted with the PDD and reviewed by the partner "
        "country's side of the secretariat."),
    ProjectFormKind.SD_REPORT: gettext_lazy(
        "The sustainable development contribution report says what the project contributed during a monitoring "
        "period that has ended, against the accepted plan. It is reviewed by the partner country's side of the "
        "secretariat."),
}


class PeriodChoiceField(django_forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number}: {obj.label}"


class VersionChoiceField(django_forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.code)


class ProjectFormForm(RegistryForm):
    """The fields of a form of one kind (the period, the monitoring period or the methodology as it needs)."""

    title = django_forms.CharField(label=gettext_lazy("Title"), max_length=300)
    content = django_forms.CharField(label=gettext_lazy("Content"), widget=django_forms.Textarea(attrs={"rows": 10}))
    period_start = django_forms.DateField(label=gettext_lazy("First day of the period"), widget=DateInput(),
                                          required=False)
    period_end = django_forms.DateField(label=gettext_lazy("Last day of the period"), widget=DateInput(),
                                        required=False, help_text=gettext_lazy("The period must have ended."))
    monitoring_period = PeriodChoiceField(label=gettext_lazy("Monitoring period"), required=False,
                                          queryset=MonitoringPeriod.objects.none())
    methodology_version = VersionChoiceField(label=gettext_lazy("Methodology"), required=False,
                                             queryset=MethodologyVersion.objects.none())

    def __init__(self, data: Any, *, project: Project, kind: str, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.kind = kind
        if kind != ProjectFormKind.PIR:
            del self.fields["period_start"], self.fields["period_end"]
        else:
            self.fields["period_start"].required = self.fields["period_end"].required = True
        if kind != ProjectFormKind.SD_REPORT:
            del self.fields["monitoring_period"]
        else:
            field = cast(django_forms.ModelChoiceField, self.fields["monitoring_period"])
            field.required = True
            field.queryset = project.monitoring_periods.filter(end_date__lt=timezone.localdate()).order_by("number")
            field.help_text = gettext_lazy("Only the periods that have ended.")
        if kind != ProjectFormKind.ARE:
            del self.fields["methodology_version"]
        else:
            field = cast(django_forms.ModelChoiceField, self.fields["methodology_version"])
            field.required = True
            field.queryset = project.methodology_versions.select_related("methodology")

    def service_kwargs(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items()}


def _kind(kind: str) -> str:
    if kind not in ProjectFormKind.values:
        raise Http404(_("There is no such form."))
    return kind


def _project_form(request: HttpRequest, project_id: str, pk: int) -> tuple[Project, ProjectForm]:
    """The form and its project, as the form's readers see them (the secretariat reviews a Project Idea Note
    of a draft project, whose page it does not see)."""
    form = selectors.project_form_list(request.user).filter(project__project_id=project_id.upper(), pk=pk).first()
    if form is None:
        raise Http404(_("There is no such form."))
    return form.project, form


@login_required
def project_form_create(request: HttpRequest, project_id: str, kind: str) -> HttpResponse:
    project = _project(request, project_id)
    rule = access.FORM_SUBMIT[_kind(kind)]
    _forbid_unless(rule, request, project)
    data = request.POST if request.method == "POST" else None
    form = ProjectFormForm(data, project=project, kind=kind)
    created = run_service(form, lambda: services.project_form_submit(
        actor=acting_user(request.user), project=project, kind=kind, **form.service_kwargs()))
    if created:
        messages.success(request, _("%(form)s submitted; the reviewer answers by %(due)s.") % {
            "form": created.get_kind_display(), "due": created.due_on.isoformat()})
        return redirect(created.get_absolute_url())
    return _form_page(request, project, heading=str(ProjectFormKind(kind).label), form=form,
                      submit=_("Submit"), intro=str(INTROS[ProjectFormKind(kind)]),
                      back_url=project.get_absolute_url() + "#project-forms", available=rule.open(project))


@login_required
def project_form_resubmit(request: HttpRequest, project_id: str, pk: int) -> HttpResponse:
    project, target = _project_form(request, project_id, pk)
    _forbid_unless(access.PROJECT_FORM_RESUBMIT, request, target)
    data = request.POST if request.method == "POST" else None
    initial = {"title": target.title, "content": target.content, "period_start": target.period_start,
               "period_end": target.period_end, "monitoring_period": target.monitoring_period_id,
               "methodology_version": target.methodology_version_id}
    form = ProjectFormForm(data, project=project, kind=target.kind, initial=initial)
    done = run_service(form, lambda: services.project_form_resubmit(
        actor=acting_user(request.user), form=target, **form.service_kwargs()))
    if done:
        messages.success(request, _("%(form)s resubmitted.") % {"form": done.get_kind_display()})
        return redirect(done.get_absolute_url())
    return _form_page(request, project, heading=_("Resubmit: %(form)s") % {"form": target.get_kind_display()},
                      form=form, submit=_("Resubmit"), intro=target.comments,
                      back_url=target.get_absolute_url(), available=access.PROJECT_FORM_RESUBMIT.open(target))


class CommentsForm(RegistryForm):
    comments = django_forms.CharField(label=gettext_lazy("Comments"), widget=django_forms.Textarea(attrs={"rows": 5}))


class OptionalCommentsForm(RegistryForm):
    comments = django_forms.CharField(label=gettext_lazy("Comments"), required=False,
                                      widget=django_forms.Textarea(attrs={"rows": 3}))


class OptionalReasonForm(RegistryForm):
    reason = django_forms.CharField(label=gettext_lazy("Reason"), required=False, widget=django_forms.Textarea(attrs={"rows": 3}))


FORM_ACTIONS = {a.name: a for a in [
    Action("accept", gettext_lazy("Accept"), access.PROJECT_FORM_ACCEPT, services.project_form_accept,
           OptionalCommentsForm, target="form", primary=True),
    Action("return", gettext_lazy("Return with comments"), access.PROJECT_FORM_RETURN, services.project_form_return,
           CommentsForm, target="form", danger=True),
    Action("withdraw", gettext_lazy("Withdraw"), access.PROJECT_FORM_WITHDRAW, services.project_form_withdraw,
           OptionalReasonForm, target="form"),
]}


@login_required
def project_form_action(request: HttpRequest, project_id: str, pk: int, action: str) -> HttpResponse:
    if action not in FORM_ACTIONS:
        raise Http404()
    project, target = _project_form(request, project_id, pk)
    return _action_page(request, project=project, action=FORM_ACTIONS[action], target=target,
                        back_url=target.get_absolute_url(),
                        subject=f"{target.get_kind_display()}: {target.title} ({_('revision')} {target.revision})")


def form_actions(permissions: access.Permissions, form: ProjectForm) -> list[Action]:
    """The steps a page offers on ``form`` (exactly those its services would take)."""
    can = permissions.of(form)
    return [a for a in FORM_ACTIONS.values() if can.offers(a.rule)]


def project_form_rows(user: Any, project: Project) -> dict[str, Any]:
    """The project page's section: the forms with their actions, and the kinds the user may submit now."""
    permissions = access.Permissions(user, project)
    rows = [(f, form_actions(permissions, f), permissions.of(f).offers(access.PROJECT_FORM_RESUBMIT))
            for f in selectors.project_form_list(user, project)]
    submit = [(kind, label) for kind, label in ProjectFormKind.choices
              if permissions.offers(access.FORM_SUBMIT[kind])]
    return {"project_forms": rows, "project_form_submit": submit}


@login_required
def project_form_detail(request: HttpRequest, project_id: str, pk: int) -> HttpResponse:
    project, target = _project_form(request, project_id, pk)
    permissions = access.Permissions(request.user, target)
    return render(request, "projects/project_form.html", {
        "project": project, "item": target, "actions": form_actions(permissions, target),
        "can_resubmit": permissions.offers(access.PROJECT_FORM_RESUBMIT),
        "pending": target.status in PENDING_FORM_STATUSES, "accepted": target.status == ProjectFormStatus.ACCEPTED,
    })


@login_required
def project_form_queue(request: HttpRequest) -> HttpResponse:
    """The forms under review that the user sees: for a reviewer, what waits for them (with the deadline);
    for a participant, where their forms stand."""
    rows = []
    for item in selectors.project_form_list(request.user).filter(status__in=list(PENDING_FORM_STATUSES)).order_by(
            "due_on", "pk"):
        permissions = access.Permissions(request.user, item)
        rows.append((item, form_actions(permissions, item)))
    return render(request, "projects/project_form_queue.html", {"rows": rows})
