"""The Project Idea Note, the Assessment of Reference Emissions, the Project Implementation Report and the
sustainable-development contribution plan and report: submitted, returned with comments and resubmitted,
accepted or withdrawn. Every step is audited (``projects.project_form.<verb>``) and notifies the other side;
acceptance makes the form's PDF (documents kind ``project_form``)."""

from __future__ import annotations

import datetime

from django.db import transaction

from committee.models import User
from core import audit, events
from core.errors import ApplicationError, Conflict
from core.workflow import check_transition, relock, validated_save
from methodologies.models import MethodologyVersion

from ..access import (
    FORM_SUBMIT,
    form_reviewer_users,
    is_participant,
    participant_users,
    require_project_form_accept,
    require_project_form_resubmit,
    require_project_form_return,
    require_project_form_submit,
    require_project_form_withdraw,
    uses_sd_forms,
)
from ..choices import CLOSED_STATUSES, ProjectStatus
from ..form_choices import (
    PENDING_FORM_STATUSES,
    PERIOD_FORM_KINDS,
    PROJECT_FORM_TRANSITIONS,
    ProjectFormKind,
    ProjectFormStatus,
    review_days,
)
from ..models import MonitoringPeriod, Project, ProjectForm
from .common import _lock_project, _now, _tell, _today

FORM_LABELS = dict(ProjectFormStatus.choices)


def _text(value: str | None, message: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(message, field=field)
    return value


def _check_state(project: Project, kind: str) -> None:
    """The project states in which a form of ``kind`` may be submitted (the rule's "open", as a refusal)."""
    if project.status in CLOSED_STATUSES:
        raise Conflict(f"{project.project_id} is closed.", field="status")
    if kind == ProjectFormKind.PIN and project.status == ProjectStatus.REGISTERED:
        raise Conflict("A Project Idea Note precedes the registration of the project.", field="kind")
    if kind in (ProjectFormKind.PIR, ProjectFormKind.SD_REPORT) and project.status != ProjectStatus.REGISTERED:
        raise Conflict(f"A {ProjectFormKind(kind).label} is for a registered project.", field="kind")
    if kind in (ProjectFormKind.SD_PLAN, ProjectFormKind.SD_REPORT) and not uses_sd_forms(project):
        raise Conflict(f"The {project.joint_committee} does not use sustainable development contribution plans "
                       "and reports.", field="kind")
    if kind == ProjectFormKind.SD_REPORT and not project.project_forms.filter(
            kind=ProjectFormKind.SD_PLAN, status=ProjectFormStatus.ACCEPTED).exists():
        raise Conflict("A sustainable development contribution report follows an accepted plan.", field="kind")


def _check_period(project: Project, form: ProjectForm, *, period_start: datetime.date | None,
                  period_end: datetime.date | None, monitoring_period: MonitoringPeriod | None) -> None:
    """A PIR covers a period that has ended, after the start of operation and not covered by another PIR; an SD
    report covers one of the project's monitoring periods, which has ended."""
    if form.kind == ProjectFormKind.SD_REPORT:
        if monitoring_period is None or monitoring_period.project_id != project.pk:
            raise ApplicationError("Choose one of the project's monitoring periods.", field="monitoring_period")
        period_start, period_end = monitoring_period.start_date, monitoring_period.end_date
        form.monitoring_period = monitoring_period
    if form.kind not in PERIOD_FORM_KINDS:
        form.period_start = form.period_end = None
        return
    if period_start is None:
        raise ApplicationError("Give the first day of the period.", field="period_start")
    if period_end is None:
        raise ApplicationError("Give the last day of the period.", field="period_end")
    if period_end < period_start:
        raise ApplicationError("The period cannot end before it starts.", field="period_end")
    if period_end >= _today():
        raise ApplicationError(f"A report covers a period that has ended: {period_end} is not before today.",
                               field="monitoring_period" if form.kind == ProjectFormKind.SD_REPORT else "period_end")
    if form.kind == ProjectFormKind.PIR:
        if project.start_of_operation and period_start < project.start_of_operation:
            raise ApplicationError(f"A Project Implementation Report covers time after the start of operation "
                                   f"({project.start_of_operation}).", field="period_start")
        overlap = project.project_forms.filter(kind=ProjectFormKind.PIR, period_start__lte=period_end,
                                               period_end__gte=period_start).exclude(pk=form.pk).exclude(
            status=ProjectFormStatus.WITHDRAWN)
        if overlap.exists():
            raise ApplicationError("Another Project Implementation Report covers part of this period.",
                                   field="period_start")
    form.period_start, form.period_end = period_start, period_end


def _check_methodology(project: Project, form: ProjectForm, version: MethodologyVersion | None) -> None:
    if form.kind != ProjectFormKind.ARE:
        form.methodology_version = None
        return
    if version is None or not project.methodology_versions.filter(pk=version.pk).exists():
        raise ApplicationError("Choose a methodology the project applies.", field="methodology_version")
    form.methodology_version = version


@transaction.atomic
def project_form_submit(*, actor: User, project: Project, kind: str, title: str, content: str,
                        period_start: datetime.date | None = None, period_end: datetime.date | None = None,
                        monitoring_period: MonitoringPeriod | None = None,
                        methodology_version: MethodologyVersion | None = None) -> ProjectForm:
    """A participant (for an ARE also the validating TPE) submits a form about the project to its reviewer."""
    if kind not in FORM_SUBMIT:
        raise ApplicationError("Choose a kind of form.", field="kind")
    project = _lock_project(project)
    require_project_form_submit(actor, project, kind)
    _check_state(project, kind)
    if project.project_forms.filter(kind=kind, status__in=list(PENDING_FORM_STATUSES)).exists():
        raise Conflict(f"A {ProjectFormKind(kind).label} of {project.project_id} is already under review.",
                       field="kind")
    form = ProjectForm(project=project, kind=kind, submitted_by=actor,
                       title=_text(title, "Give the form a title.", "title"),
                       content=_text(content, "The form has no content.", "content"),
                       submitted_as="participant" if kind != ProjectFormKind.ARE or is_participant(actor, project)
                       else "tpe")
    _check_period(project, form, period_start=period_start, period_end=period_end, monitoring_period=monitoring_period)
    _check_methodology(project, form, methodology_version)
    form.submitted_at = _now()
    form.due_on = _today() + datetime.timedelta(days=review_days(kind))
    validated_save(form)
    event = audit.record(actor=actor, action="projects.project_form.submit", target=form, data=_data(form))
    _tell(event, form_reviewer_users(form), kind="projects.project_form.submitted",
          subject=f"{project.project_id}: {form.get_kind_display()} submitted", url=form.get_absolute_url())
    return form


def _data(form: ProjectForm) -> dict:
    return {"project": form.project.project_id, "kind": form.kind, "revision": form.revision,
            "title": form.title, "period_start": form.period_start, "period_end": form.period_end,
            "monitoring_period": form.monitoring_period_id, "methodology_version": form.methodology_version_id,
            "due_on": form.due_on}


def _lock_form(form: ProjectForm) -> ProjectForm:
    project = _lock_project(form.project)
    form = relock(form)
    form.project = project
    return form


def _move(form: ProjectForm, target: str) -> None:
    check_transition(PROJECT_FORM_TRANSITIONS, form.status, target, what=f"The {form.get_kind_display()}",
                     labels=FORM_LABELS)


@transaction.atomic
def project_form_resubmit(*, actor: User, form: ProjectForm, title: str, content: str,
                          period_start: datetime.date | None = None, period_end: datetime.date | None = None,
                          monitoring_period: MonitoringPeriod | None = None,
                          methodology_version: MethodologyVersion | None = None) -> ProjectForm:
    """The submitting side answers the reviewer's comments with a revised form (a new revision)."""
    form = _lock_form(form)
    require_project_form_resubmit(actor, form)
    _move(form, ProjectFormStatus.SUBMITTED)
    project = form.project
    _check_state(project, form.kind)
    form.title = _text(title, "Give the form a title.", "title")
    form.content = _text(content, "The form has no content.", "content")
    _check_period(project, form, period_start=period_start, period_end=period_end, monitoring_period=monitoring_period)
    _check_methodology(project, form, methodology_version)
    form.status, form.revision, form.submitted_by, form.submitted_at = (
        ProjectFormStatus.SUBMITTED, form.revision + 1, actor, _now())
    form.due_on = _today() + datetime.timedelta(days=review_days(form.kind))
    validated_save(form)
    event = audit.record(actor=actor, action="projects.project_form.resubmit", target=form, data=_data(form))
    _tell(event, form_reviewer_users(form), kind="projects.project_form.submitted",
          subject=f"{project.project_id}: {form.get_kind_display()} resubmitted (revision {form.revision})",
          url=form.get_absolute_url())
    return form


@transaction.atomic
def project_form_withdraw(*, actor: User, form: ProjectForm, reason: str = "") -> ProjectForm:
    """The submitting side withdraws a form under review."""
    form = _lock_form(form)
    require_project_form_withdraw(actor, form)
    _move(form, ProjectFormStatus.WITHDRAWN)
    form.status = ProjectFormStatus.WITHDRAWN
    form.save(update_fields=["status"])
    event = audit.record(actor=actor, action="projects.project_form.withdraw", target=form,
                         data={"project": form.project.project_id, "kind": form.kind}, message=(reason or "").strip())
    _tell(event, form_reviewer_users(form), kind="projects.project_form.withdrawn",
          subject=f"{form.project.project_id}: {form.get_kind_display()} withdrawn", url=form.get_absolute_url())
    return form


@transaction.atomic
def project_form_accept(*, actor: User, form: ProjectForm, comments: str = "") -> ProjectForm:
    """The reviewing secretariat accepts the form; its PDF is made."""
    form = _lock_form(form)
    require_project_form_accept(actor, form)
    _move(form, ProjectFormStatus.ACCEPTED)
    form.status, form.reviewed_by, form.reviewed_at = ProjectFormStatus.ACCEPTED, actor, _now()
    form.comments = (comments or "").strip()
    form.save(update_fields=["status", "reviewed_by", "reviewed_at", "comments"])
    event = audit.record(actor=actor, action="projects.project_form.accept", target=form,
                         data={"project": form.project.project_id, "kind": form.kind, "revision": form.revision},
                         message=form.comments)
    _tell(event, participant_users(form.project), kind="projects.project_form.accepted",
          subject=f"{form.project.project_id}: {form.get_kind_display()} accepted", body=form.comments,
          url=form.get_absolute_url())
    events.emit("projects.project_form.accepted", form_id=form.pk)
    return form


@transaction.atomic
def project_form_return(*, actor: User, form: ProjectForm, comments: str) -> ProjectForm:
    """The reviewing secretariat returns the form with its comments; the submitting side may resubmit."""
    form = _lock_form(form)
    require_project_form_return(actor, form)
    _move(form, ProjectFormStatus.RETURNED)
    form.comments = _text(comments, "Say what must change.", "comments")
    form.status, form.reviewed_by, form.reviewed_at = ProjectFormStatus.RETURNED, actor, _now()
    form.save(update_fields=["status", "reviewed_by", "reviewed_at", "comments"])
    event = audit.record(actor=actor, action="projects.project_form.return", target=form,
                         data={"project": form.project.project_id, "kind": form.kind, "revision": form.revision},
                         message=form.comments)
    _tell(event, participant_users(form.project), kind="projects.project_form.returned",
          subject=f"{form.project.project_id}: {form.get_kind_display()} returned with comments",
          body=form.comments, url=form.get_absolute_url())
    return form
