"""Participants' monitoring pages: open a period, enter or upload the report, its evidence, submit it; the
monitoring spreadsheet."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from committee.roles import acting_user
from core.errors import ApplicationError
from core.forms import place_error, run_service
from core.views import form_status
from methodologies.choices import ParameterKind
from methodologies.models import MethodologyVersion, Parameter

from .. import access, forms, selectors, services
from ..choices import ReportStatus
from ..models import MonitoringPeriod, MonitoringReport, Project
from .common import _forbid_unless, _form_page, _period, _project, _value_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def period_create(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    _forbid_unless(access.MONITORING_PERIOD_CREATE, request, project)
    last = selectors.monitoring_period_list(request.user, project).order_by("-end_date").first()
    start = (last.end_date + datetime.timedelta(days=1)) if last else project.crediting_start
    data = request.POST if request.method == "POST" else None
    form = forms.PeriodForm(data, initial={"start_date": start})
    period = run_service(form, lambda: services.monitoring_period_create(actor=acting_user(request.user),
                                                                         project=project,
                                                                         **form.cleaned_data))
    if period:
        messages.success(request, _("Monitoring period %(n)s was opened.") % {"n": period.number})
        return redirect("projects:report", project.project_id, period.number)
    return _form_page(request, project, heading=_("Open a monitoring period"), form=form,
                      submit=_("Open the period"),
                      intro=_("Periods lie inside the crediting period (%(start)s – %(end)s) and follow each other "
                              "without gaps or overlaps.") % {"start": project.crediting_start,
                                                              "end": project.crediting_end},
                      available=access.MONITORING_PERIOD_CREATE.open(project))


def _report_version(request: HttpRequest, project: Project, draft: MonitoringReport | None
                    ) -> tuple[MethodologyVersion | None, list[MethodologyVersion]]:
    applied = list(project.methodology_versions.select_related("methodology"))
    wanted = request.POST.get("methodology_version") or request.GET.get("version")
    chosen = next((v for v in applied if str(v.pk) == str(wanted)), None)
    if chosen is None and draft is not None:
        chosen = next((v for v in applied if v.pk == draft.methodology_version_id), None)
    return chosen or (applied[0] if applied else None), applied


def _report_context(request: HttpRequest, project: Project, period: MonitoringPeriod) -> tuple[
        MonitoringReport | None, MonitoringReport | None, MethodologyVersion | None, list[MethodologyVersion],
        list[Parameter], list[str]]:
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
        place_error(exc, form)


def _report_page(request: HttpRequest, project: Project, period: MonitoringPeriod, *,
                 values_form: forms.MonitoringValuesForm | None = None,
                 upload_form: forms.SpreadsheetForm | None = None,
                 evidence_form: forms.EvidenceForm | None = None, status: int = 200) -> HttpResponse:
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
        "open": access.MONITORING_REPORT_SAVE.open(period), "sites": sites,
    }, status=status)


def _report_access(request: HttpRequest, project_id: str, number: int,
                   rule: access.Rule[MonitoringPeriod]) -> tuple[Project, MonitoringPeriod]:
    """The project and the period of a page of the draft report, if the user may act on it (else 403)."""
    project = _project(request, project_id)
    period = _period(request, project, number)
    _forbid_unless(rule, request, period)
    return project, period


def _warn(request: HttpRequest, report: MonitoringReport | None) -> None:
    """Values out of range are saved in the draft with a warning (the submission refuses them)."""
    for messages_of_symbol in (selectors.value_warnings(report) if report else {}).values():
        for message in messages_of_symbol:
            messages.warning(request, _("Warning: %(message)s") % {"message": message})


@login_required
def report_edit(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    """The monitoring report draft: values by form (saved and resumed), or from the filled spreadsheet,
    and its evidence files."""
    project, period = _report_access(request, project_id, number, access.MONITORING_REPORT_SAVE)
    if request.method != "POST":
        return _report_page(request, project, period)
    _draft, _last, version, applied, parameters, sites = _report_context(request, project, period)
    form = forms.MonitoringValuesForm(request.POST, parameters=parameters, sites=sites, values={})
    if form.is_valid():
        try:
            report = services.monitoring_report_save(actor=acting_user(request.user),
                                                     period=period, values=form.values(), replace=True,
                                                     methodology_version=version if len(applied) > 1 else None)
        except ApplicationError as exc:
            _place_value_errors(form, exc)
        else:
            messages.success(request, _("The draft report was saved. You can come back to it, or review and "
                                        "submit it."))
            _warn(request, report)
            return redirect("projects:report", project.project_id, period.number)
    return _report_page(request, project, period, values_form=form, status=form_status(form))


@login_required
@require_POST
def report_upload(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    project, period = _report_access(request, project_id, number, access.MONITORING_REPORT_UPLOAD)
    _draft, _last, version, applied, _parameters, _sites = _report_context(request, project, period)
    form = forms.SpreadsheetForm(request.POST, request.FILES)
    if run_service(form, lambda: services.monitoring_report_upload(
            actor=acting_user(request.user), period=period, file=form.cleaned_data["file"],
            methodology_version=version if len(applied) > 1 else None)) is not None:
        messages.success(request, _("The values were read from the spreadsheet into the draft report."))
        _warn(request, selectors.monitoring_report_list(request.user, period).filter(
            status=ReportStatus.DRAFT).first())
        return redirect("projects:report", project.project_id, period.number)
    return _report_page(request, project, period, upload_form=form, status=form_status(form))


@login_required
@require_POST
def evidence_add(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    project, period = _report_access(request, project_id, number, access.EVIDENCE_ADD)
    _draft, _last, _version, _applied, parameters, _sites = _report_context(request, project, period)
    form = forms.EvidenceForm(request.POST, request.FILES, parameters=parameters)
    if run_service(form, lambda: services.evidence_add(actor=acting_user(request.user),
                                                       period=period, **form.cleaned_data)):
        messages.success(request, _("The evidence file was added."))
        return redirect(reverse("projects:report", args=[project.project_id, period.number]) + "#evidence")
    return _report_page(request, project, period, evidence_form=form, status=form_status(form))


@login_required
@require_POST
def evidence_remove(request: HttpRequest, project_id: str, number: int, pk: int) -> HttpResponse:
    project, period = _report_access(request, project_id, number, access.MONITORING_REPORT_SAVE)  # the draft's page
    evidence = selectors.evidence_list(request.user).filter(pk=pk, report__period=period).first()
    if evidence is None:
        raise Http404(_("There is no such file."))
    try:
        services.evidence_remove(actor=acting_user(request.user), evidence=evidence)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The evidence file was removed."))
    return redirect(reverse("projects:report", args=[project.project_id, period.number]) + "#evidence")


@login_required
def report_submit(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    """Review the saved draft and submit it: the engine computes the reductions, frozen with the report."""
    project, period = _report_access(request, project_id, number, access.MONITORING_REPORT_SUBMIT)
    draft = selectors.monitoring_report_list(request.user, period).filter(status=ReportStatus.DRAFT).first()
    tpes = selectors.tpe_choices(project, "verification")
    data = request.POST if request.method == "POST" else None
    form = forms.ReportSubmitForm(data, tpes=tpes, initial={
        "verification_tpe": project.validation_tpe_id if (project.validation_tpe_id is not None and tpes.filter(
            pk=project.validation_tpe_id).exists()) else None})
    problems: dict[str, list[str]] = {}
    if data is not None and form.is_valid():
        try:
            report = services.monitoring_report_submit(actor=acting_user(request.user),
                                                       period=period, **form.cleaned_data)
        except ApplicationError as exc:
            place_error(exc, form)
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
        "available": access.MONITORING_REPORT_SUBMIT.open(period) and draft is not None,
        "waiting": selectors.waiting_period(period),
    }, status=form_status(form))


def workbook_download(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    """The methodology's monitoring spreadsheet with the project's sites, to fill in and upload."""
    project = _project(request, project_id)
    period = _period(request, project, number)
    version, _applied = _report_version(request, project, None)
    name, data = selectors.monitoring_workbook(period, version)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
